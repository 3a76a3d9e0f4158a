//! Reads the parametric part of EqualizerAPO's configuration syntax (the format of
//! AutoEq's `ParametricEQ.txt`, also read by Peace, Wavelet, EasyEffects and PipeWire),
//! written from EqualizerAPO's documented grammar:
//!
//! ```text
//! # comment                       (also after a command)
//! Preamp: -6.1 dB
//! Filter 1: ON PK Fc 105 Hz Gain -2.3 dB Q 0.70
//! Filter: ON LSC Fc 105 Hz Gain 5.5 dB [Q 0.71]
//! Filter: ON LS 6dB Fc 100 Hz Gain 3 dB    (LS / HS: corner frequency; 12dB is the default)
//! Filter: ON PK Fc 1000 Hz Gain 3 dB BW Oct 1.0
//! Filter: OFF NO Fc 50 Hz Q 30            (parsed, checked, not applied)
//! Channel: L | R | 1 | 2 | 1 2 | L R | ALL (the lines after it apply to those ears)
//! ```
//!
//! Types: `PK`, `Modal`, `PEQ` (peaking); `LSC`, `HSC` (shelves by their centre
//! frequency, Q optional); `LS`, `HS` with an optional `6dB` / `12dB` (shelves by their
//! corner frequency, REW's and the Behringer DCX2496's definition: the centre is the
//! corner × or ÷ `10^(|gain|/40)` for 6 dB/octave (slope S = 0.5) and `10^(|gain|/80)` for
//! 12 dB/octave (S = 1)); `LP`, `HP` (Q = 1/√2), `LPQ`, `HPQ`, `BP`, `NO`, `AP` (Q or BW
//! optional, 1/√2 by default). Peaking filters need a gain and a Q or a bandwidth; the
//! shelves need a gain. Keywords are case-insensitive; a UTF-8 BOM, Windows line
//! endings and the typographic minus (−) are accepted.
//!
//! Anything else is an error naming the line and what was expected; a file with an
//! error gives no curve at all (nothing half-loaded).

use crate::dsp::correction::{
    Curve, Filter, FilterKind, Width, BW_RANGE_OCT, FREQ_RANGE_HZ, GAIN_RANGE_DB, MAX_FILTERS,
    PREAMP_RANGE_DB, Q_RANGE,
};

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number (0 for the file as a whole).
    pub line: usize,
    /// What was wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole file into a curve for both ears.
pub fn parse(text: &str) -> Result<Curve, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut curve = Curve::default();
    // Which ears the lines apply to (left, right).
    let mut ears = [true, true];
    let mut commands = 0usize;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let err = |message: String| ParseError {
            line: line_no,
            message,
        };
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let Some((command, rest)) = line.split_once(':') else {
            return Err(err(format!(
                "expected `Preamp:`, `Filter:` or `Channel:`, found `{line}`"
            )));
        };
        let command = command.trim();
        let mut words = Words::new(rest);
        let lower = command.to_ascii_lowercase();
        if lower == "preamp" {
            let gain = words.number("the preamp in dB").map_err(err)?;
            words.keyword("dB", "`dB` after the preamp").map_err(err)?;
            words.end().map_err(err)?;
            in_range(gain, PREAMP_RANGE_DB, "preamp", "dB").map_err(err)?;
            for (ear, on) in curve.ears.iter_mut().zip(ears) {
                if on {
                    ear.preamp_db += gain;
                    in_range(ear.preamp_db, PREAMP_RANGE_DB, "total preamp", "dB").map_err(err)?;
                }
            }
        } else if lower == "filter"
            || (lower.starts_with("filter") && lower[6..].trim().parse::<u32>().is_ok())
        {
            let (on, filter) = parse_filter(&mut words).map_err(err)?;
            if on {
                for (e, (ear, selected)) in curve.ears.iter_mut().zip(ears).enumerate() {
                    if selected && !ear.push(filter) {
                        return Err(err(format!(
                            "more than {MAX_FILTERS} filters for the {} ear",
                            ["left", "right"][e]
                        )));
                    }
                }
            }
        } else if lower == "channel" {
            ears = parse_channels(&mut words).map_err(err)?;
        } else {
            return Err(err(format!(
                "unsupported command `{command}` (only Preamp, Filter and Channel lines are read)"
            )));
        }
        commands += 1;
    }
    if commands == 0 {
        return Err(ParseError {
            line: 0,
            message: "no Preamp, Filter or Channel line: not a parametric EQ file".into(),
        });
    }
    Ok(curve)
}

/// The words of a command, after its colon.
struct Words<'a> {
    words: std::iter::Peekable<std::str::SplitWhitespace<'a>>,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            words: text.split_whitespace().peekable(),
        }
    }

    fn next(&mut self) -> Option<&'a str> {
        self.words.next()
    }

    fn peek_is(&mut self, keyword: &str) -> bool {
        self.words
            .peek()
            .is_some_and(|w| w.eq_ignore_ascii_case(keyword))
    }

    fn keyword(&mut self, keyword: &str, expected: &str) -> Result<(), String> {
        match self.next() {
            Some(w) if w.eq_ignore_ascii_case(keyword) => Ok(()),
            Some(w) => Err(format!("expected {expected}, found `{w}`")),
            None => Err(format!("expected {expected} at the end of the line")),
        }
    }

    fn number(&mut self, what: &str) -> Result<f32, String> {
        match self.next() {
            Some(w) => parse_number(w).ok_or_else(|| format!("expected {what}, found `{w}`")),
            None => Err(format!("expected {what} at the end of the line")),
        }
    }

    fn end(&mut self) -> Result<(), String> {
        match self.next() {
            None => Ok(()),
            Some(w) => Err(format!("unexpected `{w}` at the end of the line")),
        }
    }
}

/// A number, with `−` (U+2212) accepted as a minus sign.
fn parse_number(word: &str) -> Option<f32> {
    word.replace('\u{2212}', "-")
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
}

fn in_range(value: f32, (lo, hi): (f32, f32), what: &str, unit: &str) -> Result<(), String> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(format!("{what} {value} {unit} is outside {lo} … {hi} {unit}").replace("  ", " "))
    }
}

/// Shelves by their corner frequency.
#[derive(Clone, Copy)]
enum Corner {
    Low,
    High,
}

/// `ON|OFF TYPE [6dB|12dB] Fc F Hz [Gain G dB] [Q Q | BW Oct B]`.
fn parse_filter(words: &mut Words) -> Result<(bool, Filter), String> {
    let on = match words.next() {
        Some(w) if w.eq_ignore_ascii_case("ON") => true,
        Some(w) if w.eq_ignore_ascii_case("OFF") => false,
        Some(w) => return Err(format!("expected `ON` or `OFF`, found `{w}`")),
        None => return Err("expected `ON` or `OFF` after `Filter:`".into()),
    };
    let Some(type_word) = words.next() else {
        return Err("expected a filter type (PK, LSC, HSC, LS, HS, LP, HP, BP, NO, AP, …)".into());
    };
    let upper = type_word.to_ascii_uppercase();
    // (kind, needs gain, needs a width, corner shelf)
    let (kind, needs_gain, needs_width, corner) = match upper.as_str() {
        "PK" | "MODAL" | "PEQ" => (FilterKind::Peaking, true, true, None),
        "LSC" => (FilterKind::LowShelf, true, false, None),
        "HSC" => (FilterKind::HighShelf, true, false, None),
        "LS" => (FilterKind::LowShelf, true, false, Some(Corner::Low)),
        "HS" => (FilterKind::HighShelf, true, false, Some(Corner::High)),
        "LP" | "LPQ" => (FilterKind::LowPass, false, false, None),
        "HP" | "HPQ" => (FilterKind::HighPass, false, false, None),
        "BP" => (FilterKind::BandPass, false, false, None),
        "NO" => (FilterKind::Notch, false, false, None),
        "AP" => (FilterKind::AllPass, false, false, None),
        _ => {
            return Err(format!(
                "unknown filter type `{type_word}` (expected PK, Modal, PEQ, LSC, HSC, LS, HS, \
                 LP, LPQ, HP, HPQ, BP, NO or AP)"
            ))
        }
    };
    // Corner shelves: an optional slope, 12 dB/octave by default.
    let mut slope_db = 12.0f32;
    if corner.is_some() {
        if words.peek_is("6dB") {
            words.next();
            slope_db = 6.0;
        } else if words.peek_is("12dB") {
            words.next();
        }
    }
    words.keyword("Fc", &format!("`Fc` after `{type_word}`"))?;
    let freq_hz = words.number("the frequency in Hz after `Fc`")?;
    words.keyword("Hz", "`Hz` after the frequency")?;
    in_range(freq_hz, FREQ_RANGE_HZ, "frequency", "Hz")?;
    let mut gain_db = None;
    let mut width = None;
    while let Some(word) = words.next() {
        if word.eq_ignore_ascii_case("Gain") && gain_db.is_none() {
            let g = words.number("the gain in dB after `Gain`")?;
            words.keyword("dB", "`dB` after the gain")?;
            in_range(g, GAIN_RANGE_DB, "gain", "dB")?;
            gain_db = Some(g);
        } else if word.eq_ignore_ascii_case("Q") && width.is_none() {
            let q = words.number("a number after `Q`")?;
            in_range(q, Q_RANGE, "Q", "")?;
            width = Some(Width::Q(q));
        } else if word.eq_ignore_ascii_case("BW") && width.is_none() {
            words.keyword("Oct", "`Oct` after `BW`")?;
            let bw = words.number("the bandwidth in octaves after `BW Oct`")?;
            in_range(bw, BW_RANGE_OCT, "bandwidth", "octaves")?;
            width = Some(Width::Octaves(bw));
        } else {
            return Err(format!(
                "expected `Gain G dB`, `Q Q` or `BW Oct B`, found `{word}`"
            ));
        }
    }
    if needs_gain && gain_db.is_none() {
        return Err(format!("`{type_word}` needs `Gain G dB`"));
    }
    if needs_width && width.is_none() {
        return Err(format!("`{type_word}` needs `Q Q` or `BW Oct B`"));
    }
    let gain = gain_db.unwrap_or(0.0);
    let mut filter = Filter {
        kind,
        freq_hz,
        gain_db: if needs_gain { gain } else { 0.0 },
        width: width.unwrap_or_default(),
    };
    if let Some(corner) = corner {
        if width.is_some() {
            return Err(format!(
                "`{type_word}` takes its slope from `6dB`/`12dB`, not from Q or BW (use `{type_word}C` with Q)"
            ));
        }
        // REW / DCX2496 corner frequency → the cookbook's centre frequency.
        let (exponent, slope) = if slope_db == 6.0 {
            (40.0, 0.5)
        } else {
            (80.0, 1.0)
        };
        let factor = 10f32.powf(gain.abs() / exponent);
        filter.freq_hz = match corner {
            Corner::Low => freq_hz * factor,
            Corner::High => freq_hz / factor,
        };
        filter.width = Width::Slope(slope);
    }
    Ok((on, filter))
}

/// `L | R | ALL | 1 2 | L R …`: which ears the following lines apply to.
fn parse_channels(words: &mut Words) -> Result<[bool; 2], String> {
    let mut ears = [false, false];
    let mut any = false;
    while let Some(word) = words.next() {
        any = true;
        match word.to_ascii_uppercase().as_str() {
            "L" | "1" => ears[0] = true,
            "R" | "2" => ears[1] = true,
            "ALL" => ears = [true, true],
            _ => {
                return Err(format!(
                    "channel `{word}` is not an ear: expected L, R, 1, 2 or ALL"
                ))
            }
        }
    }
    if !any {
        return Err("expected L, R, 1, 2 or ALL after `Channel:`".into());
    }
    Ok(ears)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped like an AutoEq result: preamp, 1 LSC, 1 HSC, 8 PK (values made up here).
    const AUTOEQ_SHAPED: &str = "Preamp: -6.4 dB\r\n\
        Filter 1: ON LSC Fc 105 Hz Gain 5.8 dB Q 0.70\r\n\
        Filter 2: ON PK Fc 180 Hz Gain -3.1 dB Q 0.62\r\n\
        Filter 3: ON PK Fc 1250 Hz Gain 2.4 dB Q 1.40\r\n\
        Filter 4: ON PK Fc 2900 Hz Gain -4.2 dB Q 2.10\r\n\
        Filter 5: ON PK Fc 4400 Hz Gain 3.3 dB Q 3.90\r\n\
        Filter 6: ON PK Fc 6100 Hz Gain -2.7 dB Q 4.50\r\n\
        Filter 7: ON PK Fc 8200 Hz Gain 1.9 dB Q 2.20\r\n\
        Filter 8: ON PK Fc 40 Hz Gain 1.2 dB Q 1.10\r\n\
        Filter 9: ON PK Fc 11800 Hz Gain -1.6 dB Q 1.30\r\n\
        Filter 10: ON HSC Fc 10000 Hz Gain -3.5 dB Q 0.70\r\n";

    #[test]
    fn an_autoeq_shaped_file_loads_on_both_ears() {
        let text = format!("\u{feff}{AUTOEQ_SHAPED}");
        let curve = parse(&text).unwrap();
        for ear in &curve.ears {
            assert_eq!(ear.preamp_db, -6.4);
            assert_eq!(ear.len, 10);
            assert_eq!(ear.filters()[0].kind, FilterKind::LowShelf);
            assert_eq!(ear.filters()[9].kind, FilterKind::HighShelf);
            assert_eq!(ear.filters()[3].width, Width::Q(2.1));
        }
    }

    #[test]
    fn every_type_and_channel_selection_parses() {
        let text = "# every type\n\
            Preamp: −3 dB\n\
            Channel: L\n\
            Filter: ON PK Fc 100 Hz Gain 1 dB Q 1\n\
            Filter: ON Modal Fc 200 Hz Gain 1 dB Q 2\n\
            Filter: ON PEQ Fc 300 Hz Gain -1 dB BW Oct 1.5\n\
            Filter: ON ls 6dB Fc 100 Hz Gain 6 dB\n\
            Filter: ON HS 12dB Fc 8000 Hz Gain -6 dB\n\
            Filter: ON LS Fc 100 Hz Gain 6 dB\n\
            Channel: R\n\
            Filter: ON LP Fc 18000 Hz\n\
            Filter: ON LPQ Fc 17000 Hz Q 0.9\n\
            Filter: ON HP Fc 20 Hz\n\
            Filter: ON HPQ Fc 25 Hz Q 0.6\n\
            Filter: ON BP Fc 1000 Hz BW Oct 4\n\
            Filter: ON NO Fc 50 Hz Q 30\n\
            Filter: ON AP Fc 500 Hz Q 0.7\n\
            Filter: OFF PK Fc 100 Hz Gain 9 dB Q 1  # off: parsed, not applied\n\
            Channel: 1 2\n\
            Preamp: -1 dB\n\
            Channel: ALL\n\
            Filter12: ON HSC Fc 9000 Hz Gain 2 dB\n";
        let curve = parse(text).unwrap();
        let [l, r] = &curve.ears;
        assert_eq!((l.len, r.len), (7, 8));
        assert_eq!((l.preamp_db, r.preamp_db), (-4.0, -4.0));
        // LS 6dB at a 100 Hz corner with 6 dB: the centre is 100·10^(6/40) Hz, S = 0.5.
        let ls6 = l.filters()[3];
        assert!((ls6.freq_hz - 100.0 * 10f32.powf(6.0 / 40.0)).abs() < 1e-3);
        assert_eq!(ls6.width, Width::Slope(0.5));
        // HS 12dB: the centre below the corner, S = 1.
        let hs12 = l.filters()[4];
        assert!((hs12.freq_hz - 8000.0 / 10f32.powf(6.0 / 80.0)).abs() < 1e-2);
        assert_eq!(hs12.width, Width::Slope(1.0));
        assert_eq!(
            l.filters()[5].width,
            Width::Slope(1.0),
            "LS is 12 dB/octave"
        );
        assert_eq!(r.filters()[4].width, Width::Octaves(4.0));
        assert_eq!(r.filters()[6].kind, FilterKind::AllPass);
        assert_eq!(r.filters()[7].kind, FilterKind::HighShelf);
    }

    #[test]
    fn bad_lines_are_refused_with_their_line_number() {
        let cases = [
            ("Preamp: -6.1\n", 1, "`dB`"),
            (
                "Preamp: -6 dB\nFilter: ON XX Fc 100 Hz\n",
                2,
                "unknown filter type `XX`",
            ),
            (
                "Filter: ON PK Fc 100 Hz Gain 3 dB\n",
                1,
                "needs `Q Q` or `BW Oct B`",
            ),
            ("Filter: ON PK Fc 100 Gain 3 dB Q 1\n", 1, "`Hz`"),
            (
                "Filter: MAYBE PK Fc 100 Hz Gain 3 dB Q 1\n",
                1,
                "`ON` or `OFF`",
            ),
            (
                "\n\nFilter: ON PK Fc 0 Hz Gain 3 dB Q 1\n",
                3,
                "frequency 0 Hz is outside",
            ),
            (
                "Filter: ON PK Fc 100 Hz Gain 3 dB Q 1 Q 2\n",
                1,
                "found `Q`",
            ),
            (
                "Filter: ON PK Fc 100 Hz Gain 99 dB Q 1\n",
                1,
                "gain 99 dB is outside",
            ),
            ("Channel: C\n", 1, "channel `C` is not an ear"),
            (
                "GraphicEQ: 20 0; 40 1\n",
                1,
                "unsupported command `GraphicEQ`",
            ),
            ("hello\n", 1, "expected `Preamp:`"),
            ("Filter: ON LS Fc 100 Hz Gain 3 dB Q 0.7\n", 1, "slope"),
            ("# only a comment\n\n", 0, "not a parametric EQ file"),
            (
                "Filter: ON PK Fc nan Hz Gain 3 dB Q 1\n",
                1,
                "frequency in Hz",
            ),
        ];
        for (text, line, needle) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(
                e.to_string().contains(needle),
                "{text}: `{e}` lacks `{needle}`"
            );
            assert!(!e.to_string().contains('\n'), "one line: {e}");
        }
        // 21 filters on one ear: refused at the 21st.
        let many: String = (0..21)
            .map(|i| format!("Filter: ON PK Fc {} Hz Gain 1 dB Q 1\n", 100 + i))
            .collect();
        let e = parse(&many).unwrap_err();
        assert_eq!(e.line, 21);
        assert!(e.message.contains("more than 20"), "{e}");
        // 20 per ear is fine, on both ears separately.
        let both: String = format!(
            "Channel: L\n{}Channel: R\n{}",
            &many[..many.len() - many.lines().last().unwrap().len() - 1],
            &many[..many.len() - many.lines().last().unwrap().len() - 1]
        );
        let curve = parse(&both).unwrap();
        assert_eq!((curve.ears[0].len, curve.ears[1].len), (20, 20));
    }
}
