//! Two cascades of biquads — one per ear, up to [`MAX_FILTERS`] each — run together.
//!
//! A cascade is a chain of recursions: filter `k` needs filter `k − 1`'s output of the
//! same sample, and its own state of the previous one, so run naively every sample waits
//! for ~20 multiply-add latencies in a row. Here the cascade is run as a *wavefront*
//! (systolic array): filter `k` works on sample `t − k` while filter `k − 1` works on
//! sample `t − k + 1`, so all the filters of a step are independent and four of them
//! (filters `2j` and `2j + 1` of both ears) share one 4-lane `f64` vector (AVX2 + FMA).
//! Each step shifts the outputs two lanes along the array, feeding every filter its
//! predecessor's output of one step earlier. At each block's start and end the
//! pipeline fills and drains with the lanes outside the block held still (masked), so
//! the output is exactly the cascade's, with no added delay, for any block length
//! (1 sample included).
//!
//! Filters are transposed direct form II in `f64`. Without AVX2/FMA the same
//! coefficients run as a plain cascade per ear (same filters, rounding aside).

use super::{Biquad, EarDesign, MAX_FILTERS};
use crate::dsp::cpu::{dispatch, Cpu};

/// Vectors of four lanes: filters `2j`, `2j + 1` of both ears.
const PAIRS: usize = MAX_FILTERS / 2;

/// The coefficient and state layout: `[pair][lane]`, lanes `[L 2j, R 2j, L 2j+1, R 2j+1]`.
type Lanes = [[f64; 4]; PAIRS];

/// Both ears' cascades.
#[derive(Debug, Clone, Copy)]
pub struct StereoBank {
    /// Input gain per ear (preamp, level match).
    gain: [f64; 2],
    /// Pairs in use (filters per ear, rounded up to even, / 2).
    pairs: usize,
    b0: Lanes,
    b1: Lanes,
    b2: Lanes,
    a1: Lanes,
    a2: Lanes,
    s1: Lanes,
    s2: Lanes,
    /// Each lane's last output (the wavefront's hand-over to the next filter).
    y: Lanes,
    /// What this CPU can run (the AVX2 + FMA wavefront).
    cpu: Cpu,
    /// Every section's `b0` is 1 (factored into the gain): the kernel's first operation
    /// is an add, which runs on other execution units than the multiply-adds.
    unit_b0: bool,
}

fn lane(filter: usize, ear: usize) -> (usize, usize) {
    (filter / 2, 2 * (filter % 2) + ear)
}

impl StereoBank {
    /// The cascades of `ears`, each ear's input scaled by its gain times `extra_gain`.
    pub fn new(ears: &[EarDesign; 2], extra_gain: f64) -> Self {
        let filters = ears[0].len.max(ears[1].len).min(MAX_FILTERS);
        let mut bank = Self {
            gain: [ears[0].gain * extra_gain, ears[1].gain * extra_gain],
            pairs: filters.div_ceil(2),
            b0: [[1.0; 4]; PAIRS],
            b1: [[0.0; 4]; PAIRS],
            b2: [[0.0; 4]; PAIRS],
            a1: [[0.0; 4]; PAIRS],
            a2: [[0.0; 4]; PAIRS],
            s1: [[0.0; 4]; PAIRS],
            s2: [[0.0; 4]; PAIRS],
            y: [[0.0; 4]; PAIRS],
            cpu: Cpu::detect(),
            unit_b0: false,
        };
        // Factor each section's b0 into the ear's gain where it is not near 0 (an
        // all-pass with α = 1 has b0 = 0): H = b0·(1 + b1/b0·z⁻¹ + b2/b0·z⁻²)/A.
        let unit_b0 = ears.iter().all(|e| {
            e.sections[..e.len.min(MAX_FILTERS)]
                .iter()
                .all(|s| s.b[0].abs() >= 1e-3)
        });
        for (e, ear) in ears.iter().enumerate() {
            for k in 0..ear.len.min(MAX_FILTERS) {
                let Biquad { b, a } = ear.sections[k];
                let (p, l) = lane(k, e);
                let scale = if unit_b0 { b[0] } else { 1.0 };
                bank.gain[e] *= scale;
                bank.b0[p][l] = b[0] / scale;
                bank.b1[p][l] = b[1] / scale;
                bank.b2[p][l] = b[2] / scale;
                bank.a1[p][l] = a[0];
                bank.a2[p][l] = a[1];
            }
        }
        bank.unit_b0 = unit_b0;
        bank
    }

    /// The same filters (coefficients) as `other`, whatever the gains.
    pub fn same_filters(&self, other: &Self) -> bool {
        self.pairs == other.pairs
            && self.b0 == other.b0
            && self.b1 == other.b1
            && self.b2 == other.b2
            && self.a1 == other.a1
            && self.a2 == other.a2
    }

    /// Takes over `other`'s filter state (same filters: a pure gain change).
    pub fn take_state(&mut self, other: &Self) {
        self.s1 = other.s1;
        self.s2 = other.s2;
        self.y = other.y;
    }

    /// Runs both cascades in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        if self.pairs == 0 {
            for (x, g) in [(left, self.gain[0]), (right, self.gain[1])] {
                if g != 1.0 {
                    x.iter_mut().for_each(|v| *v = (f64::from(*v) * g) as f32);
                }
            }
            return;
        }
        dispatch!(
            self.cpu.avx2_fma(),
            avx::process(self, left, right),
            self.process_scalar(left, right)
        );
        self.clear_if_not_finite();
    }

    /// The plain cascade per ear (no AVX2/FMA).
    fn process_scalar(&mut self, left: &mut [f32], right: &mut [f32]) {
        let filters = 2 * self.pairs;
        for (e, x) in [left, right].into_iter().enumerate() {
            for v in x.iter_mut() {
                let mut u = f64::from(*v) * self.gain[e];
                for k in 0..filters {
                    let (p, l) = lane(k, e);
                    let y = self.b0[p][l] * u + self.s1[p][l];
                    self.s1[p][l] = self.b1[p][l] * u - self.a1[p][l] * y + self.s2[p][l];
                    self.s2[p][l] = self.b2[p][l] * u - self.a2[p][l] * y;
                    u = y;
                }
                *v = u as f32;
            }
        }
    }

    /// A non-finite state (it cannot arise from finite input and stable filters, but the
    /// stage never keeps one) is cleared.
    fn clear_if_not_finite(&mut self) {
        let finite = self.s1[..self.pairs]
            .iter()
            .chain(&self.s2[..self.pairs])
            .flatten()
            .all(|v| v.is_finite());
        if !finite {
            self.s1 = [[0.0; 4]; PAIRS];
            self.s2 = [[0.0; 4]; PAIRS];
            self.y = [[0.0; 4]; PAIRS];
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{StereoBank, PAIRS};
    use std::arch::x86_64::*;

    /// Dispatches on the number of pairs, so each size runs fully unrolled.
    ///
    /// # Safety
    /// AVX2 and FMA must be available.
    pub unsafe fn process(bank: &mut StereoBank, left: &mut [f32], right: &mut [f32]) {
        macro_rules! sizes {
            ($($v:literal),*) => {
                match (bank.pairs, bank.unit_b0) {
                    $(($v, true) => run::<$v, true>(bank, left, right),
                      ($v, false) => run::<$v, false>(bank, left, right),)*
                    _ => {}
                }
            };
        }
        sizes!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        const _: () = assert!(PAIRS == 10);
    }

    #[inline(always)]
    unsafe fn load<const V: usize>(lanes: &[[f64; 4]; PAIRS]) -> [__m256d; V] {
        std::array::from_fn(|j| _mm256_loadu_pd(lanes[j].as_ptr()))
    }

    #[inline(always)]
    unsafe fn store<const V: usize>(regs: &[__m256d; V], lanes: &mut [[f64; 4]; PAIRS]) {
        for j in 0..V {
            _mm256_storeu_pd(lanes[j].as_mut_ptr(), regs[j]);
        }
    }

    /// All-ones in the lanes whose filter works on a sample of this block at step `t`:
    /// filter `k` works on sample `t − k`.
    #[inline(always)]
    unsafe fn active(t: usize, j: usize, n: usize) -> __m256d {
        let on = |k: usize| -> i64 { -i64::from(t >= k && t - k < n) };
        let (lo, hi) = (on(2 * j), on(2 * j + 1));
        _mm256_castsi256_pd(_mm256_setr_epi64x(lo, lo, hi, hi))
    }

    /// The filter state in registers.
    struct Regs<'a, const V: usize> {
        /// Coefficients stay in memory (the multiply-adds take them as operands), so
        /// the state can stay in registers.
        c: &'a StereoBank,
        s1: [__m256d; V],
        s2: [__m256d; V],
        y: [__m256d; V],
    }

    /// Vector `j` of a coefficient array.
    ///
    /// # Safety
    /// AVX2; `j < PAIRS` (the callers' `j` runs below `V ≤ PAIRS`).
    #[inline(always)]
    unsafe fn coef(lanes: &[[f64; 4]; PAIRS], j: usize) -> __m256d {
        debug_assert!(j < PAIRS);
        _mm256_loadu_pd(lanes.get_unchecked(j).as_ptr())
    }

    /// One wavefront step with input `x` (both ears); `mask` for the filling and
    /// draining steps (`None`: every lane works). Returns the last pair's output.
    #[inline(always)]
    unsafe fn step<const V: usize, const UNIT_B0: bool>(
        r: &mut Regs<'_, V>,
        x: __m128d,
        mask: Option<(usize, usize)>,
    ) -> __m128d {
        // Every filter's input: its predecessor's output of the previous step.
        let mut prev = _mm256_permute2f128_pd(_mm256_castpd128_pd256(x), r.y[0], 0x20);
        for j in 0..V {
            let u = prev;
            if j + 1 < V {
                prev = _mm256_permute2f128_pd(r.y[j], r.y[j + 1], 0x21);
            }
            let out = if UNIT_B0 {
                _mm256_add_pd(u, r.s1[j])
            } else {
                _mm256_fmadd_pd(coef(&r.c.b0, j), u, r.s1[j])
            };
            let n1 = _mm256_fnmadd_pd(
                coef(&r.c.a1, j),
                out,
                _mm256_fmadd_pd(coef(&r.c.b1, j), u, r.s2[j]),
            );
            let n2 = _mm256_fnmadd_pd(coef(&r.c.a2, j), out, _mm256_mul_pd(coef(&r.c.b2, j), u));
            match mask {
                None => {
                    r.s1[j] = n1;
                    r.s2[j] = n2;
                }
                Some((t, n)) => {
                    // Filling or draining: lanes outside the block keep their state.
                    let m = active(t, j, n);
                    r.s1[j] = _mm256_blendv_pd(r.s1[j], n1, m);
                    r.s2[j] = _mm256_blendv_pd(r.s2[j], n2, m);
                }
            }
            r.y[j] = out;
        }
        _mm256_extractf128_pd(r.y[V - 1], 1)
    }

    /// Both ears' sample `t`, times their input gains.
    ///
    /// # Safety
    /// AVX2; `t` below both lengths (the callers read `t < n`, `n` the shorter length).
    #[inline(always)]
    unsafe fn input(left: &[f32], right: &[f32], t: usize, g: __m128d) -> __m128d {
        debug_assert!(t < left.len() && t < right.len());
        _mm_mul_pd(
            _mm_setr_pd(
                f64::from(*left.get_unchecked(t)),
                f64::from(*right.get_unchecked(t)),
            ),
            g,
        )
    }

    /// Writes the last filter's output for both ears at sample `i`.
    ///
    /// # Safety
    /// AVX2; `i` below both lengths (the callers write `t − depth` for `t < n + depth`).
    #[inline(always)]
    unsafe fn output(left: &mut [f32], right: &mut [f32], i: usize, last: __m128d) {
        debug_assert!(i < left.len() && i < right.len());
        *left.get_unchecked_mut(i) = _mm_cvtsd_f64(last) as f32;
        *right.get_unchecked_mut(i) = _mm_cvtsd_f64(_mm_unpackhi_pd(last, last)) as f32;
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn run<const V: usize, const UNIT_B0: bool>(
        bank: &mut StereoBank,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let n = left.len().min(right.len());
        // Steps until the last filter has the first sample.
        let depth = 2 * V - 1;
        let coefs = *bank;
        let mut r = Regs::<V> {
            c: &coefs,
            s1: load(&bank.s1),
            s2: load(&bank.s2),
            y: load(&bank.y),
        };
        let g = _mm_setr_pd(bank.gain[0], bank.gain[1]);
        let steady_end = n.max(depth);
        // Filling (and, for blocks shorter than the pipeline, everything).
        for t in 0..depth {
            let x = if t < n {
                input(left, right, t, g)
            } else {
                _mm_setzero_pd()
            };
            let last = step::<V, UNIT_B0>(&mut r, x, Some((t, n)));
            let _ = last; // the last filter has no sample yet
        }
        // Steady state: every lane works.
        for t in depth..steady_end {
            let last = step::<V, UNIT_B0>(&mut r, input(left, right, t, g), None);
            output(left, right, t - depth, last);
        }
        // Draining.
        for t in steady_end..n + depth {
            let x = if t < n {
                input(left, right, t, g)
            } else {
                _mm_setzero_pd()
            };
            let last = step::<V, UNIT_B0>(&mut r, x, Some((t, n)));
            output(left, right, t - depth, last);
        }
        store(&r.s1, &mut bank.s1);
        store(&r.s2, &mut bank.s2);
        store(&r.y, &mut bank.y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::correction::design::{design_curve, Curve, Filter, FilterKind, Width};

    /// A curve of `(ear, kind, Hz, dB, Q)` filters and a preamp on both ears.
    fn curve(preamp_db: f32, filters: &[(usize, FilterKind, f32, f32, f32)]) -> Curve {
        let mut curve = Curve::default();
        for ear in &mut curve.ears {
            ear.preamp_db = preamp_db;
        }
        for &(ear, kind, freq_hz, gain_db, q) in filters {
            curve.ears[ear].push(Filter {
                kind,
                freq_hz,
                gain_db,
                width: Width::Q(q),
            });
        }
        curve
    }

    #[test]
    fn the_wavefront_equals_the_plain_cascade_for_any_block_length() {
        use FilterKind::*;
        let curve = curve(
            -3.0,
            &[
                (0, LowShelf, 105.0, 5.0, 0.7),
                (0, Peaking, 3000.0, -4.0, 2.0),
                (0, Peaking, 40.0, 2.0, 3.0),
                (1, LowShelf, 105.0, 5.0, 0.7),
                (1, Peaking, 3000.0, -4.0, 2.0),
                (1, Peaking, 40.0, 2.0, 3.0),
                (1, HighShelf, 9000.0, 3.0, 0.7),
                (1, Notch, 60.0, 0.0, 9.0),
            ],
        );
        let designs = design_curve(&curve, 48_000.0);
        let signal: Vec<f32> = (0..3000)
            .map(|i| ((i as f32 * 0.37).sin() + (i as f32 * 0.011).cos()) * 0.4)
            .collect();
        let mut plain = StereoBank::new(&designs.before, 1.3);
        plain.cpu = Cpu::PORTABLE;
        let (mut pl, mut pr) = (signal.clone(), signal.clone());
        plain.process(&mut pl, &mut pr);
        for block in [1usize, 2, 3, 5, 64, 256, 3000] {
            let mut bank = StereoBank::new(&designs.before, 1.3);
            let (mut l, mut r) = (signal.clone(), signal.clone());
            for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                bank.process(cl, cr);
            }
            for i in 0..signal.len() {
                // FMA rounds differently from a multiply and an add: equal to ~1e-7.
                assert!(
                    (l[i] - pl[i]).abs() < 1e-6,
                    "block {block} L {i}: {} vs {}",
                    l[i],
                    pl[i]
                );
                assert!(
                    (r[i] - pr[i]).abs() < 1e-6,
                    "block {block} R {i}: {} vs {}",
                    r[i],
                    pr[i]
                );
            }
        }
    }

    #[test]
    fn a_non_finite_state_is_cleared() {
        let curve = curve(0.0, &[(0, FilterKind::Peaking, 100.0, 6.0, 1.0)]);
        let mut bank = StereoBank::new(&design_curve(&curve, 48_000.0).before, 1.0);
        let (mut x, mut x2) = ([f32::NAN, 0.0, 0.0], [0.0f32; 3]);
        bank.process(&mut x, &mut x2);
        let (mut y, mut y2) = ([0.5f32; 4], [0.5f32; 4]);
        bank.process(&mut y, &mut y2);
        assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
    }
}
