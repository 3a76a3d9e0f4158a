//! A compressed soak: ten minutes of audio through one chain with everything
//! changing — settings every ~100 ms (gain, mode, swap, ceiling, release,
//! bypass), block sizes from 1 to 2048 samples, and the input switching between
//! music-like noise, silence, denormals, DC, full-scale alternation, +40 dBFS
//! bursts and NaN/±Inf. Every output sample must be finite, normal or zero, and
//! never above 0 dBFS while the limiter is on; afterwards, neutral settings must
//! be bit-transparent again (nothing stuck, nothing drifted).

#[path = "common/rng.rs"]
mod rng;

use headphone_monitor::dsp::{Chain, MonitorMode, Settings};
use rng::Rng;

/// One input block in the given regime.
fn fill(regime: usize, rng: &mut Rng, block: &mut [f32], n0: usize) {
    for (i, x) in block.iter_mut().enumerate() {
        let n = n0 + i;
        *x = match regime {
            0 => 0.8 * (rng.unit() - 0.5) + 0.5 * (n as f32 * 0.013).sin(),
            1 => 0.0,
            2 => 1e-39 * if n.is_multiple_of(2) { 1.0 } else { -1.0 },
            3 => 0.7,
            4 => {
                if n.is_multiple_of(2) {
                    1.0
                } else {
                    -1.0
                }
            }
            5 => 100.0 * (rng.unit() - 0.5),
            _ => [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30][n % 4],
        };
    }
}

#[test]
fn ten_minutes_of_abuse_then_transparent_again() {
    let rate = 48_000usize;
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let mut chain = Chain::new(rate as f32, Settings::default());
    let latency = chain.latency_samples();
    let total = 10 * 60 * rate;
    let (mut left, mut right) = (vec![0.0f32; 2048], vec![0.0f32; 2048]);
    let mut position = 0;
    let mut next_change = 0;
    let mut regime = 0;
    let modes = [
        MonitorMode::Stereo,
        MonitorMode::Mono,
        MonitorMode::Side,
        MonitorMode::Left,
        MonitorMode::Right,
    ];
    while position < total {
        if position >= next_change {
            chain.set_settings(Settings {
                gain_db: -70.0 + 82.0 * rng.unit(),
                mode: modes[rng.below(5)],
                swap: rng.below(2) == 1,
                limiter_on: true,
                ceiling_db: -24.0 * rng.unit(),
                release_ms: 10.0 + 990.0 * rng.unit(),
                bypass: false,
            });
            regime = rng.below(7);
            next_change = position + rate / 20 + rng.below(rate / 10);
        }
        let len = (1 + rng.below(2048)).min(total - position);
        fill(regime, &mut rng, &mut left[..len], position);
        fill(regime, &mut rng, &mut right[..len], position + 7);
        chain.process(&mut left[..len], &mut right[..len]);
        for (i, v) in left[..len].iter().chain(&right[..len]).enumerate() {
            assert!(
                v.is_finite() && v.abs() <= 1.0 && (*v == 0.0 || v.abs() >= f32::MIN_POSITIVE),
                "sample {} of the block at {position}: {v}",
                i % len
            );
        }
        position += len;
    }

    // Back to neutral: after the ramps, the hold and the release, a quiet signal
    // comes out bit-identical, delayed by the latency.
    chain.set_settings(Settings::default());
    let settle = 2 * rate;
    let quiet: Vec<f32> = (0..settle + 4_800)
        .map(|n| 0.25 * (n as f32 * 0.021).sin())
        .collect();
    let (mut l, mut r) = (quiet.clone(), quiet.clone());
    for (cl, cr) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
        chain.process(cl, cr);
    }
    for n in settle..quiet.len() {
        assert_eq!(l[n].to_bits(), quiet[n - latency].to_bits(), "left {n}");
        assert_eq!(r[n].to_bits(), quiet[n - latency].to_bits(), "right {n}");
    }
}
