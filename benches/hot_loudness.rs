//! How much loudness the limiter takes from hot, dense programme: the synthetic mastered
//! tracks of `test_support::hot_programme`, driven to +3 dBFS sample peak, limited at the
//! default −1 dBTP ceiling with a 60 ms and a 10 ms release, in the Exact and the Low
//! latency setting. Per setting and release: the mean and
//! worst loss (integrated loudness in minus out, ITU-R BS.1770 via `ebur128`) and the
//! worst strict true peak of the output against the ceiling (the 16× reference of
//! docs/measuring.md).
//!
//! When Debian's `lv2file` and `x42-plugins` are installed, the same tracks also go
//! through x42-dpl (true-peak mode on, threshold −1 dB) for a side-by-side comparison;
//! the files are written under `target/hot_loudness/`.
//!
//! `cargo bench --bench hot_loudness` (about a minute, most of it the reference).

use headphone_monitor::dsp::limiter::{low::LowLimiter, Limiter, LimiterSettings};
use std::path::{Path, PathBuf};
use test_support::hot_programme;
use test_support::strict::StrictTruePeak;

#[path = "common/mod.rs"]
mod common;

const RATE: u32 = 48_000;
const SECONDS: f64 = 12.0;
const CEILING_DB: f64 = -1.0;
const DRIVE_PEAK_DB: f64 = 3.0;

/// A stereo signal: left and right.
type Stereo = (Vec<f32>, Vec<f32>);

/// Integrated loudness of a stereo signal, LUFS.
fn loudness(left: &[f32], right: &[f32]) -> f64 {
    let mut meter = ebur128::EbuR128::new(2, RATE, ebur128::Mode::I).expect("meter");
    meter.add_frames_planar_f32(&[left, right]).expect("frames");
    meter.loudness_global().expect("loudness")
}

/// One track's figures: loss in LU, strict true peak in dBTP.
struct Figures {
    loss_lu: f64,
    true_peak_dbtp: f64,
}

fn measure(input: &Stereo, output: &Stereo) -> Figures {
    let reference = StrictTruePeak::default();
    let peak = reference
        .measure(&output.0)
        .max(reference.measure(&output.1));
    Figures {
        loss_lu: loudness(&input.0, &input.1) - loudness(&output.0, &output.1),
        true_peak_dbtp: 20.0 * peak.log10(),
    }
}

/// This plug-in's limiter in the Exact setting, or in the Low one, its delay removed.
fn ours(input: &Stereo, release_ms: f32, low: bool) -> Stereo {
    let settings = LimiterSettings {
        ceiling: 10f32.powf(CEILING_DB as f32 / 20.0),
        release_ms,
    };
    let mut exact = Limiter::new(RATE as f32, settings);
    let mut low_latency = LowLimiter::new(RATE as f32, settings);
    let latency = if low {
        low_latency.latency_samples()
    } else {
        exact.latency_samples()
    };
    let pad = |x: &[f32]| {
        let mut v = x.to_vec();
        v.extend(std::iter::repeat_n(0.0, latency));
        v
    };
    let (mut l, mut r) = (pad(&input.0), pad(&input.1));
    for (a, b) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
        if low {
            low_latency.process(a, b, &mut [], &mut []);
        } else {
            exact.process(a, b, &mut [], &mut []);
        }
    }
    (l[latency..].to_vec(), r[latency..].to_vec())
}

/// x42-dpl (true peak on, −1 dB, 10 ms) through `lv2file`, or `None` when it is not
/// installed. Its reported latency is removed by aligning on the input (cross-correlation
/// peak within 2048 samples).
fn x42(input: &Stereo, dir: &Path, name: &str) -> Option<Stereo> {
    let (src, dst) = (
        dir.join(format!("{name}.wav")),
        dir.join(format!("{name}.x42.wav")),
    );
    common::x42::write_wav(&src, RATE, input);
    let (l, r) = common::x42::run(&src, &dst, true)?;
    // Find the delay: the lag with the largest correlation to the input.
    let probe = &input.0[RATE as usize..RATE as usize + 8192];
    let lag = (0..2048)
        .max_by(|&a, &b| {
            let c = |lag: usize| -> f64 {
                probe
                    .iter()
                    .zip(&l[RATE as usize + lag..])
                    .map(|(x, y)| (*x as f64) * (*y as f64))
                    .sum()
            };
            c(a).total_cmp(&c(b))
        })
        .unwrap_or(0);
    Some((l[lag..].to_vec(), r[lag..].to_vec()))
}

fn summary(label: &str, figures: &[Figures]) {
    let mean = figures.iter().map(|f| f.loss_lu).sum::<f64>() / figures.len() as f64;
    let worst = figures.iter().map(|f| f.loss_lu).fold(f64::MIN, f64::max);
    let peak = figures
        .iter()
        .map(|f| f.true_peak_dbtp)
        .fold(f64::MIN, f64::max);
    println!(
        "{label:<28} mean loss {mean:.3} LU  worst {worst:.3} LU  worst strict true peak {:+.4} dB re ceiling",
        peak - CEILING_DB
    );
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hot_loudness");
    std::fs::create_dir_all(&dir).expect("output folder");
    let drive = 10f32.powf((DRIVE_PEAK_DB + 0.1) as f32 / 20.0);
    let tracks: Vec<(String, Stereo)> = (0..hot_programme::TRACKS)
        .map(|i| {
            let t = hot_programme::track(i, RATE as f64, SECONDS);
            let scale = |x: &[f32]| x.iter().map(|v| v * drive).collect::<Vec<f32>>();
            (t.name.clone(), (scale(&t.left), scale(&t.right)))
        })
        .collect();
    let mut table: Vec<(String, Vec<Figures>)> = Vec::new();
    for (setting, low) in [("Exact", false), ("Low", true)] {
        for release in [60.0f32, 10.0] {
            let figures = tracks
                .iter()
                .map(|(_, t)| measure(t, &ours(t, release, low)))
                .collect();
            table.push((format!("this limiter, {setting}, {release} ms"), figures));
        }
    }
    let x42: Option<Vec<Figures>> = tracks
        .iter()
        .enumerate()
        .map(|(i, (_, t))| x42(t, &dir, &format!("track{i}")).map(|o| measure(t, &o)))
        .collect();
    match x42 {
        Some(f) => table.push(("x42-dpl, 10 ms, true peak".into(), f)),
        None => println!("(x42-dpl not run: `lv2file` or `x42-plugins` missing)"),
    }
    println!("{} tracks of {SECONDS} s at {RATE} Hz, driven to +{DRIVE_PEAK_DB} dBFS sample peak, ceiling {CEILING_DB} dBTP", tracks.len());
    for (i, (name, _)) in tracks.iter().enumerate() {
        let row: Vec<String> = table
            .iter()
            .map(|(_, f)| format!("{:.3}", f[i].loss_lu))
            .collect();
        println!("  {name:<28} loss LU: {}", row.join("  "));
    }
    for (label, figures) in &table {
        summary(label, figures);
    }
}
