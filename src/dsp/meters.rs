//! Level statistics computed inside the chain: sample peak, true peak (4×
//! oversampled as in ITU-R BS.1770-4 Annex 2), gain reduction and the sums behind
//! the stereo correlation. Plain numbers only; the plugin publishes them through
//! atomics, the renderer prints them.

use super::kernel;

/// Taps per phase of the metering interpolator (as in BS.1770-4 Annex 2).
pub const METER_TAPS_PER_PHASE: usize = 12;

/// A 4× oversampling true-peak meter for one channel: a 48-tap windowed-sinc
/// interpolator evaluated at ¼, ½ and ¾ between samples.
#[derive(Debug, Clone)]
pub struct TruePeakMeter {
    /// The last 12 samples (doubled ring, so the window is contiguous).
    history: [f32; 2 * METER_TAPS_PER_PHASE],
    /// Write position in `history`.
    pos: usize,
    /// `taps[k][φ]` for φ = ¼, ½, ¾.
    taps: [[f32; 4]; METER_TAPS_PER_PHASE],
}

impl Default for TruePeakMeter {
    fn default() -> Self {
        let mut taps = [[0.0f32; 4]; METER_TAPS_PER_PHASE];
        let half = METER_TAPS_PER_PHASE / 2;
        for (k, tap) in taps.iter_mut().enumerate() {
            // Window holds x[n-11] … x[n]; interpolate between x[n-6] and x[n-5].
            let j_rel = k as f64 - (half as f64 - 1.0);
            for (lane, phase) in [0.25, 0.5, 0.75].iter().enumerate() {
                let t = phase - j_rel;
                let x = t / (half as f64 + 0.5);
                let w =
                    kernel::bessel_i0(6.0 * (1.0 - x * x).max(0.0).sqrt()) / kernel::bessel_i0(6.0);
                let sinc = (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t);
                tap[lane] = (sinc * w) as f32;
            }
        }
        // Normalise each phase to unity DC gain.
        for lane in 0..3 {
            let s: f32 = taps.iter().map(|t| t[lane]).sum();
            for t in taps.iter_mut() {
                t[lane] /= s;
            }
        }
        Self {
            history: [0.0; 2 * METER_TAPS_PER_PHASE],
            pos: 0,
            taps,
        }
    }
}

impl TruePeakMeter {
    /// Clears the history.
    pub fn reset(&mut self) {
        self.history = [0.0; 2 * METER_TAPS_PER_PHASE];
        self.pos = 0;
    }

    /// Feeds `samples`; returns the largest |sample| or |interpolated value| seen.
    pub fn process(&mut self, samples: &[f32]) -> f32 {
        let mut peak = 0.0f32;
        for &x in samples {
            self.history[self.pos] = x;
            self.history[self.pos + METER_TAPS_PER_PHASE] = x;
            self.pos = (self.pos + 1) % METER_TAPS_PER_PHASE;
            let window = &self.history[self.pos..self.pos + METER_TAPS_PER_PHASE];
            let mut acc = [0.0f32; 4];
            for (v, tap) in window.iter().zip(self.taps.iter()) {
                for lane in 0..4 {
                    acc[lane] += v * tap[lane];
                }
            }
            peak = peak
                .max(x.abs())
                .max(acc[0].abs())
                .max(acc[1].abs())
                .max(acc[2].abs());
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

/// Largest absolute value in `samples`.
pub fn sample_peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, x| m.max(x.abs()))
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
}
