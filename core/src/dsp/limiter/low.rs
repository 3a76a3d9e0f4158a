//! The low-latency true-peak limiter (the "Low" latency setting): at most 1.5 ms of
//! delay at 44.1 kHz and above, and the strict true peak still kept at or under the
//! ceiling, with a reserve only for the part of the reference's support it cannot see.
//!
//! # Geometry
//! The reference ([`super::kernel`], `docs/measuring.md`) reconstructs the interval
//! `[p, p + 1)` from the 256 samples `p − 127 … p + 128`. Exact waits until all of them
//! have arrived and holds one gain over all of them. Low judges position `p` when only
//! `F` samples after it have arrived (`F` = [`LowLimiter::future_samples`], 61 at
//! 48 kHz) and sends sample `p − W + 1` right after (`W` the gain's ramp, 0.25 ms and at
//! least [`MIN_RAMP_SAMPLES`]), so the delay is `F + W − 1` samples ([`geometry`]; where
//! 1.5 ms buys more than [`ENOUGH_FUTURE_SAMPLES`] of visibility, the rest lengthens the
//! ramp). At the moment `p` is judged, its support has three parts:
//! - **already sent**, `p − 127 … p − W`: the output samples themselves, known exactly
//!   (whatever gains and clips made them);
//! - **still ahead**, `p − W + 1 … p + F`: input samples whose gains are still to be
//!   applied (the plan, see below);
//! - **unseen**, `p + F + 1 … p + 128`: nothing is known but that every output sample
//!   is clipped at the ceiling, so they add at most `ceiling · U(φ)` at phase `φ`,
//!   `U(φ) = Σ |ĥ(φ − k)|` over those offsets (the reserve: 0.025 of the ceiling at
//!   48 kHz, 0.22 dB; 0.0008 from 88.2 kHz on).
//!
//! # Gain plan and judgment
//! Every sample gets a planned gain when it arrives: the hold and release of the same
//! adaptive envelope (`Envelope` in [`super`]) as Exact's. Plans are only ever lowered afterwards,
//! never raised. A position is checked against its exact reconstruction with the current
//! plan (sent samples as sent, planned samples times their plan, the unseen part silent:
//! the reference's own folded evaluation, [`ExactPeak`]) plus the reserve. If that exceeds
//! the ceiling, the plan from the first unsent sample on is multiplied by a ratio that
//! falls along a straight ramp from 1, `W` samples before `p`, to `ρ` at `p` and stays
//! there; each of the 16 phases is linear in `ρ`, so the largest `ρ` that keeps them all
//! within `landing · ceiling − ceiling · U(φ)` is an intersection of intervals
//! (`solve`). The envelope then holds the new gain for the rest of the support after `p`
//! and the ramp (the same hold as Exact's).
//!
//! Lowering multiplies, it does not take a minimum against a fixed curve: the later,
//! deeper reductions of a rising peak then scale the positions judged before them nearly
//! uniformly (a ratio that only falls: by Abel summation its effect on an earlier
//! reconstruction is bounded by that reconstruction's own suffix sums, small when the
//! ratio is near 1) instead of reshaping their near field. What is left of that effect,
//! as in Exact ("Gain moving under a peak" in [`super`]), is covered by headroom: a
//! reduction keeps [`FAR_WEIGHT`] of the far-field bound, and so does a position under
//! the ceiling whose content is in-phase far samples. Measured, not proven; the property
//! tests of `tests/dsp/low_latency.rs` and `tests/dsp/limiter_precision.rs` hunt for it.
//!
//! # The cheap test
//! Most positions are not judged. The detector bounds the input's reconstruction over the
//! visible window (`B`); with `X` the input's largest magnitude there,
//! `|Σ g_k·x_k·ĥ| ≤ g_p·B + X·Σ |g_k − g_p|·max_φ|ĥ_φ|` (`g_p` the plan at `p`), plus the
//! reserve. A position under `landing / 1.0116` of the ceiling by that bound neither needs
//! a reduction nor re-arms the hold. (A coarser form of it, the block's spread of gains
//! times `Σ|ĥ|`, is tried first, and lets the detector stop at its ±12 bound; then the
//! per-position form over the 32 nearest samples with the rest bounded by the window's
//! range of gains; the whole sum last.) On a hot master about 4 800 positions per second
//! are judged and 1 200 reduced.
//!
//! # Speed
//! The per-sample walk is compiled a second time for AVX2 (no fused operations: the same
//! bits), the per-position bound is written with AVX2 intrinsics (its sum rounds
//! differently from the portable build's; both are bounds once widened), the reduction's
//! sums for AVX2 + FMA; 1.6× Exact's cost on a busy bus, where two positions in three need
//! the per-position bound.

use super::control::GainControl;
use super::detector::{Detector, BLOCK};
use super::exact::{reference_norm, ExactPeak, HALF_WINDOW, PHASES, ROUNDING_MARGIN, WINDOW};
use super::kernel;
use super::{
    in_blocks, LimiterSettings, HOLD_MS, HOLD_REARM_RATIO, IN_PHASE_SHARE, REDUCTION_LANDING,
    RELEASE_FASTEST, SAMPLE_CLIP_FACTOR,
};
use crate::dsp::cpu::{dispatch, Cpu};

/// The longest delay of the Low setting at 44.1 kHz and above, in ms.
pub const LATENCY_MS: f64 = 1.5;
/// The fewest samples seen after a judged position (below 44.1 kHz, 1.5 ms would leave
/// too few: the reserve for the unseen part grows to several dB).
pub const MIN_FUTURE_SAMPLES: usize = 64;
/// Length of the gain ramp before a judged position, in ms: long enough that the later,
/// deeper reductions of a rising peak barely lift the positions judged before them.
pub const RAMP_MS: f64 = 0.25;
/// The shortest gain ramp, in samples (below 32 kHz, 0.25 ms is only a few samples).
pub const MIN_RAMP_SAMPLES: usize = 8;
/// Weight of the far-field bound kept as headroom by a reduction (and by a position
/// under the ceiling whose content is in-phase far samples): the room for later, deeper
/// reductions lifting it. Measured, as Exact's (which keeps 1/8): at 1/8 a sine at
/// 0.95·Nyquist came out 0.005 dB over at 96 kHz.
pub const FAR_WEIGHT: f32 = 1.0 / 6.0;
/// Samples seen after a position beyond which a longer ramp is worth more than more
/// visibility (the unseen reserve at 100 is 0.0008 of the ceiling, 0.007 dB).
pub const ENOUGH_FUTURE_SAMPLES: usize = 100;
/// Near-field half-width of the cheap bound, in samples.
const NEAR_TAPS: usize = 32;
/// Near-field half-width of the detector's first, narrower bound (see [`Detector::with_gate`]).
const GATE_TAPS: usize = 12;
/// Lanes of the per-phase dot products.
const LANES: usize = 8;
/// The per-position bound's quick form sums the gains' departure over the samples
/// `p − QUICK_BEFORE … p + QUICK_AFTER` only, and bounds the rest by the largest departure
/// the window's gains allow (32 samples, four vectors).
const QUICK_BEFORE: usize = 15;
const QUICK_AFTER: usize = 16;

/// Delay, visibility and ramp of the Low setting at `sample_rate` Hz:
/// `(latency, future, ramp)` in samples, `latency = future + ramp − 1`.
pub fn geometry(sample_rate: f32) -> (usize, usize, usize) {
    let fs = sample_rate.clamp(1000.0, 768_000.0) as f64;
    let ramp = ((RAMP_MS * 1e-3 * fs).floor() as usize).max(MIN_RAMP_SAMPLES);
    let budget = (LATENCY_MS * 1e-3 * fs).floor() as usize;
    let fewest = if fs < 44_100.0 { MIN_FUTURE_SAMPLES } else { 1 };
    let future = (budget + 1)
        .saturating_sub(ramp)
        .clamp(fewest, ENOUGH_FUTURE_SAMPLES);
    // Where the budget allows more than enough visibility, the rest lengthens the ramp.
    let ramp = ramp.max((budget + 1).saturating_sub(future));
    (future + ramp - 1, future, ramp)
}

/// A doubled power-of-two ring: any recent run of samples is one slice.
#[derive(Debug, Clone)]
struct Ring {
    values: Vec<f32>,
    mask: usize,
}

impl Ring {
    fn new(min_len: usize, value: f32) -> Self {
        let len = min_len.next_power_of_two();
        Self {
            values: vec![value; 2 * len],
            mask: len - 1,
        }
    }

    #[inline(always)]
    fn set(&mut self, index: u64, value: f32) {
        let i = index as usize & self.mask;
        self.values[i] = value;
        self.values[i + self.mask + 1] = value;
    }

    #[inline(always)]
    fn get(&self, index: u64) -> f32 {
        self.values[index as usize & self.mask]
    }

    /// Writes `values` from index `first` on (at most the ring's length).
    #[inline(always)]
    fn write(&mut self, first: u64, values: &[f32]) {
        let len = self.mask + 1;
        let i = first as usize & self.mask;
        let split = values.len().min(len - i);
        let (head, tail) = values.split_at(split);
        for base in [0, len] {
            self.values[base + i..base + i + split].copy_from_slice(head);
            self.values[base..base + tail.len()].copy_from_slice(tail);
        }
    }

    /// Sets `count` values from index `first` on to `value` (at most the ring's length).
    #[inline(always)]
    fn fill_run(&mut self, first: u64, count: usize, value: f32) {
        let len = self.mask + 1;
        let i = first as usize & self.mask;
        let split = count.min(len - i);
        for base in [0, len] {
            self.values[base + i..base + i + split].fill(value);
            self.values[base..base + count - split].fill(value);
        }
    }

    /// `len` values from `first` on.
    #[inline(always)]
    fn run(&self, first: u64, len: usize) -> &[f32] {
        let i = first as usize & self.mask;
        &self.values[i..i + len]
    }

    fn fill(&mut self, value: f32) {
        self.values.fill(value);
    }
}

/// The smallest and the largest of `values` (`(1, 0)` for none; NaN ignored), eight lanes
/// wide: the same result as one after the other, as `min` and `max` are exact.
#[inline(always)]
fn lowest_highest(values: &[f32]) -> (f32, f32) {
    let (mut lo, mut hi) = ([1.0f32; LANES], [0.0f32; LANES]);
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for ((lo, hi), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(chunk) {
            *lo = lo.min(v);
            *hi = hi.max(v);
        }
    }
    let lo = rest.iter().chain(&lo).fold(1.0f32, |a, &b| a.min(b));
    let hi = rest.iter().chain(&hi).fold(0.0f32, |a, &b| a.max(b));
    (lo, hi)
}

/// The largest magnitude in `values` (0 for none; NaN ignored), eight lanes wide.
#[inline(always)]
fn largest_magnitude(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            *m = m.max(v.abs());
        }
    }
    rest.iter()
        .map(|v| v.abs())
        .chain(lanes)
        .fold(0.0f32, f32::max)
}

/// `Σ |g_k − g| · w_k` (one accumulator of eight lanes, then the lanes).
#[inline(always)]
fn departure(gains: &[f32], weights: &[f32], g: f32) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = gains.chunks_exact(LANES);
    let whole = gains.len() - chunks.remainder().len();
    for (gains, weights) in chunks.zip(weights.chunks_exact(LANES)) {
        for ((a, &gk), &w) in acc.iter_mut().zip(gains).zip(weights) {
            *a += (gk - g).abs() * w;
        }
    }
    let rest: f32 = gains[whole..]
        .iter()
        .zip(&weights[whole..])
        .map(|(&gk, &w)| (gk - g).abs() * w)
        .sum();
    acc.iter().sum::<f32>() + rest
}

/// [`departure`] with AVX2 intrinsics and four independent accumulators (the sum's
/// rounding differs from the portable build's in the last bits; both are bounds once
/// widened by the caller's margin).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn departure_avx2(gains: &[f32], weights: &[f32], g: f32) -> f32 {
    use std::arch::x86_64::*;
    let n = gains.len().min(weights.len());
    let (gp, wp) = (gains.as_ptr(), weights.as_ptr());
    let gv = _mm256_set1_ps(g);
    let sign = _mm256_set1_ps(-0.0);
    let term = |k: usize| {
        // SAFETY: callers pass k + 8 ≤ n.
        let d = _mm256_sub_ps(_mm256_loadu_ps(gp.add(k)), gv);
        _mm256_mul_ps(_mm256_andnot_ps(sign, d), _mm256_loadu_ps(wp.add(k)))
    };
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut k = 0;
    while k + 4 * LANES <= n {
        for (q, acc) in acc.iter_mut().enumerate() {
            *acc = _mm256_add_ps(*acc, term(k + q * LANES));
        }
        k += 4 * LANES;
    }
    while k + LANES <= n {
        acc[0] = _mm256_add_ps(acc[0], term(k));
        k += LANES;
    }
    let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    let mut lanes = [0.0f32; LANES];
    _mm256_storeu_ps(lanes.as_mut_ptr(), sum);
    let rest: f32 = gains[k..n]
        .iter()
        .zip(&weights[k..n])
        .map(|(&gk, &w)| (gk - g).abs() * w)
        .sum();
    lanes.iter().sum::<f32>() + rest
}

/// Per phase, the dot products of `taps[φ]` with `first` and with `second` (8 lanes, then
/// the lanes), in the AVX2 + FMA build where the CPU has it (one machine always picks the
/// same build).
fn phase_sums(
    cpu: Cpu,
    taps: &[[f32; WINDOW]; PHASES],
    first: &[f32],
    second: &[f32],
) -> ([f32; PHASES], [f32; PHASES]) {
    dispatch!(
        cpu.avx2_fma(),
        phase_sums_fma(taps, first, second),
        phase_sums_body::<false>(taps, first, second)
    )
}

/// [`phase_sums`] compiled for AVX2 and FMA, with fused multiply-adds.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn phase_sums_fma(
    taps: &[[f32; WINDOW]; PHASES],
    first: &[f32],
    second: &[f32],
) -> ([f32; PHASES], [f32; PHASES]) {
    phase_sums_body::<true>(taps, first, second)
}

/// The sums of [`phase_sums`]; `FUSED`: each product added with one rounding.
#[inline(always)]
fn phase_sums_body<const FUSED: bool>(
    taps: &[[f32; WINDOW]; PHASES],
    first: &[f32],
    second: &[f32],
) -> ([f32; PHASES], [f32; PHASES]) {
    let len = first.len().min(second.len());
    let whole = len - len % LANES;
    let multiply_add = |a: f32, b: f32, c: f32| if FUSED { a.mul_add(b, c) } else { a * b + c };
    let (mut out_first, mut out_second) = ([0.0f32; PHASES], [0.0f32; PHASES]);
    for (m, row) in taps.iter().enumerate() {
        let (mut acc_first, mut acc_second) = ([0.0f32; LANES], [0.0f32; LANES]);
        for ((taps, a), b) in row[..whole]
            .chunks_exact(LANES)
            .zip(first[..whole].chunks_exact(LANES))
            .zip(second[..whole].chunks_exact(LANES))
        {
            for l in 0..LANES {
                acc_first[l] = multiply_add(taps[l], a[l], acc_first[l]);
                acc_second[l] = multiply_add(taps[l], b[l], acc_second[l]);
            }
        }
        let (mut rest_first, mut rest_second) = (0.0f32, 0.0f32);
        for j in whole..len {
            rest_first = multiply_add(row[j], first[j], rest_first);
            rest_second = multiply_add(row[j], second[j], rest_second);
        }
        out_first[m] = acc_first.iter().sum::<f32>() + rest_first;
        out_second[m] = acc_second.iter().sum::<f32>() + rest_second;
    }
    (out_first, out_second)
}

/// The largest gain `G` in `[0, highest]` with `α + β·G ≤ λ` for every constraint
/// `(α, β, λ)`, and `true`; where no gain meets them all, the gain that exceeds them least
/// (the largest of affine functions is convex), and `false`.
fn solve(constraints: &[(f32, f32, f32)], highest: f32) -> (f32, bool) {
    let (mut lo, mut hi) = (0.0f32, highest);
    for &(alpha, beta, lambda) in constraints {
        if beta > 0.0 {
            hi = hi.min((lambda - alpha) / beta);
        } else if beta < 0.0 {
            lo = lo.max((lambda - alpha) / beta);
        } else if alpha > lambda {
            hi = -1.0;
        }
    }
    if lo <= hi && hi >= 0.0 {
        return (hi, true);
    }
    let excess = |g: f32| {
        constraints
            .iter()
            .fold(f32::NEG_INFINITY, |m, &(alpha, beta, lambda)| {
                m.max(alpha + g * beta - lambda)
            })
    };
    let (mut left, mut right) = (0.0f32, highest.max(0.0));
    for _ in 0..40 {
        let third = (right - left) / 3.0;
        let (x1, x2) = (left + third, right - third);
        if excess(x1) <= excess(x2) {
            right = x2;
        } else {
            left = x1;
        }
    }
    (0.5 * (left + right), false)
}

/// The Low setting's limiter. See the module docs.
#[derive(Debug, Clone)]
pub struct LowLimiter {
    /// Total delay `L = F + W − 1`, in samples.
    latency_samples: usize,
    /// Samples seen after a judged position, `F`.
    future_samples: usize,
    /// Length of the gain ramp before a position, `W`, in samples.
    ramp_samples: usize,
    /// Ceiling glide, hold and release (the plan of each arriving sample), gain meter.
    control: GainControl,
    /// The cheap bound of the input's reconstruction over the visible window.
    detector: Detector,
    /// The detector's linked bound per position of the block (the test reads each
    /// channel's from the detector).
    estimate: [f32; BLOCK],
    /// Per position of the block: the bound under which the detector may stop at its
    /// narrower ±12 bound.
    gate: [f32; BLOCK],
    /// Reference taps: `taps[φ][j]` weighs the sample `p − 127 + j` at `p + φ/16`.
    taps: Box<[[f32; WINDOW]; PHASES]>,
    /// Per phase and number `d` of samples seen after a centre, what the samples beyond
    /// may add, as a share of the ceiling (`Σ |ĥ|` over offsets `d + 1 … 128`).
    tails: Box<[[f32; HALF_WINDOW + 1]; PHASES]>,
    /// What this CPU can run (the AVX2 + FMA sums).
    cpu: Cpu,
    /// The reference's folded evaluation (the plan's check).
    exact: ExactPeak,
    /// Scratch: the window of the check (the unseen part stays silent).
    window: [f32; WINDOW],
    /// The phase with the largest reserve.
    widest_phase: usize,
    /// Scratch: the judgment's constraints `α + β·G ≤ λ`, two per channel and phase.
    constraints: [(f32, f32, f32); 4 * PHASES],
    /// Its largest value.
    unseen_max: f32,
    /// The largest `Σ|ĥ|` over the visible window, over the phases.
    visible_abs: f32,
    /// Per offset in the window, the largest `|ĥ|` over the phases (rounded up).
    tap_bounds: [f32; WINDOW],
    /// `Σ tap_bounds` over the visible window outside the quick form's near part (rounded
    /// up).
    far_tap_bounds: f32,
    /// Input samples per channel, by sample index.
    inputs: [Ring; 2],
    /// Output samples per channel, by sample index.
    outputs: [Ring; 2],
    /// The gain of every sample: its plan until it is sent, then the gain it was sent with.
    gains: Ring,
    /// The ceiling each sample arrived with.
    ceilings: Ring,
    /// Index of the next input sample.
    clock: u64,
    /// Index of the last sample the final clip changed (`u64::MAX`: none yet).
    last_clip: u64,
    /// When false no position is judged (limiter switched off): the gain releases.
    detect: bool,
    /// Scratch windows of the judgment: per channel, the constant and the `G` part.
    constant: [[f32; WINDOW]; 2],
    proportional: [[f32; WINDOW]; 2],
    /// Positions judged exactly since construction (a statistic).
    judged: u64,
    /// Judgments that found no gain meeting every phase (the sent part alone is over).
    infeasible: u64,
    /// Judgments that lowered the plan.
    reductions: u64,
}

impl LowLimiter {
    /// A limiter for `sample_rate` Hz (8 … 384 kHz). Allocates; call from `activate`.
    pub fn new(sample_rate: f32, settings: LimiterSettings) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let (latency, future, ramp) = geometry(sample_rate);
        let norm = reference_norm();
        let mut taps = Box::new([[0.0f32; WINDOW]; PHASES]);
        let mut tails = Box::new([[0.0f32; HALF_WINDOW + 1]; PHASES]);
        let mut unseen = [0.0f32; PHASES];
        let mut visible_abs = 0.0f64;
        for (m, row) in taps.iter_mut().enumerate() {
            let phase = m as f64 / PHASES as f64;
            let h = |j: usize| kernel::kernel(phase + (HALF_WINDOW - 1) as f64 - j as f64) * norm;
            for (j, tap) in row.iter_mut().enumerate() {
                *tap = h(j) as f32;
            }
            // Rounded up: bounds.
            let mut beyond = 0.0f64;
            for d in (0..=HALF_WINDOW).rev() {
                tails[m][d] = (beyond * (1.0 + 1e-4)) as f32;
                if d > 0 {
                    beyond += h(HALF_WINDOW - 1 + d).abs();
                }
            }
            unseen[m] = tails[m][future];
            let seen: f64 = (0..HALF_WINDOW + future).map(|j| h(j).abs()).sum();
            visible_abs = visible_abs.max(seen);
        }
        let mut tap_bounds = [0.0f32; WINDOW];
        for (j, bound) in tap_bounds.iter_mut().enumerate() {
            *bound = taps.iter().fold(0.0f32, |m, row| m.max(row[j].abs())) * (1.0 + 1e-6);
        }
        let near = HALF_WINDOW - 1 - QUICK_BEFORE..HALF_WINDOW + QUICK_AFTER;
        let far_tap_bounds = (tap_bounds[..HALF_WINDOW + future].iter().sum::<f32>()
            - tap_bounds[near].iter().sum::<f32>())
            * (1.0 + 1e-4);
        let widest_phase = (0..PHASES)
            .max_by(|&a, &b| unseen[a].total_cmp(&unseen[b]))
            .unwrap_or(0);
        let unseen_max = unseen.iter().fold(0.0f32, |a, &b| a.max(b));
        let history = WINDOW + BLOCK + latency + 8;
        let min_hold = (HALF_WINDOW + ramp).saturating_sub(future).max(1) as u32;
        let mut limiter = Self {
            latency_samples: latency,
            future_samples: future,
            ramp_samples: ramp,
            control: GainControl::new(
                sample_rate,
                settings,
                min_hold,
                (HOLD_MS * 1e-3 * sample_rate as f64).round() as u32,
            ),
            detector: Detector::with_gate(NEAR_TAPS, GATE_TAPS, 0.0, future, latency),
            gate: [0.0; BLOCK],
            estimate: [0.0; BLOCK],
            taps,
            tails,
            constraints: [(0.0, 0.0, 0.0); 4 * PHASES],
            cpu: Cpu::detect(),
            exact: ExactPeak::new(),
            window: [0.0; WINDOW],
            widest_phase,
            unseen_max,
            visible_abs: (visible_abs * (1.0 + 1e-4)) as f32,
            tap_bounds,
            far_tap_bounds,
            inputs: [Ring::new(history, 0.0), Ring::new(history, 0.0)],
            outputs: [Ring::new(history, 0.0), Ring::new(history, 0.0)],
            gains: Ring::new(history, 1.0),
            ceilings: Ring::new(history, settings.ceiling),
            clock: 0,
            last_clip: u64::MAX,
            detect: true,
            constant: [[0.0; WINDOW]; 2],
            proportional: [[0.0; WINDOW]; 2],
            judged: 0,
            infeasible: 0,
            reductions: 0,
        };
        limiter.reset();
        limiter
    }

    /// The delay this limiter adds, in samples (fixed per sample rate).
    pub fn latency_samples(&self) -> usize {
        self.latency_samples
    }

    /// Samples seen after a judged position, `F`.
    pub fn future_samples(&self) -> usize {
        self.future_samples
    }

    /// The largest reserve for the unseen samples, as a share of the ceiling.
    pub fn unseen_reserve(&self) -> f32 {
        self.unseen_max
    }

    /// Positions judged exactly since construction.
    pub fn judged_positions(&self) -> u64 {
        self.judged
    }

    /// Judgments that found no gain meeting every phase since construction.
    pub fn infeasible_judgments(&self) -> u64 {
        self.infeasible
    }

    /// Judgments that lowered the plan since construction.
    pub fn reductions(&self) -> u64 {
        self.reductions
    }

    /// Updates ceiling (glides) and release (immediate).
    pub fn set_settings(&mut self, settings: LimiterSettings) {
        self.control.set_settings(settings);
    }

    /// How long, in samples, the output can still change after the input has fallen
    /// silent (see [`super::Limiter::tail_samples`]).
    pub fn tail_samples(&self) -> usize {
        self.control.tail_samples(self.latency_samples)
    }

    /// Turns judging on or off; off, nothing is reduced (the gain releases to unity).
    pub fn set_detection(&mut self, on: bool) {
        self.detect = on;
    }

    /// Smallest gain applied since the last call (1.0 = no reduction), then resets it.
    pub fn take_min_gain(&mut self) -> f32 {
        self.control.take_min_gain()
    }

    /// Gain applied to the last output sample (for meters).
    pub fn current_gain(&self) -> f32 {
        self.control.last_gain
    }

    /// Clears all state (no allocation): silence in, unity gain, ceiling at its target.
    pub fn reset(&mut self) {
        self.detector.reset();
        let c = self.control.reset();
        self.ceilings.fill(c);
        for ring in self.inputs.iter_mut().chain(self.outputs.iter_mut()) {
            ring.fill(0.0);
        }
        self.gains.fill(1.0);
        self.clock = 0;
        self.last_clip = u64::MAX;
    }

    /// Limits a stereo block in place (the same contract as [`super::Limiter::process`]).
    pub fn process(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        unlimited_left: &mut [f32],
        unlimited_right: &mut [f32],
    ) {
        let avx2 = self.cpu.avx2();
        in_blocks(
            [left, right],
            [unlimited_left, unlimited_right],
            |out, unlimited| {
                dispatch!(
                    avx2,
                    self.process_block_avx2(out, unlimited),
                    self.process_block(out, unlimited)
                )
            },
        );
    }

    /// [`Self::process_block`] compiled for AVX2 (its slice loops eight lanes wide; no
    /// fused operations, so the output is bit-identical to the portable build).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn process_block_avx2(&mut self, out: [&mut [f32]; 2], unlimited: [&mut [f32]; 2]) {
        self.process_block(out, unlimited);
    }

    /// [`Self::process`] for at most [`BLOCK`] samples.
    #[inline(always)]
    fn process_block(
        &mut self,
        [left, right]: [&mut [f32]; 2],
        [unlimited_left, unlimited_right]: [&mut [f32]; 2],
    ) {
        let len = left.len();
        let start = self.clock;
        let (f, l) = (self.future_samples as u64, self.latency_samples as u64);
        self.detector.push(left, right);
        self.inputs[0].write(start, left);
        self.inputs[1].write(start, right);
        if self.control.ceiling.is_moving() {
            for i in 0..len {
                let c = self.control.ceiling.next_value();
                self.ceilings.set(start + i as u64, c);
            }
        } else {
            // At rest (the usual case): the same values, a run at a time.
            self.ceilings
                .fill_run(start, len, self.control.ceiling.value());
        }
        // The gains and the input's largest magnitude over every visible window of the
        // block (a superset of each), for the cheap test.
        let (mut g_lo, g_hi, mut clipped_in_window, peak) = self.window_range(start, len);
        let reserve = self
            .control
            .ceiling
            .value()
            .max(self.control.ceiling.target())
            * self.unseen_max;
        if self.detect {
            // The detector stops at its ±12 bound for a tile whose positions that already
            // clears (the test below, with the block's spread of gains).
            let variation = (g_hi - g_lo) * self.visible_abs * peak[0].max(peak[1]);
            for (i, gate) in self.gate[..len].iter_mut().enumerate() {
                let p = (start + i as u64).wrapping_sub(f);
                let quiet = self.ceilings.get(p) * REDUCTION_LANDING
                    / (HOLD_REARM_RATIO * (1.0 + ROUNDING_MARGIN));
                *gate = (quiet - reserve - variation) / g_hi.max(f32::MIN_POSITIVE);
            }
            self.detector
                .estimate_gated(&mut self.estimate[..len], Some(&self.gate[..len]));
        }
        for i in 0..len {
            let t = start + i as u64;
            let plan = self.control.envelope.step(1.0);
            self.gains.set(t, plan);
            g_lo = g_lo.min(plan);
            if self.detect {
                let p = t.wrapping_sub(f);
                let target = self.ceilings.get(p);
                let variation = (g_hi - g_lo) * self.visible_abs;
                let quiet =
                    target * REDUCTION_LANDING / (HOLD_REARM_RATIO * (1.0 + ROUNDING_MARGIN));
                let over = |ch: usize, g: f32, spread: f32| {
                    g * self.detector.channel_bound(ch, i) + spread * peak[ch] + reserve > quiet
                };
                let mut need = over(0, g_hi, variation) || over(1, g_hi, variation);
                if need && !clipped_in_window {
                    // Tighter, per position: around the plan at `p`, each sample's
                    // departure from it weighted by the kernel at its distance; first
                    // the near samples' only, the rest bounded by the largest departure
                    // the window's gains allow.
                    let g_p = self.gains.get(p);
                    let widest = (g_hi - g_p).max(g_p - g_lo);
                    let quick = self.spread_near(p, g_p) + widest * self.far_tap_bounds;
                    need = over(0, g_p, quick) || over(1, g_p, quick);
                    if need {
                        let spread = self.spread(p, g_p);
                        need = over(0, g_p, spread) || over(1, g_p, spread);
                    }
                }
                if need {
                    let far = |ch| FAR_WEIGHT * self.detector.channel_far(ch, i);
                    if let Some(g) = self.judge(p, [far(0), far(1)]) {
                        g_lo = g_lo.min(g);
                    }
                }
            }
            // Send sample t − L.
            let e = t.wrapping_sub(l);
            let g = self.gains.get(e);
            let clip = self.ceilings.get(e) * SAMPLE_CLIP_FACTOR;
            let mut clipped = false;
            for (ch, out) in [&mut left[i], &mut right[i]].into_iter().enumerate() {
                let x = self.inputs[ch].get(e);
                let v = x * g;
                let y = if v > clip {
                    clipped = true;
                    clip
                } else if v < -clip {
                    clipped = true;
                    -clip
                } else {
                    v
                };
                self.outputs[ch].set(e, y);
                *out = y;
            }
            if clipped {
                self.last_clip = e;
                clipped_in_window = true;
                g_lo = 0.0;
            }
            self.control.record(g);
        }
        if !unlimited_left.is_empty() {
            let first = start.wrapping_sub(l);
            unlimited_left[..len].copy_from_slice(self.inputs[0].run(first, len));
            unlimited_right[..len].copy_from_slice(self.inputs[1].run(first, len));
        }
        self.clock = start + len as u64;
    }

    /// Over the visible windows of the `positions` positions judged from the newest sample
    /// `t` on (the arriving plans bounded by the envelope released at its fastest): the
    /// lowest and highest gain, whether a sample sent there was clipped (the lowest gain is
    /// then 0: it was sent with less than its gain, and the cheap tests take the sent
    /// samples as gain times input), and the input's largest magnitude per channel.
    #[inline(always)]
    fn window_range(&self, t: u64, positions: usize) -> (f32, f32, bool, [f32; 2]) {
        let f = self.future_samples as u64;
        let first = t.wrapping_sub(f + HALF_WINDOW as u64 - 1);
        let span = self.future_samples + HALF_WINDOW - 1;
        let (mut g_lo, mut g_hi) = lowest_highest(self.gains.run(first, span));
        let clipped =
            self.last_clip != u64::MAX && self.last_clip.wrapping_sub(first) < span as u64 + 1;
        if clipped {
            g_lo = 0.0;
        }
        let e = &self.control.envelope;
        let fastest = e.coefficient(RELEASE_FASTEST);
        let released_ln = e.gain_ln * fastest.powi(positions as i32);
        // (Near unity the release snaps to exactly 1.)
        g_hi = g_hi.max(if released_ln > -1.0e-4 {
            1.0
        } else {
            released_ln.exp()
        });
        g_lo = g_lo.min(e.gain);
        let peak = [0, 1].map(|ch| largest_magnitude(self.inputs[ch].run(first, span + positions)));
        (g_lo, g_hi, clipped, peak)
    }

    /// The reconstruction sums of position `p` per phase on channel `ch`, with the samples
    /// already sent as sent and those from `sent` to the newest `t` at their plan lowered by
    /// the ratio `ρ = G / plan(p)`, reached at `p` by a straight ramp from 1 at `p − W`
    /// (sample k becomes `plan·(w + (1 − w)·G / plan(p))`): returned as the part that does
    /// not depend on `G` and the factor of `G`.
    fn lowered_sums(
        &mut self,
        ch: usize,
        p: u64,
        sent: u64,
        plan_p: f32,
    ) -> ([f32; PHASES], [f32; PHASES]) {
        let w = self.ramp_samples as f32;
        let (first, past, visible) = self.window_parts(p, sent);
        let from = first.wrapping_add(past as u64);
        let (constant, proportional) = (&mut self.constant[ch], &mut self.proportional[ch]);
        constant[..past].copy_from_slice(self.outputs[ch].run(first, past));
        proportional[..past].fill(0.0);
        let inputs = self.inputs[ch].run(from, visible - past);
        let gains = self.gains.run(from, visible - past);
        for (n, (&x, &plan)) in inputs.iter().zip(gains).enumerate() {
            let k = from.wrapping_add(n as u64);
            let before = p.wrapping_sub(k) as i64;
            let wk = if before > 0 { before as f32 / w } else { 0.0 };
            let j = past + n;
            constant[j] = plan * wk * x;
            proportional[j] = plan * (1.0 - wk) / plan_p * x;
        }
        phase_sums(
            self.cpu,
            &self.taps,
            &constant[..visible],
            &proportional[..visible],
        )
    }

    /// The window of position `p` when `sent` is the next sample to send: its first sample
    /// `p − 127`, how many of its samples are already sent (none where the ramp reaches
    /// back past the window, at high rates), and how many are visible.
    fn window_parts(&self, p: u64, sent: u64) -> (u64, usize, usize) {
        let first = p.wrapping_sub(HALF_WINDOW as u64 - 1);
        let past = (sent.wrapping_sub(first) as i64).max(0) as usize;
        (first, past, HALF_WINDOW + self.future_samples)
    }

    /// `Σ |g_k − g_p| · max_φ |ĥ_φ(k − p)|` over the visible window of position `p`: with
    /// the input's largest magnitude, a bound of what the gains' departure from `g_p` adds
    /// to the reconstruction (`Σ g_k·x_k·ĥ = g_p·Σ x_k·ĥ + Σ (g_k − g_p)·x_k·ĥ`).
    #[inline(always)]
    fn spread(&self, p: u64, g_p: f32) -> f32 {
        let visible = HALF_WINDOW + self.future_samples;
        let gains = self
            .gains
            .run(p.wrapping_sub(HALF_WINDOW as u64 - 1), visible);
        dispatch!(
            self.cpu.avx2(),
            departure_avx2(gains, &self.tap_bounds[..visible], g_p),
            departure(gains, &self.tap_bounds[..visible], g_p)
        ) * (1.0 + 1e-5)
    }

    /// [`Self::spread`] over the near samples `p − QUICK_BEFORE … p + QUICK_AFTER` only.
    #[inline(always)]
    fn spread_near(&self, p: u64, g_p: f32) -> f32 {
        let near = QUICK_BEFORE + 1 + QUICK_AFTER;
        let gains = self.gains.run(p.wrapping_sub(QUICK_BEFORE as u64), near);
        let taps = &self.tap_bounds[HALF_WINDOW - 1 - QUICK_BEFORE..][..near];
        dispatch!(
            self.cpu.avx2(),
            departure_avx2(gains, taps, g_p),
            departure(gains, taps, g_p)
        ) * (1.0 + 1e-5)
    }

    /// Per phase, what the unseen samples may add to centre `c` when `t` is the newest, as
    /// an amplitude.
    fn reserve(&self, c: u64, t: u64, m: usize) -> f32 {
        let seen_after = t.wrapping_sub(c) as usize;
        let ceiling = self
            .control
            .ceiling
            .value()
            .max(self.control.ceiling.target());
        ceiling * self.tails[m][seen_after.min(HALF_WINDOW)]
    }

    /// Judges position `p` (the newest sample `p + F`) exactly against the plan; lowers
    /// the plan and holds the envelope where it must. Returns the lowest gain it set, if
    /// any.
    #[inline(never)]
    fn judge(&mut self, p: u64, margin: [f32; 2]) -> Option<f32> {
        self.judged += 1;
        let t = p.wrapping_add(self.future_samples as u64);
        let sent = p.wrapping_sub(self.ramp_samples as u64).wrapping_add(1);
        let target = self.ceilings.get(p);
        // The reconstruction with the current plan, as a share of the ceiling: the
        // reference's own folded evaluation over the window with the unseen part silent,
        // plus the largest reserve.
        let mut worst = 0.0f32;
        let plan_p = self.gains.get(p).max(f32::MIN_POSITIVE);
        let (first, past, visible) = self.window_parts(p, sent);
        let from = first.wrapping_add(past as u64);
        let reserve = self.reserve(p, t, self.widest_phase);
        for (ch, &margin) in margin.iter().enumerate() {
            let window = &mut self.window;
            window[..past].copy_from_slice(self.outputs[ch].run(first, past));
            let inputs = self.inputs[ch].run(from, visible - past);
            let gains = self.gains.run(from, visible - past);
            for ((y, &x), &g) in window[past..visible].iter_mut().zip(inputs).zip(gains) {
                *y = x * g;
            }
            let peak = self.exact.interval_peak(&self.window[..]);
            // Content dominated by in-phase far samples (near Nyquist), which a later
            // reduction lifts, keeps the margin even under the ceiling (as in Exact).
            let far = margin * plan_p;
            let in_phase = if far > IN_PHASE_SHARE * FAR_WEIGHT * peak {
                far
            } else {
                0.0
            };
            worst = worst.max((peak * (1.0 + ROUNDING_MARGIN) + reserve + in_phase) / target);
        }
        if worst <= 1.0 {
            // Within the ceiling: a re-arm of the hold if close (as Exact's requirement
            // within 0.1 dB of the gain), else nothing.
            let equivalent = plan_p * REDUCTION_LANDING / worst;
            if worst > 0.0 && equivalent < 1.0 {
                self.control.envelope.require(equivalent);
            }
            return None;
        }
        // Reduce: the largest G with every phase within the landing, `V` below the plan
        // where it is active.
        for (ch, &margin) in margin.iter().enumerate() {
            let (a, b) = self.lowered_sums(ch, p, sent, plan_p);
            for m in 0..PHASES {
                let limit =
                    target * REDUCTION_LANDING / (1.0 + ROUNDING_MARGIN) - self.reserve(p, t, m);
                // |a + G·b| + G·margin ≤ limit, as two one-sided constraints.
                let at = 2 * (ch * PHASES + m);
                self.constraints[at] = (a[m], b[m] + margin, limit);
                self.constraints[at + 1] = (-a[m], margin - b[m], limit);
            }
        }
        self.reductions += 1;
        let (g, feasible) = solve(&self.constraints, plan_p);
        if !feasible {
            self.infeasible += 1;
        }
        let ratio = (g / plan_p).clamp(0.0, 1.0);
        let w = self.ramp_samples as f32;
        let mut lowest = 1.0f32;
        for n in 0..=t.wrapping_sub(sent) {
            let k = sent.wrapping_add(n);
            let before = p.wrapping_sub(k) as i64;
            let wk = if before > 0 { before as f32 / w } else { 0.0 };
            let lowered = self.gains.get(k) * (wk + (1.0 - wk) * ratio);
            self.gains.set(k, lowered);
            lowest = lowest.min(lowered);
        }
        let g = self.gains.get(t);
        self.control.envelope.require(g.max(f32::MIN_POSITIVE));
        // (Not only the newest: where the plan released within the lowered run, an earlier
        // sample is lower, and the cheap tests' spread of gains must include it.)
        Some(lowest)
    }
}
