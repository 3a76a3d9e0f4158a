//! `render --correction-response`: a correction file's response per ear and its
//! figures, as text or JSON, so a file can be checked without a DAW.

use headphone_monitor_core::correction_file::LoadedCorrection;
use headphone_monitor_core::dsp::correction;
use serde::Serialize;

/// Points per octave of the printed response.
pub const POINTS_PER_OCTAVE: usize = 12;

/// One frequency of the response.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// Frequency, in Hz.
    pub freq_hz: f64,
    /// Left ear, in dB (preamp included, no level match).
    pub left_db: f64,
    /// Right ear, in dB.
    pub right_db: f64,
}

/// An ear's graphic EQ and the minimum-phase FIR that plays it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct GraphicFigures {
    /// Points of its curve (before and after a mix).
    pub points: usize,
    /// Taps of its filter at this rate (the longer of before and after a mix).
    pub taps: usize,
    /// The filter's largest difference from the curve, 20 Hz … 20 kHz (or to 0.45·fs),
    /// in dB.
    pub max_error_db: f64,
}

/// The response of a correction file at one sample rate.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// The file's name.
    pub file: String,
    /// The sample rate the filters are designed at, in Hz.
    pub sample_rate: f32,
    /// Filters per ear (before and after a mix).
    pub filters: [usize; 2],
    /// Whether the file mixes the ears (`Copy`).
    pub mix: bool,
    /// The graphic EQ per ear (the response below is its curve; the filter is within
    /// `max_error_db` of it).
    pub graphic: [GraphicFigures; 2],
    /// The reader's notes on the file.
    pub notes: Vec<String>,
    /// Preamp per ear, in dB.
    pub preamp_db: [f32; 2],
    /// The level-match gain, in dB (added with level match on).
    pub level_match_db: f32,
    /// The correction's gain at 1 kHz per ear, in dB (filters and preamp).
    pub gain_1k_db: [f32; 2],
    /// The response from 20 Hz to 20 kHz (or just under Nyquist), 1/12 octave apart.
    pub points: Vec<Point>,
}

impl Response {
    /// The response of `loaded` at `sample_rate` Hz.
    pub fn new(loaded: &LoadedCorrection, sample_rate: f32) -> Self {
        let figures = correction::figures(&loaded.curve, sample_rate);
        let top = 20_000f64.min(0.499 * f64::from(sample_rate));
        let octaves = (top / 20.0).log2();
        let count = (octaves * POINTS_PER_OCTAVE as f64).floor() as usize + 1;
        let points = (0..count)
            .map(|i| {
                let freq_hz = 20.0 * 2f64.powf(i as f64 / POINTS_PER_OCTAVE as f64);
                let [left_db, right_db] =
                    correction::response_db(&loaded.curve, sample_rate, freq_hz);
                Point {
                    freq_hz,
                    left_db,
                    right_db,
                }
            })
            .collect();
        let firs = correction::fir::FirSet::design(&loaded.curve, sample_rate);
        let graphic = [0, 1].map(|e| GraphicFigures {
            points: firs.graphics[e].points().len() + firs.graphics[e + 2].points().len(),
            taps: firs.taps[e].len().max(firs.taps[e + 2].len()),
            max_error_db: firs.max_error_db[e].max(firs.max_error_db[e + 2]),
        });
        Self {
            graphic,
            file: loaded.name.clone(),
            sample_rate,
            filters: [0, 1].map(|e| {
                usize::from(loaded.curve.ears[e].len)
                    + loaded.curve.mix.map_or(0, |m| usize::from(m.after[e].len))
            }),
            mix: loaded.curve.mix.is_some(),
            notes: loaded.notes.clone(),
            preamp_db: figures.preamp_db,
            level_match_db: figures.level_match_db,
            gain_1k_db: figures.gain_1k_db,
            points,
        }
    }
}

impl std::fmt::Display for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} at {} Hz", self.file, self.sample_rate)?;
        writeln!(
            f,
            "filters L {} R {}; preamp L {:+.1} dB R {:+.1} dB; level match {:+.2} dB; \
             at 1 kHz L {:+.2} dB R {:+.2} dB",
            self.filters[0],
            self.filters[1],
            self.preamp_db[0],
            self.preamp_db[1],
            self.level_match_db,
            self.gain_1k_db[0],
            self.gain_1k_db[1]
        )?;
        for (ear, g) in ["L", "R"].iter().zip(&self.graphic) {
            if g.points > 0 {
                writeln!(
                    f,
                    "graphic EQ {ear}: {} points, a minimum-phase FIR of {} taps within {:.3} dB of the curve",
                    g.points, g.taps, g.max_error_db
                )?;
            }
        }
        writeln!(f, "{:>10} {:>9} {:>9}", "Hz", "L dB", "R dB")?;
        for p in &self.points {
            writeln!(
                f,
                "{:>10.1} {:>+9.2} {:>+9.2}",
                p.freq_hz, p.left_db, p.right_db
            )?;
        }
        Ok(())
    }
}
