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
//! [`ExactPeak::interval_peak_staged`] sums the [`NEAR_COLUMNS`] columns nearest the
//! interval first (the samples `x[p − 63] … x[p + 64]`) and hands their peak to the
//! caller, who may stop there (it bounds the rest itself); otherwise the sums go on over
//! the far columns from where they stopped, in the same order, to the same bits.
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
/// Rows of the folded tap table: eight for the sums `u`, eight for the differences
/// `v` (the last one zero, so both halves run the same eight-row loop).
const ROWS: usize = 16;
/// The folded tap table (see [`ExactPeak`]'s `taps`).
type Taps = [[f32; HALF_WINDOW]; ROWS];
/// Chunks of [`LANES`] columns in a row.
const CHUNKS: usize = HALF_WINDOW / LANES;
/// Columns of the near part that [`ExactPeak::interval_peak_staged`] sums first: the
/// samples `x[p − 63] … x[p + 64]`.
pub const NEAR_COLUMNS: usize = 64;
/// [`NEAR_COLUMNS`] in chunks.
const NEAR_CHUNKS: usize = NEAR_COLUMNS / LANES;

/// What [`ExactPeak::interval_peak_staged`] computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Staged {
    /// The near part's peak (the caller's test settled it; the far part is not summed).
    Near(f32),
    /// The exact peak, bit for bit [`ExactPeak::interval_peak`]'s value.
    Exact(f32),
}

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
    /// 8‥14: `a − b` for m = 1‥7; row 15: zero. Column `i` pairs `x[p + 1 + i]` with
    /// `x[p − i]`.
    taps: Box<Taps>,
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
        let mut taps = Box::new([[0.0f32; HALF_WINDOW]; ROWS]);
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
        match self.evaluate(window, None::<fn(f32) -> bool>) {
            Staged::Exact(peak) | Staged::Near(peak) => peak,
        }
    }

    /// [`Self::interval_peak`] in two stages. First the same sums over the near part
    /// only, the [`NEAR_COLUMNS`] columns closest to the interval, whose peak (the
    /// reconstruction from `x[p − 63] … x[p + 64]` alone, with the same
    /// [`ROUNDING_MARGIN`]) is handed to `settled`; when that returns true, it is the
    /// answer. Otherwise the sums go on over the far columns from where they stopped, in
    /// the same order, so [`Staged::Exact`] is [`Self::interval_peak`]'s value to the bit.
    pub fn interval_peak_staged(
        &self,
        window: &[f32],
        settled: impl FnOnce(f32) -> bool,
    ) -> Staged {
        self.evaluate(window, Some(settled))
    }

    /// Both of the above: with a test, stop after the near part where it settles.
    #[inline(always)]
    fn evaluate(&self, window: &[f32], settled: Option<impl FnOnce(f32) -> bool>) -> Staged {
        let window: &[f32; WINDOW] = window[..WINDOW].try_into().expect("window length");
        // (The window holds `WINDOW` samples; the AVX2 build reads inside it only.)
        if self.cpu.avx2_fma() {
            return dispatch!(
                true,
                evaluate_fma(&self.taps, self.norm, window, settled),
                evaluate(&self.taps, self.norm, window, settled)
            );
        }
        dispatch!(
            self.cpu.avx2(),
            evaluate_avx2(&self.taps, self.norm, window, settled),
            evaluate(&self.taps, self.norm, window, settled)
        )
    }
}

/// [`evaluate`] with AVX2 and fused multiply-adds: the same products in the same
/// order as the portable code, each added with one rounding instead of two (so a hair
/// closer to the reference's f64 sums, within the same [`ROUNDING_MARGIN`]), at about
/// half the instructions. One machine always picks the same build, so the plug-in and
/// the renderer still agree bit for bit.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn evaluate_fma(
    taps: &Taps,
    norm: f32,
    window: &[f32; WINDOW],
    settled: Option<impl FnOnce(f32) -> bool>,
) -> Staged {
    evaluate_intrinsics::<true>(taps, norm, window, settled)
}

/// The intrinsics builds' body: the 15 dot products over the near chunks, the caller's
/// test, the far chunks, the peak.
///
/// # Safety
/// The CPU must support AVX2, and FMA too when `FUSED`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn evaluate_intrinsics<const FUSED: bool>(
    taps: &Taps,
    norm: f32,
    window: &[f32; WINDOW],
    settled: Option<impl FnOnce(f32) -> bool>,
) -> Staged {
    use std::arch::x86_64::*;
    let mut sum_rows = [_mm256_setzero_ps(); 8];
    let mut diff_rows = [_mm256_setzero_ps(); 8];
    let mut next = 0;
    if let Some(settled) = settled {
        dot_rows_avx2::<FUSED, true>(taps, window, 0..NEAR_CHUNKS, &mut sum_rows);
        dot_rows_avx2::<FUSED, false>(taps, window, 0..NEAR_CHUNKS, &mut diff_rows);
        let near = peak_avx2(norm, window, &sum_rows, &diff_rows);
        if settled(near) {
            return Staged::Near(near);
        }
        next = NEAR_CHUNKS;
    }
    dot_rows_avx2::<FUSED, true>(taps, window, next..CHUNKS, &mut sum_rows);
    dot_rows_avx2::<FUSED, false>(taps, window, next..CHUNKS, &mut diff_rows);
    Staged::Exact(peak_avx2(norm, window, &sum_rows, &diff_rows))
}

/// The peak from the rows' lane accumulators (see [`peak_of`]).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn peak_avx2(
    norm: f32,
    window: &[f32; WINDOW],
    sum_rows: &[std::arch::x86_64::__m256; 8],
    diff_rows: &[std::arch::x86_64::__m256; 8],
) -> f32 {
    use std::arch::x86_64::*;
    let mut sums = [0.0f32; 16];
    _mm256_storeu_ps(sums.as_mut_ptr(), lane_sums_avx2(sum_rows));
    _mm256_storeu_ps(sums.as_mut_ptr().add(8), lane_sums_avx2(diff_rows));
    peak_of(norm, window, &sums)
}

/// [`evaluate`] with AVX2 intrinsics: the same products and sums in the same order as
/// the portable code (lane `j` of chunk `c` is term `8c + j`), so the same bits.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn evaluate_avx2(
    taps: &Taps,
    norm: f32,
    window: &[f32; WINDOW],
    settled: Option<impl FnOnce(f32) -> bool>,
) -> Staged {
    evaluate_intrinsics::<false>(taps, norm, window, settled)
}

/// Adds chunks `chunks` of the eight `u` rows (`SUMS`) or the eight `v` rows of `taps`
/// times the window folded on the fly (`u = x[p+1+i] + x[p−i]`, `v = x[p+1+i] − x[p−i]`)
/// to the rows' lane accumulators `acc` (lane `j` of chunk `c` is term `8c + j`); with
/// `FUSED`, each product is added by a fused multiply-add.
///
/// # Safety
/// The CPU must support AVX2, and FMA too when `FUSED`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn dot_rows_avx2<const FUSED: bool, const SUMS: bool>(
    taps: &Taps,
    window: &[f32; WINDOW],
    chunks: std::ops::Range<usize>,
    acc: &mut [std::arch::x86_64::__m256; 8],
) {
    if FUSED {
        dot_rows_fused::<SUMS>(taps, window, chunks, acc)
    } else {
        dot_rows_plain::<SUMS>(taps, window, chunks, acc)
    }
}

/// [`dot_rows_avx2`] with fused multiply-adds (its own function, so the FMA
/// instructions inline into it whatever its caller enables).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_rows_fused<const SUMS: bool>(
    taps: &Taps,
    window: &[f32; WINDOW],
    chunks: std::ops::Range<usize>,
    acc: &mut [std::arch::x86_64::__m256; 8],
) {
    dot_rows_body::<true, SUMS>(taps, window, chunks, acc)
}

/// [`dot_rows_avx2`] with separate multiplies and adds.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_rows_plain<const SUMS: bool>(
    taps: &Taps,
    window: &[f32; WINDOW],
    chunks: std::ops::Range<usize>,
    acc: &mut [std::arch::x86_64::__m256; 8],
) {
    dot_rows_body::<false, SUMS>(taps, window, chunks, acc)
}

/// The body of [`dot_rows_fused`] and [`dot_rows_plain`] (inlined into each).
///
/// # Safety
/// The CPU must support AVX2, and FMA too when `FUSED`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn dot_rows_body<const FUSED: bool, const SUMS: bool>(
    taps: &Taps,
    window: &[f32; WINDOW],
    chunks: std::ops::Range<usize>,
    acc: &mut [std::arch::x86_64::__m256; 8],
) {
    use std::arch::x86_64::*;
    let reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    let base = window.as_ptr();
    let first = if SUMS { 0 } else { 8 };
    let mut rows = *acc;
    for c in chunks {
        // hi = x[p+1+i] for i = 8c‥8c+7; lo = x[p−i], read backwards and reversed
        // (c < CHUNKS, so both reads stay inside the window).
        let hi = _mm256_loadu_ps(base.add(HALF_WINDOW + c * LANES));
        let lo = _mm256_loadu_ps(base.add(HALF_WINDOW - (c + 1) * LANES));
        let lo = _mm256_permutevar8x32_ps(lo, reverse);
        let x = if SUMS {
            _mm256_add_ps(hi, lo)
        } else {
            _mm256_sub_ps(hi, lo)
        };
        for (k, acc) in rows.iter_mut().enumerate() {
            let t = _mm256_loadu_ps(taps[first + k].as_ptr().add(c * LANES));
            *acc = if FUSED {
                fused_multiply_add(t, x, *acc)
            } else {
                _mm256_add_ps(*acc, _mm256_mul_ps(t, x))
            };
        }
    }
    *acc = rows;
}

/// The eight rows' lane sums as one vector (lane `k`: row `k`), each in the portable
/// order `((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7))`: the halves of rows `k`
/// and `k + 4` added in one vector (`l0 + l4 …`), then two rounds of pairwise adds
/// (`hadd`), which pair exactly as the portable order does.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn lane_sums_avx2(acc: &[std::arch::x86_64::__m256; 8]) -> std::arch::x86_64::__m256 {
    use std::arch::x86_64::*;
    // [l0 + l4, l1 + l5, l2 + l6, l3 + l7] of row k in the low half, of row k + 4 in
    // the high half.
    let halves = |k: usize| {
        let low = _mm256_permute2f128_ps::<0x20>(acc[k], acc[k + 4]);
        let high = _mm256_permute2f128_ps::<0x31>(acc[k], acc[k + 4]);
        _mm256_add_ps(low, high)
    };
    let pairs_01 = _mm256_hadd_ps(halves(0), halves(1));
    let pairs_23 = _mm256_hadd_ps(halves(2), halves(3));
    _mm256_hadd_ps(pairs_01, pairs_23)
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

/// See [`ExactPeak::interval_peak_staged`] (without a test: the exact peak).
#[inline(always)]
fn evaluate(
    taps: &Taps,
    norm: f32,
    window: &[f32; WINDOW],
    settled: Option<impl FnOnce(f32) -> bool>,
) -> Staged {
    // Fold: u[i] = x[p+1+i] + x[p−i], v[i] = x[p+1+i] − x[p−i].
    let mut u = [0.0f32; HALF_WINDOW];
    let mut v = [0.0f32; HALF_WINDOW];
    for i in 0..HALF_WINDOW {
        let hi = window[HALF_WINDOW + i];
        let lo = window[HALF_WINDOW - 1 - i];
        u[i] = hi + lo;
        v[i] = hi - lo;
    }
    let (sum_taps, diff_taps) = taps.split_at(8);
    let mut sum_rows = [[0.0f32; LANES]; 8];
    let mut diff_rows = [[0.0f32; LANES]; 8];
    let peak = |sum_rows: &[[f32; LANES]; 8], diff_rows: &[[f32; LANES]; 8]| {
        let mut sums = [0.0f32; 16];
        lane_sums(sum_rows, &mut sums[..8]);
        lane_sums(diff_rows, &mut sums[8..]);
        peak_of(norm, window, &sums)
    };
    let mut next = 0;
    if let Some(settled) = settled {
        dot_rows(sum_taps, &u, 0..NEAR_CHUNKS, &mut sum_rows);
        dot_rows(diff_taps, &v, 0..NEAR_CHUNKS, &mut diff_rows);
        let near = peak(&sum_rows, &diff_rows);
        if settled(near) {
            return Staged::Near(near);
        }
        next = NEAR_CHUNKS;
    }
    dot_rows(sum_taps, &u, next..CHUNKS, &mut sum_rows);
    dot_rows(diff_taps, &v, next..CHUNKS, &mut diff_rows);
    Staged::Exact(peak(&sum_rows, &diff_rows))
}

/// The peak from the 15 sums: phase 0 is the sample itself, and
/// V(m) = (S_m + D_m)/2 and V(16 − m) = (S_m − D_m)/2, so the larger magnitude of
/// the pair is (|S_m| + |D_m|)/2.
#[inline(always)]
fn peak_of(norm: f32, window: &[f32; WINDOW], sums: &[f32; 16]) -> f32 {
    // (A plain compare-and-select: the sums are finite, and it needs no NaN handling.)
    let larger = |a: f32, b: f32| if b > a { b } else { a };
    let mut peak = larger((norm * window[HALF_WINDOW - 1]).abs(), sums[7].abs());
    for m in 0..7 {
        peak = larger(peak, 0.5 * (sums[m].abs() + sums[8 + m].abs()));
    }
    peak
}

/// Adds chunks `chunks` of 8 `rows` times `x` to the rows' lane accumulators `acc`
/// (each row's lanes in registers).
#[inline(always)]
fn dot_rows(
    rows: &[[f32; HALF_WINDOW]],
    x: &[f32; HALF_WINDOW],
    chunks: std::ops::Range<usize>,
    acc: &mut [[f32; LANES]; 8],
) {
    for c in chunks {
        let mut chunk = [0.0f32; LANES];
        chunk.copy_from_slice(&x[c * LANES..(c + 1) * LANES]);
        for (row, acc) in rows.iter().zip(acc.iter_mut()) {
            let taps = &row[c * LANES..(c + 1) * LANES];
            for j in 0..LANES {
                acc[j] += taps[j] * chunk[j];
            }
        }
    }
}

/// Each row's lanes summed in a fixed order, into `out`.
#[inline(always)]
fn lane_sums(acc: &[[f32; LANES]; 8], out: &mut [f32]) {
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
    fn a_staged_evaluation_gives_the_near_parts_peak_or_the_exact_value_to_the_bit() {
        let mut seed = 0x9e37_79b9u32;
        let x: Vec<f32> = (0..900)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let noise = seed as f32 / u32::MAX as f32 * 2.0 - 1.0;
                0.6 * (i as f32 * 0.05).sin() + 0.4 * noise
            })
            .collect();
        let fused = ExactPeak::new();
        let builds = [
            ExactPeak {
                cpu: Cpu::PORTABLE,
                ..fused.clone()
            },
            ExactPeak {
                cpu: Cpu::detect().without_fma(),
                ..fused.clone()
            },
            fused,
        ];
        let near = NEAR_COLUMNS;
        for build in &builds {
            for p in (HALF_WINDOW..x.len() - HALF_WINDOW).step_by(5) {
                let window = &x[p + 1 - HALF_WINDOW..p + 1 + HALF_WINDOW];
                let exact = build.interval_peak(window);
                // Not settled: the exact value, bit for bit.
                let mut offered = None;
                let staged = build.interval_peak_staged(window, |v| {
                    offered = Some(v);
                    false
                });
                assert_eq!(staged, Staged::Exact(exact), "p {p}");
                // The value offered is the peak of the near samples alone.
                let mut inner = [0.0f32; WINDOW];
                inner[HALF_WINDOW - near..HALF_WINDOW + near]
                    .copy_from_slice(&window[HALF_WINDOW - near..HALF_WINDOW + near]);
                let alone = build.interval_peak(&inner);
                assert_eq!(offered.map(f32::to_bits), Some(alone.to_bits()), "p {p}");
                // Settled: that value.
                let settled = build.interval_peak_staged(window, |_| true);
                assert_eq!(settled, Staged::Near(alone), "p {p}");
            }
        }
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
