//! What the benchmarks share: the busy programme and the correction curves.

#![allow(dead_code)]

use headphone_monitor::dsp::correction::Curve;

/// One second of stereo programme (two bass tones and white noise, peaks near
/// −2.5 dBFS) that keeps the limiter reducing gain in every block at −1 dBTP.
pub fn programme(rate: usize) -> (Vec<f32>, Vec<f32>) {
    let mut seed = 0x1234_5678u32;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as f32 / u32::MAX as f32 - 0.5
    };
    let l = (0..rate)
        .map(|n| {
            let t = n as f32 / rate as f32;
            0.6 * (2.0 * std::f32::consts::PI * 110.0 * t).sin() + 0.3 * noise()
        })
        .collect();
    let r = (0..rate)
        .map(|n| {
            let t = n as f32 / rate as f32;
            0.6 * (2.0 * std::f32::consts::PI * 165.0 * t).sin() + 0.3 * noise()
        })
        .collect();
    (l, r)
}

/// The AutoEq-shaped test file (1 LSC, 8 PK, 1 HSC and a preamp, both ears).
pub fn autoeq_shaped() -> Curve {
    let eq = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/eq/autoeq_shaped.txt");
    headphone_monitor::correction_file::LoadedCorrection::read(&eq)
        .expect("the AutoEq-shaped fixture")
        .curve
}

/// Ten peaking filters per ear at 0 dB: the full cost of ten filters, the signal unchanged.
pub fn ten_flat_filters() -> Curve {
    let text: String = (0..10)
        .map(|k| {
            format!(
                "Filter: ON PK Fc {} Hz Gain 0 dB Q 1.4\n",
                40 * 2u32.pow(k / 2 + 1) + k * 7
            )
        })
        .collect();
    headphone_monitor::eqapo::parse(&text).expect("ten filters")
}
