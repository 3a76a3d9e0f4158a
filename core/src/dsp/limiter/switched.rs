//! The limiter with its on/off switch: the [`Limiter`] and a crossfade between its output
//! and the equally delayed unlimited signal, so switching it never clicks and never
//! changes the latency. While it rests fully off, its detector sleeps (the history is
//! still kept, so switching back on is safe at once).

use super::{Limiter, LimiterSettings};
use crate::dsp::crossfade::Crossfade;
use crate::dsp::stage::{Chunk, Stage, StageSetup};
use crate::dsp::{db_to_gain, Settings, MAX_CHUNK};

/// The limiter stage.
#[derive(Debug, Clone)]
pub struct SwitchedLimiter {
    limiter: Limiter,
    /// Unlimited (a) to limited (b).
    fade: Crossfade,
    /// Scratch: the unlimited delayed signal.
    unlimited: [[f32; MAX_CHUNK]; 2],
}

/// The limiter's settings within the chain's.
fn limiter_settings(s: &Settings) -> LimiterSettings {
    LimiterSettings {
        ceiling: db_to_gain(s.ceiling_db.clamp(-60.0, 0.0)),
        release_ms: s.release_ms,
    }
}

impl SwitchedLimiter {
    /// The stage for `sample_rate` Hz.
    pub fn new(sample_rate: f32, settings: &Settings, switch_samples: u32) -> Self {
        Self {
            limiter: Limiter::new(sample_rate, limiter_settings(settings)),
            fade: Crossfade::new(settings.limiter_on, switch_samples),
            unlimited: [[0.0; MAX_CHUNK]; 2],
        }
    }

    /// The limiter (read-only).
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }
}

impl Stage for SwitchedLimiter {
    fn build(setup: &StageSetup) -> Self {
        Self::new(setup.sample_rate, &setup.settings, setup.switch_samples)
    }

    fn apply(&mut self, settings: &Settings) {
        self.limiter.set_settings(limiter_settings(settings));
        self.fade.set(settings.limiter_on);
    }

    fn reset(&mut self) {
        self.fade.jump();
        self.limiter.reset();
    }

    fn latency_samples(&self) -> usize {
        self.limiter.latency_samples()
    }

    /// Also the chunk's gain meters: the smallest gain the limiter applied and its gain at
    /// the end.
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let (left, right) = (&mut *chunk.left, &mut *chunk.right);
        let len = left.len();
        self.limiter.set_detection(!self.fade.rests_at_a());
        // Resting at "limited", the unlimited signal is not mixed in: not even copied.
        let keep = if self.fade.rests_at_b() { 0 } else { len };
        let [ul, ur] = &mut self.unlimited;
        self.limiter
            .process(left, right, &mut ul[..keep], &mut ur[..keep]);
        chunk.meters.min_gain = self.limiter.take_min_gain();
        chunk.meters.gain = self.limiter.current_gain();
        self.fade
            .blend_into_b([&ul[..len], &ur[..len]], [left, right]);
    }
}
