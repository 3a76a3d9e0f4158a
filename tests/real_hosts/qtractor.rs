//! CLAP in Qtractor (Debian's `qtractor`, 0.9.31; Debian builds it without VST3), headless:
//! JACK's dummy driver, `QT_QPA_PLATFORM=offscreen`, and a session file of our own with one
//! stereo audio track, a clip of the test programme at frame 0, and the plug-in in the track's
//! chain. Qtractor has no export from the command line, so the test rolls JACK's transport and
//! records `Qtractor:Master/out_*` with a JACK client of its own (`qtractor/record.py`), every
//! cycle placed at the transport frame it played. Qtractor plays in real time, so Monitor Only
//! (left at its default, on) must never step aside here.
//!
//! How the take is made, and why:
//! - Qtractor refuses to start without an ALSA sequencer, which a machine without a sound card
//!   lacks; `qtractor/alsa_seq_stub.c` (ours, built here with `cc`) answers its sequencer calls
//!   as an empty sequencer through `LD_PRELOAD`. Audio (JACK) and plug-in hosting are untouched.
//! - Qtractor 0.9.31 drops a CLAP plug-in's parameter values from the session file, so the
//!   settings go in through the plug-in's own saved state (the `state` config: base64 of
//!   Qt's `qCompress` of the bytes the plug-in's `clap_plugin_state.save` wrote).
//! - Latency compensation is the track's `plugin-list-latency` option: with it Qtractor reads
//!   the clip ahead by the latency the plug-in reports, so the output at transport frame `F`
//!   is the input at `F` exactly when the reported latency is the real delay.
//! - Each take starts a JACK server of its own, named from a small fixed set
//!   ([`JACK_SLOTS`], each held by a file lock) and stopped with SIGTERM: JACK's registry
//!   holds at most 8 servers and frees a killed server's entry only when a server of the same
//!   name starts again, so servers named per take would fill it after a few killed runs.
//! - At the end SIGUSR1 makes Qtractor save the session (with the plug-in's state as it holds
//!   it: a state round trip through the host), then SIGTERM ends it. Without the save a
//!   loaded state leaves the session "modified" and Qtractor waits for an answer nobody can
//!   give.
//!
//! A take is judged only if Qtractor ran cleanly: no crash, no JACK xrun (after one
//! Qtractor's playhead lags the transport), the whole take captured, the plug-in still in the
//! saved session, and sound where the programme has sound (Qtractor has been seen, 3 times in
//! 141 takes, not to stream a clip at all). Otherwise the take is thrown away and made again,
//! up to [`TRIES`] times.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use base64::Engine;
use headphone_monitor::dsp::{LatencyMode, MonitorMode};
use headphone_monitor::params::{Choice, MonitorParams};
use nice_plug::prelude::Param;
use serde_json::Value;

use crate::support::{self, PLUGIN};
use test_support::clap_host::{state_json, Host};
use test_support::signals;

const RATE: u32 = 48_000;
/// JACK's period: long enough that the two cores of a CI machine never miss a cycle.
const PERIOD: usize = 1024;
/// Takes made before the test gives up on Qtractor.
const TRIES: u32 = 4;
/// The master bus's outputs.
const MASTER: &str = "Qtractor:Master/out_1,Qtractor:Master/out_2";

/// What is missing for the Qtractor test.
fn qtractor_missing() -> Vec<String> {
    let mut missing: Vec<String> = ["qtractor", "jackd", "jack_lsp", "cc"]
        .into_iter()
        .filter(|tool| !support::on_path(tool))
        .map(str::to_owned)
        .collect();
    if !Path::new("/usr/include/alsa/asoundlib.h").is_file() {
        missing.push("ALSA's headers (libasound2-dev)".to_owned());
    }
    missing.extend(support::python_module_missing("jack"));
    missing
}

/// A process that is stopped when dropped, also when a test fails: asked first (SIGTERM, so
/// that a JACK server takes itself out of JACK's server registry), killed (SIGKILL) only if it
/// has not ended within 10 s.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            signal(&self.0, "TERM");
            if !wait_for(10.0, || !matches!(self.0.try_wait(), Ok(None))) {
                let _ = self.0.kill();
            }
            let _ = self.0.wait();
        }
    }
}

/// How many JACK servers of ours may run at once. JACK keeps at most 8 servers in its
/// registry (`/dev/shm/jack-shm-registry`), and only frees the entry of a killed server when
/// a server of the same name starts again, so the names come from this small fixed set.
const JACK_SLOTS: usize = 4;

/// The name of a JACK server for one take, held (by an exclusive lock on a file in the
/// temporary folder, also against other test runs on the machine) until dropped.
struct JackName {
    name: String,
    _lock: std::fs::File,
}

impl JackName {
    /// Waits up to 120 s for a free name. Each call starts at the next name, so a take made
    /// again after a name was refused by JACK tries another.
    fn take() -> Result<Self, String> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let first = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            for slot in (first..first + JACK_SLOTS).map(|s| s % JACK_SLOTS) {
                let path = std::env::temp_dir().join(format!("headphone-monitor-jack-{slot}.lock"));
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
                if file.try_lock().is_ok() {
                    return Ok(Self {
                        name: format!("hm-test-{slot}"),
                        _lock: file,
                    });
                }
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "all {JACK_SLOTS} JACK server names stayed in use for 120 s"
                ));
            }
            sleep(Duration::from_millis(200));
        }
    }
}

fn signal(child: &Child, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status();
}

/// Waits up to `seconds` for `ready`, checking every 100 ms.
fn wait_for(seconds: f64, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        sleep(Duration::from_millis(100));
    }
    ready()
}

/// What a take recorded, when it may be judged.
struct Take {
    /// Both master outputs, indexed by transport frame.
    out: [Vec<f32>; 2],
    /// The session as Qtractor saved it at the end of the take.
    saved_session: String,
}

/// The plug-in's state with `settings` applied, as the plug-in itself saves it (through the
/// CLAP harness).
fn plugin_state(settings: &[(&str, f64)]) -> Vec<u8> {
    let mut host = Host::new();
    for &(id, normalized) in settings {
        host.set_param(id, normalized);
    }
    host.save_state()
}

/// Qt's `qCompress` (a 4-byte big-endian length, then zlib), in base64: how Qtractor keeps a
/// CLAP plug-in's state in its session.
fn qtractor_state(state: &[u8]) -> String {
    use std::io::Write;
    let mut compressed = (state.len() as u32).to_be_bytes().to_vec();
    let mut encoder =
        flate2::write::ZlibEncoder::new(&mut compressed, flate2::Compression::default());
    encoder.write_all(state).unwrap();
    encoder.finish().unwrap();
    base64::engine::general_purpose::STANDARD.encode(compressed)
}

/// The plug-in state's parameters in a session Qtractor saved (the inverse of
/// [`qtractor_state`]).
fn saved_parameters(session: &str) -> Value {
    use std::io::Read;
    let start = session
        .find("<config key=\"state\">")
        .expect("no plug-in state in the saved session")
        + 20;
    let end = start + session[start..].find("</config>").unwrap();
    let text: String = session[start..end].split_whitespace().collect();
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64");
    let mut state = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[4..])
        .read_to_end(&mut state)
        .expect("zlib");
    let json: Value = serde_json::from_str(state_json(&state)).expect("the plug-in's state JSON");
    json["params"].clone()
}

/// Escapes text for XML.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A Qtractor session: one stereo audio track playing `wav` from frame 0 into the master bus,
/// with our plug-in (its state `state`) in the track's chain.
fn session(
    dir: &Path,
    wav: &Path,
    frames: usize,
    clap: &Path,
    state: &[u8],
    compensate: bool,
) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE qtractorSession>
<session version="0.9.31" name="headphone-monitor-test">
 <properties>
  <directory>{dir}</directory>
  <sample-rate>{RATE}</sample-rate>
  <tempo>120</tempo>
  <ticks-per-beat>960</ticks-per-beat>
  <beats-per-bar>4</beats-per-bar>
  <beat-divisor>2</beat-divisor>
 </properties>
 <devices>
  <audio-engine>
   <audio-control>
    <transport-mode>duplex</transport-mode>
    <timebase>false</timebase>
   </audio-control>
   <audio-bus name="Master" mode="duplex">
    <monitor>false</monitor>
    <channels>2</channels>
    <auto-connect>false</auto-connect>
   </audio-bus>
  </audio-engine>
 </devices>
 <tracks>
  <track name="Programme" type="audio">
   <properties>
    <input-bus>Master</input-bus>
    <output-bus>Master</output-bus>
    <plugin-list-latency>{compensate}</plugin-list-latency>
   </properties>
   <state>
    <mute>false</mute>
    <solo>false</solo>
    <record>false</record>
    <monitor>false</monitor>
    <gain>1</gain>
    <panning>0</panning>
   </state>
   <clips>
    <clip name="programme">
     <properties>
      <name>programme</name>
      <start>0</start>
      <offset>0</offset>
      <length>{frames}</length>
      <gain>1</gain>
      <panning>0</panning>
      <fade-in type="Linear">0</fade-in>
      <fade-out type="Linear">0</fade-out>
     </properties>
     <audio-clip>
      <filename>{wav}</filename>
      <time-stretch>1</time-stretch>
      <pitch-shift>1</pitch-shift>
      <wsola-time-stretch>false</wsola-time-stretch>
      <wsola-quick-seek>false</wsola-quick-seek>
     </audio-clip>
    </clip>
   </clips>
   <plugins>
    <plugin type="CLAP">
     <filename>{clap}</filename>
     <index>0</index>
     <label>{PLUGIN}</label>
     <preset></preset>
     <direct-access-param>-1</direct-access-param>
     <activated>true</activated>
     <configs><config key="state">{state}</config></configs>
     <params></params>
    </plugin>
   </plugins>
  </track>
 </tracks>
</session>
"#,
        dir = xml(&dir.to_string_lossy()),
        wav = xml(&wav.to_string_lossy()),
        clap = xml(&clap.to_string_lossy()),
        state = qtractor_state(state),
    )
}

/// Qtractor's configuration for a take: its messages to a log file (the test's signal that
/// the session is loaded) and not to its own window, no metronome, no auto-save, nothing
/// connected by itself.
fn configuration(log: &Path) -> String {
    format!(
        "[Options]\n\
         Audio\\Metronome=false\n\
         Midi\\Metronome=false\n\
         Audio\\MasterAutoConnect=false\n\
         Display\\StdoutCapture=false\n\
         Display\\ConfirmRemove=false\n\
         Display\\ConfirmArchive=false\n\
         Logging\\MessagesLog=true\n\
         Logging\\MessagesLogPath={}\n\
         \n[Default]\nSessionBackup=false\n\
         \n[AutoSave]\nEnabled=false\n\
         \n[Plugins]\nOpenEditor=false\n",
        log.display()
    )
}

/// The ALSA sequencer stub, built once per test run.
fn alsa_stub(dir: &Path) -> PathBuf {
    let library = dir.join("alsa_seq_stub.so");
    support::run_clean(
        "cc (the ALSA sequencer stub)",
        Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-Wall", "-o"])
            .arg(&library)
            .arg(support::tooling("qtractor/alsa_seq_stub.c")),
    );
    library
}

/// One take: the programme `input` through the plug-in with `state` in Qtractor, recorded.
/// `Err` says why the take cannot be judged.
fn take(
    dir: &Path,
    stub: &Path,
    input: &[Vec<f32>; 2],
    state: &[u8],
    compensate: bool,
) -> Result<Take, String> {
    let home = dir.join("home");
    let runtime = dir.join("runtime");
    std::fs::create_dir_all(home.join(".config/rncbc.org")).unwrap();
    std::fs::create_dir_all(&runtime).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let wav = dir.join("programme.wav");
    support::write_wav(&wav, RATE, input);
    let clap = support::clap_file(dir);
    let session_file = dir.join("take.qts");
    let frames = input[0].len();
    std::fs::write(
        &session_file,
        session(dir, &wav, frames, &clap, state, compensate),
    )
    .unwrap();
    let log = dir.join("qtractor-messages.log");
    std::fs::write(
        home.join(".config/rncbc.org/Qtractor.conf"),
        configuration(&log),
    )
    .unwrap();
    let log_has = |text: &str| std::fs::read_to_string(&log).is_ok_and(|l| l.contains(text));

    // JACK, a server of this take's own, on the dummy driver.
    let server_name = JackName::take()?;
    let server = server_name.name.clone();
    let jack_env = |command: &mut Command| {
        command
            .env("JACK_DEFAULT_SERVER", &server)
            .env("JACK_NO_START_SERVER", "1")
            .env("JACK_NO_AUDIO_RESERVATION", "1");
    };
    let port_exists = |port: &str| {
        Command::new("jack_lsp")
            .args(["-s", &server, port])
            .output()
            .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(port))
    };
    let mut jackd = Command::new("jackd");
    jack_env(&mut jackd);
    let jackd = Running(
        jackd
            .args([
                "-n",
                &server,
                "-d",
                "dummy",
                "-r",
                &RATE.to_string(),
                "-p",
                &PERIOD.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("jackd.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("jackd.err")).unwrap())
            .spawn()
            .map_err(|e| format!("jackd did not start: {e}"))?,
    );
    if !wait_for(15.0, || port_exists("system:playback_1")) {
        let said = std::fs::read_to_string(dir.join("jackd.err")).unwrap_or_default();
        let hint = if said.contains("Too many servers") {
            " (JACK's server registry is full of servers that were killed: with no JACK \
             server running, delete /dev/shm/jack-shm-registry)"
        } else {
            ""
        };
        return Err(format!(
            "JACK's dummy server did not come up{hint}; jackd said: {}",
            said.trim().replace('\n', " | ")
        ));
    }

    // Qtractor, on the session.
    let mut qtractor = Command::new("qtractor");
    jack_env(&mut qtractor);
    let mut qtractor = Running(
        qtractor
            .arg(&session_file)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("QT_QPA_PLATFORM", "offscreen")
            .env("LD_PRELOAD", stub)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("qtractor.out")).unwrap())
            .stderr(std::fs::File::create(dir.join("qtractor.err")).unwrap())
            .spawn()
            .map_err(|e| format!("qtractor did not start: {e}"))?,
    );
    let loaded = wait_for(60.0, || {
        log_has("Open session") && port_exists("Qtractor:Master/out_2")
    });
    if let Ok(Some(status)) = qtractor.0.try_wait() {
        return Err(format!(
            "Qtractor ended while loading ({}); stderr: {}",
            support::crash(status).unwrap_or_else(|| status.to_string()),
            std::fs::read_to_string(dir.join("qtractor.err")).unwrap_or_default()
        ));
    }
    if !loaded {
        return Err("Qtractor did not load the session within 60 s".into());
    }

    // Roll and record.
    let seconds = frames as f64 / f64::from(RATE);
    let prefix = dir.join("recording");
    let mut recorder = Command::new(support::venv_python());
    jack_env(&mut recorder);
    let recorded = recorder
        .arg(support::tooling("qtractor/record.py"))
        .args([&server, MASTER, &seconds.to_string()])
        .arg(&prefix)
        .output()
        .map_err(|e| format!("the recorder did not start: {e}"))?;
    if !recorded.status.success() {
        return Err(format!(
            "the recorder failed ({}): {}",
            recorded.status,
            String::from_utf8_lossy(&recorded.stderr)
        ));
    }

    // Save (SIGUSR1), then quit (SIGTERM).
    signal(&qtractor.0, "USR1");
    if !wait_for(15.0, || log_has("Save session")) {
        return Err("Qtractor did not save the session on SIGUSR1".into());
    }
    sleep(Duration::from_millis(500));
    let saved_session = std::fs::read_to_string(&session_file).unwrap();
    signal(&qtractor.0, "TERM");
    if !wait_for(15.0, || matches!(qtractor.0.try_wait(), Ok(Some(_)))) {
        return Err("Qtractor did not quit within 15 s of SIGTERM".into());
    }
    let status = qtractor.0.wait().unwrap();
    if let Some(crash) = support::crash(status) {
        return Err(format!("Qtractor died from {crash}"));
    }
    if !status.success() {
        return Err(format!("Qtractor exited with {status}"));
    }
    drop(jackd);
    drop(server_name);

    // Judge only a clean, complete take.
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(prefix.with_extension("json")).unwrap())
            .unwrap();
    if summary["xruns"] != 0 {
        return Err(format!("JACK xruns during the take: {}", summary["xruns"]));
    }
    if summary["captured"] != summary["frames"] {
        return Err(format!(
            "captured {} of {} frames",
            summary["captured"], summary["frames"]
        ));
    }
    if saved_session.matches("<plugin type=\"CLAP\"").count() != 1 {
        return Err("the plug-in is not in the session Qtractor saved".into());
    }
    let out = support::read_planar(&prefix.with_extension("f32"));
    let sound_in = support::peak(input, 0..frames) > 0.0;
    let sound_out = support::peak(&out, 0..frames) > 0.0;
    if sound_in && !sound_out {
        return Err("a silent take (Qtractor did not stream the clip)".into());
    }
    Ok(Take { out, saved_session })
}

/// Makes takes until one can be judged; fails the test if none can.
fn judged_take(input: &[Vec<f32>; 2], state: &[u8], compensate: bool) -> Option<Take> {
    if !support::require(
        "Qtractor",
        &qtractor_missing(),
        "apt-get install qtractor jackd2 libasound2-dev, then scripts/real-hosts.sh",
    ) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let stub = alsa_stub(dir.path());
    let mut reasons = Vec::new();
    for try_number in 1..=TRIES {
        let take_dir = dir.path().join(format!("take{try_number}"));
        std::fs::create_dir_all(&take_dir).unwrap();
        match take(&take_dir, &stub, input, state, compensate) {
            Ok(take) => return Some(take),
            Err(why) => {
                support::loud(&format!(
                    "Qtractor take {try_number} of {TRIES} not judged: {why}; made again"
                ));
                reasons.push(why);
            }
        }
    }
    panic!(
        "Qtractor: none of {TRIES} takes could be judged: {}",
        reasons.join("; ")
    );
}

/// The programme: 0.25 s of silence (more than the latency, which compensation reads ahead),
/// then 2 s of different left and right (noise on the left, a 440 Hz tone on the right), well
/// under the ceiling, then 0.25 s of silence (Qtractor fades the last few milliseconds of a
/// clip out).
fn programme() -> [Vec<f32>; 2] {
    let edge = vec![0.0f32; RATE as usize / 4];
    let len = 2 * RATE as usize;
    let mut noise = test_support::rng::Rng::seeded(0x51ac_7a0c);
    let mut left = edge.clone();
    left.extend((0..len).map(|_| 0.3 * noise.symmetric()));
    left.extend_from_slice(&edge);
    let mut right = edge.clone();
    right.extend(signals::sine(f64::from(RATE), 440.0, 0.25, len, 0.0));
    right.extend_from_slice(&edge);
    [left, right]
}

/// The programme, then the limiter's hot corpus (6 dB over) and 0.25 s of silence; and
/// the frame where the hot part starts.
fn programme_then_hot() -> ([Vec<f32>; 2], usize) {
    let mut input = programme();
    let hot_start = input[0].len();
    let hot = support::hot_corpus(RATE, 0.4);
    for c in 0..2 {
        input[c].extend_from_slice(&hot[c]);
        input[c].extend(std::iter::repeat_n(0.0, RATE as usize / 4));
    }
    (input, hot_start)
}

fn normalized(setting: &str, params: &MonitorParams) -> f64 {
    f64::from(match setting {
        "swap" => params.swap.preview_normalized(true),
        "mono" => params.mode.preview_normalized(Choice(MonitorMode::Mono)),
        "gain" => params.gain_db.preview_normalized(-6.0),
        "zero latency" => params.latency.preview_normalized(Choice(LatencyMode::Zero)),
        _ => unreachable!(),
    })
}

#[test]
fn swap_latency_compensation_and_the_ceiling_in_a_real_time_take() {
    let _one = support::one_host_at_a_time();
    let params = MonitorParams::default();
    let (input, hot_start) = programme_then_hot();
    let state = plugin_state(&[("swap", normalized("swap", &params))]);
    let Some(take) = judged_take(&input, &state, true) else {
        return;
    };
    let out = &take.out;
    // Swapped bit for bit and aligned with the transport: Qtractor compensated exactly the
    // latency the plug-in reports, and that latency is the real delay. (Judged up to where
    // the limiter's lookahead meets the hot part.)
    let judged = 0..hot_start - support::latency_at(RATE) - 1;
    let swapped = judged.clone().find(|&n| {
        out[0][n].to_bits() != input[1][n].to_bits() || out[1][n].to_bits() != input[0][n].to_bits()
    });
    assert_eq!(
        swapped, None,
        "Qtractor: not the swapped input at the transport's frame (frame of the first difference)"
    );
    // Real time: Monitor Only never steps aside, and the hot corpus stays under the ceiling.
    let over_in = support::strict_over_ceiling_db(&input);
    let over_out = support::strict_over_ceiling_db(out);
    assert!(over_in > 6.0, "the input is not hot: {over_in:+.2} dB");
    assert!(
        over_out <= 0.0,
        "Qtractor: strict true peak {over_out:+.4} dB over the −1 dBTP ceiling"
    );
    // The state Qtractor saved is the plug-in's, with the setting in it.
    let saved = saved_parameters(&take.saved_session);
    assert_eq!(saved["swap"]["bool"], true, "saved by Qtractor: {saved}");
    support::loud(&format!(
        "Qtractor: swapped and aligned; hot corpus {over_in:+.2} dB re ceiling in, strict true \
         peak {over_out:+.4} dB re ceiling out"
    ));
}

/// Latency Zero in the session's plug-in state: Qtractor takes the latency the plug-in then
/// reports (none), so the swapped output is aligned with the transport bit for bit, and the
/// hot corpus comes out with every sample at or under the ceiling (Zero's promise).
#[test]
fn zero_latency_is_taken_up_and_keeps_the_sample_peak_in_a_real_time_take() {
    let _one = support::one_host_at_a_time();
    let params = MonitorParams::default();
    let (input, hot_start) = programme_then_hot();
    let state = plugin_state(&[
        ("latency", normalized("zero latency", &params)),
        ("swap", normalized("swap", &params)),
    ]);
    let Some(take) = judged_take(&input, &state, true) else {
        return;
    };
    let out = &take.out;
    let swapped = (0..hot_start).find(|&n| {
        out[0][n].to_bits() != input[1][n].to_bits() || out[1][n].to_bits() != input[0][n].to_bits()
    });
    assert_eq!(
        swapped, None,
        "Qtractor: with Latency Zero, not the swapped input at the transport's frame (frame of the first difference)"
    );
    let peak = support::peak(out, 0..out[0].len());
    assert!(
        peak <= support::default_ceiling(),
        "Qtractor: sample peak {peak} over the ceiling with Latency Zero"
    );
    let saved = saved_parameters(&take.saved_session);
    assert_eq!(
        saved["latency"]["string"], "zero",
        "saved by Qtractor: {saved}"
    );
    support::loud(&format!(
        "Qtractor: Latency Zero taken up (aligned, no delay); hot corpus sample peak {peak} out"
    ));
}

#[test]
fn mono_and_gain_with_the_delay_measured_without_compensation() {
    let _one = support::one_host_at_a_time();
    let params = MonitorParams::default();
    let input = programme();
    let state = plugin_state(&[
        ("mode", normalized("mono", &params)),
        ("gain", normalized("gain", &params)),
    ]);
    let Some(take) = judged_take(&input, &state, false) else {
        return;
    };
    let out = &take.out;
    // Without compensation the output is late by the real delay, which must be the latency
    // the plug-in reports.
    let latency = support::latency_at(RATE);
    let gain = 10f32.powf(-6.0 / 20.0);
    for n in latency..input[0].len() {
        let want = gain * 0.5 * (input[0][n - latency] + input[1][n - latency]);
        let (l, r) = (out[0][n], out[1][n]);
        assert!(
            l == r && (l - want).abs() < 1e-6,
            "Qtractor: frame {n}: {l}, {r} for mono −6 dB {want} (delayed by {latency})"
        );
    }
    let saved = saved_parameters(&take.saved_session);
    assert_eq!(
        saved["mode"]["string"], "mono",
        "saved by Qtractor: {saved}"
    );
    let gain_db = saved["gain"]["f32"].as_f64().unwrap();
    assert!((gain_db - -6.0).abs() < 1e-3, "saved by Qtractor: {saved}");
}
