//! Render-aware monitoring through the built plugin as CLAP (the render extension), both directions: a host that renders
//! offline and calls `process` as fast as it can gets the audio through unchanged from the
//! first sample, delayed by the latency; a host that claims offline but calls `process` at
//! real-time pace keeps the ceiling throughout and gets the monitoring back within 0.1 s of
//! audio; "Monitor Only" off prints the processing; real time never passes through. The
//! programme and the judgements are `test_support::render_aware`'s.

use std::time::Duration;

use test_support::clap_host::Host;
use test_support::render_aware::*;

fn clap_host_mono_minus_6(monitor_only: bool) -> Host {
    let mut host = Host::new();
    host.set_param("mode", 0.25);
    let minus6 = host.text_to_value("gain", "-6").unwrap();
    host.set_param("gain", minus6);
    if !monitor_only {
        host.set_param("monitor_only", 0.0);
    }
    host
}

/// Processes `input` block by block at real-time pace (sleeping a block's duration after
/// each) — what a host that lies about offline rendering while someone listens does.
fn clap_real_time_pace(host: &mut Host, input: &[Vec<f32>], block: usize) -> Vec<Vec<f32>> {
    let mut out = vec![Vec::new(), Vec::new()];
    for start in (0..input[0].len()).step_by(block) {
        let end = (start + block).min(input[0].len());
        let slice: Vec<Vec<f32>> = input.iter().map(|c| c[start..end].to_vec()).collect();
        let piece = host.process(&slice, block, &[]);
        out[0].extend_from_slice(&piece[0]);
        out[1].extend_from_slice(&piece[1]);
        std::thread::sleep(Duration::from_secs_f64((end - start) as f64 / RATE));
    }
    out
}

#[test]
fn clap_offline_render_passes_through_unchanged() {
    let mut host = clap_host_mono_minus_6(true);
    assert!(
        host.set_render_mode(true),
        "the render extension accepts offline"
    );
    host.activate(RATE, 512);
    let latency = host.latency() as usize;
    let input = programme(3.0);
    let out = host.process(&input, 512, &[]);
    // The input, untouched and aligned, from the first sample.
    assert!(passes_through(&out, &input, latency, latency));
}

#[test]
fn clap_offline_claim_at_real_time_pace_keeps_protecting() {
    let mut host = clap_host_mono_minus_6(true);
    assert!(host.set_render_mode(true));
    host.activate(RATE, 256);
    let latency = host.latency() as usize;
    let input = programme_with_early_burst(1.2);
    let out = clap_real_time_pace(&mut host, &input, 256);
    assert!(
        protected(&out, monitored_again(256, latency)),
        "protection dropped at real-time pace"
    );
}

#[test]
fn clap_monitor_only_off_prints_and_real_time_never_passes_through() {
    let input = programme(2.0);
    let mut host = clap_host_mono_minus_6(false);
    assert!(host.set_render_mode(true));
    host.activate(RATE, 512);
    let latency = host.latency() as usize;
    assert!(
        processed(&host.process(&input, 512, &[]), latency),
        "monitor only off"
    );

    let mut host = clap_host_mono_minus_6(true);
    host.activate(RATE, 512);
    assert!(
        processed(&host.process(&input, 512, &[]), latency),
        "real time, fast"
    );
}

#[test]
fn clap_render_mode_switch_while_active_restarts_and_takes_effect() {
    let mut host = clap_host_mono_minus_6(true);
    host.activate(RATE, 512);
    let latency = host.latency() as usize;
    let input = programme(2.0);
    assert!(processed(&host.process(&input, 512, &[]), latency));
    assert!(host.set_render_mode(true));
    assert!(
        host.restart_if_requested(),
        "a mode change while active asks for a restart"
    );
    let out = host.process(&input, 512, &[]);
    assert!(passes_through(&out, &input, latency, latency));
}
