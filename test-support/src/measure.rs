//! Plain measurements of test output.

/// Root mean square (0 for no samples).
pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len() as f64).sqrt()
}

/// The RMS level in dBFS as AES17 defines it: a full-scale sine reads 0 dBFS (−∞ for
/// silence).
pub fn rms_dbfs(x: &[f32]) -> f64 {
    20.0 * (rms(x) * std::f64::consts::SQRT_2).log10()
}

/// Largest absolute sample.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Largest step between consecutive samples (the click measure: a switch must not step
/// further than the programme itself does).
pub fn max_step(x: &[f32]) -> f32 {
    x.windows(2).fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()))
}
