//! Ardour 7 (Debian's `ardour` package), driven headless with `ardour7-lua` on the
//! "None (Dummy)" backend and exported with `ardour7-export` and Lua `SimpleExport`.
//!
//! The built VST3 goes into a bundle of its own, is scanned with Ardour's scanner, and is
//! inserted on a stereo track playing a 6 s programme (different left and right channels, a
//! +6 dBFS burst at 3 s), with Mono selected. Then:
//! - Monitor Only on: `ardour7-export`, and in one Ardour process an export, live playback
//!   in real time (recorded on a second track) and another export. Every export equals the
//!   input bit for bit from the first frame (Ardour states `kOffline` in each process call of
//!   an export, and compensates the latency); the live recording is processed throughout
//!   (mono, the burst limited to the −1 dBTP ceiling).
//! - Monitor Only off: the export is processed (mono, limited) from start to end.
//!
//! Ardour 7.3 calls `setupProcessing(kRealtime)` once, re-activates the plug-in when an export
//! starts and ends, and states `kOffline` only in `ProcessData::processMode` while exporting:
//! nice-plug 0.4.2 never passed that on (see `patches/nice-plug+0.4.2.patch`,
//! `ProcessContext::process_mode`).
//!
//! **Ardour's own crashes.** Ardour 7.3 corrupts its heap when one process runs a second
//! export (`double free or corruption`, `free(): invalid next size`, SIGSEGV), with or without
//! our plug-in on the track (seen with the plug-in removed: 2 of 12 runs of three exports
//! crashed). Measured with the plug-in: a process with two exports and live playback between
//! them crashes in about one run in four (23 crashes in 20 runs of the earlier plan of three
//! exports). A file written by a run that crashed proves nothing either way: the run's output
//! is thrown away and the run repeated, up to [`TRIES`] times. Only the output of a clean exit
//! is judged; if every try crashes, the test fails and says so.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use crate::support::{self, default_ceiling as ceiling, peak, read_wav, write_wav, PLUGIN};
use headphone_monitor::dsp::LatencyMode;

const RATE: u32 = 48_000;
/// Our export preset's id (any UUID of our own).
const PRESET_ID: &str = "5b1e6c2a-8f0d-4e27-9a51-6d6f6e69746f";
/// Our export format's id.
const FORMAT_ID: &str = "5b1e6c2a-8f0d-4e27-9a51-666c6f617432";
/// Ardour's scanner (not on `PATH`).
const SCANNER: &str = "/usr/lib/ardour7/ardour-vst3-scanner";
/// The float WAV export format Ardour ships, from which ours is derived at run time.
const SHIPPED_FORMAT: &str = "/usr/share/ardour7/export/BWAV 32float Export.format";
/// Ardour's position unit: superclock ticks per second.
const SUPERCLOCK_HZ: u64 = 282_240_000;
/// Ardour fades the first ~62 ms of playback in after a locate; skip them in recordings.
const TRANSPORT_FADE_FRAMES: usize = 4_000;
/// How many times an Ardour run that died from a signal is tried again from scratch (at one
/// crash in four, all eight crash once in 65 000 runs).
pub const TRIES: u32 = 12;

/// What is missing of Ardour.
fn ardour_missing() -> Vec<String> {
    let mut missing: Vec<String> = ["ardour7-lua", "ardour7-export"]
        .into_iter()
        .filter(|tool| !support::on_path(tool))
        .map(str::to_owned)
        .collect();
    if !Path::new(SCANNER).is_file() {
        missing.push(SCANNER.to_owned());
    }
    missing
}

/// A run of an Ardour program that died from a signal: its output is not judged.
struct Crashed(String);

/// A scratch world for Ardour: its own HOME (config, scan cache), VST3 folder and exports.
struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// Ardour runs that died from a signal and were repeated.
    crashes: Cell<u32>,
}

impl World {
    fn new() -> Self {
        let mut dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        if std::env::var_os("HM_ARDOUR_KEEP").is_some() {
            // For debugging: keep the sessions, exports and Ardour's files.
            dir.disable_cleanup(true);
            support::loud(&format!(
                "HM_ARDOUR_KEEP: the Ardour world stays in {}",
                root.display()
            ));
        }
        for sub in ["home/.config", "home/.cache", "vst3", "formats", "out"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        World {
            _dir: dir,
            root,
            crashes: Cell::new(0),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A command with Ardour's environment pointed into this world.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_CACHE_HOME", self.path("home/.cache"))
            .env("VST3_PATH", self.path("vst3"))
            .env("ARDOUR_EXPORT_FORMATS_PATH", self.path("formats"))
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Runs `command`: `Err` if a signal ended it; a failure without a signal fails the test.
    fn run(&self, what: &str, command: &mut Command) -> Result<Output, Crashed> {
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
        if let Some(crash) = support::crash(output.status) {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let last = stdout.lines().rev().find(|l| !l.trim().is_empty());
            return Err(Crashed(format!(
                "{what} died from {crash}; its last line: {:?}",
                last.unwrap_or("")
            )));
        }
        assert!(
            output.status.success(),
            "{what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(output)
    }

    /// Runs `attempt` until one try ends without an Ardour program dying from a signal (each
    /// try starts from scratch and throws away what a crashed one left); fails the test if
    /// all [`TRIES`] crash.
    fn survive<T>(&self, what: &str, mut attempt: impl FnMut() -> Result<T, Crashed>) -> T {
        let mut seen = Vec::new();
        for try_number in 1..=TRIES {
            match attempt() {
                Ok(value) => return value,
                Err(Crashed(how)) => {
                    self.crashes.set(self.crashes.get() + 1);
                    support::loud(&format!(
                        "Ardour crashed ({how}) on try {try_number} of {TRIES} of {what}: its \
                         output is thrown away and the run repeated"
                    ));
                    seen.push(how);
                }
            }
        }
        panic!(
            "{what}: every one of {TRIES} tries crashed, so nothing could be judged: {}",
            seen.join("; ")
        );
    }

    /// Runs a Lua script of `ardour/` with `ardour7-lua`; returns its output lines.
    fn lua(&self, script: &str, args: &[&str]) -> Result<Vec<String>, Crashed> {
        let script = support::tooling("ardour").join(script);
        let out = self.run(
            &format!("ardour7-lua {}", script.display()),
            self.command("ardour7-lua")
                .arg("--")
                .arg(&script)
                .args(args),
        )?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.contains("call slot") && !l.contains("call-slot"))
            .map(str::to_owned)
            .collect())
    }

    /// Copies the plug-in into a bundle of our own and writes Ardour's scan cache for it.
    /// Headless Ardour only reads that cache, and trusts it only if it is newer than the
    /// module in whole seconds: the copy is dated 10 s back.
    fn install_plugin(&self) {
        let bundle = support::vst3_bundle(&self.path("vst3"));
        let module = bundle.join(format!("Contents/x86_64-linux/{PLUGIN}.so"));
        let past = SystemTime::now() - Duration::from_secs(10);
        std::fs::File::options()
            .write(true)
            .open(&module)
            .and_then(|f| f.set_modified(past))
            .expect("backdate the module");
        self.survive("the VST3 scan", || {
            self.run(
                "ardour-vst3-scanner",
                self.command(SCANNER)
                    .env("LD_LIBRARY_PATH", "/usr/lib/ardour7")
                    .args(["-f", "-q"])
                    .arg(&bundle),
            )
        });
    }

    /// Our float-WAV export preset, and its format derived from the one Ardour ships
    /// (WAV instead of BWF, the session's rate, no broadcast chunk).
    fn write_export_preset(&self) {
        let shipped = std::fs::read_to_string(SHIPPED_FORMAT).expect("Ardour's export formats");
        let id_start = shipped.find(" id=\"").expect("format id") + 5;
        let id_end = id_start + shipped[id_start..].find('"').unwrap();
        let format = shipped
            .replace(&shipped[id_start..id_end], FORMAT_ID)
            .replace(
                "name=\"BWAV 32float Export\"",
                "name=\"Headphone Monitor test float\"",
            )
            .replace("name=\"BWF\"", "name=\"WAV\"")
            .replace(
                "<SampleRate rate=\"1\"/>",
                "<SampleRate rate=\"SR_Session\"/>",
            )
            .replace(
                "name=\"broadcast-info\" value=\"true\"",
                "name=\"broadcast-info\" value=\"false\"",
            );
        assert!(format.contains(FORMAT_ID) && format.contains("SR_Session"));
        std::fs::write(self.path("formats/hm-test-float.format"), format).unwrap();
        let preset = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ExportPreset id=\"{PRESET_ID}\" name=\"Headphone Monitor test\">\n\
             \x20 <ExportFormat id=\"{FORMAT_ID}\"/>\n\
             \x20 <ExportFilename>\n\
             \x20   <Folder relative=\"1\" path=\"export\"/>\n\
             \x20   <Field name=\"timespan\" enabled=\"1\"/>\n\
             \x20 </ExportFilename>\n\
             </ExportPreset>\n"
        );
        std::fs::write(self.path("formats/hm-test.preset"), preset).unwrap();
    }

    /// `ardour7-export -b float` of `session` to `out`: the file of a clean exit.
    fn export_cli(&self, session: &Path, name: &str, out: &Path) -> Vec<Vec<f32>> {
        self.survive(&format!("ardour7-export of {name}"), || {
            let _ = std::fs::remove_file(out);
            let result = self.run(
                "ardour7-export",
                self.command("ardour7-export")
                    .args(["-b", "float", "-o"])
                    .arg(out)
                    .arg(session)
                    .arg(name),
            )?;
            let stdout = String::from_utf8_lossy(&result.stdout);
            // A plug-in Ardour cannot load is left out silently (the audio passes unchanged).
            assert!(
                !stdout.contains("that is unknown"),
                "ardour7-export could not load the plug-in:\n{stdout}"
            );
            Ok(read_wav(out).unwrap_or_else(|| {
                panic!("ardour7-export exited cleanly without a complete file:\n{stdout}")
            }))
        })
    }
}

/// The programme: 6 s, left and right clearly different (so Mono shows), moderate level,
/// with a +6 dBFS burst at 3.0–3.1 s (so pass-through exceeds the ceiling and processing
/// limits it).
fn programme() -> Vec<Vec<f32>> {
    let len = 6 * RATE as usize;
    let tone = |n: usize, f: f64, a: f64| {
        (a * (std::f64::consts::TAU * f * n as f64 / f64::from(RATE)).sin()) as f32
    };
    let burst = |n: usize| {
        if (3 * RATE as usize..(3.1 * f64::from(RATE)) as usize).contains(&n) {
            tone(n, 1_000.0, 2.0)
        } else {
            0.0
        }
    };
    vec![
        (0..len)
            .map(|n| tone(n, 440.0, 0.2) + tone(n, 3_100.0, 0.05) + burst(n))
            .collect(),
        (0..len)
            .map(|n| tone(n, 550.0, 0.15) - tone(n, 7_300.0, 0.04) + burst(n))
            .collect(),
    ]
}

/// Adds `wav` (already in the session's audio folder) as a region at 0 on track "Audio 1",
/// and the session range, by editing the session file (headless Ardour has no Lua import).
fn add_region(session_file: &Path, wav_name: &str, frames: usize) {
    let mut xml = std::fs::read_to_string(session_file).expect("session file");
    let counter_at = xml.find("id-counter=\"").expect("id-counter") + 12;
    let counter_end = counter_at + xml[counter_at..].find('"').unwrap();
    let mut next_id: u64 = xml[counter_at..counter_end].parse().unwrap();
    let mut new_id = || {
        next_id += 1;
        next_id - 1
    };
    let length = frames as u64 * SUPERCLOCK_HZ / u64::from(RATE);
    let stamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let sources: Vec<u64> = (0..2).map(|_| new_id()).collect();
    let source_xml: String = sources
        .iter()
        .enumerate()
        .map(|(channel, id)| {
            format!(
                "<Source name=\"{wav_name}\" take-id=\"\" type=\"audio\" flags=\"\" id=\"{id}\" \
                 timestamp=\"{stamp}\" natural-position=\"a0\" captured-for=\"\" \
                 channel=\"{channel}\" origin=\"\" gain=\"1\"/>"
            )
        })
        .collect();
    let region = |name: &str, id: u64, whole: bool| {
        let w = u8::from(whole);
        format!(
            "<Region name=\"{name}\" muted=\"0\" opaque=\"1\" locked=\"0\" video-locked=\"0\" \
             automatic=\"{w}\" whole-file=\"{w}\" import=\"0\" external=\"0\" sync-marked=\"0\" \
             left-of-split=\"0\" right-of-split=\"0\" hidden=\"0\" position-locked=\"0\" \
             valid-transients=\"0\" start=\"a0\" length=\"a{length}@a0\" sync-position=\"a0\" \
             ancestral-start=\"a0\" ancestral-length=\"a0@a0\" stretch=\"1\" shift=\"1\" \
             layering-index=\"0\" tags=\"\" contents=\"0\" envelope-active=\"0\" \
             default-fade-in=\"0\" default-fade-out=\"0\" fade-in-active=\"0\" \
             fade-out-active=\"0\" scale-amplitude=\"1\" id=\"{id}\" type=\"audio\" \
             first-edit=\"nothing\" source-0=\"{s0}\" source-1=\"{s1}\" \
             master-source-0=\"{s0}\" master-source-1=\"{s1}\" channels=\"2\"/>",
            s0 = sources[0],
            s1 = sources[1]
        )
    };
    let whole = region("programme", new_id(), true);
    let on_track = region("programme.1", new_id(), false);
    let range = format!(
        "<Location id=\"{}\" name=\"session\" start=\"a0\" end=\"a{length}\" \
         flags=\"IsSessionRange\" locked=\"0\" timestamp=\"{stamp}\" cue=\"0\"/>",
        new_id()
    );
    let fill = |xml: &mut String, tag: &str, content: &str| {
        let empty = format!("<{tag}/>");
        let open = format!("<{tag}>");
        if let Some(at) = xml.find(&empty) {
            xml.replace_range(at..at + empty.len(), &format!("<{tag}>{content}</{tag}>"));
        } else {
            let at = xml
                .find(&open)
                .unwrap_or_else(|| panic!("no <{tag}> in the session"));
            xml.insert_str(at + open.len(), content);
        }
    };
    fill(&mut xml, "Sources", &source_xml);
    fill(&mut xml, "Regions", &whole);
    fill(&mut xml, "Locations", &range);
    // The track's playlist (self-closing while empty).
    let route_at = xml.find("<Route ").expect("a route");
    let route_at = route_at
        + xml[route_at..]
            .find("name=\"Audio 1\"")
            .expect("track Audio 1");
    let playlist_attr = route_at + xml[route_at..].find("audio-playlist=\"").unwrap() + 16;
    let playlist_id = &xml[playlist_attr..playlist_attr + xml[playlist_attr..].find('"').unwrap()];
    let playlist_at = xml
        .find(&format!("<Playlist id=\"{playlist_id}\""))
        .expect("the track's playlist");
    let tag_end = playlist_at + xml[playlist_at..].find('>').unwrap();
    if xml.as_bytes()[tag_end - 1] == b'/' {
        xml.replace_range(tag_end - 1..tag_end + 1, &format!(">{on_track}</Playlist>"));
    } else {
        xml.insert_str(tag_end + 1, &on_track);
    }
    let next = next_id.to_string();
    let counter_end = counter_at + xml[counter_at..].find('"').unwrap();
    xml.replace_range(counter_at..counter_end, &next);
    std::fs::write(session_file, xml).unwrap();
}

/// A session with the programme on "Audio 1" and our plug-in on it with `params`, made from
/// scratch on every try.
fn make_session(world: &World, name: &str, params: &[&str]) -> PathBuf {
    let dir = world.path(name);
    let input = programme();
    world.survive(&format!("making the session {name}"), || {
        let _ = std::fs::remove_dir_all(&dir);
        world.lua("create.lua", &[dir.to_str().unwrap(), name])?;
        let audio_dir = dir.join(format!("interchange/{name}/audiofiles"));
        std::fs::create_dir_all(&audio_dir).unwrap();
        write_wav(&audio_dir.join("programme.wav"), RATE, &input);
        add_region(
            &dir.join(format!("{name}.ardour")),
            "programme.wav",
            input[0].len(),
        );
        let mut args = vec![dir.to_str().unwrap(), name, PLUGIN];
        args.extend_from_slice(params);
        let lines = world.lua("insert.lua", &args)?;
        assert!(lines.iter().any(|l| l == "INSERTED"), "{lines:?}");
        Ok(())
    });
    dir
}

/// Mono processing: both ears identical, and not silent.
fn is_mono(out: &[Vec<f32>], range: std::ops::Range<usize>) -> bool {
    out[0][range.clone()] == out[1][range.clone()] && out[0][range].iter().any(|&v| v != 0.0)
}

/// An export with Monitor Only on equals the input bit for bit from its first frame to its
/// last, the +6 dBFS burst included (Ardour compensates the latency).
#[track_caller]
fn assert_passes_through(what: &str, out: &[Vec<f32>], input: &[Vec<f32>]) {
    let len = input[0].len();
    assert!(
        out.len() == 2 && out[0].len() >= len,
        "{what}: {} frames",
        out[0].len()
    );
    assert_eq!(
        support::first_difference(out, input, 0, 0..len),
        None,
        "{what}: (channel, frame) where the export is not the input"
    );
    assert!(
        peak(out, 0..len) > 1.5,
        "{what}: the +6 dBFS burst did not pass"
    );
}

#[test]
fn exports_pass_through_with_monitor_only_and_live_playback_stays_protected() {
    let _one = support::one_host_at_a_time();
    if !support::require("Ardour 7", &ardour_missing(), "apt-get install ardour") {
        return;
    }
    let world = World::new();
    world.install_plugin();
    world.write_export_preset();
    let input = programme();

    // Monitor Only on (the default), Mono.
    let session = make_session(&world, "monitor", &["Monitor Mode=1"]);
    let out = world.export_cli(&session, "monitor", &world.path("out/cli.wav"));
    assert_passes_through("ardour7-export", &out, &input);

    // An export, live playback, another export: one Ardour process.
    let out_dir = world.path("out");
    let exports = ["first", "after_live"];
    let (outs, captured) = world.survive("exports and live playback in one process", || {
        for name in exports {
            let _ = std::fs::remove_file(out_dir.join(format!("{name}.wav")));
        }
        let lines = world.lua(
            "run.lua",
            &[
                session.to_str().unwrap(),
                "monitor",
                PLUGIN,
                out_dir.to_str().unwrap(),
                PRESET_ID,
                "export:first",
                "live:4",
                "export:after_live",
            ],
        )?;
        assert!(lines.iter().any(|l| l == "DONE"), "{lines:?}");
        let outs: Vec<Vec<Vec<f32>>> = exports
            .iter()
            .map(|name| {
                read_wav(&out_dir.join(format!("{name}.wav")))
                    .unwrap_or_else(|| panic!("no export {name}: {lines:?}"))
            })
            .collect();
        let captured: Vec<Vec<f32>> = (0..2)
            .map(|c| {
                let line = lines
                    .iter()
                    .find(|l| l.starts_with(&format!("CAPTURE {c} ")))
                    .unwrap_or_else(|| panic!("no capture: {lines:?}"));
                read_wav(Path::new(&line[10..]))
                    .expect("captured file")
                    .remove(0)
            })
            .collect();
        Ok((outs, captured))
    });
    for (name, out) in exports.iter().zip(&outs) {
        assert_passes_through(&format!("Lua export '{name}'"), out, &input);
    }
    let live_len = captured[0].len().min(captured[1].len());
    assert!(
        live_len >= 35 * RATE as usize / 10,
        "recorded {live_len} frames"
    );
    let live = TRANSPORT_FADE_FRAMES..live_len;
    assert!(
        is_mono(&captured, live.clone()),
        "live playback after an export is not processed (Mono)"
    );
    let live_peak = peak(&captured, live);
    assert!(
        live_peak <= ceiling(),
        "live playback: peak {live_peak} above the ceiling (the burst was not limited)"
    );

    // Monitor Only off: the export is processed from start to end.
    let latency = support::latency_at(RATE);
    let session = make_session(&world, "printed", &["Monitor Mode=1", "Monitor Only=0"]);
    let out = world.export_cli(&session, "printed", &world.path("out/printed.wav"));
    let len = input[0].len();
    assert!(out[0].len() >= len);
    assert!(
        is_mono(&out, latency..len),
        "Monitor Only off: not processed everywhere"
    );
    let printed_peak = peak(&out, 0..len);
    assert!(
        printed_peak <= ceiling(),
        "Monitor Only off: peak {printed_peak}"
    );
    support::loud(&format!(
        "Ardour: passed; {} Ardour crash(es) survived, every judged file from a clean exit",
        world.crashes.get()
    ));
}

/// The latency setting, changed while Ardour runs (as a user clicks it): Ardour picks up each
/// new latency (the plug-in announces it with `restartComponent(kLatencyChanged)`), for the
/// plug-in and for the track's signal latency: Exact, then Low, Zero, and Exact again.
#[test]
fn ardour_picks_up_a_changed_latency() {
    let _one = support::one_host_at_a_time();
    if !support::require("Ardour 7", &ardour_missing(), "apt-get install ardour") {
        return;
    }
    let world = World::new();
    world.install_plugin();
    let session = make_session(&world, "latency", &[]);
    let exact = support::latency_at(RATE);
    let low = test_support::latency_in(f64::from(RATE), LatencyMode::Low);
    // Ardour sets a stepped VST3 parameter by its step: Exact 0, Low 1, Zero 2.
    let lines = world.survive("changing the latency setting", || {
        let lines = world.lua(
            "latency.lua",
            &[session.to_str().unwrap(), "latency", PLUGIN, "1", "2", "0"],
        )?;
        assert!(lines.iter().any(|l| l == "DONE"), "{lines:?}");
        Ok(lines)
    });
    // "LATENCY <label> plugin P route R"
    let reported = |label: &str| -> (usize, usize) {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("LATENCY {label} ")))
            .unwrap_or_else(|| panic!("no report for {label}: {lines:?}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        (words[3].parse().unwrap(), words[5].parse().unwrap())
    };
    let (plugin, route) = reported("start");
    assert_eq!(plugin, exact, "Exact: {lines:?}");
    assert!(
        route >= exact,
        "the track's latency includes the plug-in's: {lines:?}"
    );
    let (plugin, route_low) = reported("1");
    assert_eq!(plugin, low, "Low picked up: {lines:?}");
    assert_eq!(
        route - route_low,
        exact - low,
        "the track's delay follows: {lines:?}"
    );
    let (plugin, route_zero) = reported("2");
    assert_eq!(plugin, 0, "Zero picked up: {lines:?}");
    assert_eq!(
        route - route_zero,
        exact,
        "the track lost the plug-in's delay: {lines:?}"
    );
    let (plugin, route_back) = reported("0");
    assert_eq!(plugin, exact, "Exact again: {lines:?}");
    assert_eq!(route_back, route, "{lines:?}");
    support::loud(&format!(
        "Ardour: the latency setting was picked up (plug-in {exact} -> {low} -> 0 -> {exact} samples; track {route} -> {route_low} -> {route_zero} -> {route_back})"
    ));
}
