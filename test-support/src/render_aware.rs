//! The programme and the judgements of the render-aware tests, shared by their CLAP and
//! VST3 halves: the processing under test is Mono at −6 dB, so processed output (left ==
//! right, quieter) and pass-through (the stereo input, untouched) cannot be confused.

use headphone_monitor_core::monitor::render_guard::SLACK_S;

use crate::rng::Rng;

/// The tests' sample rate, in Hz.
pub const RATE: f64 = 48_000.0;

/// Stereo noise at about −20 dBFS with different channels.
pub fn programme(seconds: f64) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(0x0ff1_13e5);
    let len = (seconds * RATE) as usize;
    (0..2)
        .map(|_| (0..len).map(|_| 0.2 * (rng.unit() - 0.5)).collect())
        .collect()
}

/// The programme with a +6 dBFS burst 20–50 ms in: before the render guard could have judged
/// the pace, so a listener of a host that lies about rendering offline would hear it.
pub fn programme_with_early_burst(seconds: f64) -> Vec<Vec<f32>> {
    let mut input = programme(seconds);
    for channel in &mut input {
        for (n, v) in channel.iter_mut().enumerate().skip(960).take(1_440) {
            *v = 2.0 * (n as f32 * 0.13).sin();
        }
    }
    input
}

/// The −1 dBTP default ceiling as a sample-peak bound.
pub fn ceiling() -> f32 {
    10f32.powf(-1.0 / 20.0)
}

/// Frame from which a host that claims offline at real-time pace gets the monitoring back:
/// the render guard's lag bound (0.1 s of audio), one block, the 20 ms glide and the latency.
pub fn monitored_again(block: usize, latency: usize) -> usize {
    (2.0 * SLACK_S * RATE) as usize + block + (0.020 * RATE) as usize + latency
}

/// Whether `out` is processed (Mono) from `from` on, and never above the ceiling anywhere.
pub fn protected(out: &[Vec<f32>], from: usize) -> bool {
    let peak = out.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
    processed(out, from) && peak <= ceiling()
}

/// Whether `out` from `from` on is exactly the input delayed by `latency`.
pub fn passes_through(out: &[Vec<f32>], input: &[Vec<f32>], latency: usize, from: usize) -> bool {
    (0..2).all(|c| {
        (from..out[c].len()).all(|n| out[c][n].to_bits() == input[c][n - latency].to_bits())
    })
}

/// Whether `out` is processed (Mono: both ears identical) everywhere after the latency.
pub fn processed(out: &[Vec<f32>], latency: usize) -> bool {
    out[0][latency..] == out[1][latency..] && out[0][latency..].iter().any(|&v| v != 0.0)
}
