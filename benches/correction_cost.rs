//! What a headphone correction adds to the busy chain (48 kHz, 512-sample blocks, the
//! limiter reducing gain in every block, meters off), measured A/B in one run: the chain
//! without correction, with ten 0 dB peaking filters per ear (their full cost, the
//! limiter seeing the same signal), with the AutoEq-shaped parametric fixture and with the
//! 127-point GraphicEQ fixture (both level matched). The four alternate, 200 rounds each,
//! and the fastest round of each counts: the minimum is what the code costs, the rest is
//! the shared machine.
//!
//! `cargo bench --bench correction_cost`

use headphone_monitor::dsp::{Chain, CorrectionSettings, Settings};
use std::time::Instant;

#[path = "common/mod.rs"]
mod common;

fn main() {
    bank_alone();
    let (l, r) = common::programme(48_000);
    let busy = |x: &[f32]| x.iter().map(|v| v * 1.5).collect::<Vec<f32>>();
    let (l, r) = (busy(&l), busy(&r));
    let (auto, flat) = (common::autoeq_shaped(), common::ten_flat_filters());
    let graphic = common::graphic_eq();
    let mk = |on: bool, curve| {
        let mut c = Chain::new(
            48_000.0,
            Settings {
                correction: CorrectionSettings {
                    on,
                    level_match: true,
                    curve,
                    prepared: None,
                },
                ..Settings::default()
            },
        );
        c.set_true_peak_metering(false);
        c
    };
    let mut chains = [
        mk(false, flat),
        mk(true, flat),
        mk(true, auto),
        mk(true, graphic),
    ];
    let mut best = [f64::INFINITY; 4];
    let (mut bl, mut br) = (l.clone(), r.clone());
    for _ in 0..200 {
        for (i, c) in chains.iter_mut().enumerate() {
            bl.copy_from_slice(&l);
            br.copy_from_slice(&r);
            let t = Instant::now();
            for (cl, cr) in bl.chunks_mut(512).zip(br.chunks_mut(512)) {
                c.process(cl, cr);
            }
            best[i] = best[i].min(t.elapsed().as_secs_f64());
        }
    }
    let added = |i: usize| (best[i] / best[0] - 1.0) * 100.0;
    println!(
        "busy chain, min ms per second of audio: none {:.3}  flat10 {:.3} (+{:.1}%)  \
         autoeq {:.3} (+{:.1}%)  graphic127 {:.3} (+{:.1}%)",
        best[0] * 1e3,
        best[1] * 1e3,
        added(1),
        best[2] * 1e3,
        added(2),
        best[3] * 1e3,
        added(3)
    );
}

/// The ten-filter bank alone, ns per stereo sample, in 256-sample chunks.
#[allow(dead_code)]
fn bank_alone() {
    use headphone_monitor::dsp::correction::bank::StereoBank;
    use headphone_monitor::dsp::correction::design_curve;
    let (l, r) = common::programme(48_000);
    let designs = design_curve(&common::ten_flat_filters(), 48_000.0);
    let mut bank = StereoBank::new(&designs.before, 1.0);
    let (mut bl, mut br) = (l.clone(), r.clone());
    let mut best = f64::INFINITY;
    for _ in 0..200 {
        let t = Instant::now();
        for (cl, cr) in bl.chunks_mut(256).zip(br.chunks_mut(256)) {
            bank.process(cl, cr);
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "ten-filter bank alone: {:.2} ns per stereo sample",
        best / 48_000.0 * 1e9
    );
}
