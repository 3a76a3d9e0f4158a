//! A host that automates every parameter on every sample (the Steinberg validator's
//! `[Accuracy: Block, All Parameters, Change every 1 Samples]`) must not make the VST3
//! wrapper grow its event queue on the audio thread: that is an allocation in `process()`.
//!
//! nice-plug performs that growth inside `permit_alloc` and only logs
//! "Input event buffer filled up! This will cause an allocation.", so this test reads the
//! log (`NICE_LOG` pointed at a file before the first instance exists — hence a test binary
//! of its own). It also checks that the log does catch the warning: one block just past the
//! documented bound must produce it.

use test_support::rng;

use headphone_monitor::params::PARAM_COUNT;
use headphone_monitor::MAX_AUTOMATED_BLOCK;
use rng::Rng;
use test_support::clap_host::param_id;
use test_support::vst3_host::Vst3Instance;
use test_support::PARAM_IDS;

const WARNING: &str = "Input event buffer filled up";

/// Every parameter changed on every sample of a `frames`-sample block, to random values.
fn every_parameter_every_sample(frames: usize, seed: u64) -> Vec<(usize, u32, f64)> {
    let mut rng = Rng(seed);
    (0..frames)
        .flat_map(|n| PARAM_IDS.iter().map(move |id| (n, param_id(id))))
        .map(|(n, id)| (n, id, f64::from(rng.unit())))
        .collect()
}

/// `count` changes of one parameter, one per sample from frame 0 (queued in time order).
fn one_parameter_every_sample(count: usize) -> Vec<(usize, u32, f64)> {
    let gain = param_id("gain");
    (0..count)
        .map(|n| (n, gain, 0.5 + 0.25 * ((n % 7) as f64 / 7.0)))
        .collect()
}

#[test]
fn automating_every_parameter_on_every_sample_does_not_grow_the_event_queue() {
    assert_eq!(PARAM_IDS.len(), PARAM_COUNT);
    let log = std::env::temp_dir().join(format!("hm-vst3-events-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    // The wrapper's logger reads NICE_LOG once, when the first instance is created.
    std::env::set_var("NICE_LOG", &log);
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let capacity = PARAM_COUNT * MAX_AUTOMATED_BLOCK;

    let mut plugin = Vst3Instance::new();
    assert!(plugin.activate(48_000.0, capacity + 1));

    // What the validator does: every parameter on every sample (1024-sample blocks here;
    // the wrapper sorts each queue into the others with an insertion, quadratic in the
    // events per block, so 8192-sample blocks of this would take minutes).
    let block = 1024;
    let input = vec![vec![0.25_f32; block]; 2];
    let events = every_parameter_every_sample(block, 1);
    let out = plugin.process(&input, block, &events, None);
    assert!(out
        .iter()
        .flatten()
        .all(|v| v.is_finite() && v.abs() <= 1.0));
    assert!(
        !read_log().contains(WARNING),
        "every parameter, every sample"
    );

    // The bound itself: `capacity` events in one block (one parameter, in time order, so
    // the wrapper only appends).
    let input = vec![vec![0.25_f32; capacity]; 2];
    plugin.process(
        &input,
        capacity,
        &one_parameter_every_sample(capacity),
        None,
    );
    assert!(
        !read_log().contains(WARNING),
        "the event queue grew (an allocation on the audio thread) for {capacity} events"
    );

    // One event more: the queue must grow, and the log must say so — otherwise the checks
    // above could not fail.
    let input = vec![vec![0.25_f32; capacity + 1]; 2];
    plugin.process(
        &input,
        capacity + 1,
        &one_parameter_every_sample(capacity + 1),
        None,
    );
    assert!(
        read_log().contains(WARNING),
        "past the bound the wrapper warns (the log is read correctly)"
    );
    let _ = std::fs::remove_file(&log);
}
