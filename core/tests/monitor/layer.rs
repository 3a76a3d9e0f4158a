//! The monitor layer without the plug-in framework: the SPL cap, protection, the
//! render guard's pass-through, dose counting and the layouts, each driven through
//! `Monitor::process` with an injected clock, as the plug-in and the renderer drive it.

use test_support::signals;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use headphone_monitor_core::dsp::listening::calibration;
use headphone_monitor_core::dsp::{db_to_gain, Settings};
use headphone_monitor_core::meters::SharedMeters;
use headphone_monitor_core::monitor::{BlockInfo, Controls, Layout, Monitor};

const RATE: f32 = 48_000.0;
const BLOCK: usize = 480;

/// A 1 kHz sine at `amplitude`, `seconds` long.
/// A 1 kHz sine of `amplitude`, `seconds` long.
fn sine(amplitude: f32, seconds: f32) -> Vec<f32> {
    let len = (seconds * RATE) as usize;
    test_support::signals::sine(f64::from(RATE), 1000.0, f64::from(amplitude), len, 0.0)
}

/// Runs `input` (both ears) through a monitor; `clock(block_index)` gives each block's
/// time. Returns the left output.
fn run(
    monitor: &mut Monitor,
    controls: &Controls,
    input: &[f32],
    offline: bool,
    clock: impl Fn(usize) -> f64,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(input.len());
    for (k, piece) in input.chunks(BLOCK).enumerate() {
        let mut l = piece.to_vec();
        let mut r = piece.to_vec();
        let info = BlockInfo {
            offline_claimed: offline,
            now_s: clock(k),
            metering: false,
        };
        monitor.process(&mut [&mut l, &mut r], Layout::Stereo, controls, info);
        out.extend_from_slice(&l);
    }
    out
}

/// Real-time playback: each block arrives when its audio is due.
fn playback(k: usize) -> f64 {
    (k * BLOCK) as f64 / f64::from(RATE)
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

fn calibrated(full_scale_spl: f64) -> Controls {
    Controls {
        full_scale_spl: Some(full_scale_spl),
        ..Controls::default()
    }
}

#[test]
fn the_spl_cap_limits_the_peak_at_the_ear_through_the_calibration() {
    let meters = Arc::new(SharedMeters::new());
    let mut controls = calibrated(110.0);
    controls.spl_ceiling_db = Some(95.0);
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, meters);
    let out = run(&mut monitor, &controls, &sine(0.9, 1.0), false, playback);
    let cap = db_to_gain(calibration::ceiling_for_peak_spl(95.0, 110.0) as f32);
    let settled = peak(&out[24_000..]);
    assert!(settled <= cap, "{settled} over {cap}");
    // It reaches the cap (a limiter at the cap, not a fixed attenuation).
    assert!(
        settled >= cap * db_to_gain(-0.5),
        "{settled} well under {cap}"
    );
    // Without the cap switched on, the parameter ceiling (−1 dBTP) applies.
    controls.spl_ceiling_db = None;
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, Arc::new(SharedMeters::new()));
    let out = run(&mut monitor, &controls, &sine(0.9, 1.0), false, playback);
    assert!(peak(&out[24_000..]) > db_to_gain(-1.5));
}

#[test]
fn protection_starts_once_the_week_is_used_up_and_not_before() {
    let mut controls = calibrated(100.0);
    controls.protect_db = Some(6.0);
    controls.chain.limiter_on = false;
    let input = sine(0.1, 11.0);
    let allowance = controls.criterion.allowance_pa2h();
    let tail_peak = |week: f64| {
        let meters = Arc::new(SharedMeters::new());
        meters.set_history_total(week);
        let mut monitor = Monitor::new(RATE, BLOCK, &controls, meters);
        let out = run(&mut monitor, &controls, &input, false, playback);
        peak(&out[out.len() - 4_800..])
    };
    let open = tail_peak(allowance * 0.5);
    let protected = tail_peak(allowance);
    assert!((open / 0.1 - 1.0).abs() < 1e-3, "{open}");
    assert!(
        (protected / (0.1 * db_to_gain(-6.0)) - 1.0).abs() < 1e-3,
        "{protected}"
    );
}

#[test]
fn a_genuine_export_passes_through_bit_for_bit_and_is_not_counted_as_heard() {
    let meters = Arc::new(SharedMeters::new());
    let controls = calibrated(100.0);
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, meters.clone());
    let latency = monitor.latency_samples();
    // +6 dBFS: the limiter would reduce it, the pass-through must not.
    let input = sine(2.0, 4.0);
    // An export running 10× faster than real time.
    let out = run(&mut monitor, &controls, &input, true, |k| {
        playback(k) / 10.0
    });
    // After the guard's check and the bypass crossfade, the output is the input, delayed.
    for n in 3 * 48_000..input.len() {
        assert_eq!(out[n].to_bits(), input[n - latency].to_bits(), "sample {n}");
    }
    // The same export claimed at real-time pace is a print, processed (≤ the ceiling).
    let meters_rt = Arc::new(SharedMeters::new());
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, meters_rt.clone());
    let out = run(&mut monitor, &controls, &input, true, playback);
    assert!(peak(&out) <= db_to_gain(-1.0));
    // Listening was counted for the print (someone may listen), not for the pass-through
    // once it began (the first second of verification is counted: the safe side).
    let exported = meters.session_seconds.load(Ordering::Relaxed);
    let printed = meters_rt.session_seconds.load(Ordering::Relaxed);
    assert!((printed - 4.0).abs() < 1e-9, "{printed}");
    assert!(exported < 1.5, "{exported}");
}

#[test]
fn mute_silences_playback_but_a_genuine_export_still_passes() {
    let mut controls = calibrated(100.0);
    controls.chain.controller.mute = true;
    let input = sine(0.5, 4.0);
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, Arc::new(SharedMeters::new()));
    let latency = monitor.latency_samples();
    let out = run(&mut monitor, &controls, &input, true, |k| {
        playback(k) / 10.0
    });
    for n in 3 * 48_000..input.len() {
        assert_eq!(out[n].to_bits(), input[n - latency].to_bits(), "sample {n}");
    }
    // Played back in real time, the same settings are silent.
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, Arc::new(SharedMeters::new()));
    let out = run(&mut monitor, &controls, &input, false, playback);
    assert!(out.iter().all(|&v| v == 0.0));
}

#[test]
fn dose_is_counted_from_the_calibrated_output() {
    let meters = Arc::new(SharedMeters::new());
    let controls = calibrated(100.0);
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, meters.clone());
    // −20 dBFS sine (amplitude 0.1) under 0 dBFS = 100 dB SPL: 80 dB(A) at 1 kHz.
    run(&mut monitor, &controls, &sine(0.1, 2.0), false, playback);
    let exposure = meters.session_exposure.load(Ordering::Relaxed);
    let expect = 0.04 * 2.0 / 3600.0; // 80 dB SPL = 0.04 Pa² for 2 s (latency: a few ms less)
    assert!(
        (exposure / expect - 1.0).abs() < 0.01,
        "{exposure} vs {expect}"
    );
    assert_eq!(meters.week_exposure(), exposure);
    // Not calibrated: nothing counted.
    let meters = Arc::new(SharedMeters::new());
    let controls = Controls::default();
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, meters.clone());
    run(&mut monitor, &controls, &sine(0.1, 1.0), false, playback);
    assert_eq!(meters.session_exposure.load(Ordering::Relaxed), 0.0);
}

#[test]
fn the_layouts_map_onto_the_stereo_chain() {
    let controls = Controls::from(Settings::default());
    let input = sine(0.3, 0.2);
    let info = BlockInfo {
        offline_claimed: false,
        now_s: 0.0,
        metering: false,
    };
    let latency =
        Monitor::new(RATE, BLOCK, &controls, Arc::new(SharedMeters::new())).latency_samples();
    // Mono in, stereo out: the right buffer's own content is replaced by the left.
    let mut monitor = Monitor::new(RATE, input.len(), &controls, Arc::new(SharedMeters::new()));
    let (mut l, mut r) = (input.clone(), vec![0.7f32; input.len()]);
    monitor.process(&mut [&mut l, &mut r], Layout::MonoToStereo, &controls, info);
    assert_eq!(l, r);
    // Mono: one buffer, the signal delayed, unchanged.
    let mut monitor = Monitor::new(RATE, input.len(), &controls, Arc::new(SharedMeters::new()));
    let mut m = input.clone();
    monitor.process(&mut [&mut m], Layout::Mono, &controls, info);
    for n in latency..input.len() {
        assert_eq!(m[n], input[n - latency]);
    }
    // Mono without scratch (a host over its own maximum): silence, never unlimited audio.
    let mut monitor = Monitor::new(RATE, 16, &controls, Arc::new(SharedMeters::new()));
    let mut m = vec![0.5f32; 64];
    for piece in m.chunks_mut(64) {
        monitor.process(&mut [piece], Layout::Mono, &controls, info);
    }
    assert!(m.iter().all(|&v| v.abs() <= 0.5));
}

#[test]
fn a_correction_enters_the_dose_at_its_1_khz_gain() {
    use headphone_monitor_core::correction_file::LoadedCorrection;
    use headphone_monitor_core::dsp::correction;
    let path = test_support::fixture("eq/autoeq_shaped.txt");
    let curve = LoadedCorrection::read(&path).unwrap().curve;
    let noise = signals::pink((10.0 * RATE) as usize, 7, 0.03);
    let exposure = |on: bool, level_match: bool| {
        let meters = Arc::new(SharedMeters::new());
        let mut controls = calibrated(100.0);
        controls.chain.correction.on = on;
        controls.chain.correction.level_match = level_match;
        controls.chain.correction.curve = curve;
        let mut monitor = Monitor::new(RATE, BLOCK, &controls, meters.clone());
        run(&mut monitor, &controls, &noise, false, playback);
        meters.session_exposure.load(Ordering::Relaxed)
    };
    let bare = exposure(false, false);
    let at_1k = correction::response_db(&curve, RATE, 1000.0)[0];
    let lm = correction::level_match_db(&curve, RATE);
    for level_match in [false, true] {
        let with = exposure(true, level_match);
        let gain_db = 10.0 * (with / bare).log10();
        // Under the calibration (a 1 kHz figure of the bare headphones), the level at the
        // ear is the uncorrected programme raised by the correction's 1 kHz gain (preamp
        // included) and the level match; for pink-like programme the estimate lands there.
        let expected = at_1k + if level_match { lm } else { 0.0 };
        println!("level match {level_match}: dose {gain_db:+.2} dB, expected {expected:+.2} dB");
        assert!((gain_db - expected).abs() < 0.3, "{gain_db} vs {expected}");
    }
}

#[test]
fn the_reference_level_gain_plays_pink_noise_at_the_target_through_the_calibration() {
    use headphone_monitor_core::dsp::listening::calibration::{
        gain_for_reference, REFERENCE_LEVELS_SPL,
    };
    let rms =
        |x: &[f32]| (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    // The calibration noise's level exactly: −20 dBFS RMS (a full-scale sine is 0 dBFS).
    let pink = signals::pink(10 * 48_000, 5, 0.1);
    let scale = (0.1 * std::f64::consts::FRAC_1_SQRT_2 / rms(&pink)) as f32;
    let pink: Vec<f32> = pink.iter().map(|v| v * scale).collect();
    for full_scale_spl in [95.0, 100.0, 104.3] {
        for target in REFERENCE_LEVELS_SPL {
            let gain = gain_for_reference(target, full_scale_spl, 0.0, (-60.0, 12.0)).unwrap();
            let mut controls = calibrated(full_scale_spl);
            controls.chain.gain_db = gain as f32;
            let mut monitor = Monitor::new(RATE, BLOCK, &controls, Arc::new(SharedMeters::new()));
            let out = run(&mut monitor, &controls, &pink, false, playback);
            // The level at the ear: the output's RMS re a full-scale sine's, through the
            // calibration (flat).
            let at_ear = full_scale_spl
                + 20.0 * (rms(&out[48_000..]) / std::f64::consts::FRAC_1_SQRT_2).log10();
            assert!(
                (at_ear - target).abs() <= 0.1,
                "{full_scale_spl} dB SPL calibration, {target}: gain {gain} gives {at_ear:.2}"
            );
        }
    }
    // Out of reach: the gain it would need is reported, not applied.
    assert_eq!(
        gain_for_reference(85.0, 60.0, 0.0, (-60.0, 12.0)),
        Err(45.0)
    );
}
