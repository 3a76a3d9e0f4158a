//! Sliding windows over a stream pushed a block at a time: the minimum and the mean of
//! the last `span` values, for every sample of a block.
//!
//! - [`SlidingMin`], the limiter's attack (a minimum over the next `128 + W`
//!   requirements): van Herk / Gil-Werman segments, O(1) per value at any block size,
//!   so a host's 32-sample blocks cost per sample about what 4096-sample ones do.
//! - [`SlidingBuffer`], its smoothing (a mean over `W` envelope values, a short
//!   window): the previous block's last `span − 1` values kept in front of the current
//!   block turn it into a plain loop over contiguous memory, computed in register
//!   tiles that the compiler vectorises, with no per-sample branches. The mean adds
//!   its window afresh for every sample, so it never drifts (a running sum does),
//!   and a window of ones averages to exactly 1.

/// Positions per register tile.
const TILE: usize = 16;

/// The last `span − 1` values of earlier blocks followed by the current block.
#[derive(Debug, Clone)]
pub struct SlidingBuffer {
    /// Window length, in samples (at least 1).
    span: usize,
    /// `span − 1` history values, then up to `block` current values, then tile padding.
    values: Vec<f32>,
    /// Largest block.
    block: usize,
    /// Length of the current block.
    len: usize,
}

impl SlidingBuffer {
    /// A buffer for windows of `span` values and blocks of up to `block` samples,
    /// filled with `value`. Allocates; call from `activate`.
    pub fn new(span: usize, block: usize, value: f32) -> Self {
        let span = span.max(1);
        Self {
            span,
            values: vec![value; span - 1 + block + TILE],
            block,
            len: 0,
        }
    }

    /// Window length, in samples.
    pub fn span(&self) -> usize {
        self.span
    }

    /// Refills the buffer with `value` (no allocation).
    pub fn reset(&mut self, value: f32) {
        self.values.fill(value);
        self.len = 0;
    }

    /// Starts a block of `len` samples (at most `block`) and returns its slots.
    pub fn start_block(&mut self, len: usize) -> &mut [f32] {
        assert!(len <= self.block);
        // Move the last `span − 1` values of the previous block to the front.
        let previous = self.len;
        self.values
            .copy_within(previous..previous + self.span - 1, 0);
        self.len = len;
        &mut self.values[self.span - 1..self.span - 1 + len]
    }

    /// The current block's slots again (after [`Self::start_block`]).
    pub fn start_block_again(&mut self) -> &mut [f32] {
        &mut self.values[self.span - 1..self.span - 1 + self.len]
    }

    /// Smallest of the `span − 1` values carried over from earlier blocks (valid after
    /// [`Self::start_block`]; +∞ for a span of 1).
    pub fn history_min(&self) -> f32 {
        min_of(&self.values[..self.span - 1])
    }

    /// `out[i]` = mean of the `span` values ending at sample `i` of the block.
    /// (Inlined like [`SlidingMin::push`]; no fused operations, so the same bits.)
    #[inline(always)]
    pub fn mean_into(&self, out: &mut [f32]) {
        let span = self.span as f32;
        self.tiles(out, |acc, x| acc + x, |acc| acc / span);
    }

    /// Folds each window with `step` (starting from its oldest value) and maps the result.
    #[inline(always)]
    fn tiles(&self, out: &mut [f32], step: impl Fn(f32, f32) -> f32, finish: impl Fn(f32) -> f32) {
        let len = self.len.min(out.len());
        for tile in (0..len).step_by(TILE) {
            let mut acc = [0.0f32; TILE];
            acc.copy_from_slice(&self.values[tile..tile + TILE]);
            for k in 1..self.span {
                let x = &self.values[tile + k..tile + k + TILE];
                for (a, &x) in acc.iter_mut().zip(x) {
                    *a = step(*a, x);
                }
            }
            let n = TILE.min(len - tile);
            for (o, &a) in out[tile..tile + n].iter_mut().zip(&acc) {
                *o = finish(a);
            }
        }
    }
}

/// The minimum of the last `span` values of a stream, pushed a block at a time, in
/// O(1) per value whatever the block size (van Herk 1992; Gil & Werman 1993): the
/// stream is cut into segments of `span` values; a window ending inside the current
/// segment is the current segment's prefix so far plus a suffix of the previous one,
/// whose suffix minima are computed once, when it completes. A minimum only selects,
/// so the result is exactly the minimum over the window.
#[derive(Debug, Clone)]
pub struct SlidingMin {
    /// Window length, in values (at least 1).
    span: usize,
    /// `suffix[j]` = minimum of the previous segment's values `j..span`.
    suffix: Vec<f32>,
    /// The current segment's values so far (`current[..filled]`).
    current: Vec<f32>,
    /// Values in the current segment.
    filled: usize,
    /// Minimum of `current[..filled]` (+∞ when empty).
    prefix: f32,
    /// How many of the most recent values were at least 1 (saturating at `span`).
    ones_run: usize,
}

impl SlidingMin {
    /// A window of `span` values, as if `value` had been pushed forever. Allocates;
    /// call from `activate`.
    pub fn new(span: usize, value: f32) -> Self {
        let span = span.max(1);
        let mut window = Self {
            span,
            suffix: vec![value; span],
            current: vec![value; span],
            filled: 0,
            prefix: f32::INFINITY,
            ones_run: 0,
        };
        window.reset(value);
        window
    }

    /// Window length, in values.
    pub fn span(&self) -> usize {
        self.span
    }

    /// As if `value` had been pushed forever (no allocation).
    pub fn reset(&mut self, value: f32) {
        self.suffix.fill(value);
        self.filled = 0;
        self.prefix = f32::INFINITY;
        self.ones_run = if value >= 1.0 { self.span } else { 0 };
    }

    /// Whether the last `span − 1` values pushed were all at least 1.
    pub fn history_at_least_one(&self) -> bool {
        self.ones_run + 1 >= self.span
    }

    /// Pushes `values`; when `out` is given, `out[i]` = the minimum of the `span`
    /// values ending at `values[i]`. (Inlined, so it is compiled with the limiter's
    /// instruction set.)
    #[inline(always)]
    pub fn push(&mut self, values: &[f32], mut out: Option<&mut [f32]>) {
        let span = self.span;
        // Runs of ones, for `history_at_least_one`.
        if min_of(values) >= 1.0 {
            self.ones_run = (self.ones_run + values.len()).min(span);
        } else if let Some(last) = values.iter().rposition(|&v| v < 1.0 || v.is_nan()) {
            self.ones_run = values.len() - 1 - last;
        }
        let mut start = 0;
        while start < values.len() {
            let run = (values.len() - start).min(span - self.filled);
            let piece = &values[start..start + run];
            self.current[self.filled..self.filled + run].copy_from_slice(piece);
            let mut prefix = self.prefix;
            if let Some(out) = out.as_deref_mut() {
                let out = &mut out[start..start + run];
                // After value j the window is the prefix plus suffix[filled + j + 1..]:
                // the prefix minima first (a serial scan), then the suffix folded in
                // where the previous segment still reaches (a loop that vectorises).
                for (o, &v) in out.iter_mut().zip(piece) {
                    prefix = if v < prefix { v } else { prefix };
                    *o = prefix;
                }
                let suffix = &self.suffix[self.filled + 1..];
                for (o, &s) in out.iter_mut().zip(suffix) {
                    *o = if s < *o { s } else { *o };
                }
            } else {
                let m = min_of(piece);
                prefix = if m < prefix { m } else { prefix };
            }
            self.filled += run;
            self.prefix = prefix;
            if self.filled == span {
                // The segment is complete: its suffix minima, for the next one.
                let mut acc = f32::INFINITY;
                for (s, &v) in self.suffix.iter_mut().zip(&self.current).rev() {
                    acc = if v < acc { v } else { acc };
                    *s = acc;
                }
                self.filled = 0;
                self.prefix = f32::INFINITY;
            }
            start += run;
        }
    }
}

/// Smallest value of a slice (+∞ when empty), in eight vectorisable lanes.
pub fn min_of(values: &[f32]) -> f32 {
    let mut lanes = [f32::INFINITY; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (m, &x) in lanes.iter_mut().zip(chunk) {
            *m = if x < *m { x } else { *m };
        }
    }
    lanes
        .into_iter()
        .chain(tail.iter().copied())
        .fold(f32::INFINITY, |a, x| if x < a { x } else { a })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Straightforward reference over the whole stream.
    fn reference(stream: &[f32], span: usize, initial: f32, mean: bool) -> Vec<f32> {
        (0..stream.len())
            .map(|i| {
                let window: Vec<f32> = (0..span)
                    .map(|k| {
                        let j = i as isize - k as isize;
                        if j < 0 {
                            initial
                        } else {
                            stream[j as usize]
                        }
                    })
                    .collect();
                if mean {
                    window.iter().sum::<f32>() / span as f32
                } else {
                    window.iter().copied().fold(f32::INFINITY, f32::min)
                }
            })
            .collect()
    }

    #[test]
    fn mean_matches_a_direct_computation_across_uneven_blocks() {
        let stream: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 1009) as f32 / 1009.0)
            .collect();
        for span in [1usize, 2, 7, 19, 33, 57, 135, 200] {
            let mut buffer = SlidingBuffer::new(span, 128, 1.0);
            let mut means = Vec::new();
            let mut pos = 0;
            for len in [1usize, 5, 128, 0, 77, 128, 3].iter().cycle() {
                if pos >= stream.len() {
                    break;
                }
                let len = (*len).min(stream.len() - pos);
                buffer
                    .start_block(len)
                    .copy_from_slice(&stream[pos..pos + len]);
                let mut out = [0.0f32; 128];
                buffer.mean_into(&mut out);
                means.extend_from_slice(&out[..len]);
                pos += len;
            }
            let expected = reference(&stream, span, 1.0, true);
            for (i, (a, b)) in means.iter().zip(&expected).enumerate() {
                assert!(
                    (a - b).abs() < 1e-5,
                    "mean, span {span}, sample {i}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn streaming_minimum_equals_the_reference_for_any_blocks() {
        let stream: Vec<f32> = (0..3000u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) >> 7) % 1000) as f32 / 1000.0 + 0.5)
            .collect();
        for span in [1usize, 2, 7, 33, 135, 200] {
            let expect = reference(&stream, span, 1.0, false);
            for blocks in [
                [1usize, 1, 1, 1],
                [32, 32, 32, 32],
                [128, 7, 1, 64],
                [300, 5, 135, 2],
            ] {
                let mut window = SlidingMin::new(span, 1.0);
                let mut got = vec![0.0f32; stream.len()];
                let mut pos = 0;
                for len in blocks.iter().cycle() {
                    if pos >= stream.len() {
                        break;
                    }
                    let end = (pos + len).min(stream.len());
                    // Every third block is pushed without output (the limiter at rest).
                    if (pos / len) % 3 == 2 && stream[pos..end].iter().all(|&v| v >= 1.0) {
                        window.push(&stream[pos..end], None);
                        got[pos..end].copy_from_slice(&expect[pos..end]);
                    } else {
                        window.push(&stream[pos..end], Some(&mut got[pos..end]));
                    }
                    let recent = &stream[end.saturating_sub(span - 1)..end];
                    let history_ones = recent.iter().all(|&v| v >= 1.0);
                    assert_eq!(
                        window.history_at_least_one(),
                        history_ones,
                        "span {span} at {end}"
                    );
                    pos = end;
                }
                assert_eq!(got, expect, "span {span}, blocks {blocks:?}");
            }
        }
    }

    #[test]
    fn min_of_finds_the_smallest_anywhere() {
        assert_eq!(min_of(&[]), f32::INFINITY);
        for n in 1..40 {
            for at in 0..n {
                let mut v = vec![1.0f32; n];
                v[at] = 0.5;
                assert_eq!(min_of(&v), 0.5, "n {n} at {at}");
            }
        }
    }

    #[test]
    fn a_window_of_ones_averages_to_exactly_one() {
        for span in 1..80 {
            let mut buffer = SlidingBuffer::new(span, 64, 1.0);
            buffer.start_block(64).fill(1.0);
            let mut out = [0.0f32; 64];
            buffer.mean_into(&mut out);
            assert!(out.iter().all(|&g| g == 1.0), "span {span}");
        }
    }
}
