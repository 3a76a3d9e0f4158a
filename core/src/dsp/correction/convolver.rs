//! A long FIR run without latency: a non-uniformly partitioned convolution (W. G. Gardner,
//! "Efficient convolution without input-output delay", JAES 43(3), 1995; the uniform
//! partitions of each size with a frequency-domain delay line as in F. Wefers,
//! *Partitioned convolution algorithms for real-time auralization*, 2015).
//!
//! The first [`HEAD`] taps are a direct convolution (no delay). The rest is split into
//! levels: level `k` has blocks of `P = HEAD·8ᵏ` samples and covers taps `[P, 8P)` in up to
//! seven partitions of `P` taps. Every `P` samples it transforms the last `2P` inputs
//! (overlap-save, an FFT of `2P`), multiplies them and the six blocks before with its
//! partitions' spectra, and transforms back: `P` outputs of its part of the filter, which
//! are needed no earlier than `P` samples later (the level's first tap is `P`), so the
//! output never waits. Every block boundary of every level falls on a multiple of
//! [`HEAD`]; samples are handled in runs that end there, so any host block length (1
//! sample included) gives the same output.
//!
//! All buffers are allocated by [`Convolver::new`] for the longest filter; loading taps
//! ([`Convolver::set_taps`]) and running are allocation-free.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::dsp::cpu::{dispatch, Cpu};

/// Taps convolved directly (and the smallest level's block), in samples.
pub const HEAD: usize = 64;
/// Each level's block is this many times the previous one's.
const GROWTH: usize = 8;

/// One level: the taps `[offset, offset + parts·size)` in partitions of `size`.
#[derive(Clone)]
struct Level {
    /// Block and partition length `P`, in samples; also the level's first tap.
    size: usize,
    /// Partitions in use.
    parts: usize,
    /// Each partition's spectrum (`P + 1` bins each, scaled by `1 / 2P`), real and
    /// imaginary parts apart (the multiply-adds then vectorise plainly).
    spectra: Split,
    /// The spectra of the last `capacity` input blocks (a ring, `P + 1` bins each).
    inputs: Split,
    /// The ring's newest block.
    newest: usize,
    /// Partitions allocated.
    capacity: usize,
    /// The last `2P` input samples (the previous block, then the current one).
    window: Vec<f32>,
    /// This level's output, indexed by time modulo its length (a power of two ≥ `2P`).
    out: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
    ifft: Arc<dyn ComplexToReal<f32>>,
    time_buf: Vec<f32>,
    /// One spectrum, as the FFT writes and reads it.
    bins: Vec<Complex<f32>>,
    /// The sum of the partitions' products.
    acc: Split,
    scratch: Vec<Complex<f32>>,
}

/// Complex numbers with their real and imaginary parts in two arrays.
#[derive(Clone)]
struct Split {
    re: Vec<f32>,
    im: Vec<f32>,
}

impl Split {
    fn zeros(len: usize) -> Self {
        Self {
            re: vec![0.0; len],
            im: vec![0.0; len],
        }
    }

    fn clear(&mut self) {
        self.re.fill(0.0);
        self.im.fill(0.0);
    }

    /// Stores `from` at `at..`.
    fn store(&mut self, at: usize, from: &[Complex<f32>]) {
        let (re, im) = (
            &mut self.re[at..at + from.len()],
            &mut self.im[at..at + from.len()],
        );
        for ((r, i), c) in re.iter_mut().zip(im.iter_mut()).zip(from) {
            *r = c.re;
            *i = c.im;
        }
    }
}

impl Level {
    fn new(size: usize, capacity: usize, planner: &mut RealFftPlanner<f32>) -> Self {
        let fft = planner.plan_fft_forward(2 * size);
        let ifft = planner.plan_fft_inverse(2 * size);
        let scratch = fft.get_scratch_len().max(ifft.get_scratch_len());
        let zero = Complex::new(0.0, 0.0);
        Self {
            size,
            parts: 0,
            spectra: Split::zeros(capacity * (size + 1)),
            inputs: Split::zeros(capacity * (size + 1)),
            newest: 0,
            capacity,
            window: vec![0.0; 2 * size],
            out: vec![0.0; (2 * size).next_power_of_two()],
            fft,
            ifft,
            time_buf: vec![0.0; 2 * size],
            bins: vec![zero; size + 1],
            acc: Split::zeros(size + 1),
            scratch: vec![zero; scratch],
        }
    }

    /// Loads the level's part of `taps` (allocation-free).
    fn set_taps(&mut self, taps: &[f32]) {
        let p = self.size;
        let end = taps.len().min(GROWTH * p);
        self.parts = if end > p { (end - p).div_ceil(p) } else { 0 };
        self.parts = self.parts.min(self.capacity);
        let scale = 1.0 / (2 * p) as f32;
        for i in 0..self.parts {
            let from = p + i * p;
            let part = &taps[from..(from + p).min(end)];
            self.time_buf.fill(0.0);
            for (t, v) in self.time_buf.iter_mut().zip(part) {
                *t = v * scale;
            }
            // Lengths are the plan's by construction: this cannot fail.
            let _ = self.fft.process_with_scratch(
                &mut self.time_buf,
                &mut self.bins,
                &mut self.scratch,
            );
            self.spectra.store(i * (p + 1), &self.bins);
        }
        self.clear();
    }

    fn clear(&mut self) {
        self.inputs.clear();
        self.window.fill(0.0);
        self.out.fill(0.0);
        self.newest = 0;
    }

    /// The block ending at time `end` (exclusive) is complete in `window`: computes its
    /// output into `out`.
    fn run_block(&mut self, end: usize, cpu: Cpu) {
        let p = self.size;
        let bins = p + 1;
        self.newest = (self.newest + 1) % self.capacity;
        self.time_buf.copy_from_slice(&self.window);
        let _ =
            self.fft
                .process_with_scratch(&mut self.time_buf, &mut self.bins, &mut self.scratch);
        self.inputs.store(self.newest * bins, &self.bins);
        self.acc.clear();
        for i in 0..self.parts {
            let block = (self.newest + self.capacity - i) % self.capacity;
            let x = block * bins..(block + 1) * bins;
            let h = i * bins..(i + 1) * bins;
            let (xr, xi) = (&self.inputs.re[x.clone()], &self.inputs.im[x]);
            let (hr, hi) = (&self.spectra.re[h.clone()], &self.spectra.im[h]);
            let (ar, ai) = (&mut self.acc.re[..], &mut self.acc.im[..]);
            dispatch!(
                cpu.avx2(),
                kernels::multiply_add_avx2(ar, ai, xr, xi, hr, hi),
                kernels::multiply_add(ar, ai, xr, xi, hr, hi)
            );
        }
        for ((c, r), i) in self.bins.iter_mut().zip(&self.acc.re).zip(&self.acc.im) {
            *c = Complex::new(*r, *i);
        }
        // A real signal's spectrum has real DC and Nyquist bins.
        self.bins[0].im = 0.0;
        self.bins[p].im = 0.0;
        let _ =
            self.ifft
                .process_with_scratch(&mut self.bins, &mut self.time_buf, &mut self.scratch);
        let mask = self.out.len() - 1;
        let start = end.wrapping_sub(p);
        for (m, v) in self.time_buf[p..].iter().enumerate() {
            self.out[start.wrapping_add(m) & mask] = *v;
        }
        self.window.copy_within(p.., 0);
    }
}

/// One channel's FIR (up to the capacity given to [`Convolver::new`]).
#[derive(Clone)]
pub struct Convolver {
    /// Taps in use (0: the convolver passes its input through untouched).
    len: usize,
    /// The first [`HEAD`] taps (zero-padded).
    head: [f32; HEAD],
    /// What this CPU can run (the AVX2 build of the kernels).
    cpu: Cpu,
    /// The last [`HEAD`] inputs, then the current run.
    history: [f32; 2 * HEAD],
    levels: Vec<Level>,
    /// Samples run so far (wrapping).
    time: usize,
}

impl std::fmt::Debug for Convolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Convolver")
            .field("len", &self.len)
            .field("levels", &self.levels.len())
            .finish_non_exhaustive()
    }
}

impl Convolver {
    /// A convolver for filters of up to `max_taps` taps (all its memory allocated here).
    pub fn new(max_taps: usize) -> Self {
        let mut planner = RealFftPlanner::new();
        let mut levels = Vec::new();
        let mut size = HEAD;
        while size < max_taps {
            let end = max_taps.min(GROWTH * size);
            levels.push(Level::new(size, (end - size).div_ceil(size), &mut planner));
            size *= GROWTH;
        }
        Self {
            len: 0,
            head: [0.0; HEAD],
            cpu: Cpu::detect(),
            history: [0.0; 2 * HEAD],
            levels,
            time: 0,
        }
    }

    /// The longest filter this convolver takes, in taps.
    pub fn capacity(&self) -> usize {
        self.levels
            .last()
            .map_or(HEAD, |l| l.size + l.capacity * l.size)
    }

    /// Taps in use (0: a pass-through).
    pub fn len(&self) -> usize {
        self.len
    }

    /// No filter loaded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Loads `taps` (beyond [`Convolver::capacity`] cut off; empty: a pass-through) and
    /// clears the state. Allocation-free (each partition's FFT is computed here).
    pub fn set_taps(&mut self, taps: &[f32]) {
        let taps = &taps[..taps.len().min(self.capacity())];
        self.len = taps.len();
        self.head = [0.0; HEAD];
        for (h, &v) in self.head.iter_mut().zip(taps) {
            *h = v;
        }
        for level in &mut self.levels {
            level.set_taps(taps);
        }
        self.clear();
    }

    /// Clears the state (silence in, as if just started).
    pub fn clear(&mut self) {
        self.history = [0.0; 2 * HEAD];
        self.time = 0;
        for level in &mut self.levels {
            level.clear();
        }
    }

    /// Takes over `other`'s state (the same taps).
    pub fn take_state(&mut self, other: &Self) {
        self.history = other.history;
        self.time = other.time;
        for (mine, theirs) in self.levels.iter_mut().zip(&other.levels) {
            mine.inputs.re.copy_from_slice(&theirs.inputs.re);
            mine.inputs.im.copy_from_slice(&theirs.inputs.im);
            mine.window.copy_from_slice(&theirs.window);
            mine.out.copy_from_slice(&theirs.out);
            mine.newest = theirs.newest;
        }
    }

    /// Filters `x` in place.
    pub fn process(&mut self, x: &mut [f32]) {
        if self.len == 0 {
            return;
        }
        let mut done = 0;
        while done < x.len() {
            let to_boundary = HEAD - self.time % HEAD;
            let run = to_boundary.min(x.len() - done);
            self.run(&mut x[done..done + run]);
            done += run;
        }
    }

    /// A run that does not cross a multiple of [`HEAD`] samples.
    fn run(&mut self, x: &mut [f32]) {
        let n = x.len();
        let start = self.time;
        let offset = start % HEAD;
        self.history[HEAD + offset..HEAD + offset + n].copy_from_slice(x);
        let active = self.levels.iter().filter(|l| l.parts > 0).count();
        // history[HEAD + offset + i] is input i of the run: tap k reaches back k samples.
        let head = &self.head[..self.len.min(HEAD)];
        let base = HEAD + offset;
        dispatch!(
            self.cpu.avx2(),
            kernels::direct_avx2(head, &self.history, base, x),
            kernels::direct(head, &self.history, base, x)
        );
        for level in &mut self.levels[..active] {
            let mask = level.out.len() - 1;
            let p = level.size;
            for (i, y) in x.iter_mut().enumerate() {
                let t = start.wrapping_add(i);
                *y += level.out[t.wrapping_sub(p) & mask];
            }
            // The inputs go to the level's current block (the second half of its window).
            let pos = p + start % p;
            level.window[pos..pos + n]
                .copy_from_slice(&self.history[HEAD + offset..HEAD + offset + n]);
        }
        self.time = start.wrapping_add(n);
        if self.time.is_multiple_of(HEAD) {
            self.history.copy_within(HEAD.., 0);
        }
        for level in &mut self.levels[..active] {
            if self.time.is_multiple_of(level.size) {
                level.run_block(self.time, self.cpu);
            }
        }
    }
}

/// The inner loops, written once and compiled twice (portable, and with AVX2 enabled: no
/// fused operations, so both give the same bits).
mod kernels {
    /// `y[i] = Σₖ head[k] · history[base + i − k]`: a direct convolution of the run `y`,
    /// `G` outputs at a time held in registers while the taps go by.
    #[inline(always)]
    fn direct_group<const G: usize>(head: &[f32], history: &[f32], at: usize, y: &mut [f32]) {
        let mut acc = [0.0f32; G];
        for (k, &h) in head.iter().enumerate() {
            let src: &[f32; G] = history[at - k..at - k + G].try_into().expect("G inputs");
            for j in 0..G {
                acc[j] += h * src[j];
            }
        }
        y[..G].copy_from_slice(&acc);
    }

    #[inline(always)]
    fn direct_body(head: &[f32], history: &[f32], base: usize, y: &mut [f32]) {
        let n = y.len();
        let mut i = 0;
        while i + 32 <= n {
            direct_group::<32>(head, history, base + i, &mut y[i..]);
            i += 32;
        }
        while i + 8 <= n {
            direct_group::<8>(head, history, base + i, &mut y[i..]);
            i += 8;
        }
        while i < n {
            direct_group::<1>(head, history, base + i, &mut y[i..]);
            i += 1;
        }
    }

    /// `acc += x · h`, bin by bin, the parts apart.
    #[inline(always)]
    fn multiply_add_body(
        ar: &mut [f32],
        ai: &mut [f32],
        xr: &[f32],
        xi: &[f32],
        hr: &[f32],
        hi: &[f32],
    ) {
        let n = ar.len();
        let (ai, xr, xi, hr, hi) = (&mut ai[..n], &xr[..n], &xi[..n], &hr[..n], &hi[..n]);
        for k in 0..n {
            ar[k] += xr[k] * hr[k] - xi[k] * hi[k];
            ai[k] += xr[k] * hi[k] + xi[k] * hr[k];
        }
    }

    pub fn direct(head: &[f32], history: &[f32], base: usize, y: &mut [f32]) {
        direct_body(head, history, base, y);
    }

    pub fn multiply_add(
        ar: &mut [f32],
        ai: &mut [f32],
        xr: &[f32],
        xi: &[f32],
        hr: &[f32],
        hi: &[f32],
    ) {
        multiply_add_body(ar, ai, xr, xi, hr, hi);
    }

    /// # Safety
    /// The CPU has AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    pub unsafe fn direct_avx2(head: &[f32], history: &[f32], base: usize, y: &mut [f32]) {
        direct_body(head, history, base, y);
    }

    /// # Safety
    /// The CPU has AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    pub unsafe fn multiply_add_avx2(
        ar: &mut [f32],
        ai: &mut [f32],
        xr: &[f32],
        xi: &[f32],
        hr: &[f32],
        hi: &[f32],
    ) {
        multiply_add_body(ar, ai, xr, xi, hr, hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(taps: &[f32], x: &[f32]) -> Vec<f64> {
        (0..x.len())
            .map(|t| {
                taps.iter()
                    .enumerate()
                    .take(t + 1)
                    .map(|(k, &h)| f64::from(h) * f64::from(x[t - k]))
                    .sum()
            })
            .collect()
    }

    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn the_partitioned_convolution_equals_the_direct_one_for_any_block_length() {
        for &len in &[1usize, 63, 64, 65, 511, 700, 4096, 5000] {
            let taps = noise(len, 7 + len as u32);
            let x = noise(12_000, 3);
            let want = direct(&taps, &x);
            for &block in &[1usize, 13, 64, 100, 512] {
                let mut conv = Convolver::new(8192);
                conv.set_taps(&taps);
                let mut y = x.clone();
                for chunk in y.chunks_mut(block) {
                    conv.process(chunk);
                }
                let err = y
                    .iter()
                    .zip(&want)
                    .map(|(a, b)| (f64::from(*a) - b).abs())
                    .fold(0.0, f64::max);
                let scale = want.iter().map(|v| v.abs()).fold(0.0, f64::max);
                assert!(
                    err <= 1e-5 * scale.max(1.0),
                    "{len} taps, block {block}: {err}"
                );
            }
        }
    }

    #[test]
    fn no_taps_pass_the_input_through_and_long_taps_are_cut_at_the_capacity() {
        let mut conv = Convolver::new(1000);
        let x = noise(300, 1);
        let mut y = x.clone();
        conv.process(&mut y);
        assert_eq!(y, x);
        assert!(conv.capacity() >= 1000);
        conv.set_taps(&vec![0.5; 100_000]);
        assert_eq!(conv.len(), conv.capacity());
    }
}
