//! Speed of the whole chain, as a real-time factor: seconds of stereo audio
//! processed per second of one core. Criterion reports throughput in frames per
//! second; divide by the sample rate for the real-time factor (docs/performance.md does).
//!
//! `cargo bench --bench chain` (all cases) or e.g. `cargo bench --bench chain -- 48000/512`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use headphone_monitor::dsp::{Chain, Settings};
use std::time::Duration;

#[path = "common/mod.rs"]
mod common;

fn chain_speed(c: &mut Criterion) {
    let mut group = c.benchmark_group("chain");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    // Three cases per rate and block size: the limiter working all the time (the
    // programme 3.5 dB up: peaks over the ceiling, gain reduction in every block
    // with either design), the limiter armed but idle (the programme 8 dB lower,
    // the usual state on a monitoring bus), and the limiter switched off. (An older
    // version is compared by running this bench in a worktree of its commit: see
    // docs/performance.md.)
    let cases = [
        ("limiter_busy", true, 1.5f32),
        ("limiter_idle", true, 0.4),
        ("limiter_off", false, 1.0),
    ];
    for rate in [44_100usize, 48_000, 96_000] {
        let (l, r) = common::programme(rate);
        for block in [32usize, 128, 512, 4096] {
            for (name, limiter_on, level) in cases {
                let settings = Settings {
                    limiter_on,
                    ..Settings::default()
                };
                let mut chain = Chain::new(rate as f32, settings);
                chain.set_true_peak_metering(false);
                let l: Vec<f32> = l.iter().map(|x| x * level).collect();
                let r: Vec<f32> = r.iter().map(|x| x * level).collect();
                let (mut bl, mut br) = (l.clone(), r.clone());
                group.throughput(Throughput::Elements(rate as u64));
                let id = BenchmarkId::new(format!("{rate}/{block}/{name}"), "1s");
                group.bench_with_input(id, &block, |b, &block| {
                    b.iter(|| {
                        bl.copy_from_slice(&l);
                        br.copy_from_slice(&r);
                        for (cl, cr) in bl.chunks_mut(block).zip(br.chunks_mut(block)) {
                            chain.process(cl, cr);
                        }
                    })
                });
            }
        }
    }
    // Reference point: a plain copy of the same audio.
    let (l, r) = common::programme(48_000);
    let busy = |x: &[f32]| x.iter().map(|v| v * 1.5).collect::<Vec<f32>>();
    let (l, r) = (busy(&l), busy(&r));
    let (mut bl, mut br) = (l.clone(), r.clone());
    group.throughput(Throughput::Elements(48_000));
    group.bench_function("48000/copy_only", |b| {
        b.iter(|| {
            bl.copy_from_slice(&l);
            br.copy_from_slice(&r);
        })
    });
    // With the true-peak meters on (what an open editor costs).
    let mut chain = Chain::new(48_000.0, Settings::default());
    group.bench_function("48000/512/limiter_busy_with_tp_meters", |b| {
        b.iter(|| {
            bl.copy_from_slice(&l);
            br.copy_from_slice(&r);
            for (cl, cr) in bl.chunks_mut(512).zip(br.chunks_mut(512)) {
                chain.process(cl, cr);
            }
        })
    });
    // With crossfeed on (the Default preset), limiter busy, meters off.
    let mut chain = Chain::new(
        48_000.0,
        Settings {
            crossfeed: headphone_monitor::dsp::CrossfeedSettings {
                on: true,
                ..Default::default()
            },
            ..Settings::default()
        },
    );
    chain.set_true_peak_metering(false);
    group.bench_function("48000/512/limiter_busy_with_crossfeed", |b| {
        b.iter(|| {
            bl.copy_from_slice(&l);
            br.copy_from_slice(&r);
            for (cl, cr) in bl.chunks_mut(512).zip(br.chunks_mut(512)) {
                chain.process(cl, cr);
            }
        })
    });
    // With a headphone correction of 10 filters per ear (AutoEq-shaped, level matched),
    // limiter busy, meters off: what the correction adds to the busy chain.
    // Ten peaking filters per ear at 0 dB: the full cost of ten filters per ear, with the
    // limiter seeing the very same signal as without (the AutoEq-shaped case also makes
    // the limiter work harder or lighter: it changes the programme's peaks).
    let (curve, flat_ten) = (common::autoeq_shaped(), common::ten_flat_filters());
    for (name, on, curve) in [
        ("limiter_busy_no_correction", false, curve),
        ("limiter_busy_with_correction_10_flat", true, flat_ten),
        ("limiter_busy_with_correction_autoeq", true, curve),
    ] {
        let mut chain = Chain::new(
            48_000.0,
            Settings {
                correction: headphone_monitor::dsp::CorrectionSettings {
                    on,
                    level_match: true,
                    curve,
                    prepared: None,
                },
                ..Settings::default()
            },
        );
        chain.set_true_peak_metering(false);
        group.bench_function(format!("48000/512/{name}"), |b| {
            b.iter(|| {
                bl.copy_from_slice(&l);
                br.copy_from_slice(&r);
                for (cl, cr) in bl.chunks_mut(512).zip(br.chunks_mut(512)) {
                    chain.process(cl, cr);
                }
            })
        });
    }
    // The correction's filters alone (both ears' cascades, 10 filters each).
    let designs = headphone_monitor::dsp::correction::design_curve(&curve, 48_000.0);
    let mut bank = headphone_monitor::dsp::correction::bank::StereoBank::new(&designs.before, 1.0);
    group.bench_function("48000/512/correction_filters_only", |b| {
        b.iter(|| {
            bl.copy_from_slice(&l);
            br.copy_from_slice(&r);
            for (cl, cr) in bl.chunks_mut(512).zip(br.chunks_mut(512)) {
                bank.process(cl, cr);
            }
        })
    });
    // The A-weighted listening meter the plugin runs on its output while calibrated.
    let mut meter = headphone_monitor::dsp::listening::ListeningMeter::new(48_000.0);
    group.bench_function("48000/512/listening_meter", |b| {
        b.iter(|| {
            let mut total = 0.0;
            for (cl, cr) in l.chunks(512).zip(r.chunks(512)) {
                let sums = meter.process(cl, cr);
                total += sums[0] + sums[1];
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, chain_speed);
criterion_main!(benches);
