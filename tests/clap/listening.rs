//! Safe listening through the built plugin (CLAP): the test signals' levels measured at the
//! output, a calibration restored from saved state, the ceiling as a peak SPL at the ear, the
//! sound exposure written to the 7-day history file, and protection once the weekly
//! allowance is used up.
//!
//! The history goes to a temporary directory (`HM_HISTORY_DIR`, set once for this test
//! binary); the tests that use it run one at a time.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use headphone_monitor::dsp::db_to_gain;
use headphone_monitor::dsp::listening::dose;
use headphone_monitor::history::History;
use test_support::clap_host::{make_state, state_json, Host};

const RATE: f64 = 48_000.0;

/// The history directory of this test binary, and a lock for the tests that use it.
fn history_dir() -> (&'static PathBuf, std::sync::MutexGuard<'static, ()>) {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    static LOCK: Mutex<()> = Mutex::new(());
    let (_, path) = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().to_owned();
        // SAFETY (edition 2021: safe fn): set before any plugin thread reads it.
        std::env::set_var(headphone_monitor::history::DIR_ENV_VAR, &path);
        (dir, path)
    });
    (path, LOCK.lock().unwrap_or_else(|e| e.into_inner()))
}

use test_support::measure::rms_dbfs;

fn silence(seconds: f64) -> Vec<Vec<f32>> {
    vec![vec![0.0f32; (seconds * RATE) as usize]; 2]
}

/// Loads a state with `calibration` (0 dBFS sine = `full_scale_spl` dB SPL, measured).
fn calibrate(host: &mut Host, full_scale_spl: f64) {
    let state = host.save_state();
    let mut json: serde_json::Value = serde_json::from_str(state_json(&state)).unwrap();
    let fields = json["fields"].as_object_mut().expect("persisted fields");
    fields.insert(
        "calibration".into(),
        serde_json::Value::String(format!(
            "{{\"Measured\":{{\"full_scale_spl\":{full_scale_spl}}}}}"
        )),
    );
    fields.insert(
        "full_scale_spl".into(),
        serde_json::Value::String(format!("{full_scale_spl}")),
    );
    host.load_state(&make_state(&json.to_string()))
        .expect("a calibrated state loads");
    let saved = host.save_state();
    assert!(
        state_json(&saved).contains("Measured"),
        "the calibration is saved"
    );
}

#[test]
fn test_signals_come_out_at_their_levels_and_the_channel_check_in_order() {
    let (_dir, _guard) = history_dir();
    let mut host = Host::new();
    host.activate(RATE, 512);
    let latency = host.latency() as usize;
    let input = silence(4.0);
    let skip = latency + 4_800;

    host.set_param("generator", 1.0 / 3.0); // pink noise
    let out = host.process(&input, 512, &[]);
    let pink = rms_dbfs(&out[0][skip..]);
    assert!((pink + 20.0).abs() < 0.3, "pink {pink:.2} dBFS");
    assert_eq!(out[0], out[1]);

    host.set_param("generator", 2.0 / 3.0); // 1 kHz sine
    let out = host.process(&input, 512, &[]);
    let sine = rms_dbfs(&out[0][skip..]);
    assert!((sine + 20.0).abs() < 0.02, "sine {sine:.3} dBFS");
    let crossings = out[0][skip..]
        .windows(2)
        .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
        .count() as f64;
    let seconds = (out[0].len() - skip) as f64 / RATE;
    assert!(
        (crossings / seconds - 1000.0).abs() < 2.0,
        "{} Hz",
        crossings / seconds
    );

    // Channel check, restarted: left only, right only, in phase, out of phase.
    host.set_param("generator", 0.0);
    host.process(&silence(0.1), 512, &[]);
    host.set_param("generator", 1.0);
    let out = host.process(&silence(7.5), 512, &[]);
    let step = (1.75 * RATE) as usize;
    let window = |i: usize| (i * step + latency + 2_400)..(i * step + latency + 60_000);
    let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
    let (l, r) = (&out[0], &out[1]);
    assert!(
        energy(&l[window(0)]) > 1.0 && energy(&r[window(0)]) < 1e-6,
        "left only"
    );
    assert!(
        energy(&r[window(1)]) > 1.0 && energy(&l[window(1)]) < 1e-6,
        "right only"
    );
    assert_eq!(l[window(2)], r[window(2)], "in phase");
    assert!(
        l[window(3)]
            .iter()
            .zip(&r[window(3)])
            .all(|(a, b)| *a == -*b),
        "out of phase"
    );
}

#[test]
fn the_spl_ceiling_caps_peaks_at_the_ear_through_the_calibration() {
    let (_dir, _guard) = history_dir();
    let mut host = Host::new();
    calibrate(&mut host, 110.0);
    host.set_param("spl_ceiling", 1.0);
    let spl100 = host.text_to_value("spl_ceiling_db", "100").unwrap();
    host.set_param("spl_ceiling_db", spl100);
    host.activate(RATE, 512);
    // A loud programme: 0 dBFS sine = 110 dB SPL RMS, so 100 dB SPL peak = −13.0 dBTP.
    let w = 2.0 * std::f64::consts::PI * 440.0 / RATE;
    let loud: Vec<f32> = (0..(2.0 * RATE) as usize)
        .map(|n| 0.9 * (w * n as f64).sin() as f32)
        .collect();
    let out = host.process(&[loud.clone(), loud], 512, &[]);
    let peak = out.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
    let limit = db_to_gain(-13.01);
    assert!(peak <= limit, "peak {peak} above {limit}");
    assert!(
        peak > 0.9 * limit,
        "the cap is the SPL one, not something lower: {peak}"
    );
}

#[test]
fn listening_is_written_to_the_history_and_protection_follows_a_full_allowance() {
    let (dir, _guard) = history_dir();
    let history = History::in_dir(dir);
    history.reset().unwrap();

    // 1. Ten seconds of a −20 dBFS 1 kHz sine with 0 dBFS = 100 dB SPL: 80 dB(A).
    let mut host = Host::new();
    calibrate(&mut host, 100.0);
    host.activate(RATE, 512);
    let w = 2.0 * std::f64::consts::PI * 1000.0 / RATE;
    let sine: Vec<f32> = (0..(10.0 * RATE) as usize)
        .map(|n| 0.1 * (w * n as f64).sin() as f32)
        .collect();
    host.process(&[sine.clone(), sine], 512, &[]);
    host.deactivate();
    drop(host); // stops the history thread, which writes what is left
    let recorded = history.total_since(0).unwrap();
    let expected = dose::exposure_pa2h(80.0, 10.0 / 3600.0);
    assert!(
        (recorded / expected - 1.0).abs() < 0.02,
        "recorded {recorded:e} Pa²h, expected {expected:e}"
    );

    // 2. Uncalibrated listening counts nothing.
    let mut host = Host::new();
    host.activate(RATE, 512);
    host.process(&[vec![0.5; 48_000], vec![0.5; 48_000]], 512, &[]);
    drop(host);
    assert_eq!(history.total_since(0).unwrap(), recorded);

    // 3. The weekly allowance all but used up on file, protection on: listening fills it
    //    after about 4 s (a −20 dBFS 500 Hz tone is 76.8 dB(A) here: 5.3e-6 Pa²·h a second),
    //    then the level drops 6 dB, gradually, over 10 s.
    history.reset().unwrap();
    history
        .append(headphone_monitor::history::now_unix_s(), 1.6 - 2e-5)
        .unwrap();
    let mut host = Host::new();
    calibrate(&mut host, 100.0);
    host.set_param("protect", 1.0);
    host.activate(RATE, 512);
    std::thread::sleep(std::time::Duration::from_millis(500)); // the history thread reads the file
    let w = 2.0 * std::f64::consts::PI * 500.0 / RATE;
    let tone: Vec<f32> = (0..(17.0 * RATE) as usize)
        .map(|n| 0.1 * (w * n as f64).sin() as f32)
        .collect();
    let out = host.process(&[tone.clone(), tone.clone()], 512, &[]);
    let second = |s: f64| &out[0][(s * RATE) as usize..((s + 1.0) * RATE) as usize];
    let reference = rms_dbfs(&tone[..48_000]);
    let before = rms_dbfs(second(1.0)) - reference;
    let middle = rms_dbfs(second(8.0)) - reference;
    let end = rms_dbfs(second(15.5)) - reference;
    assert!(
        before.abs() < 0.01,
        "untouched before the allowance is full: {before:.2} dB"
    );
    assert!(
        middle < -1.0 && middle > -5.5,
        "gradually: {middle:.2} dB after 8 s"
    );
    assert!(
        (end + 6.0).abs() < 0.1,
        "6 dB down after the glide: {end:.2} dB"
    );
    history.reset().unwrap();
}
