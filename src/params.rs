//! The plugin's parameters: stable IDs, ranges, units and display formats.
//!
//! The string IDs below are part of every saved session and automation lane:
//! they never change (a test pins them). Ranges are exposed as functions so an
//! editor can reuse them.

use std::sync::Arc;

use nice_plug::prelude::*;

use crate::dsp::crossfeed::{self, Preset};
use crate::dsp::{self, CrossfeedSettings, MonitorMode};

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

/// Crossfeed cut-off default, in Hz.
pub const CROSSFEED_CUTOFF_DEFAULT_HZ: f32 = 700.0;
/// Crossfeed feed level default, in dB.
pub const CROSSFEED_FEED_DEFAULT_DB: f32 = 4.5;

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
        }
    }
}

impl MonitorParams {
    /// The DSP settings these parameters describe (smoothing happens in the DSP).
    pub fn settings(&self) -> dsp::Settings {
        dsp::Settings {
            gain_db: self.gain_db.value(),
            mode: self.mode.value().into(),
            swap: self.swap.value(),
            limiter_on: self.limiter.value(),
            ceiling_db: self.ceiling_db.value(),
            release_ms: self.release_ms.value(),
            bypass: self.bypass.value(),
            crossfeed: self.crossfeed_settings(),
        }
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
