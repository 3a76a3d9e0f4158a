//! The monitoring chain as pure DSP: plain settings in, stereo slices in and out.
//!
//! The chain is its list of stages, each a [`Stage`] in its own file, run in this order:
//! 1. **Sanitize** ([`sanitize`]) — NaN/±Inf become silence, huge values are clamped,
//!    subnormals flushed. The dry signal for bypass is tapped here.
//! 2. **Matrix** ([`matrix`]) — monitor mode, L/R swap and output gain as one 2×2 matrix
//!    whose coefficients glide over [`SWITCH_MS`] (click-free mode/swap/gain changes).
//! 3. **Crossfeed** ([`crossfeed`], off by default) — after the matrix, so that in the
//!    Mono, Side, Left and Right modes, where both ears carry the same signal, it changes
//!    nothing at all; before the limiter, so the ceiling holds for what reaches the ears.
//! 4. **Headphone correction** ([`correction`], off until a file is loaded) — the
//!    per-ear parametric EQ of an AutoEq / EqualizerAPO file, its preamp and the optional
//!    loudness match; after the matrix and crossfeed (it corrects the ears), before the
//!    limiter (which caps what it boosts). Loads and toggles warm up, then crossfade.
//! 5. **Protection** ([`protection`], only once the weekly sound allowance is used up and
//!    the user asked for it) — a level reduction that glides in over [`PROTECT_RAMP_S`].
//! 6. **Test signal** ([`test_signal`]) — replaces the programme, crossfaded over
//!    [`SWITCH_MS`]; before the limiter, which always applies. After the correction: the
//!    1 kHz calibration tone and the channel check play through the bare headphones, as
//!    the calibration (a 1 kHz figure of the bare headphones) defines them.
//! 7. **Limiter** ([`switched_limiter`]) — the stereo-linked true-peak lookahead limiter
//!    of [`limiter`] with its on/off crossfade against the equally delayed unlimited
//!    signal.
//! 8. **Bypass** ([`bypass`]) — the dry input, delayed by the latency, crossfaded in.
//!
//! Every fade is one [`crossfade::Crossfade`]. The latency is the limiter's lookahead, a
//! function of the sample rate only: it does not change with the limiter, the mode or
//! bypass. Adding a stage means one new file and one line in [`Chain`]'s list.
//!
//! Nothing here imports `nice_plug`; the plugin, the renderer, the tests and the
//! benchmarks all drive this same code.

pub mod bass_mono;
pub mod biquad_bank;
pub mod bypass;
pub mod controller;
pub mod correction;
pub mod crossfade;
pub mod crossfeed;
pub mod detector;
pub mod ear_levels;
pub mod exact;
pub mod kernel;
pub mod limiter;
pub mod listening;
pub mod math;
pub mod matrix;
pub mod meters;
pub mod named;
pub mod protection;
pub mod ramp;
pub mod render_guard;
pub mod sanitize;
pub mod sliding;
pub mod switched_limiter;
pub mod test_signal;

pub use crossfeed::{Crossfeed, CrossfeedSettings};
pub use limiter::{Design, Limiter, LimiterSettings};
pub use matrix::MonitorMode;
pub use meters::BlockMeters;
pub use named::Named;

pub use protection::{MAX_PROTECT_DB, PROTECT_RAMP_S};

use bass_mono::BassMono;
use bypass::Bypass;
pub use controller::ControllerSettings;
use correction::Correction;
pub use correction::CorrectionSettings;
use ear_levels::EarLevels;
use matrix::Matrix;
use meters::TruePeakMeter;
use protection::Protection;
use sanitize::Sanitize;
use switched_limiter::SwitchedLimiter;
use test_signal::TestSignal;

/// One stage of the chain: plain settings in, a stereo block processed in place.
pub trait Stage {
    /// Takes new settings; every audible change glides (never clicks).
    fn apply(&mut self, settings: &Settings);
    /// Clears all state (no allocation); glides jump to their targets.
    fn reset(&mut self);
    /// Processes a block of at most [`MAX_CHUNK`] samples in place.
    fn process(&mut self, left: &mut [f32], right: &mut [f32]);
    /// The delay this stage adds, in samples.
    fn latency_samples(&self) -> usize {
        0
    }
}

/// Duration of every click-free switch (mode, swap, gain moves, limiter on/off, bypass), in ms.
pub const SWITCH_MS: f64 = 20.0;
/// Internal block length: longer host blocks are processed in pieces of this size.
pub const MAX_CHUNK: usize = 256;
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
    /// Headphone correction (off, and flat, by default).
    pub correction: CorrectionSettings,
    /// Monitor controller: polarity, trim, dim, mute, bass mono (neutral by default).
    pub controller: ControllerSettings,
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
            correction: CorrectionSettings::default(),
            controller: ControllerSettings::default(),
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

/// The whole monitoring chain for one stereo stream: its stages, in order.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Sample rate, in Hz.
    sample_rate: f32,
    /// Settings last applied.
    settings: Settings,
    // --- the stages, in processing order ---
    sanitize: Sanitize,
    matrix: Matrix,
    bass_mono: BassMono,
    crossfeed: Crossfeed,
    correction: Correction,
    protection: Protection,
    test_signal: TestSignal,
    ear_levels: EarLevels,
    limiter: SwitchedLimiter,
    bypass: Bypass,
    // --- meters ---
    /// Input true-peak meters.
    input_tp: [TruePeakMeter; 2],
    /// Output true-peak meters.
    output_tp: [TruePeakMeter; 2],
    /// Whether true-peak meters run (sample peaks and gain are always measured).
    true_peak_metering: bool,
    /// Statistics since the last [`Chain::take_meters`].
    meters: BlockMeters,
    /// Whether the AVX2 build of a chunk's processing may run on this CPU.
    #[cfg(target_arch = "x86_64")]
    use_avx2: bool,
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
        let limiter = SwitchedLimiter::new(sample_rate, &settings, design, switch_samples);
        let latency = limiter.latency_samples();
        let mut chain = Self {
            sample_rate,
            settings,
            sanitize: Sanitize,
            matrix: Matrix::new(&settings, switch_samples),
            bass_mono: BassMono::new(sample_rate, &settings, switch_samples),
            crossfeed: Crossfeed::new(sample_rate, settings.crossfeed, switch_samples),
            correction: Correction::new(sample_rate, &settings, switch_samples),
            protection: Protection::new(sample_rate, &settings),
            test_signal: TestSignal::new(sample_rate, &settings, switch_samples),
            ear_levels: EarLevels::new(&settings, switch_samples),
            limiter,
            bypass: Bypass::new(latency, &settings, switch_samples),
            input_tp: Default::default(),
            output_tp: Default::default(),
            true_peak_metering: true,
            meters: BlockMeters::default(),
            #[cfg(target_arch = "x86_64")]
            use_avx2: exact::avx2_available(),
        };
        chain.reset();
        chain
    }

    /// The stages in processing order (bypass's dry tap aside).
    fn stages(&mut self) -> [&mut dyn Stage; 10] {
        [
            &mut self.sanitize,
            &mut self.matrix,
            &mut self.bass_mono,
            &mut self.crossfeed,
            &mut self.correction,
            &mut self.protection,
            &mut self.test_signal,
            &mut self.ear_levels,
            &mut self.limiter,
            &mut self.bypass,
        ]
    }

    /// Sample rate this chain was built for, in Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The chain's delay, in samples: fixed per sample rate (the limiter's lookahead).
    pub fn latency_samples(&self) -> usize {
        self.sanitize.latency_samples()
            + self.matrix.latency_samples()
            + self.bass_mono.latency_samples()
            + Stage::latency_samples(&self.crossfeed)
            + self.correction.latency_samples()
            + self.protection.latency_samples()
            + self.test_signal.latency_samples()
            + self.ear_levels.latency_samples()
            + self.limiter.latency_samples()
    }

    /// How long the output can still change after the input has fallen silent, in samples
    /// (see [`Limiter::tail_samples`]; crossfeed's one-pole ring, a few ms at the lowest
    /// cut-off, ends within the limiter's 30 ms hold); `None` while a test signal plays, which
    /// sounds whatever the input.
    pub fn tail_samples(&self) -> Option<usize> {
        (!self.test_signal.is_audible()).then(|| self.limiter.limiter().tail_samples())
    }

    /// The headphone correction's figures (preamp, level match, 1 kHz gain, SPL offset)
    /// for the curve last applied.
    pub fn correction_figures(&self) -> correction::Figures {
        self.correction.figures()
    }

    /// What the correction adds to the SPL at the ear beyond a meter's reading of the
    /// output, per ear, in dB (0 while it is off).
    pub fn correction_spl_offset_db(&self) -> [f32; 2] {
        self.correction.spl_offset_db()
    }

    /// The limiter (read-only), e.g. for its margins.
    pub fn limiter(&self) -> &Limiter {
        self.limiter.limiter()
    }

    /// Applies new settings to every stage; every audible change glides over [`SWITCH_MS`].
    pub fn set_settings(&mut self, settings: Settings) {
        for stage in self.stages() {
            stage.apply(&settings);
        }
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

    /// Clears all state (no allocation); glides jump to their targets. Two runs over the
    /// same input after a reset are identical (test signals included).
    pub fn reset(&mut self) {
        for stage in self.stages() {
            stage.reset();
        }
        for m in self.input_tp.iter_mut().chain(self.output_tp.iter_mut()) {
            m.reset();
        }
        self.meters = BlockMeters::default();
    }

    /// The channel-check step playing now (`None` between steps or when not checking).
    pub fn check_step(&self) -> Option<listening::generator::CheckStep> {
        self.test_signal.check_step()
    }

    /// Statistics since the last call, then starts a new period.
    pub fn take_meters(&mut self) -> BlockMeters {
        let mut m = std::mem::take(&mut self.meters);
        m.gain = self.limiter.limiter().current_gain();
        m
    }

    /// Processes a stereo block in place (any length, including 0).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let mut start = 0;
        while start < len {
            let end = (start + MAX_CHUNK).min(len);
            let (l, r) = (&mut left[start..end], &mut right[start..end]);
            #[cfg(target_arch = "x86_64")]
            if self.use_avx2 {
                // SAFETY: `use_avx2` is only true when the CPU reports AVX2.
                unsafe { self.process_chunk_avx2(l, r) };
            } else {
                self.process_chunk(l, r);
            }
            #[cfg(not(target_arch = "x86_64"))]
            self.process_chunk(l, r);
            start = end;
        }
    }

    /// [`Self::process_chunk`] compiled for AVX2: the stages' slice loops that inline
    /// here run eight lanes wide. No fused operations, so the output is bit-identical
    /// to the portable build.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn process_chunk_avx2(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_chunk(left, right);
    }

    #[inline(always)]
    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let mut block = BlockMeters::default();
        self.sanitize.process(left, right);
        self.bypass.tap(left, right);
        block.input_peak = [meters::sample_peak(left), meters::sample_peak(right)];
        if self.true_peak_metering {
            block.input_true_peak = [
                self.input_tp[0].process(left),
                self.input_tp[1].process(right),
            ];
        }
        self.matrix.process(left, right);
        self.bass_mono.process(left, right);
        Stage::process(&mut self.crossfeed, left, right);
        self.correction.process(left, right);
        self.protection.process(left, right);
        self.test_signal.process(left, right);
        self.ear_levels.process(left, right);
        self.limiter.process(left, right);
        block.min_gain = self.limiter.take_min_gain();
        self.bypass.process(left, right);

        // Output hygiene and meters.
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
        block.gain = self.limiter.limiter().current_gain();
        self.meters.merge(&block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_makes_two_runs_identical_test_signals_included() {
        use listening::generator::Kind;
        for kind in [Kind::PinkNoise, Kind::Sine1k, Kind::ChannelCheck] {
            let settings = Settings {
                generator: kind,
                crossfeed: CrossfeedSettings {
                    on: true,
                    ..CrossfeedSettings::default()
                },
                ..Settings::default()
            };
            let mut chain = Chain::new(48_000.0, settings);
            let run = |chain: &mut Chain| {
                let (mut l, mut r) = (vec![0.3f32; 24_000], vec![-0.2f32; 24_000]);
                for (cl, cr) in l.chunks_mut(100).zip(r.chunks_mut(100)) {
                    chain.process(cl, cr);
                }
                (l, r)
            };
            let first = run(&mut chain);
            let second = run(&mut chain);
            assert_ne!(
                first, second,
                "{kind:?}: the signal goes on without a reset"
            );
            chain.reset();
            assert_eq!(run(&mut chain), first, "{kind:?}: a reset starts it afresh");
        }
    }

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
