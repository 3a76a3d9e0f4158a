//! The plug-in's host parameters, built from the core's parameter table
//! ([`headphone_monitor_core::params`]): the same ids, names, units, ranges, steps,
//! defaults and text formats, as nice-plug parameters; and the state that is not a
//! parameter (the calibration, the loaded correction).
//!
//! The string ids are part of every saved session and automation lane: they never change
//! (a test pins them).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, RwLock};

use atomic_float::AtomicF32;

use headphone_monitor_core::params::{self as table, Float, Kind, Scale};
use headphone_monitor_core::values::Values;
use nice_plug::params::persist::PersistentField;
use nice_plug::plugin::PluginState;
use nice_plug::prelude::*;

use crate::correction_file::{CorrectionField, LoadedCorrection, SavedCorrection};
use crate::dsp::correction::fir::FirSet;
use crate::dsp::correction::{Curve, Prepared};
use crate::dsp::crossfeed::Preset;
use crate::dsp::listening::calibration::Calibration;
use crate::dsp::listening::dose::Criterion;
use crate::dsp::listening::generator::Kind as GeneratorKind;
use crate::dsp::{LatencyMode, MonitorMode, Named};
use crate::monitor::Controls;

/// How many host-visible parameters [`MonitorParams`] has: the table's.
pub const PARAM_COUNT: usize = table::PARAMS.len();

/// Stored in `full_scale_spl` while not calibrated.
pub const NOT_CALIBRATED: f32 = -1.0;

/// A choice type of the chain as a host-visible enum parameter: its identifiers (saved
/// in every session; stable) and names come from the table, in its order (the normalized
/// value is the index over the count − 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice<T>(pub T);

impl<T: Named> Enum for Choice<T> {
    fn variants() -> &'static [&'static str] {
        T::NAMES
    }

    fn ids() -> Option<&'static [&'static str]> {
        Some(T::IDS)
    }

    fn to_index(self) -> usize {
        self.0.index()
    }

    fn from_index(index: usize) -> Self {
        Choice(T::from_index(index))
    }
}

/// All parameters of Headphone Monitor (field order = the table's order).
#[derive(Params)]
pub struct MonitorParams {
    /// Output gain, in dB (−∞ below −60 dB).
    #[id = "gain"]
    pub gain_db: FloatParam,
    /// Monitor mode.
    #[id = "mode"]
    pub mode: EnumParam<Choice<MonitorMode>>,
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
    pub crossfeed_preset: EnumParam<Choice<Preset>>,
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
    pub generator: EnumParam<Choice<GeneratorKind>>,
    /// The weekly sound allowance.
    #[id = "dose_criterion"]
    pub dose_criterion: EnumParam<Choice<Criterion>>,
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
    pub calibration: CalibrationStore,
    /// Headphone correction on/off (acts once a correction file is loaded).
    #[id = "correction"]
    pub correction: BoolParam,
    /// Add the loudness match to the correction (pink noise equally loud corrected or not).
    #[id = "correction_level_match"]
    pub correction_level_match: BoolParam,
    /// The loaded correction: its name and filter list, saved in the state (key
    /// `correction`; states without it load as "no correction").
    #[persist = "correction"]
    pub correction_file: CorrectionStore,
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
    /// The limiter's latency: Exact (true peak, 5.5 ms at 48 kHz), Low (true peak, 1.5 ms)
    /// or Zero (sample peak).
    /// Automatable, so that every host lists it (Ardour shows no non-automatable VST3
    /// parameter); each change makes the host re-align its delay compensation.
    #[id = "latency"]
    pub latency: EnumParam<Choice<LatencyMode>>,
}

/// What the audio thread gets of the loaded correction: the curve, and its level match,
/// figures and graphic EQ filters computed here, off the audio thread, at the rate the
/// plug-in last ran at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HandedCurve {
    /// The curve.
    pub curve: Curve,
    /// Its level match and figures (`None`: no rate known yet, or a flat curve).
    pub prepared: Option<Prepared>,
    /// Its graphic EQs' filters (none without a rate or a graphic EQ).
    pub firs: FirSet,
}

/// The loaded correction for the editor and the state, and its lock-free hand-over to
/// the audio thread (a triple buffer: the writer never blocks the reader, the reader
/// never waits).
pub struct CorrectionStore {
    /// The correction as loaded (editor and state; never read by the audio thread).
    loaded: RwLock<Option<LoadedCorrection>>,
    /// The sample rate the plug-in last ran at, in Hz (0: not yet activated).
    sample_rate: AtomicF32,
    /// Writer side of the hand-over (GUI thread, state loads, activation).
    writer: Mutex<triple_buffer::Input<HandedCurve>>,
    /// Reader side, until the plug-in takes it for its audio thread.
    reader: Mutex<Option<triple_buffer::Output<HandedCurve>>>,
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
        let (writer, reader) = triple_buffer::triple_buffer(&HandedCurve::default());
        Self {
            loaded: RwLock::new(None),
            sample_rate: AtomicF32::new(0.0),
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

    /// Stores a correction (or none) and hands its curve to the audio thread, with its
    /// level match and figures at the last rate (computed here, not on the audio thread).
    pub fn set(&self, correction: Option<LoadedCorrection>) {
        let curve = correction.as_ref().map(|c| c.curve).unwrap_or_default();
        if let Ok(mut loaded) = self.loaded.write() {
            *loaded = correction;
        }
        self.hand_over(curve);
    }

    /// The rate the plug-in is activated at (not on the audio thread): the loaded curve is
    /// prepared again for it if it changed.
    pub fn set_sample_rate(&self, sample_rate: f32) {
        let old = self.sample_rate.swap(sample_rate, Ordering::Relaxed);
        if old != sample_rate {
            self.hand_over(self.curve());
        }
    }

    fn hand_over(&self, curve: Curve) {
        let rate = self.sample_rate.load(Ordering::Relaxed);
        let prepared = (rate > 0.0 && !curve.is_flat()).then(|| Prepared::new(&curve, rate));
        let firs = if rate > 0.0 {
            FirSet::design(&curve, rate)
        } else {
            FirSet::default()
        };
        if let Ok(mut writer) = self.writer.lock() {
            // The value this replaces is dropped here, never on the audio thread.
            writer.write(HandedCurve {
                curve,
                prepared,
                firs,
            });
        }
    }

    /// The audio thread's reader (once; `None` afterwards).
    pub fn take_reader(&self) -> Option<triple_buffer::Output<HandedCurve>> {
        self.reader.lock().ok().and_then(|mut r| r.take())
    }
}

impl Default for CorrectionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> PersistentField<'a, CorrectionField> for CorrectionStore {
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
        self.full_scale_spl.store(spl, Ordering::Relaxed);
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

impl<'a> PersistentField<'a, Calibration> for CalibrationStore {
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

/// The table's number parameter `id` as a nice-plug parameter.
fn float_param(id: &str) -> FloatParam {
    let param = table::by_id(id);
    let Kind::Float(spec) = param.kind else {
        panic!("\"{id}\" is not a number parameter");
    };
    let range = match spec.scale {
        Scale::Linear => FloatRange::Linear {
            min: spec.min,
            max: spec.max,
        },
        Scale::Logarithmic => FloatRange::Skewed {
            min: spec.min,
            max: spec.max,
            factor: FloatRange::skew_factor(-1.0),
        },
    };
    FloatParam::new(param.name, spec.default, range)
        .with_step_size(spec.step)
        .with_unit(spec.unit)
        .with_value_to_string(Arc::new(move |v| spec.format(v)))
        .with_string_to_value(Arc::new(move |s| parse(spec, s)))
}

/// A host's text for a number (the table's parser).
fn parse(spec: Float, text: &str) -> Option<f32> {
    spec.parse(text)
}

/// The table's switch `id` as a nice-plug parameter.
fn bool_param(id: &str) -> BoolParam {
    let param = table::by_id(id);
    let Kind::Bool(default) = param.kind else {
        panic!("\"{id}\" is not a switch parameter");
    };
    BoolParam::new(param.name, default)
}

/// The table's choice `id` as a nice-plug parameter of the chain's type `T`.
fn choice_param<T: Named>(id: &str) -> EnumParam<Choice<T>> {
    let param = table::by_id(id);
    let Kind::Choice(choice) = param.kind else {
        panic!("\"{id}\" is not a choice parameter");
    };
    debug_assert_eq!(T::IDS, choice.ids);
    EnumParam::new(param.name, Choice(T::from_index(choice.default)))
}

impl Default for MonitorParams {
    fn default() -> Self {
        Self {
            gain_db: float_param("gain"),
            mode: choice_param("mode"),
            swap: bool_param("swap"),
            limiter: bool_param("limiter"),
            ceiling_db: float_param("ceiling"),
            release_ms: float_param("release"),
            bypass: bool_param("bypass").make_bypass(),
            crossfeed: bool_param("crossfeed"),
            crossfeed_preset: choice_param("xf_preset"),
            crossfeed_cutoff_hz: float_param("xf_cutoff"),
            crossfeed_feed_db: float_param("xf_feed"),
            monitor_only: bool_param("monitor_only"),
            generator: choice_param("generator"),
            dose_criterion: choice_param("dose_criterion"),
            protect: bool_param("protect"),
            protect_db: float_param("protect_db"),
            spl_ceiling: bool_param("spl_ceiling"),
            spl_ceiling_db: float_param("spl_ceiling_db"),
            calibration: CalibrationStore::new(),
            correction: bool_param("correction"),
            correction_level_match: bool_param("correction_level_match"),
            correction_file: CorrectionStore::new(),
            dim: bool_param("dim"),
            dim_db: float_param("dim_db"),
            mute: bool_param("mute"),
            invert_left: bool_param("invert_l"),
            invert_right: bool_param("invert_r"),
            trim_left_db: float_param("trim_l"),
            trim_right_db: float_param("trim_r"),
            bass_mono: bool_param("bass_mono"),
            bass_mono_hz: float_param("bass_mono_hz"),
            latency: choice_param("latency"),
        }
    }
}

impl MonitorParams {
    /// Every parameter's value now (lock-free; audio thread safe).
    pub fn values(&self) -> Values {
        Values {
            gain_db: self.gain_db.value(),
            mode: self.mode.value().0,
            swap: self.swap.value(),
            limiter: self.limiter.value(),
            ceiling_db: self.ceiling_db.value(),
            release_ms: self.release_ms.value(),
            bypass: self.bypass.value(),
            crossfeed: self.crossfeed.value(),
            crossfeed_preset: self.crossfeed_preset.value().0,
            crossfeed_cutoff_hz: self.crossfeed_cutoff_hz.value(),
            crossfeed_feed_db: self.crossfeed_feed_db.value(),
            monitor_only: self.monitor_only.value(),
            generator: self.generator.value().0,
            allowance: self.dose_criterion.value().0,
            protect: self.protect.value(),
            protect_db: self.protect_db.value(),
            spl_ceiling: self.spl_ceiling.value(),
            spl_ceiling_db: self.spl_ceiling_db.value(),
            correction: self.correction.value(),
            correction_level_match: self.correction_level_match.value(),
            dim: self.dim.value(),
            dim_db: self.dim_db.value(),
            mute: self.mute.value(),
            invert_left: self.invert_left.value(),
            invert_right: self.invert_right.value(),
            trim_left_db: self.trim_left_db.value(),
            trim_right_db: self.trim_right_db.value(),
            bass_mono: self.bass_mono.value(),
            bass_mono_hz: self.bass_mono_hz.value(),
            latency: self.latency.value().0,
        }
    }

    /// What these parameters ask for, as the monitor layer's plain controls (the core's
    /// one mapping, [`Values::controls`]), with a flat correction curve: the plug-in's audio
    /// thread reads the curve lock-free, other callers use `controls_with_correction`.
    pub fn controls(&self) -> Controls {
        self.values()
            .controls(self.full_scale_spl(), Curve::default())
    }

    /// [`MonitorParams::controls`] with the loaded correction's curve (takes a lock: not
    /// for the audio thread).
    pub fn controls_with_correction(&self) -> Controls {
        self.values()
            .controls(self.full_scale_spl(), self.correction_file.curve())
    }

    /// The SPL of a full-scale sine, if calibrated (lock-free; audio thread safe).
    pub fn full_scale_spl(&self) -> Option<f64> {
        self.calibration.full_scale_spl()
    }

    /// A saved state as JSON, the settings file the editor's "Export…" writes (read back by
    /// [`headphone_monitor_core::settings_file`]).
    pub fn state_json(state: &PluginState) -> String {
        nice_plug::params::persist::serialize_field(state).unwrap_or_default()
    }

    /// Stores a new calibration (GUI thread): the editor's copy and the audio thread's.
    pub fn set_calibration(&self, calibration: Calibration) {
        self.calibration.set(calibration);
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
}
