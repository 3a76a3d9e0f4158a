//! VST3 through JUCE's hosting code, as two Python packages use it: Spotify's **pedalboard**
//! and **DawDreamer**. JUCE's VST3 hosting is the hosting code of many DAWs.
//!
//! `juce_host.py` does what a user of the host does (load the bundle, set parameters by
//! name, process, save and restore the state) and reports what the host says; every
//! judgement is made here, with the project's own measurements. Both hosts render offline
//! and say so (VST3 `kOffline` from their first block), and both call `reset` before each
//! render. pedalboard compensates the reported latency; DawDreamer reports it but does not
//! compensate it, so its output is judged `latency` samples late.
//!
//! Each property is its own test, for both hosts (`pedalboard_…`, `dawdreamer_…`).

use std::path::{Path, PathBuf};
use std::process::Command;

use headphone_monitor::dsp::{LatencyMode, MonitorMode};
use headphone_monitor::params::{Choice, MonitorParams, PARAM_COUNT};
use nice_plug::prelude::Param;
use serde_json::{json, Value};

use crate::support::{self, first_difference, peak, read_planar, write_planar};
use test_support::signals;

/// A JUCE-based host.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Host {
    Pedalboard,
    DawDreamer,
}

/// A parameter setting the tests make, in the plug-in's own units.
#[derive(Debug, Clone, Copy)]
enum Set {
    Gain(f32),
    Mode(MonitorMode),
    Swap(bool),
    Ceiling(f32),
    MonitorOnly(bool),
    Latency(LatencyMode),
}

impl Set {
    /// The parameter's name as the host shows it, and the value the host is given.
    fn for_host(self, host: Host) -> (String, Value) {
        let params = MonitorParams::default();
        let (display, normalized, plain): (&str, f32, Value) = match self {
            Set::Gain(db) => (
                "output_gain_db",
                params.gain_db.preview_normalized(db),
                json!(db),
            ),
            Set::Mode(mode) => {
                let normalized = params.mode.preview_normalized(Choice(mode));
                let name = params.mode.normalized_value_to_string(normalized, false);
                ("monitor_mode", normalized, json!(name))
            }
            Set::Swap(on) => ("swap_l_r", params.swap.preview_normalized(on), json!(on)),
            Set::Ceiling(db) => (
                "ceiling_dbtp",
                params.ceiling_db.preview_normalized(db),
                json!(db),
            ),
            Set::MonitorOnly(on) => (
                "monitor_only",
                params.monitor_only.preview_normalized(on),
                json!(on),
            ),
            Set::Latency(mode) => {
                let normalized = params.latency.preview_normalized(Choice(mode));
                let name = params.latency.normalized_value_to_string(normalized, false);
                ("latency", normalized, json!(name))
            }
        };
        match host {
            // pedalboard: snake-case names with the unit, plain values.
            Host::Pedalboard => (display.to_owned(), plain),
            // DawDreamer: the display names, normalized values.
            Host::DawDreamer => {
                let name = match self {
                    Set::Gain(_) => params.gain_db.name(),
                    Set::Mode(_) => params.mode.name(),
                    Set::Swap(_) => params.swap.name(),
                    Set::Ceiling(_) => params.ceiling_db.name(),
                    Set::MonitorOnly(_) => params.monitor_only.name(),
                    Set::Latency(_) => params.latency.name(),
                };
                (name.to_owned(), json!(normalized))
            }
        }
    }

    /// Asserts that the host reads back what was set.
    #[track_caller]
    fn assert_read_back(self, host: Host, read: &Value) {
        let (name, sent) = self.for_host(host);
        let value = &read["value"];
        let same = match (&sent, value) {
            (Value::Number(a), Value::Number(b)) => {
                (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-5
            }
            (a, b) => a == b,
        };
        assert!(same, "{host:?}: {name} set to {sent}, reads back {read}");
    }
}

/// One run of `juce_host.py`: steps in, the host's answers out.
struct Job {
    host: Host,
    dir: tempfile::TempDir,
    bundle: PathBuf,
    rate: u32,
    block: usize,
    steps: Vec<Value>,
    files: usize,
}

impl Job {
    /// A job for `host` at `rate` Hz and `block`-frame buffers, if the host is installed
    /// (see [`support::require`]).
    fn new(host: Host, rate: u32, block: usize) -> Option<Self> {
        let module = match host {
            Host::Pedalboard => "pedalboard",
            Host::DawDreamer => "dawdreamer",
        };
        let missing = support::python_module_missing(module);
        if !support::require(module, &missing, "scripts/real-hosts.sh") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let bundle = support::vst3_bundle(dir.path());
        Some(Self {
            host,
            dir,
            bundle,
            rate,
            block,
            steps: Vec::new(),
            files: 0,
        })
    }

    fn file(&mut self, what: &str) -> PathBuf {
        self.files += 1;
        self.dir.path().join(format!("{}-{what}", self.files))
    }

    /// Adds a step; returns its index in the results.
    fn step(&mut self, step: Value) -> usize {
        self.steps.push(step);
        self.steps.len() - 1
    }

    fn set(&mut self, setting: Set) -> usize {
        let (name, value) = setting.for_host(self.host);
        self.step(json!({"op": "set", "name": name, "value": value}))
    }

    fn get(&mut self, setting: Set) -> usize {
        let (name, _) = setting.for_host(self.host);
        self.step(json!({"op": "get", "name": name}))
    }

    /// Processes `input`; the output file is read back by [`Job::audio`].
    fn process(&mut self, input: &[Vec<f32>; 2]) -> PathBuf {
        let in_file = self.file("in.f32");
        let out_file = self.file("out.f32");
        write_planar(&in_file, input);
        self.step(json!({"op": "process", "input": in_file, "output": out_file}));
        out_file
    }

    /// Runs the steps in one host process; returns one answer per step.
    fn run(&self) -> Vec<Value> {
        let job = json!({
            "host": match self.host { Host::Pedalboard => "pedalboard", Host::DawDreamer => "dawdreamer" },
            "bundle": self.bundle,
            "rate": self.rate,
            "block": self.block,
            "steps": self.steps,
        });
        let job_file = self.dir.path().join("job.json");
        std::fs::write(&job_file, job.to_string()).unwrap();
        let output = support::run_clean(
            &format!("{:?} (juce_host.py)", self.host),
            Command::new(support::venv_python())
                .arg(support::tooling("juce_host.py"))
                .arg(&job_file)
                .env("HOME", self.dir.path()),
        );
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{:?}: no answer ({e}):\n{}",
                self.host,
                String::from_utf8_lossy(&output.stdout)
            )
        });
        answer["results"].as_array().unwrap().clone()
    }

    /// Where the host puts input sample `n`: pedalboard compensates the latency, DawDreamer
    /// does not.
    fn offset(&self, reported_latency: usize) -> usize {
        match self.host {
            Host::Pedalboard => 0,
            Host::DawDreamer => reported_latency,
        }
    }
}

fn audio(path: &Path) -> Vec<Vec<f32>> {
    read_planar(path).to_vec()
}

/// Stereo programme well under the ceiling, left and right different: 440 Hz and 1 kHz.
fn two_tones(rate: u32, seconds: f64) -> [Vec<f32>; 2] {
    let len = (seconds * f64::from(rate)) as usize;
    [
        signals::sine(f64::from(rate), 440.0, 0.25, len, 0.0),
        signals::sine(f64::from(rate), 1_000.0, 0.2, len, 0.3),
    ]
}

/// The settings the tests make, at their defaults …
const DEFAULTS: [Set; 5] = [
    Set::Gain(0.0),
    Set::Mode(MonitorMode::Stereo),
    Set::Swap(false),
    Set::Ceiling(-1.0),
    Set::MonitorOnly(true),
];

/// … and away from them.
const NON_DEFAULTS: [Set; 5] = [
    Set::Gain(-6.0),
    Set::Mode(MonitorMode::Mono),
    Set::Swap(true),
    Set::Ceiling(-3.0),
    Set::MonitorOnly(false),
];

fn parameters_are_found_by_name_set_and_read_back(host: Host) {
    let Some(mut job) = Job::new(host, 48_000, 512) else {
        return;
    };
    let names = job.step(json!({"op": "parameters"}));
    let settings = NON_DEFAULTS;
    let defaults = DEFAULTS;
    let before: Vec<usize> = defaults.iter().map(|&d| job.get(d)).collect();
    let set: Vec<usize> = settings.iter().map(|&s| job.set(s)).collect();
    let results = job.run();
    let names = results[names].as_array().unwrap();
    assert_eq!(
        names.len(),
        PARAM_COUNT,
        "{host:?} shows {} parameters: {names:?}",
        names.len()
    );
    for (default, i) in defaults.iter().zip(before) {
        default.assert_read_back(host, &results[i]);
    }
    for (setting, i) in settings.iter().zip(set) {
        setting.assert_read_back(host, &results[i]);
    }
}

fn the_reported_latency_is_the_delay_measured_by_impulse(host: Host) {
    for rate in [44_100, 48_000, 96_000] {
        let Some(mut job) = Job::new(host, rate, 512) else {
            return;
        };
        let len = rate as usize / 2;
        let at = 1_000;
        let mut input = [vec![0.0f32; len], vec![0.0f32; len]];
        input[0][at] = 0.5;
        input[1][at + 7] = -0.25;
        let out = job.process(&input);
        let latency = job.step(json!({"op": "latency"}));
        let results = job.run();
        let reported = results[latency].as_u64().unwrap() as usize;
        assert_eq!(
            reported,
            support::latency_at(rate),
            "{host:?} at {rate} Hz reports {reported}"
        );
        let out = audio(&out);
        let offset = job.offset(reported);
        // Neutral settings: the impulses come out bit for bit, where the host puts them.
        let position = |c: usize| {
            out[c]
                .iter()
                .enumerate()
                .fold(
                    (0, 0.0f32),
                    |m, (n, v)| if v.abs() > m.1 { (n, v.abs()) } else { m },
                )
                .0
        };
        assert_eq!(
            (position(0), position(1)),
            (at + offset, at + 7 + offset),
            "{host:?} at {rate} Hz: the impulses land elsewhere (reported latency {reported})"
        );
        assert_eq!(
            first_difference(&out, &input, offset, 0..len - offset),
            None,
            "{host:?} at {rate} Hz: neutral settings are not bit-transparent"
        );
    }
}

/// The latency setting changed through the host, as a user does it: the host picks up the
/// new latency (the plug-in announces it with `restartComponent(kLatencyChanged)`), and an
/// impulse comes out where that latency puts it, bit for bit, in Low, Zero and back in
/// Exact.
fn the_host_picks_up_a_changed_latency_setting(host: Host) {
    let rate = 48_000;
    let Some(mut job) = Job::new(host, rate, 512) else {
        return;
    };
    let len = rate as usize / 4;
    let at = 1_000;
    let mut input = [vec![0.0f32; len], vec![0.0f32; len]];
    input[0][at] = 0.5;
    input[1][at] = -0.25;
    let mut runs = Vec::new();
    for mode in [LatencyMode::Low, LatencyMode::Zero, LatencyMode::Exact] {
        job.set(Set::Latency(mode));
        // The plug-in reads the setting in its next block and announces the new latency.
        job.process(&[vec![0.0f32; 2_048], vec![0.0f32; 2_048]]);
        let latency = job.step(json!({"op": "latency"}));
        let out = job.process(&input);
        runs.push((mode, latency, out));
    }
    let results = job.run();
    for (mode, latency, out) in runs {
        let reported = results[latency].as_u64().unwrap() as usize;
        let expected = test_support::latency_in(f64::from(rate), mode);
        assert_eq!(reported, expected, "{host:?} {mode:?}: the host's latency");
        let offset = job.offset(reported);
        let out = audio(&out);
        let mut nonzero = Vec::new();
        for (c, channel) in out.iter().enumerate() {
            nonzero.extend(
                (0..channel.len())
                    .filter(|&n| channel[n] != 0.0)
                    .map(|n| (c, n)),
            );
        }
        assert_eq!(
            nonzero,
            vec![(0, at + offset), (1, at + offset)],
            "{host:?} {mode:?}: the impulse where latency {reported} puts it"
        );
        assert_eq!((out[0][at + offset], out[1][at + offset]), (0.5, -0.25));
    }
}

fn mode_swap_and_gain_do_what_they_say(host: Host) {
    let rate = 48_000;
    let Some(mut job) = Job::new(host, rate, 512) else {
        return;
    };
    let input = two_tones(rate, 1.0);
    // Processed on purpose (the hosts render offline, where Monitor Only would step aside).
    job.set(Set::MonitorOnly(false));
    job.set(Set::Swap(true));
    let swapped = job.process(&input);
    job.set(Set::Swap(false));
    job.set(Set::Mode(MonitorMode::Mono));
    let mono = job.process(&input);
    job.set(Set::Mode(MonitorMode::Stereo));
    job.set(Set::Gain(-6.0));
    let quieter = job.process(&input);
    let latency = job.step(json!({"op": "latency"}));
    let results = job.run();
    let offset = job.offset(results[latency].as_u64().unwrap() as usize);
    let len = input[0].len() - offset;
    // Each render starts from a reset, where settings take effect at once; judge after 25 ms
    // anyway, in case a host sets them after its reset.
    let judged = 1_200..len;

    let out = audio(&swapped);
    let exact = judged.clone().all(|n| {
        out[0][n + offset].to_bits() == input[1][n].to_bits()
            && out[1][n + offset].to_bits() == input[0][n].to_bits()
    });
    assert!(exact, "{host:?}: Swap on did not swap the ears bit for bit");

    let out = audio(&mono);
    for n in judged.clone() {
        let want = 0.5 * (input[0][n] + input[1][n]);
        let (l, r) = (out[0][n + offset], out[1][n + offset]);
        assert!(
            l == r && (l - want).abs() < 1e-6,
            "{host:?}: Mono at {n}: {l}, {r} for {want}"
        );
    }

    let out = audio(&quieter);
    let gain = 10f32.powf(-6.0 / 20.0);
    for c in 0..2 {
        for n in judged.clone() {
            let want = gain * input[c][n];
            let got = out[c][n + offset];
            assert!(
                (got - want).abs() < 1e-6,
                "{host:?}: −6 dB gain, channel {c} at {n}: {got} for {want}"
            );
        }
    }
}

fn a_hot_signal_stays_under_the_ceiling_by_the_strict_reference(host: Host) {
    let rate = 48_000;
    let Some(mut job) = Job::new(host, rate, 512) else {
        return;
    };
    let input = support::hot_corpus(rate, 1.0);
    job.set(Set::MonitorOnly(false));
    let out = job.process(&input);
    let results = job.run();
    assert!(results.len() == 2);
    let out = audio(&out);
    let over_in = support::strict_over_ceiling_db(&input);
    let over_out = support::strict_over_ceiling_db(&out);
    assert!(
        over_in > 6.0,
        "the input is not hot: {over_in:+.2} dB re ceiling"
    );
    assert!(
        over_out <= 0.0,
        "{host:?}: strict true peak {over_out:+.4} dB over the −1 dBTP ceiling"
    );
    assert!(
        over_out > -1.0,
        "{host:?}: the output stays {over_out:+.2} dB under the ceiling: not limited but lost"
    );
    support::loud(&format!(
        "{host:?}: hot corpus {over_in:+.2} dB re ceiling in, strict true peak {over_out:+.4} dB \
         re ceiling out"
    ));
}

fn the_state_is_saved_and_restored_through_the_host(host: Host) {
    let rate = 48_000;
    let Some(mut job) = Job::new(host, rate, 512) else {
        return;
    };
    let settings = NON_DEFAULTS;
    let mut input = two_tones(rate, 0.5);
    // A burst over the −3 dBTP ceiling, so the restored ceiling shows too.
    for c in &mut input {
        for v in &mut c[12_000..12_480] {
            *v *= 4.0;
        }
    }
    for &s in &settings {
        job.set(s);
    }
    let before = job.process(&input);
    let state = job.file("state.bin");
    job.step(json!({"op": "save_state", "path": state}));
    job.step(json!({"op": "reload"}));
    let fresh = job.get(Set::Swap(false));
    job.step(json!({"op": "load_state", "path": state}));
    let restored: Vec<usize> = settings.iter().map(|&s| job.get(s)).collect();
    let after = job.process(&input);
    let results = job.run();
    Set::Swap(false).assert_read_back(host, &results[fresh]);
    for (setting, i) in settings.iter().zip(restored) {
        setting.assert_read_back(host, &results[i]);
    }
    let (before, after) = (audio(&before), audio(&after));
    assert!(
        before[0] == before[1] && peak(&before, 0..before[0].len()) > 0.1,
        "{host:?}: the settings did not apply before saving"
    );
    assert!(
        before == after,
        "{host:?}: the restored instance processes differently"
    );
}

fn monitor_only_steps_aside_from_the_first_sample_and_keeps_the_ceiling_until_the_pace_is_proven(
    host: Host,
) {
    let rate = 48_000;
    let Some(mut job) = Job::new(host, rate, 512) else {
        return;
    };
    // The user's monitoring: Mono and swapped. Monitor Only stays on (its default).
    job.set(Set::Mode(MonitorMode::Mono));
    job.set(Set::Swap(true));
    let mut input = two_tones(rate, 3.0);
    // +6 dBFS bursts: one before the render guard has proven the pace (1 s of audio), one
    // after.
    let early = 4_800..7_200;
    let late = 96_000..98_400;
    for range in [early.clone(), late.clone()] {
        for c in &mut input {
            for v in &mut c[range.clone()] {
                *v *= 8.0;
            }
        }
    }
    let out = job.process(&input);
    let latency = job.step(json!({"op": "latency"}));
    let results = job.run();
    let offset = job.offset(results[latency].as_u64().unwrap() as usize);
    let out = audio(&out);
    let len = input[0].len() - offset;
    // The host says it renders offline from its first block: none of the monitoring is
    // printed, from the first sample (up to the early burst, where the limiter acts).
    let guard_start = early.start - support::latency_at(rate) - 1;
    assert_eq!(
        first_difference(&out, &input, offset, 0..guard_start),
        None,
        "{host:?}: the first samples of an offline render are processed"
    );
    // The burst before the pace is proven is limited: nobody has shown that nobody listens.
    let first_second: Vec<Vec<f32>> = out
        .iter()
        .map(|c| c[offset..offset + rate as usize].to_vec())
        .collect();
    let over = support::strict_over_ceiling_db(&first_second);
    assert!(
        over <= 0.0,
        "{host:?}: the early +6 dBFS burst reached the ears {over:+.3} dB over the ceiling"
    );
    // After the verification (and its 20 ms crossfade), the input bit for bit, the late burst
    // included.
    let settled = rate as usize + 2 * 512 + 960;
    assert_eq!(
        first_difference(&out, &input, offset, settled..len),
        None,
        "{host:?}: not the input after the verification"
    );
    assert!(peak(&out, late.start + offset..late.end + offset) > 1.5);
}

/// One `#[test]` per host for each property.
macro_rules! for_both_hosts {
    ($($property:ident),* $(,)?) => {
        mod pedalboard {
            $(#[test]
            fn $property() {
                let _one = crate::support::one_host_at_a_time();
                super::$property(super::Host::Pedalboard);
            })*
        }
        mod dawdreamer {
            $(#[test]
            fn $property() {
                let _one = crate::support::one_host_at_a_time();
                super::$property(super::Host::DawDreamer);
            })*
        }
    };
}

for_both_hosts!(
    parameters_are_found_by_name_set_and_read_back,
    the_reported_latency_is_the_delay_measured_by_impulse,
    the_host_picks_up_a_changed_latency_setting,
    mode_swap_and_gain_do_what_they_say,
    a_hot_signal_stays_under_the_ceiling_by_the_strict_reference,
    the_state_is_saved_and_restored_through_the_host,
    monitor_only_steps_aside_from_the_first_sample_and_keeps_the_ceiling_until_the_pace_is_proven,
);
