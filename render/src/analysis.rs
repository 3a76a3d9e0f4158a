//! Level measurement for the report and the `--check` mode. Loudness with `ebur128`
//! (ITU-R BS.1770-4: K-weighted gated integrated loudness). The report's true peak
//! comes from the plug-in's 4× true-peak meter (BS.1770-4 Annex 2, the editor's meter,
//! not the limiter's detector), which costs a fraction of ebur128's; `--check` keeps
//! ebur128's true peak (oversampled 4× below 96 kHz, 2× below 192 kHz) in its 10 ms
//! windows.

use serde::Serialize;

use headphone_monitor_core::dsp::meters::{TruePeakMeter, METER_TAPS_PER_PHASE};

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
    /// Largest momentary loudness (400 ms, sampled every 100 ms), in LUFS.
    pub momentary_max_lufs: Option<f64>,
    /// Largest short-term loudness (3 s, sampled every 100 ms), in LUFS.
    pub short_term_max_lufs: Option<f64>,
}

/// The loudness figures of one file (EBU R128; the editor's meter computes the same).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoudnessFigures {
    /// Integrated loudness, in LUFS.
    pub integrated: Option<f64>,
    /// Largest momentary loudness, in LUFS.
    pub momentary_max: Option<f64>,
    /// Largest short-term loudness, in LUFS.
    pub short_term_max: Option<f64>,
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
    let loudness = loudness(audio)?;
    let (sample_peak_dbfs, true_peak_dbtp) = peaks(audio);
    Ok(Levels::new(sample_peak_dbfs, true_peak_dbtp, loudness))
}

impl Levels {
    /// The levels from their parts.
    pub fn new(sample_peak_dbfs: Vec<f64>, true_peak_dbtp: Vec<f64>, l: LoudnessFigures) -> Self {
        Self {
            sample_peak_dbfs,
            true_peak_dbtp,
            integrated_lufs: l.integrated,
            momentary_max_lufs: l.momentary_max,
            short_term_max_lufs: l.short_term_max,
        }
    }
}

/// Integrated loudness and the momentary and short-term maxima (BS.1770-4 / EBU R128,
/// through the plug-in's [`Loudness`](headphone_monitor_core::loudness::Loudness)); `None`
/// where the file is too short or silent.
pub fn loudness(audio: &Audio) -> Result<LoudnessFigures, RenderError> {
    let mut m = headphone_monitor_core::loudness::Loudness::for_report(
        audio.channels.len(),
        audio.sample_rate,
    )
    .ok_or_else(|| {
        RenderError::Input(format!(
            "loudness meter: {} channels at {} Hz",
            audio.channels.len(),
            audio.sample_rate
        ))
    })?;
    let planar: Vec<&[f32]> = audio.channels.iter().map(Vec::as_slice).collect();
    m.add_planar(&planar);
    let r = m.reading();
    Ok(LoudnessFigures {
        integrated: r.integrated,
        momentary_max: r.momentary_max,
        short_term_max: r.short_term_max,
    })
}

/// Sample peak (dBFS) and true peak (dBTP, the plug-in's 4× meter) per channel.
pub fn peaks(audio: &Audio) -> (Vec<f64>, Vec<f64>) {
    let sample = audio
        .channels
        .iter()
        .map(|c| to_db(f64::from(c.iter().fold(0.0f32, |p, v| p.max(v.abs())))))
        .collect();
    let true_peak = audio
        .channels
        .iter()
        .map(|c| {
            let mut meter = TruePeakMeter::default();
            // Flushed with silence, so the last samples' interpolation is counted too.
            let peak = meter
                .process(c)
                .max(meter.process(&[0.0; METER_TAPS_PER_PHASE]));
            to_db(f64::from(peak))
        })
        .collect();
    (sample, true_peak)
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
