//! One `Filter` line, read as EqualizerAPO reads it (its biquad filter factory, version
//! 1.4), with the differences stated:
//!
//! ```text
//! Filter <n>: ON <type> [<slope> dB] Fc <f> Hz [Gain <g> dB] [Q <q> | BW Oct <b>]
//! ```
//!
//! - The number after `Filter` is not read. Commas are decimal points; a frequency may have
//!   REW's thousands separator ([`super::number`]).
//! - `OFF` filters and REW's `None` slots are skipped. Words EqualizerAPO does not look for
//!   (REW's extra columns) are skipped too.
//! - Types (case-sensitive, as in EqualizerAPO): `PK`, `PEQ`, `Modal` (peaking: a gain and a
//!   Q or bandwidth needed); `LP`, `LPQ`, `HP`, `HPQ`, `BP` (Q 1/√2 unless given); `NO`
//!   (Q 30 unless given); `AP` (Q or bandwidth needed); shelves `LSC`, `HSC` (by their
//!   centre frequency) and `LS`, `HS` (a gain needed). A bandwidth wins over a Q; a shelf
//!   ignores a bandwidth.
//! - Shelves: a slope in dB right after the type is S = slope / 12 (`LS 6dB`: S = 0.5); a Q
//!   is used as Q; with neither, S = 0.9 at the centre frequency. `LS` / `HS` with a slope
//!   or a Q give their *corner* frequency (REW's and the Behringer DCX2496's convention):
//!   the centre is the corner × (low) or ÷ (high) `10^(|gain| / (80·S))`, with S derived
//!   from Q as the cookbook relates them when a Q is given.
//!
//! Where this reader differs from EqualizerAPO, it says so in a note, or refuses:
//! - a keyword in other capitals (`fc`, `Hz` as `hz`, `on`, `pk`) is not read, as in
//!   EqualizerAPO, and a note says so;
//! - a filter without what its type needs is left out, as in EqualizerAPO, with a note;
//! - a malformed number, a frequency or Q at or below zero are refused (EqualizerAPO would
//!   read a number's first digits, or design an unstable filter);
//! - gains beyond ±30 dB, Q or bandwidths outside the usual range, and frequencies above
//!   the audio band are played, with a note (beyond ±120 dB a gain is refused).

use super::number::{self, Number};
use crate::dsp::correction::{Filter, FilterKind, Width};

/// Gains beyond this, in dB, are played with a note.
pub const NOTE_GAIN_DB: f64 = 30.0;
/// Gains beyond this, in dB, are refused (nothing of a 32-bit signal is left).
pub const MAX_GAIN_DB: f64 = 120.0;

/// The types EqualizerAPO knows, with their shape.
const TYPES: [(&str, FilterKind); 14] = [
    ("PK", FilterKind::Peaking),
    ("PEQ", FilterKind::Peaking),
    ("Modal", FilterKind::Peaking),
    ("LP", FilterKind::LowPass),
    ("LPQ", FilterKind::LowPass),
    ("HP", FilterKind::HighPass),
    ("HPQ", FilterKind::HighPass),
    ("BP", FilterKind::BandPass),
    ("LS", FilterKind::LowShelf),
    ("LSC", FilterKind::LowShelf),
    ("HS", FilterKind::HighShelf),
    ("HSC", FilterKind::HighShelf),
    ("NO", FilterKind::Notch),
    ("AP", FilterKind::AllPass),
];

/// What a `Filter` line gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterLine {
    /// A filter to apply.
    On(Filter),
    /// Nothing to apply (off, empty, or left out as EqualizerAPO leaves it out).
    Skipped,
}

/// The words of the line, with the keywords found case-sensitively.
struct Line<'a> {
    words: Vec<&'a str>,
}

/// A value read after its keyword.
struct Read<'a> {
    number: Number,
    /// The word as written.
    text: &'a str,
}

impl<'a> Line<'a> {
    /// `keyword <number> unit` (exact case): the number, `None` if the keyword or the unit
    /// is missing (noted when it is written in other capitals). A malformed number is an
    /// error.
    fn value_with_unit(
        &self,
        keyword: &str,
        unit: &str,
        what: &str,
        frequency: bool,
        notes: &mut Vec<String>,
    ) -> Result<Option<Read<'a>>, String> {
        let (found, other) = self.after(keyword);
        note_case(other, keyword, notes);
        let Some((i, word)) = found else {
            return Ok(None);
        };
        let written = self.words.get(i + 1).copied();
        // `100 Hz`, or the unit written onto the number (`100Hz`), as EqualizerAPO allows.
        let text = if written == Some(unit) {
            word
        } else if let Some(glued) = word.strip_suffix(unit).filter(|n| !n.is_empty()) {
            glued
        } else {
            note_case(
                written.is_some_and(|u| u.eq_ignore_ascii_case(unit)),
                unit,
                notes,
            );
            return Ok(None);
        };
        let number = read(text, what, frequency)?;
        note_minus(&number, notes);
        Ok(Some(Read { number, text }))
    }

    /// The word after the first `keyword` (exact case), and whether another capitalisation
    /// of it was seen instead.
    fn after(&self, keyword: &str) -> (Option<(usize, &'a str)>, bool) {
        let mut other_case = false;
        for (i, w) in self.words.iter().enumerate() {
            if *w == keyword {
                return (self.words.get(i + 1).map(|v| (i + 1, *v)), false);
            }
            other_case |= w.eq_ignore_ascii_case(keyword);
        }
        (None, other_case)
    }
}

/// Reads a number, refusing a malformed one.
fn read(word: &str, what: &str, frequency: bool) -> Result<Number, String> {
    let number = if frequency {
        number::frequency(word)
    } else {
        number::plain(word)
    };
    number.ok_or_else(|| format!("{what} `{word}` is not a number"))
}

/// Reads the parameters of a `Filter` line (after its colon). Notes for the user go to
/// `notes`; `Err` refuses the file.
pub fn parse(params: &str, notes: &mut Vec<String>) -> Result<FilterLine, String> {
    let text = number::commas_to_points(params);
    let mut words: Vec<&str> = text.split_whitespace().collect();
    match words.first() {
        Some(&"ON") => {}
        Some(w) if w.eq_ignore_ascii_case("OFF") => return Ok(FilterLine::Skipped),
        Some(w) if w.eq_ignore_ascii_case("ON") => {
            notes.push(format!(
                "`{w}` is not `ON` (EqualizerAPO reads it case-sensitively): the filter is left out, as in EqualizerAPO"
            ));
            return Ok(FilterLine::Skipped);
        }
        Some(w) => {
            notes.push(format!(
                "`{w}` is neither `ON` nor `OFF`: the filter is left out, as in EqualizerAPO"
            ));
            return Ok(FilterLine::Skipped);
        }
        None => {
            notes.push("an empty `Filter` line is left out".into());
            return Ok(FilterLine::Skipped);
        }
    }
    words.remove(0);
    // The type: the letters at the start of the next word.
    let Some(first) = words.first().copied() else {
        notes.push("`ON` without a type: the filter is left out, as in EqualizerAPO".into());
        return Ok(FilterLine::Skipped);
    };
    let letters: String = first
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    if letters == "None" {
        return Ok(FilterLine::Skipped);
    }
    let Some(&(type_name, kind)) = TYPES.iter().find(|(name, _)| *name == letters) else {
        let hint = TYPES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&letters))
            .map(|(name, _)| {
                format!(" (`{name}` is written so: EqualizerAPO reads types case-sensitively)")
            })
            .unwrap_or_default();
        notes.push(format!(
            "unknown filter type `{first}`{hint}: the filter is left out, as in EqualizerAPO"
        ));
        return Ok(FilterLine::Skipped);
    };
    let rest = &first[letters.len()..];
    if rest.is_empty() {
        words.remove(0);
    } else {
        words[0] = rest;
    }
    let shelf = matches!(kind, FilterKind::LowShelf | FilterKind::HighShelf);

    // A slope right after the type: `6dB` or `6 dB`.
    let mut slope_db = None;
    if let Some(w) = words.first() {
        let (num, unit_next) = match w.strip_suffix("dB") {
            Some(n) if !n.is_empty() => (n, false),
            _ => (*w, true),
        };
        if number::plain(num).is_some() && (!unit_next || words.get(1) == Some(&"dB")) {
            let value = read(num, "the slope", false)?.value;
            words.drain(..if unit_next { 2 } else { 1 });
            if shelf {
                slope_db = Some(value);
            }
        }
    }
    let line = Line { words };
    let mut missing = Vec::new();

    // Fc <f> Hz
    let mut freq_hz = None;
    if let Some(f) = line.value_with_unit("Fc", "Hz", "the frequency", true, notes)? {
        if f.number.thousands {
            notes.push(format!(
                "`{}` Hz is read as {} Hz (a thousands separator, as EqualizerAPO reads REW's exports)",
                f.text, f.number.value
            ));
        }
        if f.number.value <= 0.0 {
            return Err(format!("frequency {} Hz is not above 0 Hz", f.number.value));
        }
        freq_hz = Some(f.number.value);
    }
    if freq_hz.is_none() {
        missing.push("`Fc <f> Hz`");
    }

    // Gain <g> dB
    let gain_db = line
        .value_with_unit("Gain", "dB", "the gain", false, notes)?
        .map(|g| g.number.value);
    let uses_gain = matches!(
        kind,
        FilterKind::Peaking | FilterKind::LowShelf | FilterKind::HighShelf
    );
    if uses_gain && gain_db.is_none() {
        missing.push("`Gain <g> dB`");
    }

    // Q <q>, BW Oct <b>
    let (q, other) = line.after("Q");
    note_case(other, "Q", notes);
    let q = match q {
        Some((_, word)) => Some(read(word, "Q", false)?),
        None => None,
    };
    let (bw, other) = line.after("BW");
    note_case(other, "BW", notes);
    let bw = match bw {
        Some((i, "Oct")) => match line.words.get(i + 1) {
            Some(word) => Some(read(word, "the bandwidth", false)?),
            None => None,
        },
        _ => None,
    };
    for (value, what) in [(q, "Q"), (bw, "bandwidth")] {
        if let Some(v) = value {
            note_minus(&v, notes);
            if v.value <= 0.0 {
                return Err(format!("{what} {} is not above 0", v.value));
            }
        }
    }
    let needs_width = matches!(kind, FilterKind::Peaking | FilterKind::AllPass);
    if needs_width && q.is_none() && bw.is_none() {
        missing.push("`Q <q>` or `BW Oct <b>`");
    }
    if !missing.is_empty() {
        notes.push(format!(
            "`{type_name}` needs {}: the filter is left out, as in EqualizerAPO",
            missing.join(" and ")
        ));
        return Ok(FilterLine::Skipped);
    }
    let freq_hz = freq_hz.unwrap_or_default();
    let gain_db = if uses_gain {
        gain_db.unwrap_or(0.0)
    } else {
        0.0
    };
    if gain_db.abs() > MAX_GAIN_DB {
        return Err(format!(
            "gain {gain_db} dB is beyond ±{MAX_GAIN_DB} dB, where nothing of the signal is left"
        ));
    }
    if gain_db.abs() > NOTE_GAIN_DB {
        notes.push(format!(
            "gain {gain_db} dB is beyond ±{NOTE_GAIN_DB} dB: played as written (the limiter keeps the output under the ceiling)"
        ));
    }
    if freq_hz > 20_000.0 {
        notes.push(format!(
            "{freq_hz} Hz is above the audio band: at rates where it is at or above half the sample rate it is played by the rule in docs/correction.md"
        ));
    }

    // The width, as EqualizerAPO settles it.
    let (width, corner) = if shelf {
        if bw.is_some() {
            notes.push("a shelf ignores `BW Oct`, as in EqualizerAPO".into());
        }
        let corner = !type_name.ends_with('C');
        match (slope_db, q) {
            (Some(slope), _) => {
                if slope <= 0.0 {
                    return Err(format!("slope {slope} dB is not above 0 dB"));
                }
                if slope > 12.0 {
                    notes.push(format!(
                        "a shelf slope of {slope} dB is played at 12 dB (steeper shelves overshoot; EqualizerAPO's may fail)"
                    ));
                }
                (Width::Slope((slope / 12.0) as f32), corner)
            }
            (None, Some(q)) => (Width::Q(q.value as f32), corner),
            (None, None) => (Width::Slope(0.9), false),
        }
    } else {
        let default_q = match kind {
            FilterKind::Notch => 30.0,
            _ => std::f32::consts::FRAC_1_SQRT_2,
        };
        match (bw, q) {
            (Some(b), _) => (Width::Octaves(b.value as f32), false),
            (None, Some(q)) => (Width::Q(q.value as f32), false),
            (None, None) => (Width::Q(default_q), false),
        }
    };
    let mut centre_hz = freq_hz;
    if corner {
        let s = match width {
            Width::Slope(s) => f64::from(s),
            Width::Q(q) => {
                let a = 10f64.powf(gain_db / 40.0);
                let q = f64::from(q);
                1.0 / ((1.0 / (q * q) - 2.0) / (a + 1.0 / a) + 1.0)
            }
            Width::Octaves(_) => 1.0,
        };
        if !(s.is_finite() && s > 0.0) {
            return Err(format!(
                "a Q of {} with {gain_db} dB gives no corner frequency",
                q.map_or(0.0, |q| q.value)
            ));
        }
        let factor = 10f64.powf(gain_db.abs() / 80.0 / s);
        centre_hz = if kind == FilterKind::LowShelf {
            freq_hz * factor
        } else {
            freq_hz / factor
        };
    }
    Ok(FilterLine::On(Filter {
        kind,
        freq_hz: centre_hz as f32,
        gain_db: gain_db as f32,
        width,
    }))
}

/// Notes a keyword found only in other capitals.
fn note_case(found_other: bool, keyword: &str, notes: &mut Vec<String>) {
    if found_other {
        notes.push(format!(
            "a keyword written otherwise than `{keyword}` is not read (EqualizerAPO reads keywords case-sensitively)"
        ));
    }
}

fn note_minus(number: &Number, notes: &mut Vec<String>) {
    if number.typographic_minus {
        notes.push("`−` is read as a minus sign (EqualizerAPO would not read this number)".into());
    }
}
