//! Protection: the level reduction that glides in once the weekly sound allowance is used
//! up and the user asked for it (ITU-T H.871 recommends a gradual reduction; it glides
//! over [`PROTECT_RAMP_S`]). Skipped at unity, so it is bit-transparent while off.

use super::ramp::Ramp;
use super::stage::{Chunk, Stage, StageSetup};
use super::{db_to_gain, Settings};

/// Duration of the protective level reduction's glide, in seconds.
pub const PROTECT_RAMP_S: f64 = 10.0;
/// Largest protective reduction, in dB.
pub const MAX_PROTECT_DB: f32 = 40.0;

/// Linear protective gain for a reduction of `protect_db` (clamped to 0 … 40 dB; NaN is
/// the safest value, the full 40 dB).
pub fn protect_gain(protect_db: f32) -> f32 {
    if protect_db.is_nan() {
        return db_to_gain(-MAX_PROTECT_DB);
    }
    db_to_gain(-protect_db.clamp(0.0, MAX_PROTECT_DB))
}

/// The protection stage.
#[derive(Debug, Clone)]
pub struct Protection {
    /// Protective gain (1 = none), gliding slowly.
    gain: Ramp,
}

impl Protection {
    /// The stage for `sample_rate` Hz at `settings.protect_db`.
    pub fn new(sample_rate: f32, settings: &Settings) -> Self {
        Self {
            gain: Ramp::new(
                protect_gain(settings.protect_db),
                (PROTECT_RAMP_S * sample_rate as f64) as u32,
            ),
        }
    }
}

impl Stage for Protection {
    fn build(setup: &StageSetup) -> Self {
        Self::new(setup.sample_rate, &setup.settings)
    }

    fn apply(&mut self, settings: &Settings) {
        self.gain.set_target(protect_gain(settings.protect_db));
    }

    fn reset(&mut self) {
        self.gain.jump_to(self.gain.target());
    }

    #[inline(always)]
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let (left, right) = (&mut *chunk.left, &mut *chunk.right);
        if self.gain.is_moving() || self.gain.value() != 1.0 {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let g = self.gain.next_value();
                *l *= g;
                *r *= g;
            }
        }
    }
}
