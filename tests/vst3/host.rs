//! The built plugin loaded as VST3 (the `vst3` crate's COM bindings + `libloading`): factory
//! and class info, component initialise, bus arrangements, setupProcessing at 8–384 kHz,
//! latency equal to the delay measured by impulse, automation through `IParameterChanges`
//! (sample-accurate), in-place processing, random block sizes and abusive input, null and
//! random `ProcessContext`, state round trips and bad state, parameter flags and text
//! conversion, and the editor view. Run with `--features assert_process_allocs` (the README's
//! test command does): any allocation inside `process` aborts the run.

// The VST3 bindings' constants are `u32` on Linux and `i32` on Windows; the casts are needed
// on one of the two.
#![allow(clippy::unnecessary_cast)]

use test_support::rng;

use headphone_monitor::dsp::db_to_gain;
use rng::Rng;
use test_support::clap_host::param_id;
use test_support::vst3_host::{
    create_component, factory_info, library_path, load_factory, Vst3Instance, CLASS_ID, INPUT,
    OUTPUT,
};
use test_support::{fuzzed, PARAM_IDS};
use vst3::ComPtr;
use vst3::Steinberg::Vst::IEditControllerTrait;
use vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::{kCanAutomate, kIsBypass};
use vst3::Steinberg::Vst::ProcessContext;
use vst3::Steinberg::Vst::ProcessModes_::{kOffline, kPrefetch};
use vst3::Steinberg::Vst::RestartFlags_::kLatencyChanged;
use vst3::Steinberg::Vst::SpeakerArr::{k51, kMono, kStereo};
use vst3::Steinberg::Vst::SymbolicSampleSizes_::{kSample32, kSample64};
use vst3::Steinberg::{kResultOk, kResultTrue, IPlugView, IPlugViewTrait, ViewRect};

/// Deterministic full-band noise at `amp` peak.
fn noise(seed: u64, amp: f32, len: usize) -> Vec<f32> {
    let mut rng = Rng(seed);
    (0..len).map(|_| amp * (2.0 * rng.unit() - 1.0)).collect()
}

fn sine(rate: f64, freq: f64, amp: f32, len: usize) -> Vec<f32> {
    test_support::signals::sine(rate, freq, f64::from(amp), len, 0.0)
}

/// Asserts `out == x` delayed by `latency` samples, bit for bit, naming the first difference.
#[track_caller]
fn assert_delayed(out: &[f32], x: &[f32], latency: usize, what: &str) {
    assert!(
        out[..latency].iter().all(|&v| v == 0.0),
        "{what}: silence during the latency"
    );
    if let Some(n) = (latency..out.len()).find(|&n| out[n].to_bits() != x[n - latency].to_bits()) {
        panic!(
            "{what}: output[{n}] = {} but input[{}] = {}",
            out[n],
            n - latency,
            x[n - latency]
        );
    }
}

/// The index of the largest magnitude.
fn peak_index(x: &[f32]) -> usize {
    x.iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map_or(0, |(i, _)| i)
}

#[test]
fn factory_describes_one_audio_effect_class_and_refuses_unknown_ids() {
    let factory = load_factory(&library_path());
    let info = factory_info(&factory);
    assert!(!info.vendor.is_empty(), "factory vendor");
    assert_eq!(info.classes.len(), 1, "{info:?}");
    let class = &info.classes[0];
    assert_eq!(class.cid, CLASS_ID, "pinned VST3 class id");
    assert_eq!(class.category, "Audio Module Class");
    assert_eq!(class.name, "Headphone Monitor");
    assert_eq!(class.version, env!("CARGO_PKG_VERSION"));
    let subcategories: Vec<&str> = class.sub_categories.split('|').collect();
    assert_eq!(
        subcategories[0], "Fx",
        "an effect first: {}",
        class.sub_categories
    );
    let mut unique = subcategories.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        subcategories.len(),
        "duplicate sub-categories"
    );

    assert!(create_component(&factory, b"NotOurClassId!!!").is_none());
    let mut almost = CLASS_ID;
    almost[15] ^= 1;
    assert!(create_component(&factory, &almost).is_none());
    assert!(create_component(&factory, &CLASS_ID).is_some());
}

#[test]
fn buses_and_arrangements_stereo_mono_to_stereo_and_mono() {
    let mut plugin = Vst3Instance::new();
    assert_eq!(plugin.audio_bus_count(INPUT), 1);
    assert_eq!(plugin.audio_bus_count(OUTPUT), 1);
    let input = plugin.audio_bus_info(INPUT, 0).expect("input bus 0");
    let output = plugin.audio_bus_info(OUTPUT, 0).expect("output bus 0");
    assert_eq!(
        (input.channelCount, output.channelCount),
        (2, 2),
        "default stereo"
    );
    assert!(
        plugin.audio_bus_info(INPUT, 1).is_none(),
        "no second input bus"
    );

    for (inp, out) in [(kStereo, kStereo), (kMono, kStereo), (kMono, kMono)] {
        assert_eq!(
            plugin.set_bus_arrangements(inp, out),
            kResultOk,
            "{inp:#x} → {out:#x}"
        );
        assert_eq!(plugin.bus_arrangement(INPUT), Some(inp));
        assert_eq!(plugin.bus_arrangement(OUTPUT), Some(out));
        // Each arrangement processes: neutral settings are transparent (mono → stereo: both
        // ears carry the mono source).
        assert!(plugin.activate(48_000.0, 256));
        let latency = plugin.latency() as usize;
        let channels = inp.count_ones() as usize;
        let x = noise(7, 0.1, 3_000);
        let out = plugin.process(&vec![x.clone(); channels], 256, &[], None);
        for channel in &out {
            assert_delayed(channel, &x, latency, "neutral settings");
        }
        plugin.deactivate();
    }
    for (inp, out) in [(k51, k51), (kStereo, kMono), (kStereo, k51)] {
        assert_ne!(
            plugin.set_bus_arrangements(inp, out),
            kResultOk,
            "{inp:#x} → {out:#x}"
        );
    }
    // 32-bit only (nice-plug does not offer 64-bit processing).
    assert!(plugin.can_process_sample_size(kSample32 as i32));
    assert!(!plugin.can_process_sample_size(kSample64 as i32));
}

#[test]
fn latency_equals_the_delay_measured_by_impulse_at_every_rate() {
    let mut plugin = Vst3Instance::new();
    let mut last_latency = None;
    for rate in [
        8_000.0, 22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0, 384_000.0,
    ] {
        assert!(plugin.activate(rate, 512), "{rate} Hz");
        let reported = plugin.latency() as usize;
        let expected = headphone_monitor::dsp::Chain::new(
            rate as f32,
            headphone_monitor::dsp::Settings::default(),
        )
        .latency_samples();
        assert_eq!(
            reported, expected,
            "{rate} Hz: VST3 reports the DSP's latency"
        );
        // A changed latency is announced to the host with `kLatencyChanged`.
        if last_latency.is_some_and(|last| last != reported) {
            let restarts = plugin.handler.restarts.get();
            assert!(restarts > 0, "{rate} Hz: latency change announced");
            assert_ne!(plugin.handler.restart_flags.get() & kLatencyChanged, 0);
            plugin.handler.restarts.set(0);
        }
        last_latency = Some(reported);
        let mut x = vec![0.0f32; 4_000];
        x[1_234] = 0.25;
        let out = plugin.process(&[x.clone(), x], 512, &[], None);
        assert_eq!(peak_index(&out[0]), 1_234 + reported, "{rate} Hz");
        assert_eq!(
            out[0][1_234 + reported],
            0.25,
            "{rate} Hz: unchanged impulse"
        );
        assert_eq!(out[1], out[0]);
    }
    // Also in offline and prefetch process modes.
    for mode in [kOffline as i32, kPrefetch as i32] {
        assert!(plugin.activate_with_mode(48_000.0, 64, mode));
        let x = noise(3, 0.1, 2_000);
        let lat = plugin.latency() as usize;
        let out = plugin.process(&[x.clone(), x.clone()], 64, &[], None);
        assert_delayed(&out[0], &x, lat, &format!("process mode {mode}"));
    }
}

#[test]
fn parameters_have_pinned_ids_flags_defaults_and_round_trip_through_text() {
    let plugin = Vst3Instance::new();
    let params = plugin.params();
    let mut ids: Vec<u32> = params.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    let mut expected: Vec<u32> = PARAM_IDS.iter().map(|id| param_id(id)).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "VST3 parameter ids are the pinned hashes");

    let bypass: Vec<_> = params.iter().filter(|p| p.flags & kIsBypass != 0).collect();
    assert_eq!(bypass.len(), 1, "exactly one bypass parameter");
    assert_eq!(bypass[0].id, param_id("bypass"));
    assert_eq!(bypass[0].step_count, 1);
    for param in &params {
        assert!(
            param.flags & kCanAutomate != 0,
            "{} automatable",
            param.title
        );
        assert_eq!(
            plugin.get_param(param.id),
            param.default_normalized,
            "{}",
            param.title
        );
    }
    let gain = param_id("gain");
    let ceiling = param_id("ceiling");
    // VST3 carries the unit in `ParameterInfo::units`; the value text is the number.
    let units = |id: u32| {
        params
            .iter()
            .find(|p| p.id == id)
            .unwrap()
            .units
            .trim()
            .to_owned()
    };
    let gain_default = plugin.get_param(gain);
    assert_eq!(
        plugin.value_to_text(gain, gain_default).as_deref(),
        Some("0.0")
    );
    assert_eq!(units(gain), "dB");
    let ceiling_default = plugin.get_param(ceiling);
    assert_eq!(
        plugin.value_to_text(ceiling, ceiling_default).as_deref(),
        Some("-1.0")
    );
    assert_eq!(units(ceiling), "dBTP");
    assert_eq!(units(param_id("release")), "ms");
    assert_eq!(plugin.get_param(param_id("limiter")), 1.0);

    // value → text → value → text is stable for every parameter across its range.
    let mut cases = 0;
    for param in &params {
        for step in 0..=200 {
            let normalized = step as f64 / 200.0;
            let text = plugin
                .value_to_text(param.id, normalized)
                .unwrap_or_else(|| panic!("{} has text at {normalized}", param.title));
            let back = plugin
                .text_to_value(param.id, &text)
                .unwrap_or_else(|| panic!("{}: {text:?} parses", param.title));
            assert!(
                (0.0..=1.0).contains(&back),
                "{}: {text:?} → {back}",
                param.title
            );
            assert_eq!(
                plugin.value_to_text(param.id, back).as_deref(),
                Some(text.as_str()),
                "{}: text round trip at {normalized}",
                param.title
            );
            // Plain ↔ normalized agree with each other.
            let plain = plugin.to_plain(param.id, back);
            assert!((plugin.to_normalized(param.id, plain) - back).abs() < 1e-6);
            cases += 1;
        }
    }
    assert_eq!(cases, PARAM_IDS.len() * 201);
}

/// The latency setting through VST3: a change made by the host (a parameter change while
/// processing) is announced with `restartComponent(kLatencyChanged)`, `getLatencySamples`
/// then reports the chain's latency in that setting, and an impulse comes out exactly
/// that late.
#[test]
fn the_latency_setting_is_announced_and_is_the_real_delay() {
    let id = param_id("latency");
    let mut plugin = Vst3Instance::new();
    for rate in [8_000.0, 44_100.0, 48_000.0, 96_000.0, 384_000.0] {
        assert!(plugin.activate(rate, 512), "{rate} Hz");
        for (normalized, mode) in [
            (0.5, headphone_monitor::dsp::LatencyMode::Low),
            (1.0, headphone_monitor::dsp::LatencyMode::Zero),
            (0.0, headphone_monitor::dsp::LatencyMode::Exact),
        ] {
            plugin.handler.restarts.set(0);
            plugin.handler.restart_flags.set(0);
            let silence = vec![vec![0.0f32; 2_048]; 2];
            plugin.process(&silence, 512, &[(0, id, normalized)], None);
            // (This harness processes on the thread that created the instance, its "UI
            // thread", so the announcement is made before `process` returns.)
            assert!(
                plugin.handler.restarts.get() > 0,
                "{rate} Hz {mode:?}: announced"
            );
            assert_ne!(plugin.handler.restart_flags.get() & kLatencyChanged, 0);
            // The host restarts processing, as hosts do on kLatencyChanged.
            assert!(plugin.activate(rate, 512));
            let expected = test_support::latency_in(rate, mode);
            let latency = plugin.latency() as usize;
            assert_eq!(latency, expected, "{rate} Hz {mode:?}");
            let mut x = vec![0.0f32; 3_000];
            x[321] = 0.25;
            let out = plugin.process(&[x.clone(), x], 512, &[], None);
            let at: Vec<usize> = (0..out[0].len()).filter(|&i| out[0][i] != 0.0).collect();
            assert_eq!(
                at,
                vec![321 + latency],
                "{rate} Hz {mode:?}: the impulse, that late"
            );
        }
    }
}

#[test]
fn automation_through_parameter_changes_is_sample_accurate() {
    let rate = 48_000.0;
    let gain = param_id("gain");
    let mut plugin = Vst3Instance::new();
    let minus6 = plugin.to_normalized(gain, -6.0);
    assert!(plugin.activate(rate, 512));
    let latency = plugin.latency() as usize;
    let x = noise(11, 0.25, 8_000);
    // The change lands inside the second block (frame 700 = block offset 188).
    let out = plugin.process(&[x.clone(), x.clone()], 512, &[(700, gain, minus6)], None);
    // Up to the event (delayed by the latency) the output is the untouched input …
    assert_eq!(out[0][latency..700 + latency], x[..700]);
    // … right after it the 20 ms ramp has started …
    assert_ne!(out[0][701 + latency], x[701]);
    // … and after the ramp the gain is exactly −6 dB.
    let ramp = (0.020 * rate) as usize;
    let g = db_to_gain(-6.0);
    for n in 700 + ramp + 1..x.len() - latency {
        assert!(
            (out[0][n + latency] - x[n] * g).abs() <= 1e-6,
            "frame {n}: {} vs {}",
            out[0][n + latency],
            x[n] * g
        );
    }
    assert!(
        (plugin.get_param(gain) - minus6).abs() < 1e-6,
        "controller follows automation"
    );

    // Several parameters in one block, two points for one of them: the last point wins.
    let mode = param_id("mode");
    let swap = param_id("swap");
    let left = vec![0.3f32; 6_000];
    let silent = vec![0.0f32; 6_000];
    let mut plugin = Vst3Instance::new();
    assert!(plugin.activate(rate, 1024));
    let events = [(0, mode, 0.25), (10, mode, 0.0), (20, swap, 1.0)];
    let out = plugin.process(&[left, silent], 1024, &events, None);
    // Stereo (the last mode point) with swap: the left source comes out on the right.
    assert!(out[0][4_000..].iter().all(|&v| v == 0.0));
    assert!(out[1][4_000..].iter().all(|&v| v == 0.3));
}

#[test]
fn in_place_processing_equals_out_of_place() {
    let rate = 44_100.0;
    let input = vec![sine(rate, 1_000.0, 0.9, 20_000), noise(5, 0.9, 20_000)];
    let gain = param_id("gain");
    let run = |in_place: bool| {
        let mut plugin = Vst3Instance::new();
        plugin.set_param(gain, plugin.to_normalized(gain, 9.0));
        assert!(plugin.activate(rate, 300));
        if in_place {
            let mut buffers = input.clone();
            plugin.process_in_place(&mut buffers, 300);
            buffers
        } else {
            plugin.process(&input, 300, &[], None)
        }
    };
    let out_of_place = run(false);
    let in_place = run(true);
    assert_eq!(in_place, out_of_place);
    // The +9 dB boost was limited: nothing above the −1 dBTP ceiling's sample level.
    let ceiling = db_to_gain(-1.0);
    assert!(in_place.iter().flatten().all(|v| v.abs() <= ceiling));
    assert!(
        in_place.iter().flatten().any(|v| v.abs() > 0.5 * ceiling),
        "not silent"
    );
}

#[test]
fn random_blocks_automation_and_abusive_input_stay_finite_and_below_the_ceiling() {
    let fuzzed = fuzzed();
    let mut rng = Rng(0x005e_ed0f_7e57);
    let mut cases = 0;
    for rate in [8_000.0, 44_100.0, 96_000.0, 384_000.0] {
        let mut plugin = Vst3Instance::new();
        assert!(plugin.activate(rate, 512));
        let len = 20_000;
        let mut input = vec![noise(rng.next(), 4.0, len), noise(rng.next(), 4.0, len)];
        for channel in &mut input {
            for _ in 0..40 {
                let i = rng.below(len);
                channel[i] = [
                    f32::NAN,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                    1e30,
                    -1e30,
                    1e-40,
                ][rng.below(6)];
            }
        }
        let mut events: Vec<(usize, u32, f64)> = (0..len)
            .step_by(61)
            .map(|frame| {
                (
                    frame,
                    param_id(fuzzed[rng.below(fuzzed.len())]),
                    rng.normalized(),
                )
            })
            .collect();
        events.sort_by_key(|e| e.0);
        cases += events.len();
        // Random block sizes: process the signal in random slices.
        let mut start = 0;
        while start < len {
            let block = (1 + rng.below(512)).min(len - start);
            let slice: Vec<Vec<f32>> = input
                .iter()
                .map(|c| c[start..start + block].to_vec())
                .collect();
            let block_events: Vec<(usize, u32, f64)> = events
                .iter()
                .filter(|e| (start..start + block).contains(&e.0))
                .map(|&(f, id, v)| (f - start, id, v))
                .collect();
            let out = plugin.process(&slice, block, &block_events, None);
            for v in out.iter().flatten() {
                assert!(
                    v.is_finite() && (*v == 0.0 || v.is_normal()),
                    "{rate} Hz: {v}"
                );
                assert!(v.abs() <= 1.0, "{rate} Hz: {v} above the highest ceiling");
            }
            start += block;
        }
        // Zero-frame flushes between blocks are harmless.
        assert_eq!(
            plugin.process_zero_frames(&[(param_id("gain"), 0.5)]),
            kResultOk
        );
    }
    assert!(cases > 1_000, "{cases} parameter events");
}

#[test]
fn null_and_random_transport_never_change_the_audio() {
    let rate = 48_000.0;
    let input = vec![noise(21, 1.5, 30_000), noise(22, 1.5, 30_000)];
    let mut plain = Vst3Instance::new();
    assert!(plain.activate(rate, 256));
    let expected = plain.process(&input, 256, &[], None);

    let mut rng = Rng(0x7a7a_0ace);
    let mut make_context = |_start: usize| -> Option<ProcessContext> {
        if rng.below(4) == 0 {
            return None;
        }
        // SAFETY: ProcessContext is plain data; all-zero is a valid value.
        let mut ctx: ProcessContext = unsafe { std::mem::zeroed() };
        ctx.state = rng.next() as u32;
        ctx.sampleRate = [rate, 0.0, -1.0, f64::NAN][rng.below(4)];
        ctx.tempo = [120.0, 0.0, -60.0, f64::INFINITY, 1e9][rng.below(5)];
        ctx.timeSigNumerator = [4, 0, -3, i32::MAX][rng.below(4)];
        ctx.timeSigDenominator = [4, 0, -1, i32::MIN][rng.below(4)];
        ctx.projectTimeMusic = (rng.unit() as f64 - 0.5) * 1e6;
        ctx.barPositionMusic = f64::NAN;
        ctx.systemTime = rng.next() as i64;
        Some(ctx)
    };
    let mut plugin = Vst3Instance::new();
    assert!(plugin.activate(rate, 256));
    let out = plugin.process(&input, 256, &[], Some(&mut make_context));
    assert_eq!(out, expected, "the transport does not affect the audio");
}

#[test]
fn state_round_trips_and_bad_state_changes_nothing() {
    let rate = 44_100.0;
    let a = Vst3Instance::new();
    a.set_param(param_id("mode"), 0.25);
    a.set_param(param_id("swap"), 1.0);
    a.set_param(param_id("release"), 0.8);
    a.set_param(param_id("gain"), a.to_normalized(param_id("gain"), -3.0));
    let state = a.get_state().expect("getState");
    assert!(
        serde_json::from_slice::<serde_json::Value>(&state).is_ok(),
        "JSON state"
    );

    let mut b = Vst3Instance::new();
    assert_eq!(b.set_state(&state), kResultOk);
    assert_eq!(
        b.get_state().unwrap(),
        state,
        "save → load → save is byte-identical"
    );
    let mut a = a;
    let input = vec![sine(rate, 440.0, 1.5, 10_000), noise(2, 0.7, 10_000)];
    assert!(a.activate(rate, 333) && b.activate(rate, 333));
    assert_eq!(
        a.process(&input, 333, &[], None),
        b.process(&input, 333, &[], None)
    );

    // Empty, random and truncated blobs: refused, nothing changed, still processing.
    let before = b.get_state().unwrap();
    let mut rng = Rng(99);
    let random: Vec<u8> = (0..300).map(|_| rng.next() as u8).collect();
    for bad in [
        &[][..],
        &random[..],
        &state[..state.len() / 2],
        b"{\"params\": 17}",
    ] {
        assert_ne!(
            b.set_state(bad),
            kResultOk,
            "{:?}",
            String::from_utf8_lossy(bad)
        );
        assert_eq!(b.get_state().unwrap(), before);
    }
    let out = b.process(&[vec![f32::NAN; 500], vec![1e30; 500]], 100, &[], None);
    assert!(out
        .iter()
        .flatten()
        .all(|v| v.is_finite() && v.abs() <= 1.0));

    // The state saved by version 0.1.0 (the CLAP fixture's JSON is the VST3 state) loads.
    let fixture = std::fs::read(test_support::fixture("state-0.1.0.json")).expect("fixture");
    let c = Vst3Instance::new();
    assert_eq!(c.set_state(&fixture), kResultOk);
    assert_eq!(
        c.value_to_text(param_id("gain"), c.get_param(param_id("gain")))
            .as_deref(),
        Some("-6.0")
    );
    assert_eq!(c.get_param(param_id("swap")), 1.0);
    assert_eq!(c.get_param(param_id("mode")), 0.25);
}

/// A state with a few parameters away from their defaults.
fn a_saved_state() -> (Vst3Instance, Vec<u8>) {
    let a = Vst3Instance::new();
    a.set_param(param_id("mode"), 0.75);
    a.set_param(param_id("swap"), 1.0);
    a.set_param(param_id("gain"), a.to_normalized(param_id("gain"), -7.5));
    let state = a.get_state().expect("getState");
    (a, state)
}

#[test]
fn state_loads_when_the_hosts_stream_returns_a_few_bytes_per_read() {
    // `IBStream::read` may return fewer bytes than asked for.
    let (_, state) = a_saved_state();
    for max_read in [1, 3, 7, 64] {
        let b = Vst3Instance::new();
        assert_eq!(
            b.set_state_chunked(&state, max_read),
            kResultOk,
            "loaded through {max_read}-byte reads"
        );
        assert!(
            b.get_state().unwrap() == state,
            "{max_read}-byte reads: the state read back differs"
        );
    }
    // A state cut short is refused in pieces too, and changes nothing.
    let c = Vst3Instance::new();
    let before = c.get_state().unwrap();
    assert_ne!(c.set_state_chunked(&state[..state.len() - 5], 3), kResultOk);
    assert!(
        c.get_state().unwrap() == before,
        "a refused state changed nothing"
    );
}

#[test]
fn state_saves_whole_when_the_hosts_stream_takes_a_few_bytes_per_write() {
    // `IBStream::write` may take fewer bytes than offered; a state cut short would be a
    // session that no longer loads.
    let (a, state) = a_saved_state();
    for max_write in [1, 3, 7, 64] {
        let saved = a.get_state_chunked(max_write).expect("getState");
        assert!(
            saved == state,
            "saved through {max_write}-byte writes: {} of {} bytes",
            saved.len(),
            state.len()
        );
    }
    // A stream that stops taking bytes (a full disk) gets a refusal, not a state cut short
    // reported as saved.
    assert!(
        a.get_state_limited(state.len() / 2).is_none(),
        "a stream that filled up half-way was reported as holding the state"
    );
    assert!(a.get_state_limited(state.len()).as_deref() == Some(&state[..]));
}

#[test]
fn the_editor_view_embeds_in_the_platform_window_at_the_documented_size() {
    // X11 on Linux, a Win32 HWND on Windows.
    #[cfg(windows)]
    let platform = vst3::Steinberg::kPlatformTypeHWND;
    #[cfg(not(windows))]
    let platform = vst3::Steinberg::kPlatformTypeX11EmbedWindowID;
    let plugin = Vst3Instance::new();
    // SAFETY: "editor" is the standard view name; the view is released when dropped.
    let view: ComPtr<IPlugView> =
        unsafe { ComPtr::from_raw(plugin.controller.createView(c"editor".as_ptr())) }
            .expect("the plugin has an editor view");
    // SAFETY: plain queries on a live, unattached view.
    unsafe {
        assert_eq!(view.isPlatformTypeSupported(platform), kResultTrue);
        let mut rect: ViewRect = std::mem::zeroed();
        assert_eq!(view.getSize(&mut rect), kResultOk);
        let (w, h) = headphone_monitor::editor::DEFAULT_SIZE;
        assert_eq!(
            (rect.right - rect.left, rect.bottom - rect.top),
            (w as i32, h as i32)
        );
        assert_eq!(view.canResize(), kResultTrue);
    }
}

/// Steinberg's validator (`[Parameter Bypass persistence]`) and Ardour set parameters through
/// the controller while processing is active: the value must be what the controller reports
/// at once and what the next saved state holds — before any `process()` call delivers it.
#[test]
fn parameters_set_while_processing_are_read_back_and_saved_at_once() {
    let rate = 48_000.0;
    let mut plugin = Vst3Instance::new();
    assert!(plugin.activate(rate, 512), "setProcessing(true) is on");
    let bypass = param_id("bypass");
    let gain = param_id("gain");
    let minus_9 = plugin.to_normalized(gain, -9.0);
    for (id, value) in [(bypass, 1.0), (gain, minus_9), (param_id("mode"), 0.25)] {
        assert_eq!(plugin.set_param(id, value), kResultOk);
        assert!(
            (plugin.get_param(id) - value).abs() < 1e-6,
            "getParamNormalized right after setParamNormalized while processing"
        );
    }
    let saved = plugin.get_state().expect("getState");
    let reloaded = Vst3Instance::new();
    assert_eq!(reloaded.set_state(&saved), kResultOk);
    assert_eq!(
        reloaded.get_param(bypass),
        1.0,
        "the saved state has the new bypass"
    );
    assert!((reloaded.get_param(gain) - minus_9).abs() < 1e-6);

    // The host then delivers the same change through process(): nothing changes, and the
    // audio follows (bypass: the dry input, delayed). Then back off, also while processing.
    let input = vec![noise(5, 0.5, 8_000), noise(6, 0.5, 8_000)];
    let out = plugin.process(&input, 512, &[(0, bypass, 1.0)], None);
    let latency = plugin.latency() as usize;
    assert_delayed(
        &out[0][2_000..],
        &input[0][2_000 - latency..8_000 - latency],
        0,
        "bypassed",
    );
    assert_eq!(plugin.set_param(bypass, 0.0), kResultOk);
    assert_eq!(plugin.get_param(bypass), 0.0);
    plugin.deactivate();
    let saved = plugin.get_state().unwrap();
    let reloaded = Vst3Instance::new();
    assert_eq!(reloaded.set_state(&saved), kResultOk);
    assert_eq!(reloaded.get_param(bypass), 0.0);
}
