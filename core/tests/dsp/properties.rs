//! Property tests of the whole chain: random parameter sequences and random input
//! (silence, full-scale noise, NaN, ±Inf, 1e30, denormals, DC) never panic, never
//! produce a non-finite or subnormal sample, and never exceed the ceiling while
//! the limiter is on; and after bad input ends, a normal signal comes out exactly as
//! from a fresh chain within a stated time (state is never poisoned).

use test_support::property;

use headphone_monitor_core::dsp::listening::generator::Kind;
use headphone_monitor_core::dsp::{
    db_to_gain, Chain, ControllerSettings, CorrectionSettings, CrossfeedSettings, LatencyMode,
    MonitorMode, Named, Settings,
};
use proptest::prelude::*;

fn sample() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -4.0f32..4.0,
        1 => Just(0.0f32),
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(1e30f32),
        1 => Just(-1e30f32),
        1 => Just(1e-40f32),
        1 => Just(1.0f32),
    ]
}

fn mode() -> impl Strategy<Value = MonitorMode> {
    proptest::sample::select(MonitorMode::ALL)
}

fn crossfeed() -> impl Strategy<Value = CrossfeedSettings> {
    (any::<bool>(), 300.0f32..2000.0, 1.0f32..15.0).prop_map(|(on, cutoff_hz, feed_db)| {
        CrossfeedSettings {
            on,
            cutoff_hz,
            feed_db,
        }
    })
}

/// A headphone correction: up to six peaking and shelving filters per ear, boosts up to
/// +20 dB, a preamp of −10 … +10 dB, with or without level match (or none at all).
fn correction() -> impl Strategy<Value = CorrectionSettings> {
    use headphone_monitor_core::dsp::correction::{Curve, Filter, FilterKind, Width};
    let filter = (0usize..3, 30.0f32..18_000.0, -12.0f32..20.0, 0.3f32..5.0).prop_map(
        |(kind, freq_hz, gain_db, q)| Filter {
            kind: [
                FilterKind::Peaking,
                FilterKind::LowShelf,
                FilterKind::HighShelf,
            ][kind],
            freq_hz,
            gain_db,
            width: Width::Q(q),
        },
    );
    let ear = (-10.0f32..10.0, proptest::collection::vec(filter, 0..6));
    (any::<bool>(), any::<bool>(), ear.clone(), ear).prop_map(|(on, level_match, l, r)| {
        let mut curve = Curve::default();
        for (e, (preamp_db, filters)) in [l, r].into_iter().enumerate() {
            curve.ears[e].preamp_db = preamp_db;
            for f in filters {
                curve.ears[e].push(f);
            }
        }
        CorrectionSettings {
            on,
            level_match,
            curve,
            prepared: None,
        }
    })
}

/// Random monitor-controller settings (trims to +12 dB, any crossover, dim, mute).
fn controller() -> impl Strategy<Value = ControllerSettings> {
    (
        (any::<bool>(), any::<bool>()),
        (-12.0f32..=12.0, -12.0f32..=12.0),
        (any::<bool>(), -40.0f32..=0.0),
        prop::bool::weighted(0.2),
        (any::<bool>(), 20.0f32..=500.0),
    )
        .prop_map(
            |((il, ir), (tl, tr), (dim, dim_db), mute, (bass_mono, bass_mono_hz))| {
                ControllerSettings {
                    invert: [il, ir],
                    trim_db: [tl, tr],
                    dim,
                    dim_db,
                    mute,
                    bass_mono,
                    bass_mono_hz,
                }
            },
        )
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        (-70.0f32..12.0, mode(), any::<bool>()),
        -24.0f32..0.0,
        (
            10.0f32..1000.0,
            prop_oneof![3 => Just(LatencyMode::Exact), 1 => Just(LatencyMode::Low), 1 => Just(LatencyMode::Zero)],
        ),
        crossfeed(),
        generator(),
        prop_oneof![Just(0.0f32), 3.0f32..20.0],
        prop_oneof![3 => Just(CorrectionSettings::default()), 2 => correction()],
        prop_oneof![2 => Just(ControllerSettings::default()), 3 => controller()],
    )
        .prop_map(
            |(
                (gain_db, mode, swap),
                ceiling_db,
                (release_ms, latency),
                crossfeed,
                generator,
                protect_db,
                correction,
                controller,
            )| {
                Settings {
                    gain_db,
                    mode,
                    swap,
                    limiter_on: true,
                    ceiling_db,
                    release_ms,
                    latency,
                    bypass: false,
                    crossfeed,
                    generator,
                    protect_db,
                    correction,
                    controller,
                }
            },
        )
}

fn generator() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => Just(Kind::Off),
        1 => Just(Kind::PinkNoise),
        1 => Just(Kind::Sine1k),
        1 => Just(Kind::ChannelCheck),
    ]
}

proptest! {
    #![proptest_config(property::config(64))]

    #[test]
    fn output_is_finite_and_never_above_the_ceiling(
        rate in prop_oneof![Just(8_000.0f32), Just(44_100.0), Just(48_000.0), Just(96_000.0), Just(384_000.0)],
        first in settings(),
        changes in prop::collection::vec((settings(), 1usize..700), 1..6),
        input in prop::collection::vec((sample(), sample()), 1..3000),
    ) {
        let mut chain = Chain::new(rate, first);
        let mut max_ceiling = db_to_gain(first.ceiling_db);
        let mut pos = 0;
        for (s, block) in changes.iter().cycle().take(64) {
            if pos >= input.len() {
                break;
            }
            let end = (pos + block).min(input.len());
            let mut l: Vec<f32> = input[pos..end].iter().map(|p| p.0).collect();
            let mut r: Vec<f32> = input[pos..end].iter().map(|p| p.1).collect();
            chain.process(&mut l, &mut r);
            for v in l.iter().chain(&r) {
                prop_assert!(v.is_finite());
                prop_assert!(*v == 0.0 || v.abs() >= f32::MIN_POSITIVE);
                prop_assert!(v.abs() <= max_ceiling, "{} > {}", v, max_ceiling);
            }
            chain.set_settings(*s);
            max_ceiling = max_ceiling.max(db_to_gain(s.ceiling_db));
            pos = end;
        }
    }
}

/// Time after the end of bad input within which the chain is back to exactly what a fresh
/// chain produces, for a release time of `release_ms`: 100 ms for the 30 ms hold, the lookahead
/// (up to 32 ms, at 8 kHz),
/// the smoothing and the 20 ms parameter ramps and crossfades, plus 22 release time constants —
/// the release from the deepest possible reduction (+80 dBFS clamped input, +12 dB gain,
/// −24 dBTP ceiling: 116 dB, ln-gain −13.4) rises at a fixed rate down to 12 dB
/// (ln-gain −1.38), (13.4 − 1.38) / 1.38 = 8.7 of them, then exponentially to the
/// −0.0001 dB snap to unity, ln(1.38 / 1.15e-5) = 11.7 more. 1.42 s at the default 60 ms
/// release.
fn recovery_seconds(release_ms: f32) -> f32 {
    0.100 + 22.0 * release_ms * 1e-3
}

proptest! {
    #![proptest_config(property::config(32))]

    /// After any bad input, with any settings, a normal signal comes out exactly as from a
    /// fresh chain once [`recovery_seconds`] have passed: nothing is poisoned.
    #[test]
    fn bad_input_never_poisons_the_state(
        rate in prop_oneof![Just(8_000.0f32), Just(44_100.0), Just(48_000.0), Just(96_000.0)],
        abuse_settings in settings(),
        abuse in prop::collection::vec((sample(), sample()), 1..4000),
        block in 1usize..600,
        final_settings in settings(),
        release_ms in 10.0f32..100.0,
    ) {
        // (Crossfeed, headphone correction and bass mono off at the end: their filter
        // states converge only to within rounding — a 20 Hz bass mono switched on while the
        // output glided to mute still put out 7e-22 after 0.32 s, where a fresh chain's
        // muted output is exactly 0; no test signal or protection either, which would change
        // the programme on purpose. The abuse runs with any of them.)
        let final_settings = Settings {
            release_ms,
            crossfeed: CrossfeedSettings::default(),
            correction: CorrectionSettings::default(),
            controller: ControllerSettings {
                bass_mono: false,
                ..final_settings.controller
            },
            generator: Kind::Off,
            protect_db: 0.0,
            ..final_settings
        };
        // (Protection is not bad input: it releases over its own 10 s glide, on purpose.)
        let abuse_settings = Settings { protect_db: 0.0, ..abuse_settings };
        let mut chain = Chain::new(rate, abuse_settings);
        for chunk in abuse.chunks(block) {
            let mut l: Vec<f32> = chunk.iter().map(|p| p.0).collect();
            let mut r: Vec<f32> = chunk.iter().map(|p| p.1).collect();
            chain.process(&mut l, &mut r);
        }
        chain.set_settings(final_settings);
        let mut fresh = Chain::new(rate, final_settings);

        // A normal programme 10 dB under the ceiling after the output gain (so the limiter
        // is idle in both chains and the comparison is exact).
        let recovery = (recovery_seconds(release_ms) * rate) as usize;
        let len = recovery + 2_000;
        let amp = db_to_gain(final_settings.ceiling_db - 20.0 - final_settings.gain_db.max(0.0));
        let w = 2.0 * std::f32::consts::PI / rate;
        let left: Vec<f32> = (0..len).map(|n| amp * (w * 331.0 * n as f32).sin()).collect();
        let right: Vec<f32> = (0..len).map(|n| amp * (w * 1_210.0 * n as f32).cos()).collect();
        let (mut al, mut ar) = (left.clone(), right.clone());
        let (mut fl, mut fr) = (left, right);
        for start in (0..len).step_by(block) {
            let end = (start + block).min(len);
            chain.process(&mut al[start..end], &mut ar[start..end]);
            fresh.process(&mut fl[start..end], &mut fr[start..end]);
        }
        for n in recovery..len {
            prop_assert_eq!(al[n].to_bits(), fl[n].to_bits(), "left {} of {}", n, len);
            prop_assert_eq!(ar[n].to_bits(), fr[n].to_bits(), "right {} of {}", n, len);
        }
    }
}
