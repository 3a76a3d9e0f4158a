//! What a user reads: every number the editor shows is formatted here, so the
//! rules (−∞ for silence, one decimal for dB, never "−0.0") are unit-tested once.

use crate::monitor::render_guard::RenderState;

/// Levels at or below this are shown as −∞, in dB.
pub const SILENCE_DB: f32 = -200.0;

/// A linear amplitude in dB; 0, negatives and NaN give −∞.
pub fn linear_to_db(amplitude: f32) -> f32 {
    if amplitude > 0.0 && amplitude.is_finite() {
        20.0 * amplitude.log10()
    } else if amplitude == f32::INFINITY {
        f32::INFINITY
    } else {
        f32::NEG_INFINITY
    }
}

/// Gain reduction in dB (0 or more) for a linear limiter gain (1 = no reduction).
pub fn gain_reduction_db(gain: f32) -> f32 {
    if gain.is_nan() {
        return 0.0;
    }
    let reduction = -linear_to_db(gain.min(1.0));
    if reduction > 0.0 {
        reduction
    } else {
        0.0
    }
}

/// A level in dB with one decimal: "−∞" for silence, "+∞" for overflow, no "−0.0".
pub fn db(value_db: f32) -> String {
    if value_db.is_nan() || value_db <= SILENCE_DB {
        "-∞".to_owned()
    } else if value_db == f32::INFINITY {
        "+∞".to_owned()
    } else {
        let rounded = (value_db * 10.0).round() / 10.0;
        if rounded == 0.0 {
            "0.0".to_owned()
        } else {
            format!("{rounded:.1}")
        }
    }
}

/// A level with its unit, e.g. "-3.2 dBTP" or "-∞ dBFS".
pub fn db_with_unit(value_db: f32, unit: &str) -> String {
    format!("{} {unit}", db(value_db))
}

/// A gain reduction with one decimal, shown as a negative number ("-2.5 dB", "0.0 dB").
pub fn reduction(reduction_db: f32) -> String {
    if reduction_db.is_nan() || reduction_db < 0.05 {
        "0.0 dB".to_owned()
    } else {
        format!("{} dB", db(-reduction_db))
    }
}

/// A correlation (−1 … +1) with two decimals and an explicit sign; "—" without signal.
pub fn correlation(value: Option<f32>) -> String {
    match value {
        Some(c) if c.is_finite() => {
            let c = c.clamp(-1.0, 1.0);
            let rounded = (c * 100.0).round() / 100.0;
            if rounded == 0.0 {
                "0.00".to_owned()
            } else {
                format!("{rounded:+.2}")
            }
        }
        _ => "—".to_owned(),
    }
}

/// How serious a render status line is (for its colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Information: nothing to do.
    Info,
    /// Worth a look: the processing was (or is being) printed, or protection held.
    Notice,
}

/// The header's line about offline rendering: what the plugin does now, or, in real time,
/// what happened to the last export. `None` when there is nothing to say.
pub fn render_status(current: RenderState, last: RenderState) -> Option<(&'static str, Severity)> {
    use RenderState::*;
    match (current, last) {
        (Verifying, _) => Some((
            "OFFLINE RENDER: monitoring off, ceiling kept (checking the pace)",
            Severity::Info,
        )),
        (PassThrough, _) => Some((
            "OFFLINE RENDER: passing through unprocessed",
            Severity::Info,
        )),
        (RealtimePace, _) => Some((
            "HOST SAYS OFFLINE BUT PLAYS IN REAL TIME: protecting",
            Severity::Notice,
        )),
        (Printing, _) => Some(("OFFLINE RENDER: printing the processing", Severity::Notice)),
        (Realtime, PassThrough) => {
            Some(("Last export: passed through unprocessed", Severity::Info))
        }
        (Realtime, RealtimePace) => Some((
            "Last offline render ran at real-time pace: it was processed",
            Severity::Notice,
        )),
        (Realtime, Printing) => Some(("Last export: processing printed", Severity::Notice)),
        (Realtime, Verifying) => Some((
            "Last export: too short to prove the pace; overs limited",
            Severity::Info,
        )),
        (Realtime, Realtime) => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn render_status_says_what_happened() {
        use RenderState::*;
        assert_eq!(render_status(Realtime, Realtime), None);
        let (text, severity) = render_status(PassThrough, Realtime).unwrap();
        assert!(text.contains("passing through") && severity == Severity::Info);
        assert!(render_status(RealtimePace, Verifying)
            .unwrap()
            .0
            .contains("protecting"));
        assert!(render_status(Realtime, PassThrough)
            .unwrap()
            .0
            .contains("Last export"));
        assert_eq!(
            render_status(Realtime, Printing).unwrap().1,
            Severity::Notice
        );
    }

    use super::*;

    #[test]
    fn silence_and_bad_values_read_minus_infinity() {
        assert_eq!(db(linear_to_db(0.0)), "-∞");
        assert_eq!(db(linear_to_db(-1.0)), "-∞");
        assert_eq!(db(linear_to_db(f32::NAN)), "-∞");
        assert_eq!(db(f32::NEG_INFINITY), "-∞");
        assert_eq!(db(f32::NAN), "-∞");
        assert_eq!(db(linear_to_db(f32::INFINITY)), "+∞");
        assert_eq!(db_with_unit(linear_to_db(0.0), "dBFS"), "-∞ dBFS");
    }

    #[test]
    fn decibels_have_one_decimal_and_no_negative_zero() {
        assert_eq!(db(linear_to_db(1.0)), "0.0");
        assert_eq!(db(-0.04), "0.0");
        assert_eq!(db(-0.05), "-0.1");
        assert_eq!(db(linear_to_db(0.5)), "-6.0");
        assert_eq!(db(linear_to_db(2.0)), "6.0");
        assert_eq!(db(-60.0), "-60.0");
        assert_eq!(db(-123.456), "-123.5");
        assert_eq!(db_with_unit(-1.0, "dBTP"), "-1.0 dBTP");
    }

    #[test]
    fn gain_reduction_reads_as_a_positive_amount_shown_negative() {
        assert_eq!(gain_reduction_db(1.0), 0.0);
        assert_eq!(gain_reduction_db(1.5), 0.0);
        assert_eq!(gain_reduction_db(f32::NAN), 0.0);
        assert!((gain_reduction_db(0.5) - 6.0206).abs() < 1e-3);
        assert_eq!(gain_reduction_db(0.0), f32::INFINITY);
        assert_eq!(reduction(0.0), "0.0 dB");
        assert_eq!(reduction(0.01), "0.0 dB");
        assert_eq!(reduction(6.0206), "-6.0 dB");
        assert_eq!(reduction(f32::NAN), "0.0 dB");
    }

    #[test]
    fn correlation_has_a_sign_and_two_decimals() {
        assert_eq!(correlation(Some(1.0)), "+1.00");
        assert_eq!(correlation(Some(-0.456)), "-0.46");
        assert_eq!(correlation(Some(0.001)), "0.00");
        assert_eq!(correlation(Some(3.0)), "+1.00");
        assert_eq!(correlation(None), "—");
        assert_eq!(correlation(Some(f32::NAN)), "—");
    }
}
