//! "Export settings…": the instance's state (every parameter and the calibration, in the
//! JSON nice-plug saves) written to a file the offline renderer reads with `--state`, so
//! a user can render exactly what their instance did.
//!
//! Where: `$HM_EXPORT_DIR` if set, else `settings/` in the platform's data directory
//! ([`crate::history::data_dir`]: `$XDG_DATA_HOME/headphone-monitor/settings`, by default
//! `~/.local/share/headphone-monitor/settings`; on Windows under `%APPDATA%`); one file
//! per export,
//! `settings-<unix seconds>.json` (a counter is added if that exists). Written to a
//! temporary file and renamed, so a file there is always complete. GUI thread only.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Environment variable that overrides the export directory.
pub const DIR_ENV_VAR: &str = "HM_EXPORT_DIR";

/// The user's export directory (see the module docs); `None` without a home.
pub fn user_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DIR_ENV_VAR).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    Some(crate::history::data_dir()?.join("settings"))
}

/// Writes `json` as a new settings file in `dir` (created if missing) and returns its path.
pub fn write_new(dir: &Path, json: &str) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp = crate::history::now_unix_s();
    let mut path = dir.join(format!("settings-{stamp}.json"));
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!("settings-{stamp}-{n}.json"));
        n += 1;
    }
    let temporary = path.with_extension("json.partial");
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(json.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map(|()| path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::listening::calibration::Calibration;
    use crate::params::MonitorParams;
    use nice_plug::prelude::Params;

    #[test]
    fn an_exported_state_gives_back_the_same_controls() {
        let params = MonitorParams::default();
        params.set_calibration(Calibration::Measured {
            full_scale_spl: 97.0,
        });
        // A state as the wrapper builds it from the parameters (values by stable ID).
        let mut state = nice_plug::plugin::PluginState {
            version: "test".into(),
            params: Default::default(),
            fields: params.serialize_fields(),
        };
        state
            .params
            .insert("gain".into(), nice_plug::plugin::ParamValue::F32(-7.5));
        state.params.insert(
            "mode".into(),
            nice_plug::plugin::ParamValue::String("side".into()),
        );
        state.params.insert(
            "spl_ceiling".into(),
            nice_plug::plugin::ParamValue::Bool(true),
        );
        let dir = tempfile::tempdir().unwrap();
        let path = write_new(dir.path(), &MonitorParams::state_json(&state)).unwrap();
        let second = write_new(dir.path(), "{}").unwrap();
        assert_ne!(path, second, "a second export never overwrites the first");
        let read = std::fs::read_to_string(&path).unwrap();
        let controls = headphone_monitor_core::settings_file::read(&read)
            .unwrap()
            .controls();
        assert_eq!(controls.chain.gain_db, -7.5);
        assert_eq!(controls.chain.mode, crate::dsp::MonitorMode::Side);
        assert_eq!(controls.full_scale_spl, Some(97.0));
        assert_eq!(controls.spl_ceiling_db, Some(100.0));
        // Unusable files get an error, not defaults.
        let read = headphone_monitor_core::settings_file::read;
        assert!(read("not json").is_err());
        let wrong = r#"{"version":"x","params":{"gain":{"bool":true}},"fields":{}}"#;
        assert!(read(wrong).is_err());
    }
}
