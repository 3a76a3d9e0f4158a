//! A real host: Ardour 7 (Debian's `ardour` package), driven headless with `ardour7-lua` on
//! the "None (Dummy)" backend and exported with `ardour7-export` and Lua `SimpleExport`.
//!
//! The built VST3 (the debug library the other tests load, or `$HM_VST3_PATH`) goes into a
//! bundle of its own, is scanned with Ardour's scanner, and is inserted on a stereo track
//! playing a 6 s programme (different left and right channels, a +6 dBFS burst at 3 s), with
//! Mono selected. Then:
//! - Monitor Only on: `ardour7-export`, and in one Ardour process two exports, live playback
//!   in real time (recorded on a second track) and a third export. Every export equals the
//!   input bit for bit (pass-through, latency-compensated by Ardour) from the end of the
//!   verification at the latest — in practice from the first frame, because Ardour's export
//!   pre-roll runs the plug-in long enough to verify the pace before the export range starts;
//!   the live recording is processed throughout (mono, the burst limited to the −1 dBTP
//!   ceiling).
//! - Monitor Only off: the export is processed (mono, limited) from start to end.
//!
//! Ardour 7.3 calls `setupProcessing(kRealtime)` once, re-activates the plug-in when an export
//! starts and ends, and states `kOffline` only in `ProcessData::processMode` while exporting:
//! nice-plug 0.4.2 never passed that on, so Monitor Only never engaged (see
//! `patches/nice-plug+0.4.2.patch`, `ProcessContext::process_mode`). Without Ardour installed the test prints one line and
//! passes without checking anything; `.ci/run` installs it.
//!
//! Linux only: Ardour's VST3 scanner and Lua tools are Linux programs here.
#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use headphone_monitor::dsp::render_guard::VERIFY_AUDIO_S;

const RATE: u32 = 48_000;
const PLUGIN: &str = "Headphone Monitor";
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
/// The largest block Ardour may use while exporting (its freewheel block is at most this).
const MAX_EXPORT_BLOCK: usize = 8192;
/// Ardour fades the first ~62 ms of playback in after a locate; skip them in recordings.
const TRANSPORT_FADE_FRAMES: usize = 4_000;

/// The −1 dBTP default ceiling as a sample-peak bound.
fn ceiling() -> f32 {
    10f32.powf(-1.0 / 20.0)
}

/// The Ardour tools, if installed.
fn ardour_installed() -> bool {
    let on_path = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    on_path("ardour7-lua") && on_path("ardour7-export") && Path::new(SCANNER).is_file()
}

/// A scratch world for Ardour: its own HOME (config, scan cache), VST3 folder and exports.
struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl World {
    fn new() -> Self {
        let mut dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        if std::env::var_os("HM_ARDOUR_KEEP").is_some() {
            // For debugging: keep the sessions, exports and Ardour's files.
            dir.disable_cleanup(true);
            eprintln!(
                "HM_ARDOUR_KEEP: the Ardour world stays in {}",
                root.display()
            );
        }
        for sub in ["home/.config", "home/.cache", "vst3", "formats", "out"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        World { _dir: dir, root }
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

    /// Runs a Lua script of `tests/ardour/` with `ardour7-lua`; returns its output lines.
    fn lua(&self, script: &str, args: &[&str]) -> Vec<String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/ardour")
            .join(script);
        let out = self
            .command("ardour7-lua")
            .arg("--")
            .arg(&script)
            .args(args)
            .output()
            .expect("run ardour7-lua");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| !l.contains("call slot") && !l.contains("call-slot"))
            .map(str::to_owned)
            .collect();
        assert!(
            out.status.success(),
            "ardour7-lua {} failed ({}):\n{}\n{}",
            script.display(),
            out.status,
            lines.join("\n"),
            String::from_utf8_lossy(&out.stderr)
        );
        lines
    }

    /// Copies the plug-in into a bundle of our own and writes Ardour's scan cache for it.
    /// Headless Ardour only reads that cache, and trusts it only if it is newer than the
    /// module in whole seconds: the copy is dated 10 s back.
    fn install_plugin(&self) {
        let so = common::vst3_host::library_path();
        let bundle = self.path(&format!("vst3/{PLUGIN}.vst3"));
        let module_dir = bundle.join("Contents/x86_64-linux");
        std::fs::create_dir_all(&module_dir).unwrap();
        let module = module_dir.join(format!("{PLUGIN}.so"));
        std::fs::copy(&so, &module).expect("copy the plug-in library");
        let past = SystemTime::now() - Duration::from_secs(10);
        std::fs::File::options()
            .write(true)
            .open(&module)
            .and_then(|f| f.set_modified(past))
            .expect("backdate the module");
        let out = self
            .command(SCANNER)
            .env("LD_LIBRARY_PATH", "/usr/lib/ardour7")
            .args(["-f", "-q"])
            .arg(&bundle)
            .output()
            .expect("run ardour-vst3-scanner");
        assert!(
            out.status.success(),
            "ardour-vst3-scanner failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
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

    /// `ardour7-export -b float`. It is known to abort now and then with a double free
    /// *after* writing its file (with or without our plug-in): a complete file is accepted
    /// and the abort reported; an incomplete one is retried, twice at most.
    fn export_cli(&self, session: &Path, name: &str, out: &Path) -> Vec<Vec<f32>> {
        for attempt in 1..=3 {
            let _ = std::fs::remove_file(out);
            let result = self
                .command("ardour7-export")
                .args(["-b", "float", "-o"])
                .arg(out)
                .arg(session)
                .arg(name)
                .output()
                .expect("run ardour7-export");
            let stdout = String::from_utf8_lossy(&result.stdout);
            // A plug-in Ardour cannot load is left out silently (the audio passes unchanged).
            assert!(
                !stdout.contains("that is unknown"),
                "ardour7-export could not load the plug-in:\n{stdout}"
            );
            let audio = read_wav(out);
            match (result.status.success(), audio) {
                (true, Some(audio)) => return audio,
                (false, Some(audio)) => {
                    eprintln!(
                        "ardour7-export exited with {} after writing a complete file \
                         (attempt {attempt}); the file is used",
                        result.status
                    );
                    return audio;
                }
                (_, None) => eprintln!(
                    "ardour7-export attempt {attempt} left no complete file ({}): {}",
                    result.status,
                    String::from_utf8_lossy(&result.stderr)
                ),
            }
        }
        panic!("ardour7-export failed three times");
    }
}

/// A float or integer WAV as channels of f32; `None` if missing or incomplete.
fn read_wav(path: &Path) -> Option<Vec<Vec<f32>>> {
    let mut reader = hound::WavReader::open(path).ok()?;
    let spec = reader.spec();
    let channels = spec.channels as usize;
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>().ok()?,
        hound::SampleFormat::Int => {
            let scale = (1_i64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .ok()?
        }
    };
    Some(
        (0..channels)
            .map(|c| {
                interleaved
                    .iter()
                    .skip(c)
                    .step_by(channels)
                    .copied()
                    .collect()
            })
            .collect(),
    )
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

fn write_wav(path: &Path, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..channels[0].len() {
        for channel in channels {
            writer.write_sample(channel[n]).unwrap();
        }
    }
    writer.finalize().unwrap();
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

/// A session with the programme on "Audio 1" and our plug-in on it with `params`.
fn make_session(world: &World, name: &str, params: &[&str]) -> PathBuf {
    let dir = world.path(name);
    world.lua("create.lua", &[dir.to_str().unwrap(), name]);
    let input = programme();
    let audio_dir = dir.join(format!("interchange/{name}/audiofiles"));
    std::fs::create_dir_all(&audio_dir).unwrap();
    write_wav(&audio_dir.join("programme.wav"), &input);
    add_region(
        &dir.join(format!("{name}.ardour")),
        "programme.wav",
        input[0].len(),
    );
    let mut args = vec![dir.to_str().unwrap(), name, PLUGIN];
    args.extend_from_slice(params);
    let lines = world.lua("insert.lua", &args);
    assert!(lines.iter().any(|l| l == "INSERTED"), "{lines:?}");
    dir
}

/// Frame from which an export must be the input: the verification, two blocks, the 20 ms
/// crossfade and the latency.
fn settled_frame(latency: usize) -> usize {
    (VERIFY_AUDIO_S * f64::from(RATE)) as usize + 2 * MAX_EXPORT_BLOCK + 960 + latency
}

/// Mono processing: both ears identical, and not silent.
fn is_mono(out: &[Vec<f32>], range: std::ops::Range<usize>) -> bool {
    out[0][range.clone()] == out[1][range.clone()] && out[0][range].iter().any(|&v| v != 0.0)
}

fn peak(out: &[Vec<f32>], range: std::ops::Range<usize>) -> f32 {
    out.iter()
        .flat_map(|c| c[range.clone()].iter())
        .fold(0.0, |m, v| m.max(v.abs()))
}

/// An export with Monitor Only on equals the input bit for bit from the verification on at the
/// latest (Ardour's export pre-roll usually covers the whole verification, so it is exact from
/// the first frame). Returns the first frame from which it is exact.
#[track_caller]
fn assert_passes_through(
    what: &str,
    out: &[Vec<f32>],
    input: &[Vec<f32>],
    latency: usize,
) -> usize {
    let len = input[0].len();
    assert!(
        out.len() == 2 && out[0].len() >= len,
        "{what}: {} frames",
        out[0].len()
    );
    let last_difference = (0..len)
        .rev()
        .find(|&n| (0..2).any(|c| out[c][n].to_bits() != input[c][n].to_bits()));
    let exact_from = last_difference.map_or(0, |n| n + 1);
    assert!(
        exact_from <= settled_frame(latency),
        "{what}: processed up to frame {exact_from}; pass-through expected from frame {} at the \
         latest",
        settled_frame(latency)
    );
    assert!(
        peak(out, exact_from..len) > 1.5,
        "{what}: the +6 dBFS burst passed unlimited"
    );
    eprintln!("{what}: the input bit for bit from frame {exact_from} of {len}");
    exact_from
}

#[test]
fn ardour_exports_pass_through_with_monitor_only_and_live_playback_stays_protected() {
    if !ardour_installed() {
        println!(
            "SKIPPED: Ardour 7 is not installed (apt-get install ardour): the real-host test \
             checked nothing"
        );
        return;
    }
    let world = World::new();
    world.install_plugin();
    world.write_export_preset();
    let input = programme();
    let latency = {
        let mut probe = common::vst3_host::Vst3Instance::new();
        assert!(probe.activate(f64::from(RATE), 1024));
        probe.latency() as usize
    };

    // Monitor Only on (the default), Mono.
    let session = make_session(&world, "monitor", &["Monitor Mode=1"]);
    let out = world.export_cli(&session, "monitor", &world.path("out/cli.wav"));
    assert_passes_through("ardour7-export", &out, &input, latency);

    // Two exports, live playback, a third export: one Ardour process.
    let out_dir = world.path("out");
    let lines = world.lua(
        "run.lua",
        &[
            session.to_str().unwrap(),
            "monitor",
            PLUGIN,
            out_dir.to_str().unwrap(),
            PRESET_ID,
            "export:first",
            "export:second",
            "live:4",
            "export:after_live",
        ],
    );
    for name in ["first", "second", "after_live"] {
        let out = read_wav(&out_dir.join(format!("{name}.wav")))
            .unwrap_or_else(|| panic!("no export {name}: {lines:?}"));
        assert_passes_through(&format!("Lua export '{name}'"), &out, &input, latency);
    }
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
    let live_len = captured[0].len().min(captured[1].len());
    assert!(
        live_len >= 35 * RATE as usize / 10,
        "recorded {live_len} frames"
    );
    let live = TRANSPORT_FADE_FRAMES..live_len;
    assert!(
        is_mono(&captured, live.clone()),
        "live playback after two exports is not processed (Mono)"
    );
    let live_peak = peak(&captured, live);
    assert!(
        live_peak <= ceiling(),
        "live playback: peak {live_peak} above the ceiling (the burst was not limited)"
    );

    // Monitor Only off: the export is processed from start to end.
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
}
