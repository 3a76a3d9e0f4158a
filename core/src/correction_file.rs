//! A loaded headphone correction as the plug-in keeps it: the file's name and its
//! filter list, read from an EqualizerAPO / AutoEq file ([`crate::eqapo`]) and saved in
//! the plug-in state *as the filter list* (not as a path), so a session moved to another
//! machine sounds the same. Framework-free: the editor, the parameters and the renderer
//! all use it.

use serde::{Deserialize, Serialize};

use crate::dsp::correction::{
    Curve, EarCurve, Filter, FilterKind, Width, BW_RANGE_OCT, FREQ_RANGE_HZ, GAIN_RANGE_DB,
    MAX_FILTERS, PREAMP_RANGE_DB, Q_RANGE, SLOPE_RANGE,
};

/// Largest correction file read, in bytes (a parametric file is a few hundred bytes).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// A correction loaded from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedCorrection {
    /// The file's name (without its folder), for display.
    pub name: String,
    /// The filters per ear.
    pub curve: Curve,
}

impl LoadedCorrection {
    /// Parses `text` (the contents of a file called `name`).
    pub fn parse(name: &str, text: &str) -> Result<Self, String> {
        let curve = crate::eqapo::parse(text).map_err(|e| e.to_string())?;
        Ok(Self {
            name: name.to_string(),
            curve,
        })
    }

    /// Reads and parses the file at `path`; the error is one line naming the file.
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let shown = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| format!("{shown}: {e}"))?
            .len();
        if size > MAX_FILE_BYTES {
            return Err(format!(
                "{shown}: {size} bytes is too large for a parametric EQ file"
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("{shown}: not a text file (not UTF-8)"))?;
        let name = path
            .file_name()
            .map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
        Self::parse(&name, &text).map_err(|e| format!("{name}: {e}"))
    }
}

/// One filter as saved: EqualizerAPO's type names, the width as exactly one of Q,
/// bandwidth in octaves or shelf slope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedFilter {
    #[serde(rename = "type")]
    kind: String,
    fc_hz: f32,
    #[serde(default)]
    gain_db: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    q: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bw_oct: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    slope: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedEar {
    preamp_db: f32,
    filters: Vec<SavedFilter>,
}

/// The saved form (the plug-in state's `correction` field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedCorrection {
    name: String,
    left: SavedEar,
    right: SavedEar,
}

const KINDS: [(FilterKind, &str); 8] = [
    (FilterKind::Peaking, "PK"),
    (FilterKind::LowShelf, "LSC"),
    (FilterKind::HighShelf, "HSC"),
    (FilterKind::LowPass, "LPQ"),
    (FilterKind::HighPass, "HPQ"),
    (FilterKind::BandPass, "BP"),
    (FilterKind::Notch, "NO"),
    (FilterKind::AllPass, "AP"),
];

fn save_ear(ear: &EarCurve) -> SavedEar {
    SavedEar {
        preamp_db: ear.preamp_db,
        filters: ear
            .filters()
            .iter()
            .map(|f| {
                let (q, bw_oct, slope) = match f.width {
                    Width::Q(q) => (Some(q), None, None),
                    Width::Octaves(b) => (None, Some(b), None),
                    Width::Slope(s) => (None, None, Some(s)),
                };
                SavedFilter {
                    kind: KINDS
                        .iter()
                        .find(|(k, _)| *k == f.kind)
                        .map_or("PK", |(_, n)| n)
                        .to_string(),
                    fc_hz: f.freq_hz,
                    gain_db: f.gain_db,
                    q,
                    bw_oct,
                    slope,
                }
            })
            .collect(),
    }
}

fn within(v: f32, (lo, hi): (f32, f32)) -> Option<f32> {
    (lo..=hi).contains(&v).then_some(v)
}

fn load_ear(saved: &SavedEar) -> Option<EarCurve> {
    let mut ear = EarCurve {
        preamp_db: within(saved.preamp_db, PREAMP_RANGE_DB)?,
        ..EarCurve::default()
    };
    if saved.filters.len() > MAX_FILTERS {
        return None;
    }
    for f in &saved.filters {
        let kind = KINDS.iter().find(|(_, n)| *n == f.kind)?.0;
        let width = match (f.q, f.bw_oct, f.slope) {
            (Some(q), None, None) => Width::Q(within(q, Q_RANGE)?),
            (None, Some(b), None) => Width::Octaves(within(b, BW_RANGE_OCT)?),
            (None, None, Some(s)) => Width::Slope(within(s, SLOPE_RANGE)?),
            _ => return None,
        };
        ear.push(Filter {
            kind,
            freq_hz: within(f.fc_hz, FREQ_RANGE_HZ)?,
            gain_db: within(f.gain_db, GAIN_RANGE_DB)?,
            width,
        });
    }
    Some(ear)
}

/// The plug-in state's `correction` field: a saved correction, or none (`null`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CorrectionField(pub Option<SavedCorrection>);

impl From<&LoadedCorrection> for SavedCorrection {
    fn from(c: &LoadedCorrection) -> Self {
        Self {
            name: c.name.clone(),
            left: save_ear(&c.curve.ears[0]),
            right: save_ear(&c.curve.ears[1]),
        }
    }
}

impl SavedCorrection {
    /// The correction, if every value is within the parser's ranges (a corrupted or
    /// foreign state gives `None`: no correction, never a wild filter).
    pub fn load(&self) -> Option<LoadedCorrection> {
        Some(LoadedCorrection {
            name: self.name.clone(),
            curve: Curve {
                ears: [load_ear(&self.left)?, load_ear(&self.right)?],
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saved_form_round_trips_and_refuses_wild_values() {
        let text = "Preamp: -4 dB\nFilter: ON PK Fc 1000 Hz Gain 3 dB BW Oct 1\n\
                    Channel: R\nFilter: ON LS 6dB Fc 100 Hz Gain 6 dB\nFilter: ON NO Fc 60 Hz Q 20\n";
        let loaded = LoadedCorrection::parse("x.txt", text).unwrap();
        let saved = SavedCorrection::from(&loaded);
        let json = serde_json::to_string(&saved).unwrap();
        let back: SavedCorrection = serde_json::from_str(&json).unwrap();
        assert_eq!(back.load().unwrap(), loaded);
        let wild = json.replace("\"fc_hz\":1000.0", "\"fc_hz\":-5.0");
        assert_ne!(wild, json);
        let back: SavedCorrection = serde_json::from_str(&wild).unwrap();
        assert_eq!(back.load(), None);
    }

    #[test]
    fn reading_a_file_names_it_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, "Preamp: 3\n").unwrap();
        let e = LoadedCorrection::read(&path).unwrap_err();
        assert!(e.starts_with("bad.txt: line 1:"), "{e}");
        let missing = LoadedCorrection::read(&dir.path().join("none.txt")).unwrap_err();
        assert!(missing.contains("none.txt"), "{missing}");
    }
}
