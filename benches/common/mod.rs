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

/// x42-dpl, the open-source true-peak limiter the docs compare against, run offline through
/// Debian's `lv2file` (packages `lv2file` and `x42-plugins`).
pub mod x42 {
    use std::path::Path;
    use std::process::Command;

    /// x42-dpl's stereo plug-in.
    pub const URI: &str = "http://gareus.org/oss/lv2/dpl#stereo";

    /// Writes a stereo 32-bit float WAV.
    pub fn write_wav(path: &Path, rate: u32, signal: &(Vec<f32>, Vec<f32>)) {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(path, spec).expect("create wav");
        for (l, r) in signal.0.iter().zip(&signal.1) {
            w.write_sample(*l).expect("write");
            w.write_sample(*r).expect("write");
        }
        w.finalize().expect("finalize");
    }

    /// x42's stereo router at its defaults (left to left, right to right): the same file
    /// I/O through `lv2file` with next to no processing, the baseline of a timing.
    pub const PASS_THROUGH_URI: &str = "http://gareus.org/oss/lv2/stereoroute";

    /// Runs x42-dpl (threshold −1 dB, release 10 ms, true peak on or off) from `src` to
    /// `dst` and reads the output back (its latency left in); `None` when `lv2file` or the
    /// plug-in is missing.
    pub fn run(src: &Path, dst: &Path, true_peak: bool) -> Option<(Vec<f32>, Vec<f32>)> {
        let mode = if true_peak {
            "truepeak:1"
        } else {
            "truepeak:0"
        };
        run_plugin(URI, &["threshold:-1", "release:0.01", mode], src, dst)
    }

    /// Runs the LV2 plug-in `uri` with `params` (`name:value`) from `src` to `dst` through
    /// `lv2file` and reads the output back; `None` when it cannot run.
    pub fn run_plugin(
        uri: &str,
        params: &[&str],
        src: &Path,
        dst: &Path,
    ) -> Option<(Vec<f32>, Vec<f32>)> {
        let _ = std::fs::remove_file(dst);
        let mut command = Command::new("lv2file");
        command.arg("--ignore-clipping");
        for p in params {
            command.args(["-p", p]);
        }
        let status = command
            .arg("-i")
            .arg(src)
            .arg("-o")
            .arg(dst)
            .arg(uri)
            .output()
            .ok()?;
        if !status.status.success() {
            return None;
        }
        let mut reader = hound::WavReader::open(dst).ok()?;
        let samples: Vec<f32> = match reader.spec().sample_format {
            hound::SampleFormat::Float => reader.samples::<f32>().map(|s| s.unwrap()).collect(),
            hound::SampleFormat::Int => reader
                .samples::<i32>()
                .map(|s| s.unwrap() as f32 / 2f32.powi(31))
                .collect(),
        };
        Some(samples.chunks(2).map(|f| (f[0], f[1])).unzip())
    }
}
