//! The built plugin, loaded through CLAP (clack-host), doing its job: latency by
//! impulse equals the reported latency, routing of hard-panned and anti-phase
//! signals, parameter events, the ceiling, state round trips, mono layouts, and
//! pinned identities. Run with `--features assert_process_allocs` (the README's
//! test command does), so any allocation inside `process` aborts the run.

use headphone_monitor::dsp::db_to_gain;
use test_support::clap_host::{make_state, param_id, Host, PLUGIN_ID};

fn sine(rate: f64, freq: f64, amp: f32, len: usize) -> Vec<f32> {
    test_support::signals::sine(rate, freq, f64::from(amp), len, 0.0)
}

fn rms(x: &[f32]) -> f32 {
    test_support::measure::rms(x) as f32
}

#[test]
fn identities_are_pinned() {
    assert_eq!(PLUGIN_ID, "org.headphone-monitor.headphone-monitor");
    assert_eq!(headphone_monitor::CLAP_ID, PLUGIN_ID);
    assert_eq!(&headphone_monitor::VST3_CLASS_ID, b"HeadphoneMon1tor");
    let host = Host::new();
    let mut ids: Vec<(u32, String)> = host
        .param_infos()
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    ids.sort();
    let mut expected: Vec<(u32, String)> = [
        ("gain", "Output Gain"),
        ("mode", "Monitor Mode"),
        ("swap", "Swap L/R"),
        ("limiter", "Limiter"),
        ("ceiling", "Ceiling"),
        ("release", "Release"),
        ("bypass", "Bypass"),
        ("crossfeed", "Crossfeed"),
        ("xf_preset", "Crossfeed Preset"),
        ("xf_cutoff", "Crossfeed Cut-off"),
        ("xf_feed", "Crossfeed Level"),
        ("monitor_only", "Monitor Only"),
        ("generator", "Test Signal"),
        ("dose_criterion", "Sound Allowance"),
        ("protect", "Protect"),
        ("protect_db", "Protect Amount"),
        ("spl_ceiling", "SPL Ceiling"),
        ("spl_ceiling_db", "SPL Ceiling Level"),
        ("correction", "Correction"),
        ("correction_level_match", "Correction Level Match"),
        ("dim", "Dim"),
        ("dim_db", "Dim Amount"),
        ("mute", "Mute"),
        ("invert_l", "Invert L"),
        ("invert_r", "Invert R"),
        ("trim_l", "Trim L"),
        ("trim_r", "Trim R"),
        ("bass_mono", "Mono Below"),
        ("bass_mono_hz", "Mono Below Frequency"),
        ("latency", "Latency"),
    ]
    .iter()
    .map(|(id, name)| (param_id(id), name.to_string()))
    .collect();
    expected.sort();
    assert_eq!(ids, expected);
    assert!(host.param_info("bypass").is_bypass());
    // Defaults as declared.
    let mut host = Host::new();
    let gain_default = host.param_info("gain").default_normalized();
    let ceiling_default = host.param_info("ceiling").default_normalized();
    assert_eq!(
        host.value_to_text("gain", gain_default).as_deref(),
        Some("0.0 dB")
    );
    assert_eq!(
        host.value_to_text("ceiling", ceiling_default).as_deref(),
        Some("-1.0 dBTP")
    );
    assert_eq!(host.get_param("limiter"), 1.0);
}

#[test]
fn latency_by_impulse_equals_reported_latency() {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        let mut host = Host::new();
        host.activate(rate, 512);
        let reported = host.latency() as usize;
        assert!(reported > 0 && reported as f64 <= 257.0 + 0.00015 * rate);
        let mut x = vec![0.0f32; 4000];
        x[777] = 0.5;
        let out = host.process(&[x.clone(), x], 512, &[]);
        let peak = out[0]
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert_eq!(peak, 777 + reported, "{rate} Hz");
        assert_eq!(
            out[0][peak], 0.5,
            "{rate} Hz: impulse below the ceiling passes unchanged"
        );
    }
}

#[test]
fn routing_through_parameter_events() {
    let rate = 48_000.0;
    let len = 48_000;
    let s = sine(rate, 300.0, 0.4, len);
    let silent = vec![0.0f32; len];
    let anti: Vec<f32> = s.iter().map(|v| -v).collect();
    let tail = 24_000..len;
    // Swap via an event at sample 0: hard-left comes out on the right.
    let mut host = Host::new();
    host.activate(rate, 256);
    let out = host.process(&[s.clone(), silent.clone()], 256, &[(0, "swap", 1.0)]);
    assert!(
        rms(&out[0][tail.clone()]) < 1e-4 && (rms(&out[1][tail.clone()]) - 0.283).abs() < 0.003
    );
    // Mono (mode 1 of 0..4) cancels anti-phase content, Side keeps it.
    let mut host = Host::new();
    host.activate(rate, 256);
    let out = host.process(&[s.clone(), anti.clone()], 256, &[(0, "mode", 0.25)]);
    assert!(rms(&out[0][tail.clone()]) < 1e-4 && rms(&out[1][tail.clone()]) < 1e-4);
    let mut host = Host::new();
    host.activate(rate, 256);
    let out = host.process(&[s.clone(), anti], 256, &[(0, "mode", 0.5)]);
    assert!((rms(&out[0][tail.clone()]) - 0.283).abs() < 0.003);
    // Left mode: a hard-left source in both ears.
    let mut host = Host::new();
    host.activate(rate, 256);
    let out = host.process(&[s, silent], 256, &[(0, "mode", 0.75)]);
    assert!((rms(&out[1][tail.clone()]) - 0.283).abs() < 0.003);
}

#[test]
fn gain_boost_never_pushes_past_the_ceiling() {
    let rate = 48_000.0;
    let mut host = Host::new();
    host.activate(rate, 128);
    let loud = sine(rate, 997.0, 0.9, 24_000);
    // +12 dB and a −6 dBTP ceiling, set sample-accurately mid-stream.
    let gain_norm = host.text_to_value("gain", "12").unwrap();
    let ceiling_norm = host.text_to_value("ceiling", "-6").unwrap();
    let out = host.process(
        &[loud.clone(), loud],
        128,
        &[(100, "gain", gain_norm), (100, "ceiling", ceiling_norm)],
    );
    let ceiling_m1 = db_to_gain(-1.0);
    for ch in &out {
        assert!(ch.iter().all(|v| v.is_finite() && v.abs() <= ceiling_m1));
        // After the 20 ms ceiling glide, nothing above −6 dBTP.
        assert!(ch[2_000..].iter().all(|v| v.abs() <= db_to_gain(-6.0)));
        assert!(
            ch[2_000..].iter().any(|v| v.abs() > db_to_gain(-6.5)),
            "limiter too deep"
        );
    }
}

#[test]
fn state_restores_into_a_fresh_instance_with_identical_output() {
    let rate = 44_100.0;
    let input = vec![
        sine(rate, 440.0, 1.5, 20_000),
        sine(rate, 660.0, 0.7, 20_000),
    ];
    let mut a = Host::new();
    a.set_param("mode", 0.25);
    a.set_param("swap", 1.0);
    a.set_param("release", 0.8);
    let minus3 = a.text_to_value("gain", "-3").unwrap();
    a.set_param("gain", minus3);
    let state = a.save_state();
    a.activate(rate, 333);
    let out_a = a.process(&input, 333, &[]);
    let mut b = Host::new();
    b.load_state(&state).expect("state loads");
    assert_eq!(
        b.save_state(),
        state,
        "save → load → save is byte-identical"
    );
    b.activate(rate, 333);
    let out_b = b.process(&input, 333, &[]);
    assert_eq!(out_a, out_b);
}

#[test]
fn corrupted_state_is_rejected_and_changes_nothing() {
    let mut host = Host::new();
    host.set_param("swap", 1.0);
    let before = host.save_state();
    assert!(host.load_state(&[]).is_err());
    assert!(host.load_state(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3]).is_err());
    assert!(host.load_state(&make_state("{\"truncated\": ")).is_err());
    assert_eq!(host.save_state(), before);
    host.activate(48_000.0, 64);
    let out = host.process(&[vec![f32::NAN; 1000], vec![1e30; 1000]], 64, &[]);
    assert!(out
        .iter()
        .flatten()
        .all(|v| v.is_finite() && v.abs() <= db_to_gain(-1.0)));
}

#[test]
fn mono_layouts_route_sensibly() {
    let rate = 48_000.0;
    let s = sine(rate, 500.0, 0.3, 10_000);
    // Mono in → stereo out: the source in both ears, equal.
    let mut host = Host::new();
    host.activate_with_channels(rate, 256, 1, 2);
    let lat = host.latency() as usize;
    let out = host.process(std::slice::from_ref(&s), 256, &[]);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], out[1]);
    assert_eq!(out[0][lat..], s[..s.len() - lat]);
    // Mono in → mono out: transparent at neutral settings; Side is silence.
    let mut host = Host::new();
    host.activate_with_channels(rate, 256, 1, 1);
    let out = host.process(std::slice::from_ref(&s), 256, &[]);
    assert_eq!(out[0][lat..], s[..s.len() - lat]);
    let out = host.process(std::slice::from_ref(&s), 256, &[(0, "mode", 0.5)]);
    assert!(rms(&out[0][5_000..]) < 1e-4);
}

#[test]
fn activation_at_extreme_rates_and_tiny_blocks() {
    for rate in [8_000.0, 384_000.0] {
        let mut host = Host::new();
        host.activate(rate, 1);
        let lat = host.latency() as usize;
        assert!(lat as f64 <= 257.0 + 0.00015 * rate);
        let mut x = vec![0.0f32; 2_000];
        x[10] = 0.25;
        let out = host.process(&[x.clone(), x], 1, &[]);
        assert_eq!(out[0][10 + lat], 0.25, "{rate} Hz");
    }
}

#[test]
fn the_clap_build_offers_a_resizable_embedded_editor_of_the_documented_size() {
    // Without creating a window (no display needed); `tests/editor_screenshot.rs`
    // shows the same editor under Xvfb through the standalone app.
    let mut host = Host::new();
    let info = host
        .gui_info(false)
        .expect("the plugin has the CLAP GUI extension");
    assert!(info.embedded, "embedding not supported: {info:?}");
    let (w, h) = headphone_monitor::editor::DEFAULT_SIZE;
    assert_eq!(info.size, Some((w as u32, h as u32)), "{info:?}");
    assert!(info.can_resize, "{info:?}");
}

#[test]
fn audio_port_configurations_have_distinct_names() {
    let mut host = Host::new();
    let names: Vec<(String, u32, u32)> = host
        .port_configs()
        .into_iter()
        .map(|c| (c.name, c.input_channels, c.output_channels))
        .collect();
    assert_eq!(
        names,
        [
            ("Stereo".to_string(), 2, 2),
            ("Mono → Stereo".to_string(), 1, 2),
            ("Mono".to_string(), 1, 1)
        ]
    );
}

/// The tail is truthful: once the input falls silent, the output is silent after the
/// latency, and after the reported tail the limiter is back at exactly unity (a quiet signal
/// then passes bit for bit). With a test signal playing the tail is infinite.
#[test]
fn the_reported_tail_covers_the_delay_and_the_limiters_recovery() {
    use clack_extensions::tail::TailLength;
    let rate = 48_000.0;
    let mut host = Host::new();
    host.activate(rate, 512);
    let latency = host.latency() as usize;
    // A +20 dBFS burst (about 21 dB of gain reduction), then silence.
    let burst = sine(rate, 997.0, 10.0, 4_800);
    let out = host.process(&[burst.clone(), burst], 512, &[]);
    assert!(out[0].iter().any(|&v| v != 0.0));
    let tail = match host.tail() {
        Some(TailLength::Finite(samples)) => samples as usize,
        other => panic!("a finite tail, got {other:?}"),
    };
    assert!(tail > latency, "tail {tail} ≤ latency {latency}");
    let silence = vec![0.0_f32; tail];
    let out = host.process(&[silence.clone(), silence], 512, &[]);
    assert!(
        out[0][latency..].iter().all(|&v| v == 0.0),
        "silent after the latency"
    );
    let quiet = sine(rate, 440.0, 0.1, 9_600);
    let out = host.process(&[quiet.clone(), quiet.clone()], 512, &[]);
    for (n, &v) in out[0].iter().enumerate().skip(latency) {
        assert_eq!(
            v.to_bits(),
            quiet[n - latency].to_bits(),
            "frame {n} after the tail"
        );
    }

    // A test signal sounds whatever the input: the tail is infinite.
    host.set_param("generator", 1.0 / 3.0);
    host.process(&[vec![0.0; 2_048], vec![0.0; 2_048]], 512, &[]);
    assert_eq!(host.tail(), Some(TailLength::Infinite));
}

#[test]
fn the_monitor_controller_through_the_built_plugin() {
    let rate = 48_000.0;
    let len = 48_000;
    let block = 256;
    let s = sine(rate, 440.0, 0.1, len);
    let tail = 24_000..len;
    let run = |events: &[(usize, &str, &str)], l: &[f32], r: &[f32]| {
        let mut host = Host::new();
        host.activate(rate, block as u32);
        let latency = host.latency() as usize;
        let events: Vec<(usize, &str, f64)> = events
            .iter()
            .map(|&(at, id, text)| (at, id, host.text_to_value(id, text).unwrap()))
            .collect();
        (
            host.process(&[l.to_vec(), r.to_vec()], block, &events),
            latency,
        )
    };
    // Trim: +6 dB on the left ear, the right ear untouched bit for bit.
    let (out, lat) = run(&[(0, "trim_l", "6"), (0, "trim_r", "0")], &s, &s);
    let ratio = rms(&out[0][tail.clone()]) / rms(&s[tail.start - lat..len - lat]);
    assert!((20.0 * ratio.log10() - 6.0).abs() < 0.01, "{ratio}");
    assert!(tail
        .clone()
        .all(|n| out[1][n].to_bits() == s[n - lat].to_bits()));
    // Dim at −20 dB (its default amount): both ears 20 dB down.
    let (out, lat) = run(&[(0, "dim", "On")], &s, &s);
    for ch in &out {
        let ratio = rms(&ch[tail.clone()]) / rms(&s[tail.start - lat..len - lat]);
        assert!((20.0 * ratio.log10() + 20.0).abs() < 0.01, "{ratio}");
    }
    // Mute: exact zeros once its glide is over.
    let (out, _) = run(&[(100, "mute", "On")], &s, &s);
    assert!(out.iter().all(|ch| ch[5_000..].iter().all(|&v| v == 0.0)));
    // Polarity: invert R flips the right ear's sign; with Mono, a centred source cancels.
    let (out, lat) = run(&[(0, "invert_r", "On")], &s, &s);
    assert!(tail
        .clone()
        .all(|n| out[1][n] == -s[n - lat] && out[0][n] == s[n - lat]));
    let (out, _) = run(&[(0, "invert_l", "On"), (0, "mode", "Mono")], &s, &s);
    assert!(out.iter().all(|ch| rms(&ch[tail.clone()]) == 0.0));
    // Bass mono at 120 Hz: anti-phase 50 Hz gone (> 40 dB down), 2 kHz kept (0.1 dB).
    for (freq, lo, hi) in [(50.0, -200.0, -40.0), (2_000.0, -0.1, 0.1)] {
        let x = sine(rate, freq, 0.25, len);
        let y: Vec<f32> = x.iter().map(|v| -v).collect();
        let (out, _) = run(
            &[(0, "bass_mono", "On"), (0, "bass_mono_hz", "120")],
            &x,
            &y,
        );
        let db = 20.0 * (rms(&out[0][tail.clone()]) / rms(&x[tail.clone()])).log10();
        assert!((lo..hi).contains(&db), "{freq} Hz: {db} dB");
    }
}
