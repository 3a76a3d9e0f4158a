//! The limiter's precision, judged on the strict reference of `docs/measuring.md`:
//! programme that stays under the ceiling comes out bit-identical with the limiter
//! never reducing; overloads come out close to the ceiling and never above it, also
//! while the settings move and the host's blocks change size.
//!
//! `cargo test --release --test limiter_precision -- --nocapture` prints the figures
//! the docs quote (untouched margin and distance from the ceiling, per rate).

use test_support::property;
use test_support::signals;
use test_support::strict;

use headphone_monitor_core::dsp::{
    db_to_gain, Chain, CrossfeedSettings, LatencyMode, MonitorMode, Named, Settings,
};
use proptest::prelude::*;
use signals::TestSignal;

/// The rates the targets are judged at.
pub(crate) const RATES: [f32; 3] = [44_100.0, 48_000.0, 96_000.0];
/// Low rates: the guarantee holds and the figures are reported.
pub(crate) const LOW_RATES: [f32; 4] = [8_000.0, 16_000.0, 22_050.0, 32_000.0];
/// Input this far under the ceiling (strict true peak) must come out untouched.
const UNTOUCHED_MARGIN_DB: f64 = 0.1;
/// Overloads must come out at least this close to the ceiling.
const REACH_DB: f64 = 0.2;
/// How far over the ceiling the overload cases are driven.
const OVERLOAD_DB: f64 = 6.0;

/// What one run through the chain gave.
struct Run {
    /// Output samples that differ from the input delayed by the latency.
    changed: usize,
    /// Smallest gain the limiter applied (1 = never reduced: LIMITING stays dark).
    min_gain: f32,
    /// The output (latency included, flushed with silence).
    left: Vec<f32>,
    right: Vec<f32>,
}

fn run(rate: f32, settings: Settings, sig: &TestSignal, block: usize) -> Run {
    let mut chain = Chain::new(rate, settings);
    chain.set_true_peak_metering(false);
    let lat = chain.latency_samples();
    let mut left = sig.left.clone();
    let mut right = sig.right.clone();
    left.extend(std::iter::repeat_n(0.0, lat));
    right.extend(std::iter::repeat_n(0.0, lat));
    let mut min_gain = 1.0f32;
    for (cl, cr) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        chain.process(cl, cr);
        min_gain = min_gain.min(chain.take_meters().min_gain);
    }
    let changed = (0..sig.left.len())
        .filter(|&i| {
            left[i + lat].to_bits() != sig.left[i].to_bits()
                || right[i + lat].to_bits() != sig.right[i].to_bits()
        })
        .count();
    Run {
        changed,
        min_gain,
        left,
        right,
    }
}

/// Strict true peak of a stereo output, in dB re `ceiling_db`.
fn over_db(reference: &strict::StrictTruePeak, run: &Run, ceiling_db: f32) -> f64 {
    strict::db(
        reference
            .measure(&run.left)
            .max(reference.measure(&run.right)),
    ) - ceiling_db as f64
}

/// Programme signals (music-like, hard-panned, anti-phase, pink, white, sweep) of
/// `seconds`, scaled to `re_ceiling_db` from the default ceiling on the strict reference.
pub(crate) fn programme_at(rate: f32, seconds: f32, re_ceiling_db: f64) -> Vec<TestSignal> {
    let reference = strict::StrictTruePeak::default();
    let ceiling_db = Settings::default().ceiling_db as f64;
    signals::programme(rate as f64, (rate * seconds) as usize)
        .iter()
        .map(|s| {
            signals::scaled_to_true_peak(s, ceiling_db + re_ceiling_db, |x| reference.measure(x))
        })
        .collect()
}

/// Untouched below: every programme signal 0.1 dB under the ceiling comes out bit for
/// bit, and the limiter never reduces (LIMITING stays dark), at every rate.
#[test]
fn programme_under_the_ceiling_is_untouched() {
    for rate in RATES.into_iter().chain(LOW_RATES) {
        for sig in programme_at(rate, 0.4, -UNTOUCHED_MARGIN_DB) {
            for block in [512, 37] {
                let out = run(rate, Settings::default(), &sig, block);
                println!(
                    "{rate} Hz {:<22} at -{UNTOUCHED_MARGIN_DB} dB, block {block}: {} samples changed, min gain {}",
                    sig.name, out.changed, out.min_gain
                );
                assert_eq!(out.changed, 0, "{rate} Hz {}: samples changed", sig.name);
                assert_eq!(out.min_gain, 1.0, "{rate} Hz {}: LIMITING lit", sig.name);
            }
        }
    }
}

/// The margin reached: the same check 0.01 dB under the ceiling (the design has no
/// reserve for the unseen future, so only f32 rounding separates it from zero).
#[test]
fn programme_a_hundredth_of_a_db_under_the_ceiling_is_untouched() {
    for rate in RATES {
        for sig in programme_at(rate, 0.25, -0.01) {
            let out = run(rate, Settings::default(), &sig, 512);
            assert_eq!(
                (out.changed, out.min_gain),
                (0, 1.0),
                "{rate} Hz {}",
                sig.name
            );
        }
    }
}

/// How close to the ceiling an overload case must come.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Class {
    /// Programme, noise, sweeps, clicks, bursts, DC, sines, the 1 kHz and 100 Hz
    /// squares: within [`REACH_DB`] (the goal).
    Ordinary,
    /// Content at or near Nyquist — a square wave at fs/6, whose third harmonic sits
    /// on Nyquist, and sines above 0.9 × Nyquist: within 0.5 dB (the floor), because
    /// the limiter keeps headroom for gain moving under such content.
    NearNyquist,
    /// Constructed alternating-sign worst cases and random full-scale signs: within
    /// 1 dB (reported).
    Pathological,
}

/// The overload cases: programme driven 6 dB over the ceiling, plus the limiter
/// corpus's squares, bursts, clicks, DC, sines, sweeps and noise.
pub(crate) fn overloads(rate: f32) -> Vec<(TestSignal, Class)> {
    let mut out: Vec<(TestSignal, Class)> = programme_at(rate, 0.25, OVERLOAD_DB)
        .into_iter()
        .map(|s| (s, Class::Ordinary))
        .collect();
    let nyquist_square = format!("square {:.0} Hz", rate as f64 / 6.0);
    let near_nyquist = |name: &str| {
        name.strip_prefix("sine ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|f| f.parse::<f64>().ok())
            .is_some_and(|f| f > 0.45 * rate as f64)
    };
    // Hot masters driven to +3 dBFS sample peak (what the adaptive hold and release are for).
    for index in [0, 3, 7] {
        let mut hot = test_support::hot_programme::track(index, rate as f64, 1.5);
        let drive = 10f32.powf(3.1 / 20.0);
        for v in hot.left.iter_mut().chain(hot.right.iter_mut()) {
            *v *= drive;
        }
        hot.name = format!("hot {}", hot.name);
        out.push((hot, Class::Ordinary));
    }
    for sig in signals::corpus(rate as f64) {
        let class = if sig.name.starts_with("ISP") || sig.name.starts_with("random signs") {
            Class::Pathological
        } else if sig.name.starts_with(&nyquist_square) || near_nyquist(&sig.name) {
            Class::NearNyquist
        } else {
            Class::Ordinary
        };
        out.push((sig, class));
    }
    out
}

/// Reach the ceiling: on overloads the output's strict true peak is within 0.2 dB of the
/// ceiling (see [`Class`] for the exceptions) and never above it.
#[test]
fn overloads_come_out_within_a_fifth_of_a_db_of_the_ceiling_and_never_above() {
    let reference = strict::StrictTruePeak::default();
    let ceiling_db = Settings::default().ceiling_db;
    for rate in RATES.into_iter().chain(LOW_RATES) {
        let mut worst_over = f64::NEG_INFINITY;
        let mut furthest = [0.0f64; 3];
        for (sig, class) in overloads(rate) {
            let out = run(rate, Settings::default(), &sig, 512);
            let over = over_db(&reference, &out, ceiling_db);
            println!("{rate} Hz {:<28} output {over:+.4} dB re ceiling", sig.name);
            assert!(over <= 0.0, "{rate} Hz {}: {over:+.5} dB over", sig.name);
            worst_over = worst_over.max(over);
            let allowed = match class {
                Class::Ordinary => REACH_DB,
                Class::NearNyquist => 0.5,
                Class::Pathological => 1.0,
            };
            furthest[class as usize] = furthest[class as usize].min(over);
            assert!(
                over >= -allowed,
                "{rate} Hz {} ({class:?}): {over:+.3} dB",
                sig.name
            );
        }
        println!(
            "{rate} Hz: closest {worst_over:+.4} dB; furthest under: ordinary {:+.3} dB, near Nyquist {:+.3} dB, alternating-sign worst cases {:+.3} dB",
            furthest[0], furthest[1], furthest[2]
        );
    }
}

// ---------------------------------------------------------------------------
// Property: the strict true peak under automation and changing block sizes.
// ---------------------------------------------------------------------------

/// Adversarial input of `len` samples: alternating-sign sequences, a quiet alternating
/// burst followed by a +30 dB click, and noise at +12 dBFS, in random order.
pub(crate) fn adversarial(parts: &[(u8, f32, usize)], len: usize) -> (Vec<f32>, Vec<f32>) {
    let mut noise = test_support::rng::Rng::seeded(len as u64);
    let (mut l, mut r) = (Vec::with_capacity(len), Vec::with_capacity(len));
    for &(kind, amp, n) in parts.iter().cycle() {
        if l.len() >= len {
            break;
        }
        for j in 0..n.min(len - l.len()) {
            let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
            let (a, b) = match kind % 3 {
                0 => (amp * sign, -amp * sign * 0.7),
                1 => {
                    // Quiet burst (amp/8), then a +30 dB click a few samples after it.
                    let burst = n * 3 / 4;
                    if j < burst {
                        (amp / 8.0 * sign, amp / 8.0 * sign)
                    } else if j == burst + (amp * 100.0) as usize % (n / 4).max(1) {
                        (31.6, -31.6)
                    } else {
                        (0.0, 0.0)
                    }
                }
                _ => (4.0 * noise.symmetric(), 4.0 * noise.symmetric()),
            };
            l.push(a);
            r.push(b);
        }
    }
    (l, r)
}

/// One gain/mode/swap/crossfeed move and the block size it runs for.
type Step = ((f32, MonitorMode, bool, bool), usize);

/// Adversarial input through a chain starting at `first`, with the gain/mode/swap/crossfeed
/// `steps` applied at their block boundaries (cycled), flushed with the Exact latency and
/// 4096 samples of silence: the output.
fn moves_run(
    rate: f32,
    first: Settings,
    parts: &[(u8, f32, usize)],
    steps: &[Step],
) -> (Vec<f32>, Vec<f32>) {
    let len = (rate * 0.12) as usize;
    let (left, right) = adversarial(parts, len);
    let mut chain = Chain::new(rate, first);
    chain.set_true_peak_metering(false);
    let lat = chain.latency_samples_in(LatencyMode::Exact);
    let (mut l, mut r) = (left, right);
    l.extend(std::iter::repeat_n(0.0, lat + 4096));
    r.extend(std::iter::repeat_n(0.0, lat + 4096));
    let mut pos = 0;
    for ((gain_db, mode, swap, crossfeed), block) in steps.iter().cycle() {
        if pos >= l.len() {
            break;
        }
        chain.set_settings(Settings {
            gain_db: *gain_db,
            mode: *mode,
            swap: *swap,
            crossfeed: CrossfeedSettings {
                on: *crossfeed,
                ..CrossfeedSettings::default()
            },
            ..first
        });
        let end = (pos + block).min(l.len());
        chain.process(&mut l[pos..end], &mut r[pos..end]);
        pos = end;
    }
    (l, r)
}

/// The fixed-ceiling property's run: the output's strict true peak, in dB re ceiling.
fn fixed_ceiling_run(
    rate: f32,
    ceiling_db: f32,
    parts: &[(u8, f32, usize)],
    steps: &[Step],
) -> f64 {
    let first = Settings {
        ceiling_db,
        ..Settings::default()
    };
    let (l, r) = moves_run(rate, first, parts, steps);
    let reference = strict::StrictTruePeak::default();
    strict::db(reference.measure(&l).max(reference.measure(&r))) - ceiling_db as f64
}

/// The counterexamples the property hunt found while the design was tuned, replayed
/// as plain tests (proptest's regression file replays them too).
#[test]
fn counterexamples_found_by_the_property_hunt_stay_fixed() {
    let left = (4.150_774_5, MonitorMode::Left, false, false);
    let over = fixed_ceiling_run(
        32_000.0,
        0.0,
        &[(24, 0.757_736_1, 2535), (77, 0.05, 64)],
        &[(left, 1)],
    );
    assert!(over <= 0.0, "alternating + noise burst: {over:+.4} dB");
    let left = (11.447_46, MonitorMode::Left, false, false);
    let over = fixed_ceiling_run(
        8_000.0,
        -10.212_073,
        &[(25, 0.642_481_8, 530)],
        &[(left, 1)],
    );
    assert!(
        over <= 0.0,
        "quiet alternating burst + click: {over:+.4} dB"
    );
}

fn moves() -> impl Strategy<Value = (f32, MonitorMode, bool, bool)> {
    (
        -12.0f32..12.0,
        proptest::sample::select(MonitorMode::ALL),
        any::<bool>(),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(property::config(24))]

    /// With the ceiling fixed, random gain, mode, swap and crossfeed moves at random
    /// block sizes (1–4096) over adversarial input never take the output's strict
    /// true peak above the ceiling.
    #[test]
    fn strict_true_peak_stays_under_a_fixed_ceiling_under_automation(
        rate in prop_oneof![Just(8_000.0f32), Just(32_000.0), Just(44_100.0), Just(48_000.0), Just(96_000.0)],
        ceiling_db in -24.0f32..0.0,
        parts in prop::collection::vec((any::<u8>(), 0.05f32..4.0, 64usize..3000), 1..6),
        steps in prop::collection::vec((moves(), prop_oneof![1usize..64, 64usize..4097]), 1..12),
    ) {
        let over = fixed_ceiling_run(rate, ceiling_db, &parts, &steps);
        prop_assert!(over <= 0.0, "{} Hz: strict true peak {:+.5} dB re ceiling", rate, over);
    }

    /// With the ceiling moving too (gliding between −24 and 0 dBTP), the strict true
    /// peak never exceeds the highest ceiling of the run.
    #[test]
    fn strict_true_peak_follows_a_moving_ceiling(
        rate in prop_oneof![Just(44_100.0f32), Just(48_000.0), Just(96_000.0)],
        parts in prop::collection::vec((any::<u8>(), 0.05f32..4.0, 64usize..3000), 1..6),
        steps in prop::collection::vec(((moves(), -24.0f32..0.0), prop_oneof![1usize..64, 64usize..4097]), 1..8),
    ) {
        let len = (rate * 0.12) as usize;
        let (mut l, mut r) = adversarial(&parts, len);
        let mut chain = Chain::new(rate, Settings::default());
        chain.set_true_peak_metering(false);
        let lat = chain.latency_samples();
        l.extend(std::iter::repeat_n(0.0, lat));
        r.extend(std::iter::repeat_n(0.0, lat));
        let mut highest = Settings::default().ceiling_db;
        let mut pos = 0;
        for (((gain_db, mode, swap, crossfeed), ceiling_db), block) in steps.iter().cycle() {
            if pos >= l.len() {
                break;
            }
            highest = highest.max(*ceiling_db);
            chain.set_settings(Settings {
                gain_db: *gain_db,
                mode: *mode,
                swap: *swap,
                ceiling_db: *ceiling_db,
                crossfeed: CrossfeedSettings { on: *crossfeed, ..CrossfeedSettings::default() },
                ..Settings::default()
            });
            let end = (pos + block).min(l.len());
            chain.process(&mut l[pos..end], &mut r[pos..end]);
            pos = end;
        }
        let reference = strict::StrictTruePeak::default();
        let over = strict::db(reference.measure(&l).max(reference.measure(&r))) - highest as f64;
        prop_assert!(over <= 0.0, "{} Hz: {:+.5} dB over the highest ceiling", rate, over);
    }
}

// ---------------------------------------------------------------------------
// The latency settings: Zero keeps the sample peak; switches keep both promises.
// ---------------------------------------------------------------------------

/// The default settings with the Zero latency setting.
fn zero_latency() -> Settings {
    Settings {
        latency: LatencyMode::Zero,
        ..Settings::default()
    }
}

/// Zero latency, on the same overloads as the exact limiter: no output sample above the
/// ceiling at any rate, and programme whose samples stay under it untouched. Its strict
/// true peak is not promised; this measures and prints it per rate (the docs quote it).
#[test]
fn zero_latency_keeps_every_sample_under_the_ceiling_and_reports_its_true_peak() {
    let reference = strict::StrictTruePeak::default();
    let ceiling_db = Settings::default().ceiling_db;
    let ceiling = db_to_gain(ceiling_db);
    for rate in RATES.into_iter().chain([8_000.0, 32_000.0]) {
        let mut worst = (f64::NEG_INFINITY, String::new());
        let mut worst_ordinary = f64::NEG_INFINITY;
        for (sig, class) in overloads(rate) {
            let out = run(rate, zero_latency(), &sig, 512);
            let peak =
                test_support::measure::peak(&out.left).max(test_support::measure::peak(&out.right));
            assert!(
                peak <= ceiling,
                "{rate} Hz {}: sample peak {peak} over {ceiling}",
                sig.name
            );
            let over = over_db(&reference, &out, ceiling_db);
            println!(
                "{rate} Hz zero latency {:<28} strict true peak {over:+.3} dB re ceiling",
                sig.name
            );
            if over > worst.0 {
                worst = (over, sig.name.clone());
            }
            if matches!(class, Class::Ordinary) {
                worst_ordinary = worst_ordinary.max(over);
            }
        }
        println!(
            "{rate} Hz zero latency: worst strict true peak {:+.3} dB re ceiling ({}); ordinary programme and corpus {worst_ordinary:+.3} dB",
            worst.0, worst.1
        );
        // Untouched: programme a hundredth of a dB under the ceiling (strict true peak,
        // so every sample is under it too) passes bit for bit, with no delay.
        for sig in programme_at(rate, 0.25, -0.01) {
            let out = run(rate, zero_latency(), &sig, 512);
            assert_eq!(out.changed, 0, "{rate} Hz {}: touched", sig.name);
            assert_eq!(out.min_gain, 1.0, "{rate} Hz {}", sig.name);
        }
    }
}

/// Runs `left`/`right` through a chain whose latency setting is switched at the given
/// block boundaries (`plan`: latency setting, as an index into Exact, Low, Zero, and
/// block size, cycled) with a fixed ceiling. Returns the output and, per output sample,
/// whether it came from one true-peak limiter alone (no switch under way, Exact or Low
/// heard).
fn switched_run(
    rate: f32,
    ceiling_db: f32,
    mut left: Vec<f32>,
    mut right: Vec<f32>,
    plan: &[(u8, usize)],
) -> (Vec<f32>, Vec<f32>, Vec<bool>) {
    let base = Settings {
        ceiling_db,
        ..Settings::default()
    };
    let mut chain = Chain::new(rate, base);
    chain.set_true_peak_metering(false);
    let flush = chain.latency_samples_in(LatencyMode::Exact) + 4096;
    left.extend(std::iter::repeat_n(0.0, flush));
    right.extend(std::iter::repeat_n(0.0, flush));
    let mut true_peak_only = vec![false; left.len()];
    let mut pos = 0;
    for &(setting, block) in plan.iter().cycle() {
        if pos >= left.len() {
            break;
        }
        let latency = LatencyMode::ALL[setting as usize % LatencyMode::ALL.len()];
        chain.set_settings(Settings { latency, ..base });
        let end = (pos + block).min(left.len());
        let true_peak = latency != LatencyMode::Zero;
        let pure_before = !chain.is_switching_latency() && true_peak;
        chain.process(&mut left[pos..end], &mut right[pos..end]);
        let pure_after = !chain.is_switching_latency() && true_peak;
        true_peak_only[pos..end].fill(pure_before && pure_after);
        pos = end;
    }
    (left, right, true_peak_only)
}

/// The output positions at least the reference's support away from any sample that did
/// not come from one true-peak limiter alone, as ranges.
fn true_peak_stretches(true_peak_only: &[bool]) -> Vec<std::ops::Range<usize>> {
    let support = headphone_monitor_core::dsp::limiter::kernel::SUPPORT_SAMPLES;
    let mut out = Vec::new();
    let mut start = None;
    for (i, &pure) in true_peak_only.iter().chain([&false]).enumerate() {
        match (pure, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i > s + 2 * support + 1 {
                    out.push(s + support..i - support - 1);
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

proptest! {
    #![proptest_config(property::config(12))]

    /// Zero latency: random gain, mode, swap and crossfeed moves at random block sizes
    /// over adversarial input (+30 dB clicks, +12 dBFS noise) never put an output sample
    /// above the ceiling.
    #[test]
    fn zero_latency_keeps_the_sample_peak_under_automation(
        rate in prop_oneof![Just(8_000.0f32), Just(44_100.0), Just(48_000.0), Just(96_000.0), Just(384_000.0)],
        ceiling_db in -24.0f32..0.0,
        parts in prop::collection::vec((any::<u8>(), 0.05f32..4.0, 64usize..3000), 1..6),
        steps in prop::collection::vec((moves(), prop_oneof![1usize..64, 64usize..4097]), 1..12),
    ) {
        let first = Settings { ceiling_db, latency: LatencyMode::Zero, ..Settings::default() };
        let (l, r) = moves_run(rate, first, &parts, &steps);
        let peak = test_support::measure::peak(&l).max(test_support::measure::peak(&r));
        prop_assert!(peak <= db_to_gain(ceiling_db), "{} Hz: sample peak {} over {}", rate, peak, db_to_gain(ceiling_db));
    }

    /// Random switches between Exact, Low and Zero at random block boundaries over
    /// adversarial input: no output sample ever above the ceiling (during the switches
    /// too), and wherever Exact or Low alone was heard over the reference's whole
    /// support, the strict true peak at or under the ceiling.
    #[test]
    fn latency_switches_keep_the_sample_peak_and_exact_and_low_keep_the_true_peak(
        rate in prop_oneof![Just(8_000.0f32), Just(44_100.0), Just(48_000.0), Just(96_000.0)],
        ceiling_db in -24.0f32..0.0,
        parts in prop::collection::vec((any::<u8>(), 0.05f32..4.0, 64usize..3000), 1..6),
        plan in prop::collection::vec((any::<u8>(), prop_oneof![1usize..64, 64usize..8192]), 1..10),
    ) {
        let len = (rate * 0.15) as usize;
        let (l, r) = adversarial(&parts, len);
        let (l, r, true_peak_only) = switched_run(rate, ceiling_db, l, r, &plan);
        let ceiling = db_to_gain(ceiling_db);
        let peak = test_support::measure::peak(&l).max(test_support::measure::peak(&r));
        prop_assert!(peak <= ceiling, "{} Hz: sample peak {} over {}", rate, peak, ceiling);
        let reference = strict::StrictTruePeak::default();
        for range in true_peak_stretches(&true_peak_only) {
            let tp = reference.measure_range(&l, range.clone()).max(reference.measure_range(&r, range.clone()));
            let over = strict::db(tp) - ceiling_db as f64;
            prop_assert!(over <= 0.0, "{} Hz: {:+.5} dB over in the true-peak stretch {:?}", rate, over, range);
        }
    }
}

/// An open counterexample, kept as a test that fails until it is fixed (run it with
/// `--ignored`): the property hunt of the latency switches (2000 cases) found, with Exact
/// alone and no switch at all, a strict true peak **+0.030 dB over** a 0 dBTP ceiling at
/// 48 kHz. Mechanism (step 4 of the limiter's module docs): noise at +12 dBFS held at its
/// own requirement, then a +30 dB click whose deeper reduction starts inside the support of
/// a noise position sitting at the ceiling; the variation margin (1/8 of the far-field
/// bound) is too small there. The fixed 30 ms hold that preceded the adaptive hold kept
/// such positions under a deeper held gain (−0.007 dB on this input); a weight of 1/4 fixes
/// it (−0.076 dB) but leaves a near-Nyquist square 0.95 dB short of the ceiling. See
/// docs/limiter.md, known limitations.
#[test]
#[ignore = "open counterexample: +0.030 dB over (docs/limiter.md, known limitations)"]
fn open_counterexample_noise_then_click_inside_its_support() {
    let rate = 48_000.0f32;
    let len = (rate * 0.15) as usize;
    let (l, r) = adversarial(&[(2, 0.05, 2249), (64, 0.681_371_4, 99)], len);
    let (l, r, _) = switched_run(rate, 0.0, l, r, &[(0, 512)]);
    let reference = strict::StrictTruePeak::default();
    let over = strict::db(reference.measure(&l).max(reference.measure(&r)));
    assert!(
        over <= 0.0,
        "strict true peak {over:+.4} dB re the 0 dBTP ceiling"
    );
}

/// A second open counterexample, constructed (run it with `--ignored`): a position under
/// the ceiling whose reconstruction a later reduction lifts, **+1.43 dB over** a 0 dBTP
/// ceiling at 48 kHz (+1.35 at 44.1 kHz, +1.15 at 96 kHz).
///
/// Two equal samples make an intersample peak between them (1.27× their value); an
/// alternating burst starting six samples later pulls that peak down, so the whole input
/// sits 0.01 dB under the ceiling and is left untouched. A +30 dB click then arrives just
/// far enough ahead that its reduction (the gain held constant over the click's whole
/// ±128-sample support, step 3 of the limiter's module docs) starts on the burst: the burst
/// is turned down, its pull on the earlier peak goes with it, and that peak comes out over.
/// No margin at the peak can be added when it is detected without touching audio under the
/// ceiling (the click is not visible yet). The peak's own two samples are still unsent when
/// the click arrives (140 samples after them; they are sent 262 after), so a re-check on
/// the planned gains could still lower them; see docs/roadmap.md.
#[test]
#[ignore = "open counterexample: +1.43 dB over (docs/limiter.md, known limitations)"]
fn open_counterexample_a_reduction_lifts_an_untouched_peak() {
    let rate = 48_000.0f32;
    let settings = Settings {
        ceiling_db: 0.0,
        ..Settings::default()
    };
    let latency = Chain::new(rate, settings).latency_samples_in(LatencyMode::Exact);
    let peak_at = 1_000usize;
    let input = pulled_peak(peak_at, 6..60, 0.5);
    // The click lands where its reduction's ramp starts on the burst.
    let first = peak_at + latency - 128 + 6;
    let worst = worst_with_a_click(&input, first..first + 12, latency, |left, right| {
        let mut chain = Chain::new(rate, settings);
        chain.set_true_peak_metering(false);
        chain.process(left, right);
    });
    assert!(
        worst <= 0.0,
        "strict true peak {worst:+.4} dB re the 0 dBTP ceiling"
    );
}

/// The open counterexamples' input: two equal samples at `peak_at` (an intersample peak
/// 1.27× their value), an alternating burst at `level` of them on the offsets `burst` after
/// the first that pulls that peak down, the whole scaled 0.01 dB under a 0 dBTP ceiling.
pub(crate) fn pulled_peak(peak_at: usize, burst: std::ops::Range<usize>, level: f32) -> Vec<f32> {
    let mut input = vec![0.0f32; 4_000];
    input[peak_at] = 1.0;
    input[peak_at + 1] = 1.0;
    for offset in burst {
        input[peak_at + offset] = if offset % 2 == 0 { level } else { -level };
    }
    let reference = strict::StrictTruePeak::default();
    let under = (db_to_gain(-0.01) as f64 / reference.measure(&input)) as f32;
    input.iter_mut().for_each(|x| *x *= under);
    input
}

/// The highest strict true peak, in dB re 0 dBTP, of `input` with a +30 dB click at each of
/// `clicks` in turn, on both channels, flushed with `latency` + 4096 samples of silence and
/// run through a fresh `limit`.
pub(crate) fn worst_with_a_click(
    input: &[f32],
    clicks: std::ops::Range<usize>,
    latency: usize,
    limit: impl Fn(&mut [f32], &mut [f32]),
) -> f64 {
    let reference = strict::StrictTruePeak::default();
    clicks
        .map(|click_at| {
            let mut left = input.to_vec();
            left[click_at] = 31.6;
            left.extend(std::iter::repeat_n(0.0, latency + 4_096));
            let mut right = left.clone();
            limit(&mut left, &mut right);
            strict::db(reference.measure(&left).max(reference.measure(&right)))
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The suite replays the same cases on every run (a CI failure can be replayed; two green
/// runs tested the same thing): two runners built from the suite's configuration draw the same
/// adversarial inputs.
#[test]
fn the_property_cases_are_the_same_on_every_run() {
    use proptest::strategy::ValueTree;
    if std::env::var_os("HM_PROPTEST_HUNT").is_some() {
        return; // A hunt draws a new seed on purpose.
    }
    let strategy = prop::collection::vec((any::<u8>(), 0.05f32..4.0, 64usize..3000), 1..6);
    let draw = || {
        let mut runner = proptest::test_runner::TestRunner::new(property::config(24));
        (0..24)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect::<Vec<_>>()
    };
    assert_eq!(draw(), draw());
}
