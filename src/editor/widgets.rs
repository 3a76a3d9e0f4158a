//! The editor's widgets: parameter controls that behave the way users' hands
//! expect, and meter drawings. Parameter widgets talk to the host only through
//! nice-plug's `ParamSetter`, always inside a begin/end gesture, so automation
//! writes cleanly.

use egui::{
    pos2, vec2, Align2, Color32, CornerRadius, FontId, Id, Key, Rect, Response, Sense, Stroke,
    StrokeKind, TextEdit, Ui,
};
use nice_plug::prelude::{BoolParam, Enum, EnumParam, FloatParam, Param, ParamSetter};

use super::ballistics::{LevelMeter, ReductionMeter};
use super::format;
use super::theme;

/// Drag distance for a full sweep of a parameter, in points.
const FULL_SWEEP_POINTS: f32 = 300.0;
/// Shift-drag and shift-scroll divide the change by this.
const FINE_FACTOR: f32 = 10.0;

/// How a parameter bar looks and steps.
pub struct BarStyle<'a> {
    /// Size of the bar, in points.
    pub size: egui::Vec2,
    /// Mouse-wheel step, in the parameter's own units (shift: a tenth).
    pub wheel_step: f32,
    /// Tooltip: what it is, unit and range.
    pub tooltip: &'a str,
    /// Font size of the value text, in points.
    pub text_size: f32,
    /// Whether the parameter's name is drawn inside the bar (off when a heading names it).
    pub show_name: bool,
}

/// A horizontal parameter bar: drag (shift for fine), double-click or ctrl-click to
/// reset, mouse wheel to step, right-click (or click the value while holding alt)
/// to type a value. Shows the name and the value the host currently holds.
pub fn param_bar(
    ui: &mut Ui,
    param: &FloatParam,
    setter: &ParamSetter,
    style: &BarStyle,
) -> Response {
    let id = Id::unique(("param_bar", param.name()));
    let editing_id = id.with("editing");
    let editing: Option<String> = ui.data(|d| d.get_temp(editing_id));
    if let Some(mut text) = editing {
        // Text entry replaces the bar until Enter (apply) or Escape / focus loss (cancel).
        let response = ui.add_sized(
            style.size,
            TextEdit::singleline(&mut text).font(FontId::proportional(style.text_size)),
        );
        response.request_focus();
        if ui.input(|i| i.key_pressed(Key::Enter)) {
            if let Some(normalized) = param.string_to_normalized_value(&text) {
                setter.begin_set_parameter(param);
                setter.set_parameter_normalized(param, normalized);
                setter.end_set_parameter(param);
            }
            ui.data_mut(|d| d.remove::<String>(editing_id));
        } else if ui.input(|i| i.key_pressed(Key::Escape)) || response.lost_focus() {
            ui.data_mut(|d| d.remove::<String>(editing_id));
        } else {
            ui.data_mut(|d| d.insert_temp(editing_id, text));
        }
        return response;
    }

    let (rect, mut response) = ui.allocate_exact_size(style.size, Sense::click_and_drag());
    let fine = ui.input(|i| i.modifiers.shift);
    let reset_click =
        response.double_clicked() || (response.clicked() && ui.input(|i| i.modifiers.command));
    let type_click =
        response.secondary_clicked() || (response.clicked() && ui.input(|i| i.modifiers.alt));

    if reset_click {
        setter.begin_set_parameter(param);
        setter.set_parameter_normalized(param, param.default_normalized_value());
        setter.end_set_parameter(param);
        response.mark_changed();
    } else if type_click {
        let current = param.normalized_value_to_string(param.unmodulated_normalized_value(), false);
        ui.data_mut(|d| d.insert_temp(editing_id, current));
    } else if response.drag_started() {
        setter.begin_set_parameter(param);
        ui.data_mut(|d| d.insert_temp(id.with("drag"), param.unmodulated_normalized_value()));
    }
    if response.dragged() {
        let delta = response.drag_delta();
        let mut change = (delta.x - delta.y) / FULL_SWEEP_POINTS;
        if fine {
            change /= FINE_FACTOR;
        }
        // Accumulate in unquantised normalized units, so slow fine drags still move.
        let start: f32 = ui.data(|d| d.get_temp(id.with("drag"))).unwrap_or(0.0);
        let next = (start + change).clamp(0.0, 1.0);
        ui.data_mut(|d| d.insert_temp(id.with("drag"), next));
        setter.set_parameter_normalized(param, next);
        response.mark_changed();
    }
    if response.drag_stopped() {
        setter.end_set_parameter(param);
    }
    if response.hovered() {
        // One step per wheel event (notch), in the direction of the wheel.
        let scroll: f32 = ui.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::MouseWheel { delta, .. } if delta.y != 0.0 => {
                        Some(delta.y.signum())
                    }
                    _ => None,
                })
                .sum()
        });
        if scroll != 0.0 {
            let step = if fine {
                style.wheel_step / FINE_FACTOR
            } else {
                style.wheel_step
            };
            let plain = param.unmodulated_plain_value() + step * scroll;
            setter.begin_set_parameter(param);
            setter.set_parameter_normalized(param, param.preview_normalized(plain));
            setter.end_set_parameter(param);
            response.mark_changed();
        }
    }

    // Drawing: track, fill up to the value, a default tick, name and value text.
    let painter = ui.painter_at(rect);
    let hovered = response.hovered() || response.dragged();
    painter.rect_filled(rect, CornerRadius::same(4), theme::CONTROL_BG);
    let normalized = param.modulated_normalized_value().clamp(0.0, 1.0);
    let fill = Rect::from_min_max(
        rect.min,
        pos2(rect.left() + rect.width() * normalized, rect.bottom()),
    );
    painter.rect_filled(fill, CornerRadius::same(4), theme::ACCENT_DIM);
    let default_x = rect.left() + rect.width() * param.default_normalized_value();
    painter.line_segment(
        [
            pos2(default_x, rect.top() + 2.0),
            pos2(default_x, rect.top() + 6.0),
        ],
        Stroke::new(1.0, theme::TEXT_DIM),
    );
    outline(&painter, rect, hovered);
    let value_anchor = if style.show_name {
        painter.text(
            pos2(rect.left() + 8.0, rect.center().y),
            Align2::LEFT_CENTER,
            param.name(),
            FontId::proportional(theme::SMALL_TEXT.max(style.text_size * 0.8)),
            theme::TEXT_DIM,
        );
        (
            pos2(rect.right() - 8.0, rect.center().y),
            Align2::RIGHT_CENTER,
        )
    } else {
        (rect.center(), Align2::CENTER_CENTER)
    };
    painter.text(
        value_anchor.0,
        value_anchor.1,
        param.normalized_value_to_string(normalized, true),
        FontId::proportional(style.text_size),
        theme::TEXT,
    );
    response.on_hover_text(format!(
        "{}\nDrag (Shift: fine) · scroll to step · double-click or Ctrl-click: default · right-click: type a value",
        style.tooltip
    ))
}

/// A control's outline: accent while hovered, a quiet border otherwise.
fn outline(painter: &egui::Painter, rect: Rect, hovered: bool) {
    let color = if hovered {
        theme::ACCENT
    } else {
        theme::BORDER
    };
    painter.rect_stroke(
        rect,
        CornerRadius::same(4),
        Stroke::new(1.0, color),
        StrokeKind::Inside,
    );
}

/// A toggle button for a boolean parameter, lit in `on_color` when on.
pub fn toggle(
    ui: &mut Ui,
    param: &BoolParam,
    setter: &ParamSetter,
    label: &str,
    size: egui::Vec2,
    on_color: Color32,
    tooltip: &str,
) -> Response {
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    let on = param.value();
    if response.clicked() {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, !on);
        setter.end_set_parameter(param);
    }
    let painter = ui.painter_at(rect);
    let (bg, fg) = if on {
        (on_color, theme::BACKGROUND)
    } else {
        (theme::CONTROL_BG, theme::TEXT)
    };
    painter.rect_filled(rect, CornerRadius::same(4), bg);
    outline(&painter, rect, response.hovered());
    painter.text(
        rect.center(),
        Align2::CENTER_CENTER,
        label,
        FontId::proportional(theme::BODY_TEXT),
        fg,
    );
    response.on_hover_text(tooltip)
}

/// A segmented selector: one button per enum variant, one click to choose.
pub fn segmented<E: Enum + PartialEq + 'static>(
    ui: &mut Ui,
    param: &EnumParam<E>,
    setter: &ParamSetter,
    labels: &[(&str, &str)],
    size: egui::Vec2,
) {
    let variants = E::variants();
    let current = param.value().to_index();
    let labels = &labels[..labels.len().min(variants.len())];
    // Segment widths follow the label lengths, so "Stereo" fits as well as "L".
    let weight = |label: &str| label.chars().count() as f32 + 3.0;
    let total_weight: f32 = labels.iter().map(|(l, _)| weight(l)).sum();
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let mut left = rect.left();
    for (index, (label, tooltip)) in labels.iter().enumerate() {
        let width = size.x * weight(label) / total_weight;
        let cell = Rect::from_min_size(pos2(left, rect.top()), vec2(width, size.y));
        left += width;
        let response = ui.interact(
            cell,
            Id::unique(("segment", param.name(), index)),
            Sense::click(),
        );
        if response.clicked() && index != current {
            setter.begin_set_parameter(param);
            setter.set_parameter(param, E::from_index(index));
            setter.end_set_parameter(param);
        }
        let selected = index == current;
        let painter = ui.painter_at(cell);
        let bg = if selected {
            theme::ACCENT
        } else {
            theme::CONTROL_BG
        };
        let fg = if selected {
            theme::BACKGROUND
        } else {
            theme::TEXT
        };
        painter.rect_filled(cell.shrink2(vec2(1.0, 0.0)), CornerRadius::same(4), bg);
        if response.hovered() && !selected {
            painter.rect_stroke(
                cell.shrink2(vec2(1.0, 0.0)),
                CornerRadius::same(4),
                Stroke::new(1.0, theme::ACCENT),
                StrokeKind::Inside,
            );
        }
        painter.text(
            cell.center(),
            Align2::CENTER_CENTER,
            *label,
            FontId::proportional(theme::BODY_TEXT),
            fg,
        );
        response.on_hover_text(*tooltip);
    }
}

/// Position of a level on the meter scale, 0 (bottom, −60 dB or less) … 1 (0 dB or more).
/// Piecewise linear and expanded towards the top, where mixing decisions are made:
/// −60…−30 dB take the lowest fifth, −30…−12 dB the next 30 %, −12…0 dB the top half.
pub fn meter_fraction(level_db: f32) -> f32 {
    const KNEES: [(f32, f32); 4] = [(-60.0, 0.0), (-30.0, 0.2), (-12.0, 0.5), (0.0, 1.0)];
    if level_db.is_nan() || level_db <= KNEES[0].0 {
        return 0.0;
    }
    if level_db >= 0.0 {
        return 1.0;
    }
    for pair in KNEES.windows(2) {
        let ((db0, f0), (db1, f1)) = (pair[0], pair[1]);
        if level_db <= db1 {
            return f0 + (f1 - f0) * (level_db - db0) / (db1 - db0);
        }
    }
    1.0
}

/// Scale marks of the level meters, in dB.
pub const LEVEL_MARKS_DB: [f32; 10] = [
    0.0, -3.0, -6.0, -9.0, -12.0, -18.0, -24.0, -30.0, -40.0, -60.0,
];

/// Draws the dB scale beside a level meter in `rect`.
pub fn level_scale(ui: &Ui, rect: Rect) {
    let painter = ui.painter_at(rect.expand(8.0));
    for mark in LEVEL_MARKS_DB {
        let y = rect.bottom() - rect.height() * meter_fraction(mark);
        painter.text(
            pos2(rect.right(), y),
            Align2::RIGHT_CENTER,
            format!("{}", mark.abs() as i32),
            FontId::proportional(theme::SMALL_TEXT),
            theme::TEXT_DIM,
        );
    }
}

/// Draws one channel's level bar: true peak as the bar (green, yellow within 3 dB of
/// the ceiling, red above it), the sample peak as a white tick, the hold as a line,
/// and the ceiling as an orange mark.
pub fn level_bar(ui: &Ui, rect: Rect, meter: &LevelMeter, ceiling_db: f32) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::same(2), theme::METER_BG);
    let y = |db: f32| rect.bottom() - rect.height() * meter_fraction(db);
    let true_peak = meter.true_peak.bar_db;
    let color = if true_peak > ceiling_db + 0.05 {
        theme::OVER
    } else if true_peak > ceiling_db - 3.0 {
        theme::NEAR
    } else {
        theme::LEVEL
    };
    if true_peak > -60.0 {
        painter.rect_filled(
            Rect::from_min_max(pos2(rect.left(), y(true_peak)), rect.max),
            CornerRadius::ZERO,
            color,
        );
    }
    if meter.sample_peak.bar_db > -60.0 {
        let ys = y(meter.sample_peak.bar_db);
        painter.line_segment(
            [pos2(rect.left(), ys), pos2(rect.right(), ys)],
            Stroke::new(1.5, theme::TEXT),
        );
    }
    if meter.true_peak.hold_db > -60.0 {
        let yh = y(meter.true_peak.hold_db);
        painter.line_segment(
            [pos2(rect.left(), yh), pos2(rect.right(), yh)],
            Stroke::new(2.0, color),
        );
    }
    for mark in LEVEL_MARKS_DB {
        let ym = y(mark);
        painter.line_segment(
            [pos2(rect.left(), ym), pos2(rect.left() + 3.0, ym)],
            Stroke::new(1.0, theme::BORDER),
        );
    }
    let yc = y(ceiling_db);
    painter.line_segment(
        [pos2(rect.left() - 2.0, yc), pos2(rect.right() + 2.0, yc)],
        Stroke::new(1.5, theme::CEILING),
    );
}

/// Draws the gain-reduction bar (growing down from 0 dB to −[`REDUCTION_RANGE_DB`]).
pub fn reduction_bar(ui: &Ui, rect: Rect, meter: &ReductionMeter) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::same(2), theme::METER_BG);
    let fraction = |db: f32| (db / REDUCTION_RANGE_DB).clamp(0.0, 1.0);
    let bar = fraction(meter.reduction.bar_db);
    if bar > 0.0 {
        painter.rect_filled(
            Rect::from_min_max(
                rect.min,
                pos2(rect.right(), rect.top() + rect.height() * bar),
            ),
            CornerRadius::ZERO,
            theme::REDUCTION,
        );
    }
    let hold = fraction(meter.reduction.hold_db);
    if hold > 0.0 {
        let yh = rect.top() + rect.height() * hold;
        painter.line_segment(
            [pos2(rect.left(), yh), pos2(rect.right(), yh)],
            Stroke::new(2.0, theme::REDUCTION),
        );
    }
    for mark in REDUCTION_MARKS_DB {
        let ym = rect.top() + rect.height() * fraction(mark);
        painter.line_segment(
            [pos2(rect.left(), ym), pos2(rect.left() + 3.0, ym)],
            Stroke::new(1.0, theme::BORDER),
        );
    }
}

/// Full scale of the gain-reduction meter, in dB.
pub const REDUCTION_RANGE_DB: f32 = 24.0;
/// Scale marks of the gain-reduction meter, in dB of reduction.
pub const REDUCTION_MARKS_DB: [f32; 6] = [0.0, 3.0, 6.0, 12.0, 18.0, 24.0];

/// Draws the scale beside the gain-reduction meter.
pub fn reduction_scale(ui: &Ui, rect: Rect) {
    let painter = ui.painter_at(rect.expand(8.0));
    for mark in REDUCTION_MARKS_DB {
        let y = rect.top() + rect.height() * (mark / REDUCTION_RANGE_DB);
        painter.text(
            pos2(rect.right(), y),
            Align2::RIGHT_CENTER,
            format!("{}", mark as i32),
            FontId::proportional(theme::SMALL_TEXT),
            theme::TEXT_DIM,
        );
    }
}

/// Draws the correlation meter: −1 (left, red) … 0 … +1 (right, green).
pub fn correlation_bar(ui: &Ui, rect: Rect, value: Option<f32>) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::same(2), theme::METER_BG);
    let x = |c: f32| rect.center().x + rect.width() * 0.5 * c.clamp(-1.0, 1.0);
    if let Some(c) = value.filter(|c| c.is_finite()) {
        let (a, b) = if c >= 0.0 {
            (x(0.0), x(c))
        } else {
            (x(c), x(0.0))
        };
        let color = if c < 0.0 { theme::OVER } else { theme::LEVEL };
        painter.rect_filled(
            Rect::from_x_y_ranges(a..=b.max(a + 2.0), rect.y_range()),
            CornerRadius::ZERO,
            color,
        );
    }
    for mark in [-1.0f32, -0.5, 0.0, 0.5, 1.0] {
        let xm = x(mark);
        painter.line_segment(
            [pos2(xm, rect.top()), pos2(xm, rect.top() + 3.0)],
            Stroke::new(1.0, theme::TEXT_DIM),
        );
    }
}

/// A clickable numeric readout; returns true when clicked (to reset a maximum).
pub fn readout(ui: &mut Ui, text: &str, color: Color32, tooltip: &str) -> bool {
    let label = egui::Label::new(
        egui::RichText::new(text)
            .color(color)
            .size(theme::SMALL_TEXT + 1.0)
            .monospace(),
    )
    .sense(Sense::click());
    ui.add(label).on_hover_text(tooltip).clicked()
}

/// Formats a level readout with its unit.
pub fn level_text(level_db: f32, unit: &str) -> String {
    format::db_with_unit(level_db, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_scale_is_monotonic_and_pinned_at_its_ends() {
        assert_eq!(meter_fraction(f32::NEG_INFINITY), 0.0);
        assert_eq!(meter_fraction(f32::NAN), 0.0);
        assert_eq!(meter_fraction(-60.0), 0.0);
        assert_eq!(meter_fraction(0.0), 1.0);
        assert_eq!(meter_fraction(6.0), 1.0);
        assert!((meter_fraction(-12.0) - 0.5).abs() < 1e-6);
        let mut last = 0.0;
        for tenth in -600..=0 {
            let f = meter_fraction(tenth as f32 / 10.0);
            assert!(f >= last, "{tenth}");
            last = f;
        }
    }
}
