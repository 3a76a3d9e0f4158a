//! Sound dose arithmetic per ITU-T H.870 (2022), "Guidelines for safe listening
//! devices/systems": the weekly sound allowance is a sound exposure of 1.6 Pa²·h over 7 days
//! (80 dB(A) for 40 hours), with equal energy (a 3 dB exchange rate); the stricter mode for
//! sensitive users is 0.51 Pa²·h (75 dB(A) for 40 hours).

/// Reference sound pressure, in Pa (0 dB SPL).
pub const P0_PA: f64 = 20e-6;

/// The weekly allowance in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Criterion {
    /// 80 dB(A) for 40 h a week: 1.6 Pa²·h (H.870 mode 1, adults).
    Standard80,
    /// 75 dB(A) for 40 h a week: 0.51 Pa²·h (H.870 mode 2, sensitive users).
    Sensitive75,
}

impl Criterion {
    /// The weekly allowance, in Pa²·h.
    pub fn allowance_pa2h(self) -> f64 {
        match self {
            Criterion::Standard80 => exposure_pa2h(80.0, 40.0),
            Criterion::Sensitive75 => exposure_pa2h(75.0, 40.0),
        }
    }
}

/// Mean-square sound pressure of a level, in Pa².
pub fn pressure_sq_pa2(level_db: f64) -> f64 {
    P0_PA * P0_PA * crate::dsp::math::db_to_power(level_db)
}

/// Sound exposure of `hours` at `level_db` (A-weighted), in Pa²·h.
pub fn exposure_pa2h(level_db: f64, hours: f64) -> f64 {
    pressure_sq_pa2(level_db) * hours
}

/// Dose as a percentage of the weekly allowance.
pub fn dose_percent(exposure_pa2h: f64, criterion: Criterion) -> f64 {
    100.0 * exposure_pa2h / criterion.allowance_pa2h()
}

/// Hours until the allowance is used up when listening at `level_db` with `used_pa2h`
/// already used; `None` for silence (never), 0 if already used up.
pub fn hours_to_full(level_db: f64, used_pa2h: f64, criterion: Criterion) -> Option<f64> {
    let rate = pressure_sq_pa2(level_db);
    if !rate.is_finite() || rate <= 0.0 {
        return None;
    }
    Some(((criterion.allowance_pa2h() - used_pa2h) / rate).max(0.0))
}

/// Equivalent continuous level of an exposure over `hours`, in dB (−∞ for none).
pub fn leq_db(exposure_pa2h: f64, hours: f64) -> f64 {
    if exposure_pa2h <= 0.0 || hours <= 0.0 {
        return f64::NEG_INFINITY;
    }
    10.0 * (exposure_pa2h / hours / (P0_PA * P0_PA)).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighty_dba_for_forty_hours_is_the_whole_allowance() {
        let e = exposure_pa2h(80.0, 40.0);
        assert!((e - 1.6).abs() < 1e-9, "{e}");
        assert!((dose_percent(e, Criterion::Standard80) - 100.0).abs() < 1e-9);
        // 75 dB(A) for 40 h: 0.51 Pa²·h (H.870 mode 2).
        let e75 = Criterion::Sensitive75.allowance_pa2h();
        assert!((e75 - 0.506).abs() < 0.001, "{e75}");
    }

    #[test]
    fn three_db_more_halves_the_time() {
        let t80 = hours_to_full(80.0, 0.0, Criterion::Standard80).unwrap();
        let t83 = hours_to_full(83.0, 0.0, Criterion::Standard80).unwrap();
        let t89 = hours_to_full(89.0, 0.0, Criterion::Standard80).unwrap();
        assert!((t80 - 40.0).abs() < 1e-9);
        assert!((t83 / t80 - 0.5).abs() < 0.002, "{t83}");
        assert!((t89 / t80 - 0.125).abs() < 0.001, "{t89}");
        // 100 dB(A): the week's allowance in 24 minutes.
        let t100 = hours_to_full(100.0, 0.0, Criterion::Standard80).unwrap();
        assert!((t100 * 60.0 - 24.0).abs() < 0.1, "{} min", t100 * 60.0);
        // Half used at 80 dB(A): 20 h left; silence never fills it; over-full is 0.
        assert!((hours_to_full(80.0, 0.8, Criterion::Standard80).unwrap() - 20.0).abs() < 1e-9);
        assert_eq!(
            hours_to_full(f64::NEG_INFINITY, 0.0, Criterion::Standard80),
            None
        );
        assert_eq!(hours_to_full(80.0, 5.0, Criterion::Standard80), Some(0.0));
    }

    #[test]
    fn leq_inverts_exposure() {
        let e = exposure_pa2h(85.0, 2.0) + exposure_pa2h(85.0, 2.0);
        assert!((leq_db(e, 4.0) - 85.0).abs() < 1e-9);
        assert_eq!(leq_db(0.0, 1.0), f64::NEG_INFINITY);
    }
}
