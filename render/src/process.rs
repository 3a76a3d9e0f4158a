//! Running the chain over a whole file, latency-compensated.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::analysis::{LevelMeter, Levels};
use super::wav::{SafeWriter, CHUNK_FRAMES};
use super::{Audio, RenderError, Source};
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

/// A whole render as the `render` command runs it: streamed, on both cores. One thread
/// reads the input a chunk at a time and measures its levels, this one runs the chain,
/// and a third writes the output and measures its levels; at most a few chunks are in
/// flight, so memory does not grow with the file's length. Returns the input's and the
/// output's levels and the render's statistics; on any error (or `cancel`) no output file
/// is left and an existing one is untouched (see [`super::wav::SafeWriter`]).
#[allow(clippy::too_many_arguments)]
pub fn render_to_file(
    source: &mut dyn Source,
    input_path: Option<&std::path::Path>,
    setup: Setup,
    block: usize,
    output: &std::path::Path,
    format: super::wav::OutputFormat,
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> Result<(Levels, Levels, RenderStats), RenderError> {
    use std::sync::mpsc::sync_channel;
    let channels = source.channel_count();
    let sample_rate = source.sample_rate();
    let total = source.frames();
    // Chunks waiting between the threads, each way.
    const IN_FLIGHT: usize = 2;
    // A thread's result: `Err(None)` when it stopped because the other side went away
    // (whose own result says why).
    type Outcome<T> = Result<T, Option<RenderError>>;
    let mut writer = SafeWriter::create(output, sample_rate, channels, format, input_path)?;
    let mut input_meter = LevelMeter::new(channels, sample_rate)?;
    let mut output_meter = LevelMeter::new(channels, sample_rate)?;
    let mut renderer = Renderer::new(sample_rate, channels, setup, block);
    let (read, rendered, written) = std::thread::scope(|scope| {
        let (to_chain, from_reader) = sync_channel::<Arc<Vec<Vec<f32>>>>(IN_FLIGHT);
        let (to_writer, from_chain) = sync_channel::<Option<Arc<Vec<Vec<f32>>>>>(IN_FLIGHT);
        let reader = scope.spawn(move || -> Outcome<Levels> {
            loop {
                let mut chunk = vec![Vec::with_capacity(CHUNK_FRAMES); channels];
                if source.read_chunk(&mut chunk, CHUNK_FRAMES).map_err(Some)? == 0 {
                    return Ok(input_meter.finish());
                }
                let chunk = Arc::new(chunk);
                to_chain.send(chunk.clone()).map_err(|_| None)?;
                input_meter.add(&slices(&chunk));
            }
        });
        let writer = scope.spawn(move || -> Outcome<Levels> {
            // `None` marks the end of a complete render; without it nothing is kept.
            while let Some(chunk) = from_chain.recv().map_err(|_| None)? {
                let chunk = slices(&chunk);
                writer.write(&chunk).map_err(Some)?;
                output_meter.add(&chunk);
            }
            writer.finish(cancel).map_err(Some)?;
            Ok(output_meter.finish())
        });
        let rendered = (|| -> Outcome<RenderStats> {
            let mut done = 0;
            for chunk in from_reader {
                let mut out = vec![Vec::with_capacity(chunk[0].len() + block); channels];
                // A cancel is seen within a few thousand frames, whatever the block.
                for start in (0..chunk[0].len()).step_by(4_096) {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(Some(RenderError::Cancelled));
                    }
                    let end = (start + 4_096).min(chunk[0].len());
                    let part: Vec<&[f32]> = chunk.iter().map(|c| &c[start..end]).collect();
                    renderer.push(&part, &mut out);
                }
                done += chunk[0].len();
                progress(done, total);
                to_writer.send(Some(Arc::new(out))).map_err(|_| None)?;
            }
            if done < total {
                // The reader stopped early; its result says why.
                return Err(None);
            }
            let mut out = vec![Vec::new(); channels];
            let stats = renderer.finish(&mut out);
            to_writer.send(Some(Arc::new(out))).map_err(|_| None)?;
            to_writer.send(None).map_err(|_| None)?;
            Ok(stats)
        })();
        // Stopping here (an error, a cancel) closes both channels, so both threads end.
        drop(to_writer);
        let join = |r: std::thread::Result<Outcome<Levels>>| {
            r.unwrap_or_else(|_| Err(Some(RenderError::Input("the render failed".into()))))
        };
        (join(reader.join()), rendered, join(writer.join()))
    });
    match (read, rendered, written) {
        (Ok(input), Ok(stats), Ok(output)) => Ok((input, output, stats)),
        // The first real error: reading, then the chain (a cancel), then writing.
        (Err(Some(e)), _, _) | (_, Err(Some(e)), _) | (_, _, Err(Some(e))) => Err(e),
        _ => Err(RenderError::Output("the render stopped".into())),
    }
}

/// One slice per channel of a chunk.
fn slices(chunk: &[Vec<f32>]) -> Vec<&[f32]> {
    chunk.iter().map(Vec::as_slice).collect()
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

/// Renders `input` (in memory) through the plug-in's monitor layer with `setup` in blocks
/// of `block` samples, as [`render_to_file`] does a file.
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
    let frames = input.frames();
    let mut renderer = Renderer::new(input.sample_rate, input.channels.len(), setup.into(), block);
    let mut out = vec![Vec::with_capacity(frames); input.channels.len()];
    let step = 64 * block.max(1);
    for start in (0..frames).step_by(step) {
        if cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled);
        }
        let end = (start + step).min(frames);
        let part: Vec<&[f32]> = input.channels.iter().map(|c| &c[start..end]).collect();
        renderer.push(&part, &mut out);
        progress(end, frames);
    }
    let stats = renderer.finish(&mut out);
    Ok((
        Audio {
            sample_rate: input.sample_rate,
            channels: out,
        },
        stats,
    ))
}

/// The chain over a stream of frames in host-like blocks, latency removed: what
/// [`render`] and [`render_to_file`] run. The blocks are the same however the frames
/// arrive (a block is processed once full), so the output does not depend on the chunks.
pub struct Renderer {
    monitor: Monitor,
    setup: Setup,
    rate_hz: f64,
    block: usize,
    latency: usize,
    stereo: bool,
    left: Vec<f32>,
    right: Vec<f32>,
    /// Frames waiting in `left`/`right` for their block to fill.
    filled: usize,
    /// Frames processed so far (input and the silence after it).
    position: usize,
    max_reduction_db: f32,
    reduction_sum_db: f64,
    reducing_blocks: usize,
    limiting_frames: usize,
    started: Instant,
    processing: std::time::Duration,
}

impl Renderer {
    /// A renderer for `channels` channels (1 or 2) at `sample_rate` Hz, in blocks of
    /// `block` samples (at least 1).
    pub fn new(sample_rate: u32, channels: usize, setup: Setup, block: usize) -> Self {
        let block = block.max(1);
        let meters = Arc::new(SharedMeters::new());
        meters.set_history_total(setup.week_exposure_pa2h);
        let monitor = Monitor::new(sample_rate as f32, block, &setup.controls, meters);
        let latency = monitor.latency_samples();
        Self {
            monitor,
            setup,
            rate_hz: f64::from(sample_rate),
            block,
            latency,
            stereo: channels == 2,
            left: vec![0.0; block],
            right: vec![0.0; block],
            filled: 0,
            position: 0,
            max_reduction_db: 0.0,
            reduction_sum_db: 0.0,
            reducing_blocks: 0,
            limiting_frames: 0,
            started: Instant::now(),
            processing: std::time::Duration::ZERO,
        }
    }

    /// The latency removed from the output, in samples.
    pub fn latency_samples(&self) -> usize {
        self.latency
    }

    /// Takes the next input frames (one slice per channel) and appends to `out` (one
    /// `Vec` per channel) the output that is ready.
    pub fn push(&mut self, input: &[&[f32]], out: &mut [Vec<f32>]) {
        let t0 = Instant::now();
        let frames = input.first().map_or(0, |c| c.len());
        let mut at = 0;
        while at < frames {
            let take = (self.block - self.filled).min(frames - at);
            let (from, to) = (at, at + take);
            self.left[self.filled..self.filled + take].copy_from_slice(&input[0][from..to]);
            let right = if self.stereo { input[1] } else { input[0] };
            self.right[self.filled..self.filled + take].copy_from_slice(&right[from..to]);
            self.filled += take;
            at = to;
            if self.filled == self.block {
                self.process_block(out);
            }
        }
        self.processing += t0.elapsed();
    }

    /// Feeds the latency's worth of silence, appends the rest of the output to `out`, and
    /// returns the render's statistics. The output then has as many frames as the input.
    pub fn finish(mut self, out: &mut [Vec<f32>]) -> RenderStats {
        let t0 = Instant::now();
        let mut silence = self.latency;
        while silence > 0 {
            let take = (self.block - self.filled).min(silence);
            self.left[self.filled..self.filled + take].fill(0.0);
            self.right[self.filled..self.filled + take].fill(0.0);
            self.filled += take;
            silence -= take;
            if self.filled == self.block {
                self.process_block(out);
            }
        }
        if self.filled > 0 {
            self.process_block(out);
        }
        self.processing += t0.elapsed();
        RenderStats {
            latency_samples: self.latency,
            max_reduction_db: self.max_reduction_db,
            mean_reduction_db: if self.reducing_blocks > 0 {
                (self.reduction_sum_db / self.reducing_blocks as f64) as f32
            } else {
                0.0
            },
            limiting_s: self.limiting_frames as f64 / self.rate_hz,
            processing_s: self.processing.as_secs_f64(),
        }
    }

    /// Processes the `filled` frames waiting and appends what lies past the latency.
    fn process_block(&mut self, out: &mut [Vec<f32>]) {
        let len = self.filled;
        let info = BlockInfo {
            offline_claimed: self.setup.as_export,
            // As playback: the clock runs with the audio. As an export: the real clock.
            now_s: if self.setup.as_export {
                self.started.elapsed().as_secs_f64()
            } else {
                self.position as f64 / self.rate_hz
            },
            metering: false,
        };
        let mut channels = [&mut self.left[..len], &mut self.right[..len]];
        let meters = self
            .monitor
            .process(&mut channels, Layout::Stereo, &self.setup.controls, info)
            .meters;
        if meters.min_gain < 1.0 {
            let reduction = -20.0 * meters.min_gain.max(1e-12).log10();
            self.max_reduction_db = self.max_reduction_db.max(reduction);
            if reduction >= LIMITING_THRESHOLD_DB {
                self.reduction_sum_db += f64::from(reduction);
                self.reducing_blocks += 1;
                self.limiting_frames += len;
            }
        }
        // Keep output samples from the latency on (the silence fed after the input is
        // exactly the latency, so the output ends with the input's last frame).
        let skip = self.latency.saturating_sub(self.position).min(len);
        out[0].extend_from_slice(&self.left[skip..len]);
        if self.stereo {
            out[1].extend_from_slice(&self.right[skip..len]);
        }
        self.position += len;
        self.filled = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use headphone_monitor_core::dsp::{MonitorMode, Settings};

    /// A loud stereo programme (the limiter works) of `frames` frames.
    fn programme(rate: u32, frames: usize) -> Audio {
        let tone = |f: f32, n: usize| (std::f32::consts::TAU * f * n as f32 / rate as f32).sin();
        Audio {
            sample_rate: rate,
            channels: vec![
                (0..frames)
                    .map(|n| 1.3 * tone(997.0, n) + 0.4 * tone(61.0, n))
                    .collect(),
                (0..frames).map(|n| 0.9 * tone(440.0, n)).collect(),
            ],
        }
    }

    #[test]
    fn the_output_does_not_depend_on_how_the_input_arrives() {
        let never = AtomicBool::new(false);
        for (channels, settings) in [
            (2, Settings::default()),
            (
                1,
                Settings {
                    mode: MonitorMode::Mono,
                    ..Settings::default()
                },
            ),
        ] {
            let mut audio = programme(44_100, 44_100 + 777);
            audio.channels.truncate(channels);
            for block in [1, 512, 700] {
                let (whole, whole_stats) =
                    render(&audio, settings, block, &never, |_, _| {}).unwrap();
                assert_eq!(whole.frames(), audio.frames());
                // Pieces of sizes that never line up with the block: 1 … 5 000 frames.
                let mut renderer =
                    Renderer::new(audio.sample_rate, channels, settings.into(), block);
                let mut out = vec![Vec::new(); channels];
                let (mut at, mut size) = (0, 1usize);
                while at < audio.frames() {
                    let end = (at + size).min(audio.frames());
                    let part: Vec<&[f32]> = audio.channels.iter().map(|c| &c[at..end]).collect();
                    renderer.push(&part, &mut out);
                    at = end;
                    size = (size * 7 + 3) % 5_000 + 1;
                }
                let stats = renderer.finish(&mut out);
                assert_eq!(out.len(), channels);
                for (a, b) in out.iter().zip(&whole.channels) {
                    assert_eq!(a.len(), b.len(), "block {block}");
                    assert!(
                        a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
                        "block {block}: the output depends on the pieces"
                    );
                }
                assert!(stats.max_reduction_db > 1.0);
                assert_eq!(stats.max_reduction_db, whole_stats.max_reduction_db);
                assert_eq!(stats.limiting_s, whole_stats.limiting_s);
            }
        }
    }
}
