//! The low-latency true-peak limiter ([`LowLimiter`], the plug-in's Latency: Low): its
//! delay, what it leaves untouched, and how close it keeps the strict true peak to the
//! ceiling, judged on the reference of `docs/measuring.md`.
//!
//! `cargo test --release --test dsp low_latency -- --nocapture --test-threads 1` prints
//! the figures `docs/limiter.md` quotes.

use super::limiter_precision::{
    adversarial, overloads, programme_at, pulled_peak, worst_with_a_click, Class, LOW_RATES, RATES,
};
use headphone_monitor_core::dsp::limiter::low::{geometry, LowLimiter, LATENCY_MS};
use headphone_monitor_core::dsp::{db_to_gain, LimiterSettings, Settings};
use proptest::prelude::*;
use test_support::property;
use test_support::signals::TestSignal;
use test_support::strict;

/// The plug-in's default ceiling and release.
fn settings() -> LimiterSettings {
    let s = Settings::default();
    LimiterSettings {
        ceiling: db_to_gain(s.ceiling_db),
        release_ms: s.release_ms,
    }
}

/// The output of `sig` through a fresh limiter in blocks of `block` (flushed with
/// silence for the delay), with the number of samples that differ from the delayed
/// input and the smallest gain.
fn run(rate: f32, sig: &TestSignal, block: usize) -> (Vec<f32>, Vec<f32>, usize, f32) {
    let mut limiter = LowLimiter::new(rate, settings());
    let lat = limiter.latency_samples();
    let (mut left, mut right) = (sig.left.clone(), sig.right.clone());
    left.extend(std::iter::repeat_n(0.0, lat));
    right.extend(std::iter::repeat_n(0.0, lat));
    let mut min_gain = 1.0f32;
    for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        limiter.process(l, r, &mut [], &mut []);
        min_gain = min_gain.min(limiter.take_min_gain());
    }
    let changed = (0..sig.left.len())
        .filter(|&i| {
            left[i + lat].to_bits() != sig.left[i].to_bits()
                || right[i + lat].to_bits() != sig.right[i].to_bits()
        })
        .count();
    (left, right, changed, min_gain)
}

/// The delay: at most 1.5 ms at 44.1 kHz and above, at least 64 samples seen after a
/// position below, and an impulse comes out unchanged exactly at the reported latency.
#[test]
fn low_latency_is_at_most_one_and_a_half_ms_and_its_delay_is_exact() {
    for rate in [8_000.0f32, 44_100.0, 48_000.0, 96_000.0, 384_000.0] {
        let (latency, future, ramp) = geometry(rate);
        assert_eq!(latency, future + ramp - 1);
        let ms = latency as f64 / rate as f64 * 1e3;
        if rate >= 44_100.0 {
            assert!(ms <= LATENCY_MS, "{rate} Hz: {ms} ms");
        } else {
            assert!(future >= 64, "{rate} Hz: {future} samples seen");
        }
        let mut limiter = LowLimiter::new(rate, settings());
        assert_eq!(limiter.latency_samples(), latency);
        let len = latency + 2000;
        let (mut l, mut r) = (vec![0.0f32; len], vec![0.0f32; len]);
        l[1000] = 0.5;
        r[1000] = -0.25;
        for (l, r) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
            limiter.process(l, r, &mut [], &mut []);
        }
        let nonzero: Vec<usize> = (0..len).filter(|&i| l[i] != 0.0 || r[i] != 0.0).collect();
        assert_eq!(nonzero, vec![1000 + latency], "{rate} Hz");
        assert_eq!((l[1000 + latency], r[1000 + latency]), (0.5, -0.25));
    }
}

/// Untouched below: every programme signal under the ceiling by the reserve for the
/// unseen samples plus 0.05 dB (0.23 dB at 44.1 kHz, 0.22 dB at 48 kHz, 0.05 dB at
/// 96 kHz, where nothing is unseen) comes out bit for bit and the gain never moves, at
/// every rate and two block sizes.
#[test]
fn low_latency_leaves_programme_under_the_reserve_untouched() {
    for rate in RATES.into_iter().chain(LOW_RATES) {
        let reserve = LowLimiter::new(rate, settings()).unseen_reserve() as f64;
        let margin_db = -20.0 * (1.0 - reserve).log10() + 0.05;
        println!("{rate} Hz: untouched from {margin_db:.3} dB under the ceiling");
        for sig in programme_at(rate, 0.3, -margin_db) {
            for block in [512, 37] {
                let (_, _, changed, min_gain) = run(rate, &sig, block);
                assert_eq!((changed, min_gain), (0, 1.0), "{rate} Hz {}", sig.name);
            }
        }
    }
}

/// Worst strict true peak over the overload cases of `rate`, and the furthest under the
/// ceiling per class, in dB re the ceiling.
fn overload_figures(rate: f32) -> (f64, [f64; 3], f32) {
    let reference = strict::StrictTruePeak::default();
    let ceiling_db = Settings::default().ceiling_db;
    let ceiling = db_to_gain(ceiling_db);
    let (mut worst, mut furthest, mut sample_peak) = (f64::NEG_INFINITY, [0.0f64; 3], 0.0f32);
    for (sig, class) in overloads(rate) {
        let (l, r, _, _) = run(rate, &sig, 512);
        let over = strict::db(reference.measure(&l).max(reference.measure(&r))) - ceiling_db as f64;
        if over > 0.0 {
            println!("{rate} Hz {:<28} {over:+.4} dB over", sig.name);
        }
        worst = worst.max(over);
        furthest[class as usize] = furthest[class as usize].min(over);
        sample_peak = l
            .iter()
            .chain(&r)
            .fold(sample_peak, |m, &v| m.max(v.abs() / ceiling));
    }
    (worst, furthest, sample_peak)
}

/// Overloads: every sample at or under the ceiling, and ordinary programme lands within
/// 0.1 dB of the ceiling less the reserve for the unseen samples (the figures per rate
/// are printed).
#[test]
fn low_latency_keeps_every_sample_under_the_ceiling_and_lands_close_to_it() {
    for rate in RATES.into_iter().chain(LOW_RATES) {
        let reserve = LowLimiter::new(rate, settings()).unseen_reserve() as f64;
        let reserve_db = -20.0 * (1.0 - reserve).log10();
        let (worst, furthest, sample_peak) = overload_figures(rate);
        println!(
            "{rate} Hz: reserve {reserve_db:.3} dB; strict true peak worst {worst:+.3} dB; furthest under: ordinary {:+.3}, near Nyquist {:+.3}, alternating worst cases {:+.3} dB",
            furthest[Class::Ordinary as usize],
            furthest[Class::NearNyquist as usize],
            furthest[Class::Pathological as usize]
        );
        assert!(sample_peak <= 1.0, "{rate} Hz: sample peak {sample_peak}");
        assert!(
            furthest[Class::Ordinary as usize] >= -(reserve_db + 0.1),
            "{rate} Hz: {furthest:?}"
        );
    }
}

/// The promise: on every overload case, at every rate, the strict true peak stays at or
/// under the ceiling.
#[test]
fn low_latency_keeps_the_strict_true_peak_at_the_ceiling() {
    for rate in RATES.into_iter().chain(LOW_RATES) {
        let (worst, _, _) = overload_figures(rate);
        assert!(worst <= 0.0, "{rate} Hz: {worst:+.4} dB over");
    }
}

/// The strict true peak of adversarial input (alternating sequences, quiet bursts then a
/// +30 dB click, +12 dBFS noise) through a fresh limiter at `ceiling_db`, in blocks of the
/// sizes `blocks` (cycled), in dB re the ceiling.
fn adversarial_over(
    rate: f32,
    ceiling_db: f32,
    parts: &[(u8, f32, usize)],
    blocks: &[usize],
) -> f64 {
    let (mut l, mut r) = adversarial(parts, (rate * 0.12) as usize);
    let mut limiter = LowLimiter::new(
        rate,
        LimiterSettings {
            ceiling: db_to_gain(ceiling_db),
            ..settings()
        },
    );
    let lat = limiter.latency_samples();
    l.extend(std::iter::repeat_n(0.0, lat));
    r.extend(std::iter::repeat_n(0.0, lat));
    let mut pos = 0;
    for &block in blocks.iter().cycle() {
        if pos >= l.len() {
            break;
        }
        let end = (pos + block).min(l.len());
        limiter.process(&mut l[pos..end], &mut r[pos..end], &mut [], &mut []);
        pos = end;
    }
    let reference = strict::StrictTruePeak::default();
    strict::db(reference.measure(&l).max(reference.measure(&r))) - ceiling_db as f64
}

proptest! {
    #![proptest_config(property::config(24))]

    /// The hunt: adversarial input at random rates, ceilings and block sizes (1–4096)
    /// never takes the strict true peak over the ceiling.
    #[test]
    fn low_latency_strict_true_peak_stays_under_the_ceiling_on_adversarial_input(
        rate in prop_oneof![Just(8_000.0f32), Just(32_000.0), Just(44_100.0), Just(48_000.0), Just(96_000.0), Just(384_000.0)],
        ceiling_db in -24.0f32..0.0,
        parts in prop::collection::vec((any::<u8>(), 0.05f32..4.0, 64usize..3000), 1..6),
        blocks in prop::collection::vec(prop_oneof![1usize..64, 64usize..4097], 1..8),
    ) {
        let over = adversarial_over(rate, ceiling_db, &parts, &blocks);
        prop_assert!(over <= 0.0, "{} Hz {} dBTP: {:+.5} dB over", rate, ceiling_db, over);
    }
}

/// An open counterexample, constructed, kept as a test that fails until it is fixed (run
/// it with `--ignored`): a later reduction lifts a position judged under the ceiling,
/// **+0.41 dB over** a 0 dBTP ceiling at 48 kHz (+0.40 at 44.1 kHz, +0.19 at 96 kHz; +0.29
/// there with the burst on 9 … 49).
///
/// The same construction as Exact's (`open_counterexample_a_reduction_lifts_an_untouched_peak`
/// in `limiter_precision.rs`): two equal samples make an intersample peak, an alternating
/// burst 12 … 69 samples later pulls it down, the whole 0.01 dB under the ceiling; then a
/// +30 dB click on the burst. The positions before the click that its side lobes take over
/// the ceiling lower the plan from `W` samples before them on, burst included, after the
/// samples around the peak have been sent: the burst's pull goes, the peak comes out over.
/// The headroom a reduction keeps (1/6 of the far-field bound) is for in-phase far content;
/// this pull is near (12 samples on) and opposite. See docs/limiter.md, "Latency settings".
#[test]
#[ignore = "open counterexample: +0.41 dB over (docs/limiter.md, latency settings)"]
fn open_counterexample_low_a_reduction_lifts_a_peak_judged_under_the_ceiling() {
    let peak_at = 1_000usize;
    let input = pulled_peak(peak_at, 12..70, 0.3);
    let unity = LimiterSettings {
        ceiling: 1.0,
        ..settings()
    };
    let clicks = peak_at + 28..peak_at + 48;
    let worst = worst_with_a_click(&input, clicks, 0, |left, right| {
        LowLimiter::new(48_000.0, unity).process(left, right, &mut [], &mut []);
    });
    assert!(
        worst <= 0.0,
        "strict true peak {worst:+.4} dB re the 0 dBTP ceiling"
    );
}

/// Two cases longer hunts found (`HM_PROPTEST_HUNT=200` and `=3000` on the property above),
/// fixed and kept: dense overloads driven 34–35 dB into a low ceiling. White noise at
/// +12 dBFS into −21.8 dBTP at 32 kHz (every block size came out +0.061 dB over), and
/// the same noise followed by a loud alternating sequence into −23.4 dBTP at 96 kHz
/// (+0.013 dB over). An exponential release in dB moved those gains three times as fast
/// as a 12 dB reduction's between the noise's peaks, and the later reductions that lowered
/// them again lifted positions judged on the way up; beyond 12 dB the release now rises at
/// a fixed rate in dB (`RELEASE_LINEAR_LN` in the limiter's module).
#[test]
fn deep_reductions_of_dense_overloads_stay_under_the_ceiling() {
    // (rate in Hz, ceiling in dBTP, the parts of `adversarial`)
    type Case<'a> = (f32, f32, &'a [(u8, f32, usize)]);
    let cases: [Case; 2] = [
        (32_000.0, -21.821_022, &[(53, 0.05, 64)]),
        (
            96_000.0,
            -23.352_238,
            &[(29, 0.05, 2189), (81, 2.424_656_2, 921)],
        ),
    ];
    for (rate, ceiling_db, parts) in cases {
        for blocks in [&[1usize][..], &[64], &[512]] {
            let over = adversarial_over(rate, ceiling_db, parts, blocks);
            println!(
                "{rate} Hz, {ceiling_db} dBTP, blocks {blocks:?}: {over:+.4} dB re the ceiling"
            );
            assert!(over <= 0.0, "{rate} Hz: {over:+.4} dB over the ceiling");
        }
    }
}

/// The largest lift, as a ratio, that a later lowering of the plan can give the strict true
/// peak of `x` at its loudest interval (between samples 400 and 700) when it multiplies the
/// samples from some point after the peak's judgment on by `ratio(k − start)` (1 before
/// `start`, falling after), over every `start` from the peak's first unsent sample to the
/// last one seen.
fn lift_by_lowering(x: &[f32], ramp: usize, future: usize, ratio: impl Fn(usize) -> f32) -> f64 {
    let strict = strict::StrictTruePeak::default();
    let (p, peak) = (400..700)
        .map(|p| (p, strict.measure_range(x, p..p + 1)))
        .fold((0, 0.0), |best, c| if c.1 > best.1 { c } else { best });
    (p + 2 - ramp..=p + future)
        .map(|start| {
            let lowered: Vec<f32> = x
                .iter()
                .enumerate()
                .map(|(k, &v)| if k < start { v } else { v * ratio(k - start) })
                .collect();
            strict.measure_range(&lowered, p..p + 1) / peak
        })
        .fold(0.0, f64::max)
}

/// Why a bound on Low's strict true peak must use the shape of its lowering, not only that
/// the lowering only falls: silencing everything after a smooth peak from one sample on (a
/// ratio that only falls) lifts the peak by the kernel's overshoot, over 1 dB, while one of
/// Low's ramps (from 1 to 0 over `W` samples) lifts it by hundredths of a dB. Near Nyquist
/// and on white noise even one ramp lifts a peak by tenths of a dB (`docs/limiter.md`
/// quotes the printed table).
#[test]
fn a_later_lowering_lifts_a_judged_peak_by_what_its_shape_allows() {
    let rate = 48_000.0f32;
    let (_, future, ramp) = geometry(rate);
    let sine = |hz: f32| -> Vec<f32> {
        (0..1200)
            .map(|k| (std::f32::consts::TAU * hz * k as f32 / rate + 0.3).sin())
            .collect()
    };
    let mut rng = test_support::rng::Rng::new(7);
    let noise: Vec<f32> = (0..1200).map(|_| rng.symmetric()).collect();
    let cases = [
        ("sine 1 kHz", sine(1_000.0)),
        ("sine 10 kHz", sine(10_000.0)),
        ("sine 21.6 kHz (0.45 fs)", sine(21_600.0)),
        ("white noise", noise),
    ];
    let w = ramp as f32;
    let mut lifts = Vec::new();
    for (name, x) in &cases {
        let step = lift_by_lowering(x, ramp, future, |_| 0.0);
        let one_ramp = lift_by_lowering(x, ramp, future, |n| (1.0 - (n + 1) as f32 / w).max(0.0));
        println!(
            "{name:>24}: silence from one sample on {:+.3} dB, one {ramp}-sample ramp to silence {:+.3} dB",
            strict::db(step),
            strict::db(one_ramp)
        );
        lifts.push((step, one_ramp));
    }
    let (step, one_ramp) = lifts[0];
    assert!(
        strict::db(step) > 1.0,
        "a step lifts a 1 kHz peak by over 1 dB"
    );
    assert!(
        strict::db(one_ramp) < 0.1,
        "one ramp lifts a 1 kHz peak by under 0.1 dB"
    );
}
