//! Level measurement for the report and the `--check` mode, with `ebur128`
//! (ITU-R BS.1770-4: K-weighted gated integrated loudness; true peak by
//! oversampling, 4× below 96 kHz, 2× below 192 kHz).

use serde::Serialize;

use super::{Audio, RenderError};

/// Length of the windows `--check` reports overs in, in seconds.
pub const CHECK_WINDOW_S: f64 = 0.01;
/// How many of the worst overs `--check` lists.
pub const WORST_OVERS: usize = 10;

/// Levels of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Levels {
    /// Sample peak per channel, in dBFS.
    pub sample_peak_dbfs: Vec<f64>,
    /// True peak per channel, in dBTP (BS.1770-4).
    pub true_peak_dbtp: Vec<f64>,
    /// Integrated loudness, in LUFS (BS.1770-4, gated); `None` when too short or silent.
    pub integrated_lufs: Option<f64>,
}

fn to_db(linear: f64) -> f64 {
    if linear > 0.0 {
        20.0 * linear.log10()
    } else {
        f64::NEG_INFINITY
    }
}

fn meter(audio: &Audio, mode: ebur128::Mode) -> Result<ebur128::EbuR128, RenderError> {
    let mut meter = ebur128::EbuR128::new(audio.channels.len() as u32, audio.sample_rate, mode)
        .map_err(|e| RenderError::Input(format!("loudness meter: {e:?}")))?;
    if audio.channels.len() == 1 {
        // A mono file is heard on both ears (BS.1770 dual mono).
        meter
            .set_channel(0, ebur128::Channel::DualMono)
            .map_err(|e| RenderError::Input(format!("loudness meter: {e:?}")))?;
    }
    Ok(meter)
}

/// Measures sample peak, true peak and integrated loudness.
pub fn levels(audio: &Audio) -> Result<Levels, RenderError> {
    use ebur128::Mode;
    let mut m = meter(audio, Mode::I | Mode::SAMPLE_PEAK | Mode::TRUE_PEAK)?;
    let planar: Vec<&[f32]> = audio.channels.iter().map(Vec::as_slice).collect();
    m.add_frames_planar_f32(&planar)
        .map_err(|e| RenderError::Input(format!("loudness meter: {e:?}")))?;
    let channels = audio.channels.len() as u32;
    let peak = |f: &dyn Fn(u32) -> Result<f64, ebur128::Error>| -> Vec<f64> {
        (0..channels).map(|c| to_db(f(c).unwrap_or(0.0))).collect()
    };
    let integrated = m.loudness_global().ok().filter(|l| l.is_finite());
    Ok(Levels {
        sample_peak_dbfs: peak(&|c| m.sample_peak(c)),
        true_peak_dbtp: peak(&|c| m.true_peak(c)),
        integrated_lufs: integrated,
    })
}

/// One over found by `--check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Over {
    /// Start of the window, in seconds from the beginning of the file.
    pub time_s: f64,
    /// Channel (0 = left / mono, 1 = right).
    pub channel: usize,
    /// True peak in the window, in dBTP.
    pub true_peak_dbtp: f64,
}

/// Result of `--check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// The ceiling checked against, in dBTP.
    pub ceiling_dbtp: f64,
    /// Highest true peak of the file, in dBTP.
    pub max_true_peak_dbtp: f64,
    /// Number of windows of [`CHECK_WINDOW_S`] with a true peak above the ceiling.
    pub over_windows: usize,
    /// The worst overs, highest first (at most [`WORST_OVERS`]).
    pub worst: Vec<Over>,
    /// True when nothing exceeds the ceiling.
    pub pass: bool,
}

/// Finds where the file's true peak exceeds `ceiling_dbtp`, window by window.
pub fn check(audio: &Audio, ceiling_dbtp: f64) -> Result<CheckReport, RenderError> {
    let mut m = meter(audio, ebur128::Mode::TRUE_PEAK)?;
    let window = ((CHECK_WINDOW_S * audio.sample_rate as f64).round() as usize).max(1);
    let mut overs = Vec::new();
    let mut max_tp = f64::NEG_INFINITY;
    let frames = audio.frames();
    let mut start = 0;
    while start < frames {
        let end = (start + window).min(frames);
        let planar: Vec<&[f32]> = audio.channels.iter().map(|c| &c[start..end]).collect();
        m.add_frames_planar_f32(&planar)
            .map_err(|e| RenderError::Input(format!("true-peak meter: {e:?}")))?;
        for channel in 0..audio.channels.len() {
            let tp = to_db(m.prev_true_peak(channel as u32).unwrap_or(0.0));
            max_tp = max_tp.max(tp);
            if tp > ceiling_dbtp {
                overs.push(Over {
                    time_s: start as f64 / audio.sample_rate as f64,
                    channel,
                    true_peak_dbtp: tp,
                });
            }
        }
        start = end;
    }
    let over_windows = overs.len();
    overs.sort_by(|a, b| b.true_peak_dbtp.total_cmp(&a.true_peak_dbtp));
    overs.truncate(WORST_OVERS);
    Ok(CheckReport {
        ceiling_dbtp,
        max_true_peak_dbtp: max_tp,
        over_windows,
        worst: overs,
        pass: over_windows == 0,
    })
}
