//! The chain's cost when the shared machine leaves it alone: the fastest of many
//! one-second runs of the bench programme through `Chain::process` (48 kHz stereo,
//! true-peak meters off), in ms per second of audio and as a real-time factor.
//!
//! `cargo bench --bench fastest` runs every case; `cargo bench --bench fastest --
//! LEVEL BLOCK RUNS` runs one (for example `1.5 512 400`, the busy bus; `0.4` is the
//! idle one); a last word `zero` runs the Zero latency setting instead of Exact. Apart
//! from that word's one line, the file only uses `Chain::new`, so it also builds in older
//! trees with that line removed (docs/performance.md compares against the first release
//! this way).

use headphone_monitor::dsp::{Chain, LatencyMode, Named, Settings};
use std::time::Instant;

#[path = "common/mod.rs"]
mod common;

/// Fastest of `runs` one-second runs at programme `level` in blocks of `block`, in s.
fn fastest(level: f32, block: usize, runs: usize, settings: Settings) -> f64 {
    let rate = 48_000;
    let (l, r) = common::programme(rate);
    let l: Vec<f32> = l.iter().map(|x| x * level).collect();
    let r: Vec<f32> = r.iter().map(|x| x * level).collect();
    let mut chain = Chain::new(rate as f32, settings);
    chain.set_true_peak_metering(false);
    let (mut bl, mut br) = (l.clone(), r.clone());
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        bl.copy_from_slice(&l);
        br.copy_from_slice(&r);
        let t = Instant::now();
        for (cl, cr) in bl.chunks_mut(block).zip(br.chunks_mut(block)) {
            chain.process(cl, cr);
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    std::hint::black_box((&bl, &br));
    best
}

fn main() {
    // (Cargo passes `--bench` to a bench without a harness; numbers are the case.)
    let numbers: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let cases: Vec<(f32, usize, usize)> = match numbers[..] {
        [level, block, runs] => vec![(level as f32, block as usize, runs as usize)],
        _ => [1.5f32, 0.4]
            .into_iter()
            .flat_map(|level| [32usize, 512, 4096].map(|block| (level, block, 400)))
            .collect(),
    };
    // The latency setting, by its id (`exact`, `low` or `zero`; Exact when none is given).
    let latency = std::env::args()
        .find_map(|a| LatencyMode::from_id(&a))
        .unwrap_or(LatencyMode::Exact);
    let settings = Settings {
        latency,
        ..Settings::default()
    };
    for (level, block, runs) in cases {
        let best = fastest(level, block, runs, settings);
        let name = if level > 1.0 { "busy" } else { "idle" };
        let setting = latency.id();
        println!(
            "48000/{block}/{name}/{setting}: fastest of {runs}: {:.3} ms per second of audio ({:.0}x real time)",
            best * 1e3,
            1.0 / best
        );
    }
}
