//! Test signals for setting up headphones: pink noise and a 1 kHz sine at −20 dBFS RMS (the
//! usual calibration level; a full-scale sine is 0 dBFS), and a channel check that plays
//! pink noise bursts left only, right only, both in phase, both out of phase.
//!
//! Pink noise: white noise (xorshift, uniform) through a sum of one-pole low-passes a
//! half-decade apart (10 Hz … 31.6 kHz), each weighted by `1/√fc`, which approximates the
//! −3 dB/octave slope within about ±0.5 dB across the audio band. Its level is set from the
//! filter's exact noise gain, computed from its impulse response when built.

/// RMS level of every test signal, in dBFS (AES17: a full-scale sine is 0 dBFS).
pub const LEVEL_DBFS: f64 = -20.0;
/// Frequency of the test sine, in Hz.
pub const SINE_HZ: f64 = 1000.0;
/// Length of each channel-check step, in seconds.
pub const STEP_S: f64 = 1.5;
/// Silence between channel-check steps, in seconds.
pub const GAP_S: f64 = 0.25;
/// Fade in and out of each channel-check burst (raised cosine), in seconds: no clicks.
pub const BURST_FADE_S: f64 = 0.005;

/// Corner frequencies of the pink filter's one-pole sections, in Hz.
const PINK_CORNERS_HZ: [f64; 8] = [
    10.0, 31.62, 100.0, 316.2, 1_000.0, 3_162.0, 10_000.0, 31_620.0,
];

/// Which test signal plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// None: the programme plays.
    #[default]
    Off,
    /// Pink noise, both ears, −20 dBFS RMS.
    PinkNoise,
    /// 1 kHz sine, both ears, −20 dBFS RMS.
    Sine1k,
    /// Left only, right only, both in phase, both out of phase, repeated.
    ChannelCheck,
}

/// A step of the channel check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStep {
    /// Noise in the left ear only.
    LeftOnly,
    /// Noise in the right ear only.
    RightOnly,
    /// The same noise in both ears: a centred, compact image.
    InPhase,
    /// Left and right in opposite polarity: a diffuse image "inside the head" or nowhere.
    OutOfPhase,
}

impl CheckStep {
    /// All steps, in playing order.
    pub const ALL: [CheckStep; 4] = [
        CheckStep::LeftOnly,
        CheckStep::RightOnly,
        CheckStep::InPhase,
        CheckStep::OutOfPhase,
    ];

    /// Gains (left, right) of the step.
    pub fn gains(self) -> (f32, f32) {
        match self {
            CheckStep::LeftOnly => (1.0, 0.0),
            CheckStep::RightOnly => (0.0, 1.0),
            CheckStep::InPhase => (1.0, 1.0),
            CheckStep::OutOfPhase => (1.0, -1.0),
        }
    }
}

/// Seed of the noise generator (xorshift64).
const RNG_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// The generator for one stereo stream.
#[derive(Debug, Clone)]
pub struct Generator {
    sample_rate: f64,
    rng: u64,
    /// One-pole coefficients `k` and weights of the pink sections.
    pink_k: [f32; 8],
    pink_w: [f32; 8],
    pink_state: [f32; 8],
    /// Scale from the pink filter's output to −20 dBFS RMS.
    pink_scale: f32,
    /// Sine phase, in cycles.
    phase: f64,
    /// Samples since the channel check started.
    check_position: u64,
}

impl Generator {
    /// A generator for `sample_rate` Hz (computes the pink filter's level; no allocation).
    pub fn new(sample_rate: f32) -> Self {
        let fs = f64::from(sample_rate.max(1.0));
        let mut pink_k = [0.0f32; 8];
        let mut pink_w = [0.0f32; 8];
        for (i, &fc) in PINK_CORNERS_HZ.iter().enumerate() {
            let fc = fc.min(0.45 * fs);
            pink_k[i] = (1.0 - crate::dsp::math::exp(-2.0 * std::f64::consts::PI * fc / fs)) as f32;
            pink_w[i] = (1.0 / fc.sqrt()) as f32;
        }
        // Noise gain Σh² of the filter for unit-variance input, from its impulse response.
        let mut state = [0.0f64; 8];
        let mut energy = 0.0;
        let length = (fs * 2.0) as usize;
        for n in 0..length {
            let x = if n == 0 { 1.0 } else { 0.0 };
            let mut y = 0.0;
            for i in 0..8 {
                state[i] += f64::from(pink_k[i]) * (x - state[i]);
                y += f64::from(pink_w[i]) * state[i];
            }
            energy += y * y;
        }
        // Uniform white noise in [−1, 1) has variance 1/3; target RMS 10^(−20/20)/√2.
        let target_rms = crate::dsp::math::db_to_amplitude(LEVEL_DBFS) / std::f64::consts::SQRT_2;
        let pink_scale = (target_rms / (energy / 3.0).sqrt()) as f32;
        Self {
            sample_rate: fs,
            rng: RNG_SEED,
            pink_k,
            pink_w,
            pink_state: [0.0; 8],
            pink_scale,
            phase: 0.0,
            check_position: 0,
        }
    }

    /// Back to the state of a new generator: the same noise, the sine at phase 0, the
    /// channel check at its first step (two runs after a reset are identical).
    pub fn reset(&mut self) {
        self.rng = RNG_SEED;
        self.pink_state = [0.0; 8];
        self.phase = 0.0;
        self.check_position = 0;
    }

    /// Restarts the channel check from its first step.
    pub fn restart_check(&mut self) {
        self.check_position = 0;
    }

    /// Gains (left, right) of the channel check at its current position, with the bursts'
    /// fades applied.
    fn check_gains(&self) -> (f32, f32) {
        let Some(step) = self.check_step() else {
            return (0.0, 0.0);
        };
        let period = ((STEP_S + GAP_S) * self.sample_rate) as u64;
        let length = ((STEP_S * self.sample_rate) as u64) as f64;
        let position = (self.check_position % period) as f64;
        let fade = (BURST_FADE_S * self.sample_rate).max(1.0);
        let edge = (position.min(length - position) / fade).clamp(0.0, 1.0);
        let envelope = (0.5 - 0.5 * (std::f64::consts::PI * edge).cos()) as f32;
        let (l, r) = step.gains();
        (l * envelope, r * envelope)
    }

    /// The channel-check step playing now, `None` in a gap.
    pub fn check_step(&self) -> Option<CheckStep> {
        let step = ((STEP_S + GAP_S) * self.sample_rate) as u64;
        let within = self.check_position % (4 * step);
        let index = (within / step) as usize;
        let in_step = within % step;
        (in_step < (STEP_S * self.sample_rate) as u64).then_some(CheckStep::ALL[index])
    }

    fn pink_sample(&mut self) -> f32 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let white = ((self.rng >> 40) as f32 / (1u64 << 23) as f32) - 1.0;
        let mut y = 0.0;
        for i in 0..8 {
            self.pink_state[i] += self.pink_k[i] * (white - self.pink_state[i]);
            y += self.pink_w[i] * self.pink_state[i];
        }
        y * self.pink_scale
    }

    /// Writes `kind`'s signal into the two slices (same length).
    pub fn fill(&mut self, kind: Kind, left: &mut [f32], right: &mut [f32]) {
        match kind {
            Kind::Off => {
                left.fill(0.0);
                right.fill(0.0);
            }
            Kind::PinkNoise => {
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    let x = self.pink_sample();
                    *l = x;
                    *r = x;
                }
            }
            Kind::Sine1k => {
                let amplitude = crate::dsp::math::db_to_amplitude(LEVEL_DBFS);
                let step = SINE_HZ / self.sample_rate;
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    let x = (amplitude * (2.0 * std::f64::consts::PI * self.phase).sin()) as f32;
                    self.phase = (self.phase + step).fract();
                    *l = x;
                    *r = x;
                }
            }
            Kind::ChannelCheck => {
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    let x = self.pink_sample();
                    let (gl, gr) = self.check_gains();
                    *l = gl * x;
                    *r = gr * x;
                    self.check_position += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rms_dbfs(x: &[f32]) -> f64 {
        let ms = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len() as f64;
        10.0 * (ms / 0.5).log10()
    }

    #[test]
    fn levels_are_minus_20_dbfs_rms_at_every_rate() {
        for rate in [8_000.0f32, 44_100.0, 48_000.0, 96_000.0, 384_000.0] {
            let mut g = Generator::new(rate);
            let n = (rate as usize) * 10;
            let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
            g.fill(Kind::PinkNoise, &mut l, &mut r);
            let pink = rms_dbfs(&l[n / 10..]);
            assert!((pink + 20.0).abs() < 0.3, "{rate} Hz pink: {pink:.2} dBFS");
            assert_eq!(l, r);
            g.fill(Kind::Sine1k, &mut l, &mut r);
            let sine = rms_dbfs(&l);
            assert!((sine + 20.0).abs() < 0.01, "{rate} Hz sine: {sine:.3} dBFS");
            let peak = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!((peak - 0.1).abs() < 1e-3, "sine peak {peak}");
        }
    }

    /// Mean power spectral density at `freq`, by Goertzel over Hann-windowed frames.
    fn psd(x: &[f32], freq: f64, rate: f64) -> f64 {
        let frame = 8192;
        let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / rate).cos();
        let mut total = 0.0;
        let mut frames = 0;
        for chunk in x.chunks_exact(frame) {
            let (mut s1, mut s2) = (0.0f64, 0.0f64);
            for (n, &v) in chunk.iter().enumerate() {
                let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / frame as f64).cos();
                let s0 = f64::from(v) * w + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            total += s1 * s1 + s2 * s2 - coeff * s1 * s2;
            frames += 1;
        }
        total / frames as f64
    }

    #[test]
    fn pink_noise_falls_3_db_per_octave() {
        let rate = 48_000.0f32;
        let mut g = Generator::new(rate);
        let n = 48_000 * 40;
        let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
        g.fill(Kind::PinkNoise, &mut l, &mut r);
        // Pink: the density falls 10 dB per decade (3 dB per octave). Average a few
        // neighbouring bins per point to tame the estimate's variance.
        let level = |f: f64| {
            let bins = [0.96, 0.98, 1.0, 1.02, 1.04];
            10.0 * (bins.iter().map(|k| psd(&l, f * k, 48_000.0)).sum::<f64>() / 5.0).log10()
        };
        let (l50, l500, l5k) = (level(50.0), level(500.0), level(5_000.0));
        for (name, drop) in [("50 → 500 Hz", l50 - l500), ("500 Hz → 5 kHz", l500 - l5k)] {
            assert!((drop - 10.0).abs() < 1.5, "{name}: {drop:.2} dB per decade");
        }
    }

    #[test]
    fn channel_check_plays_left_right_in_phase_out_of_phase() {
        let rate = 48_000.0f32;
        let mut g = Generator::new(rate);
        let step = ((STEP_S + GAP_S) * 48_000.0) as usize;
        let (mut l, mut r) = (vec![0.0; 4 * step], vec![0.0; 4 * step]);
        g.fill(Kind::ChannelCheck, &mut l, &mut r);
        let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
        let part = |i: usize| (i * step + 1000)..(i * step + 60_000);
        assert!(
            energy(&r[part(0)]) == 0.0 && energy(&l[part(0)]) > 1.0,
            "left only"
        );
        assert!(
            energy(&l[part(1)]) == 0.0 && energy(&r[part(1)]) > 1.0,
            "right only"
        );
        assert_eq!(l[part(2)], r[part(2)], "in phase");
        assert!(
            l[part(3)].iter().zip(&r[part(3)]).all(|(a, b)| *a == -*b),
            "out of phase"
        );
        let gap = (step - 1000)..step;
        assert_eq!(
            energy(&l[gap.clone()]) + energy(&r[gap]),
            0.0,
            "gaps are silent"
        );
        assert_eq!(
            g.check_step(),
            Some(CheckStep::LeftOnly),
            "and it starts over"
        );
    }
}
