//! Smoke tests for the CLAP test harness in `tests/common/clap_host.rs`.
//!
//! These only rely on the plugin's public contract (CLAP id, parameter ids, port layouts, state
//! format), not on its DSP, so they check the harness itself.

use test_support::clap_host::{make_state, param_id, state_json, Host, PLUGIN_ID};
use test_support::PARAM_IDS;

fn stereo_noise(frames: usize) -> Vec<Vec<f32>> {
    let mut rng = test_support::rng::Rng::seeded(0x1234_5678);
    (0..2)
        .map(|_| (0..frames).map(|_| 0.25 * rng.symmetric()).collect())
        .collect()
}

#[test]
fn param_id_matches_nice_plug_hash() {
    // Java's "gain".hashCode() is 3165055, positive, so the mask keeps it unchanged.
    assert_eq!(param_id("gain"), 3_165_055);
    assert_eq!(param_id(""), 0);
    assert!(PARAM_IDS.iter().all(|id| param_id(id) < 1 << 31));
    assert_eq!(PLUGIN_ID, "org.headphone-monitor.headphone-monitor");
}

#[test]
fn loads_and_lists_parameters() {
    let host = Host::new();
    let infos = host.param_infos();
    for id in PARAM_IDS {
        let info = host.param_info(id);
        assert!(infos.contains(info));
        assert!(
            info.min <= info.default && info.default <= info.max,
            "{info:?}"
        );
        let default = info.default_normalized();
        assert!((0.0..=1.0).contains(&default), "{info:?}");
    }
    // `swap` is a bool, and nice-plug exposes bools as stepped 0..=1 parameters.
    let swap = host.param_info("swap");
    assert!(
        swap.is_stepped() && swap.min == 0.0 && swap.max == 1.0,
        "{swap:?}"
    );
}

#[test]
fn set_and_get_params_inactive_and_active() {
    let mut host = Host::new();
    host.set_param("swap", 1.0);
    assert_eq!(host.get_param("swap"), 1.0);
    host.set_param("swap", 0.0);
    assert_eq!(host.get_param("swap"), 0.0);

    host.activate(48_000.0, 256);
    host.set_param("bypass", 1.0);
    assert_eq!(host.get_param("bypass"), 1.0);
    host.set_param("bypass", 0.0);
    assert_eq!(host.get_param("bypass"), 0.0);
    host.deactivate();
    assert!(!host.is_active());
}

#[test]
fn processes_stereo_with_events() {
    let mut host = Host::new();
    host.activate(48_000.0, 512);
    assert_eq!(host.channels(), (2, 2));
    let _latency = host.latency();

    let input = stereo_noise(4_000);
    // Events out of order on purpose; the harness sorts them (stably).
    let events = [
        (3_000, "swap", 0.0),
        (100, "swap", 1.0),
        (1_500, "mode", 1.0),
    ];
    for block in [1, 64, 100, 512] {
        let output = host.process(&input, block, &events);
        assert_eq!(output.len(), 2);
        assert!(output.iter().all(|channel| channel.len() == input[0].len()));
        assert!(output.iter().flatten().all(|sample| sample.is_finite()));
        assert_eq!(host.get_param("swap"), 0.0);
        assert_eq!(host.get_param("mode"), 1.0);
        host.set_param("mode", 0.0);
    }
    // Whatever the plugin requested, a restart must work.
    host.restart_if_requested();
    assert_eq!(host.process(&input, 512, &[]).len(), 2);
}

#[test]
fn many_events_are_delivered_in_several_audio_runs() {
    let mut host = Host::new();
    host.activate(44_100.0, 32);
    let input = stereo_noise(10_000);
    let events: Vec<(usize, &str, f64)> = (0..5_000)
        .map(|i| (i * 2, "swap", if i % 2 == 0 { 1.0 } else { 0.0 }))
        .collect();
    let output = host.process(&input, 32, &events);
    assert_eq!(output[0].len(), 10_000);
    assert_eq!(host.get_param("swap"), 0.0);
}

#[test]
fn state_round_trip() {
    let mut host = Host::new();
    host.set_param("swap", 1.0);
    host.set_param("mode", 1.0);
    let state = host.save_state();
    let json = state_json(&state);
    assert!(json.starts_with('{'), "{json}");

    let mut other = Host::new();
    assert_eq!(other.get_param("swap"), 0.0);
    other.load_state(&state).expect("state loads");
    assert_eq!(other.get_param("swap"), 1.0);
    assert_eq!(other.get_param("mode"), 1.0);

    // Loading while active works too.
    other.activate(48_000.0, 128);
    host.set_param("swap", 0.0);
    other
        .load_state(&host.save_state())
        .expect("state loads while active");
    assert_eq!(other.get_param("swap"), 0.0);
    other.process(&stereo_noise(256), 128, &[]);

    assert!(other.load_state(&make_state("not json")).is_err());
    assert!(other.load_state(&[1, 2, 3]).is_err());
}

#[test]
fn mono_layouts() {
    let mut host = Host::new();
    let configs = host.port_configs();
    assert!(configs.len() >= 3, "{configs:?}");

    host.activate_with_channels(48_000.0, 256, 1, 2);
    assert_eq!(host.channels(), (1, 2));
    let mono = vec![stereo_noise(1_000).remove(0)];
    let output = host.process(&mono, 256, &[]);
    assert_eq!(output.len(), 2);

    host.activate_with_channels(48_000.0, 256, 1, 1);
    assert_eq!(host.channels(), (1, 1));
    let output = host.process(&mono, 256, &[]);
    assert_eq!(output.len(), 1);

    // `activate` keeps the selected layout.
    host.activate(96_000.0, 64);
    assert_eq!(host.channels(), (1, 1));

    host.activate_with_channels(48_000.0, 256, 2, 2);
    assert_eq!(host.process(&stereo_noise(300), 256, &[]).len(), 2);
}

#[test]
fn text_conversions() {
    let mut host = Host::new();
    let text = host
        .value_to_text("gain", host.param_info("gain").default_normalized())
        .expect("gain formats");
    assert!(!text.is_empty());
    let value = host
        .text_to_value("gain", &text)
        .expect("formatted text parses back");
    assert!((0.0..=1.0).contains(&value));
    assert_eq!(host.text_to_value("gain", "definitely not a number"), None);
}

#[test]
#[should_panic(expected = "no parameter with string id")]
fn unknown_parameter_panics() {
    let host = Host::new();
    host.param_info("does-not-exist");
}

/// Prints what the harness sees of the plugin. Run with
/// `cargo test --test harness_smoke -- --ignored --nocapture describe_plugin`.
#[test]
#[ignore = "diagnostic output only"]
fn describe_plugin() {
    let mut host = Host::new();
    for info in host.param_infos() {
        println!("{info:?}");
    }
    for config in host.port_configs() {
        println!("{config:?}");
    }
    host.activate(48_000.0, 512);
    println!("latency at 48 kHz: {} samples", host.latency());
    println!("{:?}", host.callback_counts());
    println!("state: {}", state_json(&host.save_state()));
}
