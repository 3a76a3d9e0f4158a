//! Crossfeed, measured through the whole chain (and once through the built CLAP plugin):
//! each preset's cross path against its specified cut-off and feed level at 44.1/48/96 kHz,
//! centred pink noise unchanged, the Mono/Side/Left/Right modes untouched, no added latency,
//! and click-free switching and preset changes.

use test_support::rng;

use headphone_monitor::dsp::crossfeed::Preset;
use headphone_monitor::dsp::{Chain, CrossfeedSettings, MonitorMode, Settings};
use rng::Rng;
use test_support::clap_host::Host;

fn settings_with(crossfeed: CrossfeedSettings) -> Settings {
    Settings {
        crossfeed,
        ..Settings::default()
    }
}

fn preset(preset: Preset) -> CrossfeedSettings {
    let (cutoff_hz, feed_db) = preset.cutoff_and_feed();
    CrossfeedSettings {
        on: true,
        cutoff_hz,
        feed_db,
    }
}

use test_support::measure::rms;

/// Level in dB of each ear for a hard-left sine at `freq` (steady state, 12 dB under the
/// ceiling so the limiter stays out of the way).
fn ears_db(rate: f32, freq: f64, crossfeed: CrossfeedSettings) -> (f64, f64) {
    let mut chain = Chain::new(rate, settings_with(crossfeed));
    let len = (rate as usize).max(8 * (f64::from(rate) / freq) as usize);
    let amp = 0.2f32;
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
    let mut left: Vec<f32> = (0..len)
        .map(|n| amp * (w * n as f64).sin() as f32)
        .collect();
    let mut right = vec![0.0f32; len];
    chain.process(&mut left, &mut right);
    let tail = len / 2..len;
    let reference = f64::from(amp) / std::f64::consts::SQRT_2;
    (
        20.0 * (rms(&left[tail.clone()]) / reference).log10(),
        20.0 * (rms(&right[tail]) / reference).log10(),
    )
}

#[test]
fn presets_match_their_cutoff_and_feed_level_at_every_rate() {
    for rate in [44_100.0f32, 48_000.0, 96_000.0] {
        for p in [Preset::Default, Preset::ChuMoy, Preset::JanMeier] {
            let settings = preset(p);
            let (direct_low, cross_low) = ears_db(rate, 20.0, settings);
            // Feed level: the cross path sits feed_db below the direct path at low frequencies.
            let feed = direct_low - cross_low;
            assert!(
                (feed - f64::from(settings.feed_db)).abs() < 0.1,
                "{p:?} at {rate} Hz: feed level {feed:.2} dB"
            );
            // Cut-off: the cross path is 3 dB below its low-frequency level at fc …
            let (_, cross_fc) = ears_db(rate, f64::from(settings.cutoff_hz), settings);
            let drop = cross_low - cross_fc;
            assert!(
                (drop - 3.0).abs() < 0.3,
                "{p:?} at {rate} Hz: {drop:.2} dB at fc"
            );
            // … and keeps falling (first order: about 6 dB per octave well above fc).
            let (direct_hi, cross_hi) =
                ears_db(rate, 8.0 * f64::from(settings.cutoff_hz), settings);
            assert!(
                cross_low - cross_hi > 14.0,
                "{p:?} at {rate} Hz: {cross_hi:.1} dB at 8 fc"
            );
            // The direct path returns to unity at high frequencies (separation kept up there).
            assert!(
                direct_hi.abs() < 1.0,
                "{p:?}: direct {direct_hi:.2} dB at 8 fc"
            );
        }
    }
}

/// Pink-ish noise (Voss–McCartney style, 8 rows), deterministic.
fn pink(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed);
    let mut rows = [0.0f32; 8];
    (0..len)
        .map(|n| {
            let row = (n.max(1)).trailing_zeros().min(7) as usize;
            rows[row] = rng.unit() - 0.5;
            0.05 * rows.iter().sum::<f32>()
        })
        .collect()
}

#[test]
fn centred_pink_noise_keeps_its_level_exactly() {
    let x = pink(96_000, 17);
    for p in [Preset::Default, Preset::ChuMoy, Preset::JanMeier] {
        let mut off = Chain::new(48_000.0, Settings::default());
        let mut on = Chain::new(48_000.0, settings_with(preset(p)));
        let (mut l0, mut r0) = (x.clone(), x.clone());
        let (mut l1, mut r1) = (x.clone(), x.clone());
        off.process(&mut l0, &mut r0);
        on.process(&mut l1, &mut r1);
        let change_db = 20.0 * (rms(&l1) / rms(&l0)).log10();
        assert!(change_db.abs() < 0.5, "{p:?}: {change_db} dB");
        // In fact, centred content passes bit for bit (only the side signal is filtered).
        assert_eq!((l1, r1), (l0, r0), "{p:?}");
    }
}

#[test]
fn single_ear_modes_are_untouched_and_no_latency_is_added() {
    let mut rng = Rng(5);
    let l: Vec<f32> = (0..20_000).map(|_| 0.3 * (rng.unit() - 0.5)).collect();
    let r: Vec<f32> = (0..20_000).map(|_| 0.3 * (rng.unit() - 0.5)).collect();
    for mode in [
        MonitorMode::Mono,
        MonitorMode::Side,
        MonitorMode::Left,
        MonitorMode::Right,
    ] {
        let plain = Settings {
            mode,
            ..Settings::default()
        };
        let mut off = Chain::new(48_000.0, plain);
        let mut on = Chain::new(
            48_000.0,
            Settings {
                crossfeed: preset(Preset::Default),
                ..plain
            },
        );
        assert_eq!(
            on.latency_samples(),
            off.latency_samples(),
            "no added latency"
        );
        let (mut l0, mut r0) = (l.clone(), r.clone());
        let (mut l1, mut r1) = (l.clone(), r.clone());
        off.process(&mut l0, &mut r0);
        on.process(&mut l1, &mut r1);
        assert_eq!((l1, r1), (l0, r0), "{mode:?}");
    }
    // Stereo: the crossfed output is aligned with the direct sound (no extra delay): a
    // hard-left impulse reaches the left ear at the chain's latency, as without crossfeed.
    let mut chain = Chain::new(48_000.0, settings_with(preset(Preset::Default)));
    let latency = chain.latency_samples();
    let mut left = vec![0.0f32; 2_000];
    left[100] = 0.25;
    let mut right = vec![0.0f32; 2_000];
    chain.process(&mut left, &mut right);
    let peak = (0..left.len())
        .max_by(|&a, &b| left[a].abs().total_cmp(&left[b].abs()))
        .unwrap();
    assert_eq!(peak, 100 + latency);
}

/// Largest |second difference| of a signal: a click (a step or a kink) shows up here.
fn max_second_difference(x: &[f32]) -> f32 {
    x.windows(3)
        .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn switching_and_preset_changes_are_click_free() {
    let rate = 48_000.0f32;
    let w = 2.0 * std::f32::consts::PI * 150.0 / rate;
    // A hard-panned bass line: the case crossfeed changes most.
    let block = 480;
    let blocks = 200;
    let source: Vec<f32> = (0..block * blocks)
        .map(|n| 0.5 * (w * n as f32).sin())
        .collect();
    let mut chain = Chain::new(rate, Settings::default());
    let (mut left, mut right) = (source.clone(), vec![0.0f32; source.len()]);
    let sequence = [
        CrossfeedSettings::default(), // off
        preset(Preset::Default),      // on
        preset(Preset::JanMeier),     // preset change: cut-off and level
        CrossfeedSettings {
            on: true,
            cutoff_hz: 2_000.0,
            feed_db: 1.0,
        }, // the most extreme custom jump
        preset(Preset::ChuMoy),
        CrossfeedSettings::default(), // off again
    ];
    for (i, (l, r)) in left
        .chunks_mut(block)
        .zip(right.chunks_mut(block))
        .enumerate()
    {
        if i % 30 == 10 {
            chain.set_settings(settings_with(sequence[(i / 30) % sequence.len()]));
        }
        chain.process(l, r);
    }
    // The steady source has a second difference of amplitude·ω²; the changes may add a
    // little (a ramp's kink), never a step.
    let steady = 0.5 * w * w;
    // (From block 5 on: the sine's own onset after the latency is a kink by itself.)
    for (name, channel) in [("left", &left), ("right", &right)] {
        let worst = max_second_difference(&channel[5 * block..]);
        assert!(
            worst < 2.0 * steady,
            "{name}: {worst:e} vs steady {steady:e}"
        );
    }
}

#[test]
fn the_plugin_crossfeeds_through_its_parameters() {
    let rate = 48_000.0;
    let len = 24_000;
    let w = 2.0 * std::f64::consts::PI * 100.0 / rate;
    let left: Vec<f32> = (0..len)
        .map(|n| 0.2 * (w * n as f64).sin() as f32)
        .collect();
    let silent = vec![0.0f32; len];
    let mut host = Host::new();
    host.activate(rate, 256);
    let latency = host.latency();
    let off = host.process(&[left.clone(), silent.clone()], 256, &[]);
    assert!(
        off[1].iter().all(|&v| v == 0.0),
        "off by default: nothing crosses"
    );
    host.set_param("crossfeed", 1.0);
    let on = host.process(&[left, silent], 256, &[]);
    assert_eq!(host.latency(), latency, "no added latency");
    let tail = len / 2..len;
    let feed_db = 20.0 * (rms(&on[0][tail.clone()]) / rms(&on[1][tail])).log10();
    // At 100 Hz the default preset's cross path is close to its low-frequency feed level.
    assert!((feed_db - 4.5).abs() < 0.3, "{feed_db:.2} dB");
}
