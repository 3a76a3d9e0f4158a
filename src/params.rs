//! The plugin's parameters: stable IDs, ranges, units and display formats.
//!
//! The string IDs below are part of every saved session and automation lane:
//! they never change (a test pins them). Ranges are exposed as functions so an
//! editor can reuse them.

use std::sync::Arc;

use nice_plug::prelude::*;

use crate::dsp::{self, MonitorMode};

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
