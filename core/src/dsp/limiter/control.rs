//! What the three limiters (Exact, Low, Zero) share around their gain: the ceiling's glide,
//! the hold-and-release envelope with its release time, and the gain meter. Each limiter
//! keeps one [`GainControl`] and answers the settings, tail and meter calls through it.

use super::{apply_settings, release_tail, Envelope, LimiterSettings, CEILING_RAMP_MS};
use crate::dsp::ramp::Ramp;

/// The ceiling glide, the envelope and the gain meter of one limiter.
#[derive(Debug, Clone)]
pub(super) struct GainControl {
    /// Sample rate, in Hz.
    pub(super) sample_rate: f32,
    /// Release time constant, in samples.
    pub(super) release_samples: f32,
    /// Ceiling glide (linear amplitude).
    pub(super) ceiling: Ramp,
    /// Hold and release.
    pub(super) envelope: Envelope,
    /// Gain applied to the last output sample (for meters).
    pub(super) last_gain: f32,
    /// Smallest gain applied since the last [`GainControl::take_min_gain`].
    pub(super) min_gain: f32,
}

impl GainControl {
    /// At `sample_rate` Hz with `settings`, the envelope at unity holding between
    /// `min_hold_samples` and `max_hold_samples`; the ceiling at its target, no glide.
    pub(super) fn new(
        sample_rate: f32,
        settings: LimiterSettings,
        min_hold_samples: u32,
        max_hold_samples: u32,
    ) -> Self {
        let mut control = Self {
            sample_rate,
            release_samples: 1.0,
            ceiling: Ramp::new(
                settings.ceiling,
                (CEILING_RAMP_MS * 1e-3 * sample_rate as f64) as u32,
            ),
            envelope: Envelope::unity(min_hold_samples, max_hold_samples, 1.0),
            last_gain: 1.0,
            min_gain: 1.0,
        };
        control.set_settings(settings);
        control.reset();
        control
    }

    /// Updates ceiling (glides) and release (immediate).
    pub(super) fn set_settings(&mut self, settings: LimiterSettings) {
        self.release_samples = apply_settings(
            settings,
            self.sample_rate,
            &mut self.ceiling,
            &mut self.envelope,
        );
    }

    /// How long, in samples, the output can still change after the input has fallen silent
    /// behind a delay of `latency_samples`: the delay, the longest hold, then the release
    /// from the deepest reduction there can be down to the snap to exactly unity (see
    /// [`super::Limiter::tail_samples`]).
    pub(super) fn tail_samples(&self, latency_samples: usize) -> usize {
        latency_samples + self.envelope.max_hold as usize + release_tail(self.release_samples)
    }

    /// Smallest gain applied since the last call (1.0 = no reduction), then resets it.
    pub(super) fn take_min_gain(&mut self) -> f32 {
        std::mem::replace(&mut self.min_gain, 1.0)
    }

    /// Records `gain` as applied to the newest output sample.
    #[inline(always)]
    pub(super) fn record(&mut self, gain: f32) {
        self.min_gain = self.min_gain.min(gain);
        self.last_gain = gain;
    }

    /// Unity gain, the envelope at rest (its holds and release kept), the ceiling at its
    /// target without a glide. Returns the ceiling.
    pub(super) fn reset(&mut self) -> f32 {
        let c = self.ceiling.target();
        self.ceiling.jump_to(c);
        let e = self.envelope;
        self.envelope = Envelope::unity(e.min_hold, e.max_hold, e.release_samples);
        self.last_gain = 1.0;
        self.min_gain = 1.0;
        c
    }
}
