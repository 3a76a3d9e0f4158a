//! Ear levels: the per-ear trim, dim and mute of the monitor controller, as one linear
//! gain per ear gliding over [`super::SWITCH_MS`] (click-free). It sits after everything
//! level-related (gain, correction, protection, the test signal) and before the limiter,
//! so the limiter still caps what reaches the ears, and the test signals are trimmed too
//! (which is how the channel check sets the trim). Muted and at rest it writes exact
//! zeros; at unity it is skipped (bit-transparent).

use super::ramp::Ramp;
use super::stage::{Chunk, Stage, StageSetup};
use super::Settings;

/// The ear-levels stage.
#[derive(Debug, Clone)]
pub struct EarLevels {
    /// Left and right ear gains.
    gains: [Ramp; 2],
}

impl EarLevels {
    /// The stage at `settings`; changes glide over `switch_samples`.
    pub fn new(settings: &Settings, switch_samples: u32) -> Self {
        Self {
            gains: settings
                .controller
                .ear_gains()
                .map(|g| Ramp::new(g, switch_samples)),
        }
    }
}

impl Stage for EarLevels {
    fn build(setup: &StageSetup) -> Self {
        Self::new(&setup.settings, setup.switch_samples)
    }

    fn apply(&mut self, settings: &Settings) {
        for (ramp, g) in self.gains.iter_mut().zip(settings.controller.ear_gains()) {
            ramp.set_target(g);
        }
    }

    fn reset(&mut self) {
        for ramp in &mut self.gains {
            ramp.jump_to(ramp.target());
        }
    }

    #[inline(always)]
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let (left, right) = (&mut *chunk.left, &mut *chunk.right);
        for (ramp, x) in self.gains.iter_mut().zip([left, right]) {
            if ramp.is_moving() {
                x.iter_mut().for_each(|v| *v *= ramp.next_value());
            } else if ramp.value() == 0.0 {
                x.fill(0.0);
            } else if ramp.value() != 1.0 {
                let g = ramp.value();
                x.iter_mut().for_each(|v| *v *= g);
            }
        }
    }
}
