//! Headphone Monitor: the plugin glue (CLAP and VST3 through nice-plug).
//!
//! This file only maps host parameters and buffers onto [`monitor::Monitor`]; every
//! decision and all signal processing live in [`monitor`] and [`dsp`], which never
//! import `nice_plug`.

#![deny(missing_docs)]

pub mod editor;
pub mod export;
pub mod history;
pub mod params;

/// The framework-free core (DSP, the monitor layer, meters, loudness, correction files),
/// under the names the plug-in's modules and tests use.
pub use headphone_monitor_core::{correction_file, dsp, eqapo, loudness, meters, monitor};

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Instant;

use nice_plug::prelude::*;

use crate::meters::SharedMeters;
use crate::monitor::{BlockInfo, Layout, Monitor, Tail};
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
    /// The monitor (chain, render guard, listening), rebuilt in `activate`.
    monitor: Monitor,
    /// How the active layout's channels map onto the stereo chain.
    layout: Layout,
    /// Editor size and open state (kept for the instance's lifetime).
    editor_state: Arc<nice_plug_egui::EguiEditorState>,
    /// Origin of the wall clock the monitor's render guard reads.
    clock_origin: Instant,
    /// Keeps the 7-day history file up to date (started on the first activation).
    history_writer: Option<history::HistoryWriter>,
    /// The audio thread's lock-free view of the loaded correction curve.
    correction_reader: Option<triple_buffer::Output<params::HandedCurve>>,
}

impl Default for HeadphoneMonitor {
    fn default() -> Self {
        let params = Arc::new(MonitorParams::default());
        let meters = Arc::new(SharedMeters::new());
        let monitor = Monitor::new(48_000.0, 0, &params.controls(), meters.clone());
        let correction_reader = params.correction_file.take_reader();
        Self {
            params,
            meters,
            monitor,
            layout: Layout::Stereo,
            editor_state: editor::default_state(),
            clock_origin: Instant::now(),
            history_writer: None,
            correction_reader,
        }
    }
}

impl HeadphoneMonitor {
    /// The meters this instance publishes (for an editor or a test).
    pub fn meters(&self) -> Arc<SharedMeters> {
        self.meters.clone()
    }

    /// The parameters as controls, with the correction curve read lock-free; a newly
    /// handed curve's graphic EQ filters are copied into the monitor (audio thread safe:
    /// no lock, no allocation).
    fn controls(&mut self) -> monitor::Controls {
        let mut controls = self.params.controls();
        if let Some(reader) = &mut self.correction_reader {
            let fresh = reader.updated();
            let handed = reader.read();
            controls.chain.correction.curve = handed.curve;
            controls.chain.correction.prepared = handed.prepared;
            if fresh {
                self.monitor.provide_correction_firs(&handed.firs);
            }
        }
        controls
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

    fn filter_state(state: &mut nice_plug::plugin::PluginState) {
        // A state without a correction (from before corrections existed, or saved with
        // none loaded) means no correction, also in an instance that has one loaded.
        state
            .fields
            .entry("correction".into())
            .or_insert_with(|| "null".into());
    }

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
        // The loaded correction's figures for this rate, here rather than on the audio thread.
        self.params
            .correction_file
            .set_sample_rate(buffer_config.sample_rate);
        let controls = self.controls();
        self.monitor = Monitor::new(
            buffer_config.sample_rate,
            (buffer_config.max_buffer_size as usize).max(1),
            &controls,
            self.meters.clone(),
        );
        // Built here (graphic EQ filters designed if needed); from now on they come from
        // the correction store, designed off the audio thread.
        self.monitor.design_correction_elsewhere();
        if let Some(reader) = &mut self.correction_reader {
            self.monitor.provide_correction_firs(&reader.read().firs);
        }
        let inputs = audio_io_layout
            .main_input_channels
            .map_or(0, NonZeroU32::get);
        let outputs = audio_io_layout
            .main_output_channels
            .map_or(0, NonZeroU32::get);
        self.layout = match (inputs, outputs) {
            (1, 2) => Layout::MonoToStereo,
            (_, 1) => Layout::Mono,
            _ => Layout::Stereo,
        };
        context.set_latency_samples(self.monitor.latency_samples() as u32);
        self.clock_origin = Instant::now();
        if self.history_writer.is_none() {
            self.history_writer = history::HistoryWriter::start(self.meters.clone());
        }
        true
    }

    fn reset(&mut self) {
        let controls = self.controls();
        self.monitor.reset(&controls);
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let info = BlockInfo {
            // The claim the host makes for this very call: a VST3 host may switch to offline
            // without a new `setupProcessing` (Ardour does when it exports).
            offline_claimed: context.process_mode() == ProcessMode::Offline,
            now_s: self.clock_origin.elapsed().as_secs_f64(),
            // The 4× true-peak meters only run while an editor reads them.
            metering: self.editor_state.is_open(),
        };
        let controls = self.controls();
        let processed = self
            .monitor
            .process(buffer.as_slice(), self.layout, &controls, info);
        // The latency setting changed: the host is told (CLAP: a restart with the latency
        // changed; VST3: restartComponent(kLatencyChanged)), from its main thread.
        context.set_latency_samples(self.monitor.latency_samples() as u32);
        match processed.tail {
            Tail::Samples(samples) => {
                ProcessStatus::Tail(u32::try_from(samples).unwrap_or(u32::MAX - 1))
            }
            Tail::Endless => ProcessStatus::KeepAlive,
        }
    }
}

impl ClapPlugin for HeadphoneMonitor {
    const CLAP_ID: &'static str = CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Headphone monitoring for the master bus: monitor modes, crossfeed, headphone correction, monitor controller, listening level and dose, and a true-peak safety limiter");
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
