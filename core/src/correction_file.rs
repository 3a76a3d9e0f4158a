//! A loaded headphone correction as the plug-in keeps it: the file's name, what was read
//! from it (filters, preamps, delays and the mix per ear, from an EqualizerAPO / AutoEq /
//! REW file, see [`crate::eqapo`]) and the reader's notes, saved in the plug-in state *as
//! what was read* (includes resolved, not as a path), so a session moved to another machine
//! sounds the same. Framework-free: the editor, the parameters and the renderer all use it.

use serde::{Deserialize, Serialize};

use crate::dsp::correction::{
    Curve, EarCurve, Filter, FilterKind, Graphic, GraphicPoint, Mix, Width, BW_RANGE_OCT,
    FREQ_RANGE_HZ, GAIN_RANGE_DB, MAX_DELAY_MS, MAX_FILTERS, MAX_GRAPHIC_POINTS, MAX_MIX_FACTOR,
    PREAMP_RANGE_DB, Q_RANGE, SLOPE_RANGE,
};

/// A correction loaded from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedCorrection {
    /// The file's name (without its folder), for display.
    pub name: String,
    /// The filters, preamps, delays and mix per ear.
    pub curve: Curve,
    /// The reader's notes (lines skipped, values read as EqualizerAPO reads them), each
    /// `line N: …`.
    pub notes: Vec<String>,
}

impl LoadedCorrection {
    /// Parses `text` (the contents of a file called `name`; `Include` is refused).
    pub fn parse(name: &str, text: &str) -> Result<Self, String> {
        let parsed = crate::eqapo::parse(text).map_err(|e| e.to_string())?;
        Ok(Self {
            name: name.to_string(),
            curve: parsed.curve,
            notes: parsed.notes,
        })
    }

    /// Reads and parses the file at `path`, its includes resolved; the error is one line
    /// naming the file.
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let parsed = crate::eqapo::parse_file(path).map_err(|e| format!("{name}: {e}"))?;
        Ok(Self {
            name,
            curve: parsed.curve,
            notes: parsed.notes,
        })
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

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedEar {
    preamp_db: f32,
    #[serde(default, skip_serializing_if = "is_zero")]
    delay_ms: f32,
    #[serde(default, skip_serializing_if = "is_zero")]
    delay_samples: f32,
    filters: Vec<SavedFilter>,
    /// The graphic EQ's points as `[Hz, dB]` pairs, by rising frequency.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    graphic: Vec<[f32; 2]>,
}

/// A mixing point (`Copy`) and what follows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedMix {
    /// Rows: the left and right ear, as factors of (left, right).
    matrix: [[f32; 2]; 2],
    left: SavedEar,
    right: SavedEar,
}

/// The saved form (the plug-in state's `correction` field). Fields added after the first
/// release have defaults, so every earlier state loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedCorrection {
    name: String,
    left: SavedEar,
    right: SavedEar,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mix: Option<SavedMix>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
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
        delay_ms: ear.delay_ms,
        delay_samples: ear.delay_samples,
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
        graphic: ear
            .graphic
            .points()
            .iter()
            .map(|p| [p.freq_hz, p.gain_db])
            .collect(),
    }
}

fn within(v: f32, (lo, hi): (f32, f32)) -> Option<f32> {
    (lo..=hi).contains(&v).then_some(v)
}

fn load_ear(saved: &SavedEar) -> Option<EarCurve> {
    let mut ear = EarCurve {
        preamp_db: within(saved.preamp_db, PREAMP_RANGE_DB)?,
        delay_ms: within(saved.delay_ms, (0.0, MAX_DELAY_MS))?,
        delay_samples: within(saved.delay_samples, (0.0, MAX_DELAY_MS * 384.0))?,
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
    if saved.graphic.len() > MAX_GRAPHIC_POINTS {
        return None;
    }
    let mut points = Vec::with_capacity(saved.graphic.len());
    for &[freq_hz, gain_db] in &saved.graphic {
        points.push(GraphicPoint {
            freq_hz: within(freq_hz, FREQ_RANGE_HZ)?,
            gain_db: within(gain_db, GAIN_RANGE_DB)?,
        });
    }
    ear.graphic = Graphic::from_points(&points)?;
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
            mix: c.curve.mix.map(|m| SavedMix {
                matrix: m.matrix,
                left: save_ear(&m.after[0]),
                right: save_ear(&m.after[1]),
            }),
            notes: c.notes.clone(),
        }
    }
}

impl SavedCorrection {
    /// The correction, if every value is within the parser's ranges (a corrupted or
    /// foreign state gives `None`: no correction, never a wild filter).
    pub fn load(&self) -> Option<LoadedCorrection> {
        let mix = match &self.mix {
            None => None,
            Some(m) => {
                let factors = m.matrix.iter().flatten();
                if !factors.clone().all(|v| v.abs() <= MAX_MIX_FACTOR) {
                    return None;
                }
                Some(Mix {
                    matrix: m.matrix,
                    after: [load_ear(&m.left)?, load_ear(&m.right)?],
                })
            }
        };
        Some(LoadedCorrection {
            name: self.name.clone(),
            curve: Curve {
                ears: [load_ear(&self.left)?, load_ear(&self.right)?],
                mix,
            },
            notes: self.notes.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saved_form_round_trips_and_refuses_wild_values() {
        let text = "Preamp: -4 dB\nFilter: ON PK Fc 1000 Hz Gain 3 dB BW Oct 1\n\
                    Channel: R\nFilter: ON LS 6dB Fc 100 Hz Gain 6 dB\nFilter: ON NO Fc 60 Hz Q 20\n\
                    GraphicEQ: 20 1.5; 200 -2; 2000 0.5\n\
                    Delay: 0.25 ms\nCopy: L=0.5*L+0.5*R\nDelay: 3 samples\nFrob: 1\n\
                    GraphicEQ: 30 -1; 300 1\n";
        let loaded = LoadedCorrection::parse("x.txt", text).unwrap();
        assert_eq!(loaded.curve.ears[1].graphic.points().len(), 3);
        assert!(loaded.curve.mix.is_some() && loaded.notes.len() == 1);
        let saved = SavedCorrection::from(&loaded);
        let json = serde_json::to_string(&saved).unwrap();
        let back: SavedCorrection = serde_json::from_str(&json).unwrap();
        assert_eq!(back.load().unwrap(), loaded);
        let wild = json.replace("\"fc_hz\":1000.0", "\"fc_hz\":-5.0");
        assert_ne!(wild, json);
        let back: SavedCorrection = serde_json::from_str(&wild).unwrap();
        assert_eq!(back.load(), None);
        // A wild mix factor or delay: none either.
        for (good, bad) in [
            ("[0.5,0.5]", "[5e9,0.5]"),
            ("\"delay_ms\":0.25", "\"delay_ms\":-1.0"),
            ("[200.0,-2.0]", "[-200.0,-2.0]"),
            ("[300.0,1.0]", "[300.0,500.0]"),
        ] {
            let wild = json.replacen(good, bad, 1);
            assert_ne!(wild, json, "{good}");
            let back: SavedCorrection = serde_json::from_str(&wild).unwrap();
            assert_eq!(back.load(), None, "{bad}");
        }
    }

    #[test]
    fn a_correction_saved_before_mixes_and_delays_existed_still_loads() {
        // The field as the first release with correction wrote it.
        let json = r#"{"name":"old.txt","left":{"preamp_db":-3.0,"filters":[{"type":"PK","fc_hz":1000.0,"gain_db":2.0,"q":1.5}]},"right":{"preamp_db":-3.0,"filters":[]}}"#;
        let saved: SavedCorrection = serde_json::from_str(json).unwrap();
        let loaded = saved.load().unwrap();
        let expected = LoadedCorrection::parse(
            "old.txt",
            "Preamp: -3 dB\nChannel: L\nFilter: ON PK Fc 1000 Hz Gain 2 dB Q 1.5\n",
        )
        .unwrap();
        assert_eq!(loaded, expected);
        // And it is written back the same way.
        assert_eq!(serde_json::to_string(&saved).unwrap(), json);
    }

    #[test]
    fn reading_a_file_names_it_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, "Preamp: x dB\n").unwrap();
        let e = LoadedCorrection::read(&path).unwrap_err();
        assert!(e.starts_with("bad.txt: line 1:"), "{e}");
        let missing = LoadedCorrection::read(&dir.path().join("none.txt")).unwrap_err();
        assert!(missing.contains("none.txt"), "{missing}");
    }
}
