//! The figures quoted in docs/limiter.md (THD under limiting, recovery time), measured
//! here and bounded so a regression fails. Run with `--nocapture` to see them:
//! `cargo test --release --test measurements -- --nocapture`.

use test_support::signals;

use headphone_monitor_core::dsp::{db_to_gain, Chain, Settings};

/// Amplitude of harmonic `k` of `freq` in `x` (single-bin DFT; `x` holds whole periods).
fn harmonic(x: &[f32], rate: f64, freq: f64, k: usize) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq * k as f64 / rate;
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &v) in x.iter().enumerate() {
        re += v as f64 * (w * n as f64).cos();
        im += v as f64 * (w * n as f64).sin();
    }
    2.0 * (re * re + im * im).sqrt() / x.len() as f64
}

/// THD (ratio) of a sine of `freq` driven `over_db` above the ceiling, measured on
/// one second of steady state.
fn thd_when_limiting(rate: f64, freq: f64, over_db: f32) -> f64 {
    let settings = Settings::default();
    let amp = db_to_gain(settings.ceiling_db + over_db) as f64;
    let len = rate as usize * 2;
    let mut l = signals::sine(rate, freq, amp, len, 0.1);
    let mut r = l.clone();
    let mut chain = Chain::new(rate as f32, settings);
    for (a, b) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
        chain.process(a, b);
    }
    let steady = &l[rate as usize..];
    let fundamental = harmonic(steady, rate, freq, 1);
    let mut sum = 0.0;
    let mut k = 2;
    while freq * k as f64 <= rate / 2.0 - 1.0 {
        sum += harmonic(steady, rate, freq, k).powi(2);
        k += 1;
    }
    sum.sqrt() / fundamental
}

#[test]
fn thd_of_sines_six_db_over_the_ceiling() {
    let rate = 48_000.0;
    for (freq, bound) in [
        (20.0, 0.001),
        (30.0, 0.001),
        (50.0, 0.001),
        (1_000.0, 0.001),
        (10_000.0, 0.001),
    ] {
        let thd = thd_when_limiting(rate, freq, 6.0);
        println!(
            "THD at {freq} Hz, +6 dB over the ceiling, 48 kHz: {:.6} % ({:.1} dB)",
            thd * 100.0,
            20.0 * thd.log10()
        );
        assert!(thd < bound, "{freq} Hz: THD {thd}");
    }
}

/// Time (ms) until the gain is back within 0.1 dB after a 1 kHz burst `over_db` above the
/// ceiling lasting `burst_ms`, with quiet programme afterwards (48 kHz, default settings).
fn recovery_ms(burst_ms: f32, over_db: f32) -> f32 {
    let rate = 48_000.0f32;
    let settings = Settings::default();
    let mut chain = Chain::new(rate, settings);
    let burst = signals::sine(
        rate as f64,
        1_000.0,
        db_to_gain(settings.ceiling_db + over_db) as f64,
        (burst_ms * 1e-3 * rate) as usize,
        0.0,
    );
    let (mut l, mut r) = (burst.clone(), burst);
    chain.process(&mut l, &mut r);
    let lat = chain.latency_samples();
    // Quiet programme afterwards; watch the gain sample by sample.
    let quiet = signals::sine(rate as f64, 1_000.0, 0.05, rate as usize * 2, 0.0);
    let threshold = db_to_gain(-0.1);
    let mut reduced = false;
    for (i, &q) in quiet.iter().enumerate() {
        let (mut a, mut b) = ([q], [q]);
        chain.process(&mut a, &mut b);
        let gain = chain.limiter().current_gain();
        reduced |= gain < threshold;
        if i > lat && reduced && gain >= threshold {
            return (i - lat) as f32 / rate * 1000.0;
        }
    }
    panic!("never recovered");
}

#[test]
fn recovery_to_within_0_1_db_after_an_overload() {
    let ms = recovery_ms(500.0, 6.0);
    println!(
        "Recovery to within 0.1 dB after a 0.5 s, +6 dB overload (release {} ms): {ms:.1} ms",
        Settings::default().release_ms
    );
    // The reference's support as hold (2.8 ms), then the release, 60 ms per neper of a
    // 7-dB reduction: about 2.8 + 60·ln(70) ≈ 258 ms.
    assert!(ms > 100.0 && ms < 400.0, "{ms} ms");
}

/// The hold lasts only as long as the strict reference needs, and the release is faster
/// after a short reduction: a 5 ms click comes back several times sooner than a
/// sustained overload of the same depth, and later than the support's hold.
#[test]
fn a_short_overload_recovers_sooner_than_a_sustained_one() {
    let (short, sustained) = (recovery_ms(5.0, 6.0), recovery_ms(500.0, 6.0));
    println!(
        "Recovery after a +6 dB overload of 5 ms: {short:.1} ms; of 500 ms: {sustained:.1} ms"
    );
    assert!(
        short > 2.7,
        "{short} ms: shorter than the reference's support"
    );
    assert!(short < sustained / 3.0, "{short} ms against {sustained} ms");
}

/// A +30 dB click, 5 ms long, is forgotten sooner than a sustained +6 dB overload, though
/// its release rises at a fixed rate in dB until the reduction is 12 dB deep (not at a
/// rate proportional to the depth: a deep gain that moves fast lifts the peaks judged
/// before it).
#[test]
fn a_deep_click_recovers_sooner_than_a_sustained_overload() {
    let (click, sustained) = (recovery_ms(5.0, 30.0), recovery_ms(500.0, 6.0));
    println!(
        "Recovery after a +30 dB overload of 5 ms: {click:.1} ms; a +6 dB one of 500 ms: {sustained:.1} ms"
    );
    assert!(click < sustained, "{click} ms against {sustained} ms");
}
