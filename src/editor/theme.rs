//! Colours and text sizes: high contrast for a dark studio, no text under 11 px.

use egui::Color32;

/// Window background.
pub const BACKGROUND: Color32 = Color32::from_rgb(0x14, 0x16, 0x1a);
/// Section panels.
pub const PANEL: Color32 = Color32::from_rgb(0x1e, 0x21, 0x27);
/// Control track background.
pub const CONTROL_BG: Color32 = Color32::from_rgb(0x2a, 0x2e, 0x36);
/// Meter background.
pub const METER_BG: Color32 = Color32::from_rgb(0x0b, 0x0c, 0x0e);
/// Borders and scale ticks.
pub const BORDER: Color32 = Color32::from_rgb(0x4a, 0x50, 0x5c);
/// Main text.
pub const TEXT: Color32 = Color32::from_rgb(0xf0, 0xf2, 0xf5);
/// Secondary text (still 7:1 contrast on the background).
pub const TEXT_DIM: Color32 = Color32::from_rgb(0xb4, 0xba, 0xc6);
/// Selection and focus.
pub const ACCENT: Color32 = Color32::from_rgb(0x38, 0xbd, 0xf8);
/// Filled part of a parameter bar.
pub const ACCENT_DIM: Color32 = Color32::from_rgb(0x1d, 0x5f, 0x7e);
/// Level below the ceiling's neighbourhood.
pub const LEVEL: Color32 = Color32::from_rgb(0x4a, 0xde, 0x80);
/// Level within 3 dB of the ceiling.
pub const NEAR: Color32 = Color32::from_rgb(0xfa, 0xcc, 0x15);
/// Level above the ceiling, negative correlation, unsafe states.
pub const OVER: Color32 = Color32::from_rgb(0xef, 0x44, 0x44);
/// Gain reduction.
pub const REDUCTION: Color32 = Color32::from_rgb(0xfb, 0x92, 0x3c);
/// The ceiling mark.
pub const CEILING: Color32 = Color32::from_rgb(0xfb, 0x92, 0x3c);

/// Smallest text anywhere, in points (px at scale 1).
pub const SMALL_TEXT: f32 = 11.0;
/// Body and button text, in points.
pub const BODY_TEXT: f32 = 13.0;
/// Section headings, in points.
pub const HEADING_TEXT: f32 = 14.0;
/// The output gain's value, in points.
pub const BIG_TEXT: f32 = 22.0;

/// Applies the dark, high-contrast style to a context.
pub fn apply(ctx: &egui::Context) {
    use egui::{FontFamily, FontId, TextStyle};
    ctx.set_theme(egui::Theme::Dark);
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Small,
                FontId::new(SMALL_TEXT, FontFamily::Proportional),
            ),
            (
                TextStyle::Body,
                FontId::new(BODY_TEXT, FontFamily::Proportional),
            ),
            (
                TextStyle::Button,
                FontId::new(BODY_TEXT, FontFamily::Proportional),
            ),
            (
                TextStyle::Heading,
                FontId::new(HEADING_TEXT, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(12.0, FontFamily::Monospace),
            ),
        ]
        .into();
        let dark = egui::Visuals::dark();
        let visuals = &mut style.visuals;
        *visuals = dark;
        visuals.panel_fill = BACKGROUND;
        visuals.window_fill = BACKGROUND;
        visuals.override_text_color = Some(TEXT);
        visuals.extreme_bg_color = METER_BG;
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
    });
}
