//! The graphic EQ's convolution alone: ns per sample of one channel for filters of 64 to
//! 32768 taps (48000 samples in 512-sample blocks, the fastest of 30 rounds).
//!
//! Then the floor under any FFT convolution of such filters: a bare forward and inverse
//! real FFT (realfft), per sample of the block it serves (an FFT of `n` points takes
//! `n / 2` new samples in overlap-save), for the smallest level of the convolver (128
//! points every 64 samples) and for the levels a longer latency would allow.
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
    fft_pair_floor();
}

/// The cost of a bare forward + inverse real FFT of `n` points, per new sample (`n / 2`).
fn fft_pair_floor() {
    for n in [128usize, 1024, 8192] {
        let mut planner = realfft::RealFftPlanner::<f32>::new();
        let (forward, inverse) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
        let mut x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.01).sin()).collect();
        let mut spectrum = forward.make_output_vec();
        let (mut scratch_f, mut scratch_i) =
            (forward.make_scratch_vec(), inverse.make_scratch_vec());
        let rounds = 4_000_000 / n;
        let mut best = f64::INFINITY;
        for _ in 0..30 {
            let t = Instant::now();
            for _ in 0..rounds {
                forward
                    .process_with_scratch(&mut x, &mut spectrum, &mut scratch_f)
                    .expect("lengths planned");
                spectrum[0].im = 0.0;
                spectrum[n / 2].im = 0.0;
                inverse
                    .process_with_scratch(&mut spectrum, &mut x, &mut scratch_i)
                    .expect("lengths planned");
                x[0] = x[1] * 0.5;
            }
            best = best.min(t.elapsed().as_secs_f64() / rounds as f64);
        }
        println!(
            "FFT pair of {n} points: {:.0} ns, {:.2} ns per sample of its {}-sample block",
            best * 1e9,
            best * 1e9 / (n / 2) as f64,
            n / 2
        );
    }
}
