//! The "Correction" page: load an AutoEq / EqualizerAPO parametric EQ file, see its name
//! (or why it was refused), its response per ear on a log-frequency plot, the preamp and
//! the level-match gain, and switch correction and level match.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Receiver};

use egui::{vec2, Color32, RichText, Ui};
use egui_plot::{GridMark, Line, Plot, PlotPoints};
use nice_plug::prelude::ParamSetter;

use super::theme;
use super::widgets;
use crate::correction_file::LoadedCorrection;
use crate::dsp::correction::{self, Curve, Figures};
use crate::params::MonitorParams;

/// The left ear's curve colour.
const LEFT: Color32 = theme::ACCENT;
/// The right ear's curve colour.
const RIGHT: Color32 = theme::REDUCTION;

/// Plot points per ear: (log10 of the frequency in Hz, dB).
type EarPoints = [Vec<[f64; 2]>; 2];

/// A curve as plotted: the curve, the rate, its figures and its points.
type Plotted = (Curve, f32, Figures, EarPoints);

/// The page's own state (GUI thread).
#[derive(Debug, Default)]
pub struct CorrectionView {
    /// A path typed by hand (for desktops without a file-dialog portal).
    path_text: String,
    /// The last load's error, one line.
    error: Option<String>,
    /// An open file dialog's answer, when it comes.
    dialog: Option<Receiver<Option<PathBuf>>>,
    /// The plotted curve, its figures and the rate they are for (recomputed on change).
    cached: Option<Plotted>,
}

impl CorrectionView {
    /// Loads `path` into the parameters' correction (nothing changes on an error).
    fn load(&mut self, p: &MonitorParams, path: &std::path::Path) {
        match LoadedCorrection::read(path) {
            Ok(loaded) => {
                p.correction_file.set(Some(loaded));
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Figures and plot points of `curve` at `rate`, cached.
    fn curves(&mut self, curve: Curve, rate: f32) -> (Figures, EarPoints) {
        if let Some((c, r, figures, points)) = &self.cached {
            if *c == curve && *r == rate {
                return (*figures, points.clone());
            }
        }
        let top = 20_000f64.min(0.499 * f64::from(rate));
        let n = 240;
        let mut points = [Vec::with_capacity(n), Vec::with_capacity(n)];
        for i in 0..n {
            let f = 20.0 * (top / 20.0).powf(i as f64 / (n - 1) as f64);
            let db = correction::response_db(&curve, rate, f);
            points[0].push([f.log10(), db[0]]);
            points[1].push([f.log10(), db[1]]);
        }
        let figures = correction::figures(&curve, rate);
        self.cached = Some((curve, rate, figures, points.clone()));
        (figures, points)
    }
}

/// Filters on `ear`, before and after a mix.
fn filter_count(curve: &Curve, ear: usize) -> usize {
    usize::from(curve.ears[ear].len) + curve.mix.map_or(0, |m| usize::from(m.after[ear].len))
}

/// The reader's notes on the loaded file: a count, and the notes in a short scrolled list.
fn notes(ui: &mut Ui, notes: &[String]) {
    let title = format!(
        "{} note{} on reading the file",
        notes.len(),
        if notes.len() == 1 { "" } else { "s" }
    );
    egui::CollapsingHeader::new(
        RichText::new(title)
            .size(theme::SMALL_TEXT)
            .color(theme::NEAR),
    )
    .id_salt("correction-notes")
    .default_open(true)
    .show(ui, |ui| {
        egui::ScrollArea::vertical()
            .max_height(90.0)
            .show(ui, |ui| {
                for note in notes {
                    ui.label(
                        RichText::new(note)
                            .size(theme::SMALL_TEXT)
                            .color(theme::TEXT_DIM),
                    );
                }
            });
    });
}

/// The sample rate the audio thread runs at (48 kHz until it has started).
pub fn sample_rate(meters: &crate::meters::SharedMeters) -> f32 {
    let rate = meters.sample_rate.load(Ordering::Relaxed);
    if rate.is_finite() && rate >= 8_000.0 {
        rate
    } else {
        48_000.0
    }
}

/// Draws the page.
pub fn draw(
    ui: &mut Ui,
    p: &MonitorParams,
    setter: &ParamSetter,
    meters: &crate::meters::SharedMeters,
    view: &mut CorrectionView,
) {
    // A file dialog's answer.
    if let Some(rx) = &view.dialog {
        if let Ok(answer) = rx.try_recv() {
            view.dialog = None;
            match answer {
                Some(path) => {
                    view.path_text = path.display().to_string();
                    view.load(p, &path);
                }
                None => {
                    view.error = Some(
                        "No file chosen (if no dialog appeared, this desktop has no file-dialog \
                         portal: type the path below)"
                            .into(),
                    )
                }
            }
        }
    }
    let loaded = p.correction_file.get();
    let rate = sample_rate(meters);
    let gap = ui.spacing().item_spacing.x;
    let left_w = 280.0f32.min(ui.available_width() * 0.36);
    let plot_w = ui.available_width() - left_w - gap;
    ui.horizontal_top(|ui| {
        ui.set_height(ui.available_height() - 4.0);
        super::section(ui, "HEADPHONE CORRECTION", left_w, |ui| {
            let w = ui.available_width();
            ui.horizontal(|ui| {
                let open = ui
                    .add_enabled(view.dialog.is_none(), egui::Button::new("Load EQ file…"))
                    .on_hover_text(
                        "An EqualizerAPO configuration, an AutoEq ParametricEQ.txt or \
                         FixedBandEQ.txt, or a Room EQ Wizard filter export: Preamp, Filter, \
                         Channel, Include, Copy and Delay lines, read as EqualizerAPO reads them",
                    );
                if open.clicked() {
                    let (tx, rx) = channel();
                    std::thread::spawn(move || {
                        let picked = rfd::FileDialog::new()
                            .set_title("Load a parametric EQ file")
                            .add_filter("EqualizerAPO / AutoEq", &["txt"])
                            .add_filter("All files", &["*"])
                            .pick_file();
                        let _ = tx.send(picked);
                    });
                    view.dialog = Some(rx);
                }
                if loaded.is_some() && ui.button("Unload").clicked() {
                    p.correction_file.set(None);
                    view.error = None;
                }
            });
            ui.horizontal(|ui| {
                let field = egui::TextEdit::singleline(&mut view.path_text)
                    .hint_text("or type a path")
                    .desired_width(w - 60.0);
                let enter =
                    ui.add(field).lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Load").clicked() || enter) && !view.path_text.trim().is_empty() {
                    let path = PathBuf::from(view.path_text.trim());
                    view.load(p, &path);
                }
            });
            ui.add_space(4.0);
            match &loaded {
                Some(c) => ui.label(RichText::new(&c.name).strong().color(theme::TEXT)),
                None => ui.label(RichText::new("No correction loaded").color(theme::TEXT_DIM)),
            };
            if let Some(e) = &view.error {
                ui.label(RichText::new(e).size(theme::SMALL_TEXT).color(theme::OVER));
            }
            if let Some(c) = loaded.as_ref().filter(|c| !c.notes.is_empty()) {
                notes(ui, &c.notes);
            }
            ui.add_space(6.0);
            let on = p.correction.value();
            widgets::toggle(
                ui,
                &p.correction,
                setter,
                if on && loaded.is_some() {
                    "Correction ON"
                } else {
                    "Correction"
                },
                vec2(w, 26.0),
                theme::ACCENT,
                "Correction on/off (click-free); compare with and without",
            );
            ui.add_space(4.0);
            widgets::toggle(
                ui,
                &p.correction_level_match,
                setter,
                "Level match",
                vec2(w, 26.0),
                theme::ACCENT,
                "Adds the gain that keeps pink noise as loud (BS.1770) corrected as not, so \
                 switching compares tone, not level",
            );
            ui.add_space(8.0);
            if let Some(c) = &loaded {
                let (figures, _) = view.curves(c.curve, rate);
                let lm = if p.correction_level_match.value() {
                    format!("{:+.1} dB", figures.level_match_db)
                } else {
                    format!("off ({:+.1} dB)", figures.level_match_db)
                };
                for (label, value) in [
                    (
                        "Preamp",
                        format!(
                            "L {:+.1} dB  R {:+.1} dB",
                            figures.preamp_db[0], figures.preamp_db[1]
                        ),
                    ),
                    ("Level match", lm),
                    (
                        "At 1 kHz",
                        format!(
                            "L {:+.1} dB  R {:+.1} dB",
                            figures.gain_1k_db[0], figures.gain_1k_db[1]
                        ),
                    ),
                    (
                        "Filters",
                        format!(
                            "L {}  R {}{}",
                            filter_count(&c.curve, 0),
                            filter_count(&c.curve, 1),
                            if c.curve.mix.is_some() {
                                "  + ear mix"
                            } else {
                                ""
                            }
                        ),
                    ),
                ] {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(label).color(theme::TEXT_DIM));
                        ui.label(RichText::new(value).monospace().size(theme::BODY_TEXT));
                    });
                }
            }
        });
        super::section(ui, "RESPONSE PER EAR (PREAMP INCLUDED)", plot_w, |ui| {
            let curve = loaded.as_ref().map(|c| c.curve).unwrap_or_default();
            let (_, points) = view.curves(curve, rate);
            ui.horizontal(|ui| {
                ui.label(RichText::new("— left").color(LEFT));
                ui.label(RichText::new("— right").color(RIGHT));
                ui.label(
                    RichText::new(format!("designed at {rate:.0} Hz"))
                        .size(theme::SMALL_TEXT)
                        .color(theme::TEXT_DIM),
                );
            });
            let [l, r] = points;
            Plot::new("correction-response")
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .include_y(-12.0)
                .include_y(12.0)
                .x_grid_spacer(|_| {
                    [20.0, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4]
                        .iter()
                        .map(|&f: &f64| GridMark {
                            value: f.log10(),
                            step_size: 1.0,
                        })
                        .collect()
                })
                .x_axis_formatter(|mark, _| {
                    let f = 10f64.powf(mark.value);
                    if f >= 1000.0 {
                        format!("{:.0}k", f / 1000.0)
                    } else {
                        format!("{f:.0}")
                    }
                })
                .y_axis_formatter(|mark, _| format!("{:+.0} dB", mark.value))
                .show(ui, |plot| {
                    plot.line(
                        Line::new("left", PlotPoints::from(l))
                            .color(LEFT)
                            .width(2.0),
                    );
                    plot.line(
                        Line::new("right", PlotPoints::from(r))
                            .color(RIGHT)
                            .width(1.5),
                    );
                });
        });
    });
}
