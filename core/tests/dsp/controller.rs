//! The monitor controller on slices, through the whole chain: exact levels for trim and
//! dim, exact zeros for mute, polarity by sign, the bass-mono figures, no clicks,
//! unchanged latency, and neutral settings bit-transparent.

use test_support::signals;

use headphone_monitor_core::dsp::{db_to_gain, Chain, ControllerSettings, MonitorMode, Settings};

const RATE: f32 = 48_000.0;

fn run(settings: Settings, l: &[f32], r: &[f32], block: usize) -> (Vec<f32>, Vec<f32>) {
    let mut chain = Chain::new(RATE, settings);
    let (mut l, mut r) = (l.to_vec(), r.to_vec());
    for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        chain.process(cl, cr);
    }
    (l, r)
}

fn with(controller: ControllerSettings) -> Settings {
    Settings {
        controller,
        ..Settings::default()
    }
}

use test_support::measure::rms;

fn latency() -> usize {
    Chain::new(RATE, Settings::default()).latency_samples()
}

/// −20 dBFS sines, different per channel (well under the ceiling: the limiter is idle).
fn programme(len: usize) -> (Vec<f32>, Vec<f32>) {
    (
        signals::sine(f64::from(RATE), 440.0, 0.1, len, 0.0),
        signals::sine(f64::from(RATE), 1234.0, 0.1, len, 1.0),
    )
}

#[test]
fn trim_and_dim_set_exact_levels_per_ear() {
    let (l, r) = programme(24_000);
    let lat = latency();
    let cases = [
        ([6.0, 0.0], false, -20.0, [6.0, 0.0]),
        ([-3.5, 12.0], false, -20.0, [-3.5, 12.0]),
        ([0.0, 0.0], true, -20.0, [-20.0, -20.0]),
        ([2.0, -1.0], true, -40.0, [-38.0, -41.0]),
    ];
    for (trim_db, dim, dim_db, expect_db) in cases {
        let settings = with(ControllerSettings {
            trim_db,
            dim,
            dim_db,
            ..ControllerSettings::default()
        });
        let (ol, or) = run(settings, &l, &r, 512);
        // A fresh chain starts at its settings: every sample is the input times the gain.
        for (out, inp, db) in [(&ol, &l, expect_db[0]), (&or, &r, expect_db[1])] {
            let g = db_to_gain(db);
            for n in lat..out.len() {
                let want = inp[n - lat] * g;
                assert!(
                    (out[n] - want).abs() <= 1e-6 * want.abs().max(1e-3),
                    "trim {trim_db:?} dim {dim} {dim_db}: sample {n} {} vs {want}",
                    out[n]
                );
            }
        }
        // An untrimmed ear with dim off is untouched, bit for bit.
        if !dim && trim_db[1] == 0.0 {
            for n in lat..or.len() {
                assert_eq!(or[n].to_bits(), r[n - lat].to_bits());
            }
        }
    }
}

#[test]
fn mute_glides_to_exact_zeros_and_back() {
    let (l, r) = programme(48_000);
    let mut chain = Chain::new(RATE, Settings::default());
    let (mut ol, mut or) = (l.clone(), r.clone());
    let mut settings = Settings::default();
    let half = 12_000;
    chain.process(&mut ol[..half], &mut or[..half]);
    settings.controller.mute = true;
    chain.set_settings(settings);
    chain.process(&mut ol[half..3 * half], &mut or[half..3 * half]);
    settings.controller.mute = false;
    chain.set_settings(settings);
    chain.process(&mut ol[3 * half..], &mut or[3 * half..]);
    // 20 ms glide (960 samples) plus the latency, then nothing but zeros.
    let lat = latency();
    let silent = half + 960 + lat..3 * half;
    assert!(ol[silent.clone()]
        .iter()
        .chain(&or[silent])
        .all(|&v| v == 0.0));
    // Unmuted: the programme again, exactly, once the glide is over.
    for n in 3 * half + 960 + lat..ol.len() {
        assert_eq!(ol[n], l[n - lat]);
        assert_eq!(or[n], r[n - lat]);
    }
    // The glide itself is smooth (no step larger than the sine's own).
    assert!(test_support::measure::max_step(&ol) <= natural_step(440.0, 0.1) * 1.05);
}

#[test]
fn polarity_inverts_the_input_channels_before_the_mode() {
    let (l, r) = programme(12_000);
    let lat = latency();
    let inv = |il, ir, mode| Settings {
        mode,
        ..with(ControllerSettings {
            invert: [il, ir],
            ..ControllerSettings::default()
        })
    };
    // Stereo: each ear is its channel, by sign.
    let (ol, or) = run(inv(true, false, MonitorMode::Stereo), &l, &r, 256);
    for n in lat..ol.len() {
        assert_eq!(ol[n], -l[n - lat]);
        assert_eq!(or[n], r[n - lat]);
    }
    let (ol, or) = run(inv(false, true, MonitorMode::Stereo), &l, &r, 256);
    for n in lat..ol.len() {
        assert_eq!(ol[n], l[n - lat]);
        assert_eq!(or[n], -r[n - lat]);
    }
    // The classic check: a mono source in both channels, "invert L" + Mono cancels.
    let (ol, or) = run(inv(true, false, MonitorMode::Mono), &l, &l, 256);
    assert!(ol.iter().chain(&or).all(|&v| v == 0.0));
    // Without the inversion the same source is at full level.
    let (ol, _) = run(inv(false, false, MonitorMode::Mono), &l, &l, 256);
    assert!((rms(&ol[lat..]) - rms(&l[..l.len() - lat])).abs() < 1e-6);
}

fn bass_mono(hz: f32) -> Settings {
    with(ControllerSettings {
        bass_mono: true,
        bass_mono_hz: hz,
        ..ControllerSettings::default()
    })
}

#[test]
fn bass_mono_removes_anti_phase_lows_and_keeps_the_rest() {
    let len = RATE as usize * 2;
    let lat = latency();
    let steady = RATE as usize / 2..len;
    let anti = |f: f64| {
        let x = signals::sine(f64::from(RATE), f, 0.25, len, 0.3);
        let y: Vec<f32> = x.iter().map(|v| -v).collect();
        (x, y)
    };
    // Anti-phase 50 Hz, crossover 120 Hz: at least 40 dB down.
    let (x, y) = anti(50.0);
    let (ol, or) = run(bass_mono(120.0), &x, &y, 512);
    let down_db = 20.0 * (rms(&ol[steady.clone()]) / rms(&x[steady.clone()])).log10();
    let down_r = 20.0 * (rms(&or[steady.clone()]) / rms(&y[steady.clone()])).log10();
    assert!(
        down_db < -40.0 && down_r < -40.0,
        "{down_db:.1} / {down_r:.1} dB"
    );
    // Anti-phase 2 kHz: within 0.1 dB.
    let (x, y) = anti(2_000.0);
    let (ol, _) = run(bass_mono(120.0), &x, &y, 512);
    let level_db = 20.0 * (rms(&ol[steady.clone()]) / rms(&x[steady.clone()])).log10();
    assert!(level_db.abs() < 0.1, "{level_db:.3} dB");
    eprintln!("bass mono at 120 Hz: anti-phase 50 Hz {down_db:.1} dB, 2 kHz {level_db:+.4} dB");
    // Centred content (any frequency): bit-identical, delayed by the latency.
    let mut noise = test_support::rng::Rng::seeded(3);
    let centred: Vec<f32> = (0..len).map(|_| 0.2 * noise.symmetric()).collect();
    for hz in [20.0, 120.0, 500.0] {
        let (ol, or) = run(bass_mono(hz), &centred, &centred, 333);
        for n in lat..len {
            assert_eq!(ol[n].to_bits(), centred[n - lat].to_bits(), "{hz} Hz, {n}");
            assert_eq!(or[n].to_bits(), centred[n - lat].to_bits(), "{hz} Hz, {n}");
        }
    }
    // Mixed content: the mid is untouched, so L + R is the input's L + R.
    let (l, r) = programme(len);
    let (ol, or) = run(bass_mono(300.0), &l, &r, 128);
    for n in lat..len {
        let (sum_in, sum_out) = (l[n - lat] + r[n - lat], ol[n] + or[n]);
        assert!(
            (sum_in - sum_out).abs() < 1e-6,
            "{n}: {sum_in} vs {sum_out}"
        );
    }
}

/// A sine's largest step between samples: 2π·f/fs times its amplitude.
fn natural_step(freq: f32, amp: f32) -> f32 {
    amp * 2.0 * std::f32::consts::PI * freq / RATE
}

#[test]
fn every_control_switches_without_a_click_and_keeps_the_latency() {
    let len = 48_000;
    let amp = 0.5;
    let left = signals::sine(f64::from(RATE), 440.0, f64::from(amp), len, 0.0);
    let right = vec![0.0f32; len];
    type Change = Box<dyn Fn(&mut ControllerSettings)>;
    let switches: Vec<(&str, Change)> = vec![
        ("invert L", Box::new(|c| c.invert[0] = true)),
        ("invert R", Box::new(|c| c.invert[1] = true)),
        ("trim L -12", Box::new(|c| c.trim_db[0] = -12.0)),
        (
            "trim L +12 into the limiter",
            Box::new(|c| c.trim_db[0] = 12.0),
        ),
        ("dim", Box::new(|c| c.dim = true)),
        ("dim -40", Box::new(|c| (c.dim, c.dim_db) = (true, -40.0))),
        ("mute", Box::new(|c| c.mute = true)),
        (
            "bass mono 500",
            Box::new(|c| (c.bass_mono, c.bass_mono_hz) = (true, 500.0)),
        ),
        ("bass mono glide", Box::new(|c| c.bass_mono_hz = 20.0)),
    ];
    let latency = latency();
    for (name, change) in switches {
        // Bass mono on from the start for the glide case.
        let mut settings = Settings::default();
        if name == "bass mono glide" {
            settings.controller.bass_mono = true;
            settings.controller.bass_mono_hz = 500.0;
        }
        let mut chain = Chain::new(RATE, settings);
        let (mut l, mut r) = (left.clone(), right.clone());
        let half = len / 2;
        chain.process(&mut l[..half], &mut r[..half]);
        change(&mut settings.controller);
        chain.set_settings(settings);
        assert_eq!(chain.latency_samples(), latency, "{name}");
        chain.process(&mut l[half..], &mut r[half..]);
        let out_peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
        let allowed = natural_step(440.0, out_peak.max(amp)) * 1.05;
        let steps = (
            test_support::measure::max_step(&l[1000..]),
            test_support::measure::max_step(&r[1000..]),
        );
        assert!(
            steps.0 <= allowed && steps.1 <= allowed,
            "{name}: steps {steps:?} > natural {allowed}"
        );
    }
}

#[test]
fn latency_by_impulse_is_the_same_with_every_control_on() {
    let settings = with(ControllerSettings {
        invert: [true, false],
        trim_db: [3.0, -3.0],
        dim: true,
        dim_db: -10.0,
        mute: false,
        bass_mono: true,
        bass_mono_hz: 120.0,
    });
    let mut chain = Chain::new(RATE, settings);
    let reported = chain.latency_samples();
    assert_eq!(reported, latency());
    let (mut l, mut r) = (vec![0.0f32; 4096], vec![0.0f32; 4096]);
    l[100] = 0.5;
    r[100] = 0.5; // centred: bass mono leaves it alone
    chain.process(&mut l, &mut r);
    let at = |x: &[f32]| {
        (0..x.len())
            .max_by(|&a, &b| x[a].abs().total_cmp(&x[b].abs()))
            .unwrap()
    };
    assert_eq!(at(&l), 100 + reported);
    assert_eq!(at(&r), 100 + reported);
}

#[test]
fn neutral_controller_settings_are_bit_transparent() {
    let (l, r) = programme(20_000);
    let lat = latency();
    // Neutral, and neutral after a round trip through every control.
    let (ol, or) = run(Settings::default(), &l, &r, 100);
    for n in lat..l.len() {
        assert_eq!(ol[n].to_bits(), l[n - lat].to_bits());
        assert_eq!(or[n].to_bits(), r[n - lat].to_bits());
    }
    let mut chain = Chain::new(RATE, Settings::default());
    let (mut ol, mut or) = (l.clone(), r.clone());
    let busy = with(ControllerSettings {
        invert: [true, true],
        trim_db: [5.0, -5.0],
        dim: true,
        dim_db: -20.0,
        mute: true,
        bass_mono: true,
        bass_mono_hz: 200.0,
    });
    chain.set_settings(busy);
    chain.process(&mut ol[..5_000], &mut or[..5_000]);
    chain.set_settings(Settings::default());
    chain.process(&mut ol[5_000..], &mut or[5_000..]);
    for n in 5_000 + 960 + lat..l.len() {
        assert_eq!(ol[n].to_bits(), l[n - lat].to_bits(), "{n}");
        assert_eq!(or[n].to_bits(), r[n - lat].to_bits(), "{n}");
    }
}
