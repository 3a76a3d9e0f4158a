//! The headphone-safe lookahead limiter: stereo-linked, true-peak aware, with a
//! final sample clip that makes the sample-peak promise unconditional.
//!
//! # How the true-peak guarantee is built
//! The promise is judged against a 16×, ±128-sample windowed-sinc reconstruction
//! (see [`super::kernel`]). For every position `p` the detector bounds the
//! reconstructed waveform on the interval `[p, p+1]` from above with three terms:
//!
//! 1. **Near field, exact.** The kernel's own taps for the ±`near_taps` samples
//!    around `p`, evaluated at the 4× grid (`p`, `p+¼`, `p+½`, `p+¾`) — the same
//!    products the reference adds up (folded by the kernel's symmetry, so equal up
//!    to float rounding), not an approximation of them.
//! 2. **Between grid points.** A curvature margin: a band-limited waveform can
//!    rise above its 4× grid by about `|second difference| / 8` (a Taylor bound at
//!    the maximum); we add 1.25× that.
//! 3. **Far field, bounded.** Beyond the near field the kernel is
//!    `(-1)^k · sin(πφ) · K(t)` with `K(t) = w(t)/(πt)` positive and decreasing.
//!    Splitting the alternating series as `½·z_a·K_a + ½·Σ(z_k + z_{k+1})·K_k +
//!    ½·Σ z_{k+1}·(K_{k+1} − K_k)` and applying Abel's summation to each sum bounds
//!    both sides together by `½K(|x_a| + |x_b|) + K·range(Q_d) + D·range(Q)`, where
//!    `Q` is the running sum of the sign-alternated signal `z[j] = (-1)^j x[j]`,
//!    `Q_d` the same for first differences, `K = K(S)` and `D = K(S) − K(S+1)`.
//!    Both ranges are tracked in 8-sample chunks over the full ±128-sample support
//!    at O(1) cost per sample (each position takes the range as of the end of its
//!    chunk: a window a few samples wider than needed, so still a bound). For ordinary (low-pass) audio `range(Q_d)` is tiny,
//!    so this costs a few tenths of a dB of headroom; for the pathological
//!    alternating sequences that build the largest inter-sample peaks it grows
//!    exactly as their peaks do.
//! 4. **The unknown future.** Samples further ahead than the lookahead can still
//!    reach the reference's ±128-sample support. Their contribution is bounded by
//!    `ceiling · Σ|h|` over those taps (the output never exceeds the ceiling in
//!    sample value), and the target level is lowered by that amount (0.35 dB at
//!    48 kHz, 0.0003 dB at 96 kHz; see [`Limiter::unknown_future_fraction`]).
//!
//! # Gain computer
//! `required[p] = min(1, target / estimate[p])`, linked over both channels. A
//! sliding minimum over the next `near_taps + attack` positions, a hold of
//! [`HOLD_MS`] (longer than half a period of 20 Hz, so a steady bass tone sees a
//! constant gain and is not distorted), an exponential release in the dB domain,
//! and finally a moving average over `attack` samples. The average makes the gain
//! curve continuous, and because every value it averages is already at or below
//! the requirement, the gain at a peak still meets it: the reduction reaches its
//! target `near_taps` samples *before* the peak and holds over the whole near field.
//!
//! Output: the input delayed by [`Limiter::latency_samples`], times the gain, then
//! clipped to the ceiling (the final safety stage).
//!
//! # Speed
//! Everything runs a block of up to [`BLOCK`] samples at a time: the bound in
//! [`super::detector`] (near-field FIR vectorised across positions, AVX2 picked at
//! run time), the attack minimum and the moving average in [`super::sliding`]
//! (vectorised window loops), and only the hold/release walk per sample — skipped
//! too while nothing needs reduction and the gain rests at exactly 1.

use super::detector::{Detector, BLOCK, MAX_NEAR_TAPS};
use super::kernel;
use super::sliding::{min_of, SlidingBuffer};

/// Maximum lookahead, in milliseconds: the latency the limiter adds.
pub const LOOKAHEAD_MS: f64 = 1.5;
/// Time the gain stays down after the last peak before it starts to recover, in ms.
pub const HOLD_MS: f64 = 30.0;
/// Length of a ceiling change, in ms (the ceiling glides, it never jumps).
pub const CEILING_RAMP_MS: f64 = 20.0;
/// A new requirement within this ratio of the held gain (0.1 dB) re-arms the hold.
const HOLD_REARM_RATIO: f32 = 1.011_579_5;
/// Log-gain above which the release snaps to exactly unity (≈ −0.0001 dB, a −100 dB step).
const RELEASE_SNAP_LN: f32 = -1.0e-5;

/// Plain settings of the limiter (linear units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterSettings {
    /// Ceiling as a linear amplitude (`10^(dBTP/20)`).
    pub ceiling: f32,
    /// Release time constant, in milliseconds (exponential in dB).
    pub release_ms: f32,
}

/// Hold and release of the gain envelope (before the moving average).
#[derive(Debug, Clone, Copy)]
struct Envelope {
    /// Held / releasing gain.
    gain: f32,
    /// Natural log of `gain`.
    gain_ln: f32,
    /// Samples of hold left.
    hold_left: u32,
    /// Hold length, in samples.
    hold_samples: u32,
    /// Per-sample release coefficient on the log-gain.
    release_coeff: f32,
}

impl Envelope {
    /// At unity, not holding.
    fn unity(hold_samples: u32, release_coeff: f32) -> Self {
        Self {
            gain: 1.0,
            gain_ln: 0.0,
            hold_left: 0,
            hold_samples,
            release_coeff,
        }
    }

    /// One sample: follow a lower requirement `m` at once and hold it; otherwise,
    /// once the hold has run out, release exponentially in dB, never above `m`.
    #[inline(always)]
    fn step(&mut self, m: f32) -> f32 {
        if m < 1.0 && m <= self.gain * HOLD_REARM_RATIO {
            if m < self.gain {
                self.gain = m;
                self.gain_ln = m.ln();
            }
            self.hold_left = self.hold_samples;
        } else if self.hold_left > 0 {
            self.hold_left -= 1;
        } else if self.gain < 1.0 {
            self.gain_ln *= self.release_coeff;
            if self.gain_ln > RELEASE_SNAP_LN {
                self.gain_ln = 0.0;
                self.gain = 1.0;
            } else {
                self.gain = self.gain_ln.exp();
            }
            if m < self.gain {
                self.gain = m;
                self.gain_ln = m.ln();
            }
        }
        self.gain
    }
}

/// The stereo-linked true-peak lookahead limiter. See the module docs.
#[derive(Debug, Clone)]
pub struct Limiter {
    // --- geometry, fixed per sample rate ---
    /// Total delay, in samples.
    latency_samples: usize,
    /// Far-field visibility ahead of the detected position `F`, in samples.
    future_samples: usize,
    /// Fraction of the ceiling reserved for the unseen future (see module docs).
    unknown_future: f32,
    /// Sample rate, in Hz.
    sample_rate: f32,
    /// Release time constant, in samples.
    release_samples: f32,

    // --- settings ---
    /// Ceiling glide.
    ceiling: super::ramp::Ramp,

    // --- running state ---
    /// History, far-field sums and the block-wise true-peak bound.
    detector: Detector,
    /// Ceiling recorded per detected position, to clip each output sample with the
    /// same ceiling its gain was computed for (a doubled power-of-two ring, so a
    /// block's worth is one slice).
    ceiling_history: Vec<f32>,
    /// Length of one copy of the `ceiling_history` ring.
    ceiling_len: usize,
    /// Per-sample scratch of one block: target level, then the requirement.
    required: [f32; BLOCK],
    /// Per-sample scratch of one block: the detector's estimate, then the gain.
    gain: [f32; BLOCK],
    /// Requirements, for the attack's sliding minimum over `S + W` positions.
    requirements: SlidingBuffer,
    /// Hold and release.
    envelope: Envelope,
    /// Envelope values, for the moving average over `W` samples.
    envelopes: SlidingBuffer,
    /// Gain applied to the last output sample (for meters).
    last_gain: f32,
    /// Index of the next input sample.
    clock: u64,
    /// When false the detector is skipped and the requirement is 1 (limiter switched off).
    detect: bool,
    /// Smallest gain applied since the last [`Limiter::take_min_gain`].
    min_gain: f32,
}

impl Limiter {
    /// A limiter for `sample_rate` (8 kHz … 384 kHz). Allocates; call from `activate`.
    pub fn new(sample_rate: f32, settings: LimiterSettings) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let latency = ((LOOKAHEAD_MS * 1e-3 * sample_rate as f64).floor() as usize).max(4);
        let near = (latency / 6).clamp(1, MAX_NEAR_TAPS);
        let attack = (latency / 10).max(1);
        let future = latency + 1 - near - attack;
        debug_assert!(future > near);

        let unknown_future = Self::unknown_future_fraction_for(future) as f32;
        let ceiling_len = (latency + BLOCK + 4).next_power_of_two();

        let mut limiter = Self {
            latency_samples: latency,
            future_samples: future,
            unknown_future,
            sample_rate,
            release_samples: 1.0,
            ceiling: super::ramp::Ramp::new(
                settings.ceiling,
                (CEILING_RAMP_MS * 1e-3 * sample_rate as f64) as u32,
            ),
            detector: Detector::new(near, future, latency),
            ceiling_history: vec![settings.ceiling; 2 * ceiling_len],
            ceiling_len,
            required: [1.0; BLOCK],
            gain: [1.0; BLOCK],
            requirements: SlidingBuffer::new(near + attack, BLOCK, 1.0),
            envelope: Envelope::unity((HOLD_MS * 1e-3 * sample_rate as f64).round() as u32, 0.0),
            envelopes: SlidingBuffer::new(attack, BLOCK, 1.0),
            last_gain: 1.0,
            clock: 0,
            detect: true,
            min_gain: 1.0,
        };
        limiter.set_settings(settings);
        limiter.reset();
        limiter
    }

    /// Worst-case reach of the samples beyond the detector's view, as a fraction of
    /// the output's sample peak: `max_φ Σ_{t > future − φ} |h(t)|`.
    fn unknown_future_fraction_for(future: usize) -> f64 {
        let mut worst: f64 = 0.0;
        for phase16 in 1..16 {
            let phase = phase16 as f64 / 16.0;
            // Samples j ≥ p + future + 1 sit at distance t = j − p − φ ≥ future + 1 − φ.
            let mut sum = 0.0;
            let mut t = future as f64 + 1.0 - phase;
            while t <= kernel::SUPPORT_SAMPLES as f64 {
                sum += kernel::kernel(t).abs();
                t += 1.0;
            }
            worst = worst.max(sum);
        }
        worst
    }

    /// The fraction of the ceiling reserved for samples beyond the lookahead.
    pub fn unknown_future_fraction(&self) -> f32 {
        self.unknown_future
    }

    /// The delay this limiter adds, in samples (fixed per sample rate).
    pub fn latency_samples(&self) -> usize {
        self.latency_samples
    }

    /// Updates ceiling (glides) and release (immediate).
    pub fn set_settings(&mut self, settings: LimiterSettings) {
        let ceiling = if settings.ceiling.is_finite() && settings.ceiling > 0.0 {
            settings.ceiling.min(1.0)
        } else {
            1.0
        };
        self.ceiling.set_target(ceiling);
        let release_samples =
            (settings.release_ms.clamp(1.0, 10_000.0) * 1e-3 * self.sample_rate).max(1.0);
        self.envelope.release_coeff = (-1.0 / release_samples).exp();
        self.release_samples = release_samples;
    }

    /// How long, in samples, the output can still change after the input has fallen silent:
    /// the delay, the hold, then the release from the deepest reduction there can be (an
    /// input clamped at +80 dBFS into a −60 dBTP ceiling, 140 dB) down to the snap to
    /// exactly unity. At the default 60 ms release that is 0.9 s; the audible part is only
    /// the delay (silence in, silence out), but a host that suspends processing after this
    /// finds the gain back at unity when audio returns.
    pub fn tail_samples(&self) -> usize {
        let deepest_ln = (super::sanitize::MAX_INPUT / 1.0e-3).ln();
        let release = self.release_samples * (deepest_ln / -RELEASE_SNAP_LN).ln();
        self.latency_samples + self.envelope.hold_samples as usize + release.ceil() as usize
    }

    /// Turns the detector on or off; off, the requirement is 1 (the gain releases to unity).
    pub fn set_detection(&mut self, on: bool) {
        self.detect = on;
    }

    /// Smallest gain applied since the last call (1.0 = no reduction), then resets it.
    pub fn take_min_gain(&mut self) -> f32 {
        std::mem::replace(&mut self.min_gain, 1.0)
    }

    /// Current gain of the moving average (for meters).
    pub fn current_gain(&self) -> f32 {
        self.last_gain
    }

    /// Clears all state (no allocation): silence in, unity gain, ceiling at its target.
    pub fn reset(&mut self) {
        self.detector.reset();
        let c = self.ceiling.target();
        self.ceiling.jump_to(c);
        self.ceiling_history.fill(c);
        self.requirements.reset(1.0);
        self.envelope = Envelope::unity(self.envelope.hold_samples, self.envelope.release_coeff);
        self.envelopes.reset(1.0);
        self.last_gain = 1.0;
        self.clock = 0;
        self.min_gain = 1.0;
    }

    /// Limits a stereo block in place. `left` and `right` must have the same length and
    /// hold finite samples (see [`super::sanitize`]). On return they hold the limited
    /// output, delayed by [`Self::latency_samples`]; `unlimited_*` receive the same
    /// delayed signal without gain or clip (for the on/off crossfade).
    pub fn process(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        unlimited_left: &mut [f32],
        unlimited_right: &mut [f32],
    ) {
        let len = left.len();
        assert!(right.len() == len && unlimited_left.len() >= len && unlimited_right.len() >= len);
        let mut start = 0;
        while start < len {
            let end = (start + BLOCK).min(len);
            self.process_block(
                &mut left[start..end],
                &mut right[start..end],
                &mut unlimited_left[start..end],
                &mut unlimited_right[start..end],
            );
            start = end;
        }
    }

    /// [`Self::process`] for at most [`BLOCK`] samples.
    fn process_block(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        unlimited_left: &mut [f32],
        unlimited_right: &mut [f32],
    ) {
        let len = left.len();
        let start = self.clock;
        self.detector.push(left, right);

        // Ceiling per sample at arrival, recorded for its detected position.
        let ring = self.ceiling_len;
        let mask = ring - 1;
        let headroom = 1.0 - self.unknown_future;
        for i in 0..len {
            let ceiling = self.ceiling.next_value();
            let p = (start + i as u64).wrapping_sub(self.future_samples as u64) as usize & mask;
            self.ceiling_history[p] = ceiling;
            self.ceiling_history[p + ring] = ceiling;
            self.required[i] = ceiling * headroom;
        }

        // Requirement per position: min(1, target / estimate), linked over channels.
        let requirements = self.requirements.start_block(len);
        let mut reductions = 0u32;
        if self.detect {
            let estimate = &mut self.gain[..len];
            self.detector.estimate(estimate);
            for ((r, &target), &e) in requirements.iter_mut().zip(&self.required).zip(&*estimate) {
                *r = if e > target { target / e } else { 1.0 };
                reductions += u32::from(e > target);
            }
        } else {
            requirements.fill(1.0);
        }

        self.envelopes.start_block(len);
        let mut envelope = self.envelope;
        let at_rest = reductions == 0
            && envelope.gain == 1.0
            && self.requirements.history_min() >= 1.0
            && self.envelopes.history_min() >= 1.0;
        if at_rest {
            // Nothing to reduce and nothing pending: the gain stays exactly 1 (the
            // usual case on a monitoring bus), without the per-sample walk.
            self.envelopes.start_block_again().fill(1.0);
            envelope.hold_left = envelope.hold_left.saturating_sub(len as u32);
            self.gain[..len].fill(1.0);
        } else {
            // Attack: the minimum requirement over the next S + W positions.
            let minimum = &mut self.required[..len];
            self.requirements.min_into(minimum);
            // Hold and release, per sample.
            let envelopes = self.envelopes.start_block_again();
            for (env, &m) in envelopes.iter_mut().zip(&*minimum) {
                *env = envelope.step(m);
            }
            // Smoothing: the mean envelope over W samples (exactly 1 when all are 1).
            self.envelopes.mean_into(&mut self.gain[..len]);
        }
        self.envelope = envelope;

        // Output: the input `latency` behind, times the gain, clipped to its own ceiling.
        let latency = self.latency_samples;
        let last = (start + len as u64 - 1).wrapping_sub(latency as u64) as usize & mask;
        let clip = &self.ceiling_history[last + ring + 1 - len..last + ring + 1];
        let min_gain = self.min_gain;
        for (c, (out, unlimited)) in [left, right]
            .into_iter()
            .zip([unlimited_left, unlimited_right])
            .enumerate()
        {
            let delayed = self.detector.delayed(c, latency);
            unlimited.copy_from_slice(delayed);
            for (((y, &x), &g), &clip) in out.iter_mut().zip(delayed).zip(&self.gain).zip(clip) {
                let v = x * g;
                *y = if v > clip {
                    clip
                } else if v < -clip {
                    -clip
                } else {
                    v
                };
            }
        }
        let lowest = min_of(&self.gain[..len]);
        self.min_gain = if lowest < min_gain { lowest } else { min_gain };
        self.last_gain = self.gain[len - 1];
        self.clock = start + len as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LimiterSettings {
        LimiterSettings {
            ceiling: 0.5,
            release_ms: 50.0,
        }
    }

    fn run(lim: &mut Limiter, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let mut l = l.to_vec();
        let mut r = r.to_vec();
        let mut ul = vec![0.0; l.len()];
        let mut ur = vec![0.0; l.len()];
        lim.process(&mut l, &mut r, &mut ul, &mut ur);
        (l, r)
    }

    #[test]
    fn impulse_below_ceiling_comes_out_at_the_latency_unchanged() {
        for rate in [8000.0, 44100.0, 48000.0, 96000.0, 384000.0] {
            let mut lim = Limiter::new(rate, settings());
            let mut x = vec![0.0f32; 2048];
            x[100] = 0.1;
            let (l, r) = run(&mut lim, &x, &x);
            let lat = lim.latency_samples();
            assert!(lat as f64 <= LOOKAHEAD_MS * 1e-3 * rate as f64);
            for (i, (&a, &b)) in l.iter().zip(&r).enumerate() {
                let expect = if i == 100 + lat { 0.1 } else { 0.0 };
                assert_eq!((a, b), (expect, expect), "rate {rate} sample {i}");
            }
        }
    }

    #[test]
    fn sample_peak_never_exceeds_ceiling_and_gain_is_linked() {
        let mut lim = Limiter::new(48000.0, settings());
        let l: Vec<f32> = (0..9600).map(|i| 4.0 * (i as f32 * 0.05).sin()).collect();
        let r: Vec<f32> = (0..9600).map(|i| 0.4 * (i as f32 * 0.05).sin()).collect();
        let (yl, yr) = run(&mut lim, &l, &r);
        assert!(yl.iter().chain(&yr).all(|v| v.abs() <= 0.5));
        // Linked: the quiet channel is reduced by the same gain (ratio 10 preserved).
        let lat = lim.latency_samples();
        for i in 2000..9600 {
            if yr[i].abs() > 1e-3 {
                let ratio = yl[i] / yr[i];
                assert!((ratio - 10.0).abs() < 1e-3, "sample {i}: ratio {ratio}");
                let _ = lat;
            }
        }
    }

    #[test]
    fn reset_makes_runs_identical() {
        let mut lim = Limiter::new(44100.0, settings());
        let x: Vec<f32> = (0..5000)
            .map(|i| 3.0 * ((i * 7919 % 1000) as f32 / 500.0 - 1.0))
            .collect();
        let a = run(&mut lim, &x, &x);
        lim.reset();
        let b = run(&mut lim, &x, &x);
        assert_eq!(a, b);
    }

    #[test]
    fn unknown_future_margin_shrinks_with_sample_rate() {
        let u48 = Limiter::new(48000.0, settings()).unknown_future_fraction();
        let u96 = Limiter::new(96000.0, settings()).unknown_future_fraction();
        assert!(u96 < u48 && u96 < 0.01 && u48 < 0.1, "{u48} {u96}");
    }
}
