//! `Copy` and `Delay` lines, read as EqualizerAPO reads them (version 1.4), for the two
//! channels a headphone output has (`L` = `1`, `R` = `2`).
//!
//! ```text
//! Copy: L=0.5*L+0.5*R R=L          (all assignments read the values before the line)
//! Copy: R=-6dB*R+-6dB*L L=0        (a factor in dB; 0 silences)
//! Delay: 0.3 ms                    (or `Delay: 14 samples`; on the selected channels)
//! ```
//!
//! A `Copy` term is `factor*channel`, `channel`, or a constant; terms are joined by `+`
//! (a difference is `+-0.5*R`). A factor ending in `dB` is in decibels. Channel names are
//! case-sensitive. Targets other than the ears (EqualizerAPO's virtual channels, `C`, …)
//! are ignored with a note, and sources other than the ears are silence here (EqualizerAPO
//! would add the factor as a constant: a DC offset); a note says so. A constant term other
//! than 0 is refused: it only adds DC. A channel not assigned keeps its signal; when a
//! channel is assigned twice, the last assignment wins.

use super::number;

/// The new rows of the 2×2 mix for the left and right ear (`None`: unchanged), as factors
/// of the (left, right) signals before the line.
pub type CopyRows = [Option<[f64; 2]>; 2];

/// The ear a channel name is, if any.
fn ear(name: &str) -> Option<usize> {
    match name {
        "L" | "1" => Some(0),
        "R" | "2" => Some(1),
        _ => None,
    }
}

/// Splits `text` at the `+` that join terms (not the sign of an exponent).
fn terms(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'+' && i > start && !matches!(bytes[i - 1], b'e' | b'E' | b'*') {
            out.push(&text[start..i]);
            start = i + 1;
        }
    }
    out.push(&text[start..]);
    out
}

/// A factor: a number, or a number of dB.
fn factor(text: &str) -> Result<f64, String> {
    let db = text.len() > 2 && text[text.len() - 2..].eq_ignore_ascii_case("dB");
    let digits = if db { &text[..text.len() - 2] } else { text };
    let value = number::plain(digits)
        .ok_or_else(|| format!("factor `{text}` is not a number"))?
        .value;
    Ok(if db { 10f64.powf(value / 20.0) } else { value })
}

/// Reads the parameters of a `Copy` line.
pub fn parse(params: &str, notes: &mut Vec<String>) -> Result<CopyRows, String> {
    let mut rows: CopyRows = [None, None];
    let mut any = false;
    for assignment in params.split_whitespace() {
        any = true;
        let Some((target, sum)) = assignment.split_once('=') else {
            return Err(format!(
                "`{assignment}` is not an assignment (`target=factor*source+…`)"
            ));
        };
        let mut row = [0.0f64; 2];
        for term in terms(sum) {
            if term.is_empty() {
                return Err(format!("an empty term in `{assignment}`"));
            }
            let (gain, source) = match term.split_once('*') {
                Some((f, channel)) => (factor(f)?, Some(channel)),
                None if term == "0" || term.contains('.') => (factor(term)?, None),
                None => (1.0, Some(term)),
            };
            match source {
                None if gain == 0.0 => {}
                None => {
                    return Err(format!(
                        "the constant `{term}` in `{assignment}` would only add DC to the ear"
                    ))
                }
                Some(channel) => match ear(channel) {
                    Some(e) => row[e] += gain,
                    None => notes.push(format!(
                        "`{channel}` is not a channel of a stereo output: silence here (EqualizerAPO would add {gain} as a constant)"
                    )),
                },
            }
        }
        match ear(target) {
            Some(e) => rows[e] = Some(row),
            None => notes.push(format!(
                "`{target}` is not an ear: its assignment is ignored (a channel EqualizerAPO would only compute for later lines)"
            )),
        }
    }
    if !any {
        return Err("`Copy:` without an assignment".into());
    }
    Ok(rows)
}

/// A delay as written: milliseconds or samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delay {
    /// In milliseconds.
    Ms(f64),
    /// In samples of the rate the plug-in runs at.
    Samples(f64),
}

/// Reads the parameters of a `Delay` line.
pub fn parse_delay(params: &str) -> Result<Delay, String> {
    let text = number::commas_to_points(params);
    let words: Vec<&str> = text.split_whitespace().collect();
    // `10 ms` or `10ms`.
    let (value, unit) = match words.as_slice() {
        [value, unit] => (*value, *unit),
        [glued] => {
            let split = glued
                .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
                .unwrap_or(glued.len());
            (&glued[..split], &glued[split..])
        }
        _ => return Err("expected `Delay: <number> ms` or `Delay: <number> samples`".into()),
    };
    let value = number::plain(value)
        .ok_or_else(|| format!("the delay `{value}` is not a number"))?
        .value;
    if value < 0.0 {
        return Err(format!("a delay of {value} is negative"));
    }
    if unit.eq_ignore_ascii_case("ms") {
        Ok(Delay::Ms(value))
    } else if unit.eq_ignore_ascii_case("samples") {
        Ok(Delay::Samples(value))
    } else {
        Err(format!(
            "the delay's unit `{unit}` is neither `ms` nor `samples`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_reads_mixes_factors_in_db_and_other_channels() {
        let mut notes = Vec::new();
        let rows = parse("L=0.5*L+0.5*R R=L", &mut notes).unwrap();
        assert_eq!(rows, [Some([0.5, 0.5]), Some([1.0, 0.0])]);
        let rows = parse("R=-6dB*R+-6dB*L", &mut notes).unwrap();
        let g = 10f64.powf(-6.0 / 20.0);
        assert_eq!(rows, [None, Some([g, g])]);
        assert!(notes.is_empty(), "{notes:?}");
        // L=0 silences; a repeated target: the last wins; 1 and 2 are the ears.
        let rows = parse("L=0 2=1 R=2", &mut notes).unwrap();
        assert_eq!(rows, [Some([0.0, 0.0]), Some([0.0, 1.0])]);
        // Other channels: silence as a source, ignored as a target, each noted.
        let rows = parse("L=L+C SUB=L", &mut notes).unwrap();
        assert_eq!(rows, [Some([1.0, 0.0]), None]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        for bad in ["L", "L=0.5", "L=x*R", "L=L+", ""] {
            assert!(parse(bad, &mut notes).is_err(), "{bad}");
        }
    }

    #[test]
    fn delay_reads_ms_and_samples() {
        assert_eq!(parse_delay(" 0,3 ms").unwrap(), Delay::Ms(0.3));
        assert_eq!(parse_delay("14 samples").unwrap(), Delay::Samples(14.0));
        assert_eq!(parse_delay("10ms").unwrap(), Delay::Ms(10.0));
        assert_eq!(parse_delay("2 MS").unwrap(), Delay::Ms(2.0));
        for bad in ["", "10", "-1 ms", "1 s", "x ms", "1 ms 2"] {
            assert!(parse_delay(bad).is_err(), "{bad}");
        }
    }
}
