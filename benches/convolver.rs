//! The graphic EQ's convolution alone: ns per sample of one channel for filters of 64 to
//! 32768 taps (48000 samples in 512-sample blocks, the fastest of 30 rounds).
//!
//! `cargo bench --bench convolver`

use headphone_monitor::dsp::correction::convolver::Convolver;
use std::time::Instant;
fn main() {
    for taps_len in [64usize, 512, 4096, 32768] {
        let taps: Vec<f32> = (0..taps_len)
            .map(|i| ((i * 7919) % 1000) as f32 * 1e-4)
            .collect();
        let mut c = Convolver::new(32768);
        c.set_taps(&taps);
        let mut x: Vec<f32> = (0..48_000).map(|i| (i as f32 * 0.01).sin()).collect();
        let mut best = f64::INFINITY;
        for _ in 0..30 {
            let t = Instant::now();
            for block in x.chunks_mut(512) {
                c.process(block);
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{taps_len} taps: {:.2} ns per sample",
            best / 48_000.0 * 1e9
        );
    }
}
