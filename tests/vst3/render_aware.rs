//! Render-aware monitoring through the built plugin as VST3 (`kOffline` in `setupProcessing` or in `ProcessData`), both directions: a host that renders
//! offline and calls `process` as fast as it can gets the audio through unchanged from the
//! first sample, delayed by the latency; a host that claims offline but calls `process` at
//! real-time pace keeps the ceiling throughout and gets the monitoring back within 0.1 s of
//! audio; "Monitor Only" off prints the processing; real time never passes through. The
//! programme and the judgements are `test_support::render_aware`'s.
// The VST3 process modes are `u32` on Linux and `i32` on Windows; the casts are needed on one.
#![allow(clippy::unnecessary_cast)]

use std::time::Duration;

use test_support::clap_host::param_id;
use test_support::render_aware::*;
use test_support::vst3_host::Vst3Instance;
use vst3::Steinberg::Vst::ProcessModes_::{kOffline, kRealtime};

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
