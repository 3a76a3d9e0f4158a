//! The limiter with its on/off switch: the [`Limiter`] and a crossfade between its output
//! and the equally delayed unlimited signal, so switching it never clicks and never
//! changes the latency. While it rests fully off, its detector sleeps (the history is
//! still kept, so switching back on is safe at once).

use super::crossfade::Crossfade;
use super::{db_to_gain, Design, Limiter, LimiterSettings, Settings, Stage, MAX_CHUNK};

/// The limiter stage.
#[derive(Debug, Clone)]
pub struct SwitchedLimiter {
    limiter: Limiter,
    /// Unlimited (a) to limited (b).
    fade: Crossfade,
    /// Scratch: the unlimited delayed signal.
    unlimited: [[f32; MAX_CHUNK]; 2],
    /// Smallest gain of the last processed block.
    min_gain: f32,
}

/// The limiter's settings within the chain's.
fn limiter_settings(s: &Settings) -> LimiterSettings {
    LimiterSettings {
        ceiling: db_to_gain(s.ceiling_db.clamp(-60.0, 0.0)),
        release_ms: s.release_ms,
    }
}

impl SwitchedLimiter {
    /// The stage for `sample_rate` Hz with a limiter of `design`.
    pub fn new(sample_rate: f32, settings: &Settings, design: Design, switch_samples: u32) -> Self {
        Self {
            limiter: Limiter::with_design(sample_rate, limiter_settings(settings), design),
            fade: Crossfade::new(settings.limiter_on, switch_samples),
            unlimited: [[0.0; MAX_CHUNK]; 2],
            min_gain: 1.0,
        }
    }

    /// The limiter (read-only).
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// Smallest gain the limiter applied in the last block (1 = no reduction).
    pub fn take_min_gain(&mut self) -> f32 {
        std::mem::replace(&mut self.min_gain, 1.0)
    }
}

impl Stage for SwitchedLimiter {
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

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len();
        self.limiter.set_detection(!self.fade.rests_at_a());
        // Resting at "limited", the unlimited signal is not mixed in: not even copied.
        let keep = if self.fade.rests_at_b() { 0 } else { len };
        let [ul, ur] = &mut self.unlimited;
        self.limiter
            .process(left, right, &mut ul[..keep], &mut ur[..keep]);
        self.min_gain = self.limiter.take_min_gain();
        self.fade
            .blend_into_b([&ul[..len], &ur[..len]], [left, right]);
    }
}
