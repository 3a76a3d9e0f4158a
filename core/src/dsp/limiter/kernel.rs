//! The band-limited interpolation kernel that defines "true peak" in this project.
//!
//! `h(t) = sinc(t) · kaiser(t / 128, β = 10)`: the continuous form of the 16×,
//! 4097-tap, Kaiser β = 10 windowed-sinc reference interpolator of
//! `docs/measuring.md` (cut-off at the original Nyquist frequency, ±128 input
//! samples of support). The limiter's detector evaluates this very kernel at
//! fractional offsets, so its near-field sum is the reference's, term by term;
//! ITU-R BS.1770-4 Annex 2 describes the same idea with a short 4× filter.

use std::f64::consts::PI;

/// Half-width of the kernel's support, in input samples.
pub const SUPPORT_SAMPLES: usize = 128;

/// Kaiser window shape parameter β.
pub const KAISER_BETA: f64 = 10.0;

/// Modified Bessel function of the first kind, order 0 (power series; converges fast for x ≤ 20).
pub fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half_sq = x * x / 4.0;
    for k in 1..64 {
        term *= half_sq / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// The Kaiser window over ±[`SUPPORT_SAMPLES`], at offset `t` (input samples); 0 outside.
pub fn window(t: f64) -> f64 {
    let x = t / SUPPORT_SAMPLES as f64;
    if x.abs() > 1.0 {
        return 0.0;
    }
    bessel_i0(KAISER_BETA * (1.0 - x * x).sqrt()) / bessel_i0(KAISER_BETA)
}

/// The interpolation kernel `h(t)`: weight of an input sample `t` samples away
/// from the point being reconstructed.
pub fn kernel(t: f64) -> f64 {
    if t == 0.0 {
        return 1.0;
    }
    let sinc = (PI * t).sin() / (PI * t);
    sinc * window(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_interpolates_and_passes_dc() {
        assert_eq!(kernel(0.0), 1.0);
        assert!(kernel(3.0).abs() < 1e-15);
        // Each fractional phase sums to ~1 (DC passes unchanged).
        for phase in [0.25, 0.5, 0.75] {
            let s: f64 = (-128..=128).map(|k| kernel(k as f64 + phase)).sum();
            assert!((s - 1.0).abs() < 1e-4, "phase {phase}: {s}");
        }
        assert!((bessel_i0(0.0) - 1.0).abs() < 1e-15);
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008).abs() < 1e-12);
    }
}
