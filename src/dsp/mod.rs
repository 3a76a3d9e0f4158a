//! The monitoring chain as pure DSP: plain settings in, stereo slices in and out.
//!
//! Processing order, per sample:
//! 1. **Sanitize** — NaN/±Inf become silence, huge values are clamped, subnormals flushed.
//! 2. **Matrix** — monitor mode, L/R swap and output gain as one 2×2 matrix whose
//!    coefficients glide over [`SWITCH_MS`] (click-free mode/swap/gain changes).
//! 3. **Crossfeed** (off by default, see [`crossfeed`]) — after the matrix, so that in the
//!    Mono, Side, Left and Right modes, where both ears carry the same signal, it changes
//!    nothing at all (it only filters the difference between the ears); before the limiter,
//!    so the ceiling holds for what reaches the ears. No latency.
//! 4. **Protection** (only once the weekly sound allowance is used up and the user asked
//!    for it) — a level reduction that glides in over [`PROTECT_RAMP_S`] (ITU-T H.871
//!    recommends a gradual reduction).
//! 5. **Test-signal generator** (see [`listening::generator`]) — replaces the programme,
//!    crossfaded over [`SWITCH_MS`]; after the gain and the mode so that its level at the
//!    output is exactly the calibration level and the channel check reaches the ears it
//!    names; before the limiter, which always applies.
//! 6. **Limiter** — stereo-linked true-peak lookahead limiter with a final sample
//!    clip at the ceiling (see [`limiter`]).
//! 7. **Limiter on/off crossfade** — between the limited and the equally delayed
//!    unlimited signal, over [`SWITCH_MS`].
//! 8. **Bypass crossfade** — between the processed signal and the equally delayed
//!    dry input, over [`SWITCH_MS`].
//!
//! The latency is the limiter's lookahead, a function of the sample rate only: it
//! does not change with the limiter, the mode or bypass.
//!
//! Nothing here imports `nice_plug`; the plugin, the renderer, the tests and the
//! benchmarks all drive this same code.

pub mod crossfeed;
pub mod detector;
pub mod exact;
pub mod kernel;
pub mod limiter;
pub mod listening;
pub mod matrix;
pub mod meters;
pub mod ramp;
pub mod render_guard;
pub mod sanitize;
pub mod sliding;

pub use crossfeed::{Crossfeed, CrossfeedSettings};
pub use limiter::{Design, Limiter, LimiterSettings};
pub use matrix::MonitorMode;
pub use meters::BlockMeters;

use meters::TruePeakMeter;
use ramp::Ramp;

/// Duration of every click-free switch (mode, swap, gain moves, limiter on/off, bypass), in ms.
pub const SWITCH_MS: f64 = 20.0;
/// Internal block length: longer host blocks are processed in pieces of this size.
pub const MAX_CHUNK: usize = 256;
/// Duration of the protective level reduction's glide, in seconds.
pub const PROTECT_RAMP_S: f64 = 10.0;
/// Output gains at or below this are treated as −∞ (silence), in dB.
pub const MUTE_BELOW_DB: f32 = -60.0;

/// Plain settings of the whole chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Output gain in dB; below [`MUTE_BELOW_DB`] the output is silent.
    pub gain_db: f32,
    /// Monitor mode.
    pub mode: MonitorMode,
    /// Swap left and right (after the mode).
    pub swap: bool,
    /// Limiter on (the safe state) or off.
    pub limiter_on: bool,
    /// Limiter ceiling, in dBTP.
    pub ceiling_db: f32,
    /// Limiter release time constant, in ms.
    pub release_ms: f32,
    /// Host bypass: dry input, delayed by the latency.
    pub bypass: bool,
    /// Crossfeed for headphone listening (off by default).
    pub crossfeed: CrossfeedSettings,
    /// Test signal replacing the programme (off by default).
    pub generator: listening::generator::Kind,
    /// Protective level reduction in dB (0 = none), gliding over [`PROTECT_RAMP_S`].
    pub protect_db: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            gain_db: 0.0,
            mode: MonitorMode::Stereo,
            swap: false,
            limiter_on: true,
            ceiling_db: -1.0,
            release_ms: 60.0,
            bypass: false,
            crossfeed: CrossfeedSettings::default(),
            generator: listening::generator::Kind::Off,
            protect_db: 0.0,
        }
    }
}

/// Converts decibels to a linear amplitude.
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// Converts a linear amplitude to decibels (−∞ for 0).
pub fn gain_to_db(gain: f32) -> f32 {
    if gain > 0.0 {
        20.0 * gain.log10()
    } else {
        f32::NEG_INFINITY
    }
}

/// Linear output gain for a `gain_db` setting (0 below [`MUTE_BELOW_DB`]).
pub fn output_gain(gain_db: f32) -> f32 {
    if gain_db.is_nan() || gain_db < MUTE_BELOW_DB {
        0.0
    } else {
        db_to_gain(gain_db.min(24.0))
    }
}

/// Largest protective reduction, in dB.
pub const MAX_PROTECT_DB: f32 = 40.0;

/// Linear protective gain for a reduction of `protect_db` (clamped to 0 … 40 dB; NaN is
/// the safest value, the full 40 dB).
fn protect_gain(protect_db: f32) -> f32 {
    if protect_db.is_nan() {
        return db_to_gain(-MAX_PROTECT_DB);
    }
    db_to_gain(-protect_db.clamp(0.0, MAX_PROTECT_DB))
}

/// A fixed delay for the dry (bypass) path, stereo, processed a block at a time.
#[derive(Debug, Clone)]
struct DryDelay {
    /// Delay, in samples.
    delay: usize,
    /// Per channel: the last `delay` samples, then room for one chunk.
    lines: [Vec<f32>; 2],
}

impl DryDelay {
    fn new(delay: usize) -> Self {
        Self {
            delay,
            lines: [vec![0.0; delay + MAX_CHUNK], vec![0.0; delay + MAX_CHUNK]],
        }
    }

    fn reset(&mut self) {
        for line in &mut self.lines {
            line.fill(0.0);
        }
    }

    /// Writes a block (at most [`MAX_CHUNK`] samples) and returns it delayed in `out`.
    fn process(&mut self, inputs: [&[f32]; 2], out: &mut [[f32; MAX_CHUNK]; 2]) {
        let d = self.delay;
        for ((line, input), out) in self.lines.iter_mut().zip(inputs).zip(out) {
            let len = input.len();
            line[d..d + len].copy_from_slice(input);
            out[..len].copy_from_slice(&line[..len]);
            line.copy_within(len..len + d, 0);
        }
    }
}

/// The whole monitoring chain for one stereo stream.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Sample rate, in Hz.
    sample_rate: f32,
    /// Settings last applied.
    settings: Settings,
    /// Matrix coefficient ramps `[ll, lr, rl, rr]`.
    matrix: [Ramp; 4],
    /// Crossfeed stage.
    crossfeed: Crossfeed,
    /// Protective gain (1 = none), gliding slowly.
    protect: Ramp,
    /// Test-signal generator.
    generator: listening::generator::Generator,
    /// The test signal playing (kept while it fades out).
    generator_playing: listening::generator::Kind,
    /// A different test signal asked for while one plays: starts once the other faded out.
    generator_pending: Option<listening::generator::Kind>,
    /// Generator mix (1 = test signal only).
    generator_mix: Ramp,
    /// Scratch: generator output.
    generator_out: [[f32; MAX_CHUNK]; 2],
    /// The limiter (and the chain's only delay of the main path).
    limiter: Limiter,
    /// Limiter on/off mix (1 = limited).
    limiter_mix: Ramp,
    /// Bypass mix (1 = dry).
    bypass_mix: Ramp,
    /// Dry path delay for bypass.
    dry: DryDelay,
    /// Scratch: unlimited delayed signal.
    unlimited: [[f32; MAX_CHUNK]; 2],
    /// Scratch: dry delayed signal.
    dry_out: [[f32; MAX_CHUNK]; 2],
    /// Input true-peak meters.
    input_tp: [TruePeakMeter; 2],
    /// Output true-peak meters.
    output_tp: [TruePeakMeter; 2],
    /// Whether true-peak meters run (sample peaks and gain are always measured).
    true_peak_metering: bool,
    /// Statistics since the last [`Chain::take_meters`].
    meters: BlockMeters,
}

impl Chain {
    /// A chain for `sample_rate` Hz with `settings` (allocates; call from `activate`).
    pub fn new(sample_rate: f32, settings: Settings) -> Self {
        Self::with_limiter_design(sample_rate, settings, Design::Exact)
    }

    /// [`Chain::new`] with a limiter of the given design (the baseline design is kept
    /// for benchmarks and comparison tests).
    pub fn with_limiter_design(sample_rate: f32, settings: Settings, design: Design) -> Self {
        let switch_samples = (SWITCH_MS * 1e-3 * sample_rate as f64).round() as u32;
        let limiter = Limiter::with_design(sample_rate, Self::limiter_settings(&settings), design);
        let latency = limiter.latency_samples();
        let coeffs =
            matrix::coefficients(settings.mode, settings.swap, output_gain(settings.gain_db));
        let mut chain = Self {
            sample_rate,
            settings,
            matrix: coeffs.map(|c| Ramp::new(c, switch_samples)),
            crossfeed: Crossfeed::new(sample_rate, settings.crossfeed, switch_samples),
            protect: Ramp::new(
                protect_gain(settings.protect_db),
                (PROTECT_RAMP_S * sample_rate as f64) as u32,
            ),
            generator: listening::generator::Generator::new(sample_rate),
            generator_playing: settings.generator,
            generator_pending: None,
            generator_mix: Ramp::new(
                f32::from(u8::from(
                    settings.generator != listening::generator::Kind::Off,
                )),
                switch_samples,
            ),
            generator_out: [[0.0; MAX_CHUNK]; 2],
            limiter,
            limiter_mix: Ramp::new(f32::from(u8::from(settings.limiter_on)), switch_samples),
            bypass_mix: Ramp::new(f32::from(u8::from(settings.bypass)), switch_samples),
            dry: DryDelay::new(latency),
            unlimited: [[0.0; MAX_CHUNK]; 2],
            dry_out: [[0.0; MAX_CHUNK]; 2],
            input_tp: Default::default(),
            output_tp: Default::default(),
            true_peak_metering: true,
            meters: BlockMeters::default(),
        };
        chain.reset();
        chain
    }

    fn limiter_settings(s: &Settings) -> LimiterSettings {
        LimiterSettings {
            ceiling: db_to_gain(s.ceiling_db.clamp(-60.0, 0.0)),
            release_ms: s.release_ms,
        }
    }

    /// Sample rate this chain was built for, in Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The chain's delay, in samples: fixed per sample rate.
    pub fn latency_samples(&self) -> usize {
        self.limiter.latency_samples()
    }

    /// How long the output can still change after the input has fallen silent, in samples
    /// (see [`Limiter::tail_samples`]; crossfeed's one-pole ring, a few ms at the lowest
    /// cut-off, ends within the limiter's 30 ms hold); `None` while a test signal plays, which
    /// sounds whatever the input.
    pub fn tail_samples(&self) -> Option<usize> {
        let generator_audible = self.generator_mix.is_moving() || self.generator_mix.value() > 0.0;
        (!generator_audible).then(|| self.limiter.tail_samples())
    }

    /// The limiter (read-only), e.g. for its margins.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// Applies new settings; every audible change glides over [`SWITCH_MS`].
    pub fn set_settings(&mut self, settings: Settings) {
        let coeffs =
            matrix::coefficients(settings.mode, settings.swap, output_gain(settings.gain_db));
        for (ramp, c) in self.matrix.iter_mut().zip(coeffs) {
            ramp.set_target(c);
        }
        self.crossfeed.set_settings(settings.crossfeed);
        self.protect.set_target(protect_gain(settings.protect_db));
        use listening::generator::Kind;
        let silent = !self.generator_mix.is_moving() && self.generator_mix.value() == 0.0;
        if settings.generator == Kind::Off {
            self.generator_pending = None;
            self.generator_mix.set_target(0.0);
        } else if settings.generator == self.generator_playing || silent {
            self.generator_pending = None;
            self.start_generator(settings.generator);
        } else {
            // Another signal is audible: fade it out first (see `process_chunk`).
            self.generator_pending = Some(settings.generator);
            self.generator_mix.set_target(0.0);
        }
        self.limiter.set_settings(Self::limiter_settings(&settings));
        self.limiter_mix
            .set_target(f32::from(u8::from(settings.limiter_on)));
        self.bypass_mix
            .set_target(f32::from(u8::from(settings.bypass)));
        self.settings = settings;
    }

    /// Settings last applied.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Turns the 4× true-peak meters on or off (they are the costliest meters).
    /// Turned on, they start from silence rather than from stale history.
    pub fn set_true_peak_metering(&mut self, on: bool) {
        if on && !self.true_peak_metering {
            for m in self.input_tp.iter_mut().chain(self.output_tp.iter_mut()) {
                m.reset();
            }
        }
        self.true_peak_metering = on;
    }

    /// Clears all state (no allocation); ramps jump to their targets.
    pub fn reset(&mut self) {
        for ramp in &mut self.matrix {
            ramp.jump_to(ramp.target());
        }
        self.limiter_mix.jump_to(self.limiter_mix.target());
        self.bypass_mix.jump_to(self.bypass_mix.target());
        self.crossfeed.reset();
        self.protect.jump_to(self.protect.target());
        self.generator_mix.jump_to(self.generator_mix.target());
        self.generator.restart_check();
        self.limiter.reset();
        self.dry.reset();
        for m in self.input_tp.iter_mut().chain(self.output_tp.iter_mut()) {
            m.reset();
        }
        self.meters = BlockMeters::default();
    }

    /// Starts (or keeps) `kind` playing; the channel check starts from its first step when it
    /// was not playing.
    fn start_generator(&mut self, kind: listening::generator::Kind) {
        let silent = !self.generator_mix.is_moving() && self.generator_mix.value() == 0.0;
        if kind == listening::generator::Kind::ChannelCheck
            && (self.generator_playing != kind || silent)
        {
            self.generator.restart_check();
        }
        self.generator_playing = kind;
        self.generator_mix.set_target(1.0);
    }

    /// The channel-check step playing now (`None` between steps or when not checking).
    pub fn check_step(&self) -> Option<listening::generator::CheckStep> {
        (self.generator_playing == listening::generator::Kind::ChannelCheck
            && self.generator_mix.target() > 0.0)
            .then(|| self.generator.check_step())
            .flatten()
    }

    /// Statistics since the last call, then starts a new period.
    pub fn take_meters(&mut self) -> BlockMeters {
        let mut m = std::mem::take(&mut self.meters);
        m.gain = self.limiter.current_gain();
        m
    }

    /// Processes a stereo block in place (any length, including 0).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let mut start = 0;
        while start < len {
            let end = (start + MAX_CHUNK).min(len);
            self.process_chunk(&mut left[start..end], &mut right[start..end]);
            start = end;
        }
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len();
        let mut block = BlockMeters::default();

        // 1. Sanitize, meter the input, feed the dry delay.
        sanitize::sanitize_slice(left);
        sanitize::sanitize_slice(right);
        self.dry.process([left, right], &mut self.dry_out);
        block.input_peak = [meters::sample_peak(left), meters::sample_peak(right)];
        if self.true_peak_metering {
            block.input_true_peak = [
                self.input_tp[0].process(left),
                self.input_tp[1].process(right),
            ];
        }

        // 2. Matrix (skipped while it rests at the identity: bit-transparent).
        let moving = self.matrix.iter().any(Ramp::is_moving);
        let coeffs = self.matrix.each_ref().map(Ramp::value);
        if moving {
            for i in 0..len {
                let [ll, lr, rl, rr] = self.matrix.each_mut().map(Ramp::next_value);
                let (l, r) = (left[i], right[i]);
                left[i] = ll * l + lr * r;
                right[i] = rl * l + rr * r;
            }
        } else if coeffs != matrix::IDENTITY {
            let [ll, lr, rl, rr] = coeffs;
            for i in 0..len {
                let (l, r) = (left[i], right[i]);
                left[i] = ll * l + lr * r;
                right[i] = rl * l + rr * r;
            }
        }

        // 3. Crossfeed (does nothing while off and at rest).
        self.crossfeed.process(left, right);

        // 4. Protection (a slow glide; skipped at unity).
        if self.protect.is_moving() || self.protect.value() != 1.0 {
            for i in 0..len {
                let g = self.protect.next_value();
                left[i] *= g;
                right[i] *= g;
            }
        }

        // 5. Test signal (replaces the programme; skipped while off). A signal asked for while
        //    another played starts once that one has faded out.
        if let Some(kind) = self.generator_pending {
            if !self.generator_mix.is_moving() && self.generator_mix.value() == 0.0 {
                self.generator_pending = None;
                self.start_generator(kind);
            }
        }
        if self.generator_mix.is_moving() || self.generator_mix.value() > 0.0 {
            let [gl, gr] = &mut self.generator_out;
            self.generator
                .fill(self.generator_playing, &mut gl[..len], &mut gr[..len]);
            for i in 0..len {
                let m = self.generator_mix.next_value();
                left[i] = (1.0 - m) * left[i] + m * gl[i];
                right[i] = (1.0 - m) * right[i] + m * gr[i];
            }
        }

        // 6. Limiter (the detector sleeps while the limiter is fully off).
        let limiter_active = self.limiter_mix.is_moving() || self.limiter_mix.value() > 0.0;
        self.limiter.set_detection(limiter_active);
        let [ul, ur] = &mut self.unlimited;
        self.limiter
            .process(left, right, &mut ul[..len], &mut ur[..len]);
        block.min_gain = self.limiter.take_min_gain();

        // 7. Limiter on/off crossfade.
        if self.limiter_mix.is_moving() || self.limiter_mix.value() < 1.0 {
            for i in 0..len {
                let a = self.limiter_mix.next_value();
                left[i] = a * left[i] + (1.0 - a) * ul[i];
                right[i] = a * right[i] + (1.0 - a) * ur[i];
            }
        }

        // 8. Bypass crossfade.
        if self.bypass_mix.is_moving() || self.bypass_mix.value() > 0.0 {
            let [dl, dr] = &self.dry_out;
            for i in 0..len {
                let b = self.bypass_mix.next_value();
                left[i] = b * dl[i] + (1.0 - b) * left[i];
                right[i] = b * dr[i] + (1.0 - b) * right[i];
            }
        }

        // 9. Output hygiene and meters.
        sanitize::flush_subnormal_slice(left);
        sanitize::flush_subnormal_slice(right);
        (block.sum_lr, block.sum_ll, block.sum_rr) = meters::correlation_sums(left, right);
        block.output_peak = [meters::sample_peak(left), meters::sample_peak(right)];
        if self.true_peak_metering {
            block.output_true_peak = [
                self.output_tp[0].process(left),
                self.output_tp[1].process(right),
            ];
        }
        block.gain = self.limiter.current_gain();
        self.meters.merge(&block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_settings_take_the_safest_value() {
        let rate = 8_000.0f32;
        let sine = |n: usize| 0.9 * (n as f32 * 0.3).sin();
        let run = |settings: Settings, seconds: f32| {
            let mut chain = Chain::new(rate, settings);
            let n = (seconds * rate) as usize;
            let mut l: Vec<f32> = (0..n).map(sine).collect();
            let mut r = l.clone();
            for (cl, cr) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
                chain.process(cl, cr);
            }
            l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()))
        };
        // A NaN ceiling is the lowest ceiling (−60 dBTP), not 0 dBTP.
        let peak = run(
            Settings {
                ceiling_db: f32::NAN,
                ..Settings::default()
            },
            0.5,
        );
        assert!(peak <= limiter::SAFEST_CEILING, "{peak}");
        // A NaN gain is silence.
        let silent = run(
            Settings {
                gain_db: f32::NAN,
                ..Settings::default()
            },
            0.5,
        );
        assert_eq!(silent, 0.0);
        // A NaN protection is the full reduction (after its glide).
        let mut chain = Chain::new(
            rate,
            Settings {
                protect_db: f32::NAN,
                limiter_on: false,
                ..Settings::default()
            },
        );
        let n = ((PROTECT_RAMP_S as f32 + 1.0) * rate) as usize;
        let mut l: Vec<f32> = (0..n).map(sine).collect();
        let mut r = l.clone();
        chain.process(&mut l, &mut r);
        let tail = l[n - 800..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let expect = 0.9 * db_to_gain(-MAX_PROTECT_DB);
        assert!((tail / expect - 1.0).abs() < 0.01, "{tail} vs {expect}");
    }

    #[test]
    fn neutral_settings_are_bit_transparent_below_the_ceiling() {
        let mut chain = Chain::new(48000.0, Settings::default());
        let lat = chain.latency_samples();
        let n = 6000;
        let l: Vec<f32> = (0..n).map(|i| 0.5 * (i as f32 * 0.031).sin()).collect();
        let r: Vec<f32> = (0..n).map(|i| 0.4 * (i as f32 * 0.017).cos()).collect();
        let (mut yl, mut yr) = (l.clone(), r.clone());
        chain.process(&mut yl, &mut yr);
        for i in lat..n {
            assert_eq!(yl[i].to_bits(), l[i - lat].to_bits(), "L {i}");
            assert_eq!(yr[i].to_bits(), r[i - lat].to_bits(), "R {i}");
        }
    }

    #[test]
    fn zero_length_and_one_sample_blocks_work() {
        let mut chain = Chain::new(44100.0, Settings::default());
        chain.process(&mut [], &mut []);
        let mut x = [f32::NAN];
        let mut y = [1e30];
        for _ in 0..1000 {
            chain.process(&mut x, &mut y);
            assert!(x[0].is_finite() && y[0].is_finite());
            assert!(x[0].abs() <= db_to_gain(-1.0) && y[0].abs() <= db_to_gain(-1.0));
            x[0] = f32::NAN;
            y[0] = 1e30;
        }
    }

    #[test]
    fn mute_gain_silences() {
        assert_eq!(output_gain(-60.5), 0.0);
        assert_eq!(output_gain(0.0), 1.0);
        assert!((output_gain(-60.0) - 0.001).abs() < 1e-7);
    }

    #[test]
    fn switching_between_test_signals_fades_through_silence() {
        use listening::generator::Kind;
        let rate = 48_000.0;
        let mut chain = Chain::new(
            rate,
            Settings {
                generator: Kind::Sine1k,
                ..Settings::default()
            },
        );
        let (mut l, mut r) = (vec![0.0f32; 9_600], vec![0.0f32; 9_600]);
        chain.process(&mut l, &mut r);
        chain.set_settings(Settings {
            generator: Kind::PinkNoise,
            ..Settings::default()
        });
        let (mut l, mut r) = (vec![0.0f32; 9_600], vec![0.0f32; 9_600]);
        for (cl, cr) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
            chain.process(cl, cr);
        }
        // 1 ms RMS windows: the sine fades out over 20 ms (plus the latency), the noise in.
        let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
        let windows: Vec<f32> = l.chunks(48).map(rms).collect();
        let steady = 0.0707;
        let dip = windows[..60].iter().copied().fold(f32::INFINITY, f32::min);
        assert!(
            dip < 0.1 * steady,
            "no fade through silence: minimum 1 ms RMS {dip}"
        );
        assert!(
            windows[150..].iter().all(|&w| w > 0.3 * steady),
            "the noise plays after"
        );
    }
}
