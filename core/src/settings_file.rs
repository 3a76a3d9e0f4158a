//! The settings file: an instance's saved state as JSON, as the editor's "Export…" writes
//! it and as hosts keep it (nice-plug's state format), read without the plug-in framework
//! so the renderer can play what an instance did.
//!
//! ```json
//! {"version": "0.1.0",
//!  "params": {"gain": {"f32": -6.0}, "mode": {"string": "mono"}, "swap": {"bool": true}},
//!  "fields": {"calibration": "…JSON…", "correction": "…JSON…"}}
//! ```
//!
//! Parameters are found by their ids ([`crate::params::PARAMS`]); one the file does not name
//! keeps its default (the states of earlier versions name fewer), a number outside its range
//! is clamped into it, and a value of the wrong kind is refused. `fields` holds the
//! calibration and the loaded correction (its filter list, not a path), each as a JSON
//! string; an older state's `full_scale_spl` key is ignored (the calibration wins).

use serde_json::Value;

use crate::correction_file::CorrectionField;
use crate::dsp::correction::Curve;
use crate::dsp::listening::calibration::Calibration;
use crate::dsp::Named;
use crate::monitor::Controls;
use crate::params::{Kind, PARAMS};
use crate::values::Values;

/// What a settings file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Every parameter's value.
    pub values: Values,
    /// The calibration.
    pub calibration: Calibration,
    /// The loaded correction's curve (flat if none).
    pub curve: Curve,
}

impl Settings {
    /// What the file asks of the monitor layer (the same mapping the plug-in uses).
    pub fn controls(&self) -> Controls {
        self.values.controls(
            self.calibration.full_scale_spl().filter(|s| s.is_finite()),
            self.curve,
        )
    }
}

/// Reads a settings file's text; the error is one line saying what is wrong.
pub fn read(json: &str) -> Result<Settings, String> {
    let state: Value = serde_json::from_str(json)
        .map_err(|e| format!("not a Headphone Monitor settings file ({e})"))?;
    let not_a_state = || "not a Headphone Monitor settings file (no \"params\" object)".to_string();
    let params = state
        .get("params")
        .and_then(Value::as_object)
        .ok_or_else(not_a_state)?;
    let mut values = Values::default();
    for param in &PARAMS {
        let Some(saved) = params.get(param.id) else {
            continue;
        };
        let unusable = || format!("parameter \"{}\" has an unusable value {saved}", param.id);
        let (tag, value) = saved
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
            .ok_or_else(unusable)?;
        match (param.kind, tag.as_str()) {
            (Kind::Float(range), "f32") => {
                let v = value
                    .as_f64()
                    .map(|v| v as f32)
                    .filter(|v| v.is_finite())
                    .ok_or_else(unusable)?;
                set_float(&mut values, param.id, range.clamp(v));
            }
            (Kind::Bool(_), "bool") => {
                set_bool(&mut values, param.id, value.as_bool().ok_or_else(unusable)?);
            }
            (Kind::Choice(choice), "string") => {
                let id = value.as_str().ok_or_else(unusable)?;
                let index = choice
                    .ids
                    .iter()
                    .position(|&c| c == id)
                    .ok_or_else(unusable)?;
                set_choice(&mut values, param.id, index);
            }
            (Kind::Choice(choice), "i32") => {
                let index = value
                    .as_u64()
                    .map(|i| i as usize)
                    .filter(|&i| i < choice.ids.len())
                    .ok_or_else(unusable)?;
                set_choice(&mut values, param.id, index);
            }
            _ => return Err(unusable()),
        }
    }
    let field = |key: &str| {
        state
            .get("fields")
            .and_then(|f| f.get(key))
            .and_then(Value::as_str)
    };
    let calibration = match field("calibration") {
        Some(text) => {
            serde_json::from_str(text).map_err(|e| format!("the calibration is unusable ({e})"))?
        }
        None => Calibration::None,
    };
    let curve = match field("correction") {
        Some(text) => serde_json::from_str::<CorrectionField>(text)
            .map_err(|e| format!("the correction is unusable ({e})"))?
            .0
            .and_then(|saved| saved.load())
            .map(|loaded| loaded.curve)
            .unwrap_or_default(),
        None => Curve::default(),
    };
    Ok(Settings {
        values,
        calibration,
        curve,
    })
}

fn set_float(values: &mut Values, id: &str, v: f32) {
    let field = match id {
        "gain" => &mut values.gain_db,
        "ceiling" => &mut values.ceiling_db,
        "release" => &mut values.release_ms,
        "xf_cutoff" => &mut values.crossfeed_cutoff_hz,
        "xf_feed" => &mut values.crossfeed_feed_db,
        "protect_db" => &mut values.protect_db,
        "spl_ceiling_db" => &mut values.spl_ceiling_db,
        "dim_db" => &mut values.dim_db,
        "trim_l" => &mut values.trim_left_db,
        "trim_r" => &mut values.trim_right_db,
        "bass_mono_hz" => &mut values.bass_mono_hz,
        _ => unreachable!("\"{id}\" is no number parameter"),
    };
    *field = v;
}

fn set_bool(values: &mut Values, id: &str, v: bool) {
    let field = match id {
        "swap" => &mut values.swap,
        "limiter" => &mut values.limiter,
        "bypass" => &mut values.bypass,
        "crossfeed" => &mut values.crossfeed,
        "monitor_only" => &mut values.monitor_only,
        "protect" => &mut values.protect,
        "spl_ceiling" => &mut values.spl_ceiling,
        "correction" => &mut values.correction,
        "correction_level_match" => &mut values.correction_level_match,
        "dim" => &mut values.dim,
        "mute" => &mut values.mute,
        "invert_l" => &mut values.invert_left,
        "invert_r" => &mut values.invert_right,
        "bass_mono" => &mut values.bass_mono,
        _ => unreachable!("\"{id}\" is no switch parameter"),
    };
    *field = v;
}

fn set_choice(values: &mut Values, id: &str, index: usize) {
    match id {
        "mode" => values.mode = Named::from_index(index),
        "xf_preset" => values.crossfeed_preset = Named::from_index(index),
        "generator" => values.generator = Named::from_index(index),
        "dose_criterion" => values.allowance = Named::from_index(index),
        "latency" => values.latency = Named::from_index(index),
        _ => unreachable!("\"{id}\" is no choice parameter"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::MonitorMode;

    #[test]
    fn every_parameter_is_read_by_its_id_and_kind() {
        // Every parameter set away from its default: the reader must reach each field.
        let mut params = serde_json::Map::new();
        for p in &PARAMS {
            let value = match p.kind {
                Kind::Float(f) => {
                    serde_json::json!({ "f32": if f.default == f.max { f.min } else { f.max } })
                }
                Kind::Bool(b) => serde_json::json!({ "bool": !b }),
                Kind::Choice(c) => serde_json::json!({ "i32": (c.default + 1) % c.ids.len() }),
            };
            params.insert(p.id.to_string(), value);
        }
        let json = serde_json::json!({ "version": "9", "params": params, "fields": {} });
        let read = read(&json.to_string()).unwrap();
        assert_ne!(read.values, Values::default());
        let defaults = Values::default();
        assert!(read.values.mode != defaults.mode && read.values.swap != defaults.swap);
        assert_eq!(
            read.values.bass_mono_hz,
            crate::params::BASS_MONO_CROSSOVER.max
        );
    }

    #[test]
    fn an_old_state_loads_with_defaults_for_what_it_does_not_name() {
        let old = r#"{"version":"0.1.0","params":{"bypass":{"bool":false},"ceiling":{"f32":-3.0},"gain":{"f32":-6.0},"limiter":{"bool":true},"mode":{"string":"mono"},"release":{"f32":120.0},"swap":{"bool":true}},"fields":{}}"#;
        let read = read(old).unwrap();
        assert_eq!(read.values.mode, MonitorMode::Mono);
        assert_eq!((read.values.gain_db, read.values.ceiling_db), (-6.0, -3.0));
        assert!(read.values.swap && read.values.monitor_only);
        assert_eq!(read.curve, Curve::default());
        assert_eq!(read.calibration, Calibration::None);
    }

    #[test]
    fn bad_files_are_refused_with_one_line() {
        for bad in [
            "",
            "{\"params\": 3}",
            "[]",
            "{\"params\": {\"gain\": {\"bool\": true}}}",
            "{\"params\": {\"mode\": {\"string\": \"quad\"}}}",
            "{\"params\": {\"gain\": 5}}",
        ] {
            let error = read(bad).unwrap_err();
            assert_eq!(error.lines().count(), 1, "{bad}: {error}");
        }
        // Out of range: clamped, as the plug-in does.
        let read = read("{\"params\": {\"ceiling\": {\"f32\": 9.0}}}").unwrap();
        assert_eq!(read.values.ceiling_db, 0.0);
    }
}
