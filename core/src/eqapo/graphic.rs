//! EqualizerAPO's `GraphicEQ` line: `GraphicEQ: 20 -1.2; 21 -1.3; …; 19871 4.0`, pairs of
//! frequency (Hz) and gain (dB), read the way EqualizerAPO reads them: if the line has no
//! point at all, its commas are decimal points (`GraphicEQ: 20 -1,5; 25 -2`), otherwise
//! separators; the numbers are taken in pairs, whether `;`, spaces or commas separate
//! them; the points are sorted by frequency. `Hz` and `dB` after a number are allowed. The
//! curve they define is in [`crate::dsp::correction::graphic`].
//!
//! Refused: a malformed number (EqualizerAPO would read `1k` as 1 and `1.2.3` as 1.2 and
//! .3; here they are errors), a frequency at or below 0, a gain beyond ±120 dB. Noted: a
//! lone number at the end (dropped, as EqualizerAPO drops it), a frequency given twice (the
//! last one counts), gains beyond ±30 dB, and a line without points (nothing to play).

use super::number;
use crate::dsp::correction::{Graphic, GraphicPoint, GAIN_RANGE_DB, MAX_GRAPHIC_POINTS};

/// Reads a `GraphicEQ` line's parameters; `Ok(None)` for a line without points.
pub fn parse(params: &str, notes: &mut Vec<String>) -> Result<Option<Graphic>, String> {
    // Without a point anywhere, commas are decimal points; otherwise they separate.
    let text = if params.contains('.') {
        params.replace(',', " ")
    } else {
        number::commas_to_points(params)
    };
    let mut values = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == ';') {
        // Units are allowed, glued on or apart (`20Hz`, `-1.5 dB`).
        let lower = word.to_ascii_lowercase();
        let bare = lower
            .strip_suffix("hz")
            .or_else(|| lower.strip_suffix("db"))
            .unwrap_or(&lower);
        if bare.is_empty() {
            continue;
        }
        let n =
            number::plain(bare).ok_or_else(|| format!("GraphicEQ: `{word}` is not a number"))?;
        values.push(n.value);
    }
    if values.len() % 2 == 1 {
        notes.push(format!(
            "GraphicEQ: the lone number {} at the end is dropped, as in EqualizerAPO",
            values[values.len() - 1]
        ));
    }
    let mut points = Vec::with_capacity(values.len() / 2);
    for pair in values.chunks_exact(2) {
        let (freq_hz, gain_db) = (pair[0], pair[1]);
        if freq_hz <= 0.0 {
            return Err(format!(
                "GraphicEQ: the frequency {freq_hz} Hz is not above 0"
            ));
        }
        if gain_db.abs() > f64::from(GAIN_RANGE_DB.1) {
            return Err(format!(
                "GraphicEQ: the gain {gain_db} dB at {freq_hz} Hz is beyond ±{} dB",
                GAIN_RANGE_DB.1
            ));
        }
        points.push(GraphicPoint {
            freq_hz: freq_hz as f32,
            gain_db: gain_db as f32,
        });
    }
    if points.is_empty() {
        notes.push("GraphicEQ without points: nothing to play".into());
        return Ok(None);
    }
    let mut seen: Vec<f32> = points.iter().map(|p| p.freq_hz).collect();
    seen.sort_by(f32::total_cmp);
    seen.dedup();
    if seen.len() < points.len() {
        notes.push(
            "GraphicEQ: a frequency is given more than once; the last gain given counts".into(),
        );
    }
    if let Some(p) = points.iter().find(|p| p.gain_db.abs() > 30.0) {
        notes.push(format!(
            "GraphicEQ: a gain of {} dB at {} Hz (beyond ±30 dB): played as written",
            p.gain_db, p.freq_hz
        ));
    }
    Graphic::from_points(&points)
        .map(Some)
        .ok_or_else(|| format!("GraphicEQ: more than {MAX_GRAPHIC_POINTS} points"))
}
