//! The strict true-peak reference (docs/measuring.md): 16× oversampling with
//! a 4097-tap linear-phase windowed-sinc (Kaiser β = 10, ±128 input samples,
//! cut-off at the original Nyquist, DC gain normalised), on the signal padded with
//! 256 zeros at both ends.

use headphone_monitor_core::dsp::limiter::kernel;

/// Oversampling factor of the reference.
pub const OVERSAMPLE: usize = 16;
/// Zero padding at each end, in samples.
pub const PAD: usize = 256;

/// The reference interpolator's polyphase taps: `phases[m][k]`, for output offset
/// m/16 and input offsets −128 … +128, normalised so DC passes unchanged.
pub struct StrictTruePeak {
    phases: Vec<Vec<f64>>,
}

impl Default for StrictTruePeak {
    fn default() -> Self {
        let support = kernel::SUPPORT_SAMPLES as i64;
        // Global DC normalisation over all 4097 taps (sum / 16 = 1).
        let mut total = 0.0;
        let mut phases = Vec::new();
        for m in 0..OVERSAMPLE {
            let phase = m as f64 / OVERSAMPLE as f64;
            let taps: Vec<f64> = (-support..=support)
                .map(|k| kernel::kernel(phase - k as f64))
                .collect();
            total += taps.iter().sum::<f64>();
            phases.push(taps);
        }
        let norm = OVERSAMPLE as f64 / total;
        for p in &mut phases {
            for t in p.iter_mut() {
                *t *= norm;
            }
        }
        Self { phases }
    }
}

impl StrictTruePeak {
    /// Strict true peak (linear) of `signal`.
    pub fn measure(&self, signal: &[f32]) -> f64 {
        self.measure_with_position(signal).0
    }

    /// Strict true peak (linear) of `signal` between its samples `range.start` and
    /// `range.end` (positions `n + m/16` for `n` in the range), the whole signal read.
    pub fn measure_range(&self, signal: &[f32], range: std::ops::Range<usize>) -> f64 {
        let support = kernel::SUPPORT_SAMPLES;
        let at = |i: isize| -> f64 {
            usize::try_from(i)
                .ok()
                .and_then(|i| signal.get(i))
                .map_or(0.0, |&x| f64::from(x))
        };
        let mut best = 0.0f64;
        let mut window = vec![0.0f64; 2 * support + 1];
        for n in range {
            for (k, w) in window.iter_mut().enumerate() {
                *w = at(n as isize + k as isize - support as isize);
            }
            for taps in &self.phases {
                let v: f64 = window.iter().zip(taps).map(|(x, h)| x * h).sum();
                best = best.max(v.abs());
            }
        }
        best
    }

    /// Strict true peak (linear) and the input position (in samples, fractional) where it occurs.
    pub fn measure_with_position(&self, signal: &[f32]) -> (f64, f64) {
        let support = kernel::SUPPORT_SAMPLES;
        let mut padded = vec![0.0f64; signal.len() + 2 * (PAD + support)];
        for (i, &x) in signal.iter().enumerate() {
            padded[i + PAD + support] = x as f64;
        }
        let mut best = (0.0f64, 0.0f64);
        // Output points from PAD before the signal to PAD after it.
        let first = support;
        let last = padded.len() - support - 1;
        for n in first..last {
            let window = &padded[n - support..=n + support];
            if window.iter().all(|&v| v == 0.0) {
                continue;
            }
            for (m, taps) in self.phases.iter().enumerate() {
                // Value at n + m/16 = Σ_k x[n + k] h(m/16 − k); taps index k + support.
                let v: f64 = window.iter().zip(taps).map(|(x, h)| x * h).sum();
                if v.abs() > best.0 {
                    best = (
                        v.abs(),
                        n as f64 + m as f64 / OVERSAMPLE as f64 - (PAD + support) as f64,
                    );
                }
            }
        }
        best
    }
}

/// dB of a linear value.
pub fn db(x: f64) -> f64 {
    20.0 * x.log10()
}
