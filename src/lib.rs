//! Headphone Monitor: the plugin glue (CLAP and VST3 through nice-plug).
//!
//! This file only maps host parameters and buffers onto [`dsp::Chain`]; all signal
//! processing lives in [`dsp`], which never imports `nice_plug`.

#![deny(missing_docs)]

pub mod dsp;
pub mod editor;
pub mod history;
pub mod meters;
pub mod params;
pub mod render;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Instant;

use nice_plug::prelude::*;

use crate::dsp::listening::{self, calibration, dose, ListeningMeter};
use crate::dsp::render_guard::{RenderGuard, RenderState};
use crate::dsp::Chain;
use crate::meters::SharedMeters;
use crate::params::MonitorParams;

/// The CLAP plugin ID. Never changes once released (a test pins it).
pub const CLAP_ID: &str = "org.headphone-monitor.headphone-monitor";
/// The VST3 class ID. Never changes once released (a test pins it).
pub const VST3_CLASS_ID: [u8; 16] = *b"HeadphoneMon1tor";

/// The largest block, in samples, in which a host may automate every parameter on every sample
/// without an allocation on the audio thread (see `INPUT_EVENT_CAPACITY`).
pub const MAX_AUTOMATED_BLOCK: usize = 8192;

/// The plugin instance.
pub struct HeadphoneMonitor {
    /// Host-visible parameters.
    params: Arc<MonitorParams>,
    /// Meter values for an editor.
    meters: Arc<SharedMeters>,
    /// The DSP, rebuilt in `activate` for the host's sample rate.
    chain: Chain,
    /// Main input channel count of the active layout.
    input_channels: usize,
    /// Scratch right channel for the mono-output layout (sized in `activate`).
    mono_scratch: Vec<f32>,
    /// Editor size and open state (kept for the instance's lifetime).
    editor_state: Arc<nice_plug_egui::EguiEditorState>,
    /// Decides when an offline render may pass through ("monitor only").
    render_guard: RenderGuard,
    /// Origin of the wall clock the render guard reads.
    clock_origin: Instant,
    /// A-weighted level of the output (runs only while calibrated).
    listening: ListeningMeter,
    /// Sample rate of the current activation, in Hz.
    sample_rate: f32,
    /// Keeps the 7-day history file up to date (started on the first activation).
    history_writer: Option<history::HistoryWriter>,
}

impl Default for HeadphoneMonitor {
    fn default() -> Self {
        let params = Arc::new(MonitorParams::default());
        let chain = Chain::new(48_000.0, params.settings());
        Self {
            params,
            meters: Arc::new(SharedMeters::new()),
            chain,
            input_channels: 2,
            mono_scratch: Vec::new(),
            editor_state: editor::default_state(),
            render_guard: RenderGuard::new(48_000.0),
            clock_origin: Instant::now(),
            listening: ListeningMeter::new(48_000.0),
            sample_rate: 48_000.0,
            history_writer: None,
        }
    }
}

impl HeadphoneMonitor {
    /// The meters this instance publishes (for an editor or a test).
    pub fn meters(&self) -> Arc<SharedMeters> {
        self.meters.clone()
    }

    /// The DSP settings now: the parameters, plus what the plugin itself decides — bypass
    /// during a genuine offline render, the ceiling as a peak SPL at the ear, protection
    /// once the weekly allowance is used up.
    fn effective_settings(&self) -> dsp::Settings {
        let mut settings = self.params.settings();
        settings.bypass |= self.render_guard.passing_through();
        if let Some(spl) = self.params.full_scale_spl() {
            // The ceiling as a peak level at the ear, through the calibration.
            if self.params.spl_ceiling.value() {
                let spl_ceiling = calibration::ceiling_for_peak_spl(
                    f64::from(self.params.spl_ceiling_db.value()),
                    spl,
                ) as f32;
                settings.ceiling_db = settings.ceiling_db.min(spl_ceiling.clamp(-60.0, 0.0));
            }
            // Protection once the weekly allowance is used up (H.871: gradually).
            let criterion: dose::Criterion = self.params.dose_criterion.value().into();
            if self.params.protect.value()
                && self.meters.week_exposure() >= criterion.allowance_pa2h()
            {
                settings.protect_db = self.params.protect_db.value();
            }
        }
        settings
    }

    /// Counts one processed block as heard: A-weighted sums for the level meters, and its
    /// sound exposure for the dose (audio thread; wait-free).
    fn count_listening(&self, sums: [f64; 2], frames: usize, full_scale_spl: f64) {
        let exposure = listening::exposure_pa2h(sums, self.sample_rate, full_scale_spl);
        let seconds = frames as f64 / f64::from(self.sample_rate);
        self.meters.add_listening(sums, frames, seconds, exposure);
    }
}

impl Plugin for HeadphoneMonitor {
    const NAME: &'static str = "Headphone Monitor";
    const VENDOR: &'static str = "Headphone Monitor contributors";
    const URL: &'static str = "https://github.com/headphone-monitor/headphone-monitor";
    const EMAIL: &'static str = "headphone-monitor@users.noreply.github.com";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            aux_input_ports: &[],
            aux_output_ports: &[],
            names: PortNames {
                layout: Some("Stereo"),
                ..PortNames::const_default()
            },
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(2),
            aux_input_ports: &[],
            aux_output_ports: &[],
            names: PortNames {
                layout: Some("Mono → Stereo"),
                ..PortNames::const_default()
            },
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            aux_input_ports: &[],
            aux_output_ports: &[],
            names: PortNames {
                layout: Some("Mono"),
                ..PortNames::const_default()
            },
        },
    ];

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    /// Room for a host automating every parameter on every sample of an 8192-sample block
    /// (the Steinberg validator's largest block) without the wrapper's event queue growing on
    /// the audio thread. Reserved, not touched: the pages are only committed when used.
    const INPUT_EVENT_CAPACITY: usize = params::PARAM_COUNT * MAX_AUTOMATED_BLOCK;

    type Editor = nice_plug_egui::EguiEditor<editor::MonitorEditor>;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(
            self.params.clone(),
            self.meters.clone(),
            self.editor_state.clone(),
        )
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.chain = Chain::new(buffer_config.sample_rate, self.effective_settings());
        self.input_channels = audio_io_layout
            .main_input_channels
            .map_or(0, |c| c.get() as usize);
        self.mono_scratch = vec![0.0; (buffer_config.max_buffer_size as usize).max(1)];
        context.set_latency_samples(self.chain.latency_samples() as u32);
        // The host's offline claim is read in every process call (see `process`).
        self.render_guard = RenderGuard::new(buffer_config.sample_rate);
        self.clock_origin = Instant::now();
        self.listening = ListeningMeter::new(buffer_config.sample_rate);
        self.sample_rate = buffer_config.sample_rate;
        if self.history_writer.is_none() {
            self.history_writer = history::HistoryWriter::start(self.meters.clone());
        }
        true
    }

    fn reset(&mut self) {
        self.chain.set_settings(self.effective_settings());
        self.chain.reset();
        self.render_guard.restart();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // Render-aware monitoring: during a genuine offline render (claimed by the host and
        // running faster than real time), "monitor only" passes the audio through unchanged.
        // The claim is the one the host makes for this very call: a VST3 host may switch to
        // offline without a new `setupProcessing` (Ardour does when it exports).
        self.render_guard
            .set_offline_claimed(context.process_mode() == ProcessMode::Offline);
        self.render_guard
            .set_monitor_only(self.params.monitor_only.value());
        let now_s = self.clock_origin.elapsed().as_secs_f64();
        let render_state = self.render_guard.observe(buffer.samples(), now_s);
        self.meters.set_render_state(render_state);
        let full_scale_spl = self.params.full_scale_spl();
        // Someone may be listening unless the pace proved a genuine offline render: count the
        // dose (also while printing on purpose, where the pace is not checked: the safe side).
        let heard = render_state != RenderState::PassThrough;
        let settings = self.effective_settings();
        self.chain.set_settings(settings);
        // The 4× true-peak meters only run while someone (an editor) reads them.
        let watched = self.editor_state.is_open() || self.meters.watched();
        self.chain.set_true_peak_metering(watched);
        let channels = buffer.as_slice();
        match channels {
            [left, right, ..] => {
                if self.input_channels == 1 {
                    // Mono source: the same signal to both ears.
                    right.copy_from_slice(left);
                }
                self.chain.process(left, right);
                if let (Some(spl), true) = (full_scale_spl, heard) {
                    let sums = self.listening.process(left, right);
                    self.count_listening(sums, left.len(), spl);
                }
            }
            [mono] => {
                // The chain is stereo: run the mono signal on both sides, keep the left.
                // Pieces of the scratch size, in case a host exceeds its own maximum.
                let piece = self.mono_scratch.len().max(1);
                for chunk in mono.chunks_mut(piece) {
                    let len = chunk.len().min(self.mono_scratch.len());
                    if len < chunk.len() {
                        chunk.fill(0.0); // no scratch at all: silence, never unlimited audio
                        continue;
                    }
                    let scratch = &mut self.mono_scratch[..len];
                    scratch.copy_from_slice(chunk);
                    self.chain.process(chunk, scratch);
                    if let (Some(spl), true) = (full_scale_spl, heard) {
                        let sums = self.listening.process(chunk, chunk);
                        self.count_listening(sums, len, spl);
                    }
                }
            }
            [] => {}
        }
        let step = self.chain.check_step().map_or(0, |s| {
            1 + listening::generator::CheckStep::ALL
                .iter()
                .position(|&a| a == s)
                .unwrap_or(0) as u8
        });
        self.meters
            .check_step
            .store(step, std::sync::atomic::Ordering::Relaxed);
        let block = self.chain.take_meters();
        if watched {
            self.meters.publish(&block);
        }
        // A truthful tail: the delay and the limiter's recovery, or endless while a test
        // signal plays (it sounds whatever the input).
        match self.chain.tail_samples() {
            Some(samples) => ProcessStatus::Tail(u32::try_from(samples).unwrap_or(u32::MAX - 1)),
            None => ProcessStatus::KeepAlive,
        }
    }
}

impl ClapPlugin for HeadphoneMonitor {
    const CLAP_ID: &'static str = CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Headphone monitoring: output gain, mono fold-down, L/R swap and a true-peak safety limiter");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Limiter,
        ClapFeature::Utility,
    ];
}

impl Vst3Plugin for HeadphoneMonitor {
    const VST3_CLASS_ID: [u8; 16] = VST3_CLASS_ID;
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Dynamics,
        Vst3SubCategory::Tools,
    ];
}

nice_export_clap!(HeadphoneMonitor);
nice_export_vst3!(HeadphoneMonitor);
