//! The limiter's true-peak detector: an upper bound of the reconstructed waveform
//! between every pair of samples, computed a block at a time.
//!
//! The bound (derived in [`super`]'s module docs) has three parts per
//! channel and position `p`:
//! - the **near field**, the reference kernel's own taps over ±`near_taps` samples
//!   at the 4× grid `p + ¼, ½, ¾` plus a curvature margin between grid points;
//! - the **far field**, an Abel-summation bound from running sums of the
//!   sign-alternated signal and of its first differences (ranges tracked in
//!   [`CHUNK`]-sample chunks over the kernel's ±128-sample support);
//! - the two edge samples just outside the near field.
//!
//! Speed: the near-field FIR is computed for a whole block of positions at once,
//! in tiles of [`TILE`] positions whose accumulators stay in registers, so the
//! compiler vectorises it across positions. On x86-64 CPUs with AVX2 and FMA the
//! same code is compiled a second time for those instruction sets, with fused
//! multiply-adds, and picked at run time; it adds the same products in the same
//! order as the portable build, with one rounding per product instead of two, so
//! the two agree to a few units in the last place (a unit test checks that both
//! are bounds). One machine always picks the same build, so the plugin and the
//! renderer stay bit-identical.
//!
//! Gate ([`Detector::with_gate`]): the inner taps of the near field are summed first,
//! and with them a complete ±G bound (narrower near field, larger far-field
//! coefficient); a tile whose positions all pass the caller's test on that bound
//! keeps it and skips the outer taps.

use super::exact;
use super::kernel;
use crate::dsp::cpu::{dispatch, Cpu};

/// Chunk length of the far-field running-sum statistics, in samples.
pub const CHUNK: usize = 8;
/// Near-field half-width cap, in samples.
pub const MAX_NEAR_TAPS: usize = 32;
/// Most positions estimated per call (the limiter works in blocks of this size).
pub const BLOCK: usize = 128;
/// Positions per register tile of the near-field FIR.
const TILE: usize = 16;
/// Past extent of the far field, in samples (the kernel's support).
const PAST_EXTENT: usize = kernel::SUPPORT_SAMPLES + 1;
/// Blocks a channel skips the gate for after the gate spared fewer than half of a
/// block's tiles (dense programme near the ceiling, where it only costs).
const GATE_REST_BLOCKS: u32 = 8;
/// Safety factor on the between-grid curvature margin.
const CURVATURE_SAFETY: f32 = 1.25;

/// Larger of two finite numbers (no NaN handling: a plain compare-and-select).
#[inline(always)]
fn max(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

/// Smaller of two finite numbers.
#[inline(always)]
fn min(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}

/// Four running sums' extremes side by side (`[Q, Q_d]` of left, then of right): the
/// maxima in `hi`, the minima in `lo`, lane `k` for sum `k`.
#[derive(Debug, Clone, Copy)]
struct LaneExtremes {
    hi: [f64; 4],
    lo: [f64; 4],
}

impl LaneExtremes {
    /// Nothing yet: −∞ maxima, +∞ minima.
    const EMPTY: Self = Self {
        hi: [f64::NEG_INFINITY; 4],
        lo: [f64::INFINITY; 4],
    };

    /// Lane by lane, the larger maximum and the smaller minimum (`self` first).
    #[inline(always)]
    fn merge(self, other: Self) -> Self {
        let mut merged = self;
        for k in 0..4 {
            merged.hi[k] = max(self.hi[k], other.hi[k]);
            merged.lo[k] = min(self.lo[k], other.lo[k]);
        }
        merged
    }
}

/// Extremes over the last `window` pushed chunk extremes, for the four running sums
/// at once (they complete their chunks together), in O(1) amortised per push: a
/// two-stack queue whose front stack holds suffix extremes (the van Herk / Gil-Werman
/// idea).
#[derive(Debug, Clone)]
struct SlidingExtremes {
    /// Number of entries in the window.
    window: usize,
    /// Suffix extremes of the older entries; live entries are `front[front_pos..front_len]`.
    front: Vec<LaneExtremes>,
    front_pos: usize,
    front_len: usize,
    /// The newer entries, oldest first; live entries are `back[..back_len]`.
    back: Vec<LaneExtremes>,
    back_len: usize,
    /// Extremes over `back[..back_len]`.
    back_extremes: LaneExtremes,
}

impl SlidingExtremes {
    fn new(window: usize) -> Self {
        Self {
            window,
            front: vec![LaneExtremes::EMPTY; window + 1],
            front_pos: 0,
            front_len: 0,
            back: vec![LaneExtremes::EMPTY; window + 1],
            back_len: 0,
            back_extremes: LaneExtremes::EMPTY,
        }
    }

    fn reset(&mut self) {
        self.front_pos = 0;
        self.front_len = 0;
        self.back_len = 0;
        self.back_extremes = LaneExtremes::EMPTY;
    }

    /// Adds an entry and returns the extremes over the window.
    #[inline(always)]
    fn push(&mut self, entry: LaneExtremes) -> LaneExtremes {
        self.back[self.back_len] = entry;
        self.back_len += 1;
        self.back_extremes = self.back_extremes.merge(entry);
        if self.front_len - self.front_pos + self.back_len > self.window {
            if self.front_pos == self.front_len {
                // Move the back stack over, as suffix extremes.
                let mut acc = LaneExtremes::EMPTY;
                for i in (0..self.back_len).rev() {
                    acc = acc.merge(self.back[i]);
                    self.front[i] = acc;
                }
                self.front_pos = 0;
                self.front_len = self.back_len;
                self.back_len = 0;
                self.back_extremes = LaneExtremes::EMPTY;
            }
            self.front_pos += 1;
        }
        let mut extremes = self.back_extremes;
        if self.front_pos < self.front_len {
            extremes = extremes.merge(self.front[self.front_pos]);
        }
        extremes
    }

    /// Subtracts `offset` from every stored value of lane `k` (re-centring one sum).
    fn shift(&mut self, k: usize, offset: f64) {
        for p in self.front[self.front_pos..self.front_len]
            .iter_mut()
            .chain(&mut self.back[..self.back_len])
        {
            p.hi[k] -= offset;
            p.lo[k] -= offset;
        }
        self.back_extremes.hi[k] -= offset;
        self.back_extremes.lo[k] -= offset;
    }
}

/// Per-channel state: sample history and the block's far-field ranges.
#[derive(Debug, Clone)]
struct ChannelState {
    /// Doubled ring of input samples (plus read padding), so any recent window is one slice.
    history: Vec<f32>,
    /// `range(Q)` after each sample of the last pushed block.
    range_q: [f32; BLOCK],
    /// `range(Q_d)` after each sample of the last pushed block.
    range_qd: [f32; BLOCK],
    /// Blocks left before the gate is tried again (see [`GATE_REST_BLOCKS`]).
    gate_rest: u32,
}

impl ChannelState {
    fn new(history_len: usize) -> Self {
        Self {
            history: vec![0.0; 2 * history_len + 2 * TILE],
            range_q: [0.0; BLOCK],
            range_qd: [0.0; BLOCK],
            gate_rest: 0,
        }
    }

    fn reset(&mut self) {
        self.history.fill(0.0);
        self.gate_rest = 0;
    }
}

/// Fixed numbers of the bound, shared by every block.
#[derive(Debug, Clone)]
struct Geometry {
    /// Near-field half-width `S`, in samples.
    near_taps: usize,
    /// Samples between the detected position and the newest sample, `F`.
    future_samples: usize,
    /// Folded near-field taps per k < `S`: [¼ + ¾, ½, ¼ − ¾] (see `estimate_channel`).
    taps: [[f32; MAX_NEAR_TAPS]; 3],
    /// Abel bound coefficient of the far field, `K = w(S)/(πS)`, per side.
    far_coefficient: f32,
    /// First difference of that envelope, `D = K(S) − K(S+1)`.
    far_difference: f32,
    /// Half-width `G < S` of the gate's narrower bound (0: no gate), in samples.
    gate_taps: usize,
    /// `K(G)` and `D(G)`: the far-field coefficients of the gate's bound.
    gate_far: (f32, f32),
    /// Weight of the far-field term in the gate's test (`bound + weight · far`).
    gate_weight: f32,
    /// `K` and `D` at ±[`exact::NEAR_COLUMNS`]: the far-field coefficients beyond the
    /// near part of a staged exact evaluation.
    exact_near_far: (f32, f32),
}

/// Block-wise true-peak bound for a stereo stream (see the module docs).
#[derive(Debug, Clone)]
pub struct Detector {
    geometry: Geometry,
    /// History ring length (power of two).
    history_len: usize,
    channels: [ChannelState; 2],
    /// The far field's four running sums, `Q = Σ (-1)^j x[j]` (the sign-alternated
    /// signal) and `Q_d = Σ (-1)^j (x[j] − x[j−1])` (its first differences), of the
    /// left then the right channel, with their extremes in the chunk being filled.
    sums: SumLanes,
    /// The extremes of the completed chunks of `sums` over the window.
    chunks: SlidingExtremes,
    /// Index of the next input sample.
    clock: u64,
    /// Length of the last pushed block.
    block_len: usize,
    /// Each channel's bound for the positions of the last block.
    channel_bound: [[f32; BLOCK]; 2],
    /// Each channel's far-field term of that bound (the Abel part, beyond ±S).
    channel_far: [[f32; BLOCK]; 2],
    /// What this CPU can run (the AVX2 running sums, the AVX2 + FMA near-field FIR).
    cpu: Cpu,
}

impl Detector {
    /// A detector that bounds position `newest − future_samples` with a near field
    /// of ±`near_taps` samples and can delay the input by up to `max_delay` samples.
    /// Allocates; call from `activate`.
    pub fn new(near_taps: usize, future_samples: usize, max_delay: usize) -> Self {
        Self::with_gate(near_taps, 0, 0.0, future_samples, max_delay)
    }

    /// [`Detector::new`] with a gate: [`Detector::estimate_gated`] first bounds every
    /// tile of positions with the near field's inner ±`gate_taps` samples alone (a
    /// complete, looser bound of the same form, as the first release's detector), and
    /// adds the outer taps only where some position of the tile fails the caller's
    /// test `bound + gate_weight · far ≤ gate`. Allocates; call from `activate`.
    pub fn with_gate(
        near_taps: usize,
        gate_taps: usize,
        gate_weight: f32,
        future_samples: usize,
        max_delay: usize,
    ) -> Self {
        assert!((1..=MAX_NEAR_TAPS).contains(&near_taps) && future_samples > near_taps);
        assert!(gate_taps < near_taps);
        let s = near_taps;
        // Value at p + φ = Σ_j x[j] h(p + φ − j), j = p − S + 1 ..= p + S, i.e. the
        // window index k = j − p + S − 1 in 0..2S. Folded by symmetry (see
        // `estimate_channel`): per k < S, [h¼(k) + h¾(k), h½(k), h¼(k) − h¾(k)].
        let tap = |phase: f64, k: usize| kernel::kernel(phase - (k as f64 - (s as f64 - 1.0)));
        let folded = |k: usize| {
            let (quarter, half, three) = (tap(0.25, k), tap(0.5, k), tap(0.75, k));
            [
                (quarter + three) as f32,
                half as f32,
                (quarter - three) as f32,
            ]
        };
        let mut taps = [[0.0f32; MAX_NEAR_TAPS]; 3];
        for (lane, taps) in taps.iter_mut().enumerate() {
            for (k, tap) in taps[..s].iter_mut().enumerate() {
                *tap = folded(k)[lane];
            }
        }
        let envelope = |t: f64| kernel::window(t) / (std::f64::consts::PI * t);
        let far_coefficient = envelope(s as f64) as f32;
        let far_difference = (envelope(s as f64) - envelope(s as f64 + 1.0)) as f32;
        let exact_near_far = {
            let n = exact::NEAR_COLUMNS as f64;
            (envelope(n) as f32, (envelope(n) - envelope(n + 1.0)) as f32)
        };
        let gate_far = if gate_taps > 0 {
            let g = gate_taps as f64;
            (envelope(g) as f32, (envelope(g) - envelope(g + 1.0)) as f32)
        } else {
            (0.0, 0.0)
        };

        // Room for the longest read: the delayed output, the cheap bound's window, or
        // the exact window of [`super::exact`] (127 samples behind the position).
        let reach = max_delay
            .max(future_samples + s)
            .max(future_samples + exact::HALF_WINDOW);
        let history_len = (BLOCK + reach + 2 * s + 4).next_power_of_two();
        let window_span = PAST_EXTENT + future_samples + CHUNK;
        let window_chunks = window_span.div_ceil(CHUNK) + 1;
        Self {
            geometry: Geometry {
                near_taps: s,
                future_samples,
                taps,
                far_coefficient,
                far_difference,
                gate_taps,
                gate_far,
                gate_weight,
                exact_near_far,
            },
            history_len,
            channels: [
                ChannelState::new(history_len),
                ChannelState::new(history_len),
            ],
            sums: SumLanes::ZERO,
            chunks: SlidingExtremes::new(window_chunks),
            clock: 0,
            block_len: 0,
            channel_bound: [[0.0; BLOCK]; 2],
            channel_far: [[0.0; BLOCK]; 2],
            cpu: Cpu::detect(),
        }
    }

    /// Clears the history and sums (silence in), without allocating.
    pub fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.reset();
        }
        self.sums = SumLanes::ZERO;
        self.chunks.reset();
        self.clock = 0;
        self.block_len = 0;
    }

    /// Appends a block of at most [`BLOCK`] finite stereo samples.
    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        let len = left.len();
        assert!(len <= BLOCK && right.len() == len);
        let n = self.history_len;
        let mask = n - 1;
        let start = self.clock;
        let first = start as usize & mask;
        let split = len.min(n - first);
        for (ch, input) in self.channels.iter_mut().zip([left, right]) {
            // History: both copies of the ring, in at most two contiguous pieces each.
            let (head, tail) = input.split_at(split);
            ch.history[first..first + split].copy_from_slice(head);
            ch.history[first + n..first + n + split].copy_from_slice(head);
            ch.history[..tail.len()].copy_from_slice(tail);
            ch.history[n..n + tail.len()].copy_from_slice(tail);
        }
        // Running sums of the sign-alternated signal and its differences, both channels
        // in one loop (four independent sums, so they pipeline and vectorise).
        dispatch!(
            self.cpu.avx2(),
            push_sums_avx2(
                &mut self.channels,
                &mut self.sums,
                &mut self.chunks,
                start,
                left,
                right
            ),
            push_sums(
                &mut self.channels,
                &mut self.sums,
                &mut self.chunks,
                start,
                left,
                right,
                add_samples
            )
        );
        self.clock = start + len as u64;
        self.block_len = len;
    }

    /// Doubled-ring index of the first sample of the last pushed block.
    fn block_base(&self) -> usize {
        let n = self.history_len;
        let newest = self.clock.wrapping_sub(1) as usize & (n - 1);
        newest + n + 1 - self.block_len
    }

    /// The last pushed block of `channel`, delayed by `delay` samples (`delay` at most
    /// the `max_delay` given to [`Detector::new`]).
    pub fn delayed(&self, channel: usize, delay: usize) -> &[f32] {
        let start = self.block_base() - delay;
        &self.channels[channel].history[start..start + self.block_len]
    }

    /// For every sample of the last pushed block, the bound of |waveform| on
    /// `[p, p+1]` at `p = sample − future_samples`, the larger of both channels,
    /// written to `estimate[..len]`.
    pub fn estimate(&mut self, estimate: &mut [f32]) {
        self.estimate_gated(estimate, None);
    }

    /// [`Self::estimate`], gated (see [`Detector::with_gate`]): a tile whose positions
    /// all pass `bound + gate_weight · far ≤ gate[i]` with the narrower bound keeps
    /// that bound (and its far term); the others get the full near field.
    pub fn estimate_gated(&mut self, estimate: &mut [f32], gate: Option<&[f32]>) {
        let len = self.block_len;
        let g = &self.geometry;
        // Window of the first position, starting at its lower edge sample p − S.
        let start = self.block_base() - g.future_samples - g.near_taps;
        let gate = match gate {
            Some(gate) if g.gate_taps > 0 => Some(&gate[..len]),
            _ => None,
        };
        for ((ch, bound), far) in self
            .channels
            .iter_mut()
            .zip(&mut self.channel_bound)
            .zip(&mut self.channel_far)
        {
            let samples = &ch.history[start..];
            let bound = &mut bound[..len];
            let far = &mut far[..len];
            let gate = gate.filter(|_| ch.gate_rest == 0);
            ch.gate_rest = ch.gate_rest.saturating_sub(1);
            // (The portable build fuses its multiply-adds where every CPU of the target
            // has them: AArch64's NEON always does, x86-64 without FMA does not.)
            let (tried, spared) = dispatch!(
                self.cpu.avx2_fma(),
                estimate_channel_avx2(g, samples, &ch.range_q, &ch.range_qd, gate, bound, far),
                estimate_channel::<{ cfg!(target_arch = "aarch64") }>(
                    g,
                    samples,
                    &ch.range_q,
                    &ch.range_qd,
                    gate,
                    bound,
                    far
                )
            );
            if 2 * spared < tried {
                ch.gate_rest = GATE_REST_BLOCKS;
            }
        }
        let [left, right] = &self.channel_bound;
        for ((e, &l), &r) in estimate[..len].iter_mut().zip(left).zip(right) {
            *e = l.max(r);
        }
    }

    /// `channel`'s bounds for the positions of the last block (after [`Self::estimate`]).
    pub fn channel_bounds(&self, channel: usize) -> &[f32] {
        &self.channel_bound[channel][..self.block_len]
    }

    /// `channel`'s far-field terms for the positions of the last block.
    pub fn channel_fars(&self, channel: usize) -> &[f32] {
        &self.channel_far[channel][..self.block_len]
    }

    /// `channel`'s bound at position `index` of the last block (after [`Self::estimate`]).
    pub fn channel_bound(&self, channel: usize, index: usize) -> f32 {
        self.channel_bound[channel][index]
    }

    /// `channel`'s far-field term (the Abel bound beyond ±S) at position `index`.
    pub fn channel_far(&self, channel: usize, index: usize) -> f32 {
        self.channel_far[channel][index]
    }

    /// `channel`'s far-field bound at position `index` beyond ±[`exact::NEAR_COLUMNS`]
    /// samples (the part of the reference's window that
    /// [`exact::ExactPeak::interval_peak_staged`] leaves out of its near part): the same
    /// Abel bound as the detector's own far field, from the same running-sum ranges,
    /// with the coefficients and edge samples of that wider near field.
    pub fn channel_far_beyond_exact_near(&self, channel: usize, index: usize) -> f32 {
        let (k_far, d_far) = self.geometry.exact_near_far;
        let window = self.exact_window(channel, index);
        // x[p − 64] and x[p + 65], just outside x[p − 63] … x[p + 64].
        let n = exact::NEAR_COLUMNS;
        let edges = window[exact::HALF_WINDOW - 1 - n].abs() + window[exact::HALF_WINDOW + n].abs();
        let ch = &self.channels[channel];
        k_far * (0.5 * edges + ch.range_qd[index]) + d_far * ch.range_q[index]
    }

    /// The [`exact::WINDOW`] samples the reference reads for position `index` of the
    /// last block, on `channel` (`x[p − 127] … x[p + 128]`); the detector's geometry
    /// must see the whole window (`future_samples ≥ 128`).
    pub fn exact_window(&self, channel: usize, index: usize) -> &[f32] {
        debug_assert!(self.geometry.future_samples >= exact::HALF_WINDOW);
        let p = self.block_base() + index - self.geometry.future_samples;
        &self.channels[channel].history[p + 1 - exact::HALF_WINDOW..p + 1 + exact::HALF_WINDOW]
    }
}

/// [`push_sums`] compiled for AVX2, the four sums as one vector.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn push_sums_avx2(
    channels: &mut [ChannelState; 2],
    sums: &mut SumLanes,
    chunks: &mut SlidingExtremes,
    start: u64,
    left: &[f32],
    right: &[f32],
) {
    // SAFETY: this function only runs on CPUs with AVX2.
    push_sums(
        channels,
        sums,
        chunks,
        start,
        left,
        right,
        |lanes, first, l, r, ranges| unsafe { add_samples_avx2(lanes, first, l, r, ranges) },
    );
}

/// The per-sample state of the four running sums (`[Q, Q_d]` of left, then of right),
/// one array per field, so the per-sample step is four-wide arithmetic.
#[derive(Debug, Clone, Copy)]
struct SumLanes {
    sum: [f64; 4],
    chunk_max: [f64; 4],
    chunk_min: [f64; 4],
    /// Extremes over the window's completed chunks (fixed while a chunk fills).
    window_max: [f64; 4],
    window_min: [f64; 4],
    /// The previous left and right input samples.
    previous: [f32; 2],
}

impl SumLanes {
    /// Silence so far.
    const ZERO: Self = Self {
        sum: [0.0; 4],
        chunk_max: [0.0; 4],
        chunk_min: [0.0; 4],
        window_max: [0.0; 4],
        window_min: [0.0; 4],
        previous: [0.0; 2],
    };

    /// Files the finished chunk's extremes into `chunks`, takes the window's extremes
    /// from it, and starts the next chunk at the current sums.
    #[inline(always)]
    fn complete_chunk(&mut self, chunks: &mut SlidingExtremes) {
        let window = chunks.push(LaneExtremes {
            hi: self.chunk_max,
            lo: self.chunk_min,
        });
        (self.window_max, self.window_min) = (window.hi, window.lo);
        self.chunk_max = self.sum;
        self.chunk_min = self.sum;
        // Re-centre now and then so f64 keeps its precision on pathological input.
        // (Tested for all lanes first: the per-lane loop is rare, and vectorised it
        // becomes masked stores, which are slow on some CPUs.)
        if !self.sum.iter().any(|s| s.abs() > 1.0e6) {
            return;
        }
        for k in 0..4 {
            if self.sum[k].abs() > 1.0e6 {
                let offset = self.sum[k];
                chunks.shift(k, offset);
                self.sum[k] = 0.0;
                self.chunk_max[k] = 0.0;
                self.chunk_min[k] = 0.0;
                self.window_max[k] -= offset;
                self.window_min[k] -= offset;
            }
        }
    }
}

/// Adds the stereo samples `left`, `right` (sample `first` onwards, all within one
/// chunk) to the four sums and their chunk extremes, and writes each sum's range over
/// the window after every sample to `ranges`.
#[inline(always)]
fn add_samples(
    lanes: &mut SumLanes,
    first: u64,
    left: &[f32],
    right: &[f32],
    ranges: &mut [[f32; 4]],
) {
    for (j, ((&l, &r), range)) in left.iter().zip(right).zip(ranges).enumerate() {
        let sign = if (first + j as u64) & 1 == 1 {
            -1.0f32
        } else {
            1.0
        };
        let values = [l, l - lanes.previous[0], r, r - lanes.previous[1]];
        lanes.previous = [l, r];
        for (k, v) in values.into_iter().enumerate() {
            lanes.sum[k] += (v * sign) as f64;
            lanes.chunk_max[k] = max(lanes.chunk_max[k], lanes.sum[k]);
            lanes.chunk_min[k] = min(lanes.chunk_min[k], lanes.sum[k]);
            range[k] = (max(lanes.window_max[k], lanes.chunk_max[k])
                - min(lanes.window_min[k], lanes.chunk_min[k])) as f32;
        }
    }
}

/// [`add_samples`] in AVX2 intrinsics: the same operations in the same order (the
/// compare-and-select of `max`/`min` is exactly `vmaxpd`/`vminpd` with the operands in
/// this order), so the sums are bit-identical.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn add_samples_avx2(
    lanes: &mut SumLanes,
    first: u64,
    left: &[f32],
    right: &[f32],
    ranges: &mut [[f32; 4]],
) {
    use std::arch::x86_64::*;
    let mut sum = _mm256_loadu_pd(lanes.sum.as_ptr());
    let mut chunk_max = _mm256_loadu_pd(lanes.chunk_max.as_ptr());
    let mut chunk_min = _mm256_loadu_pd(lanes.chunk_min.as_ptr());
    let window_max = _mm256_loadu_pd(lanes.window_max.as_ptr());
    let window_min = _mm256_loadu_pd(lanes.window_min.as_ptr());
    // Lanes [0, previous left, 0, previous right]: subtracted from [l, l, r, r].
    let mut previous = _mm_setr_ps(0.0, lanes.previous[0], 0.0, lanes.previous[1]);
    let zero = _mm_setzero_ps();
    for (j, ((&l, &r), range)) in left.iter().zip(right).zip(ranges).enumerate() {
        let sign = if (first + j as u64) & 1 == 1 {
            -1.0f32
        } else {
            1.0
        };
        let x = _mm_setr_ps(l, l, r, r);
        let values = _mm_mul_ps(_mm_sub_ps(x, previous), _mm_set1_ps(sign));
        previous = _mm_blend_ps::<0b1010>(zero, x);
        sum = _mm256_add_pd(sum, _mm256_cvtps_pd(values));
        chunk_max = _mm256_max_pd(chunk_max, sum);
        chunk_min = _mm256_min_pd(chunk_min, sum);
        let spread = _mm256_sub_pd(
            _mm256_max_pd(window_max, chunk_max),
            _mm256_min_pd(window_min, chunk_min),
        );
        _mm_storeu_ps(range.as_mut_ptr(), _mm256_cvtpd_ps(spread));
    }
    _mm256_storeu_pd(lanes.sum.as_mut_ptr(), sum);
    _mm256_storeu_pd(lanes.chunk_max.as_mut_ptr(), chunk_max);
    _mm256_storeu_pd(lanes.chunk_min.as_mut_ptr(), chunk_min);
    if let (Some(&l), Some(&r)) = (left.last(), right.last()) {
        lanes.previous = [l, r];
    }
}

/// Adds a stereo block (sample `start` onwards) to both channels' running sums of the
/// sign-alternated signal and of its first differences (the samples through `add`, a
/// chunk at a time), and records their ranges for every sample: each sample gets the
/// range as of itself (the completed chunks of the window plus its own chunk so far),
/// so the bound depends on the stream alone, never on where the host's blocks split it.
#[inline(always)]
fn push_sums(
    channels: &mut [ChannelState; 2],
    sums: &mut SumLanes,
    chunks: &mut SlidingExtremes,
    start: u64,
    left: &[f32],
    right: &[f32],
    add: impl Fn(&mut SumLanes, u64, &[f32], &[f32], &mut [[f32; 4]]),
) {
    let len = left.len();
    let [c0, c1] = channels;
    let mut lanes = *sums;
    let mut ranges = [[0.0f32; 4]; CHUNK];
    let mut i = 0;
    while i < len {
        let now = start + i as u64;
        let end = len.min(i + CHUNK - (now as usize % CHUNK));
        let ranges = &mut ranges[..end - i];
        add(&mut lanes, now, &left[i..end], &right[i..end], ranges);
        for (j, range) in (i..end).zip(&*ranges) {
            c0.range_q[j] = range[0];
            c0.range_qd[j] = range[1];
            c1.range_q[j] = range[2];
            c1.range_qd[j] = range[3];
        }
        if (start + end as u64).is_multiple_of(CHUNK as u64) {
            lanes.complete_chunk(chunks);
        }
        i = end;
    }
    *sums = lanes;
}

/// [`estimate_channel`] compiled for AVX2 and FMA, with fused multiply-adds.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn estimate_channel_avx2(
    g: &Geometry,
    samples: &[f32],
    range_q: &[f32],
    range_qd: &[f32],
    gate: Option<&[f32]>,
    estimate: &mut [f32],
    far_field: &mut [f32],
) -> (usize, usize) {
    estimate_channel::<true>(g, samples, range_q, range_qd, gate, estimate, far_field)
}

/// `a·b + c`: fused (one rounding, the FMA instruction) in the build for CPUs that
/// have it, two roundings in the portable build.
#[inline(always)]
fn multiply_add<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Folded near-field accumulators of one tile: `[¼+¾, ½, ¼−¾]` sums per position.
type Accumulators = [[f32; TILE]; 3];

/// Adds the folded taps `k ∈ taps` to a tile's accumulators (see [`estimate_channel`]).
#[inline(always)]
fn accumulate<const FMA: bool>(
    g: &Geometry,
    samples: &[f32],
    tile: usize,
    taps: std::ops::Range<usize>,
    acc: &mut Accumulators,
) {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: the fused build is only instantiated by `estimate_channel_avx2`, which
        // only runs on CPUs with AVX2 and FMA.
        return unsafe { accumulate_fma(g, samples, tile, taps, acc) };
    }
    let s = g.near_taps;
    let [t_sum, t_half, t_diff] = &g.taps;
    let [sum, half, diff] = acc;
    for k in taps {
        let lo = &samples[tile + 1 + k..tile + 1 + k + TILE];
        let hi = &samples[tile + 2 * s - k..tile + 2 * s - k + TILE];
        let (ts, th, td) = (t_sum[k], t_half[k], t_diff[k]);
        for j in 0..TILE {
            let u = lo[j] + hi[j];
            let v = lo[j] - hi[j];
            sum[j] = multiply_add::<FMA>(u, ts, sum[j]);
            half[j] = multiply_add::<FMA>(u, th, half[j]);
            diff[j] = multiply_add::<FMA>(v, td, diff[j]);
        }
    }
}

/// [`accumulate`] with fused multiply-adds, in AVX2 intrinsics: the same products
/// added in the same order, the six accumulator vectors held in registers across the
/// taps (the compiler's own vectorisation of the portable loop spills them).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn accumulate_fma(
    g: &Geometry,
    samples: &[f32],
    tile: usize,
    taps: std::ops::Range<usize>,
    acc: &mut Accumulators,
) {
    use std::arch::x86_64::*;
    const HALF: usize = TILE / 2;
    let s = g.near_taps;
    // Every read below stays inside these bounds (k < S, so 1 + k ≥ 1 and 2S − k ≥ S + 1).
    assert!(taps.end <= s && s <= MAX_NEAR_TAPS && tile + 2 * s + TILE <= samples.len());
    let base = samples.as_ptr().add(tile);
    let [sum, half, diff] = acc;
    let mut sum_lo = _mm256_loadu_ps(sum.as_ptr());
    let mut sum_hi = _mm256_loadu_ps(sum.as_ptr().add(HALF));
    let mut half_lo = _mm256_loadu_ps(half.as_ptr());
    let mut half_hi = _mm256_loadu_ps(half.as_ptr().add(HALF));
    let mut diff_lo = _mm256_loadu_ps(diff.as_ptr());
    let mut diff_hi = _mm256_loadu_ps(diff.as_ptr().add(HALF));
    let [t_sum, t_half, t_diff] = &g.taps;
    for k in taps {
        let lo = base.add(1 + k);
        let hi = base.add(2 * s - k);
        let (lo_a, lo_b) = (_mm256_loadu_ps(lo), _mm256_loadu_ps(lo.add(HALF)));
        let (hi_a, hi_b) = (_mm256_loadu_ps(hi), _mm256_loadu_ps(hi.add(HALF)));
        let (u_a, u_b) = (_mm256_add_ps(lo_a, hi_a), _mm256_add_ps(lo_b, hi_b));
        let (v_a, v_b) = (_mm256_sub_ps(lo_a, hi_a), _mm256_sub_ps(lo_b, hi_b));
        // (k < taps.end ≤ S ≤ MAX_NEAR_TAPS, the tap arrays' length: asserted above.)
        let ts = _mm256_set1_ps(*t_sum.get_unchecked(k));
        let th = _mm256_set1_ps(*t_half.get_unchecked(k));
        let td = _mm256_set1_ps(*t_diff.get_unchecked(k));
        sum_lo = _mm256_fmadd_ps(u_a, ts, sum_lo);
        sum_hi = _mm256_fmadd_ps(u_b, ts, sum_hi);
        half_lo = _mm256_fmadd_ps(u_a, th, half_lo);
        half_hi = _mm256_fmadd_ps(u_b, th, half_hi);
        diff_lo = _mm256_fmadd_ps(v_a, td, diff_lo);
        diff_hi = _mm256_fmadd_ps(v_b, td, diff_hi);
    }
    _mm256_storeu_ps(sum.as_mut_ptr(), sum_lo);
    _mm256_storeu_ps(sum.as_mut_ptr().add(HALF), sum_hi);
    _mm256_storeu_ps(half.as_mut_ptr(), half_lo);
    _mm256_storeu_ps(half.as_mut_ptr().add(HALF), half_hi);
    _mm256_storeu_ps(diff.as_mut_ptr(), diff_lo);
    _mm256_storeu_ps(diff.as_mut_ptr().add(HALF), diff_hi);
}

/// Larger of two finite `f32`s (a plain compare-and-select, which vectorises;
/// `f32::max` also handles NaN and does not).
#[inline(always)]
fn max32(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// `TILE` samples of `samples` from `at`, as an array (one bounds check per tile
/// instead of one per sample, so the loops over the tile vectorise).
#[inline(always)]
fn tile_at(samples: &[f32], at: usize) -> &[f32; TILE] {
    samples[at..at + TILE].try_into().expect("tile")
}

/// The bound of one tile's positions from its accumulators, for a near field of
/// ±`near` samples with far-field coefficients `(K, D)`: near-field grid peak plus
/// curvature margin, and the far field, written to `bound` and `far` (whole tiles;
/// `samples` starts at the tile's first position's lower edge `p − S`, `offset` = S).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile_bound(
    samples: &[f32],
    range_q: &[f32; TILE],
    range_qd: &[f32; TILE],
    offset: usize,
    near: usize,
    (k_far, d_far): (f32, f32),
    acc: &Accumulators,
    bound: &mut [f32; TILE],
    far: &mut [f32; TILE],
) {
    let curvature_scale = CURVATURE_SAFETY * 0.125;
    let [sum, half, diff] = acc;
    // x[p], x[p + 1], and the edge samples x[p − near], x[p + near + 1].
    let x0 = tile_at(samples, offset);
    let x1 = tile_at(samples, offset + 1);
    let edge_lo = tile_at(samples, offset - near);
    let edge_hi = tile_at(samples, offset + near + 1);
    for j in 0..TILE {
        let (x0, x1) = (x0[j], x1[j]);
        let (a, b, c) = (0.5 * (sum[j] + diff[j]), half[j], 0.5 * (sum[j] - diff[j]));
        let peak = max32(
            max32(max32(x0.abs(), a.abs()), max32(b.abs(), c.abs())),
            x1.abs(),
        );
        let curvature = max32(
            max32((x0 - 2.0 * a + b).abs(), (a - 2.0 * b + c).abs()),
            (b - 2.0 * c + x1).abs(),
        );
        let near_value = peak + curvature_scale * curvature;
        // Far field, both sides: ½K(|x_a| + |x_b|) + K·range(Q_d) + D·range(Q).
        let edges = edge_lo[j].abs() + edge_hi[j].abs();
        let f = k_far * (0.5 * edges + range_qd[j]) + d_far * range_q[j];
        bound[j] = near_value + f;
        far[j] = f;
    }
}

/// Writes a tile's values to `out` from `tile` on, as many as fit (a whole tile as
/// one fixed-size copy, which compiles to a few vector moves instead of a `memcpy` call).
#[inline(always)]
fn store_tile(out: &mut [f32], tile: usize, values: &[f32; TILE]) {
    match out.get_mut(tile..tile + TILE) {
        Some(whole) => whole.copy_from_slice(values),
        None => {
            let rest = &mut out[tile..];
            let n = rest.len();
            rest.copy_from_slice(&values[..n]);
        }
    }
}

/// One channel's bound for `estimate.len()` positions, written to `estimate`.
/// `samples[i]` is the lower edge sample `p_i − S` of position `i`; the slice must
/// extend [`TILE`] samples past the last window. With a `gate`, a tile is first
/// bounded with the inner ±G taps (G = `g.gate_taps`) and keeps that bound when all
/// its positions pass (see [`Detector::with_gate`]). Returns the tiles the gate was
/// tried on and those it spared the outer taps.
#[inline(always)]
fn estimate_channel<const FMA: bool>(
    g: &Geometry,
    samples: &[f32],
    range_q: &[f32],
    range_qd: &[f32],
    gate: Option<&[f32]>,
    estimate: &mut [f32],
    far_field: &mut [f32],
) -> (usize, usize) {
    let (mut tried, mut spared) = (0, 0);
    let len = estimate.len();
    let s = g.near_taps;
    // Near field at ¼, ½, ¾ over the 2S samples `samples[i + 1 ..= i + 2S]`. The kernel
    // is even, so the ½ taps are symmetric and the ¾ taps mirror the ¼ taps: fold
    // the window into sums `u` and differences `v` of mirrored samples and need
    // half the products. `g.taps` holds [¼+¾, ½, ¼−¾] per k < S; k = S − 1 is the
    // innermost pair (x[p], x[p + 1]), so the inner ±G taps are k ∈ S − G .. S, and
    // they alone are the near field of a ±G bound.
    let inner = s - g.gate_taps;
    // range_q/range_qd are indexed by position; pad reads of a partial last tile.
    let mut range_q_tile = [0.0f32; TILE];
    let mut range_qd_tile = [0.0f32; TILE];
    for tile in (0..len).step_by(TILE) {
        let count = TILE.min(len - tile);
        let (rq, rqd): (&[f32; TILE], &[f32; TILE]) = if count == TILE {
            (tile_at(range_q, tile), tile_at(range_qd, tile))
        } else {
            range_q_tile[..count].copy_from_slice(&range_q[tile..len]);
            range_qd_tile[..count].copy_from_slice(&range_qd[tile..len]);
            (&range_q_tile, &range_qd_tile)
        };
        let mut acc: Accumulators = [[0.0; TILE]; 3];
        let mut bound = [0.0f32; TILE];
        let mut far = [0.0f32; TILE];
        let tile_samples = &samples[tile..];
        if let Some(gate) = gate {
            accumulate::<FMA>(g, samples, tile, inner..s, &mut acc);
            tile_bound(
                tile_samples,
                rq,
                rqd,
                s,
                g.gate_taps,
                g.gate_far,
                &acc,
                &mut bound,
                &mut far,
            );
            let pass = (0..count).all(|j| bound[j] + g.gate_weight * far[j] <= gate[tile + j]);
            tried += 1;
            if pass {
                spared += 1;
                store_tile(estimate, tile, &bound);
                store_tile(far_field, tile, &far);
                continue;
            }
            accumulate::<FMA>(g, samples, tile, 0..inner, &mut acc);
        } else {
            accumulate::<FMA>(g, samples, tile, 0..s, &mut acc);
        }
        tile_bound(
            tile_samples,
            rq,
            rqd,
            s,
            s,
            (g.far_coefficient, g.far_difference),
            &acc,
            &mut bound,
            &mut far,
        );
        store_tile(estimate, tile, &bound);
        store_tile(far_field, tile, &far);
    }
    (tried, spared)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pseudo-random stereo test signal with loud, quiet, alternating and DC parts.
    fn signal(len: usize) -> (Vec<f32>, Vec<f32>) {
        let mut seed = 0x9e37_79b9u32;
        let mut noise = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as f32 / u32::MAX as f32 * 2.0 - 1.0
        };
        let left = (0..len)
            .map(|i| match (i / 500) % 4 {
                0 => 0.9 * noise(),
                1 => 0.7 * if i % 2 == 0 { 1.0 } else { -1.0 },
                2 => 0.01 * noise(),
                _ => 0.5 * (i as f32 * 0.01).sin() + 0.3,
            })
            .collect();
        let right = (0..len).map(|i| 0.6 * (i as f32 * 0.21).sin()).collect();
        (left, right)
    }

    /// The bound computed directly for position `p` of one channel, in f64: unfolded
    /// near-field taps, and the far-field ranges over the smallest window the
    /// derivation needs (from just before the past support up to the newest sample).
    fn direct_bound(x: &[f32], p: usize, s: usize, newest: usize) -> f64 {
        let at = |j: isize| if j < 0 { 0.0 } else { x[j as usize] as f64 };
        let p = p as isize;
        let mut grid = vec![at(p)];
        for phase in [0.25, 0.5, 0.75] {
            let mut v = 0.0;
            for j in p - s as isize + 1..=p + s as isize {
                v += at(j) * kernel::kernel(p as f64 + phase - j as f64);
            }
            grid.push(v);
        }
        grid.push(at(p + 1));
        let peak = grid.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let curvature = (1..4).fold(0.0f64, |m, k| {
            m.max((grid[k - 1] - 2.0 * grid[k] + grid[k + 1]).abs())
        });
        let range = |diff: bool| {
            let (mut q, mut hi, mut lo) = (0.0f64, f64::MIN, f64::MAX);
            let first = p - PAST_EXTENT as isize - 1;
            for j in 0..=newest as isize {
                let v = if diff { at(j) - at(j - 1) } else { at(j) };
                q += if j % 2 == 1 { -v } else { v };
                if j >= first {
                    hi = hi.max(q);
                    lo = lo.min(q);
                }
            }
            hi - lo
        };
        let envelope = |t: f64| kernel::window(t) / (std::f64::consts::PI * t);
        let k = envelope(s as f64);
        let d = envelope(s as f64) - envelope(s as f64 + 1.0);
        let edges = at(p - s as isize).abs() + at(p + s as isize + 1).abs();
        peak + CURVATURE_SAFETY as f64 * 0.125 * curvature
            + k * (0.5 * edges + range(true))
            + d * range(false)
    }

    #[test]
    fn both_builds_of_the_running_sums_are_bit_identical() {
        let (left, right) = signal(3000);
        let mut fast = Detector::new(12, 54, 72);
        let mut plain = fast.clone();
        plain.cpu = Cpu::PORTABLE;
        let mut pos = 0;
        for len in [1usize, 128, 7, 13, 64, 33].iter().cycle() {
            if pos >= left.len() {
                break;
            }
            let block = pos..(pos + len).min(left.len());
            fast.push(&left[block.clone()], &right[block.clone()]);
            plain.push(&left[block.clone()], &right[block.clone()]);
            for (a, b) in fast.channels.iter().zip(&plain.channels) {
                let n = block.len();
                for (x, y) in a.range_q[..n].iter().zip(&b.range_q[..n]) {
                    assert_eq!(x.to_bits(), y.to_bits(), "range(Q) at {pos}");
                }
                for (x, y) in a.range_qd[..n].iter().zip(&b.range_qd[..n]) {
                    assert_eq!(x.to_bits(), y.to_bits(), "range(Q_d) at {pos}");
                }
            }
            for (x, y) in fast.sums.sum.iter().zip(&plain.sums.sum) {
                assert_eq!(x.to_bits(), y.to_bits(), "running sums at {pos}");
            }
            pos = block.end;
        }
        // (On a CPU without AVX2 both ran the portable build.)
        assert!(pos >= 3000);
    }

    #[test]
    fn block_bound_is_never_below_the_direct_bound_in_either_build() {
        let (s, future) = (12, 54); // the 48 kHz geometry
        let (left, right) = signal(2300);
        let mut detector = Detector::new(s, future, 72);
        let mut portable = detector.clone();
        portable.cpu = Cpu::PORTABLE;
        // Gated at ±4 with a threshold the loud parts fail and the quiet parts pass.
        let (gate_taps, gate_weight, gate_level) = (4, 0.125f32, 0.8f32);
        let mut gated = Detector::with_gate(s, gate_taps, gate_weight, future, 72);
        let mut gated_portable = gated.clone();
        gated_portable.cpu = Cpu::PORTABLE;
        let (mut narrow_tiles, mut wide_tiles) = (0, 0);
        let mut pos = 0;
        for len in [1usize, 128, 7, 128, 64, 33].iter().cycle() {
            if pos >= left.len() {
                break;
            }
            let len = (*len).min(left.len() - pos);
            let block = pos..pos + len;
            detector.push(&left[block.clone()], &right[block.clone()]);
            portable.push(&left[block.clone()], &right[block.clone()]);
            let mut fast = [0.0f32; BLOCK];
            let mut plain = [0.0f32; BLOCK];
            detector.estimate(&mut fast);
            portable.estimate(&mut plain);
            gated.push(&left[block.clone()], &right[block.clone()]);
            gated_portable.push(&left[block.clone()], &right[block.clone()]);
            let gate = [gate_level; BLOCK];
            let mut gated_fast = [0.0f32; BLOCK];
            let mut gated_plain = [0.0f32; BLOCK];
            gated.estimate_gated(&mut gated_fast, Some(&gate[..len]));
            gated_portable.estimate_gated(&mut gated_plain, Some(&gate[..len]));
            for i in 0..len {
                // Either the full bound, or the narrow one where the gate test passed.
                for ch in 0..2 {
                    let (b, f) = (gated.channel_bound(ch, i), gated.channel_far(ch, i));
                    let full = detector.channel_bound(ch, i);
                    // (The full bound adds the taps in another order: equal to rounding.)
                    if (b - full).abs() > 1e-5 * full {
                        narrow_tiles += 1;
                        assert!(b + gate_weight * f <= gate_level, "position {}", pos + i);
                    } else {
                        wide_tiles += 1;
                    }
                }
            }
            for i in 0..len {
                // The fused build rounds once per product instead of twice.
                assert!(
                    (fast[i] - plain[i]).abs() <= 1e-5 * plain[i].abs().max(1e-3),
                    "builds differ at {}: {} {}",
                    pos + i,
                    fast[i],
                    plain[i]
                );
                let newest = pos + i;
                if newest < future + 1 {
                    continue;
                }
                // Every third position, to keep the O(n²) reference quick.
                if newest % 3 != 0 {
                    continue;
                }
                let p = newest - future;
                let direct =
                    direct_bound(&left, p, s, newest).max(direct_bound(&right, p, s, newest));
                for (build, value) in [("fused", fast[i]), ("portable", plain[i])] {
                    assert!(
                        value as f64 >= direct * (1.0 - 1e-5),
                        "position {p}: {build} block bound {value} below direct bound {direct}"
                    );
                }
                // The gated estimate is a bound too: the full one or the ±G one.
                let narrow = direct_bound(&left, p, gate_taps, newest)
                    .max(direct_bound(&right, p, gate_taps, newest));
                for (build, value) in [("fused", gated_fast[i]), ("portable", gated_plain[i])] {
                    assert!(
                        value as f64 >= direct.min(narrow) * (1.0 - 1e-5),
                        "position {p}: {build} gated bound {value} below both direct bounds"
                    );
                }
            }
            pos += len;
        }
        // Both paths ran (the gate spared the quiet parts and not the loud ones).
        assert!(
            narrow_tiles > 0 && wide_tiles > 0,
            "{narrow_tiles} {wide_tiles}"
        );
    }
}
