//! The strict true-peak reference evaluated exactly, one sample interval at a time:
//! the refinement step of the limiter's detector.
//!
//! `docs/measuring.md` defines the strict true peak as the largest magnitude of
//! the signal oversampled 16× by the 4097-tap Kaiser (β = 10) windowed sinc of
//! [`super::kernel`], with the taps normalised so that DC passes unchanged. The
//! value at `p + m/16` is `Σ_k x[p + k] · ĥ(m/16 − k)` over the 256 samples
//! `k = −127 … 128` whose weight is not zero (`ĥ = h · norm`, see [`reference_norm`]).
//!
//! This module computes those sixteen values for one interval `[p, p + 1)` with the
//! reference's own taps. The kernel is even, so phase `16 − m` uses phase `m`'s taps
//! mirrored about `p + ½`: folding the window into sums `u` and differences `v` of
//! mirrored samples gives both phases from two dot products, `V(m) ± V(16 − m) =
//! Σ (a ± b)·(u or v)`, and the half-sample phase from one. That is 15 dot products
//! of 128 terms (1920 products) for the 15 fractional phases; phase 0 is the sample
//! itself. The products are summed in f32 in a fixed order (8 lanes, then the
//! lanes), and the caller adds [`ROUNDING_MARGIN`] for the difference from the
//! reference's f64 sums.
//!
//! On x86-64 CPUs with AVX2 the same sums are written with AVX2 intrinsics and picked
//! at run time: with fused multiply-adds where the CPU has FMA (the same products in
//! the same order, each added with one rounding instead of two: within the same
//! margin, at about half the instructions), else with separate multiplies and adds
//! (the portable build's bits exactly). One machine always picks the same build.

use super::kernel;
use crate::dsp::cpu::{dispatch, Cpu};

/// Samples on each side of the interval's midpoint that the reference reads
/// (`k = −127 … 128` around `p`).
pub const HALF_WINDOW: usize = kernel::SUPPORT_SAMPLES;
/// Length of the window of samples one interval depends on.
pub const WINDOW: usize = 2 * HALF_WINDOW;
/// Fractional phases per sample interval (the reference's oversampling).
pub const PHASES: usize = 16;
/// Relative margin added to an exact value for f32 rounding: the 256 products are
/// summed as 8 lanes of 16 plus a lane sum, an error below `20 · 2⁻²⁴ · Σ|terms|`,
/// and `Σ|ĥ| < 5` per phase. 4·10⁻⁵ (0.0003 dB) covers it with room.
pub const ROUNDING_MARGIN: f32 = 4.0e-5;
/// Lanes of the dot products.
const LANES: usize = 8;

/// The factor the reference multiplies every tap by so that DC passes unchanged:
/// `16 / Σ_m Σ_k h(m/16 − k)` (about 1 + 5.6·10⁻⁷ for this kernel).
pub fn reference_norm() -> f64 {
    let support = kernel::SUPPORT_SAMPLES as i64;
    let mut total = 0.0;
    for m in 0..PHASES {
        let phase = m as f64 / PHASES as f64;
        total += (-support..=support)
            .map(|k| kernel::kernel(phase - k as f64))
            .sum::<f64>();
    }
    PHASES as f64 / total
}

/// Folded taps of the reference interpolator (see the module docs).
#[derive(Debug, Clone)]
pub struct ExactPeak {
    /// Rows 0‥6: `a + b` for phases m = 1‥7; row 7: the half-sample phase; rows
    /// 8‥14: `a − b` for m = 1‥7. Column `i` pairs `x[p + 1 + i]` with `x[p − i]`.
    taps: Box<[[f32; HALF_WINDOW]; 15]>,
    /// The reference's DC normalisation, applied to phase 0 (the sample itself).
    norm: f32,
    /// What this CPU can run (the AVX2 build).
    cpu: Cpu,
}

impl Default for ExactPeak {
    fn default() -> Self {
        Self::new()
    }
}

impl ExactPeak {
    /// Builds the tap table (allocates; call from `activate`).
    pub fn new() -> Self {
        let norm = reference_norm();
        let mut taps = Box::new([[0.0f32; HALF_WINDOW]; 15]);
        for i in 0..HALF_WINDOW {
            for m in 1..8 {
                let phase = m as f64 / PHASES as f64;
                // a: weight of x[p + 1 + i] at p + m/16; b: weight of x[p − i].
                let a = kernel::kernel(phase - (i as f64 + 1.0)) * norm;
                let b = kernel::kernel(phase + i as f64) * norm;
                taps[m - 1][i] = (a + b) as f32;
                taps[7 + m][i] = (a - b) as f32;
            }
            taps[7][i] = (kernel::kernel(0.5 + i as f64) * norm) as f32;
        }
        Self {
            taps,
            norm: norm as f32,
            cpu: Cpu::detect(),
        }
    }

    /// The largest magnitude of the reference reconstruction on `[p, p + 1)`, where
    /// `window[j]` is the sample `x[p − 127 + j]` (so `x[p]` is `window[127]`). Add
    /// [`ROUNDING_MARGIN`] (relative) before using it as a bound.
    pub fn interval_peak(&self, window: &[f32]) -> f32 {
        let window: &[f32; WINDOW] = window[..WINDOW].try_into().expect("window length");
        // (The window holds `WINDOW` samples; the AVX2 build reads inside it only.)
        if self.cpu.avx2_fma() {
            return dispatch!(
                true,
                interval_peak_fma(&self.taps, self.norm, window),
                interval_peak(&self.taps, self.norm, window)
            );
        }
        dispatch!(
            self.cpu.avx2(),
            interval_peak_avx2(&self.taps, self.norm, window),
            interval_peak(&self.taps, self.norm, window)
        )
    }
}

/// [`interval_peak`] with AVX2 and fused multiply-adds: the same products in the same
/// order as the portable code, each added with one rounding instead of two (so a hair
/// closer to the reference's f64 sums, within the same [`ROUNDING_MARGIN`]), at about
/// half the instructions. One machine always picks the same build, so the plug-in and
/// the renderer still agree bit for bit.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn interval_peak_fma(
    taps: &[[f32; HALF_WINDOW]; 15],
    norm: f32,
    window: &[f32; WINDOW],
) -> f32 {
    interval_peak_intrinsics::<true>(taps, norm, window)
}

/// The intrinsics builds' body: fold, the 15 dot products, the peak.
///
/// # Safety
/// The CPU must support AVX2, and FMA too when `FUSED`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn interval_peak_intrinsics<const FUSED: bool>(
    taps: &[[f32; HALF_WINDOW]; 15],
    norm: f32,
    window: &[f32; WINDOW],
) -> f32 {
    let (u, v) = fold_avx2(window);
    let mut sums = [0.0f32; 16];
    sums[..8].copy_from_slice(&dot_rows_avx2::<8, FUSED>(taps, 0, &u));
    sums[8..15].copy_from_slice(&dot_rows_avx2::<7, FUSED>(taps, 8, &v));
    peak_of(norm, window, &sums)
}

/// The folded window in registers: `u = x[p+1+i] + x[p−i]`, `v = x[p+1+i] − x[p−i]`.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn fold_avx2(
    window: &[f32; WINDOW],
) -> (
    [std::arch::x86_64::__m256; HALF_WINDOW / LANES],
    [std::arch::x86_64::__m256; HALF_WINDOW / LANES],
) {
    use std::arch::x86_64::*;
    const CHUNKS: usize = HALF_WINDOW / LANES;
    let reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    let mut u = [_mm256_setzero_ps(); CHUNKS];
    let mut v = [_mm256_setzero_ps(); CHUNKS];
    let base = window.as_ptr();
    for c in 0..CHUNKS {
        // hi = x[p+1+i] for i = 8c‥8c+7; lo = x[p−i], read backwards and reversed.
        let hi = _mm256_loadu_ps(base.add(HALF_WINDOW + c * LANES));
        let lo = _mm256_loadu_ps(base.add(HALF_WINDOW - (c + 1) * LANES));
        let lo = _mm256_permutevar8x32_ps(lo, reverse);
        u[c] = _mm256_add_ps(hi, lo);
        v[c] = _mm256_sub_ps(hi, lo);
    }
    (u, v)
}

/// [`interval_peak`] with AVX2 intrinsics: the same products and sums in the same
/// order as the portable code (lane `j` of chunk `c` is term `8c + j`), so the same bits.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn interval_peak_avx2(
    taps: &[[f32; HALF_WINDOW]; 15],
    norm: f32,
    window: &[f32; WINDOW],
) -> f32 {
    interval_peak_intrinsics::<false>(taps, norm, window)
}

/// Rows `first‥first + R` of `taps` times the folded window `x`, lane sums in the
/// portable order; with `FUSED`, each product is added by a fused multiply-add.
///
/// # Safety
/// The CPU must support AVX2, and FMA too when `FUSED`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn dot_rows_avx2<const R: usize, const FUSED: bool>(
    taps: &[[f32; HALF_WINDOW]; 15],
    first: usize,
    x: &[std::arch::x86_64::__m256; HALF_WINDOW / LANES],
) -> [f32; R] {
    use std::arch::x86_64::*;
    let mut acc = [_mm256_setzero_ps(); R];
    for (c, &x) in x.iter().enumerate() {
        for k in 0..R {
            let t = _mm256_loadu_ps(taps[first + k].as_ptr().add(c * LANES));
            acc[k] = if FUSED {
                fused_multiply_add(t, x, acc[k])
            } else {
                _mm256_add_ps(acc[k], _mm256_mul_ps(t, x))
            };
        }
    }
    let mut out = [0.0f32; R];
    for k in 0..R {
        let mut lanes = [0.0f32; LANES];
        _mm256_storeu_ps(lanes.as_mut_ptr(), acc[k]);
        out[k] = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
            + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    }
    out
}

/// `a · b + c` with one rounding.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn fused_multiply_add(
    a: std::arch::x86_64::__m256,
    b: std::arch::x86_64::__m256,
    c: std::arch::x86_64::__m256,
) -> std::arch::x86_64::__m256 {
    std::arch::x86_64::_mm256_fmadd_ps(a, b, c)
}

/// See [`ExactPeak::interval_peak`].
#[inline(always)]
fn interval_peak(taps: &[[f32; HALF_WINDOW]; 15], norm: f32, window: &[f32; WINDOW]) -> f32 {
    // Fold: u[i] = x[p+1+i] + x[p−i], v[i] = x[p+1+i] − x[p−i].
    let mut u = [0.0f32; HALF_WINDOW];
    let mut v = [0.0f32; HALF_WINDOW];
    for i in 0..HALF_WINDOW {
        let hi = window[HALF_WINDOW + i];
        let lo = window[HALF_WINDOW - 1 - i];
        u[i] = hi + lo;
        v[i] = hi - lo;
    }
    let mut sums = [0.0f32; 16];
    let (sum_rows, diff_rows) = taps.split_at(8);
    dot_rows(sum_rows, &u, &mut sums[..8]);
    dot_rows(diff_rows, &v, &mut sums[8..15]);
    peak_of(norm, window, &sums)
}

/// The peak from the 15 sums: phase 0 is the sample itself, and
/// V(m) = (S_m + D_m)/2 and V(16 − m) = (S_m − D_m)/2, so the larger magnitude of
/// the pair is (|S_m| + |D_m|)/2.
#[inline(always)]
fn peak_of(norm: f32, window: &[f32; WINDOW], sums: &[f32; 16]) -> f32 {
    let mut peak = (norm * window[HALF_WINDOW - 1]).abs().max(sums[7].abs());
    for m in 0..7 {
        peak = peak.max(0.5 * (sums[m].abs() + sums[8 + m].abs()));
    }
    peak
}

/// `out[r]` = dot product of `rows[r]` with `x`, for up to 8 rows at once: the 128
/// terms in chunks of 8 lanes (each row's lanes in registers), then the lanes, in a
/// fixed order.
#[inline(always)]
fn dot_rows(rows: &[[f32; HALF_WINDOW]], x: &[f32; HALF_WINDOW], out: &mut [f32]) {
    let mut acc = [[0.0f32; LANES]; 8];
    for c in 0..HALF_WINDOW / LANES {
        let mut chunk = [0.0f32; LANES];
        chunk.copy_from_slice(&x[c * LANES..(c + 1) * LANES]);
        for (row, acc) in rows.iter().zip(acc.iter_mut()) {
            let taps = &row[c * LANES..(c + 1) * LANES];
            for j in 0..LANES {
                acc[j] += taps[j] * chunk[j];
            }
        }
    }
    for (acc, out) in acc.iter().zip(out.iter_mut()) {
        *out = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's value at p + m/16, directly in f64.
    fn direct(x: &[f32], p: usize, m: usize) -> f64 {
        let norm = reference_norm();
        let phase = m as f64 / PHASES as f64;
        (-(HALF_WINDOW as isize) + 1..=HALF_WINDOW as isize)
            .map(|k| {
                let j = p as isize + k;
                let xj = if j < 0 || j as usize >= x.len() {
                    0.0
                } else {
                    x[j as usize] as f64
                };
                xj * kernel::kernel(phase - k as f64) * norm
            })
            .sum()
    }

    #[test]
    fn matches_the_reference_sum_within_the_rounding_margin_and_builds_agree() {
        let mut seed = 0x2545_f491u32;
        let x: Vec<f32> = (0..1200)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let noise = seed as f32 / u32::MAX as f32 * 2.0 - 1.0;
                match (i / 300) % 4 {
                    0 => noise,
                    1 => {
                        if i % 2 == 0 {
                            0.9
                        } else {
                            -0.9
                        }
                    }
                    2 => 0.7 * (i as f32 * 0.3).sin(),
                    _ => 0.001 * noise + 0.5,
                }
            })
            .collect();
        let fused = ExactPeak::new();
        let unfused = ExactPeak {
            cpu: Cpu::detect().without_fma(),
            ..fused.clone()
        };
        let portable = ExactPeak {
            cpu: Cpu::PORTABLE,
            ..fused.clone()
        };
        for p in (HALF_WINDOW..x.len() - HALF_WINDOW).step_by(7) {
            let window = &x[p + 1 - HALF_WINDOW..p + 1 + HALF_WINDOW];
            let plain = portable.interval_peak(window);
            assert_eq!(unfused.interval_peak(window).to_bits(), plain.to_bits());
            let reference = (0..PHASES).fold(0.0f64, |m, k| m.max(direct(&x, p, k).abs()));
            for value in [plain, fused.interval_peak(window)] {
                let error = (value as f64 - reference).abs();
                assert!(
                    error <= ROUNDING_MARGIN as f64 * reference,
                    "p {p}: {value} vs {reference}"
                );
            }
        }
    }

    #[test]
    fn normalisation_is_tiny_but_above_one() {
        let norm = reference_norm();
        assert!(norm > 1.0 && norm < 1.0 + 1e-5, "{norm}");
    }
}
