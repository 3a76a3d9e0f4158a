//! Host-conformance checks of the built CLAP plugin (what the community CLAP
//! validator checks, as tests of ours that can fail): factory and instance
//! descriptors, unknown IDs refused, `dlopen(RTLD_NOW)`, declared audio ports,
//! parameter fuzzing with sample-accurate events at the exact bounds, text round
//! trips for every parameter, identical output after reset and reactivation,
//! random block sizes and zero-frame calls within one activation, null and random
//! transports, state delivered a few bytes at a time, and a saved-state fixture
//! from version 0.1.0 that every later version must keep loading.

use test_support::rng;

use clack_host::prelude::ProcessStatus;
use rng::Rng;
use test_support::clap_host::{param_id, plugin_path, probe_factory, state_json, Host, PLUGIN_ID};
use test_support::{fuzzed, PARAM_IDS};

/// Loud, nasty stereo input: noise up to +12 dBFS, a full-scale alternating run,
/// and a few NaN/Inf/1e30 samples and denormals.
fn nasty_input(frames: usize, rng: &mut Rng) -> Vec<Vec<f32>> {
    (0..2)
        .map(|_| {
            (0..frames)
                .map(|n| match n % 997 {
                    13 => f32::NAN,
                    14 => f32::INFINITY,
                    15 => -1e30,
                    16 => 1e-40,
                    17 => -3e-39,
                    100..=160 => {
                        if n % 2 == 0 {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                    _ => 8.0 * (rng.unit() - 0.5),
                })
                .collect()
        })
        .collect()
}

#[test]
fn parameter_fuzzing_at_sample_accurate_intervals_never_breaks_the_promise() {
    // Every parameter except the limiter switch and bypass (either one lets the
    // input through on purpose) gets random values, exact bounds included, as
    // sample-accurate events every 1, 100 and 1000 samples.
    let fuzzed = fuzzed();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (rate, interval) in [
        (44_100.0, 1usize),
        (48_000.0, 100),
        (96_000.0, 1000),
        (8_000.0, 100),
    ] {
        let mut host = Host::new();
        host.activate(rate, 512);
        let frames = 24_000;
        let input = nasty_input(frames, &mut rng);
        let mut events = Vec::new();
        let mut frame = 0;
        while frame < frames {
            let id = fuzzed[rng.below(fuzzed.len())];
            events.push((frame, id, rng.normalized()));
            frame += interval;
        }
        let out = host.process(&input, 512, &events);
        for (c, channel) in out.iter().enumerate() {
            for (n, v) in channel.iter().enumerate() {
                // The highest possible ceiling is 0 dBTP, so no sample may exceed 1.0.
                assert!(
                    v.is_finite() && v.abs() <= 1.0 && (v.abs() >= f32::MIN_POSITIVE || *v == 0.0),
                    "{rate} Hz, events every {interval}: channel {c} sample {n} = {v}"
                );
            }
        }
    }
}

#[test]
fn every_parameter_round_trips_through_its_text() {
    let mut host = Host::new();
    for info in host.param_infos() {
        let id = info.name.clone();
        let string_id = PARAM_IDS
            .iter()
            .find(|s| param_id(s) == info.id)
            .unwrap_or_else(|| panic!("unknown parameter {id}"));
        let steps = if info.is_stepped() {
            info.max as usize
        } else {
            40
        };
        for k in 0..=steps {
            let normalized = k as f64 / steps as f64;
            let text = host
                .value_to_text(string_id, normalized)
                .unwrap_or_else(|| panic!("{string_id}: no text for {normalized}"));
            let back = host
                .text_to_value(string_id, &text)
                .unwrap_or_else(|| panic!("{string_id}: text {text:?} does not parse"));
            let again = host.value_to_text(string_id, back).unwrap();
            // The text shows what the value is: parsing it gives a value that shows the same.
            assert_eq!(
                again, text,
                "{string_id}: {normalized} -> {text:?} -> {back}"
            );
        }
    }
}

#[test]
fn reset_and_reactivation_give_identical_output() {
    let mut rng = Rng(42);
    let input = nasty_input(20_000, &mut rng);
    let mut host = Host::new();
    let ceiling = host_text(&mut host, "ceiling", "-6");
    host.set_param("ceiling", ceiling);
    host.activate(48_000.0, 256);
    let first = host.process(&input, 256, &[]);
    host.deactivate();
    host.activate(48_000.0, 256);
    let second = host.process(&input, 256, &[]);
    assert_eq!(first, second, "reactivation must start from a clean state");
    // Another rate in between, then back: still identical.
    host.deactivate();
    host.activate(96_000.0, 64);
    let _ = host.process(&input, 64, &[]);
    host.deactivate();
    host.activate(48_000.0, 256);
    assert_eq!(host.process(&input, 256, &[]), first);
}

fn host_text(host: &mut Host, id: &str, text: &str) -> f64 {
    host.text_to_value(id, text).unwrap()
}

#[test]
fn zero_frame_process_calls_are_harmless() {
    // Zero-frame calls between (and before) real blocks change nothing.
    let mut rng = Rng(11);
    let input = nasty_input(32 * 256, &mut rng);
    let mut host = Host::new();
    host.activate(48_000.0, 256);
    let reference = host.process(&input, 256, &[]);
    host.deactivate();
    host.activate(48_000.0, 256);
    assert!(host.process_zero_frames(), "a zero-frame call was refused");
    let mut out = vec![Vec::new(), Vec::new()];
    for start in (0..input[0].len()).step_by(256) {
        let piece: Vec<Vec<f32>> = input
            .iter()
            .map(|c| c[start..start + 256].to_vec())
            .collect();
        for (o, p) in out.iter_mut().zip(host.process(&piece, 256, &[])) {
            o.extend(p);
        }
        assert!(host.process_zero_frames(), "a zero-frame call was refused");
    }
    assert_eq!(out, reference);
}

#[test]
fn random_block_sizes_within_one_activation_change_nothing() {
    // The DSP is block-size independent: random blocks of 1 … 512 frames give the
    // same samples as fixed 512-frame blocks.
    let mut rng = Rng(7);
    let input = nasty_input(30_000, &mut rng);
    let mut host = Host::new();
    host.activate(44_100.0, 512);
    let reference = host.process(&input, 512, &[]);
    host.deactivate();
    host.activate(44_100.0, 512);
    let mut out = vec![Vec::new(), Vec::new()];
    let mut start = 0;
    while start < input[0].len() {
        let len = (1 + rng.below(512)).min(input[0].len() - start);
        let piece: Vec<Vec<f32>> = input
            .iter()
            .map(|c| c[start..start + len].to_vec())
            .collect();
        let processed = host.process(&piece, len, &[]);
        for (o, p) in out.iter_mut().zip(processed) {
            o.extend(p);
        }
        start += len;
    }
    assert_eq!(out, reference);
}

/// State saved by version 0.1.0 (gain −6 dB, Mono, swap, limiter on, ceiling
/// −3 dBTP, release 120 ms): later versions must load it (with migration if the
/// format ever changes). Regenerate only when adding a new fixture, never edit.
const STATE_0_1_0: &str = "state-0.1.0.json";

#[test]
fn state_from_version_0_1_0_still_loads() {
    let path = test_support::fixture(STATE_0_1_0);
    if std::env::var_os("HM_WRITE_STATE_FIXTURE").is_some() {
        let mut host = Host::new();
        for (id, text) in [("gain", "-6"), ("ceiling", "-3"), ("release", "120")] {
            let value = host.text_to_value(id, text).unwrap();
            host.set_param(id, value);
        }
        host.set_param("mode", 0.25);
        host.set_param("swap", 1.0);
        std::fs::write(&path, state_json(&host.save_state())).unwrap();
    }
    let json = std::fs::read_to_string(&path).expect("the 0.1.0 state fixture");
    let mut host = Host::new();
    host.load_state(&test_support::clap_host::make_state(&json))
        .expect("0.1.0 state loads");
    for (id, text) in [("gain", "-6.0"), ("ceiling", "-3.0"), ("release", "120")] {
        let value = host.get_param(id);
        let shown = host.value_to_text(id, value).unwrap();
        assert!(shown.starts_with(text), "{id}: {shown}");
    }
    assert_eq!(host.get_param("mode"), 0.25, "Mono");
    assert_eq!(host.get_param("swap"), 1.0);
    assert_eq!(host.get_param("limiter"), 1.0);
}

#[test]
fn the_factory_describes_one_plugin_and_refuses_unknown_ids() {
    let garbage = format!("{PLUGIN_ID}x");
    let (descriptors, created) = probe_factory(
        &plugin_path(),
        &[PLUGIN_ID, garbage.as_str(), "", "org.example.unknown"],
    );
    assert_eq!(descriptors.len(), 1, "{descriptors:?}");
    let d = &descriptors[0];
    assert_eq!(
        (d.id.as_str(), d.name.as_str()),
        (PLUGIN_ID, "Headphone Monitor")
    );
    assert!(!d.version.is_empty());
    // At least one main category, no duplicate features.
    assert!(
        d.features.iter().any(|f| f == "audio-effect"),
        "{:?}",
        d.features
    );
    let mut unique = d.features.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        d.features.len(),
        "duplicate features: {:?}",
        d.features
    );
    // The real ID creates a plugin; trailing garbage, empty and unknown IDs do not.
    assert_eq!(created, [true, false, false, false]);
}

#[test]
fn the_instance_descriptor_matches_the_factory() {
    let (descriptors, _) = probe_factory(&plugin_path(), &[]);
    let host = Host::new();
    assert_eq!(host.instance_descriptor(), descriptors[0]);
}

#[test]
fn the_library_loads_with_every_symbol_resolved_and_exports_a_clap_entry() {
    let path = plugin_path();
    // SAFETY: loading runs the library's initialisers; the tests trust the plugin. On Linux
    // every symbol must resolve at load time (RTLD_NOW: a missing one fails here).
    let library = unsafe { test_support::clap_host::load_library(&path) };
    // SAFETY: `clap_entry` is a `clap_plugin_entry` struct whose first field is the
    // `clap_version` (three u32: major, minor, revision).
    let version = unsafe {
        let entry = library
            .get::<*const [u32; 3]>(b"clap_entry\0")
            .expect("clap_entry is exported");
        **entry
    };
    assert_eq!(version[0], 1, "CLAP major version 1, got {version:?}");
    // Never unloaded: the plugin's std keeps thread-local destructors (see clap_host.rs).
    std::mem::forget(library);
}

#[test]
fn audio_ports_declare_what_the_plugin_does() {
    let mut host = Host::new();
    let ports = host.audio_ports();
    assert_eq!(ports.len(), 2, "{ports:?}");
    for port in &ports {
        assert!(port.is_main && port.channel_count == 2, "{port:?}");
        // 32-bit only: nice-plug does not process 64-bit buffers, and says so.
        assert!(!port.supports_64bit, "{port:?}");
    }
}

#[test]
fn null_and_random_transport_never_change_the_audio() {
    let rate = 48_000.0;
    let mut rng = Rng(0x7a7a_5eed);
    let input = nasty_input(30_000, &mut rng);
    let events = [
        (0, "gain", 0.9),
        (9_000, "mode", 0.25),
        (20_000, "ceiling", 0.3),
    ];
    let mut plain = Host::new();
    plain.activate(rate, 256);
    let expected = plain.process(&input, 256, &events);
    for seed in [1, 0xfeed, 0xdead_beef] {
        let mut host = Host::new();
        host.set_random_transport(seed);
        host.activate(rate, 256);
        let out = host.process(&input, 256, &events);
        assert!(
            out == expected,
            "seed {seed}: a transport changed the audio"
        );
    }
}

#[test]
fn state_loads_when_the_host_delivers_it_a_few_bytes_at_a_time() {
    let mut source = Host::new();
    source.set_param("mode", 0.75);
    source.set_param("swap", 1.0);
    let gain = host_text(&mut source, "gain", "-7.5");
    source.set_param("gain", gain);
    let state = source.save_state();
    for max_read in [1, 3, 7, 64] {
        let mut host = Host::new();
        host.load_state_chunked(&state, max_read)
            .unwrap_or_else(|e| panic!("{max_read}-byte reads: {e}"));
        assert_eq!(host.save_state(), state, "{max_read}-byte reads");
    }
    // A blob cut short is refused in pieces too, and changes nothing.
    let mut host = Host::new();
    let before = host.save_state();
    assert!(host
        .load_state_chunked(&state[..state.len() - 5], 3)
        .is_err());
    assert_eq!(host.save_state(), before);
}

#[test]
fn constant_mask_silence_sleep_and_wake_up() {
    let rate = 48_000.0;
    let len = 48_000;
    let mut host = Host::new();
    host.activate(rate, 480);
    let latency = host.latency() as usize;
    let mut rng = Rng(0xc0ff_ee00_1234_5678);
    let music: Vec<f32> = (0..len).map(|_| 0.3 * (rng.unit() - 0.5)).collect();
    host.process(&[music.clone(), music.clone()], 480, &[]);
    // nice-plug answers CONTINUE_IF_NOT_QUIET: a host may stop calling process once the
    // outputs are quiet, so the outputs must really be quiet by then (checked below).
    let allowed = [ProcessStatus::Continue, ProcessStatus::ContinueIfNotQuiet];
    assert!(allowed.contains(&host.last_status().unwrap()));

    // Silence flagged constant: the lookahead delay drains the music, then exact zeros.
    host.set_constant_input(true);
    let silence = vec![0.0f32; len];
    let out = host.process(&[silence.clone(), silence], 480, &[]);
    assert_eq!(
        out[0][..latency],
        music[len - latency..],
        "the delay drains"
    );
    assert!(out.iter().all(|c| c[latency..].iter().all(|&v| v == 0.0)));
    assert!(allowed.contains(&host.last_status().unwrap()));

    // Constant blocks of DC with different values are read as such, delayed exactly — and
    // after the "sleep" (no process calls in between) nothing stale comes out.
    let dc: Vec<f32> = (0..len)
        .map(|n| if (n / 480) % 2 == 0 { 0.25 } else { -0.125 })
        .collect();
    let out = host.process(&[dc.clone(), dc.clone()], 480, &[]);
    assert!(out[0][..latency].iter().all(|&v| v == 0.0));
    assert_eq!(out[0][latency..], dc[..len - latency]);
    assert_eq!(out[1], out[0]);
}

#[test]
fn events_in_a_foreign_namespace_are_ignored() {
    let rate = 48_000.0;
    let mut rng = Rng(0xf0e1_9e00);
    let input = nasty_input(24_000, &mut rng);
    let ids = fuzzed();
    let events: Vec<(usize, &str, f64)> = (0..24_000)
        .step_by(1_500)
        .map(|frame| {
            let id = ids[rng.below(ids.len())];
            (frame, id, rng.normalized())
        })
        .collect();
    let mut plain = Host::new();
    plain.activate(rate, 512);
    let expected = plain.process(&input, 512, &events);
    let mut host = Host::new();
    host.set_foreign_namespace_decoys(true);
    host.activate(rate, 512);
    let out = host.process(&input, 512, &events);
    assert!(
        out == expected,
        "a decoy in a foreign event space changed the audio"
    );
    for id in fuzzed() {
        assert_eq!(host.get_param(id), plain.get_param(id), "{id}");
    }
}

#[test]
fn one_instance_reactivated_at_every_rate_from_8_to_384_khz() {
    let mut host = Host::new();
    let mut rng = Rng(0x0005_a3e5);
    for rate in [
        8_000.0, 11_025.0, 16_000.0, 22_050.0, 32_000.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0,
        176_400.0, 192_000.0, 352_800.0, 384_000.0,
    ] {
        let block = [1, 64, 512][rng.below(3)];
        host.activate(rate, block as u32);
        let latency = host.latency() as usize;
        assert_eq!(
            latency,
            headphone_monitor::dsp::Chain::new(rate as f32, Default::default()).latency_samples(),
            "{rate} Hz"
        );
        let mut x = vec![0.0f32; 3_000];
        x[321] = 0.25;
        let out = host.process(&[x.clone(), x], block, &[]);
        assert_eq!(
            out[0][321 + latency],
            0.25,
            "{rate} Hz: impulse after the latency"
        );
        let loud = host.process(&nasty_input(3_000, &mut rng), block, &[]);
        let ceiling = headphone_monitor::dsp::db_to_gain(-1.0);
        assert!(
            loud.iter()
                .flatten()
                .all(|v| v.is_finite() && v.abs() <= ceiling),
            "{rate} Hz"
        );
        host.deactivate();
    }
}

/// The latency setting through CLAP, at every rate the DSP promises: a change made by the
/// host (a parameter event) is reported as a latency change (a restart request; after the
/// restart, `clap_host_latency.changed`), the reported latency is the chain's in that
/// setting, and an impulse comes out exactly that late. The parameter is automatable (so
/// every host lists it) and stepped.
#[test]
fn the_latency_setting_is_reported_to_the_host_and_is_the_real_delay() {
    let mut host = Host::new();
    assert!(host.param_info("latency").is_automatable());
    assert!(host.param_info("latency").is_stepped());
    for rate in [8_000.0, 44_100.0, 48_000.0, 96_000.0, 384_000.0] {
        host.activate(rate, 512);
        for (normalized, mode) in [
            (0.5, headphone_monitor::dsp::LatencyMode::Low),
            (1.0, headphone_monitor::dsp::LatencyMode::Zero),
            (0.0, headphone_monitor::dsp::LatencyMode::Exact),
        ] {
            let before = host.callback_counts();
            let silence = vec![vec![0.0f32; 2_048]; 2];
            host.process(&silence, 512, &[(0, "latency", normalized)]);
            host.pump_main_thread();
            assert!(
                host.restart_requested(),
                "{rate} Hz {mode:?}: the host is asked to restart"
            );
            assert!(host.restart_if_requested());
            let after = host.callback_counts();
            assert!(
                after.latency_changed > before.latency_changed,
                "{rate} Hz {mode:?}"
            );
            let expected = test_support::latency_in(rate, mode);
            let latency = host.latency() as usize;
            assert_eq!(latency, expected, "{rate} Hz {mode:?}");
            let mut x = vec![0.0f32; 3_000];
            x[321] = 0.25;
            let out = host.process(&[x.clone(), x], 512, &[]);
            let at: Vec<usize> = (0..out[0].len()).filter(|&i| out[0][i] != 0.0).collect();
            assert_eq!(
                at,
                vec![321 + latency],
                "{rate} Hz {mode:?}: the impulse, that late"
            );
            assert_eq!(out[0][321 + latency], 0.25, "{rate} Hz {mode:?}: unchanged");
        }
        host.deactivate();
    }
}

/// A state carrying a correction (its filter list) restores it into a fresh instance; a
/// state without one — version 0.1.0's — means no correction, even in an instance that
/// has one loaded; a wild value in the field loads as no correction.
#[test]
fn the_correction_travels_in_the_state_and_old_states_mean_none() {
    use headphone_monitor::correction_file::{CorrectionField, LoadedCorrection, SavedCorrection};
    let loaded = LoadedCorrection::read(&test_support::fixture("eq/per_ear.txt")).unwrap();
    let input: Vec<Vec<f32>> = (0..2)
        .map(|c| {
            (0..9_600)
                .map(|n| 0.3 * (n as f32 * (0.05 + 0.02 * c as f32)).sin())
                .collect()
        })
        .collect();
    let run = |host: &mut Host| {
        host.activate(48_000.0, 256);
        host.process(&input, 256, &[])
    };
    let with_field = |json: &str, field: &str| {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["fields"]
            .as_object_mut()
            .unwrap()
            .insert("correction".into(), serde_json::Value::String(field.into()));
        v.to_string()
    };
    let bare = run(&mut Host::new());
    // Load a correction through the state.
    let mut host = Host::new();
    let saved = state_json(&host.save_state()).to_string();
    let field =
        serde_json::to_string(&CorrectionField(Some(SavedCorrection::from(&loaded)))).unwrap();
    host.load_state(&test_support::clap_host::make_state(&with_field(
        &saved, &field,
    )))
    .unwrap();
    let corrected = run(&mut host);
    assert_ne!(corrected, bare, "the correction applies");
    // Its own saved state restores it into a fresh instance exactly.
    let state = host.save_state();
    assert!(
        state_json(&state).contains("per_ear.txt"),
        "the filter list is saved"
    );
    let mut fresh = Host::new();
    fresh.load_state(&state).unwrap();
    assert_eq!(run(&mut fresh), corrected);
    // An EqualizerAPO configuration (includes resolved, a mix, delays, notes) the same way.
    let apo = LoadedCorrection::read(&test_support::fixture("eq/apo/config.txt")).unwrap();
    let apo_field =
        serde_json::to_string(&CorrectionField(Some(SavedCorrection::from(&apo)))).unwrap();
    let mut host_apo = Host::new();
    host_apo
        .load_state(&test_support::clap_host::make_state(&with_field(
            &saved, &apo_field,
        )))
        .unwrap();
    let apo_out = run(&mut host_apo);
    assert_ne!(apo_out, bare);
    assert_ne!(apo_out, corrected);
    let apo_state = host_apo.save_state();
    let apo_json = state_json(&apo_state);
    assert!(
        apo_json.contains("matrix") && apo_json.contains("delay_ms") && apo_json.contains("Device"),
        "the mix, the delays and the notes are saved"
    );
    let mut fresh = Host::new();
    fresh.load_state(&apo_state).unwrap();
    assert_eq!(run(&mut fresh), apo_out);
    // A GraphicEQ (a long FIR designed off the audio thread), loaded while the plug-in
    // runs: the audio thread only copies the filter in, then fades it in; its points are
    // saved and restore the same sound.
    let graphic = LoadedCorrection::read(&test_support::fixture("eq/graphic_eq.txt")).unwrap();
    let graphic_field =
        serde_json::to_string(&CorrectionField(Some(SavedCorrection::from(&graphic)))).unwrap();
    let mut host_g = Host::new();
    host_g.activate(48_000.0, 256);
    assert_eq!(host_g.process(&input, 256, &[]), bare);
    host_g
        .load_state(&test_support::clap_host::make_state(&with_field(
            &saved,
            &graphic_field,
        )))
        .unwrap();
    let faded_in = host_g.process(&input, 256, &[]);
    for ear in 0..2 {
        let (a, b) = (&faded_in[ear][8_000..], &bare[ear][8_000..]);
        assert!(
            a.iter().zip(b).any(|(x, y)| (x - y).abs() > 1e-3),
            "the graphic EQ plays once loaded (ear {ear})"
        );
    }
    let graphic_state = host_g.save_state();
    assert!(state_json(&graphic_state).contains("graphic"));
    let mut fresh = Host::new();
    fresh.load_state(&graphic_state).unwrap();
    let restored = run(&mut fresh);
    let mut direct = Host::new();
    direct
        .load_state(&test_support::clap_host::make_state(&with_field(
            &saved,
            &graphic_field,
        )))
        .unwrap();
    assert_eq!(restored, run(&mut direct));
    assert_ne!(restored, bare);
    // The 0.1.0 state (no correction field) into the corrected instance: none.
    host.deactivate();
    let old = std::fs::read_to_string(test_support::fixture(STATE_0_1_0)).unwrap();
    host.load_state(&test_support::clap_host::make_state(&old))
        .unwrap();
    let mut reference = Host::new();
    reference
        .load_state(&test_support::clap_host::make_state(&old))
        .unwrap();
    assert_eq!(run(&mut host), run(&mut reference));
    // A corrupted filter list: no correction, never a wild filter.
    let wild = field.replace("\"fc_hz\":90.0", "\"fc_hz\":1e12");
    assert_ne!(wild, field);
    let mut host = Host::new();
    host.load_state(&test_support::clap_host::make_state(&with_field(
        &saved, &wild,
    )))
    .unwrap();
    assert_eq!(run(&mut host), bare);
}

/// The plug-in is built, activated and run, with a GraphicEQ correction loaded, on a
/// thread with half a megabyte of stack. Hosts run plug-ins on threads with small stacks:
/// Ardour's export crashed (SIGSEGV) on a build whose settings carried each ear's GraphicEQ
/// points inline (10 KB, copied by value on every block) and that needed more than this.
#[test]
fn runs_on_a_thread_with_half_a_megabyte_of_stack() {
    use headphone_monitor::correction_file::{CorrectionField, LoadedCorrection, SavedCorrection};
    let graphic = LoadedCorrection::read(&test_support::fixture("eq/graphic_eq.txt")).unwrap();
    let field =
        serde_json::to_string(&CorrectionField(Some(SavedCorrection::from(&graphic)))).unwrap();
    let out = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let mut host = Host::new();
            let mut state: serde_json::Value =
                serde_json::from_str(state_json(&host.save_state())).unwrap();
            state["fields"]
                .as_object_mut()
                .unwrap()
                .insert("correction".into(), serde_json::Value::String(field));
            host.load_state(&test_support::clap_host::make_state(&state.to_string()))
                .unwrap();
            host.activate(48_000.0, 512);
            let input = vec![vec![0.1f32; 4_800]; 2];
            let out = host.process(&input, 512, &[]);
            host.deactivate();
            out
        })
        .unwrap()
        .join()
        .expect("the plug-in ran on a 512 KB stack");
    assert!(out.iter().flatten().all(|v| v.is_finite()));
    // The correction played: a constant input comes out at the curve's DC gain.
    let last = out[0][out[0].len() - 1];
    assert!((last - 0.1).abs() > 1e-3, "{last}");
}
