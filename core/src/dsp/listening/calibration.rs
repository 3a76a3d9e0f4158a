//! Calibration: which sound pressure level at the ear a full-scale sine (0 dBFS) produces.
//!
//! From the chain: interface output level at 0 dBFS (dBu re 0.7746 V, or dBV re 1 V), the
//! headphone amplifier's gain, the headphones' sensitivity (dB SPL for 1 mW, or for 1 V) and,
//! for a per-milliwatt figure, their impedance: `V = V_iface · 10^(gain/20)`,
//! `P = V² / Z`, `SPL = S_mW + 10·log10(P / 1 mW)` or `SPL = S_V + 20·log10(V / 1 V)`.
//! By measurement: play the 1 kHz test sine (−20 dBFS RMS, see the generator; at 1 kHz the
//! A, C and Z weightings agree) and enter the SPL a meter reads (+20 dB gives 0 dBFS), or
//! enter "0 dBFS = X dB SPL" directly. The pink noise (also −20 dBFS RMS) only suits a flat
//! (Z-weighted) meter: A-weighted it reads about 3.4 dB lower.
//!
//! A headphone's sensitivity is specified at 1 kHz; the estimate ignores its frequency
//! response and the coupling to a particular ear (that is what a measurement captures).

/// Volts RMS of 0 dBu.
pub const DBU_REF_V: f64 = 0.774_596_669;

/// The unit of an interface output level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LevelUnit {
    /// dBu (re 0.7746 V RMS).
    Dbu,
    /// dBV (re 1 V RMS).
    Dbv,
}

/// The unit of a headphone sensitivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SensitivityUnit {
    /// dB SPL for 1 mW (needs the impedance).
    PerMilliwatt,
    /// dB SPL for 1 V RMS.
    PerVolt,
}

/// The playback chain, as a user describes it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChainCalibration {
    /// Interface output level for a full-scale sine, in `interface_unit`.
    pub interface_level: f64,
    /// Unit of `interface_level`.
    pub interface_unit: LevelUnit,
    /// Headphone amplifier gain, in dB (0 if none).
    pub amp_gain_db: f64,
    /// Headphone sensitivity, in dB SPL per `sensitivity_unit`.
    pub sensitivity: f64,
    /// Unit of `sensitivity`.
    pub sensitivity_unit: SensitivityUnit,
    /// Headphone impedance, in Ω.
    pub impedance_ohm: f64,
}

/// The steps of the chain formula, for the editor to show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainSteps {
    /// Interface output for a full-scale sine, in V RMS.
    pub interface_v: f64,
    /// At the headphones, after the amplifier, in V RMS.
    pub headphone_v: f64,
    /// Electrical power into the headphones, in mW.
    pub power_mw: f64,
    /// Resulting SPL of a full-scale sine, in dB SPL.
    pub full_scale_spl: f64,
}

impl ChainCalibration {
    /// Common interface output levels at 0 dBFS: (label, level, unit).
    pub const INTERFACE_PRESETS: [(&'static str, f64, LevelUnit); 3] = [
        ("+4 dBu pro line", 4.0, LevelUnit::Dbu),
        ("−10 dBV consumer line", -10.0, LevelUnit::Dbv),
        (
            "Headphone output (+6 dBu, check your spec)",
            6.0,
            LevelUnit::Dbu,
        ),
    ];

    /// Works the formula through.
    pub fn steps(&self) -> ChainSteps {
        let interface_v = match self.interface_unit {
            LevelUnit::Dbu => DBU_REF_V * crate::dsp::math::db_to_amplitude(self.interface_level),
            LevelUnit::Dbv => crate::dsp::math::db_to_amplitude(self.interface_level),
        };
        let headphone_v = interface_v * crate::dsp::math::db_to_amplitude(self.amp_gain_db);
        let impedance = self.impedance_ohm.max(1e-3);
        let power_mw = 1000.0 * headphone_v * headphone_v / impedance;
        let full_scale_spl = match self.sensitivity_unit {
            SensitivityUnit::PerMilliwatt => self.sensitivity + 10.0 * power_mw.log10(),
            SensitivityUnit::PerVolt => self.sensitivity + 20.0 * headphone_v.log10(),
        };
        ChainSteps {
            interface_v,
            headphone_v,
            power_mw,
            full_scale_spl,
        }
    }
}

impl Default for ChainCalibration {
    fn default() -> Self {
        Self {
            interface_level: 4.0,
            interface_unit: LevelUnit::Dbu,
            amp_gain_db: 0.0,
            sensitivity: 100.0,
            sensitivity_unit: SensitivityUnit::PerMilliwatt,
            impedance_ohm: 32.0,
        }
    }
}

/// How the plugin knows the level at the ear.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, Default)]
pub enum Calibration {
    /// Not calibrated: no SPL is shown, no dose is counted.
    #[default]
    None,
    /// From the playback chain's data.
    Chain(ChainCalibration),
    /// Measured: a full-scale sine gives this SPL, in dB SPL.
    Measured {
        /// SPL of a full-scale sine, in dB SPL.
        full_scale_spl: f64,
    },
}

/// The RMS level of the calibration signals, in dBFS (a full-scale sine is 0 dBFS).
pub const CALIBRATION_NOISE_DBFS: f64 = -20.0;

impl Calibration {
    /// From a meter reading taken while a calibration signal plays (the 1 kHz sine with any
    /// meter weighting, or the pink noise with a flat one).
    pub fn from_noise_reading(spl_read: f64) -> Self {
        Calibration::Measured {
            full_scale_spl: spl_read - CALIBRATION_NOISE_DBFS,
        }
    }

    /// The SPL of a full-scale sine, if calibrated (and sane: 0 … 200 dB SPL).
    pub fn full_scale_spl(&self) -> Option<f64> {
        let spl = match self {
            Calibration::None => return None,
            Calibration::Chain(chain) => chain.steps().full_scale_spl,
            Calibration::Measured { full_scale_spl } => *full_scale_spl,
        };
        (spl.is_finite() && (0.0..=200.0).contains(&spl)).then_some(spl)
    }
}

/// Reference listening levels for −20 dBFS RMS pink noise, in dB SPL: 85 (cinema, SMPTE
/// RP 200), 83 and 79 (the scaled-down levels used for television/streaming and small
/// rooms, e.g. in Dolby's and Netflix's mixing guidance).
pub const REFERENCE_LEVELS_SPL: [f64; 3] = [79.0, 83.0, 85.0];

/// The output gain (dB, on the parameter's 0.1 dB grid) that plays the calibration pink
/// noise — −20 dBFS RMS in the programme — at `target_spl` dB SPL at the ear (flat), with
/// a full-scale sine at `full_scale_spl` and `correction_db` added at the ear by a
/// headphone correction (its 1 kHz gain with preamp and level match, the ears averaged;
/// 0 without one). `Err(gain)` if the gain falls outside `min_db … max_db`.
pub fn gain_for_reference(
    target_spl: f64,
    full_scale_spl: f64,
    correction_db: f64,
    (min_db, max_db): (f64, f64),
) -> Result<f64, f64> {
    let gain = target_spl - (full_scale_spl + CALIBRATION_NOISE_DBFS) - correction_db;
    let gain = (gain * 10.0).round() / 10.0;
    if gain.is_finite() && (min_db..=max_db).contains(&gain) {
        Ok(gain)
    } else {
        Err(gain)
    }
}

/// The limiter ceiling (dBTP) that keeps peaks at or below `peak_spl` at the ear: a
/// full-scale sine (peak 0 dBTP) has an RMS SPL of `full_scale_spl`, its peak is 3.01 dB
/// higher.
pub fn ceiling_for_peak_spl(peak_spl: f64, full_scale_spl: f64) -> f64 {
    peak_spl - (full_scale_spl + 20.0 * std::f64::consts::SQRT_2.log10())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_formula_matches_hand_calculations() {
        // +4 dBu = 1.228 V; no amp; 100 dB SPL/mW, 32 Ω: P = 1.508²… = 47.1 mW → 116.7 dB SPL.
        let c = ChainCalibration::default();
        let s = c.steps();
        assert!((s.interface_v - 1.2277).abs() < 1e-3, "{}", s.interface_v);
        assert!((s.power_mw - 47.10).abs() < 0.05, "{}", s.power_mw);
        assert!(
            (s.full_scale_spl - 116.73).abs() < 0.01,
            "{}",
            s.full_scale_spl
        );
        // −10 dBV = 0.316 V, +6 dB amp = 0.631 V, 300 Ω, 97 dB SPL/mW:
        // P = 0.631²/300 = 1.327 mW → 97 + 1.23 = 98.23 dB SPL.
        let c = ChainCalibration {
            interface_level: -10.0,
            interface_unit: LevelUnit::Dbv,
            amp_gain_db: 6.0,
            sensitivity: 97.0,
            sensitivity_unit: SensitivityUnit::PerMilliwatt,
            impedance_ohm: 300.0,
        };
        let s = c.steps();
        assert!((s.headphone_v - 0.6310).abs() < 1e-3, "{}", s.headphone_v);
        assert!(
            (s.full_scale_spl - 98.23).abs() < 0.01,
            "{}",
            s.full_scale_spl
        );
        // Per volt: 0 dBV into 110 dB SPL/V → 110 dB SPL (impedance irrelevant).
        let c = ChainCalibration {
            interface_level: 0.0,
            interface_unit: LevelUnit::Dbv,
            amp_gain_db: 0.0,
            sensitivity: 110.0,
            sensitivity_unit: SensitivityUnit::PerVolt,
            impedance_ohm: 1.0,
        };
        assert!((c.steps().full_scale_spl - 110.0).abs() < 1e-9);
    }

    #[test]
    fn measured_and_uncalibrated() {
        assert_eq!(Calibration::None.full_scale_spl(), None);
        assert_eq!(
            Calibration::from_noise_reading(78.5).full_scale_spl(),
            Some(98.5)
        );
        assert_eq!(
            Calibration::Measured {
                full_scale_spl: f64::NAN
            }
            .full_scale_spl(),
            None
        );
    }

    #[test]
    fn spl_ceiling_converts_through_the_calibration() {
        // 0 dBFS sine = 110 dB SPL RMS = 113.0 dB SPL peak: a 100 dB SPL peak ceiling is
        // −13.0 dBTP.
        let c = ceiling_for_peak_spl(100.0, 110.0);
        assert!((c + 13.0103).abs() < 1e-3, "{c}");
    }
}
