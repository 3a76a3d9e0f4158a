//! The monitor-controller row of the Monitor page: the big buttons of a hardware
//! controller (Dim, Mute, Ø L, Ø R), the per-ear trims, mono below a frequency, and the
//! loudness meter (momentary, short-term, integrated, range, with a reset).

use egui::{vec2, Align, Layout, RichText, Ui};
use nice_plug::prelude::{FloatParam, ParamSetter};

use super::widgets::{self, BarStyle};
use super::{section, theme};
use crate::loudness::{LoudnessMeter, Reading};
use crate::meters::SharedMeters;
use crate::params::MonitorParams;

/// Height of the row, in points.
pub const ROW_HEIGHT: f32 = 136.0;

/// A labelled parameter bar (the label above it: the host-facing names are long).
fn labelled_bar(
    ui: &mut Ui,
    param: &FloatParam,
    setter: &ParamSetter,
    label: &str,
    w: f32,
    tooltip: &str,
    wheel_step: f32,
) {
    ui.vertical(|ui| {
        ui.set_width(w);
        ui.spacing_mut().item_spacing.y = 2.0;
        ui.label(
            RichText::new(label)
                .size(theme::SMALL_TEXT)
                .color(theme::TEXT_DIM),
        );
        widgets::param_bar(
            ui,
            param,
            setter,
            &BarStyle {
                size: vec2(w, 28.0),
                wheel_step,
                tooltip,
                text_size: theme::BODY_TEXT,
                show_name: false,
            },
        );
    });
}

/// Draws the row: controller, then loudness.
pub fn draw(
    ui: &mut Ui,
    p: &MonitorParams,
    setter: &ParamSetter,
    meters: &SharedMeters,
    loudness: &mut LoudnessMeter,
) {
    let total = ui.available_width();
    let gap = ui.spacing().item_spacing.x;
    let loudness_w = 330.0;
    let controller_w = total - loudness_w - gap;
    ui.horizontal_top(|ui| {
        ui.set_height(ROW_HEIGHT);
        section(ui, "MONITOR CONTROLLER", controller_w, |ui| {
            let w = ui.available_width();
            let button = vec2((w - 4.0 * 6.0) / 5.0, 36.0);
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 6.0;
                let dim_db = p.dim_db.value();
                widgets::toggle(
                    ui,
                    &p.dim,
                    setter,
                    &format!("DIM {dim_db:.0} dB"),
                    button,
                    theme::NEAR,
                    "Dim: lower the level by the dim amount (−40 … 0 dB, default −20 dB), \
                     gliding over 20 ms; before the limiter",
                );
                widgets::toggle(
                    ui,
                    &p.mute,
                    setter,
                    "MUTE",
                    button,
                    theme::OVER,
                    "Mute: exact silence before the limiter (a 20 ms fade). An export with \
                     Monitor only still passes through",
                );
                widgets::toggle(
                    ui,
                    &p.invert_left,
                    setter,
                    "Ø L",
                    button,
                    theme::ACCENT,
                    "Invert the polarity of the input's left channel (before the mode). \
                     Ø L + Mono is the polarity check: a centred source cancels",
                );
                widgets::toggle(
                    ui,
                    &p.invert_right,
                    setter,
                    "Ø R",
                    button,
                    theme::ACCENT,
                    "Invert the polarity of the input's right channel (before the mode)",
                );
                widgets::toggle(
                    ui,
                    &p.bass_mono,
                    setter,
                    "MONO BELOW",
                    button,
                    theme::ACCENT,
                    "Mono below the frequency: the side is high-passed (6th-order), the mid \
                     untouched — the low end in mono, the image above unchanged",
                );
            });
            ui.add_space(8.0);
            let quarter = (w - 3.0 * 6.0) / 4.0;
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 6.0;
                labelled_bar(
                    ui,
                    &p.trim_left_db,
                    setter,
                    "Trim L (left ear)",
                    quarter,
                    "Left-ear trim: −12 … +12 dB in 0.1 dB steps, default 0 dB (after the mode: it corrects the ear, not the channel)",
                    0.1,
                );
                labelled_bar(
                    ui,
                    &p.trim_right_db,
                    setter,
                    "Trim R (right ear)",
                    quarter,
                    "Right-ear trim: −12 … +12 dB in 0.1 dB steps, default 0 dB. Play the channel check and trim until both ears sound equally loud",
                    0.1,
                );
                labelled_bar(
                    ui,
                    &p.dim_db,
                    setter,
                    "Dim amount",
                    quarter,
                    "Dim amount: −40 … 0 dB, default −20 dB",
                    1.0,
                );
                labelled_bar(
                    ui,
                    &p.bass_mono_hz,
                    setter,
                    "Mono below",
                    quarter,
                    "Mono-below frequency: 20 … 500 Hz, default 120 Hz",
                    5.0,
                );
            });
        });
        section(ui, "LOUDNESS (EBU R128)", loudness_w - 20.0, |ui| {
            loudness_panel(ui, meters, loudness);
        });
    });
}

fn lufs(value: Option<f64>) -> String {
    value.map_or("  –  ".to_owned(), |v| format!("{v:6.1}"))
}

fn loudness_panel(ui: &mut Ui, meters: &SharedMeters, loudness: &mut LoudnessMeter) {
    let r: Reading = loudness.reading();
    let row = |ui: &mut Ui, name: &str, value: Option<f64>, unit: &str, tip: &str| {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(name)
                    .size(theme::SMALL_TEXT)
                    .color(theme::TEXT_DIM),
            )
            .on_hover_text(tip);
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                ui.label(
                    RichText::new(unit)
                        .size(theme::SMALL_TEXT)
                        .color(theme::TEXT_DIM),
                );
                ui.label(
                    RichText::new(lufs(value))
                        .monospace()
                        .size(theme::BODY_TEXT),
                );
            });
        });
    };
    ui.columns(2, |cols| {
        cols[0].spacing_mut().item_spacing.y = 1.0;
        cols[1].spacing_mut().item_spacing.y = 1.0;
        row(
            &mut cols[0],
            "Momentary",
            r.momentary,
            "LUFS",
            "400 ms window (ITU-R BS.1770-4)",
        );
        row(
            &mut cols[0],
            "Short-term",
            r.short_term,
            "LUFS",
            "3 s window",
        );
        row(
            &mut cols[0],
            "Integrated",
            r.integrated,
            "LUFS",
            "Gated, since the reset (while the editor is open)",
        );
        row(
            &mut cols[1],
            "Max M",
            r.momentary_max,
            "LUFS",
            "Largest momentary loudness since the reset",
        );
        row(
            &mut cols[1],
            "Max S",
            r.short_term_max,
            "LUFS",
            "Largest short-term loudness since the reset",
        );
        row(
            &mut cols[1],
            "Range",
            r.range,
            "LU",
            "Loudness range (EBU Tech 3342) since the reset",
        );
    });
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        if ui.small_button("Reset").on_hover_text("Start the integrated loudness, range and maxima again").clicked() {
            loudness.reset(&meters.loudness);
        }
        let minutes = r.seconds / 60.0;
        ui.label(
            RichText::new(format!("{:.0}:{:02.0} measured", minutes.floor(), r.seconds % 60.0))
                .size(theme::SMALL_TEXT)
                .color(theme::TEXT_DIM),
        )
        .on_hover_text("Measured while the editor is open: nothing of the meter runs on the audio thread while it is closed");
        if loudness.dropped_frames(&meters.loudness) > 0 {
            ui.label(RichText::new("gap").size(theme::SMALL_TEXT).color(theme::NEAR))
                .on_hover_text("The editor fell more than 2 s behind and some audio was not measured");
        }
    });
}
