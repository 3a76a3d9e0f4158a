//! The limiter's promise, measured strictly (see `docs/measuring.md`): on every
//! signal of the corpus, the output's 16×-oversampled true peak stays at or below
//! the ceiling, and its sample peak never exceeds it.

use test_support::signals;
use test_support::strict;

use headphone_monitor_core::dsp::{db_to_gain, Chain, Settings};

fn run_chain(
    rate: f32,
    settings: Settings,
    left: &[f32],
    right: &[f32],
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut chain = Chain::new(rate, settings);
    let lat = chain.latency_samples();
    let mut l = left.to_vec();
    let mut r = right.to_vec();
    // Flush the lookahead with silence so the whole signal comes out.
    l.extend(std::iter::repeat_n(0.0, lat));
    r.extend(std::iter::repeat_n(0.0, lat));
    for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        chain.process(cl, cr);
    }
    (l, r)
}

fn check_corpus(rate: f32, ceiling_db: f32) {
    let reference = strict::StrictTruePeak::default();
    let ceiling = db_to_gain(ceiling_db);
    let settings = Settings {
        ceiling_db,
        ..Settings::default()
    };
    let mut worst = f64::NEG_INFINITY;
    let mut failures = Vec::new();
    for sig in signals::corpus(rate as f64) {
        let (l, r) = run_chain(rate, settings, &sig.left, &sig.right, 512);
        let sample_peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(
            sample_peak <= ceiling,
            "{}: sample peak {sample_peak} > {ceiling}",
            sig.name
        );
        let tp = reference.measure(&l).max(reference.measure(&r));
        let over_db = strict::db(tp) - ceiling_db as f64;
        worst = worst.max(over_db);
        println!(
            "{rate} Hz {:<32} strict TP {:+.3} dB re ceiling",
            sig.name, over_db
        );
        if tp > ceiling as f64 {
            failures.push(format!("{}: {over_db:+.4} dB", sig.name));
        }
    }
    println!("{rate} Hz worst: {worst:+.4} dB re ceiling");
    assert!(
        failures.is_empty(),
        "{rate} Hz over the ceiling: {failures:?}"
    );
}

#[test]
fn strict_true_peak_never_exceeds_ceiling_48k() {
    check_corpus(48_000.0, -1.0);
}

#[test]
fn strict_true_peak_never_exceeds_ceiling_44k1() {
    check_corpus(44_100.0, -1.0);
}

#[test]
fn strict_true_peak_never_exceeds_ceiling_96k() {
    check_corpus(96_000.0, 0.0);
}
