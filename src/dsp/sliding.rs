//! Block-wise sliding windows: the minimum and the mean of the last `span` values,
//! for every sample of a block at once.
//!
//! The limiter's attack (a minimum over the next `near + attack` requirements) and
//! its smoothing (a mean over `attack` envelope values) are both short windows.
//! Keeping the previous block's last `span − 1` values in front of the current
//! block turns each into a plain loop over contiguous memory, computed in register
//! tiles that the compiler vectorises, with no per-sample branches. The mean adds
//! its window afresh for every sample, so it never drifts (a running sum does),
//! and a window of ones averages to exactly 1.

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
    /// Scratch for the doubling minimum of long windows (two levels, ping-pong).
    scratch: [Vec<f32>; 2],
}

/// Windows longer than this take the doubling minimum instead of the tiled fold.
const DOUBLING_SPAN: usize = 32;

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
            scratch: if span > DOUBLING_SPAN {
                [vec![0.0; span - 1 + block], vec![0.0; span - 1 + block]]
            } else {
                [Vec::new(), Vec::new()]
            },
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

    /// `out[i]` = minimum of the `span` values ending at sample `i` of the block.
    pub fn min_into(&mut self, out: &mut [f32]) {
        if self.span > DOUBLING_SPAN {
            return self.doubling_min_into(out);
        }
        self.tiles(out, |acc, x| if x < acc { x } else { acc }, |acc| acc);
    }

    /// [`Self::min_into`] for long windows: minima over windows of 2, 4, 8, … values,
    /// each level one vectorisable pass over the previous (van Herk's doubling), then
    /// two overlapping windows of the largest width cover the span.
    fn doubling_min_into(&mut self, out: &mut [f32]) {
        let len = self.len.min(out.len());
        let n = self.span - 1 + len;
        let [a, b] = &mut self.scratch;
        a[..n].copy_from_slice(&self.values[..n]);
        let mut width = 1;
        // `a[i]` = minimum of values[i .. i + width] for i < valid.
        let mut valid = n;
        while 2 * width <= self.span {
            let next = valid - width;
            for ((b, &x), &y) in b[..next].iter_mut().zip(&a[..next]).zip(&a[width..valid]) {
                *b = if y < x { y } else { x };
            }
            std::mem::swap(a, b);
            valid = next;
            width *= 2;
        }
        let shift = self.span - width;
        for ((o, &x), &y) in out[..len]
            .iter_mut()
            .zip(&a[..len])
            .zip(&a[shift..shift + len])
        {
            *o = if y < x { y } else { x };
        }
    }

    /// `out[i]` = mean of the `span` values ending at sample `i` of the block.
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
    fn min_and_mean_match_a_direct_computation_across_uneven_blocks() {
        let stream: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 1009) as f32 / 1009.0)
            .collect();
        for span in [1usize, 2, 7, 19, 33, 57, 135, 200] {
            let mut buffer = SlidingBuffer::new(span, 128, 1.0);
            let (mut mins, mut means) = (Vec::new(), Vec::new());
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
                buffer.min_into(&mut out);
                mins.extend_from_slice(&out[..len]);
                buffer.mean_into(&mut out);
                means.extend_from_slice(&out[..len]);
                pos += len;
            }
            assert_eq!(
                mins,
                reference(&stream, span, 1.0, false),
                "min, span {span}"
            );
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
