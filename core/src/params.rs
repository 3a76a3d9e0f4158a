//! Every parameter, defined once: its stable id, the name hosts show, its unit, range,
//! step, default and how it reads. The plug-in builds its host parameters from this
//! table, the renderer its flags' defaults and ranges, the settings-file reader
//! ([`crate::settings_file`]) its checks, and the DSP its defaults and clamps;
//! [`crate::values::Values`] maps the values onto the monitor layer's controls, for all
//! of them.
//!
//! The ids are saved in every session and automation lane: they never change once
//! released (a test pins them). This module imports nothing: the DSP's choice types take
//! their ids and names from here (`dsp::named`).

/// Output gains below this are silence, in dB.
pub const MUTE_BELOW_DB: f32 = -60.0;

/// How a number's range is spread over a host's 0 … 1 control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Evenly.
    Linear,
    /// More resolution at the low end (frequencies, times).
    Logarithmic,
}

/// How a number reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// With this many decimals (0 or 1), never as "-0.0".
    Decimals(u8),
    /// One decimal, and "-inf" below [`MUTE_BELOW_DB`] (the output gain).
    Gain,
}

/// A number parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Float {
    /// Lowest value.
    pub min: f32,
    /// Highest value.
    pub max: f32,
    /// Value of a new instance.
    pub default: f32,
    /// Resolution of a host's control.
    pub step: f32,
    /// Unit as hosts show it after the value (with its leading space).
    pub unit: &'static str,
    /// How the range spreads over a host's control.
    pub scale: Scale,
    /// How the value reads.
    pub shown: Shown,
}

impl Float {
    /// `value` if it is a number inside the range.
    pub fn check(&self, value: f32) -> Option<f32> {
        (value.is_finite() && (self.min..=self.max).contains(&value)).then_some(value)
    }

    /// `value` clamped into the range (a non-number becomes the default).
    pub fn clamp(&self, value: f32) -> f32 {
        if value.is_nan() {
            self.default
        } else {
            value.clamp(self.min, self.max)
        }
    }

    /// The value as text, as the host and the editor show it (without the unit).
    pub fn format(&self, value: f32) -> String {
        match self.shown {
            Shown::Gain if value < MUTE_BELOW_DB => "-inf".to_string(),
            Shown::Gain | Shown::Decimals(1) => format_db(value),
            Shown::Decimals(decimals) => format!("{value:.*}", usize::from(decimals)),
        }
    }

    /// A value from text, with or without the unit ("-6", "-6 dB"; "-inf" for the gain).
    pub fn parse(&self, text: &str) -> Option<f32> {
        let text = text.trim().trim_end_matches(self.unit.trim()).trim();
        if self.shown == Shown::Gain && (text.eq_ignore_ascii_case("-inf") || text == "-∞") {
            return Some(self.min);
        }
        text.parse::<f32>().ok().filter(|v| v.is_finite())
    }
}

/// A choice parameter: one of a fixed list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    /// Stable identifiers, saved in sessions (never change once released).
    pub ids: &'static [&'static str],
    /// Names people read, in the same order.
    pub names: &'static [&'static str],
    /// Index of the value of a new instance.
    pub default: usize,
}

/// What kind of value a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A number.
    Float(Float),
    /// On or off, and its default.
    Bool(bool),
    /// One of a list.
    Choice(Choice),
}

/// One parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// Stable id (saved in sessions; never changes once released).
    pub id: &'static str,
    /// The name hosts show.
    pub name: &'static str,
    /// Its values.
    pub kind: Kind,
}

/// Formats a level in dB with one decimal, never as "-0.0".
pub fn format_db(value: f32) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    format!("{:.1}", if rounded == 0.0 { 0.0 } else { rounded })
}

const fn db(min: f32, max: f32, default: f32, step: f32) -> Float {
    Float {
        min,
        max,
        default,
        step,
        unit: " dB",
        scale: Scale::Linear,
        shown: Shown::Decimals(1),
    }
}

const fn hz(min: f32, max: f32, default: f32) -> Float {
    Float {
        min,
        max,
        default,
        step: 1.0,
        unit: " Hz",
        scale: Scale::Logarithmic,
        shown: Shown::Decimals(0),
    }
}

/// Output gain, in dB: −61 … +12, 0.1 dB steps; below −60 dB it is silence (reads −inf).
pub const GAIN: Float = Float {
    min: -61.0,
    max: 12.0,
    default: 0.0,
    step: 0.1,
    unit: " dB",
    scale: Scale::Linear,
    shown: Shown::Gain,
};
/// The limiter's ceiling, in dBTP: −24 … 0, default −1.
pub const CEILING: Float = Float {
    unit: " dBTP",
    ..db(-24.0, 0.0, -1.0, 0.1)
};
/// The limiter's release time constant, in ms: 10 … 1000, default 60 (fast enough to
/// recover between the transients of dense programme, slow enough not to distort bass).
/// It applies after a reduction at least that long; after a shorter one the release is
/// up to four times faster.
pub const RELEASE: Float = Float {
    min: 10.0,
    max: 1000.0,
    default: 60.0,
    step: 1.0,
    unit: " ms",
    scale: Scale::Logarithmic,
    shown: Shown::Decimals(0),
};
/// Custom crossfeed cut-off, in Hz: 300 … 2000, default 700.
pub const CROSSFEED_CUTOFF: Float = hz(300.0, 2000.0, 700.0);
/// Custom crossfeed level (cross path below the direct path), in dB: 1 … 15, default 4.5.
pub const CROSSFEED_FEED: Float = db(1.0, 15.0, 4.5, 0.1);
/// Protection once the weekly allowance is used up, in dB: 3 … 20, default 6.
pub const PROTECT: Float = db(3.0, 20.0, 6.0, 0.5);
/// The peak level cap at the ear, in dB SPL: 70 … 130, default 100.
pub const SPL_CEILING: Float = Float {
    unit: " dB SPL",
    ..db(70.0, 130.0, 100.0, 0.5)
};
/// Dim amount, in dB: −40 … 0, default −20.
pub const DIM: Float = db(-40.0, 0.0, -20.0, 0.5);
/// Per-ear trim, in dB: ±12.
pub const TRIM: Float = db(-12.0, 12.0, 0.0, 0.1);
/// The bass-mono crossover, in Hz: 20 … 500, default 120.
pub const BASS_MONO_CROSSOVER: Float = hz(20.0, 500.0, 120.0);

/// Monitor mode.
pub const MODE: Choice = Choice {
    ids: &["stereo", "mono", "side", "left", "right"],
    names: &["Stereo", "Mono", "Side", "Left", "Right"],
    default: 0,
};
/// Crossfeed preset.
pub const CROSSFEED_PRESET: Choice = Choice {
    ids: &["default", "chu_moy", "jan_meier", "custom"],
    names: &[
        "Default (700 Hz, 4.5 dB)",
        "Chu Moy (700 Hz, 6 dB)",
        "Jan Meier (650 Hz, 9.5 dB)",
        "Custom",
    ],
    default: 0,
};
/// Test signal.
pub const GENERATOR: Choice = Choice {
    ids: &["off", "pink", "sine_1k", "channel_check"],
    names: &[
        "Off",
        "Pink noise -20 dBFS",
        "1 kHz sine -20 dBFS",
        "Channel check",
    ],
    default: 0,
};
/// The weekly sound allowance.
pub const ALLOWANCE: Choice = Choice {
    ids: &["80dba", "75dba"],
    names: &["80 dB(A) for 40 h/week", "75 dB(A) for 40 h/week"],
    default: 0,
};

/// The limiter's latency: the exact true-peak limiter (its lookahead sees the reference's
/// whole support), the low-latency true-peak limiter (1.5 ms), or none (a sample-peak
/// limiter for recording through the bus). Low sits between the two it was added to, so
/// that Exact and Zero keep the ends of the host's normalized range (automation written
/// for them keeps its meaning).
pub const LATENCY: Choice = Choice {
    ids: &["exact", "low", "zero"],
    names: &["Exact", "Low", "Zero"],
    default: 0,
};

/// Every parameter, in the order hosts list them. The ids are pinned by a test.
pub const PARAMS: [Param; 30] = [
    param("gain", "Output Gain", Kind::Float(GAIN)),
    param("mode", "Monitor Mode", Kind::Choice(MODE)),
    param("swap", "Swap L/R", Kind::Bool(false)),
    param("limiter", "Limiter", Kind::Bool(true)),
    param("ceiling", "Ceiling", Kind::Float(CEILING)),
    param("release", "Release", Kind::Float(RELEASE)),
    param("bypass", "Bypass", Kind::Bool(false)),
    param("crossfeed", "Crossfeed", Kind::Bool(false)),
    param(
        "xf_preset",
        "Crossfeed Preset",
        Kind::Choice(CROSSFEED_PRESET),
    ),
    param(
        "xf_cutoff",
        "Crossfeed Cut-off",
        Kind::Float(CROSSFEED_CUTOFF),
    ),
    param("xf_feed", "Crossfeed Level", Kind::Float(CROSSFEED_FEED)),
    param("monitor_only", "Monitor Only", Kind::Bool(true)),
    param("generator", "Test Signal", Kind::Choice(GENERATOR)),
    param("dose_criterion", "Sound Allowance", Kind::Choice(ALLOWANCE)),
    param("protect", "Protect", Kind::Bool(false)),
    param("protect_db", "Protect Amount", Kind::Float(PROTECT)),
    param("spl_ceiling", "SPL Ceiling", Kind::Bool(false)),
    param(
        "spl_ceiling_db",
        "SPL Ceiling Level",
        Kind::Float(SPL_CEILING),
    ),
    param("correction", "Correction", Kind::Bool(true)),
    param(
        "correction_level_match",
        "Correction Level Match",
        Kind::Bool(true),
    ),
    param("dim", "Dim", Kind::Bool(false)),
    param("dim_db", "Dim Amount", Kind::Float(DIM)),
    param("mute", "Mute", Kind::Bool(false)),
    param("invert_l", "Invert L", Kind::Bool(false)),
    param("invert_r", "Invert R", Kind::Bool(false)),
    param("trim_l", "Trim L", Kind::Float(TRIM)),
    param("trim_r", "Trim R", Kind::Float(TRIM)),
    param("bass_mono", "Mono Below", Kind::Bool(false)),
    param(
        "bass_mono_hz",
        "Mono Below Frequency",
        Kind::Float(BASS_MONO_CROSSOVER),
    ),
    param("latency", "Latency", Kind::Choice(LATENCY)),
];

const fn param(id: &'static str, name: &'static str, kind: Kind) -> Param {
    Param { id, name, kind }
}

/// The parameter with this id.
///
/// # Panics
/// If there is none: the ids are fixed, so that is a programming error.
pub fn by_id(id: &str) -> &'static Param {
    PARAMS
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no parameter \"{id}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_inside_its_range_on_its_step_and_reads_back() {
        for p in &PARAMS {
            match p.kind {
                Kind::Float(f) => {
                    assert!(f.check(f.default).is_some(), "{}", p.id);
                    let steps = (f.default - f.min) / f.step;
                    assert!((steps - steps.round()).abs() < 1e-3, "{}", p.id);
                    assert_eq!(f.parse(&f.format(f.default)), Some(f.default), "{}", p.id);
                }
                Kind::Choice(c) => {
                    assert_eq!(c.ids.len(), c.names.len(), "{}", p.id);
                    assert!(c.default < c.ids.len(), "{}", p.id);
                }
                Kind::Bool(_) => {}
            }
        }
        let mut ids: Vec<&str> = PARAMS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PARAMS.len(), "ids are unique");
    }

    #[test]
    fn numbers_read_as_hosts_show_them() {
        assert_eq!(GAIN.format(-0.01), "0.0");
        assert_eq!(GAIN.format(-60.0), "-60.0");
        assert_eq!(GAIN.format(-60.5), "-inf");
        assert_eq!(GAIN.parse("-inf"), Some(GAIN.min));
        assert_eq!(GAIN.parse(" -6.5 dB"), Some(-6.5));
        assert_eq!(GAIN.parse("loud"), None);
        for v in [-60.0f32, -12.3, 0.0, 6.1, 12.0] {
            assert_eq!(GAIN.parse(&GAIN.format(v)), Some(v));
        }
        assert_eq!(RELEASE.format(59.6), "60");
        assert_eq!(RELEASE.parse("120 ms"), Some(120.0));
        assert_eq!(SPL_CEILING.parse("95 dB SPL"), Some(95.0));
        assert_eq!(CEILING.check(0.5), None);
        assert_eq!(CEILING.clamp(-30.0), -24.0);
        assert_eq!(CEILING.clamp(f32::NAN), -1.0);
    }
}
