//! The plugin's parameters: stable IDs, ranges, units and display formats.
//!
//! The string IDs below are part of every saved session and automation lane:
//! they never change (a test pins them). Ranges are exposed as functions so an
//! editor can reuse them.

use std::sync::{Arc, Mutex, RwLock};

use atomic_float::AtomicF32;

use nice_plug::params::internals::ParamPtr;
use nice_plug::params::persist::PersistentField;
use nice_plug::params::InternalParamMut;
use nice_plug::plugin::{ParamValue, PluginState};
use nice_plug::prelude::*;

use crate::correction_file::{CorrectionField, LoadedCorrection, SavedCorrection};
use crate::dsp::controller;
use crate::dsp::correction::Curve;
use crate::dsp::crossfeed::{self, Preset};
use crate::dsp::listening::calibration::Calibration;
use crate::dsp::listening::dose::Criterion;
use crate::dsp::listening::generator::Kind as GeneratorKind;
use crate::dsp::{self, CrossfeedSettings, MonitorMode, Named};
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

/// The chain's choice types as host-visible enum parameters: their identifiers (saved
/// in every session; stable) and names come from their one definition in
/// [`dsp::named`], in its order (the normalized value is the index over the count − 1).
macro_rules! host_enum {
    ($($ty:ty),*) => {$(
        impl Enum for $ty {
            fn variants() -> &'static [&'static str] {
                <$ty as Named>::NAMES
            }
            fn ids() -> Option<&'static [&'static str]> {
                Some(<$ty as Named>::IDS)
            }
            fn to_index(self) -> usize {
                Named::index(self)
            }
            fn from_index(index: usize) -> Self {
                <$ty as Named>::from_index(index)
            }
        }
    )*};
}

host_enum!(MonitorMode, Preset, GeneratorKind, Criterion);

/// Stored in `full_scale_spl` while not calibrated.
pub const NOT_CALIBRATED: f32 = -1.0;

/// Crossfeed cut-off default, in Hz.
pub const CROSSFEED_CUTOFF_DEFAULT_HZ: f32 = 700.0;
/// Crossfeed feed level default, in dB.
pub const CROSSFEED_FEED_DEFAULT_DB: f32 = 4.5;

/// How many host-visible parameters [`MonitorParams`] has (a unit test checks it).
pub const PARAM_COUNT: usize = 29;

/// All parameters of Headphone Monitor.
#[derive(Params)]
pub struct MonitorParams {
    /// Output gain, in dB (−∞ below −60 dB).
    #[id = "gain"]
    pub gain_db: FloatParam,
    /// Monitor mode.
    #[id = "mode"]
    pub mode: EnumParam<MonitorMode>,
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
    pub crossfeed_preset: EnumParam<Preset>,
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
    pub generator: EnumParam<GeneratorKind>,
    /// The weekly sound allowance.
    #[id = "dose_criterion"]
    pub dose_criterion: EnumParam<Criterion>,
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
    /// The calibration as the user entered it, saved once (key `calibration`), with the
    /// audio thread's lock-free copy of its full-scale SPL derived from it. States of
    /// earlier versions also carry a `full_scale_spl` key: it is ignored on load (the
    /// calibration it was derived from wins) and no longer saved.
    #[persist = "calibration"]
    pub calibration: Arc<CalibrationStore>,
    /// Headphone correction on/off (acts once a correction file is loaded).
    #[id = "correction"]
    pub correction: BoolParam,
    /// Add the loudness match to the correction (pink noise equally loud corrected or not).
    #[id = "correction_level_match"]
    pub correction_level_match: BoolParam,
    /// The loaded correction: its name and filter list, saved in the state (key
    /// `correction`; states without it load as "no correction").
    #[persist = "correction"]
    pub correction_file: Arc<CorrectionStore>,
    /// Dim on (a fixed cut of [`MonitorParams::dim_db`], before the limiter).
    #[id = "dim"]
    pub dim: BoolParam,
    /// Dim amount, in dB (−40 … 0, default −20).
    #[id = "dim_db"]
    pub dim_db: FloatParam,
    /// Mute: exact silence (the render-aware pass-through still passes an export).
    #[id = "mute"]
    pub mute: BoolParam,
    /// Invert the polarity of the input's left channel (before the matrix).
    #[id = "invert_l"]
    pub invert_left: BoolParam,
    /// Invert the polarity of the input's right channel (before the matrix).
    #[id = "invert_r"]
    pub invert_right: BoolParam,
    /// Left-ear trim, in dB (±12).
    #[id = "trim_l"]
    pub trim_left_db: FloatParam,
    /// Right-ear trim, in dB (±12).
    #[id = "trim_r"]
    pub trim_right_db: FloatParam,
    /// Mono below the crossover ("bass mono").
    #[id = "bass_mono"]
    pub bass_mono: BoolParam,
    /// The bass-mono crossover, in Hz (20 … 500, default 120).
    #[id = "bass_mono_hz"]
    pub bass_mono_hz: FloatParam,
}

/// The loaded correction for the editor and the state, and its lock-free hand-over to
/// the audio thread (a triple buffer: the writer never blocks the reader, the reader
/// never waits).
pub struct CorrectionStore {
    /// The correction as loaded (editor and state; never read by the audio thread).
    loaded: RwLock<Option<LoadedCorrection>>,
    /// Writer side of the hand-over (GUI thread, state loads).
    writer: Mutex<triple_buffer::Input<Curve>>,
    /// Reader side, until the plug-in takes it for its audio thread.
    reader: Mutex<Option<triple_buffer::Output<Curve>>>,
}

impl std::fmt::Debug for CorrectionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorrectionStore")
            .field("loaded", &self.loaded)
            .finish_non_exhaustive()
    }
}

impl CorrectionStore {
    /// No correction loaded.
    pub fn new() -> Self {
        let (writer, reader) = triple_buffer::triple_buffer(&Curve::default());
        Self {
            loaded: RwLock::new(None),
            writer: Mutex::new(writer),
            reader: Mutex::new(Some(reader)),
        }
    }

    /// The correction as loaded (GUI thread: takes a lock).
    pub fn get(&self) -> Option<LoadedCorrection> {
        self.loaded.read().ok().and_then(|c| c.clone())
    }

    /// The curve loaded now, flat if none (not for the audio thread: takes a lock).
    pub fn curve(&self) -> Curve {
        self.get().map(|c| c.curve).unwrap_or_default()
    }

    /// Stores a correction (or none) and hands its curve to the audio thread.
    pub fn set(&self, correction: Option<LoadedCorrection>) {
        let curve = correction.as_ref().map(|c| c.curve).unwrap_or_default();
        if let Ok(mut loaded) = self.loaded.write() {
            *loaded = correction;
        }
        if let Ok(mut writer) = self.writer.lock() {
            writer.write(curve);
        }
    }

    /// The audio thread's reader (once; `None` afterwards).
    pub fn take_reader(&self) -> Option<triple_buffer::Output<Curve>> {
        self.reader.lock().ok().and_then(|mut r| r.take())
    }
}

impl Default for CorrectionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> PersistentField<'a, CorrectionField> for Arc<CorrectionStore> {
    fn set(&self, new_value: CorrectionField) {
        CorrectionStore::set(self, new_value.0.and_then(|saved| saved.load()));
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&CorrectionField) -> R,
    {
        f(&CorrectionField(
            self.get().as_ref().map(SavedCorrection::from),
        ))
    }
}

/// The calibration and the audio thread's lock-free copy of its full-scale SPL, always
/// written together, so they never disagree.
#[derive(Debug)]
pub struct CalibrationStore {
    /// The calibration (editor and state; never read by the audio thread).
    calibration: RwLock<Calibration>,
    /// SPL of a full-scale sine from it, in dB SPL; [`NOT_CALIBRATED`] if none.
    full_scale_spl: AtomicF32,
}

impl CalibrationStore {
    /// Not calibrated.
    pub fn new() -> Self {
        Self {
            calibration: RwLock::new(Calibration::None),
            full_scale_spl: AtomicF32::new(NOT_CALIBRATED),
        }
    }

    /// The calibration as entered (GUI thread: takes a lock).
    pub fn get(&self) -> Calibration {
        self.calibration.read().map(|c| *c).unwrap_or_default()
    }

    /// Stores a calibration and its full-scale SPL (GUI thread, or a state load).
    pub fn set(&self, calibration: Calibration) {
        let spl = calibration
            .full_scale_spl()
            .filter(|s| s.is_finite())
            .map_or(NOT_CALIBRATED, |spl| spl as f32);
        if let Ok(mut stored) = self.calibration.write() {
            *stored = calibration;
        }
        self.full_scale_spl
            .store(spl, std::sync::atomic::Ordering::Relaxed);
    }

    /// The SPL of a full-scale sine, if calibrated (lock-free; audio thread safe).
    pub fn full_scale_spl(&self) -> Option<f64> {
        let spl = self
            .full_scale_spl
            .load(std::sync::atomic::Ordering::Relaxed);
        (spl.is_finite() && spl >= 0.0).then_some(f64::from(spl))
    }
}

impl Default for CalibrationStore {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> PersistentField<'a, Calibration> for Arc<CalibrationStore> {
    fn set(&self, new_value: Calibration) {
        CalibrationStore::set(self, new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&Calibration) -> R,
    {
        f(&self.get())
    }
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
            mode: EnumParam::new("Monitor Mode", MonitorMode::Stereo),
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
            crossfeed_preset: EnumParam::new("Crossfeed Preset", Preset::Default),
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
            generator: EnumParam::new("Test Signal", GeneratorKind::Off),
            dose_criterion: EnumParam::new("Sound Allowance", Criterion::Standard80),
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
            calibration: Arc::new(CalibrationStore::new()),
            correction: BoolParam::new("Correction", true),
            correction_level_match: BoolParam::new("Correction Level Match", true),
            correction_file: Arc::new(CorrectionStore::new()),
            dim: BoolParam::new("Dim", false),
            dim_db: FloatParam::new(
                "Dim Amount",
                controller::DIM_DEFAULT_DB,
                FloatRange::Linear {
                    min: controller::DIM_MIN_DB,
                    max: 0.0,
                },
            )
            .with_step_size(0.5)
            .with_unit(" dB")
            .with_value_to_string(Arc::new(format_db))
            .with_string_to_value(Arc::new(|s| parse_with_unit(s, "dB"))),
            mute: BoolParam::new("Mute", false),
            invert_left: BoolParam::new("Invert L", false),
            invert_right: BoolParam::new("Invert R", false),
            trim_left_db: trim_param("Trim L"),
            trim_right_db: trim_param("Trim R"),
            bass_mono: BoolParam::new("Mono Below", false),
            bass_mono_hz: FloatParam::new(
                "Mono Below Frequency",
                controller::BASS_MONO_DEFAULT_HZ,
                FloatRange::Skewed {
                    min: controller::BASS_MONO_MIN_HZ,
                    max: controller::BASS_MONO_MAX_HZ,
                    factor: FloatRange::skew_factor(-1.0),
                },
            )
            .with_step_size(1.0)
            .with_unit(" Hz")
            .with_value_to_string(formatters::v2s_f32_rounded(0))
            .with_string_to_value(Arc::new(|s| parse_with_unit(s, "Hz"))),
        }
    }
}

/// A per-ear trim: ±12 dB in 0.1 dB steps.
fn trim_param(name: &str) -> FloatParam {
    FloatParam::new(
        name,
        0.0,
        FloatRange::Linear {
            min: -controller::TRIM_RANGE_DB,
            max: controller::TRIM_RANGE_DB,
        },
    )
    .with_step_size(0.1)
    .with_unit(" dB")
    .with_value_to_string(Arc::new(format_db))
    .with_string_to_value(Arc::new(|s| parse_with_unit(s, "dB")))
}

impl MonitorParams {
    /// What these parameters ask for, as the monitor layer's plain controls (smoothing
    /// and every decision on top of them happen in [`crate::monitor`]).
    pub fn controls(&self) -> Controls {
        Controls {
            chain: dsp::Settings {
                gain_db: self.gain_db.value(),
                mode: self.mode.value(),
                swap: self.swap.value(),
                limiter_on: self.limiter.value(),
                ceiling_db: self.ceiling_db.value(),
                release_ms: self.release_ms.value(),
                bypass: self.bypass.value(),
                crossfeed: self.crossfeed_settings(),
                generator: self.generator.value(),
                protect_db: 0.0,
                // The curve comes from the correction store: the plug-in's audio thread
                // reads it lock-free, other callers use `controls_with_correction`.
                correction: dsp::CorrectionSettings {
                    on: self.correction.value(),
                    level_match: self.correction_level_match.value(),
                    curve: Curve::default(),
                },
                controller: self.controller_settings(),
            },
            monitor_only: self.monitor_only.value(),
            full_scale_spl: self.full_scale_spl(),
            spl_ceiling_db: self
                .spl_ceiling
                .value()
                .then(|| self.spl_ceiling_db.value()),
            protect_db: self.protect.value().then(|| self.protect_db.value()),
            criterion: self.dose_criterion.value(),
        }
    }

    /// [`MonitorParams::controls`] with the loaded correction's curve (takes a lock: not
    /// for the audio thread).
    pub fn controls_with_correction(&self) -> Controls {
        let mut controls = self.controls();
        controls.chain.correction.curve = self.correction_file.curve();
        controls
    }

    /// The SPL of a full-scale sine, if calibrated (lock-free; audio thread safe).
    pub fn full_scale_spl(&self) -> Option<f64> {
        self.calibration.full_scale_spl()
    }

    /// Loads a saved state (parameters by their stable IDs, as the plug-in format saves
    /// them, clamped to their ranges; the calibration field) into these parameters, as the
    /// wrappers do. Parameters the state does not name keep their values.
    pub fn load_state(&self, state: &PluginState) -> Result<(), String> {
        for (id, ptr, _) in self.param_map() {
            let Some(value) = state.params.get(&id) else {
                continue;
            };
            // SAFETY: the pointers come from `self.param_map()` and `self` outlives them.
            let known = unsafe {
                match (ptr, value) {
                    (ParamPtr::FloatParam(p), ParamValue::F32(v)) if v.is_finite() => {
                        (*p)._internal_set_plain_value(*v);
                        true
                    }
                    (ParamPtr::BoolParam(p), ParamValue::Bool(v)) => {
                        (*p)._internal_set_plain_value(*v);
                        true
                    }
                    (ParamPtr::EnumParam(p), ParamValue::I32(index)) => {
                        (*p)._internal_set_plain_value(*index);
                        true
                    }
                    (ParamPtr::EnumParam(p), ParamValue::String(variant)) => {
                        (*p).set_from_id(variant)
                    }
                    _ => false,
                }
            };
            if !known {
                return Err(format!(
                    "parameter \"{id}\" has an unusable value {value:?}"
                ));
            }
        }
        self.deserialize_fields(&state.fields);
        Ok(())
    }

    /// A saved state as JSON, the format the editor's "Export settings…" writes.
    pub fn state_json(state: &PluginState) -> String {
        nice_plug::params::persist::serialize_field(state).unwrap_or_default()
    }

    /// The controls a saved state (JSON) describes, every parameter and the calibration.
    pub fn controls_from_state_json(json: &str) -> Result<Controls, String> {
        let state: PluginState = nice_plug::params::persist::deserialize_field(json)
            .map_err(|e| format!("not a Headphone Monitor settings file ({e})"))?;
        let params = Self::default();
        params.load_state(&state)?;
        Ok(params.controls_with_correction())
    }

    /// Stores a new calibration (GUI thread): the editor's copy and the audio thread's.
    pub fn set_calibration(&self, calibration: Calibration) {
        self.calibration.set(calibration);
    }

    /// The monitor-controller settings.
    pub fn controller_settings(&self) -> dsp::ControllerSettings {
        dsp::ControllerSettings {
            invert: [self.invert_left.value(), self.invert_right.value()],
            trim_db: [self.trim_left_db.value(), self.trim_right_db.value()],
            dim: self.dim.value(),
            dim_db: self.dim_db.value(),
            mute: self.mute.value(),
            bass_mono: self.bass_mono.value(),
            bass_mono_hz: self.bass_mono_hz.value(),
        }
    }

    /// The crossfeed settings: a preset's values, or the custom cut-off and level.
    pub fn crossfeed_settings(&self) -> CrossfeedSettings {
        let (cutoff_hz, feed_db) = self.crossfeed_preset.value().resolve(
            self.crossfeed_cutoff_hz.value(),
            self.crossfeed_feed_db.value(),
        );
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
    fn the_calibration_is_saved_once_and_an_old_states_copy_is_ignored() {
        let params = MonitorParams::default();
        let measured = Calibration::Measured {
            full_scale_spl: 104.5,
        };
        params.set_calibration(measured);
        let saved = params.serialize_fields();
        assert!(saved.contains_key("calibration"));
        assert!(!saved.contains_key("full_scale_spl"), "{saved:?}");
        // An earlier version's state: both keys, here disagreeing. The calibration wins.
        let mut old = saved.clone();
        old.insert("full_scale_spl".into(), "60.0".into());
        let loaded = MonitorParams::default();
        loaded.deserialize_fields(&old);
        assert_eq!(loaded.calibration.get(), measured);
        assert_eq!(loaded.full_scale_spl(), Some(104.5));
        // Not calibrated: nothing for the audio thread.
        loaded.set_calibration(Calibration::None);
        assert_eq!(loaded.full_scale_spl(), None);
    }

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
