//! The limiter's true-peak detector: an upper bound of the reconstructed waveform
//! between every pair of samples, computed a block at a time.
//!
//! The bound (derived in [`super::limiter`]'s module docs) has three parts per
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
//! compiler vectorises it across positions. On x86-64 CPUs with AVX2 the same
//! code is compiled a second time for that instruction set and picked at run
//! time; both versions add the same products in the same order, so their results
//! are bit-identical.

use super::exact;
use super::kernel;

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

/// Extremes `(max, min)` over the last `window` pushed `(max, min)` pairs, in O(1)
/// amortised per push: a two-stack queue whose front stack holds suffix extremes
/// (the van Herk / Gil-Werman idea).
#[derive(Debug, Clone)]
struct SlidingExtremes {
    /// Number of pairs in the window.
    window: usize,
    /// Suffix extremes of the older pairs; live entries are `front[front_pos..front_len]`.
    front: Vec<(f64, f64)>,
    front_pos: usize,
    front_len: usize,
    /// The newer pairs, oldest first; live entries are `back[..back_len]`.
    back: Vec<(f64, f64)>,
    back_len: usize,
    /// Extremes over `back[..back_len]`.
    back_extremes: (f64, f64),
}

impl SlidingExtremes {
    fn new(window: usize) -> Self {
        Self {
            window,
            front: vec![(0.0, 0.0); window + 1],
            front_pos: 0,
            front_len: 0,
            back: vec![(0.0, 0.0); window + 1],
            back_len: 0,
            back_extremes: (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    fn reset(&mut self) {
        self.front_pos = 0;
        self.front_len = 0;
        self.back_len = 0;
        self.back_extremes = (f64::NEG_INFINITY, f64::INFINITY);
    }

    /// Adds a pair and returns the extremes over the window.
    #[inline(never)]
    fn push(&mut self, hi: f64, lo: f64) -> (f64, f64) {
        let pair = (hi, lo);
        self.back[self.back_len] = pair;
        self.back_len += 1;
        self.back_extremes = (
            max(self.back_extremes.0, pair.0),
            min(self.back_extremes.1, pair.1),
        );
        if self.front_len - self.front_pos + self.back_len > self.window {
            if self.front_pos == self.front_len {
                // Move the back stack over, as suffix extremes.
                let mut acc = (f64::NEG_INFINITY, f64::INFINITY);
                for i in (0..self.back_len).rev() {
                    acc = (max(acc.0, self.back[i].0), min(acc.1, self.back[i].1));
                    self.front[i] = acc;
                }
                self.front_pos = 0;
                self.front_len = self.back_len;
                self.back_len = 0;
                self.back_extremes = (f64::NEG_INFINITY, f64::INFINITY);
            }
            self.front_pos += 1;
        }
        let mut extremes = self.back_extremes;
        if self.front_pos < self.front_len {
            let f = self.front[self.front_pos];
            extremes = (max(extremes.0, f.0), min(extremes.1, f.1));
        }
        extremes
    }

    /// Subtracts `offset` from every stored value (re-centring).
    fn shift(&mut self, offset: f64) {
        for p in self.front[self.front_pos..self.front_len]
            .iter_mut()
            .chain(&mut self.back[..self.back_len])
        {
            p.0 -= offset;
            p.1 -= offset;
        }
        self.back_extremes.0 -= offset;
        self.back_extremes.1 -= offset;
    }
}

/// A running sum tracked with its extremes over a sliding window of chunks: the
/// per-sample part (small and `Copy`, so hot loops keep it in registers).
#[derive(Debug, Clone, Copy)]
struct RunningSum {
    /// The running sum.
    sum: f64,
    /// Maximum of `sum` within the chunk being filled.
    chunk_max: f64,
    /// Minimum of `sum` within the chunk being filled.
    chunk_min: f64,
    /// Maximum over the completed chunks of the window.
    window_max: f64,
    /// Minimum over the completed chunks of the window.
    window_min: f64,
}

impl RunningSum {
    const ZERO: Self = Self {
        sum: 0.0,
        chunk_max: 0.0,
        chunk_min: 0.0,
        window_max: 0.0,
        window_min: 0.0,
    };

    /// Adds `v` to the sum.
    #[inline(always)]
    fn add(&mut self, v: f64) {
        self.sum += v;
        self.chunk_max = max(self.chunk_max, self.sum);
        self.chunk_min = min(self.chunk_min, self.sum);
    }

    /// Range of the sum over the window: completed chunks plus the partial one.
    #[inline(always)]
    fn range(&self) -> f32 {
        (max(self.window_max, self.chunk_max) - min(self.window_min, self.chunk_min)) as f32
    }

    /// Files the finished chunk into `chunks` and returns the state with the window's
    /// extremes updated. Takes and returns the state by value, so the per-sample loop
    /// never has to keep it in memory.
    #[inline(always)]
    fn complete_chunk(self, chunks: &mut SlidingExtremes) -> Self {
        let (window_max, window_min) = chunks.push(self.chunk_max, self.chunk_min);
        let mut next = Self {
            sum: self.sum,
            chunk_max: self.sum,
            chunk_min: self.sum,
            window_max,
            window_min,
        };
        // Re-centre now and then so f64 keeps its precision on pathological input.
        if next.sum.abs() > 1.0e6 {
            let offset = next.sum;
            chunks.shift(offset);
            next = Self {
                sum: 0.0,
                chunk_max: 0.0,
                chunk_min: 0.0,
                window_max: window_max - offset,
                window_min: window_min - offset,
            };
        }
        next
    }
}

/// Per-channel state: sample history, far-field sums, and the block's far-field ranges.
#[derive(Debug, Clone)]
struct ChannelState {
    /// Doubled ring of input samples (plus read padding), so any recent window is one slice.
    history: Vec<f32>,
    /// `Q = Σ (-1)^j x[j]`, the sign-alternated signal's running sum.
    alternating: RunningSum,
    /// Completed chunks of `alternating`.
    alternating_chunks: SlidingExtremes,
    /// `Σ (-1)^j (x[j] − x[j−1])`, the same for first differences.
    alternating_diff: RunningSum,
    /// Completed chunks of `alternating_diff`.
    alternating_diff_chunks: SlidingExtremes,
    /// Previous input sample.
    previous: f32,
    /// `range(Q)` after each sample of the last pushed block.
    range_q: [f32; BLOCK],
    /// `range(Q_d)` after each sample of the last pushed block.
    range_qd: [f32; BLOCK],
}

impl ChannelState {
    fn new(history_len: usize, window_chunks: usize) -> Self {
        Self {
            history: vec![0.0; 2 * history_len + 2 * TILE],
            alternating: RunningSum::ZERO,
            alternating_chunks: SlidingExtremes::new(window_chunks),
            alternating_diff: RunningSum::ZERO,
            alternating_diff_chunks: SlidingExtremes::new(window_chunks),
            previous: 0.0,
            range_q: [0.0; BLOCK],
            range_qd: [0.0; BLOCK],
        }
    }

    fn reset(&mut self) {
        self.history.fill(0.0);
        self.alternating = RunningSum::ZERO;
        self.alternating_chunks.reset();
        self.alternating_diff = RunningSum::ZERO;
        self.alternating_diff_chunks.reset();
        self.previous = 0.0;
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
}

/// Block-wise true-peak bound for a stereo stream (see the module docs).
#[derive(Debug, Clone)]
pub struct Detector {
    geometry: Geometry,
    /// History ring length (power of two).
    history_len: usize,
    channels: [ChannelState; 2],
    /// Index of the next input sample.
    clock: u64,
    /// Length of the last pushed block.
    block_len: usize,
    /// Near-field grid values of one channel, per phase, for the block (padded to tiles).
    grid: [[f32; BLOCK + TILE]; 3],
    /// Each channel's bound for the positions of the last block.
    channel_bound: [[f32; BLOCK]; 2],
    /// Each channel's far-field term of that bound (the Abel part, beyond ±S).
    channel_far: [[f32; BLOCK]; 2],
    /// Whether the AVX2 build of the block kernel may run on this CPU.
    use_avx2: bool,
}

impl Detector {
    /// A detector that bounds position `newest − future_samples` with a near field
    /// of ±`near_taps` samples and can delay the input by up to `max_delay` samples.
    /// Allocates; call from `activate`.
    pub fn new(near_taps: usize, future_samples: usize, max_delay: usize) -> Self {
        assert!((1..=MAX_NEAR_TAPS).contains(&near_taps) && future_samples > near_taps);
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
            },
            history_len,
            channels: [
                ChannelState::new(history_len, window_chunks),
                ChannelState::new(history_len, window_chunks),
            ],
            clock: 0,
            block_len: 0,
            grid: [[0.0; BLOCK + TILE]; 3],
            channel_bound: [[0.0; BLOCK]; 2],
            channel_far: [[0.0; BLOCK]; 2],
            use_avx2: exact::avx2_available(),
        }
    }

    /// Clears the history and sums (silence in), without allocating.
    pub fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.reset();
        }
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

            // Running sums of the sign-alternated signal and its differences (hot
            // state in locals, so it stays in registers). Every position of a chunk
            // gets the range as of the chunk's last sample known here: a window a few
            // samples wider than its own, so still a bound, at a fraction of the cost.
            let mut q = ch.alternating;
            let mut qd = ch.alternating_diff;
            let mut previous = ch.previous;
            let mut segment_start = 0;
            for (i, &x) in input.iter().enumerate() {
                let now = start + i as u64;
                let d = x - previous;
                previous = x;
                let (x, d) = if now & 1 == 1 { (-x, -d) } else { (x, d) };
                q.add(x as f64);
                qd.add(d as f64);
                let chunk_done = (now as usize + 1).is_multiple_of(CHUNK);
                if chunk_done || i + 1 == len {
                    ch.range_q[segment_start..=i].fill(q.range());
                    ch.range_qd[segment_start..=i].fill(qd.range());
                    segment_start = i + 1;
                }
                if chunk_done {
                    q = q.complete_chunk(&mut ch.alternating_chunks);
                    qd = qd.complete_chunk(&mut ch.alternating_diff_chunks);
                }
            }
            ch.alternating = q;
            ch.alternating_diff = qd;
            ch.previous = previous;
        }
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
        let len = self.block_len;
        let g = &self.geometry;
        // Window of the first position, starting at its lower edge sample p − S.
        let start = self.block_base() - g.future_samples - g.near_taps;
        for ((ch, bound), far) in self
            .channels
            .iter()
            .zip(&mut self.channel_bound)
            .zip(&mut self.channel_far)
        {
            let samples = &ch.history[start..];
            let bound = &mut bound[..len];
            let far = &mut far[..len];
            #[cfg(target_arch = "x86_64")]
            if self.use_avx2 {
                // SAFETY: `use_avx2` is only true when the CPU reports AVX2.
                unsafe {
                    estimate_channel_avx2(
                        g,
                        samples,
                        &ch.range_q,
                        &ch.range_qd,
                        &mut self.grid,
                        bound,
                        far,
                    )
                };
                continue;
            }
            estimate_channel(
                g,
                samples,
                &ch.range_q,
                &ch.range_qd,
                &mut self.grid,
                bound,
                far,
            );
        }
        let [left, right] = &self.channel_bound;
        for ((e, &l), &r) in estimate[..len].iter_mut().zip(left).zip(right) {
            *e = l.max(r);
        }
    }

    /// `channel`'s bound at position `index` of the last block (after [`Self::estimate`]).
    pub fn channel_bound(&self, channel: usize, index: usize) -> f32 {
        self.channel_bound[channel][index]
    }

    /// `channel`'s far-field term (the Abel bound beyond ±S) at position `index`.
    pub fn channel_far(&self, channel: usize, index: usize) -> f32 {
        self.channel_far[channel][index]
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

/// [`estimate_channel`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn estimate_channel_avx2(
    g: &Geometry,
    samples: &[f32],
    range_q: &[f32],
    range_qd: &[f32],
    grid: &mut [[f32; BLOCK + TILE]; 3],
    estimate: &mut [f32],
    far_field: &mut [f32],
) {
    estimate_channel(g, samples, range_q, range_qd, grid, estimate, far_field);
}

/// One channel's bound for `estimate.len()` positions, written to `estimate`.
/// `samples[i]` is the lower edge sample `p_i − S` of position `i`; the slice must
/// extend [`TILE`] samples past the last window.
#[inline(always)]
fn estimate_channel(
    g: &Geometry,
    samples: &[f32],
    range_q: &[f32],
    range_qd: &[f32],
    grid: &mut [[f32; BLOCK + TILE]; 3],
    estimate: &mut [f32],
    far_field: &mut [f32],
) {
    let len = estimate.len();
    let s = g.near_taps;
    // Near field at ¼, ½, ¾ over the 2S samples `samples[i + 1 ..= i + 2S]`. The kernel
    // is even, so the ½ taps are symmetric and the ¾ taps mirror the ¼ taps: fold
    // the window into sums `u` and differences `v` of mirrored samples and need
    // half the products. grid = [¼, ½, ¾]; `g.taps` holds [¼+¾, ½, ¼−¾] per k < S.
    let [t_sum, t_half, t_diff] = &g.taps;
    for tile in (0..len).step_by(TILE) {
        let mut sum = [0.0f32; TILE];
        let mut half = [0.0f32; TILE];
        let mut diff = [0.0f32; TILE];
        for k in 0..s {
            let lo = &samples[tile + 1 + k..tile + 1 + k + TILE];
            let hi = &samples[tile + 2 * s - k..tile + 2 * s - k + TILE];
            let (ts, th, td) = (t_sum[k], t_half[k], t_diff[k]);
            for j in 0..TILE {
                let u = lo[j] + hi[j];
                let v = lo[j] - hi[j];
                sum[j] += u * ts;
                half[j] += u * th;
                diff[j] += v * td;
            }
        }
        for j in 0..TILE {
            grid[0][tile + j] = 0.5 * (sum[j] + diff[j]);
            grid[1][tile + j] = half[j];
            grid[2][tile + j] = 0.5 * (sum[j] - diff[j]);
        }
    }
    let curvature_scale = CURVATURE_SAFETY * 0.125;
    let [g1, g2, g3] = grid;
    for i in 0..len {
        let x0 = samples[i + s];
        let x1 = samples[i + s + 1];
        let (a, b, c) = (g1[i], g2[i], g3[i]);
        let peak = x0
            .abs()
            .max(a.abs())
            .max(b.abs())
            .max(c.abs())
            .max(x1.abs());
        let curvature = (x0 - 2.0 * a + b)
            .abs()
            .max((a - 2.0 * b + c).abs())
            .max((b - 2.0 * c + x1).abs());
        let near = peak + curvature_scale * curvature;
        // Far field, both sides: ½K(|x_a| + |x_b|) + K·range(Q_d) + D·range(Q).
        let edges = samples[i].abs() + samples[i + 2 * s + 1].abs();
        let far = g.far_coefficient * (0.5 * edges + range_qd[i]) + g.far_difference * range_q[i];
        estimate[i] = near + far;
        far_field[i] = far;
    }
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
    fn block_bound_is_never_below_the_direct_bound_and_both_builds_agree() {
        let (s, future) = (12, 54); // the 48 kHz geometry
        let (left, right) = signal(2300);
        let mut detector = Detector::new(s, future, 72);
        let mut portable = detector.clone();
        portable.use_avx2 = false;
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
            for i in 0..len {
                assert_eq!(
                    fast[i].to_bits(),
                    plain[i].to_bits(),
                    "builds differ at {}",
                    pos + i
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
                assert!(
                    fast[i] as f64 >= direct * (1.0 - 1e-5),
                    "position {p}: block bound {} below direct bound {direct}",
                    fast[i]
                );
            }
            pos += len;
        }
    }
}
