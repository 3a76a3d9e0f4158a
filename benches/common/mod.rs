//! What the benchmarks share: the busy programme and the correction curves.

#![allow(dead_code)]

use headphone_monitor::dsp::correction::Curve;

/// One second of stereo programme that keeps the limiter reducing gain in every block at
/// −1 dBTP (the test kit's busy programme).
pub fn programme(rate: usize) -> (Vec<f32>, Vec<f32>) {
    test_support::signals::busy_programme(rate)
}

/// The AutoEq-shaped test file (1 LSC, 8 PK, 1 HSC and a preamp, both ears).
pub fn autoeq_shaped() -> Curve {
    let eq = test_support::fixture("eq/autoeq_shaped.txt");
    headphone_monitor::correction_file::LoadedCorrection::read(&eq)
        .expect("the AutoEq-shaped fixture")
        .curve
}

/// The 127-point GraphicEQ fixture, shaped like AutoEq's `GraphicEQ.txt`.
#[allow(dead_code)]
pub fn graphic_eq() -> Curve {
    let eq = test_support::fixture("eq/graphic_eq.txt");
    headphone_monitor::correction_file::LoadedCorrection::read(&eq)
        .expect("the GraphicEQ fixture")
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
    headphone_monitor::eqapo::parse(&text)
        .expect("ten filters")
        .curve
}
