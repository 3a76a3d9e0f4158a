//! Property tests of the whole chain: random parameter sequences and random input
//! (silence, full-scale noise, NaN, ±Inf, 1e30, denormals, DC) never panic, never
//! produce a non-finite or subnormal sample, and never exceed the ceiling while
//! the limiter is on.

use headphone_monitor::dsp::{db_to_gain, Chain, MonitorMode, Settings};
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
    prop_oneof![
        Just(MonitorMode::Stereo),
        Just(MonitorMode::Mono),
        Just(MonitorMode::Side),
        Just(MonitorMode::Left),
        Just(MonitorMode::Right),
    ]
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        -70.0f32..12.0,
        mode(),
        any::<bool>(),
        -24.0f32..0.0,
        10.0f32..1000.0,
    )
        .prop_map(|(gain_db, mode, swap, ceiling_db, release_ms)| Settings {
            gain_db,
            mode,
            swap,
            limiter_on: true,
            ceiling_db,
            release_ms,
            bypass: false,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

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
