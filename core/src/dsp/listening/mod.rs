//! Safe listening: how loud it really is at the ear, and how much of the weekly sound
//! allowance that uses.
//!
//! - [`a_weighting`]: the IEC 61672-1 A-weighting filter.
//! - [`calibration`]: the level a full-scale sine makes at the ear (from the playback chain
//!   or measured).
//! - [`dose`]: ITU-T H.870 weekly sound allowance arithmetic.
//! - [`generator`]: pink noise, 1 kHz sine and a channel check for setting up headphones.
//! - [`ListeningMeter`] (here): A-weighted energy of the output, per ear, per block, and
//!   its conversion into sound exposure.
//!
//! Pure: no clock, no file, no `nice_plug`; the plugin glue keeps the running totals and a
//! background thread persists them (see `src/history.rs`).

pub mod a_weighting;
pub mod calibration;
pub mod dose;
pub mod generator;

use a_weighting::AWeighting;

/// Mean square of a full-scale sine: the 0 dBFS reference of every level here.
pub const FULL_SCALE_SINE_MS: f64 = 0.5;

/// A-weighted energy of the output, per ear.
#[derive(Debug, Clone)]
pub struct ListeningMeter {
    weighting: [AWeighting; 2],
}

impl ListeningMeter {
    /// A meter for `sample_rate` Hz.
    pub fn new(sample_rate: f32) -> Self {
        Self {
            weighting: [AWeighting::new(sample_rate), AWeighting::new(sample_rate)],
        }
    }

    /// Clears the filters.
    pub fn reset(&mut self) {
        for w in &mut self.weighting {
            w.reset();
        }
    }

    /// Σ y² of the A-weighted block, per ear.
    pub fn process(&mut self, left: &[f32], right: &[f32]) -> [f64; 2] {
        [
            self.weighting[0].energy(left),
            self.weighting[1].energy(right),
        ]
    }
}

/// A-weighted level in dB SPL of a mean square (re a full-scale sine) under a calibration.
pub fn level_db_spl(mean_square: f64, full_scale_spl: f64) -> f64 {
    if mean_square <= 0.0 {
        return f64::NEG_INFINITY;
    }
    full_scale_spl + 10.0 * (mean_square / FULL_SCALE_SINE_MS).log10()
}

/// Sound exposure, in Pa²·h, of `frames` samples whose louder ear had A-weighted energy
/// `sum_sq` (Σ y², re a full-scale sine) at `sample_rate` Hz. The louder ear counts: the
/// allowance protects each ear, and the louder one is at risk first.
pub fn exposure_pa2h(sum_sq: [f64; 2], sample_rate: f32, full_scale_spl: f64) -> f64 {
    let louder = sum_sq[0].max(sum_sq[1]);
    let p_fs_sq = dose::pressure_sq_pa2(full_scale_spl);
    p_fs_sq * (louder / FULL_SCALE_SINE_MS) / f64::from(sample_rate) / 3600.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calibrated_1_khz_sine_gives_its_spl_and_exposure() {
        let rate = 48_000.0f32;
        let mut meter = ListeningMeter::new(rate);
        // −20 dBFS sine at 1 kHz, calibration 0 dBFS = 100 dB SPL → 80 dB(A).
        let x: Vec<f32> = (0..96_000)
            .map(|n| 0.1 * (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / rate).sin())
            .collect();
        meter.process(&x[..48_000], &x[..48_000]);
        let sums = meter.process(&x[48_000..], &x[48_000..]);
        let level = level_db_spl(sums[0] / 48_000.0, 100.0);
        assert!((level - 80.0).abs() < 0.01, "{level}");
        // One second at 80 dB(A): 0.04 Pa² × 1/3600 h.
        let e = exposure_pa2h(sums, rate, 100.0);
        assert!((e / (0.04 / 3600.0) - 1.0).abs() < 0.003, "{e}");
        // The louder ear counts.
        let e_one_ear = exposure_pa2h([sums[0], 0.0], rate, 100.0);
        assert_eq!(e_one_ear, e);
    }
}
