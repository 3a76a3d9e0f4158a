//! A compressed soak: ten minutes of audio through one chain with everything
//! changing — settings every ~100 ms (gain, mode, swap, ceiling, release,
//! bypass), block sizes from 1 to 2048 samples, and the input switching between
//! music-like noise, silence, denormals, DC, full-scale alternation, +40 dBFS
//! bursts and NaN/±Inf. Every output sample must be finite, normal or zero, and
//! never above 0 dBFS while the limiter is on; afterwards, neutral settings must
//! be bit-transparent again (nothing stuck, nothing drifted).

use test_support::rng;

use headphone_monitor_core::dsp::{Chain, CrossfeedSettings, MonitorMode, Settings};
use rng::Rng;

/// Random settings: gain from `lowest_gain_db` to +12 dB, ceiling from `lowest_ceiling_db` to
/// 0 dBTP, any mode, swap, release and crossfeed; the limiter on.
fn random_settings(rng: &mut Rng, lowest_gain_db: f32, lowest_ceiling_db: f32) -> Settings {
    const MODES: [MonitorMode; 5] = [
        MonitorMode::Stereo,
        MonitorMode::Mono,
        MonitorMode::Side,
        MonitorMode::Left,
        MonitorMode::Right,
    ];
    Settings {
        gain_db: lowest_gain_db + (12.0 - lowest_gain_db) * rng.unit(),
        mode: MODES[rng.below(5)],
        swap: rng.below(2) == 1,
        limiter_on: true,
        ceiling_db: lowest_ceiling_db * rng.unit(),
        release_ms: 10.0 + 990.0 * rng.unit(),
        bypass: false,
        crossfeed: random_crossfeed(rng),
        ..Settings::default()
    }
}

/// Crossfeed on half of the time, with a random cut-off and feed level.
fn random_crossfeed(rng: &mut Rng) -> CrossfeedSettings {
    CrossfeedSettings {
        on: rng.below(2) == 1,
        cutoff_hz: 300.0 + 1700.0 * rng.unit(),
        feed_db: 1.0 + 14.0 * rng.unit(),
    }
}

/// One input block in the given regime.
fn fill(regime: usize, rng: &mut Rng, block: &mut [f32], n0: usize) {
    for (i, x) in block.iter_mut().enumerate() {
        let n = n0 + i;
        *x = match regime {
            0 => 0.8 * (rng.unit() - 0.5) + 0.5 * (n as f32 * 0.013).sin(),
            1 => 0.0,
            2 => 1e-39 * if n.is_multiple_of(2) { 1.0 } else { -1.0 },
            3 => 0.7,
            4 => {
                if n.is_multiple_of(2) {
                    1.0
                } else {
                    -1.0
                }
            }
            5 => 100.0 * (rng.unit() - 0.5),
            _ => [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30][n % 4],
        };
    }
}

#[test]
fn ten_minutes_of_abuse_then_transparent_again() {
    let rate = 48_000usize;
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let mut chain = Chain::new(rate as f32, Settings::default());
    let latency = chain.latency_samples();
    let total = 10 * 60 * rate;
    let (mut left, mut right) = (vec![0.0f32; 2048], vec![0.0f32; 2048]);
    let mut position = 0;
    let mut next_change = 0;
    let mut regime = 0;
    while position < total {
        if position >= next_change {
            chain.set_settings(random_settings(&mut rng, -70.0, -24.0));
            regime = rng.below(7);
            next_change = position + rate / 20 + rng.below(rate / 10);
        }
        let len = (1 + rng.below(2048)).min(total - position);
        fill(regime, &mut rng, &mut left[..len], position);
        fill(regime, &mut rng, &mut right[..len], position + 7);
        chain.process(&mut left[..len], &mut right[..len]);
        for (i, v) in left[..len].iter().chain(&right[..len]).enumerate() {
            assert!(
                v.is_finite() && v.abs() <= 1.0 && (*v == 0.0 || v.abs() >= f32::MIN_POSITIVE),
                "sample {} of the block at {position}: {v}",
                i % len
            );
        }
        position += len;
    }

    // Back to neutral: after the ramps, the hold and the release, a quiet signal
    // comes out bit-identical, delayed by the same latency.
    assert_eq!(chain.latency_samples(), latency);
    assert_neutral_is_transparent(&mut chain, rate, "after ten minutes of abuse");
}

/// Music-like test programme for the long soak: a few partials with slowly moving levels and
/// some noise, and every 20 s a 3 s exponential fade into the subnormal range followed by
/// 1 s of digital silence (denormal tails are what slow an unguarded DSP down).
struct Programme {
    rng: Rng,
    n: usize,
    rate: usize,
}

impl Programme {
    fn next_block(&mut self, left: &mut [f32], right: &mut [f32]) {
        let cycle = 20 * self.rate;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let n = self.n;
            let t = n as f32 / self.rate as f32;
            let in_cycle = n % cycle;
            let fade_start = cycle - 4 * self.rate;
            let envelope = if in_cycle < fade_start {
                0.5 + 0.45 * (0.37 * t).sin()
            } else if in_cycle < cycle - self.rate {
                // −60 dB per 0.1 s: reaches ~1e-38 and below within the fade.
                let faded = (in_cycle - fade_start) as f32 / self.rate as f32;
                0.95 * 10f32.powf(-30.0 * faded)
            } else {
                0.0
            };
            let noise = self.rng.unit() - 0.5;
            let tone = (t * 2.0 * std::f32::consts::PI * 110.0).sin()
                + 0.5 * (t * 2.0 * std::f32::consts::PI * 277.0).sin()
                + 0.25 * (t * 2.0 * std::f32::consts::PI * 1_830.0).sin();
            *l = envelope * (0.45 * tone + 0.3 * noise);
            *r = envelope * (0.45 * (tone * 0.8) - 0.3 * noise);
            self.n += 1;
        }
    }
}

/// Aggregated meters of one period, as the chain reports them and as the test measures.
#[derive(Default)]
struct Period {
    metered_in_peak: f32,
    metered_out_peak: f32,
    metered_out_true_peak: f32,
    metered_sum_ll: f64,
    metered_min_gain: f32,
    measured_in_peak: f32,
    measured_out_peak: f32,
    measured_sum_ll: f64,
}

/// After `settle` samples at neutral settings, a quiet sine must come out bit-identical,
/// delayed by exactly the reported latency: no drift in latency or gain.
fn assert_neutral_is_transparent(chain: &mut Chain, rate: usize, when: &str) {
    chain.set_settings(Settings::default());
    let latency = chain.latency_samples();
    let settle = 2 * rate;
    let quiet: Vec<f32> = (0..settle + 4_800)
        .map(|n| 0.25 * (n as f32 * 0.021).sin())
        .collect();
    let (mut l, mut r) = (quiet.clone(), quiet.clone());
    for (cl, cr) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
        chain.process(cl, cr);
    }
    for n in settle..quiet.len() {
        assert_eq!(
            l[n].to_bits(),
            quiet[n - latency].to_bits(),
            "{when}: left {n}"
        );
        assert_eq!(
            r[n].to_bits(),
            quiet[n - latency].to_bits(),
            "{when}: right {n}"
        );
    }
    chain.take_meters();
}

/// The long soak: one hour (or `HM_SOAK_MINUTES`) of programme at 48 kHz in random blocks of
/// 1–4096 samples with every parameter automated every 50–500 ms and the true-peak meters on.
/// Every minute the chain's meters must agree with the audio; every ten minutes neutral
/// settings must be bit-transparent with the same latency; the throughput of each minute is
/// printed (first vs last shows any slowdown from denormals).
///
/// `cargo test --release --test soak -- --ignored --nocapture`
#[test]
#[ignore = "one hour of audio; run explicitly (see docs/testing.md)"]
fn one_hour_of_random_automation_keeps_latency_gain_meters_and_speed() {
    let rate = 48_000usize;
    let minutes: usize = std::env::var("HM_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(60);
    let mut rng = Rng(0x50a6_0000_0000_0001);
    let mut programme = Programme {
        rng: Rng(0x0123_4567_89ab_cdef),
        n: 0,
        rate,
    };
    let mut chain = Chain::new(rate as f32, Settings::default());
    chain.set_true_peak_metering(true);
    let latency = chain.latency_samples();
    let (mut left, mut right) = (vec![0.0f32; 4096], vec![0.0f32; 4096]);
    let mut input = (vec![0.0f32; 4096], vec![0.0f32; 4096]);
    let mut next_change = 0;
    let mut rates = Vec::with_capacity(minutes);
    let mut changes = 0usize;
    let mut samples = 0usize;

    for minute in 0..minutes {
        let started = std::time::Instant::now();
        let mut period = Period {
            metered_min_gain: 1.0,
            ..Period::default()
        };
        let mut done = 0;
        while done < 60 * rate {
            if done >= next_change {
                chain.set_settings(random_settings(&mut rng, -30.0, -12.0));
                changes += 1;
                next_change = done + rate / 20 + rng.below(rate * 9 / 20);
            }
            let len = (1 + rng.below(4096)).min(60 * rate - done);
            programme.next_block(&mut input.0[..len], &mut input.1[..len]);
            left[..len].copy_from_slice(&input.0[..len]);
            right[..len].copy_from_slice(&input.1[..len]);
            chain.process(&mut left[..len], &mut right[..len]);

            let m = chain.take_meters();
            period.metered_in_peak = period
                .metered_in_peak
                .max(m.input_peak[0])
                .max(m.input_peak[1]);
            period.metered_out_peak = period
                .metered_out_peak
                .max(m.output_peak[0])
                .max(m.output_peak[1]);
            period.metered_out_true_peak = period
                .metered_out_true_peak
                .max(m.output_true_peak[0])
                .max(m.output_true_peak[1]);
            period.metered_sum_ll += m.sum_ll;
            period.metered_min_gain = period.metered_min_gain.min(m.min_gain);
            for i in 0..len {
                let (l, r) = (left[i], right[i]);
                assert!(
                    l.is_finite() && r.is_finite() && l.abs() <= 1.0 && r.abs() <= 1.0,
                    "minute {minute}: {l} {r}"
                );
                assert!(
                    (l == 0.0 || l.is_normal()) && (r == 0.0 || r.is_normal()),
                    "minute {minute}: subnormal output {l:e} {r:e}"
                );
                period.measured_in_peak = period
                    .measured_in_peak
                    .max(input.0[i].abs())
                    .max(input.1[i].abs());
                period.measured_out_peak = period.measured_out_peak.max(l.abs()).max(r.abs());
                period.measured_sum_ll += f64::from(l) * f64::from(l);
            }
            done += len;
        }
        next_change = next_change.saturating_sub(60 * rate);
        samples += 60 * rate;
        rates.push(60.0 / started.elapsed().as_secs_f64());

        // The meters agree with the audio.
        assert_eq!(
            period.metered_in_peak, period.measured_in_peak,
            "minute {minute}: input peak"
        );
        assert_eq!(
            period.metered_out_peak, period.measured_out_peak,
            "minute {minute}: output peak"
        );
        assert!(
            period.metered_out_true_peak >= period.measured_out_peak
                && period.metered_out_true_peak <= 1.0,
            "minute {minute}: true peak {} vs sample peak {}",
            period.metered_out_true_peak,
            period.measured_out_peak
        );
        let relative =
            (period.metered_sum_ll - period.measured_sum_ll).abs() / period.measured_sum_ll;
        assert!(
            relative < 1e-6,
            "minute {minute}: energy differs by {relative:e}"
        );
        assert!(
            period.metered_min_gain < 1.0,
            "minute {minute}: +12 dB peaks were limited"
        );

        if (minute + 1) % 10 == 0 || minute + 1 == minutes {
            assert_eq!(chain.latency_samples(), latency, "latency changed");
            assert_neutral_is_transparent(
                &mut chain,
                rate,
                &format!("after minute {}", minute + 1),
            );
        }
    }
    let first = rates[0];
    let last = rates[rates.len() - 1];
    let slowest = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let tail = rates.len().min(5);
    let head_mean = rates[..tail].iter().sum::<f64>() / tail as f64;
    let tail_mean = rates[rates.len() - tail..].iter().sum::<f64>() / tail as f64;
    println!(
        "soak: {minutes} min of audio ({samples} frames, {changes} parameter changes); \
         real-time factor per minute: first {first:.0}x, last {last:.0}x, median {median:.0}x, \
         slowest {slowest:.0}x; first {tail} min {head_mean:.0}x vs last {tail} min {tail_mean:.0}x \
         (ratio {:.2})",
        tail_mean / head_mean
    );
}
