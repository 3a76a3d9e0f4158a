//! The chain's cost beside x42-dpl's true-peak limiter, in one sitting, on the same 60 s
//! of busy programme (the bench programme at level 1.5: two bass tones and noise, 3.5 dB
//! over the −1 dBTP ceiling, 48 kHz stereo).
//!
//! - This chain, in each latency setting: the fastest of `RUNS` passes through
//!   `Chain::process` in blocks of 512 (true-peak meters off), in ms per second of audio.
//! - x42-dpl (threshold −1 dB, release 10 ms, true peak on) through `lv2file`: the fastest
//!   of `RUNS` runs, minus the fastest of `RUNS` runs of x42's stereo router at its defaults
//!   (the same file I/O, next to no processing): its whole limiter. Also shown: the same
//!   with true peak off, and the difference (its true-peak part alone).
//!
//! `cargo bench --bench versus_x42` (needs `lv2file` and `x42-plugins` for the comparison;
//! the chain's figures are printed either way). Files go under `target/versus_x42/`.

use headphone_monitor::dsp::{Chain, LatencyMode, Settings};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "common/mod.rs"]
mod common;

const RATE: usize = 48_000;
const SECONDS: usize = 60;
const LEVEL: f32 = 1.5;
const BLOCK: usize = 512;
const RUNS: usize = 7;

/// One pass of `signal` through `chain` in blocks of [`BLOCK`], in s.
fn chain_seconds(chain: &mut Chain, signal: &(Vec<f32>, Vec<f32>)) -> f64 {
    chain.reset();
    let (mut l, mut r) = signal.clone();
    let t = Instant::now();
    for (cl, cr) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
        chain.process(cl, cr);
    }
    let took = t.elapsed().as_secs_f64();
    std::hint::black_box((&l, &r));
    took
}

/// One run of the LV2 plug-in `uri` with `params` over `src`, in s; `None` without
/// `lv2file`/`x42-plugins`.
fn lv2_seconds(uri: &str, params: &[&str], src: &Path, dst: &Path) -> Option<f64> {
    let t = Instant::now();
    common::x42::run_plugin(uri, params, src, dst)?;
    Some(t.elapsed().as_secs_f64())
}

fn main() {
    let (one_l, one_r) = common::programme(RATE);
    let scale = |x: &[f32]| -> Vec<f32> {
        x.iter()
            .cycle()
            .take(RATE * SECONDS)
            .map(|v| v * LEVEL)
            .collect()
    };
    let signal = (scale(&one_l), scale(&one_r));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("versus_x42");
    std::fs::create_dir_all(&dir).expect("output folder");
    let (src, dst) = (dir.join("busy.wav"), dir.join("busy.x42.wav"));
    common::x42::write_wav(&src, RATE as u32, &signal);
    let chain = |latency| {
        let mut chain = Chain::new(
            RATE as f32,
            Settings {
                latency,
                ..Settings::default()
            },
        );
        chain.set_true_peak_metering(false);
        chain
    };
    let (mut exact, mut low, mut zero) = (
        chain(LatencyMode::Exact),
        chain(LatencyMode::Low),
        chain(LatencyMode::Zero),
    );
    let dpl = |mode: &str| {
        let params = ["threshold:-1", "release:0.01", mode];
        lv2_seconds(common::x42::URI, &params, &src, &dst)
    };
    // Interleaved, so that a drift of the machine's speed hits every contender alike.
    let mut best = [f64::INFINITY; 6];
    let mut x42_missing = false;
    for _ in 0..RUNS {
        let times = [
            Some(chain_seconds(&mut exact, &signal)),
            Some(chain_seconds(&mut low, &signal)),
            Some(chain_seconds(&mut zero, &signal)),
            lv2_seconds(common::x42::PASS_THROUGH_URI, &[], &src, &dst),
            dpl("truepeak:1"),
            dpl("truepeak:0"),
        ];
        for (b, t) in best.iter_mut().zip(times) {
            match t {
                Some(t) => *b = b.min(t),
                None => x42_missing = true,
            }
        }
    }
    let per_second = |s: f64| 1e3 * s / SECONDS as f64;
    let [exact, low, zero, base, on, off] = best.map(per_second);
    println!("{SECONDS} s of busy programme at {RATE} Hz, blocks of {BLOCK}, fastest of {RUNS} interleaved runs:");
    println!("  this chain, latency Exact: {exact:.3} ms per second of audio");
    println!("  this chain, latency Low:   {low:.3} ms per second of audio");
    println!("  this chain, latency Zero:  {zero:.3} ms per second of audio");
    if x42_missing {
        println!("(x42-dpl not run: `lv2file` or `x42-plugins` missing)");
        return;
    }
    let x42 = on - base;
    println!(
        "  x42-dpl, true peak on: {x42:.3} ms per second of audio (true peak off: {:.3}; its true-peak part alone: {:.3}; lv2file's I/O: {base:.3})",
        off - base,
        on - off
    );
    for (name, ms) in [("Exact", exact), ("Low", low), ("Zero", zero)] {
        println!(
            "  this chain ({name}) is {:.1}x faster than x42-dpl with true peak on",
            x42 / ms
        );
    }
}
