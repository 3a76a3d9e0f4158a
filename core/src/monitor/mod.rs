//! The monitor: everything the plug-in does with a block of audio, without the plug-in
//! framework. It owns the [`Chain`], the [`RenderGuard`], the A-weighted
//! [`ListeningMeter`] and the dose accounting, and turns *controls + calibration + weekly
//! exposure + render state + clock* into the chain's settings through one pure function,
//! [`policy::effective_settings`]. The clock is injected (`BlockInfo::now_s`), so tests and
//! the offline renderer drive exactly what a host drives.
//!
//! The plug-in's `process()` maps its parameters onto [`Controls`] and its buffers onto
//! [`Monitor::process`]; nothing below this module imports `nice_plug`.

pub mod policy;
pub mod render_guard;

use std::sync::atomic::Ordering;
use std::sync::Arc;

pub use policy::{effective_settings, Circumstances, Controls};

use crate::dsp::listening::{self, generator::CheckStep, ListeningMeter};
use crate::dsp::Chain;
use crate::loudness::LoudnessTap;
use crate::meters::SharedMeters;
use crate::monitor::render_guard::{RenderGuard, RenderState};

/// How the host's channels map onto the stereo chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Two channels in, two out.
    Stereo,
    /// One channel in (the host's left buffer), two out: the same signal to both ears.
    MonoToStereo,
    /// One channel in and out: the chain runs the signal on both sides, the left is kept.
    Mono,
}

/// What the host says about one block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockInfo {
    /// The host claims this block is rendered offline (CLAP render mode, VST3 kOffline).
    pub offline_claimed: bool,
    /// Wall-clock time of the call, in seconds from any fixed origin.
    pub now_s: f64,
    /// Someone reads the meters (an open editor): run the true-peak meters and publish.
    pub metering: bool,
}

/// How long the output can still change after the input falls silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// This many samples.
    Samples(usize),
    /// Forever (a test signal plays, whatever the input).
    Endless,
}

/// What one block did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Processed {
    /// How long the output can still change after the input falls silent.
    pub tail: Tail,
    /// The chain's meters of the block (peaks, the limiter's smallest gain, …).
    pub meters: crate::dsp::BlockMeters,
}

/// The monitor for one plug-in instance (or one offline render).
#[derive(Debug)]
pub struct Monitor {
    chain: Chain,
    render_guard: RenderGuard,
    listening: ListeningMeter,
    sample_rate: f32,
    /// Right-channel scratch of the mono layout (sized in [`Monitor::new`]).
    mono_scratch: Vec<f32>,
    meters: Arc<SharedMeters>,
    /// The loudness meter's ring (fed only while someone reads the meters).
    loudness_tap: LoudnessTap,
    /// No audio has been processed since the monitor was made or reset: settings that
    /// differ on the first block (a host stating offline rendering from its first block)
    /// take effect at once instead of gliding.
    fresh: bool,
}

impl Monitor {
    /// A monitor for `sample_rate` Hz and host blocks of up to `max_block` samples,
    /// publishing to `meters`. Allocates; call from `activate`.
    pub fn new(
        sample_rate: f32,
        max_block: usize,
        controls: &Controls,
        meters: Arc<SharedMeters>,
    ) -> Self {
        let settings = effective_settings(
            controls,
            &Circumstances {
                week_exposure_pa2h: meters.week_exposure(),
                render: RenderState::Realtime,
            },
        );
        meters.sample_rate.store(sample_rate, Ordering::Relaxed);
        let loudness_tap = meters.loudness.open(sample_rate);
        Self {
            chain: Chain::new(sample_rate, settings),
            render_guard: RenderGuard::new(sample_rate),
            listening: ListeningMeter::new(sample_rate),
            sample_rate,
            mono_scratch: vec![0.0; max_block],
            meters,
            loudness_tap,
            fresh: true,
        }
    }

    /// The delay of the output, in samples (fixed per sample rate).
    pub fn latency_samples(&self) -> usize {
        self.chain.latency_samples()
    }

    /// From now on the correction's graphic EQ filters come from
    /// [`Monitor::provide_correction_firs`], never designed on this (audio) thread.
    pub fn design_correction_elsewhere(&mut self) {
        self.chain.set_correction_design_here(false);
    }

    /// The correction's graphic EQ filters, designed off the audio thread
    /// (allocation-free copy).
    pub fn provide_correction_firs(&mut self, firs: &crate::dsp::correction::fir::FirSet) {
        self.chain.provide_correction_firs(firs);
    }

    /// The chain (read-only: for its meters and state in tests and the renderer).
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// Clears all audio state (a host's reset): the chain at the current settings, and
    /// the render guard's pace measurement.
    pub fn reset(&mut self, controls: &Controls) {
        let settings = self.settings_for(controls);
        self.chain.set_settings(settings);
        self.chain.reset();
        self.listening.reset();
        self.render_guard.restart();
        self.fresh = true;
    }

    /// The chain's settings now (see [`policy::effective_settings`]).
    pub fn settings_for(&self, controls: &Controls) -> crate::dsp::Settings {
        effective_settings(
            controls,
            &Circumstances {
                week_exposure_pa2h: self.meters.week_exposure(),
                render: self.render_guard.state(),
            },
        )
    }

    /// Processes one host block in place. `channels` are the host's buffers (two for
    /// the stereo layouts, one for mono; any length, including 0). Never allocates.
    pub fn process(
        &mut self,
        channels: &mut [&mut [f32]],
        layout: Layout,
        controls: &Controls,
        info: BlockInfo,
    ) -> Processed {
        // Render-aware monitoring: while the host says this very call is rendered offline,
        // "monitor only" leaves the monitoring out at once and keeps only the ceiling; once
        // the pace proves a genuine offline render, the audio passes through unchanged.
        self.render_guard.set_offline_claimed(info.offline_claimed);
        self.render_guard.set_monitor_only(controls.monitor_only);
        let frames = channels.first().map_or(0, |c| c.len());
        let render_state = self.render_guard.observe(frames, info.now_s);
        self.meters.set_render_state(render_state);
        // Someone may be listening unless the pace proved a genuine offline render: count
        // the dose (also while printing on purpose, where the pace is not checked: the safe
        // side).
        let heard = render_state != RenderState::PassThrough;
        let spl = controls.full_scale_spl.filter(|_| heard);
        let settings = self.settings_for(controls);
        self.chain.set_settings(settings);
        if self.fresh {
            // Nothing played yet: start at these settings rather than glide to them, so a
            // host that says "offline" from its first block gets no monitoring printed.
            self.chain.reset();
            self.fresh = frames == 0;
        }
        self.chain.set_true_peak_metering(info.metering);
        match (channels, layout) {
            ([left, right, ..], _) => {
                if layout == Layout::MonoToStereo {
                    right.copy_from_slice(left);
                }
                self.chain.process(left, right);
                if info.metering {
                    self.loudness_tap.push(left, right, &self.meters.loudness);
                }
                if let Some(spl) = spl {
                    let sums = self.listening.process(left, right);
                    self.count_listening(sums, left.len(), spl);
                }
            }
            ([mono], _) => {
                // Pieces of the scratch size, in case a host exceeds its own maximum.
                let piece = self.mono_scratch.len().max(1);
                for chunk in mono.chunks_mut(piece) {
                    let len = chunk.len();
                    if len > self.mono_scratch.len() {
                        chunk.fill(0.0); // no scratch at all: silence, never unlimited audio
                        continue;
                    }
                    let scratch = &mut self.mono_scratch[..len];
                    scratch.copy_from_slice(chunk);
                    self.chain.process(chunk, scratch);
                    if info.metering {
                        self.loudness_tap.push(chunk, chunk, &self.meters.loudness);
                    }
                    if let Some(spl) = spl {
                        let sums = self.listening.process(chunk, chunk);
                        self.count_listening(sums, len, spl);
                    }
                }
            }
            ([], _) => {}
        }
        let step = self.chain.check_step().map_or(0, |s| {
            1 + CheckStep::ALL.iter().position(|&a| a == s).unwrap_or(0) as u8
        });
        self.meters.check_step.store(step, Ordering::Relaxed);
        let block = self.chain.take_meters();
        if info.metering {
            self.meters.publish(&block);
        }
        let tail = match self.chain.tail_samples() {
            Some(samples) => Tail::Samples(samples),
            None => Tail::Endless,
        };
        Processed {
            tail,
            meters: block,
        }
    }

    /// Counts one processed block as heard: A-weighted sums for the level meters, and its
    /// sound exposure for the dose (wait-free). With a headphone correction on, each ear's
    /// sum is raised by the correction's SPL offset (the calibration is a 1 kHz figure of
    /// the bare headphones; see [`crate::dsp::correction::spl_offset_db`]).
    fn count_listening(&self, sums: [f64; 2], frames: usize, full_scale_spl: f64) {
        let offset = self.chain.correction_spl_offset_db();
        let sums = [0, 1].map(|e| sums[e] * crate::dsp::math::db_to_power(f64::from(offset[e])));
        let exposure = listening::exposure_pa2h(sums, self.sample_rate, full_scale_spl);
        let seconds = frames as f64 / f64::from(self.sample_rate);
        self.meters.add_listening(sums, frames, seconds, exposure);
    }
}
