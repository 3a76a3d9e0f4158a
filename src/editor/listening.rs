//! The "Listening level" page: calibration, the A-weighted level at the ear, the weekly sound
//! dose (ITU-T H.870), protection, the SPL ceiling and the test signals.
//!
//! Every SPL figure needs a calibration; until there is one the page says "not calibrated"
//! and shows no number.

use std::sync::atomic::Ordering;

use egui::{vec2, Color32, CornerRadius, DragValue, RichText, Ui};
use nice_plug::prelude::ParamSetter;

use super::theme;
use super::widgets::{self, BarStyle};
use crate::dsp::listening::calibration::{
    self, Calibration, ChainCalibration, LevelUnit, SensitivityUnit,
};
use crate::dsp::listening::{self, dose};
use crate::history::History;
use crate::meters::SharedMeters;
use crate::params::MonitorParams;

/// The page's own state (GUI thread).
#[derive(Debug, Default)]
pub struct ListeningView {
    /// Σ y² per ear and frames gathered for the current 1 s window.
    window_sums: [f64; 2],
    window_frames: u64,
    window_time_s: f32,
    /// LAeq over the last complete second, in dB SPL.
    pub laeq_1s: Option<f64>,
    /// Highest 1 s LAeq since this instance started, in dB SPL.
    pub laeq_max: Option<f64>,
    /// The meter reading typed while the calibration noise plays, in dB SPL.
    noise_reading: f64,
}

impl ListeningView {
    /// Starts afresh when the window (re)opens: the sums the audio thread gathered while
    /// it was closed are discarded, so the first "LAeq 1 s" covers one second of what is
    /// playing now, not the whole time the editor was closed.
    pub fn restart(&mut self, meters: &SharedMeters) {
        let _ = meters.take_listening();
        self.window_sums = [0.0; 2];
        self.window_frames = 0;
        self.window_time_s = 0.0;
        self.laeq_1s = None;
    }

    /// Gathers the A-weighted sums since the last frame; completes a window every second.
    pub fn update(&mut self, meters: &SharedMeters, full_scale_spl: Option<f64>, dt_s: f32) {
        let (sums, frames) = meters.take_listening();
        self.window_sums[0] += sums[0];
        self.window_sums[1] += sums[1];
        self.window_frames += frames;
        self.window_time_s += dt_s.max(0.0);
        if self.window_time_s >= 1.0 {
            self.laeq_1s = match (full_scale_spl, self.window_frames) {
                (Some(spl), n) if n > 0 => {
                    let louder = self.window_sums[0].max(self.window_sums[1]);
                    Some(listening::level_db_spl(louder / n as f64, spl))
                }
                _ => None,
            };
            if let Some(level) = self.laeq_1s.filter(|l| l.is_finite()) {
                self.laeq_max = Some(self.laeq_max.map_or(level, |m| m.max(level)));
            }
            self.window_sums = [0.0; 2];
            self.window_frames = 0;
            self.window_time_s = 0.0;
        }
    }
}

/// "1 h 05 min", "12 min", "< 1 min", "more than a week".
pub fn duration_text(hours: f64) -> String {
    if !hours.is_finite() || hours > 7.0 * 24.0 {
        return "more than a week".to_owned();
    }
    let minutes = (hours * 60.0).round() as u64;
    match minutes {
        0 => "< 1 min".to_owned(),
        m if m < 60 => format!("{m} min"),
        m => format!("{} h {:02} min", m / 60, m % 60),
    }
}

/// A dose percentage: two decimals below 1 %, one below 100 %, none above.
pub fn percent_text(percent: f64) -> String {
    if !percent.is_finite() || percent < 0.0 {
        "—".to_owned()
    } else if percent < 1.0 {
        format!("{percent:.2} %")
    } else if percent < 100.0 {
        format!("{percent:.1} %")
    } else {
        format!("{percent:.0} %")
    }
}

/// A level in dB SPL with one decimal, "—" for none or silence.
pub fn spl_text(level: Option<f64>) -> String {
    match level {
        Some(l) if l.is_finite() => format!("{l:.1} dB(A)"),
        _ => "—".to_owned(),
    }
}

fn small(ui: &mut Ui, text: impl Into<String>) -> egui::Response {
    ui.label(
        RichText::new(text)
            .size(theme::SMALL_TEXT)
            .color(theme::TEXT_DIM),
    )
}

/// Draws the page into three columns.
pub fn draw(
    ui: &mut Ui,
    p: &MonitorParams,
    setter: &ParamSetter,
    meters: &SharedMeters,
    view: &mut ListeningView,
) {
    let gap = ui.spacing().item_spacing.x;
    let w = (ui.available_width() - 2.0 * gap) / 3.0;
    let spl = p.full_scale_spl();
    ui.horizontal_top(|ui| {
        ui.set_height(ui.available_height() - 4.0);
        super::section(ui, "CALIBRATION", w, |ui| calibration_column(ui, p, view));
        super::section(ui, "LEVEL AT THE EAR", w, |ui| {
            level_column(ui, p, setter, meters, view, spl)
        });
        super::section(ui, "TEST SIGNALS · SPL CEILING", w, |ui| {
            signals_column(ui, p, setter, meters, spl)
        });
    });
}

fn calibration_column(ui: &mut Ui, p: &MonitorParams, view: &mut ListeningView) {
    let current = p.calibration.get();
    let mut next = current;
    let w = ui.available_width();
    ui.horizontal(|ui| {
        for (label, value) in [
            ("None", Calibration::None),
            (
                "From chain",
                Calibration::Chain(ChainCalibration::default()),
            ),
            (
                "Measured",
                Calibration::Measured {
                    full_scale_spl: 100.0,
                },
            ),
        ] {
            let selected = std::mem::discriminant(&current) == std::mem::discriminant(&value);
            let button = egui::Button::new(RichText::new(label).size(theme::SMALL_TEXT))
                .fill(if selected {
                    theme::ACCENT_DIM
                } else {
                    theme::CONTROL_BG
                })
                .min_size(vec2((w - 8.0) / 3.0 - 1.0, 24.0));
            if ui.add(button).clicked() && !selected {
                next = value;
            }
        }
    });
    ui.add_space(6.0);
    match &mut next {
        Calibration::None => {
            small(ui, "Not calibrated: no level at the ear is shown and no");
            small(ui, "sound dose is counted. Describe your playback chain,");
            small(ui, "or measure with the calibration noise.");
        }
        Calibration::Chain(chain) => {
            ui.horizontal_wrapped(|ui| {
                for (label, level, unit) in ChainCalibration::INTERFACE_PRESETS {
                    let short = label.split(' ').take(2).collect::<Vec<_>>().join(" ");
                    if ui
                        .small_button(short)
                        .on_hover_text(format!("Interface output at 0 dBFS: {label}"))
                        .clicked()
                    {
                        chain.interface_level = level;
                        chain.interface_unit = unit;
                    }
                }
            });
            egui::Grid::new("chain").num_columns(2).show(ui, |ui| {
                ui.label("Interface at 0 dBFS");
                ui.horizontal(|ui| {
                    ui.add(
                        DragValue::new(&mut chain.interface_level)
                            .speed(0.1)
                            .range(-40.0..=30.0),
                    );
                    ui.selectable_value(&mut chain.interface_unit, LevelUnit::Dbu, "dBu");
                    ui.selectable_value(&mut chain.interface_unit, LevelUnit::Dbv, "dBV");
                });
                ui.end_row();
                ui.label("Amplifier gain");
                ui.add(
                    DragValue::new(&mut chain.amp_gain_db)
                        .speed(0.1)
                        .range(-40.0..=40.0)
                        .suffix(" dB"),
                );
                ui.end_row();
                ui.label("Sensitivity (dB SPL)");
                ui.horizontal(|ui| {
                    ui.add(
                        DragValue::new(&mut chain.sensitivity)
                            .speed(0.1)
                            .range(60.0..=140.0),
                    );
                    ui.selectable_value(
                        &mut chain.sensitivity_unit,
                        SensitivityUnit::PerMilliwatt,
                        "/mW",
                    );
                    ui.selectable_value(
                        &mut chain.sensitivity_unit,
                        SensitivityUnit::PerVolt,
                        "/V",
                    );
                });
                ui.end_row();
                ui.label("Impedance");
                ui.add(
                    DragValue::new(&mut chain.impedance_ohm)
                        .speed(1.0)
                        .range(1.0..=1000.0)
                        .suffix(" Ω"),
                );
                ui.end_row();
            });
            let s = chain.steps();
            small(
                ui,
                format!(
                    "{:.3} V × amp = {:.3} V at the phones",
                    s.interface_v, s.headphone_v
                ),
            );
            small(
                ui,
                format!("{:.2} mW into {:.0} Ω", s.power_mw, chain.impedance_ohm),
            );
        }
        Calibration::Measured { full_scale_spl } => {
            ui.horizontal(|ui| {
                ui.label("0 dBFS sine =");
                ui.add(
                    DragValue::new(full_scale_spl)
                        .speed(0.1)
                        .range(40.0..=160.0)
                        .suffix(" dB SPL"),
                );
            });
            ui.add_space(4.0);
            small(ui, "Or: play the 1 kHz sine (right), read your meter:");
            ui.horizontal(|ui| {
                if view.noise_reading == 0.0 {
                    view.noise_reading = 80.0;
                }
                ui.add(
                    DragValue::new(&mut view.noise_reading)
                        .speed(0.1)
                        .range(20.0..=140.0)
                        .suffix(" dB SPL"),
                );
                if ui.button("Use reading").clicked() {
                    *full_scale_spl = view.noise_reading - calibration::CALIBRATION_NOISE_DBFS;
                }
            });
        }
    }
    if next != current {
        p.set_calibration(next);
    }
    ui.add_space(6.0);
    let text = match next.full_scale_spl() {
        Some(spl) => format!("0 dBFS sine = {spl:.1} dB SPL at the ear"),
        None => "NOT CALIBRATED".to_owned(),
    };
    ui.label(
        RichText::new(text)
            .size(theme::BODY_TEXT)
            .strong()
            .color(theme::TEXT),
    );
}

fn level_column(
    ui: &mut Ui,
    p: &MonitorParams,
    setter: &ParamSetter,
    meters: &SharedMeters,
    view: &ListeningView,
    spl: Option<f64>,
) {
    let w = ui.available_width();
    if spl.is_none() {
        ui.label(
            RichText::new("not calibrated")
                .size(theme::BIG_TEXT)
                .color(theme::TEXT_DIM),
        );
        small(ui, "Calibrate (left) to see LAeq and your sound dose.");
        return;
    }
    ui.label(
        RichText::new(spl_text(view.laeq_1s))
            .size(theme::BIG_TEXT)
            .strong()
            .color(theme::TEXT),
    )
    .on_hover_text("A-weighted level at the ear (louder ear), LAeq over the last second");
    let session_s = meters.session_seconds.load(Ordering::Relaxed);
    let session_e = meters.session_exposure.load(Ordering::Relaxed);
    let session_leq = dose::leq_db(session_e, session_s / 3600.0);
    small(
        ui,
        format!(
            "Session LAeq {}  ·  max 1 s {}",
            spl_text(Some(session_leq)),
            spl_text(view.laeq_max)
        ),
    );
    if let (Some(c), true) = (p.correction_file.get(), p.correction.value()) {
        let rate = super::correction::sample_rate(meters);
        let f = crate::dsp::correction::figures(&c.curve, rate);
        small(
            ui,
            format!(
                "Correction in the estimate: L {:+.1} dB  R {:+.1} dB",
                f.spl_offset_db[0], f.spl_offset_db[1]
            ),
        )
        .on_hover_text(format!(
            "The calibration is a 1 kHz figure of the bare headphones. With \"{}\" on, the \
             level at the ear is the uncorrected signal raised by the correction's 1 kHz gain \
             (L {:+.1} dB, R {:+.1} dB with the preamp{}), while the meter reads the corrected \
             output, which already holds the level match and the filters' broadband gain: the \
             difference is added to LAeq and to the dose",
            c.name,
            f.gain_1k_db[0],
            f.gain_1k_db[1],
            if p.correction_level_match.value() {
                format!(", plus the level match {:+.1} dB", f.level_match_db)
            } else {
                String::new()
            }
        ));
    }
    ui.add_space(6.0);
    widgets::segmented(
        ui,
        &p.dose_criterion,
        setter,
        &[
            ("80 dB(A) · 40 h", "ITU-T H.870 mode 1: 1.6 Pa²·h a week"),
            (
                "75 dB(A) · 40 h",
                "ITU-T H.870 mode 2 (sensitive users): 0.51 Pa²·h a week",
            ),
        ],
        vec2(w, 24.0),
    );
    let criterion: dose::Criterion = p.dose_criterion.value().0;
    let week = meters.week_exposure();
    let week_pct = dose::dose_percent(week, criterion);
    let session_pct = dose::dose_percent(session_e, criterion);
    ui.add_space(4.0);
    ui.label(
        RichText::new(format!("Weekly dose {}", percent_text(week_pct)))
            .size(theme::HEADING_TEXT)
            .strong(),
    )
    .on_hover_text("Sound exposure of the last 7 days (all instances) against the allowance");
    small(
        ui,
        format!("Since this instance started {}", percent_text(session_pct)),
    );
    let (bar, _) = ui.allocate_exact_size(vec2(w, 10.0), egui::Sense::hover());
    ui.painter()
        .rect_filled(bar, CornerRadius::same(3), theme::METER_BG);
    let mut fill = bar;
    fill.set_width(bar.width() * (week_pct / 100.0).clamp(0.0, 1.0) as f32);
    let color = if week_pct >= 100.0 {
        theme::OVER
    } else if week_pct >= 80.0 {
        theme::NEAR
    } else {
        theme::LEVEL
    };
    ui.painter().rect_filled(fill, CornerRadius::same(3), color);
    if let Some(level) = view.laeq_1s.filter(|l| l.is_finite()) {
        if let Some(hours) = dose::hours_to_full(level, week, criterion) {
            small(
                ui,
                format!("At this level: 100 % in {}", duration_text(hours)),
            );
        }
    }
    if week_pct >= 100.0 {
        let (rect, _) = ui.allocate_exact_size(vec2(w, 26.0), egui::Sense::hover());
        ui.painter()
            .rect_filled(rect, CornerRadius::same(4), theme::OVER);
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "WEEKLY ALLOWANCE USED UP",
            egui::FontId::proportional(theme::BODY_TEXT),
            Color32::WHITE,
        );
    }
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        widgets::toggle(
            ui,
            &p.protect,
            setter,
            "Protect",
            vec2(80.0, 24.0),
            theme::LEVEL,
            "At 100 % of the weekly allowance, lower the level by the amount (gradually, over 10 s)",
        );
        widgets::param_bar(
            ui,
            &p.protect_db,
            setter,
            &BarStyle {
                size: vec2(w - 88.0, 24.0),
                wheel_step: 0.5,
                tooltip: "Protective reduction: 3 … 20 dB",
                text_size: theme::SMALL_TEXT,
                show_name: false,
            },
        );
    });
    if ui
        .small_button("Reset 7-day history")
        .on_hover_text("Deletes the history file shared by all instances")
        .clicked()
    {
        if let Some(history) = History::for_user() {
            let _ = history.reset();
        }
        meters.clear_exposure();
    }
}

fn signals_column(
    ui: &mut Ui,
    p: &MonitorParams,
    setter: &ParamSetter,
    meters: &SharedMeters,
    spl: Option<f64>,
) {
    let w = ui.available_width();
    widgets::segmented(
        ui,
        &p.generator,
        setter,
        &[
            ("Off", "The programme plays"),
            (
                "Pink",
                "Pink noise at −20 dBFS RMS (the calibration level), both ears",
            ),
            ("1 kHz", "1 kHz sine at −20 dBFS RMS, both ears"),
            (
                "Check",
                "Channel check: left only, right only, both in phase, both out of phase",
            ),
        ],
        vec2(w, 26.0),
    );
    ui.add_space(6.0);
    let caption = match meters.check_step.load(Ordering::Relaxed) {
        1 => "LEFT only",
        2 => "RIGHT only",
        3 => "BOTH in phase",
        4 => "BOTH out of phase",
        _ if p.generator.value().0 == crate::dsp::listening::generator::Kind::ChannelCheck => "…",
        _ => "",
    };
    if !caption.is_empty() {
        ui.label(
            RichText::new(caption)
                .size(20.0)
                .strong()
                .color(theme::ACCENT),
        );
        small(ui, "Left must be left, right right; in phase sounds");
        small(ui, "centred, out of phase vague. Otherwise check cables.");
    }
    ui.add_space(10.0);
    widgets::toggle(
        ui,
        &p.spl_ceiling,
        setter,
        "Cap peaks at the ear",
        vec2(w, 24.0),
        theme::LEVEL,
        "With a calibration, the limiter ceiling also keeps peaks at the ear at or below this SPL",
    );
    ui.add_space(4.0);
    widgets::param_bar(
        ui,
        &p.spl_ceiling_db,
        setter,
        &BarStyle {
            size: vec2(w, 26.0),
            wheel_step: 0.5,
            tooltip: "Peak SPL at the ear: 70 … 130 dB SPL",
            text_size: theme::SMALL_TEXT,
            show_name: false,
        },
    );
    match spl {
        Some(spl) => {
            let ceiling =
                calibration::ceiling_for_peak_spl(f64::from(p.spl_ceiling_db.value()), spl);
            small(ui, format!("= {ceiling:.1} dBTP through the calibration"));
            if ceiling < f64::from(p.ceiling_db.value()) && p.spl_ceiling.value() {
                small(ui, "(stricter than the dBTP ceiling: it applies)");
            }
        }
        None => {
            small(ui, "needs a calibration");
        }
    }
    ui.add_space(10.0);
    reference_levels(ui, p, setter, meters, spl, w);
}

/// "Set gain for 79 / 83 / 85 dB SPL": the output gain that plays −20 dBFS RMS pink noise
/// in the programme at that level at the ear, through the calibration (and the
/// correction's gain at the ear, when one is on).
fn reference_levels(
    ui: &mut Ui,
    p: &MonitorParams,
    setter: &ParamSetter,
    meters: &SharedMeters,
    spl: Option<f64>,
    w: f32,
) {
    ui.label(RichText::new("Reference level").color(theme::TEXT_DIM))
        .on_hover_text(
            "Sets the output gain so that −20 dBFS RMS pink noise in the mix plays at this \
             level at the ear (flat): 85 dB SPL is cinema's reference (SMPTE RP 200), 83 and \
             79 dB SPL the scaled-down levels for television/streaming and small rooms",
        );
    let correction_db = match (p.correction_file.get(), p.correction.value()) {
        (Some(c), true) => {
            let f =
                crate::dsp::correction::figures(&c.curve, super::correction::sample_rate(meters));
            let lm = if p.correction_level_match.value() {
                f.level_match_db
            } else {
                0.0
            };
            f64::from(0.5 * (f.gain_1k_db[0] + f.gain_1k_db[1]) + lm)
        }
        _ => 0.0,
    };
    let range = (-60.0, f64::from(headphone_monitor_core::params::GAIN.max));
    let mut message = None;
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        for target in calibration::REFERENCE_LEVELS_SPL {
            let enabled = spl.is_some();
            let button = egui::Button::new(
                RichText::new(format!("{target:.0} dB SPL")).size(theme::SMALL_TEXT + 1.0),
            )
            .min_size(vec2((w - 8.0) / 3.0 - 1.0, 24.0));
            let response = ui.add_enabled(enabled, button).on_disabled_hover_text(
                "Needs a calibration: without one the level at the ear is unknown",
            );
            if let (true, Some(spl)) = (response.clicked(), spl) {
                match calibration::gain_for_reference(target, spl, correction_db, range) {
                    Ok(gain) => {
                        message = Some(String::new());
                        setter.begin_set_parameter(&p.gain_db);
                        setter.set_parameter(&p.gain_db, gain as f32);
                        setter.end_set_parameter(&p.gain_db);
                    }
                    Err(gain) => {
                        message = Some(format!(
                            "{target:.0} dB SPL needs {gain:+.1} dB of gain: out of range"
                        ));
                    }
                }
            }
        }
    });
    if let Some(m) = message {
        ui.ctx()
            .data_mut(|d| d.insert_temp(egui::Id::unique("reference-level-message"), m));
    }
    let stored: Option<String> = ui
        .ctx()
        .data(|d| d.get_temp(egui::Id::unique("reference-level-message")))
        .filter(|m: &String| !m.is_empty());
    match (spl, stored) {
        (None, _) => {
            small(ui, "needs a calibration");
        }
        (Some(_), Some(m)) => {
            small(ui, m);
        }
        (Some(spl), None) => {
            let now = f64::from(p.gain_db.value())
                + spl
                + calibration::CALIBRATION_NOISE_DBFS
                + correction_db;
            small(ui, format!("−20 dBFS RMS pink in the mix: {now:.1} dB SPL now"))
                .on_hover_text("The test signals keep their calibrated level: the output gain applies to the programme");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_laeq_after_reopening_covers_only_what_plays_now() {
        let meters = SharedMeters::new();
        let rate = 48_000u64;
        // Full-scale-sine energy per frame is 0.5; 0.05 is −10 dB re full scale.
        let add = |seconds: u64, mean_square: f64| {
            let frames = seconds * rate;
            let sum = mean_square * frames as f64;
            meters.add_listening([sum, sum], frames as usize, seconds as f64, 0.0);
        };
        let mut view = ListeningView::default();
        // Ten minutes loud while the editor was closed, then the window opens.
        add(600, 0.5);
        view.restart(&meters);
        add(1, 0.05);
        view.update(&meters, Some(100.0), 1.0);
        let level = view.laeq_1s.expect("a level after one second");
        assert!((level - 90.0).abs() < 1e-9, "{level}");
        // Without the restart the closed time would have counted (the bug, as a check
        // that the test can fail).
        let mut stale = ListeningView::default();
        add(600, 0.5);
        add(1, 0.05);
        stale.update(&meters, Some(100.0), 1.0);
        assert!(stale.laeq_1s.unwrap() > 99.0);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(0.001), "< 1 min");
        assert_eq!(duration_text(0.2), "12 min");
        assert_eq!(duration_text(1.0 + 5.0 / 60.0), "1 h 05 min");
        assert_eq!(duration_text(400.0), "more than a week");
        assert_eq!(duration_text(f64::INFINITY), "more than a week");
        assert_eq!(percent_text(0.031), "0.03 %");
        assert_eq!(percent_text(42.26), "42.3 %");
        assert_eq!(percent_text(250.4), "250 %");
        assert_eq!(spl_text(None), "—");
        assert_eq!(spl_text(Some(f64::NEG_INFINITY)), "—");
        assert_eq!(spl_text(Some(79.96)), "80.0 dB(A)");
    }
}
