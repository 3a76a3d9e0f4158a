//! The zero-latency limiter (the "Zero" latency setting): a stereo-linked sample-peak
//! limiter with no lookahead, for recording through the bus, where every millisecond of
//! delay reaches the performer's headphones and hosts switch latent plug-ins off.
//!
//! **What it promises.** Every output sample is at or under the ceiling, on any input
//! (a +30 dB step included): the gain a sample needs, `landing · ceiling / |x|`, is
//! applied to that very sample (an instant attack), and the final clip of the exact
//! limiter stands behind it. Audio whose samples stay at or under the ceiling passes
//! bit for bit.
//!
//! **What it does not.** With no lookahead it cannot see a peak coming, so the gain
//! drops within the peak's first half-wave (on the first cycle of an overload the wave
//! is flattened at the ceiling, as by a clipper), and nothing is known of what lies
//! between the samples: a waveform whose samples sit under the ceiling can still
//! reconstruct above it (an fs/4 sine at 45° by 3 dB), and the gain's steps add their
//! own inter-sample overs. The strict true peak is therefore measured, not promised
//! (`docs/limiter.md`, "Latency settings"): for the exact promise, the Exact setting.
//!
//! After the attack, the gain follows the same adaptive hold and program-dependent
//! release as the exact limiter ([`super::Envelope`]), so a steady overload keeps one
//! gain and a click is forgotten quickly.

use super::control::GainControl;
use super::{LimiterSettings, HOLD_MS, REDUCTION_LANDING, SAMPLE_CLIP_FACTOR};

/// The shortest hold after a reduction, in ms: the gain stays down across the
/// neighbouring half-waves of anything above 500 Hz instead of rippling between them.
pub const MIN_HOLD_MS: f64 = 1.0;

/// The zero-latency sample-peak limiter. See the module docs.
#[derive(Debug, Clone)]
pub struct InstantLimiter {
    /// Ceiling glide, envelope and gain meter.
    control: GainControl,
}

impl InstantLimiter {
    /// A limiter for `sample_rate` Hz (allocates nothing; built in `activate` with the rest).
    pub fn new(sample_rate: f32, settings: LimiterSettings) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let ms = |ms: f64| ((ms * 1e-3 * sample_rate as f64).round() as u32).max(1);
        Self {
            control: GainControl::new(sample_rate, settings, ms(MIN_HOLD_MS), ms(HOLD_MS)),
        }
    }

    /// The delay this limiter adds: none.
    pub fn latency_samples(&self) -> usize {
        0
    }

    /// Updates ceiling (glides) and release (immediate), as [`super::Limiter::set_settings`].
    pub fn set_settings(&mut self, settings: LimiterSettings) {
        self.control.set_settings(settings);
    }

    /// How long, in samples, the gain can still change after the input has fallen silent
    /// (the longest hold, then the release from the deepest reduction to unity; see
    /// [`super::Limiter::tail_samples`]).
    pub fn tail_samples(&self) -> usize {
        self.control.tail_samples(0)
    }

    /// Smallest gain applied since the last call (1.0 = no reduction), then resets it.
    pub fn take_min_gain(&mut self) -> f32 {
        self.control.take_min_gain()
    }

    /// Gain applied to the last output sample (for meters).
    pub fn current_gain(&self) -> f32 {
        self.control.last_gain
    }

    /// Clears all state (no allocation): unity gain, ceiling at its target.
    pub fn reset(&mut self) {
        self.control.reset();
    }

    /// Limits a stereo block in place (equal lengths, finite samples; see
    /// [`crate::dsp::sanitize`]). No delay: the output is the input times the gain.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        assert!(left.len() == right.len());
        if left.is_empty() {
            return;
        }
        let c = &mut self.control;
        if !c.ceiling.is_moving() && c.envelope.at_rest() {
            // Resting at unity: a block whose samples all stay at or under the ceiling
            // passes as it is (no arithmetic, bit for bit).
            let ceiling = c.ceiling.value() * SAMPLE_CLIP_FACTOR;
            let peak = left
                .iter()
                .chain(right.iter())
                .fold(0.0f32, |m, &x| m.max(x.abs()));
            if peak <= ceiling {
                c.envelope.rest(left.len() as u32);
                c.last_gain = 1.0;
                return;
            }
        }
        let mut lowest = c.min_gain;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let ceiling = c.ceiling.next_value();
            let peak = l.abs().max(r.abs());
            let required = if peak > ceiling {
                REDUCTION_LANDING * ceiling / peak
            } else {
                1.0
            };
            let gain = c.envelope.step(required);
            lowest = lowest.min(gain);
            let clip = ceiling * SAMPLE_CLIP_FACTOR;
            *l = (*l * gain).clamp(-clip, clip);
            *r = (*r * gain).clamp(-clip, clip);
            c.last_gain = gain;
        }
        c.min_gain = lowest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(rate: f32) -> InstantLimiter {
        InstantLimiter::new(
            rate,
            LimiterSettings {
                ceiling: 0.5,
                release_ms: 60.0,
            },
        )
    }

    #[test]
    fn no_delay_and_audio_under_the_ceiling_passes_bit_for_bit() {
        let mut lim = limiter(48_000.0);
        let x: Vec<f32> = (0..4096).map(|n| 0.499 * (n as f32 * 0.37).sin()).collect();
        let (mut l, mut r) = (x.clone(), x.clone());
        lim.process(&mut l, &mut r);
        assert_eq!(l, x);
        assert_eq!(r, x);
        assert_eq!(lim.take_min_gain(), 1.0);
    }

    #[test]
    fn a_30_db_step_never_gets_a_sample_over_the_ceiling() {
        for rate in [8_000.0, 44_100.0, 48_000.0, 96_000.0, 384_000.0] {
            let mut lim = limiter(rate);
            let x: Vec<f32> = (0..20_000)
                .map(|n| {
                    let level = if n < 5000 { 0.1 } else { 0.1 * 31.6 };
                    level * (n as f32 * 0.05).sin()
                })
                .collect();
            let (mut l, mut r) = (x.clone(), x.clone());
            lim.process(&mut l, &mut r);
            let peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(peak <= 0.5, "rate {rate}: {peak}");
            assert!(
                peak > 0.49,
                "rate {rate}: reduced to the ceiling, not below: {peak}"
            );
            assert!(lim.take_min_gain() < 0.2);
        }
    }
}
