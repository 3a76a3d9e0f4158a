//! Level statistics computed inside the chain: sample peak, true peak (4×
//! oversampled as in ITU-R BS.1770-4 Annex 2), gain reduction and the sums behind
//! the stereo correlation. Plain numbers only; the plugin publishes them through
//! atomics, the renderer prints them.

use super::limiter::kernel;
use super::sanitize::flush_subnormal_slice;
use super::stage::{Chunk, Stage, StageSetup};
use super::Settings;

/// Taps per phase of the metering interpolator (as in BS.1770-4 Annex 2).
pub const METER_TAPS_PER_PHASE: usize = 12;

/// Samples per internal block of the true-peak meter.
const METER_BLOCK: usize = 128;
/// Positions per register tile of the true-peak meter.
const METER_TILE: usize = 16;
/// Samples of history the interpolator needs before each block.
const METER_HISTORY: usize = METER_TAPS_PER_PHASE - 1;

/// A 4× oversampling true-peak meter for one channel: a 48-tap windowed-sinc
/// interpolator evaluated at ¼, ½ and ¾ between samples. Works a block at a time,
/// in register tiles the compiler vectorises.
#[derive(Debug, Clone)]
pub struct TruePeakMeter {
    /// The last [`METER_HISTORY`] samples, then the current block, then tile padding.
    buffer: [f32; METER_HISTORY + METER_BLOCK + METER_TILE],
    /// `taps[φ][k]` for φ = ¼, ½, ¾ over the 12-sample window.
    taps: [[f32; METER_TAPS_PER_PHASE]; 3],
}

impl Default for TruePeakMeter {
    fn default() -> Self {
        let mut taps = [[0.0f32; METER_TAPS_PER_PHASE]; 3];
        let half = METER_TAPS_PER_PHASE / 2;
        for (lane, phase) in [0.25, 0.5, 0.75].iter().enumerate() {
            for (k, tap) in taps[lane].iter_mut().enumerate() {
                // Window holds x[n-11] … x[n]; interpolate between x[n-6] and x[n-5].
                let j_rel = k as f64 - (half as f64 - 1.0);
                let t = phase - j_rel;
                let x = t / (half as f64 + 0.5);
                let w =
                    kernel::bessel_i0(6.0 * (1.0 - x * x).max(0.0).sqrt()) / kernel::bessel_i0(6.0);
                let sinc = (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t);
                *tap = (sinc * w) as f32;
            }
            // Normalise each phase to unity DC gain.
            let sum: f32 = taps[lane].iter().sum();
            for tap in taps[lane].iter_mut() {
                *tap /= sum;
            }
        }
        Self {
            buffer: [0.0; METER_HISTORY + METER_BLOCK + METER_TILE],
            taps,
        }
    }
}

impl TruePeakMeter {
    /// Clears the history.
    pub fn reset(&mut self) {
        self.buffer.fill(0.0);
    }

    /// Feeds `samples`; returns the largest |sample| or |interpolated value| seen.
    pub fn process(&mut self, samples: &[f32]) -> f32 {
        let mut peak = 0.0f32;
        for piece in samples.chunks(METER_BLOCK) {
            let len = piece.len();
            self.buffer[METER_HISTORY..METER_HISTORY + len].copy_from_slice(piece);
            for tile in (0..len).step_by(METER_TILE) {
                // |x| of the newest sample of each window, then each phase's |value|.
                let mut tile_peak = [0.0f32; METER_TILE];
                let newest = &self.buffer[METER_HISTORY + tile..METER_HISTORY + tile + METER_TILE];
                for (p, &x) in tile_peak.iter_mut().zip(newest) {
                    *p = x.abs();
                }
                for taps in &self.taps {
                    let mut acc = [0.0f32; METER_TILE];
                    for (k, &tap) in taps.iter().enumerate() {
                        let x = &self.buffer[tile + k..tile + k + METER_TILE];
                        for (a, &x) in acc.iter_mut().zip(x) {
                            *a += x * tap;
                        }
                    }
                    for (p, a) in tile_peak.iter_mut().zip(acc) {
                        let a = a.abs();
                        *p = if a > *p { a } else { *p };
                    }
                }
                // Only the tile's real positions count (the padding is stale).
                for &p in &tile_peak[..METER_TILE.min(len - tile)] {
                    peak = if p > peak { p } else { peak };
                }
            }
            self.buffer.copy_within(len..len + METER_HISTORY, 0);
        }
        peak
    }
}

/// Statistics of one processed block (or of several, merged with [`BlockMeters::merge`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockMeters {
    /// Input sample peak per channel (linear).
    pub input_peak: [f32; 2],
    /// Input true peak per channel (linear, 4× oversampled).
    pub input_true_peak: [f32; 2],
    /// Output sample peak per channel (linear).
    pub output_peak: [f32; 2],
    /// Output true peak per channel (linear, 4× oversampled).
    pub output_true_peak: [f32; 2],
    /// Limiter gain at the end of the block (linear, 1 = no reduction).
    pub gain: f32,
    /// Smallest limiter gain within the block (linear).
    pub min_gain: f32,
    /// Σ L·R of the output.
    pub sum_lr: f64,
    /// Σ L² of the output.
    pub sum_ll: f64,
    /// Σ R² of the output.
    pub sum_rr: f64,
}

impl Default for BlockMeters {
    fn default() -> Self {
        Self {
            input_peak: [0.0; 2],
            input_true_peak: [0.0; 2],
            output_peak: [0.0; 2],
            output_true_peak: [0.0; 2],
            gain: 1.0,
            min_gain: 1.0,
            sum_lr: 0.0,
            sum_ll: 0.0,
            sum_rr: 0.0,
        }
    }
}

impl BlockMeters {
    /// Folds `other` (a later block) into `self`.
    pub fn merge(&mut self, other: &BlockMeters) {
        for c in 0..2 {
            self.input_peak[c] = self.input_peak[c].max(other.input_peak[c]);
            self.input_true_peak[c] = self.input_true_peak[c].max(other.input_true_peak[c]);
            self.output_peak[c] = self.output_peak[c].max(other.output_peak[c]);
            self.output_true_peak[c] = self.output_true_peak[c].max(other.output_true_peak[c]);
        }
        self.gain = other.gain;
        self.min_gain = self.min_gain.min(other.min_gain);
        self.sum_lr += other.sum_lr;
        self.sum_ll += other.sum_ll;
        self.sum_rr += other.sum_rr;
    }

    /// Stereo correlation of the output in −1 … +1 (0 for silence).
    pub fn correlation(&self) -> f32 {
        let denom = (self.sum_ll * self.sum_rr).sqrt();
        if denom > 1e-20 {
            (self.sum_lr / denom).clamp(-1.0, 1.0) as f32
        } else {
            0.0
        }
    }
}

/// The input meters' tap: sample peak, and true peak while metering.
#[derive(Debug, Clone, Default)]
pub struct InputMeters {
    true_peak: [TruePeakMeter; 2],
}

impl Stage for InputMeters {
    fn build(_setup: &StageSetup) -> Self {
        Self::default()
    }

    fn apply(&mut self, _settings: &Settings) {}

    fn reset(&mut self) {
        self.true_peak.iter_mut().for_each(TruePeakMeter::reset);
    }

    #[inline(always)]
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        chunk.meters.input_peak = [sample_peak(chunk.left), sample_peak(chunk.right)];
        if chunk.true_peak_metering {
            chunk.meters.input_true_peak = [
                self.true_peak[0].process(chunk.left),
                self.true_peak[1].process(chunk.right),
            ];
        }
    }
}

/// The output's tap: hygiene (subnormals flushed), then the correlation sums, the sample
/// peak, and the true peak while metering.
#[derive(Debug, Clone, Default)]
pub struct OutputMeters {
    true_peak: [TruePeakMeter; 2],
}

impl Stage for OutputMeters {
    fn build(_setup: &StageSetup) -> Self {
        Self::default()
    }

    fn apply(&mut self, _settings: &Settings) {}

    fn reset(&mut self) {
        self.true_peak.iter_mut().for_each(TruePeakMeter::reset);
    }

    #[inline(always)]
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        flush_subnormal_slice(chunk.left);
        flush_subnormal_slice(chunk.right);
        let meters = &mut chunk.meters;
        (meters.sum_lr, meters.sum_ll, meters.sum_rr) = correlation_sums(chunk.left, chunk.right);
        meters.output_peak = [sample_peak(chunk.left), sample_peak(chunk.right)];
        if chunk.true_peak_metering {
            meters.output_true_peak = [
                self.true_peak[0].process(chunk.left),
                self.true_peak[1].process(chunk.right),
            ];
        }
    }
}

/// Lanes of the vectorisable reductions below.
const LANES: usize = 8;

/// Largest absolute value in `samples` (NaN is ignored). Inlined, so the chain's
/// AVX2 build compiles it eight lanes wide (the same result: a maximum only selects).
#[inline(always)]
pub fn sample_peak(samples: &[f32]) -> f32 {
    // Eight independent lanes with a plain compare-and-select: the compiler
    // turns this into SIMD maxima.
    let mut lanes = [0.0f32; LANES];
    let chunks = samples.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (m, &x) in lanes.iter_mut().zip(chunk) {
            let a = x.abs();
            *m = if a > *m { a } else { *m };
        }
    }
    let mut peak = 0.0f32;
    for a in lanes.into_iter().chain(tail.iter().map(|x| x.abs())) {
        peak = if a > peak { a } else { peak };
    }
    peak
}

/// `(Σ l·r, Σ l², Σ r²)` over a stereo block, for the correlation meter. Inlined like
/// [`sample_peak`] (the lanes and their order are written out, so every build sums
/// the same way).
#[inline(always)]
pub fn correlation_sums(left: &[f32], right: &[f32]) -> (f64, f64, f64) {
    let mut lr = [0.0f32; LANES];
    let mut ll = [0.0f32; LANES];
    let mut rr = [0.0f32; LANES];
    let len = left.len().min(right.len());
    let whole = len - len % LANES;
    for (cl, cr) in left[..whole]
        .chunks_exact(LANES)
        .zip(right[..whole].chunks_exact(LANES))
    {
        for k in 0..LANES {
            lr[k] += cl[k] * cr[k];
            ll[k] += cl[k] * cl[k];
            rr[k] += cr[k] * cr[k];
        }
    }
    let mut sums = (0.0f64, 0.0f64, 0.0f64);
    for k in 0..LANES {
        sums.0 += lr[k] as f64;
        sums.1 += ll[k] as f64;
        sums.2 += rr[k] as f64;
    }
    for (&l, &r) in left[whole..len].iter().zip(&right[whole..len]) {
        sums.0 += (l * r) as f64;
        sums.1 += (l * l) as f64;
        sums.2 += (r * r) as f64;
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_peak_meter_reads_sine_near_nyquist_within_annex_2_accuracy() {
        // A sine at fs/4 with 45° phase: samples at ±0.707, true peak 1.0.
        let x: Vec<f32> = (0..400)
            .map(|n| (std::f32::consts::FRAC_PI_2 * n as f32 + std::f32::consts::FRAC_PI_4).sin())
            .collect();
        let mut m = TruePeakMeter::default();
        let tp = m.process(&x);
        assert!(sample_peak(&x) < 0.71);
        assert!((tp - 1.0).abs() < 0.02, "{tp}");
    }

    #[test]
    fn correlation_of_identical_and_opposite_channels() {
        let mut m = BlockMeters {
            sum_lr: 2.0,
            sum_ll: 2.0,
            sum_rr: 2.0,
            ..Default::default()
        };
        assert_eq!(m.correlation(), 1.0);
        m.sum_lr = -2.0;
        assert_eq!(m.correlation(), -1.0);
        assert_eq!(BlockMeters::default().correlation(), 0.0);
    }

    #[test]
    fn vectorised_peak_and_sums_match_plain_loops_for_every_length() {
        for len in 0..40 {
            let l: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
                .collect();
            let r: Vec<f32> = (0..len)
                .map(|i| ((i * 11 % 17) as f32 - 8.0) / 5.0)
                .collect();
            let plain_peak = l.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert_eq!(sample_peak(&l), plain_peak, "len {len}");
            let (lr, ll, rr) = correlation_sums(&l, &r);
            let dot =
                |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x * y) as f64).sum::<f64>();
            for (got, want) in [(lr, dot(&l, &r)), (ll, dot(&l, &l)), (rr, dot(&r, &r))] {
                assert!(
                    (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                    "len {len}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn true_peak_meter_gives_the_same_reading_for_any_block_split() {
        let x: Vec<f32> = (0..2000)
            .map(|i| ((i * 7919 % 1013) as f32 / 506.0 - 1.0) * if i > 1500 { 0.1 } else { 1.0 })
            .collect();
        // Straightforward reference: every window of the whole stream, zeros before it.
        let meter = TruePeakMeter::default();
        let at = |j: isize| if j < 0 { 0.0 } else { x[j as usize] };
        let mut reference = vec![0.0f32; x.len()];
        for (n, r) in reference.iter_mut().enumerate() {
            let mut peak = x[n].abs();
            for taps in &meter.taps {
                let v: f32 = (0..METER_TAPS_PER_PHASE)
                    .map(|k| at(n as isize - METER_HISTORY as isize + k as isize) * taps[k])
                    .sum();
                peak = peak.max(v.abs());
            }
            *r = peak;
        }
        let mut meter = TruePeakMeter::default();
        let mut pos = 0;
        for len in [1usize, 5, 300, 0, 128, 17, 129].iter().cycle() {
            if pos >= x.len() {
                break;
            }
            let len = (*len).min(x.len() - pos);
            let got = meter.process(&x[pos..pos + len]);
            let want = reference[pos..pos + len]
                .iter()
                .fold(0.0f32, |m, &v| m.max(v));
            assert!(
                (got - want).abs() <= 1e-6,
                "block at {pos}+{len}: {got} vs {want}"
            );
            pos += len;
        }
    }
}
