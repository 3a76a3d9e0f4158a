//! The plugin's parameters: stable IDs, ranges, units and display formats.
//!
//! The string IDs below are part of every saved session and automation lane:
//! they never change (a test pins them). Ranges are exposed as functions so an
//! editor can reuse them.

use std::sync::{Arc, RwLock};

use atomic_float::AtomicF32;

use nice_plug::prelude::*;

use crate::dsp::crossfeed::{self, Preset};
use crate::dsp::listening::calibration::Calibration;
use crate::dsp::listening::dose::Criterion;
use crate::dsp::listening::generator::Kind as GeneratorKind;
use crate::dsp::{self, CrossfeedSettings, MonitorMode};
use crate::monitor::Controls;

/// Bottom of the gain range, in dB; everything below [`dsp::MUTE_BELOW_DB`] is −∞.
pub const GAIN_MIN_DB: f32 = -61.0;
/// Top of the gain range, in dB.
pub const GAIN_MAX_DB: f32 = 12.0;
/// Ceiling range, in dBTP.
pub const CEILING_MIN_DB: f32 = -24.0;
/// Ceiling range top, in dBTP.
pub const CEILING_MAX_DB: f32 = 0.0;
/// Default ceiling, in dBTP.
pub const CEILING_DEFAULT_DB: f32 = -1.0;
/// Release range bottom, in ms.
pub const RELEASE_MIN_MS: f32 = 10.0;
/// Release range top, in ms.
pub const RELEASE_MAX_MS: f32 = 1000.0;
/// Default release, in ms (see the README for why).
pub const RELEASE_DEFAULT_MS: f32 = 60.0;

/// The monitor mode as a host-visible enum (IDs are stable).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeParam {
    /// Left to left, right to right.
    #[id = "stereo"]
    Stereo,
    /// (L+R)/2 to both ears.
    #[id = "mono"]
    Mono,
    /// (L−R)/2 to both ears.
    #[id = "side"]
    Side,
    /// Left channel to both ears.
    #[id = "left"]
    #[name = "Left"]
    Left,
    /// Right channel to both ears.
    #[id = "right"]
    #[name = "Right"]
    Right,
}

impl From<ModeParam> for MonitorMode {
    fn from(m: ModeParam) -> Self {
        match m {
            ModeParam::Stereo => MonitorMode::Stereo,
            ModeParam::Mono => MonitorMode::Mono,
            ModeParam::Side => MonitorMode::Side,
            ModeParam::Left => MonitorMode::Left,
            ModeParam::Right => MonitorMode::Right,
        }
    }
}

/// The crossfeed presets as a host-visible enum (IDs are stable).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossfeedPresetParam {
    /// 700 Hz, 4.5 dB.
    #[id = "default"]
    #[name = "Default (700 Hz, 4.5 dB)"]
    Default,
    /// 700 Hz, 6 dB.
    #[id = "chu_moy"]
    #[name = "Chu Moy (700 Hz, 6 dB)"]
    ChuMoy,
    /// 650 Hz, 9.5 dB.
    #[id = "jan_meier"]
    #[name = "Jan Meier (650 Hz, 9.5 dB)"]
    JanMeier,
    /// The cut-off and feed level parameters.
    #[id = "custom"]
    #[name = "Custom"]
    Custom,
}

/// The test signal as a host-visible enum (IDs are stable).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratorParam {
    /// The programme plays.
    #[id = "off"]
    #[name = "Off"]
    Off,
    /// Pink noise at −20 dBFS RMS.
    #[id = "pink"]
    #[name = "Pink noise -20 dBFS"]
    PinkNoise,
    /// 1 kHz sine at −20 dBFS RMS.
    #[id = "sine_1k"]
    #[name = "1 kHz sine -20 dBFS"]
    Sine1k,
    /// Left, right, in phase, out of phase.
    #[id = "channel_check"]
    #[name = "Channel check"]
    ChannelCheck,
}

impl From<GeneratorParam> for GeneratorKind {
    fn from(g: GeneratorParam) -> Self {
        match g {
            GeneratorParam::Off => GeneratorKind::Off,
            GeneratorParam::PinkNoise => GeneratorKind::PinkNoise,
            GeneratorParam::Sine1k => GeneratorKind::Sine1k,
            GeneratorParam::ChannelCheck => GeneratorKind::ChannelCheck,
        }
    }
}

/// The weekly allowance as a host-visible enum (IDs are stable).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CriterionParam {
    /// 80 dB(A) for 40 h a week (ITU-T H.870 mode 1).
    #[id = "80dba"]
    #[name = "80 dB(A) for 40 h/week"]
    Standard80,
    /// 75 dB(A) for 40 h a week (ITU-T H.870 mode 2, sensitive users).
    #[id = "75dba"]
    #[name = "75 dB(A) for 40 h/week"]
    Sensitive75,
}

impl From<CriterionParam> for Criterion {
    fn from(c: CriterionParam) -> Self {
        match c {
            CriterionParam::Standard80 => Criterion::Standard80,
            CriterionParam::Sensitive75 => Criterion::Sensitive75,
        }
    }
}

/// Stored in `full_scale_spl` while not calibrated.
pub const NOT_CALIBRATED: f32 = -1.0;

/// Crossfeed cut-off default, in Hz.
pub const CROSSFEED_CUTOFF_DEFAULT_HZ: f32 = 700.0;
/// Crossfeed feed level default, in dB.
pub const CROSSFEED_FEED_DEFAULT_DB: f32 = 4.5;

/// How many host-visible parameters [`MonitorParams`] has (a unit test checks it).
pub const PARAM_COUNT: usize = 18;

/// All parameters of Headphone Monitor.
#[derive(Params)]
pub struct MonitorParams {
    /// Output gain, in dB (−∞ below −60 dB).
    #[id = "gain"]
    pub gain_db: FloatParam,
    /// Monitor mode.
    #[id = "mode"]
    pub mode: EnumParam<ModeParam>,
    /// Swap left and right.
    #[id = "swap"]
    pub swap: BoolParam,
    /// Limiter on/off. Off is unsafe: nothing caps the level any more.
    #[id = "limiter"]
    pub limiter: BoolParam,
    /// Limiter ceiling, in dBTP.
    #[id = "ceiling"]
    pub ceiling_db: FloatParam,
    /// Limiter release, in ms.
    #[id = "release"]
    pub release_ms: FloatParam,
    /// Host bypass (latency-compensated, crossfaded).
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// Crossfeed on/off (off by default).
    #[id = "crossfeed"]
    pub crossfeed: BoolParam,
    /// Crossfeed preset, or Custom.
    #[id = "xf_preset"]
    pub crossfeed_preset: EnumParam<CrossfeedPresetParam>,
    /// Custom crossfeed cut-off, in Hz.
    #[id = "xf_cutoff"]
    pub crossfeed_cutoff_hz: FloatParam,
    /// Custom crossfeed feed level (cross path below direct path), in dB.
    #[id = "xf_feed"]
    pub crossfeed_feed_db: FloatParam,
    /// "Monitor only": pass audio through unchanged during genuine offline renders.
    #[id = "monitor_only"]
    pub monitor_only: BoolParam,
    /// Test signal (replaces the programme while on).
    #[id = "generator"]
    pub generator: EnumParam<GeneratorParam>,
    /// The weekly sound allowance.
    #[id = "dose_criterion"]
    pub dose_criterion: EnumParam<CriterionParam>,
    /// Lower the level once the allowance is used up.
    #[id = "protect"]
    pub protect: BoolParam,
    /// How much to lower it, in dB.
    #[id = "protect_db"]
    pub protect_db: FloatParam,
    /// Cap the peak level at the ear (needs a calibration).
    #[id = "spl_ceiling"]
    pub spl_ceiling: BoolParam,
    /// The peak level cap at the ear, in dB SPL.
    #[id = "spl_ceiling_db"]
    pub spl_ceiling_db: FloatParam,
    /// The calibration as the user entered it (editor and state; never read by the audio
    /// thread).
    #[persist = "calibration"]
    pub calibration: Arc<RwLock<Calibration>>,
    /// SPL of a full-scale sine from the calibration, in dB SPL; [`NOT_CALIBRATED`] if none.
    /// The audio thread's lock-free copy, written together with `calibration`.
    #[persist = "full_scale_spl"]
    pub full_scale_spl: Arc<AtomicF32>,
}

/// Formats a level in dB with one decimal, never as "-0.0".
pub fn format_db(value: f32) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    format!("{:.1}", if rounded == 0.0 { 0.0 } else { rounded })
}

/// Formats a gain in dB with one decimal, "-inf" below the mute threshold.
pub fn format_gain_db(value: f32) -> String {
    if value < dsp::MUTE_BELOW_DB {
        "-inf".to_string()
    } else {
        format_db(value)
    }
}

/// Parses a gain in dB ("-inf", "-6", "-6 dB").
pub fn parse_gain_db(text: &str) -> Option<f32> {
    let t = text.trim().trim_end_matches("dB").trim();
    if t.eq_ignore_ascii_case("-inf") || t == "-∞" {
        return Some(GAIN_MIN_DB);
    }
    t.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// Parses a number with an optional unit suffix.
fn parse_with_unit(text: &str, unit: &str) -> Option<f32> {
    text.trim()
        .trim_end_matches(unit)
        .trim()
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
}

impl Default for MonitorParams {
    fn default() -> Self {
        Self {
            gain_db: FloatParam::new(
                "Output Gain",
                0.0,
                FloatRange::Linear {
                    min: GAIN_MIN_DB,
                    max: GAIN_MAX_DB,
                },
            )
            .with_step_size(0.1)
            .with_unit(" dB")
            .with_value_to_string(Arc::new(format_gain_db))
            .with_string_to_value(Arc::new(parse_gain_db)),
            mode: EnumParam::new("Monitor Mode", ModeParam::Stereo),
            swap: BoolParam::new("Swap L/R", false),
            limiter: BoolParam::new("Limiter", true),
            ceiling_db: FloatParam::new(
                "Ceiling",
                CEILING_DEFAULT_DB,
                FloatRange::Linear {
                    min: CEILING_MIN_DB,
                    max: CEILING_MAX_DB,
                },
            )
            .with_step_size(0.1)
            .with_unit(" dBTP")
            .with_value_to_string(Arc::new(format_db))
            .with_string_to_value(Arc::new(|s| parse_with_unit(s, "dBTP"))),
            release_ms: FloatParam::new(
                "Release",
                RELEASE_DEFAULT_MS,
                FloatRange::Skewed {
                    min: RELEASE_MIN_MS,
                    max: RELEASE_MAX_MS,
                    factor: FloatRange::skew_factor(-1.0),
                },
            )
            .with_step_size(1.0)
            .with_unit(" ms")
            .with_value_to_string(formatters::v2s_f32_rounded(0))
            .with_string_to_value(Arc::new(|s| parse_with_unit(s, "ms"))),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            crossfeed: BoolParam::new("Crossfeed", false),
            crossfeed_preset: EnumParam::new("Crossfeed Preset", CrossfeedPresetParam::Default),
            crossfeed_cutoff_hz: FloatParam::new(
                "Crossfeed Cut-off",
                CROSSFEED_CUTOFF_DEFAULT_HZ,
                FloatRange::Skewed {
                    min: crossfeed::MIN_CUTOFF_HZ,
                    max: crossfeed::MAX_CUTOFF_HZ,
                    factor: FloatRange::skew_factor(-1.0),
                },
            )
            .with_step_size(1.0)
            .with_unit(" Hz")
            .with_value_to_string(formatters::v2s_f32_rounded(0))
            .with_string_to_value(Arc::new(|s| parse_with_unit(s, "Hz"))),
            crossfeed_feed_db: FloatParam::new(
                "Crossfeed Level",
                CROSSFEED_FEED_DEFAULT_DB,
                FloatRange::Linear {
                    min: crossfeed::MIN_FEED_DB,
                    max: crossfeed::MAX_FEED_DB,
                },
            )
            .with_step_size(0.1)
            .with_unit(" dB")
            .with_value_to_string(Arc::new(format_db))
            .with_string_to_value(Arc::new(|s| parse_with_unit(s, "dB"))),
            monitor_only: BoolParam::new("Monitor Only", true),
            generator: EnumParam::new("Test Signal", GeneratorParam::Off),
            dose_criterion: EnumParam::new("Sound Allowance", CriterionParam::Standard80),
            protect: BoolParam::new("Protect", false),
            protect_db: FloatParam::new(
                "Protect Amount",
                6.0,
                FloatRange::Linear {
                    min: 3.0,
                    max: 20.0,
                },
            )
            .with_step_size(0.5)
            .with_unit(" dB")
            .with_value_to_string(Arc::new(format_db))
            .with_string_to_value(Arc::new(|s| parse_with_unit(s, "dB"))),
            spl_ceiling: BoolParam::new("SPL Ceiling", false),
            spl_ceiling_db: FloatParam::new(
                "SPL Ceiling Level",
                100.0,
                FloatRange::Linear {
                    min: 70.0,
                    max: 130.0,
                },
            )
            .with_step_size(0.5)
            .with_unit(" dB SPL")
            .with_value_to_string(Arc::new(format_db))
            .with_string_to_value(Arc::new(|s| parse_with_unit(s, "dB SPL"))),
            calibration: Arc::new(RwLock::new(Calibration::None)),
            full_scale_spl: Arc::new(AtomicF32::new(NOT_CALIBRATED)),
        }
    }
}

impl MonitorParams {
    /// What these parameters ask for, as the monitor layer's plain controls (smoothing
    /// and every decision on top of them happen in [`crate::monitor`]).
    pub fn controls(&self) -> Controls {
        Controls {
            chain: dsp::Settings {
                gain_db: self.gain_db.value(),
                mode: self.mode.value().into(),
                swap: self.swap.value(),
                limiter_on: self.limiter.value(),
                ceiling_db: self.ceiling_db.value(),
                release_ms: self.release_ms.value(),
                bypass: self.bypass.value(),
                crossfeed: self.crossfeed_settings(),
                generator: self.generator.value().into(),
                protect_db: 0.0,
            },
            monitor_only: self.monitor_only.value(),
            full_scale_spl: self.full_scale_spl(),
            spl_ceiling_db: self
                .spl_ceiling
                .value()
                .then(|| self.spl_ceiling_db.value()),
            protect_db: self.protect.value().then(|| self.protect_db.value()),
            criterion: self.dose_criterion.value().into(),
        }
    }

    /// The SPL of a full-scale sine, if calibrated (lock-free; audio thread safe).
    pub fn full_scale_spl(&self) -> Option<f64> {
        let spl = self
            .full_scale_spl
            .load(std::sync::atomic::Ordering::Relaxed);
        (spl.is_finite() && spl >= 0.0).then_some(f64::from(spl))
    }

    /// Stores a new calibration (GUI thread): the editor's copy and the audio thread's.
    pub fn set_calibration(&self, calibration: Calibration) {
        let spl = calibration
            .full_scale_spl()
            .map_or(NOT_CALIBRATED, |spl| spl as f32);
        if let Ok(mut stored) = self.calibration.write() {
            *stored = calibration;
        }
        self.full_scale_spl
            .store(spl, std::sync::atomic::Ordering::Relaxed);
    }

    /// The crossfeed settings: a preset's values, or the custom cut-off and level.
    pub fn crossfeed_settings(&self) -> CrossfeedSettings {
        let (cutoff_hz, feed_db) = match self.crossfeed_preset.value() {
            CrossfeedPresetParam::Default => Preset::Default.cutoff_and_feed(),
            CrossfeedPresetParam::ChuMoy => Preset::ChuMoy.cutoff_and_feed(),
            CrossfeedPresetParam::JanMeier => Preset::JanMeier.cutoff_and_feed(),
            CrossfeedPresetParam::Custom => (
                self.crossfeed_cutoff_hz.value(),
                self.crossfeed_feed_db.value(),
            ),
        };
        CrossfeedSettings {
            on: self.crossfeed.value(),
            cutoff_hz,
            feed_db,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_count_matches_the_parameter_list() {
        assert_eq!(MonitorParams::default().param_map().len(), PARAM_COUNT);
    }

    #[test]
    fn gain_text_round_trips_and_never_shows_minus_zero() {
        assert_eq!(format_gain_db(-0.01), "0.0");
        assert_eq!(format_gain_db(-60.0), "-60.0");
        assert_eq!(format_gain_db(-60.5), "-inf");
        assert_eq!(parse_gain_db("-inf"), Some(GAIN_MIN_DB));
        assert_eq!(parse_gain_db(" -6.5 dB"), Some(-6.5));
        assert_eq!(parse_gain_db("loud"), None);
        for v in [-60.0f32, -12.3, 0.0, 6.1, 12.0] {
            assert_eq!(parse_gain_db(&format_gain_db(v)), Some(v));
        }
    }
}
