//! Level measurement for the report and the `--check` mode. Loudness with `ebur128`
//! (ITU-R BS.1770-4: K-weighted gated integrated loudness). The report's true peak
//! comes from the plug-in's 4× true-peak meter (BS.1770-4 Annex 2, the editor's meter,
//! not the limiter's detector), which costs a fraction of ebur128's; `--check` keeps
//! ebur128's true peak (oversampled 4× below 96 kHz, 2× below 192 kHz) in its 10 ms
//! windows.

use serde::Serialize;

use headphone_monitor_core::dsp::meters::{TruePeakMeter, METER_TAPS_PER_PHASE};

use super::{Audio, RenderError, Source};

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

fn ebur128_meter(
    channels: usize,
    sample_rate: u32,
    mode: ebur128::Mode,
) -> Result<ebur128::EbuR128, RenderError> {
    let mut meter = ebur128::EbuR128::new(channels as u32, sample_rate, mode)
        .map_err(|e| RenderError::Input(format!("loudness meter: {e:?}")))?;
    if channels == 1 {
        // A mono file is heard on both ears (BS.1770 dual mono).
        meter
            .set_channel(0, ebur128::Channel::DualMono)
            .map_err(|e| RenderError::Input(format!("loudness meter: {e:?}")))?;
    }
    Ok(meter)
}

/// Measures sample peak, true peak and integrated loudness of audio in memory.
pub fn levels(audio: &Audio) -> Result<Levels, RenderError> {
    let mut meter = LevelMeter::new(audio.channels.len(), audio.sample_rate)?;
    meter.add(&planar(audio));
    Ok(meter.finish())
}

fn planar(audio: &Audio) -> Vec<&[f32]> {
    audio.channels.iter().map(Vec::as_slice).collect()
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
    let mut meter = LevelMeter::new(audio.channels.len(), audio.sample_rate)?;
    meter.loudness.add_planar(&planar(audio));
    Ok(meter.loudness_figures())
}

/// Sample peak (dBFS) and true peak (dBTP, the plug-in's 4× meter) per channel.
pub fn peaks(audio: &Audio) -> (Vec<f64>, Vec<f64>) {
    let mut peaks = Peaks::new(audio.channels.len());
    peaks.add(&planar(audio));
    peaks.finish()
}

/// Sample and true peak of audio fed a chunk at a time.
struct Peaks {
    sample: Vec<f32>,
    true_peak: Vec<(TruePeakMeter, f32)>,
}

impl Peaks {
    fn new(channels: usize) -> Self {
        Self {
            sample: vec![0.0; channels],
            true_peak: (0..channels)
                .map(|_| (TruePeakMeter::default(), 0.0))
                .collect(),
        }
    }

    fn add(&mut self, channels: &[&[f32]]) {
        for ((sample, (meter, true_peak)), c) in self
            .sample
            .iter_mut()
            .zip(&mut self.true_peak)
            .zip(channels)
        {
            *sample = c.iter().fold(*sample, |p, v| p.max(v.abs()));
            *true_peak = true_peak.max(meter.process(c));
        }
    }

    /// Sample peak (dBFS) and true peak (dBTP) per channel.
    fn finish(mut self) -> (Vec<f64>, Vec<f64>) {
        let sample = self.sample.iter().map(|&p| to_db(f64::from(p))).collect();
        let true_peak = self
            .true_peak
            .iter_mut()
            .map(|(meter, peak)| {
                // Flushed with silence, so the last samples' interpolation is counted too.
                let flushed = meter.process(&[0.0; METER_TAPS_PER_PHASE]);
                to_db(f64::from(peak.max(flushed)))
            })
            .collect();
        (sample, true_peak)
    }
}

/// The report's [`Levels`] of audio fed a chunk at a time: what [`levels`] measures on a
/// whole file, in memory that does not grow with the file's length.
pub struct LevelMeter {
    loudness: headphone_monitor_core::loudness::Loudness,
    peaks: Peaks,
}

impl LevelMeter {
    /// A meter for `channels` channels (1 or 2) at `sample_rate` Hz.
    pub fn new(channels: usize, sample_rate: u32) -> Result<Self, RenderError> {
        let loudness =
            headphone_monitor_core::loudness::Loudness::for_report(channels, sample_rate)
                .ok_or_else(|| {
                    RenderError::Input(format!(
                        "loudness meter: {channels} channels at {sample_rate} Hz"
                    ))
                })?;
        Ok(Self {
            loudness,
            peaks: Peaks::new(channels),
        })
    }

    /// Adds the next frames: one slice per channel, all the same length.
    pub fn add(&mut self, channels: &[&[f32]]) {
        self.loudness.add_planar(channels);
        self.peaks.add(channels);
    }

    fn loudness_figures(&self) -> LoudnessFigures {
        let r = self.loudness.reading();
        LoudnessFigures {
            integrated: r.integrated,
            momentary_max: r.momentary_max,
            short_term_max: r.short_term_max,
        }
    }

    /// The levels of everything added.
    pub fn finish(self) -> Levels {
        let loudness = self.loudness_figures();
        let (sample_peak_dbfs, true_peak_dbtp) = self.peaks.finish();
        Levels::new(sample_peak_dbfs, true_peak_dbtp, loudness)
    }
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

/// Finds where the file's true peak exceeds `ceiling_dbtp`, window by window, reading it a
/// chunk at a time.
pub fn check(source: &mut dyn Source, ceiling_dbtp: f64) -> Result<CheckReport, RenderError> {
    let channels = source.channel_count();
    let rate = source.sample_rate();
    let mut m = ebur128_meter(channels, rate, ebur128::Mode::TRUE_PEAK)?;
    let window = ((CHECK_WINDOW_S * f64::from(rate)).round() as usize).max(1);
    let mut overs = Vec::new();
    let mut max_tp = f64::NEG_INFINITY;
    // The window being measured: where it starts, how much of it has been fed, and its
    // true peak so far per channel (a window can span two chunks; ebur128 reports the true
    // peak of each call, and the window's is the larger).
    let (mut window_start, mut in_window) = (0usize, 0usize);
    let mut window_peak = vec![0.0f64; channels];
    let mut chunk = vec![Vec::new(); channels];
    let mut close_window = |start: usize, peaks: &mut [f64]| {
        for (channel, peak) in peaks.iter_mut().enumerate() {
            let tp = to_db(*peak);
            max_tp = max_tp.max(tp);
            if tp > ceiling_dbtp {
                overs.push(Over {
                    time_s: start as f64 / f64::from(rate),
                    channel,
                    true_peak_dbtp: tp,
                });
            }
            *peak = 0.0;
        }
    };
    loop {
        let len = source.read_chunk(&mut chunk, crate::wav::CHUNK_FRAMES)?;
        if len == 0 {
            break;
        }
        let mut at = 0;
        while at < len {
            let end = (at + window - in_window).min(len);
            let part: Vec<&[f32]> = chunk.iter().map(|c| &c[at..end]).collect();
            m.add_frames_planar_f32(&part)
                .map_err(|e| RenderError::Input(format!("true-peak meter: {e:?}")))?;
            for (channel, peak) in window_peak.iter_mut().enumerate() {
                *peak = peak.max(m.prev_true_peak(channel as u32).unwrap_or(0.0));
            }
            in_window += end - at;
            at = end;
            if in_window == window {
                close_window(window_start, &mut window_peak);
                window_start += window;
                in_window = 0;
            }
        }
    }
    if in_window > 0 {
        close_window(window_start, &mut window_peak);
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
