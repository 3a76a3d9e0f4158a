//! The egui editor: one look answers *what am I hearing* (mode, swap, gain), *is
//! the limiter touching my mix* (gain reduction, the "limiting" light) and *how
//! loud is it* (true-peak levels against the ceiling).
//!
//! Laid out left to right in processing order: input meters → monitor section
//! (mode, swap, correlation) → output gain → limiter (switch, ceiling, release,
//! gain reduction) → output meters. The editor reads the DSP's meters through
//! [`SharedMeters`] atomics and repaints at a steady [`FRAME_MS`] while open; while
//! it is closed the audio thread skips the true-peak meters entirely.

mod ballistics;
mod controller;
mod correction;
mod format;
mod listening;
mod theme;
mod widgets;

use std::sync::Arc;
use std::time::Duration;

use egui::{
    vec2, Align, Align2, Color32, CornerRadius, FontId, Layout, RichText, Sense, Stroke,
    StrokeKind, Ui,
};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::editor::ResizeHint;
use nice_plug::prelude::ParamSetter;
use nice_plug_egui::resizable_window::ResizableWindow;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiEditorState, EguiNiceSettings, Frame, NiceEguiApp,
    RepaintNotifier,
};

use crate::meters::SharedMeters;
use crate::params::MonitorParams;
use ballistics::{CorrelationMeter, LevelMeter, ReductionMeter};
use widgets::BarStyle;

/// Default window size, in logical points.
pub const DEFAULT_SIZE: (f32, f32) = (860.0, 590.0);
/// Smallest window size, in logical points (everything still readable).
pub const MIN_SIZE: (f32, f32) = (760.0, 550.0);
/// Interval between repaints while the window is open, in ms (30 frames/s).
pub const FRAME_MS: u64 = 33;

/// The editor's size and open state; lives as long as the plugin instance, so the
/// size survives closing and reopening the window.
pub fn default_state() -> Arc<EguiEditorState> {
    EguiEditorState::from_size(LogicalSize::new(DEFAULT_SIZE.0, DEFAULT_SIZE.1), 1.0)
}

/// Creates the editor for a plugin instance.
pub fn create(
    params: Arc<MonitorParams>,
    meters: Arc<SharedMeters>,
    state: Arc<EguiEditorState>,
) -> Option<EguiEditor<MonitorEditor>> {
    let settings = EguiNiceSettings::new()
        .with_tile("Headphone Monitor")
        .with_resize_hint(
            ResizeHint::resizable().with_min_logical_size(LogicalSize::new(MIN_SIZE.0, MIN_SIZE.1)),
        )
        .with_repaint_poll_interval(Duration::from_millis(FRAME_MS));
    create_egui_editor(
        state,
        RepaintNotifier::new(),
        settings,
        MonitorEditor::new(params, meters),
    )
}

/// Meter state of the editor (GUI thread only).
#[derive(Debug, Default)]
struct MeterView {
    input: [LevelMeter; 2],
    output: [LevelMeter; 2],
    reduction: ReductionMeter,
    correlation: CorrelationMeter,
    /// egui time of the last update, in seconds.
    last_time: Option<f64>,
}

impl MeterView {
    /// Takes everything published since the last frame.
    fn update(&mut self, meters: &SharedMeters, now: f64) {
        let dt = self.last_time.map_or(0.0, |t| (now - t) as f32);
        self.last_time = Some(now);
        let block = meters.take();
        for c in 0..2 {
            self.input[c].update(block.input_peak[c], block.input_true_peak[c], dt);
            self.output[c].update(block.output_peak[c], block.output_true_peak[c], dt);
        }
        self.reduction.update(block.min_gain, dt);
        self.correlation
            .update(block.sum_lr, block.sum_ll, block.sum_rr, dt);
    }
}

/// The editor's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Page {
    /// Monitoring: meters, mode, gain, limiter, crossfeed.
    #[default]
    Monitor,
    /// Listening level: calibration, dose, test signals.
    Listening,
    /// Headphone correction: the EQ file, its curve, level match.
    Correction,
}

/// The editor application.
pub struct MonitorEditor {
    params: Arc<MonitorParams>,
    meters: Arc<SharedMeters>,
    /// The host connection, set when the window opens.
    gui: Option<GuiContext>,
    view: MeterView,
    /// The page shown.
    page: Page,
    /// The listening page's state.
    listening: listening::ListeningView,
    /// The correction page's state.
    correction: correction::CorrectionView,
    /// The loudness meter (drains the audio thread's ring every frame).
    loudness: crate::loudness::LoudnessMeter,
    /// egui time of the last frame, in seconds.
    last_frame_s: Option<f64>,
    /// What the last "Export settings…" did (the file written, or why not).
    export_message: Option<String>,
}

impl MonitorEditor {
    fn new(params: Arc<MonitorParams>, meters: Arc<SharedMeters>) -> Self {
        Self {
            params,
            meters,
            gui: None,
            view: MeterView::default(),
            page: Page::default(),
            listening: listening::ListeningView::default(),
            correction: correction::CorrectionView::default(),
            loudness: crate::loudness::LoudnessMeter::default(),
            last_frame_s: None,
            export_message: None,
        }
    }
}

impl NiceEguiApp for MonitorEditor {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui_context: GuiContext,
        _frame: &mut Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        self.gui = Some(gui_context);
        self.view = MeterView::default();
        self.listening.restart(&self.meters);
        self.last_frame_s = None;
        Ok(())
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut Frame) {
        let now = ui.input(|i| i.time);
        self.view.update(&self.meters, now);
        self.loudness.update(&self.meters.loudness);
        let dt = self.last_frame_s.map_or(0.0, |t| (now - t) as f32);
        self.last_frame_s = Some(now);
        self.listening
            .update(&self.meters, self.params.full_scale_spl(), dt);
        ui.ctx()
            .request_repaint_after(Duration::from_millis(FRAME_MS));
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let setter = gui.param_setter();
        ResizableWindow::new("headphone-monitor")
            .min_size(vec2(MIN_SIZE.0, MIN_SIZE.1))
            .show(ui, |ui| {
                egui::Frame::NONE
                    .inner_margin(egui::Margin::same(10))
                    .show(ui, |ui| self.draw(ui, &setter));
            });
    }

    fn editor_closed(&mut self) {
        self.gui = None;
    }
}

/// Crossfeed: on/off, the preset, and (for Custom) cut-off and level.
fn crossfeed_controls(ui: &mut Ui, p: &MonitorParams, setter: &ParamSetter, w: f32) {
    let on = p.crossfeed.value();
    widgets::toggle(
        ui,
        &p.crossfeed,
        setter,
        if on { "Crossfeed ON" } else { "Crossfeed" },
        vec2(w, 26.0),
        theme::ACCENT,
        "Crossfeed: each ear also hears a low-passed, slightly delayed copy of the other \
         channel, as from loudspeakers. Centred content is unchanged; Mono/Side/L/R are unaffected",
    );
    ui.add_space(4.0);
    widgets::segmented(
        ui,
        &p.crossfeed_preset,
        setter,
        &[
            (
                "Default",
                "700 Hz, 4.5 dB: the common default, the strongest of the three",
            ),
            ("Moy", "Chu Moy: 700 Hz, 6 dB"),
            ("Meier", "Jan Meier: 650 Hz, 9.5 dB, the subtlest"),
            ("Custom", "Your own cut-off and level, below"),
        ],
        vec2(w, 24.0),
    );
    if p.crossfeed_preset.value().0 == crate::dsp::crossfeed::Preset::Custom {
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let half = (w - ui.spacing().item_spacing.x) / 2.0;
            widgets::param_bar(
                ui,
                &p.crossfeed_cutoff_hz,
                setter,
                &BarStyle {
                    size: vec2(half, 24.0),
                    wheel_step: 10.0,
                    tooltip: "Crossfeed cut-off: 300 … 2000 Hz (−3 dB point of the cross path)",
                    text_size: theme::SMALL_TEXT,
                    show_name: false,
                },
            );
            widgets::param_bar(
                ui,
                &p.crossfeed_feed_db,
                setter,
                &BarStyle {
                    size: vec2(half, 24.0),
                    wheel_step: 0.5,
                    tooltip: "Crossfeed level: how far the cross path sits below the direct \
                              path at low frequencies, 1 … 15 dB (smaller = more crossfeed)",
                    text_size: theme::SMALL_TEXT,
                    show_name: false,
                },
            );
        });
    }
}

/// A section panel with a heading, filling the height it is given.
pub(crate) fn section(ui: &mut Ui, title: &str, width: f32, add: impl FnOnce(&mut Ui)) {
    let height = ui.available_height();
    let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    ui.painter()
        .rect_filled(rect, CornerRadius::same(6), theme::PANEL);
    let inner = rect.shrink(10.0);
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(inner)
            .layout(Layout::top_down(Align::Min)),
    );
    child.label(
        RichText::new(title)
            .size(theme::HEADING_TEXT)
            .strong()
            .color(theme::TEXT_DIM),
    );
    child.add_space(4.0);
    add(&mut child);
}

impl MonitorEditor {
    /// Writes this instance's state to a new settings file; returns what happened.
    fn export_settings(&self) -> String {
        let Some(gui) = &self.gui else {
            return "not connected to the host".into();
        };
        let json = MonitorParams::state_json(&gui.get_state());
        match crate::export::user_dir().map(|dir| crate::export::write_new(&dir, &json)) {
            Some(Ok(path)) => format!("Settings written to {}", path.display()),
            Some(Err(e)) => format!("Could not write the settings: {e}"),
            None => "No home directory to write the settings to".into(),
        }
    }

    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let p = self.params.clone();
        let bypassed = p.bypass.value();

        // Header: name, pages, bypass state.
        ui.horizontal(|ui| {
            ui.label(RichText::new("HEADPHONE MONITOR").size(18.0).strong().color(theme::TEXT));
            ui.add_space(8.0);
            for (page, label) in [
                (Page::Monitor, "Monitor"),
                (Page::Listening, "Listening level"),
                (Page::Correction, "Correction"),
            ] {
                let selected = self.page == page;
                let button = egui::Button::new(RichText::new(label).size(theme::BODY_TEXT))
                    .fill(if selected { theme::ACCENT_DIM } else { theme::CONTROL_BG });
                if ui.add(button).clicked() {
                    self.page = page;
                }
            }
            let export = ui
                .small_button("Export…")
                .on_hover_text(self.export_message.as_deref().unwrap_or(
                    "Export settings: every parameter and the calibration, for \
                     `render --state FILE` (renders exactly what this instance does)",
                ));
            if export.clicked() {
                self.export_message = Some(self.export_settings());
            }
            if let Some(message) = &self.export_message {
                let ok = message.starts_with("Settings written");
                ui.label(
                    RichText::new(if ok { "saved" } else { "not saved" })
                        .size(theme::BODY_TEXT)
                        .color(if ok { theme::ACCENT } else { theme::OVER }),
                )
                .on_hover_text(message.as_str());
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                widgets::toggle(
                    ui,
                    &p.bypass,
                    setter,
                    if bypassed { "BYPASSED" } else { "Bypass" },
                    vec2(110.0, 26.0),
                    theme::OVER,
                    "Host bypass: the dry input, delayed by the same latency (crossfaded, click-free)",
                );
                widgets::toggle(
                    ui,
                    &p.monitor_only,
                    setter,
                    "Monitor only",
                    vec2(120.0, 26.0),
                    theme::ACCENT,
                    "On: while the host renders offline (an export or bounce) faster than real time, \
                     the audio passes through unprocessed, keeping its latency. Off: the processing \
                     is printed into the export on purpose",
                );
                // The controller's states a listener must never miss.
                for (on, text, color) in [
                    (p.mute.value(), "MUTE".to_owned(), theme::OVER),
                    (p.dim.value(), "DIM".to_owned(), theme::NEAR),
                ] {
                    if on {
                        let label = RichText::new(text).size(theme::BODY_TEXT).strong().color(theme::BACKGROUND);
                        ui.add(egui::Button::new(label).fill(color).sense(Sense::hover()));
                    }
                }
                if !p.limiter.value() && !bypassed {
                    ui.label(RichText::new("LIMITER OFF — UNPROTECTED").size(theme::BODY_TEXT).strong().color(theme::OVER));
                } else if let Some((text, severity)) =
                    format::render_status(self.meters.render_state(), self.meters.last_offline_state())
                {
                    let color = match severity {
                        format::Severity::Info => theme::ACCENT,
                        format::Severity::Notice => theme::NEAR,
                    };
                    ui.label(RichText::new(text).size(theme::SMALL_TEXT).strong().color(color));
                }
            });
        });
        ui.add_space(4.0);

        if self.page == Page::Listening {
            listening::draw(ui, &p, setter, &self.meters, &mut self.listening);
            return;
        }
        if self.page == Page::Correction {
            correction::draw(ui, &p, setter, &self.meters, &mut self.correction);
            return;
        }

        let ceiling_db = p.ceiling_db.value();
        let gap = ui.spacing().item_spacing.x;
        let total = ui.available_width();
        // Column widths: meters, monitor, gain, limiter, meters.
        let meter_w = 120.0;
        let rest = (total - 2.0 * meter_w - 4.0 * gap).max(400.0);
        let (monitor_w, gain_w, limiter_w) = (rest * 0.38, rest * 0.24, rest * 0.38);

        ui.horizontal_top(|ui| {
            ui.set_height(ui.available_height() - controller::ROW_HEIGHT - 12.0);
            let view = &mut self.view;
            section(ui, "INPUT", meter_w, |ui| level_column(ui, &mut view.input, ceiling_db, "in"));
            section(ui, "MONITOR", monitor_w, |ui| {
                let w = ui.available_width();
                widgets::segmented(
                    ui,
                    &p.mode,
                    setter,
                    &[
                        ("Stereo", "Stereo: left to left, right to right"),
                        ("Mono", "Mono: (L+R)/2 in both ears — centred content keeps its level, anti-phase content cancels"),
                        ("Side", "Side: (L−R)/2 in both ears — only what differs between the channels"),
                        ("L", "Left channel in both ears"),
                        ("R", "Right channel in both ears"),
                    ],
                    vec2(w, 30.0),
                );
                ui.add_space(6.0);
                widgets::toggle(
                    ui,
                    &p.swap,
                    setter,
                    if p.swap.value() { "L ⇄ R swapped" } else { "Swap L/R" },
                    vec2(w, 28.0),
                    theme::ACCENT,
                    "Swap left and right (after the mode), to check a balance your ears have adapted to",
                );
                ui.add_space(10.0);
                ui.label(RichText::new("Correlation").color(theme::TEXT_DIM));
                let (rect, _) = ui.allocate_exact_size(vec2(w, 16.0), Sense::hover());
                widgets::correlation_bar(ui, rect, view.correlation.value);
                ui.horizontal(|ui| {
                    ui.label(RichText::new("-1").size(theme::SMALL_TEXT).color(theme::TEXT_DIM));
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        ui.label(RichText::new("+1").size(theme::SMALL_TEXT).color(theme::TEXT_DIM));
                        ui.with_layout(Layout::top_down(Align::Center), |ui| {
                            ui.label(
                                RichText::new(format::correlation(view.correlation.value))
                                    .monospace()
                                    .size(theme::BODY_TEXT),
                            )
                            .on_hover_text("Stereo correlation of the output over 0.3 s: +1 mono-compatible, 0 wide, −1 cancels in mono");
                        });
                    });
                });
                ui.add_space(8.0);
                crossfeed_controls(ui, &p, setter, w);
            });
            section(ui, "OUTPUT GAIN", gain_w, |ui| {
                let w = ui.available_width();
                ui.add_space(20.0);
                widgets::param_bar(
                    ui,
                    &p.gain_db,
                    setter,
                    &BarStyle {
                        size: vec2(w, 64.0),
                        wheel_step: 0.5,
                        tooltip: "Output gain: −60 … +12 dB, −∞ at the bottom; default 0.0 dB",
                        text_size: theme::BIG_TEXT,
                        show_name: false,
                    },
                );
                ui.add_space(8.0);
                ui.label(RichText::new("Level into the limiter").size(theme::SMALL_TEXT).color(theme::TEXT_DIM));
                ui.add_space(12.0);
                for hint in [
                    "Drag · Shift: fine",
                    "Scroll: 0.5 dB steps",
                    "Double-click: 0.0 dB",
                    "Right-click: type a value",
                ] {
                    ui.label(RichText::new(hint).size(theme::SMALL_TEXT).color(theme::TEXT_DIM));
                }
            });
            section(ui, "LIMITER", limiter_w, |ui| {
                let w = ui.available_width();
                ui.horizontal(|ui| {
                    let on = p.limiter.value();
                    widgets::toggle(
                        ui,
                        &p.limiter,
                        setter,
                        if on { "Limiter ON" } else { "Limiter OFF" },
                        vec2(110.0, 28.0),
                        theme::LEVEL,
                        "True-peak safety limiter. Off is unsafe: nothing caps the level any more",
                    );
                    let lit = view.reduction.limiting() && on;
                    let (rect, _) = ui.allocate_exact_size(vec2(w - 118.0, 28.0), Sense::hover());
                    let (bg, fg) = if lit { (theme::REDUCTION, theme::BACKGROUND) } else { (theme::CONTROL_BG, theme::TEXT_DIM) };
                    ui.painter().rect_filled(rect, CornerRadius::same(4), bg);
                    ui.painter().text(rect.center(), Align2::CENTER_CENTER, "LIMITING", FontId::proportional(theme::BODY_TEXT), fg);
                });
                ui.add_space(6.0);
                let bar_w = w - 64.0;
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(bar_w);
                        widgets::param_bar(
                            ui,
                            &p.ceiling_db,
                            setter,
                            &BarStyle {
                                size: vec2(bar_w, 34.0),
                                wheel_step: 0.1,
                                tooltip: "Ceiling: −24 … 0 dBTP (strict true peak); default −1.0 dBTP",
                                text_size: theme::BODY_TEXT + 1.0,
                                show_name: true,
                            },
                        );
                        ui.add_space(6.0);
                        widgets::param_bar(
                            ui,
                            &p.release_ms,
                            setter,
                            &BarStyle {
                                size: vec2(bar_w, 34.0),
                                wheel_step: 5.0,
                                tooltip: "Release: 10 … 1000 ms (up to 4× faster after a short peak); default 60 ms",
                                text_size: theme::BODY_TEXT + 1.0,
                                show_name: true,
                            },
                        );
                        ui.add_space(6.0);
                        widgets::segmented(
                            ui,
                            &p.latency,
                            setter,
                            &[
                                ("Exact", "Latency Exact: strict true peak at or under the ceiling, audio under it untouched; 5.5 ms of delay at 48 kHz, which the host compensates"),
                                ("Low", "Latency Low: 1.5 ms of delay, for recording through the bus with true-peak protection; strict true peak at or under the ceiling, audio from about 0.3 dB under it reduced (see the manual)"),
                                ("Zero", "Latency Zero: no delay, for recording through the bus; every sample at or under the ceiling, inter-sample peaks not guaranteed (see the manual)"),
                            ],
                            vec2(bar_w, 24.0),
                        );
                        ui.add_space(6.0);
                        ui.label(RichText::new("Max reduction").size(theme::SMALL_TEXT).color(theme::TEXT_DIM));
                        if widgets::readout(
                            ui,
                            &format::reduction(view.reduction.reduction.max_db),
                            theme::REDUCTION,
                            "Largest gain reduction since the last click (click to reset)",
                        ) {
                            view.reduction.reduction.reset_max();
                        }
                        ui.label(RichText::new("Now").size(theme::SMALL_TEXT).color(theme::TEXT_DIM));
                        ui.label(
                            RichText::new(format::reduction(view.reduction.reduction.bar_db))
                                .monospace()
                                .size(theme::SMALL_TEXT + 1.0),
                        );
                    });
                    // Gain-reduction meter with its scale.
                    let h = ui.available_height() - 4.0;
                    let (scale, _) = ui.allocate_exact_size(vec2(18.0, h), Sense::hover());
                    widgets::reduction_scale(ui, scale.shrink2(vec2(0.0, 6.0)));
                    let (bar, _) = ui.allocate_exact_size(vec2(22.0, h), Sense::hover());
                    widgets::reduction_bar(ui, bar.shrink2(vec2(0.0, 6.0)), &view.reduction);
                });
            });
            section(ui, "OUTPUT", meter_w, |ui| level_column(ui, &mut view.output, ceiling_db, "out"));
        });
        ui.add_space(4.0);
        controller::draw(ui, &p, setter, &self.meters, &mut self.loudness);

        if bypassed {
            // Make the bypass state impossible to miss.
            let rect = ui.max_rect();
            ui.painter().rect_stroke(
                rect.shrink(1.0),
                CornerRadius::same(6),
                Stroke::new(3.0, theme::OVER),
                StrokeKind::Inside,
            );
        }
    }
}

/// Two level bars (L, R) with a scale, the ceiling mark, and clickable max readouts.
fn level_column(ui: &mut Ui, meters: &mut [LevelMeter; 2], ceiling_db: f32, which: &str) {
    let readout_h = 74.0;
    let h = (ui.available_height() - readout_h).max(80.0);
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        let (scale, _) = ui.allocate_exact_size(vec2(20.0, h), Sense::hover());
        widgets::level_scale(ui, scale.shrink2(vec2(0.0, 6.0)));
        for meter in meters.iter() {
            let (rect, _) = ui.allocate_exact_size(vec2(28.0, h), Sense::hover());
            widgets::level_bar(ui, rect.shrink2(vec2(0.0, 6.0)), meter, ceiling_db);
        }
    });
    let tp_tip = format!("Highest true peak ({which}, 4× oversampled per ITU-R BS.1770-4) since the last click; click to reset");
    let sp_tip = format!("Highest sample peak ({which}) since the last click; click to reset");
    let mut reset = false;
    for (name, meter) in ["L", "R"].iter().zip(meters.iter()) {
        let tp = meter.true_peak.max_db;
        let color = if tp > ceiling_db + 0.05 {
            theme::OVER
        } else {
            theme::TEXT
        };
        reset |= widgets::readout(
            ui,
            &format!("{name} {}", widgets::level_text(tp, "TP")),
            color,
            &tp_tip,
        );
        reset |= widgets::readout(
            ui,
            &format!("  {}", widgets::level_text(meter.sample_peak.max_db, "pk")),
            theme::TEXT_DIM,
            &sp_tip,
        );
    }
    if reset {
        for meter in meters.iter_mut() {
            meter.reset_max();
        }
    }
    let _ = Color32::TRANSPARENT;
}
