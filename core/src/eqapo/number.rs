//! How numbers are read from an EqualizerAPO file, the way EqualizerAPO reads them.
//!
//! - A comma is a decimal point in `Filter`, `Preamp` and `Delay` lines (Room EQ Wizard
//!   writes its exports in the user's locale: `Fc 50,0 Hz`, `Gain -3,5 dB`).
//! - A filter's frequency whose fourth character from the end is a point, with at least five
//!   characters and no exponent, has a thousands separator: `8.000` and `1,250` are 8000 and
//!   1250 Hz (EqualizerAPO's rule for REW's exports; the caller notes it, since `50.125` is
//!   then 50125 Hz too). Non-breaking spaces in a frequency are thousands separators too.
//! - The typographic minus `−` (U+2212) is a minus sign (EqualizerAPO would not read such a
//!   number; the caller notes it).
//!
//! Anything else that is not a whole finite number is malformed and refused: EqualizerAPO
//! would read the longest number at its start (`1.2.3` as 1.2), which hides a broken file.

/// A number read from a word, and how it was read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    /// The value.
    pub value: f64,
    /// A point was taken as a thousands separator (frequencies only).
    pub thousands: bool,
    /// A typographic minus was taken as a minus sign.
    pub typographic_minus: bool,
}

/// Reads `word` as a plain number (commas already turned into points by the caller where
/// the command does so); `None` if it is not a whole finite number.
pub fn plain(word: &str) -> Option<Number> {
    let typographic_minus = word.contains('\u{2212}');
    let text = word.replace('\u{2212}', "-");
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && text.chars().any(|c| c.is_ascii_digit());
    let value = text
        .parse::<f64>()
        .ok()
        .filter(|v| valid && v.is_finite())?;
    Some(Number {
        value,
        thousands: false,
        typographic_minus,
    })
}

/// Reads a filter's frequency: [`plain`], then EqualizerAPO's thousands rule.
pub fn frequency(word: &str) -> Option<Number> {
    let text: String = word.chars().filter(|&c| c != '\u{a0}').collect();
    let mut number = plain(&text)?;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() >= 5 && !text.contains(['e', 'E']) && chars[chars.len() - 4] == '.' {
        number.value *= 1000.0;
        number.thousands = true;
    }
    Some(number)
}

/// `text` with every comma turned into a decimal point.
pub fn commas_to_points(text: &str) -> String {
    text.replace(',', ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_equalizer_apo_reads_them() {
        assert_eq!(plain("-3.5").unwrap().value, -3.5);
        assert_eq!(plain("+2").unwrap().value, 2.0);
        assert_eq!(plain("1e3").unwrap().value, 1000.0);
        let minus = plain("\u{2212}2").unwrap();
        assert_eq!((minus.value, minus.typographic_minus), (-2.0, true));
        for bad in ["", "nan", "inf", "1.2.3", "3dB", "-", ".", "1e999"] {
            assert_eq!(plain(bad), None, "{bad}");
        }
        // REW's thousands separator in a frequency, after commas became points.
        let f = frequency(&commas_to_points("1,250")).unwrap();
        assert_eq!((f.value, f.thousands), (1250.0, true));
        assert_eq!(frequency("8.000").unwrap().value, 8000.0);
        assert_eq!(frequency("50.0").unwrap().value, 50.0);
        assert_eq!(frequency("1000").unwrap().value, 1000.0);
        assert_eq!(frequency("1\u{a0}000").unwrap().value, 1000.0);
        // The rule as EqualizerAPO has it: three decimals are a thousands separator.
        assert_eq!(frequency("50.125").unwrap().value, 50125.0);
        assert!(!frequency("1.5e3").unwrap().thousands);
        assert_eq!(frequency("1.250.5"), None);
    }
}
