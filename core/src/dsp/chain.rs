//! The monitoring chain: its stage list, and the [`Chain`] that runs it over a host's
//! blocks.
//!
//! The list below **is** the chain: the order of processing, the latency (the sum of the
//! stages' latencies), construction, settings and reset all come from it, and so do the
//! meter taps, which are entries of the list like any stage. Adding a stage is one file
//! (a type implementing [`Stage`]) and one line here.

use super::bypass::{Bypass, DryTap};
use super::correction::{self, Correction};
use super::cpu::{dispatch, Cpu};
use super::crossfeed::Crossfeed;
use super::ear_levels::EarLevels;
use super::limiter::switched::SwitchedLimiter;
use super::limiter::{LatencyMode, Limiter};
use super::listening;
use super::matrix::Matrix;
use super::meters::{BlockMeters, InputMeters, OutputMeters};
use super::protection::Protection;
use super::sanitize::Sanitize;
use super::stage::{Chunk, Stage, StageSetup};
use super::test_signal::TestSignal;
use super::{bass_mono::BassMono, Settings, MAX_CHUNK, SWITCH_MS};

/// Declares the stage list: a struct with one field per entry, built, set, reset and run
/// in the order written, its latency the sum of the entries'.
macro_rules! stage_list {
    ($(#[$doc:meta])* $name:ident { $($(#[$entry_doc:meta])* $field:ident: $stage:ty,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $($(#[$entry_doc])* pub $field: $stage,)+
        }

        impl $name {
            /// Every stage, in order; each learns the latency of those before it.
            #[allow(unused_assignments)] // (after the last stage)
            fn build(setup: StageSetup) -> Self {
                let mut setup = setup;
                $(
                    let $field = <$stage as Stage>::build(&setup);
                    for mode in <LatencyMode as super::Named>::ALL {
                        setup.latency_before[mode.index()] += Stage::latency_samples(&$field, *mode);
                    }
                )+
                Self { $($field,)+ }
            }

            fn apply(&mut self, settings: &Settings) {
                $(Stage::apply(&mut self.$field, settings);)+
            }

            fn reset(&mut self) {
                $(Stage::reset(&mut self.$field);)+
            }

            fn latency_samples(&self, mode: LatencyMode) -> usize {
                0 $(+ Stage::latency_samples(&self.$field, mode))+
            }

            #[inline(always)]
            fn process(&mut self, chunk: &mut Chunk<'_>) {
                $(Stage::process(&mut self.$field, chunk);)+
            }
        }
    };
}

stage_list! {
    /// The stages, in processing order.
    Stages {
        /// NaN/±Inf become silence, huge values are clamped, subnormals flushed.
        sanitize: Sanitize,
        /// Tap: the input after hygiene, for bypass.
        dry: DryTap,
        /// Tap: the input meters (sample and true peak).
        input_meters: InputMeters,
        /// Polarity, monitor mode, swap and output gain (one gliding 2×2 matrix).
        matrix: Matrix,
        /// Mono below a crossover (the side high-passed).
        bass_mono: BassMono,
        /// Crossfeed (after the matrix: it leaves single-ear modes untouched).
        crossfeed: Crossfeed,
        /// Headphone correction (per-ear EQ, preamp, level match).
        correction: Correction,
        /// Gradual protection once the weekly allowance is used up.
        protection: Protection,
        /// Test signal (replaces the programme).
        test_signal: TestSignal,
        /// Per-ear trim, dim and mute.
        ear_levels: EarLevels,
        /// The true-peak limiter with its on/off crossfade (and its gain meters).
        limiter: SwitchedLimiter,
        /// Host bypass: the dry tap's signal, delayed by the latency, crossfaded in.
        bypass: Bypass,
        /// Tap: output hygiene (subnormals flushed) and the output meters.
        output_meters: OutputMeters,
    }
}

/// The whole monitoring chain for one stereo stream.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Sample rate, in Hz.
    sample_rate: f32,
    /// Settings last applied.
    settings: Settings,
    /// The stage list.
    stages: Stages,
    /// The dry tap's scratch for one chunk.
    dry: [[f32; MAX_CHUNK]; 2],
    /// Whether the true-peak meters run (sample peaks and gain are always measured).
    true_peak_metering: bool,
    /// Statistics since the last [`Chain::take_meters`].
    meters: BlockMeters,
    /// What this CPU can run (the AVX2 build of a chunk's processing).
    cpu: Cpu,
}

impl Chain {
    /// A chain for `sample_rate` Hz with `settings` (allocates; call from `activate`).
    pub fn new(sample_rate: f32, settings: Settings) -> Self {
        let switch_samples = (SWITCH_MS * 1e-3 * sample_rate as f64).round() as u32;
        let stages = Stages::build(StageSetup {
            sample_rate,
            settings,
            switch_samples,
            latency_before: [0; LatencyMode::COUNT],
        });
        let mut chain = Self {
            sample_rate,
            settings,
            stages,
            dry: [[0.0; MAX_CHUNK]; 2],
            true_peak_metering: true,
            meters: BlockMeters::default(),
            cpu: Cpu::detect(),
        };
        chain.reset();
        chain
    }

    /// Sample rate this chain was built for, in Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The chain's delay, in samples: the sum of its stages' (the limiter's lookahead), a
    /// function of the sample rate and the latency setting only.
    pub fn latency_samples(&self) -> usize {
        self.stages.latency_samples(self.settings.latency)
    }

    /// The chain's delay in the latency setting `mode`, in samples.
    pub fn latency_samples_in(&self, mode: LatencyMode) -> usize {
        self.stages.latency_samples(mode)
    }

    /// Whether a switch between latency settings is under way (the old and the new
    /// limiter both sound).
    pub fn is_switching_latency(&self) -> bool {
        self.stages.limiter.is_switching()
    }

    /// How long the output can still change after the input has fallen silent, in samples
    /// (see [`Limiter::tail_samples`]; crossfeed's one-pole ring, a few ms at the lowest
    /// cut-off, ends within the limiter's 30 ms hold); `None` while a test signal plays, which
    /// sounds whatever the input.
    pub fn tail_samples(&self) -> Option<usize> {
        (!self.stages.test_signal.is_audible()).then(|| self.stages.limiter.tail_samples())
    }

    /// The headphone correction's figures (preamp, level match, 1 kHz gain, SPL offset)
    /// for the curve last applied.
    pub fn correction_figures(&self) -> correction::Figures {
        self.stages.correction.figures()
    }

    /// What the correction adds to the SPL at the ear beyond a meter's reading of the
    /// output, per ear, in dB (0 while it is off).
    pub fn correction_spl_offset_db(&self) -> [f32; 2] {
        self.stages.correction.spl_offset_db()
    }

    /// The limiter (read-only), e.g. for its margins.
    pub fn limiter(&self) -> &Limiter {
        self.stages.limiter.limiter()
    }

    /// Applies new settings to every stage; every audible change glides over [`SWITCH_MS`].
    pub fn set_settings(&mut self, settings: Settings) {
        self.stages.apply(&settings);
        self.settings = settings;
    }

    /// Settings last applied.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the correction may design a graphic EQ's filter itself (see
    /// [`Correction::set_design_here`]); an audio thread turns it off.
    pub fn set_correction_design_here(&mut self, allowed: bool) {
        self.stages.correction.set_design_here(allowed);
    }

    /// Hands the correction the filters of a curve's graphic EQs, designed off the audio
    /// thread (see [`Correction::provide_firs`]; allocation-free).
    pub fn provide_correction_firs(&mut self, firs: &correction::fir::FirSet) {
        self.stages.correction.provide_firs(firs);
    }

    /// Turns the 4× true-peak meters on or off (they are the costliest meters).
    /// Turned on, they start from silence rather than from stale history.
    pub fn set_true_peak_metering(&mut self, on: bool) {
        if on && !self.true_peak_metering {
            Stage::reset(&mut self.stages.input_meters);
            Stage::reset(&mut self.stages.output_meters);
        }
        self.true_peak_metering = on;
    }

    /// Clears all state (no allocation); glides jump to their targets. Two runs over the
    /// same input after a reset are identical (test signals included).
    pub fn reset(&mut self) {
        self.stages.reset();
        self.meters = BlockMeters::default();
    }

    /// The channel-check step playing now (`None` between steps or when not checking).
    pub fn check_step(&self) -> Option<listening::generator::CheckStep> {
        self.stages.test_signal.check_step()
    }

    /// Statistics since the last call, then starts a new period.
    pub fn take_meters(&mut self) -> BlockMeters {
        let mut m = std::mem::take(&mut self.meters);
        m.gain = self.limiter().current_gain();
        m
    }

    /// Processes a stereo block in place (any length, including 0), in chunks of at most
    /// [`MAX_CHUNK`] samples.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let mut start = 0;
        while start < len {
            let end = (start + MAX_CHUNK).min(len);
            let (l, r) = (&mut left[start..end], &mut right[start..end]);
            dispatch!(
                self.cpu.avx2(),
                self.process_chunk_avx2(l, r),
                self.process_chunk(l, r)
            );
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

    /// One chunk through the stage list.
    #[inline(always)]
    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let mut chunk = Chunk::new(left, right, &mut self.dry, self.true_peak_metering);
        self.stages.process(&mut chunk);
        self.meters.merge(&chunk.meters);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::limiter;
    use crate::dsp::{db_to_gain, output_gain, CrossfeedSettings, MAX_PROTECT_DB, PROTECT_RAMP_S};

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
