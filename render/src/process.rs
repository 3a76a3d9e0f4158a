//! Running the chain over a whole file, latency-compensated.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::{Audio, RenderError};
use headphone_monitor_core::meters::SharedMeters;
use headphone_monitor_core::monitor::{BlockInfo, Controls, Layout, Monitor};

/// Default host-like block length, in samples.
pub const DEFAULT_BLOCK: usize = 512;
/// Reductions below this count as release tail, not as limiting, in dB.
pub const LIMITING_THRESHOLD_DB: f32 = 0.1;

/// What happened inside the chain during a render.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderStats {
    /// Latency removed from the output, in samples.
    pub latency_samples: usize,
    /// Largest gain reduction, in dB (0 = none).
    pub max_reduction_db: f32,
    /// Mean of the blocks' largest reductions over the blocks that were limiting, in dB.
    pub mean_reduction_db: f32,
    /// Time spent limiting: the length of all blocks whose largest reduction reached
    /// [`LIMITING_THRESHOLD_DB`], in seconds (the release tail below it is not counted).
    pub limiting_s: f64,
    /// Wall time of the processing alone (no file I/O), in seconds.
    pub processing_s: f64,
}

/// A whole render as the `render` command runs it, on both cores: the input's analysis
/// overlaps the processing, the output's analysis overlaps the writing. Returns the
/// input's and the output's levels and the render's statistics; on any error (or
/// `cancel`) no output file is left (see [`super::wav::write_safely`]).
#[allow(clippy::too_many_arguments)]
pub fn render_to_file(
    input: &Audio,
    input_path: Option<&std::path::Path>,
    setup: Setup,
    block: usize,
    output: &std::path::Path,
    format: super::wav::OutputFormat,
    cancel: &AtomicBool,
    progress: impl FnMut(usize, usize),
) -> Result<
    (
        super::analysis::Levels,
        super::analysis::Levels,
        RenderStats,
    ),
    RenderError,
> {
    use super::{analysis, wav};
    let (input_levels, rendered) = std::thread::scope(|scope| {
        let analysis = scope.spawn(|| analysis::levels(input));
        let rendered = render(input, setup, block, cancel, progress);
        let levels = analysis
            .join()
            .unwrap_or_else(|_| Err(RenderError::Input("the analysis failed".into())));
        (levels, rendered)
    });
    let (rendered, stats) = rendered?;
    let input_levels = input_levels?;
    // The output's loudness on the other core; writing, then its peaks, on this one.
    let (loudness, written, (sample_peak_dbfs, true_peak_dbtp)) = std::thread::scope(|scope| {
        let loudness = scope.spawn(|| analysis::loudness(&rendered));
        let written = wav::write_safely(output, &rendered, format, input_path, cancel);
        let peaks = analysis::peaks(&rendered);
        let loudness = loudness
            .join()
            .unwrap_or_else(|_| Err(RenderError::Input("the analysis failed".into())));
        (loudness, written, peaks)
    });
    written?;
    let output_levels = analysis::Levels::new(sample_peak_dbfs, true_peak_dbtp, loudness?);
    Ok((input_levels, output_levels, stats))
}

/// What a render runs: the plug-in's controls and the circumstances it would meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// The controls (every parameter, and the calibration).
    pub controls: Controls,
    /// The 7-day sound exposure the render starts from, in Pa²·h (protection engages once
    /// it reaches the allowance).
    pub week_exposure_pa2h: f64,
    /// Run as a host export does: the offline claim stated with every block and the real
    /// clock, so "monitor only" passes a genuine (fast) render through. Off: as playback.
    pub as_export: bool,
}

impl<T: Into<Controls>> From<T> for Setup {
    fn from(controls: T) -> Self {
        Self {
            controls: controls.into(),
            week_exposure_pa2h: 0.0,
            as_export: false,
        }
    }
}

/// Renders `input` through the plug-in's monitor layer with `setup` in blocks of `block`
/// samples.
/// The output has the input's length and channel count, and sample *n* lines up
/// with input sample *n* (the chain's latency is fed with silence and removed).
/// A mono file runs like the plugin's mono layout: the channel feeds both sides,
/// the left output is kept. `progress(done, total)` is called now and then;
/// `cancel` stops the render with [`RenderError::Cancelled`].
pub fn render(
    input: &Audio,
    setup: impl Into<Setup>,
    block: usize,
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> Result<(Audio, RenderStats), RenderError> {
    let block = block.max(1);
    let frames = input.frames();
    let setup = setup.into();
    let meters = Arc::new(SharedMeters::new());
    meters.set_history_total(setup.week_exposure_pa2h);
    let rate = input.sample_rate as f32;
    let mut monitor = Monitor::new(rate, block, &setup.controls, meters);
    let latency = monitor.latency_samples();
    let total = frames + latency;
    let stereo = input.channels.len() == 2;
    let mut out: Vec<Vec<f32>> = vec![Vec::with_capacity(frames); input.channels.len()];
    let (mut left, mut right) = (vec![0.0f32; block], vec![0.0f32; block]);
    let mut max_reduction_db = 0.0f32;
    let (mut reduction_sum_db, mut reducing_blocks) = (0.0f64, 0usize);
    let mut limiting_frames = 0usize;
    let started = Instant::now();
    let mut position = 0;
    while position < total {
        if cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled);
        }
        let len = block.min(total - position);
        // Input for this block, silence past the end (to flush the latency).
        for i in 0..len {
            let n = position + i;
            let l = input.channels[0].get(n).copied().unwrap_or(0.0);
            left[i] = l;
            right[i] = if stereo {
                input.channels[1].get(n).copied().unwrap_or(0.0)
            } else {
                l
            };
        }
        let info = BlockInfo {
            offline_claimed: setup.as_export,
            // As playback: the clock runs with the audio. As an export: the real clock.
            now_s: if setup.as_export {
                started.elapsed().as_secs_f64()
            } else {
                position as f64 / f64::from(rate)
            },
            metering: false,
        };
        let mut channels = [&mut left[..len], &mut right[..len]];
        let meters = monitor
            .process(&mut channels, Layout::Stereo, &setup.controls, info)
            .meters;
        if meters.min_gain < 1.0 {
            let reduction = -20.0 * meters.min_gain.max(1e-12).log10();
            max_reduction_db = max_reduction_db.max(reduction);
            if reduction >= LIMITING_THRESHOLD_DB {
                reduction_sum_db += reduction as f64;
                reducing_blocks += 1;
                limiting_frames += len;
            }
        }
        // Keep output samples from the latency on.
        let skip = latency.saturating_sub(position).min(len);
        out[0].extend_from_slice(&left[skip..len]);
        if stereo {
            out[1].extend_from_slice(&right[skip..len]);
        }
        position += len;
        if position % (64 * block) < block || position == total {
            progress(position.min(total), total);
        }
    }
    let processing_s = started.elapsed().as_secs_f64();
    for channel in &mut out {
        channel.truncate(frames);
    }
    Ok((
        Audio {
            sample_rate: input.sample_rate,
            channels: out,
        },
        RenderStats {
            latency_samples: latency,
            max_reduction_db,
            mean_reduction_db: if reducing_blocks > 0 {
                (reduction_sum_db / reducing_blocks as f64) as f32
            } else {
                0.0
            },
            limiting_s: limiting_frames as f64 / input.sample_rate as f64,
            processing_s,
        },
    ))
}
