//! Hot, dense, transient-rich programme: synthetic "mastered" tracks driven over full
//! scale, for measuring how much loudness the limiter takes from a hot mix
//! (`cargo bench --bench hot_loudness`).
//!
//! Each track is a loop of drums (a pitch-swept kick, a noise snare with a body tone,
//! open and closed hats), a bass line, a detuned chord pad and a lead, panned and
//! decorrelated; then "mastered" the way loud commercial masters are: bus compression
//! to a dense envelope, a soft clip, normalised to −0.1 dBFS sample peak. The caller
//! drives it to the level under test (the measurements use +3 dBFS sample peak).
//! Deterministic: a track is a function of its index.

use std::f64::consts::PI;

use crate::rng::Rng;
use crate::signals::TestSignal;

/// The style of one track: tempo, feel and balance.
struct Style {
    name: &'static str,
    bpm: f64,
    /// Bass root note, Hz.
    bass_hz: f64,
    /// Kick, snare, hats, bass, pad, lead levels.
    levels: [f64; 6],
    /// Drive into the master's soft clip (1 = gentle, 4 = crushed).
    drive: f64,
}

const STYLES: [Style; 8] = [
    Style {
        name: "four-on-the-floor 124 bpm",
        bpm: 124.0,
        bass_hz: 55.0,
        levels: [1.0, 0.6, 0.25, 0.7, 0.3, 0.25],
        drive: 2.5,
    },
    Style {
        name: "rock 140 bpm",
        bpm: 140.0,
        bass_hz: 41.2,
        levels: [0.8, 0.9, 0.35, 0.6, 0.5, 0.3],
        drive: 2.0,
    },
    Style {
        name: "hip-hop 92 bpm",
        bpm: 92.0,
        bass_hz: 36.7,
        levels: [1.2, 0.8, 0.2, 0.9, 0.25, 0.3],
        drive: 3.0,
    },
    Style {
        name: "drum and bass 174 bpm",
        bpm: 174.0,
        bass_hz: 43.7,
        levels: [0.9, 1.0, 0.4, 0.9, 0.3, 0.2],
        drive: 3.5,
    },
    Style {
        name: "pop 110 bpm",
        bpm: 110.0,
        bass_hz: 49.0,
        levels: [0.8, 0.7, 0.3, 0.6, 0.5, 0.5],
        drive: 1.8,
    },
    Style {
        name: "metal 180 bpm",
        bpm: 180.0,
        bass_hz: 38.9,
        levels: [1.0, 0.8, 0.45, 0.7, 0.8, 0.3],
        drive: 4.0,
    },
    Style {
        name: "ballad 72 bpm",
        bpm: 72.0,
        bass_hz: 46.2,
        levels: [0.7, 0.6, 0.2, 0.5, 0.6, 0.6],
        drive: 1.5,
    },
    Style {
        name: "trap 140 bpm",
        bpm: 140.0,
        bass_hz: 32.7,
        levels: [0.9, 0.7, 0.35, 1.3, 0.3, 0.3],
        drive: 2.8,
    },
];

/// How many distinct tracks [`track`] makes.
pub const TRACKS: usize = STYLES.len();

/// One-pole low-pass coefficient for a corner of `hz` at `rate`.
fn one_pole(hz: f64, rate: f64) -> f64 {
    1.0 - (-2.0 * PI * hz / rate).exp()
}

/// Track `index` (modulo [`TRACKS`]), `seconds` long at `rate` Hz, mastered to −0.1 dBFS
/// sample peak.
pub fn track(index: usize, rate: f64, seconds: f64) -> TestSignal {
    let style = &STYLES[index % TRACKS];
    let len = (seconds * rate) as usize;
    let mut rng = Rng::seeded(0x5eed_0000 + index as u64);
    let beat = 60.0 / style.bpm;
    let [kick_level, snare_level, hat_level, bass_level, pad_level, lead_level] = style.levels;
    // A bar of bass notes (semitones over the root) and of lead notes.
    let bass_notes = [0.0, 0.0, 7.0, 5.0, 0.0, 3.0, 7.0, 10.0];
    let lead_notes = [12.0, 15.0, 19.0, 17.0, 15.0, 22.0, 19.0, 24.0];
    let pad_chord = [0.0, 3.0, 7.0, 10.0, 14.0];
    let semis = |s: f64| 2f64.powf(s / 12.0);
    let (mut left, mut right) = (vec![0.0f32; len], vec![0.0f32; len]);
    let (mut hat_hp, mut snare_lp, mut bass_lp, mut pad_lp) =
        ([0.0f64; 2], 0.0f64, 0.0f64, [0.0f64; 2]);
    let (mut kick_phase, mut bass_phase, mut lead_phase) = (0.0f64, 0.0f64, 0.0f64);
    let mut pad_phase = [[0.0f64; 5]; 2];
    let mut envelope = 0.0f64;
    for n in 0..len {
        let t = n as f64 / rate;
        let in_beat = t % beat;
        let beat_index = (t / beat) as usize;
        let in_eighth = t % (beat / 2.0);
        let eighth_index = (t / (beat / 2.0)) as usize;
        // Kick on every beat (every other beat at half time for the slower styles).
        let kick_hz = 45.0 + 110.0 * (-in_beat * 30.0).exp();
        kick_phase += 2.0 * PI * kick_hz / rate;
        let kick = kick_level * (-in_beat * 9.0).exp() * kick_phase.sin();
        // Snare on beats 2 and 4: a noise burst and a 190 Hz body.
        let snare_on = beat_index % 2 == 1;
        let noise = rng.symmetric() as f64;
        snare_lp += one_pole(6_000.0, rate) * (noise - snare_lp);
        let snare = if snare_on {
            snare_level
                * (-in_beat * 22.0).exp()
                * (0.8 * snare_lp + 0.5 * (2.0 * PI * 190.0 * in_beat).sin())
        } else {
            0.0
        };
        // Hats on every eighth: high-passed noise, one per channel, the off-beats open.
        let mut hats = [0.0f64; 2];
        for (ch, hp) in hat_hp.iter_mut().enumerate() {
            let white = rng.symmetric() as f64;
            *hp += one_pole(7_000.0, rate) * (white - *hp);
            let decay = if eighth_index % 2 == 1 { 12.0 } else { 45.0 };
            hats[ch] = hat_level * (-in_eighth * decay).exp() * (white - *hp);
        }
        // Bass: a low-passed saw on the bar's notes, plucked on every eighth.
        let bass_hz = style.bass_hz * semis(bass_notes[eighth_index % 8]);
        bass_phase = (bass_phase + bass_hz / rate).fract();
        let saw = 2.0 * bass_phase - 1.0;
        bass_lp += one_pole(180.0 + 900.0 * (-in_eighth * 15.0).exp(), rate) * (saw - bass_lp);
        let bass = bass_level * (0.6 + 0.4 * (-in_eighth * 6.0).exp()) * bass_lp;
        // Pad: a detuned minor chord per channel, low-passed, swelling per bar.
        let mut pad = [0.0f64; 2];
        for (ch, phases) in pad_phase.iter_mut().enumerate() {
            let detune = if ch == 0 { 0.997 } else { 1.004 };
            let mut v = 0.0;
            for (phase, &s) in phases.iter_mut().zip(&pad_chord) {
                *phase = (*phase + 2.0 * style.bass_hz * semis(s) * detune / rate).fract();
                v += 2.0 * *phase - 1.0;
            }
            pad_lp[ch] += one_pole(2_500.0, rate) * (v * 0.3 - pad_lp[ch]);
            pad[ch] = pad_level * (0.7 + 0.3 * (2.0 * PI * t / (4.0 * beat)).sin()) * pad_lp[ch];
        }
        // Lead: a square-ish tone with vibrato, on every other beat.
        let lead_hz = 4.0
            * style.bass_hz
            * semis(lead_notes[beat_index % 8])
            * (1.0 + 0.004 * (2.0 * PI * 5.5 * t).sin());
        lead_phase = (lead_phase + lead_hz / rate).fract();
        let lead = if beat_index.is_multiple_of(2) {
            lead_level
                * (2.0 * PI * lead_phase).sin().tanh()
                * 1.3
                * (1.0 - (-in_beat * 40.0).exp())
        } else {
            0.0
        };
        let centre = kick + snare + bass;
        left[n] = (centre + 0.8 * hats[0] + 0.3 * hats[1] + pad[0] + 0.7 * lead) as f32;
        right[n] = (centre + 0.3 * hats[0] + 0.8 * hats[1] + pad[1] + 0.5 * lead) as f32;
        // The master's compressor detector: a peak follower, 1 ms attack, 80 ms release.
        let level = left[n].abs().max(right[n].abs()) as f64;
        let coeff = if level > envelope {
            one_pole(1_000.0 / 1.0 / (2.0 * PI), rate)
        } else {
            one_pole(1_000.0 / 80.0 / (2.0 * PI), rate)
        };
        envelope += coeff * (level - envelope);
        // 4:1 above a threshold of half the running level's scale, then the soft clip.
        let threshold = 0.5;
        let gain = if envelope > threshold {
            (threshold / envelope).powf(0.75)
        } else {
            1.0
        };
        left[n] = (style.drive * gain * left[n] as f64).tanh() as f32;
        right[n] = (style.drive * gain * right[n] as f64).tanh() as f32;
    }
    let peak = left
        .iter()
        .chain(&right)
        .fold(0.0f32, |m, v| m.max(v.abs()));
    let scale = 10f32.powf(-0.1 / 20.0) / peak;
    for v in left.iter_mut().chain(right.iter_mut()) {
        *v *= scale;
    }
    TestSignal {
        name: style.name.to_string(),
        left,
        right,
    }
}
