//! Render-aware monitoring through the built plugin, both formats, both directions: a host
//! that renders offline (CLAP render extension / VST3 `kOffline`) and calls `process` as fast
//! as it can gets the audio through unchanged from the first sample, delayed by the latency;
//! a host that claims offline but calls `process` at real-time pace keeps the ceiling
//! throughout and gets the monitoring back within 0.1 s of audio; "Monitor Only" off prints
//! the processing; real time never passes through.
//!
//! The processing under test is Mono at −6 dB, so processed output (left == right, quieter)
//! and pass-through (the stereo input, untouched) cannot be confused.
// The VST3 process modes are `u32` on Linux and `i32` on Windows; the casts are needed on one.
#![allow(clippy::unnecessary_cast)]

mod common;
#[path = "common/rng.rs"]
mod rng;

use std::time::Duration;

use common::clap_host::{param_id, Host};
use common::vst3_host::Vst3Instance;
use headphone_monitor::monitor::render_guard::SLACK_S;
use rng::Rng;
use vst3::Steinberg::Vst::ProcessModes_::{kOffline, kRealtime};

const RATE: f64 = 48_000.0;

/// Stereo noise at about −20 dBFS with different channels.
fn programme(seconds: f64) -> Vec<Vec<f32>> {
    let mut rng = Rng(0x0ff1_13e5);
    let len = (seconds * RATE) as usize;
    (0..2)
        .map(|_| (0..len).map(|_| 0.2 * (rng.unit() - 0.5)).collect())
        .collect()
}

/// The programme with a +6 dBFS burst 20–50 ms in: before the render guard could have judged
/// the pace, so a listener of a host that lies about rendering offline would hear it.
fn programme_with_early_burst(seconds: f64) -> Vec<Vec<f32>> {
    let mut input = programme(seconds);
    for channel in &mut input {
        for (n, v) in channel.iter_mut().enumerate().skip(960).take(1_440) {
            *v = 2.0 * (n as f32 * 0.13).sin();
        }
    }
    input
}

/// The −1 dBTP default ceiling as a sample-peak bound.
fn ceiling() -> f32 {
    10f32.powf(-1.0 / 20.0)
}

/// Frame from which a host that claims offline at real-time pace gets the monitoring back:
/// the render guard's lag bound (0.1 s of audio), one block, the 20 ms glide and the latency.
fn monitored_again(block: usize, latency: usize) -> usize {
    (2.0 * SLACK_S * RATE) as usize + block + (0.020 * RATE) as usize + latency
}

/// Whether `out` is processed (Mono) from `from` on, and never above the ceiling anywhere.
fn protected(out: &[Vec<f32>], from: usize) -> bool {
    let peak = out.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
    processed(out, from) && peak <= ceiling()
}

/// Whether `out` from `from` on is exactly the input delayed by `latency`.
fn passes_through(out: &[Vec<f32>], input: &[Vec<f32>], latency: usize, from: usize) -> bool {
    (0..2).all(|c| {
        (from..out[c].len()).all(|n| out[c][n].to_bits() == input[c][n - latency].to_bits())
    })
}

/// Whether `out` is processed (Mono: both ears identical) everywhere after the latency.
fn processed(out: &[Vec<f32>], latency: usize) -> bool {
    out[0][latency..] == out[1][latency..] && out[0][latency..].iter().any(|&v| v != 0.0)
}

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

fn vst3_mono_minus_6(monitor_only: bool) -> Vst3Instance {
    let plugin = Vst3Instance::new();
    plugin.set_param(param_id("mode"), 0.25);
    let gain = param_id("gain");
    plugin.set_param(gain, plugin.to_normalized(gain, -6.0));
    if !monitor_only {
        plugin.set_param(param_id("monitor_only"), 0.0);
    }
    plugin
}

/// Processes `input` at real-time pace (a block's duration of sleep after each block).
fn vst3_real_time_pace(
    plugin: &mut Vst3Instance,
    input: &[Vec<f32>],
    block: usize,
) -> Vec<Vec<f32>> {
    let mut out = vec![Vec::new(), Vec::new()];
    for start in (0..input[0].len()).step_by(block) {
        let end = (start + block).min(input[0].len());
        let slice: Vec<Vec<f32>> = input.iter().map(|c| c[start..end].to_vec()).collect();
        let piece = plugin.process(&slice, block, &[], None);
        out[0].extend_from_slice(&piece[0]);
        out[1].extend_from_slice(&piece[1]);
        std::thread::sleep(Duration::from_secs_f64((end - start) as f64 / RATE));
    }
    out
}

/// Two exports, each followed by live playback: every export (entered with `export`) must
/// pass through, and live playback (entered with `live`) must be processed, at real-time pace
/// and when the audio comes fast.
fn two_exports_with_live_playback(
    plugin: &mut Vst3Instance,
    export: impl Fn(&mut Vst3Instance),
    live: impl Fn(&mut Vst3Instance),
) {
    let input = programme(3.0);
    let short = programme(1.2);
    let latency = plugin.latency() as usize;
    for round in 1..=2 {
        plugin.deactivate();
        export(plugin);
        let out = plugin.process(&input, 512, &[], None);
        assert!(
            passes_through(&out, &input, latency, latency),
            "export {round} passes through from its first sample"
        );
        plugin.deactivate();
        live(plugin);
        assert!(
            processed(&vst3_real_time_pace(plugin, &short, 512), latency),
            "live playback after export {round} is protected"
        );
        // Real time and fast (a device filling its buffers): still protected.
        assert!(processed(&plugin.process(&input, 512, &[], None), latency));
    }
}

/// A host that calls `setupProcessing` exactly once per (re-)activation, with `kOffline` for
/// an export and `kRealtime` afterwards. (nice-plug 0.4.2 handed `activate` the previous
/// call's mode, so such a host was seen the wrong way round at every switch;
/// `patches/nice-plug+0.4.2.patch` fixes the order.)
#[test]
fn vst3_one_setup_per_activation_exports_pass_through_and_live_playback_is_protected() {
    let mut plugin = vst3_mono_minus_6(true);
    assert!(plugin.activate_with_mode(RATE, 512, kRealtime as i32));
    two_exports_with_live_playback(
        &mut plugin,
        |p| assert!(p.activate_with_mode(RATE, 512, kOffline as i32)),
        |p| assert!(p.activate_with_mode(RATE, 512, kRealtime as i32)),
    );
}

/// What Ardour 7 really does (seen with `ardour7-export` and Lua `SimpleExport`): one
/// `setupProcessing(kRealtime)` for the session, a plain re-activation when an export starts
/// and ends, and `ProcessData::processMode = kOffline` with every call while it exports. The
/// claim of each call counts.
#[test]
fn vst3_offline_stated_only_in_process_data_passes_through_and_live_stays_protected() {
    let mut plugin = vst3_mono_minus_6(true);
    assert!(plugin.activate_with_mode(RATE, 512, kRealtime as i32));
    two_exports_with_live_playback(
        &mut plugin,
        |p| {
            assert!(p.reactivate());
            p.set_call_process_mode(Some(kOffline as i32));
        },
        |p| {
            assert!(p.reactivate());
            p.set_call_process_mode(None);
        },
    );
}

#[test]
fn vst3_offline_claim_at_real_time_pace_and_monitor_only_off_keep_processing() {
    let short = programme_with_early_burst(1.2);
    let input = programme(2.0);
    let mut plugin = vst3_mono_minus_6(true);
    assert!(plugin.activate_with_mode(RATE, 256, kOffline as i32));
    let latency = plugin.latency() as usize;
    assert!(
        protected(
            &vst3_real_time_pace(&mut plugin, &short, 256),
            monitored_again(256, latency)
        ),
        "VST3: protection dropped at real-time pace"
    );
    let mut plugin = vst3_mono_minus_6(false);
    assert!(plugin.activate_with_mode(RATE, 512, kOffline as i32));
    assert!(
        processed(&plugin.process(&input, 512, &[], None), latency),
        "monitor only off"
    );
}
