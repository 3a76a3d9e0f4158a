use super::*;
use crate::dsp::correction::{FilterKind, Width};

/// Shaped like an AutoEq result: preamp, 1 LSC, 1 HSC, 8 PK (values made up here).
const AUTOEQ_SHAPED: &str = "Preamp: -6.4 dB\r\n\
    Filter 1: ON LSC Fc 105 Hz Gain 5.8 dB Q 0.70\r\n\
    Filter 2: ON PK Fc 180 Hz Gain -3.1 dB Q 0.62\r\n\
    Filter 3: ON PK Fc 1250 Hz Gain 2.4 dB Q 1.40\r\n\
    Filter 4: ON PK Fc 2900 Hz Gain -4.2 dB Q 2.10\r\n\
    Filter 5: ON PK Fc 4400 Hz Gain 3.3 dB Q 3.90\r\n\
    Filter 6: ON PK Fc 6100 Hz Gain -2.7 dB Q 4.50\r\n\
    Filter 7: ON PK Fc 8200 Hz Gain 1.9 dB Q 2.20\r\n\
    Filter 8: ON PK Fc 40 Hz Gain 1.2 dB Q 1.10\r\n\
    Filter 9: ON PK Fc 11800 Hz Gain -1.6 dB Q 1.30\r\n\
    Filter 10: ON HSC Fc 10000 Hz Gain -3.5 dB Q 0.70\r\n";

#[test]
fn an_autoeq_shaped_file_loads_on_both_ears_without_a_note() {
    let text = format!("\u{feff}{AUTOEQ_SHAPED}");
    let parsed = parse(&text).unwrap();
    assert!(parsed.notes.is_empty(), "{:?}", parsed.notes);
    for ear in &parsed.curve.ears {
        assert_eq!(ear.preamp_db, -6.4);
        assert_eq!(ear.len, 10);
        assert_eq!(ear.filters()[0].kind, FilterKind::LowShelf);
        assert_eq!(ear.filters()[9].kind, FilterKind::HighShelf);
        assert_eq!(ear.filters()[3].width, Width::Q(2.1));
    }
    assert_eq!(parsed.curve.mix, None);
}

#[test]
fn every_type_and_channel_selection_reads_as_equalizer_apo_reads_it() {
    let text = "# every type\n\
        Preamp: −3 dB\n\
        Channel: L\n\
        Filter: ON PK Fc 100 Hz Gain 1 dB Q 1\n\
        Filter: ON Modal Fc 200Hz Gain 1dB Q 2\n\
        Filter: ON PEQ Fc 300 Hz Gain -1 dB BW Oct 1.5 Q 3\n\
        Filter: ON LS 6dB Fc 100 Hz Gain 6 dB\n\
        Filter: ON HS 12dB Fc 8000 Hz Gain -6 dB\n\
        Filter: ON LS Fc 100 Hz Gain 6 dB\n\
        Filter: ON LSC 9.5 dB Fc 100 Hz Gain 6 dB\n\
        Filter: ON LS Fc 100 Hz Gain 6 dB Q 0.7\n\
        Channel: R\n\
        Filter: ON LP Fc 18000 Hz\n\
        Filter: ON LPQ Fc 17000 Hz Q 0.9\n\
        Filter: ON HP Fc 20 Hz\n\
        Filter: ON HPQ Fc 25 Hz Q 0.6\n\
        Filter: ON BP Fc 1000 Hz BW Oct 4\n\
        Filter: ON NO Fc 50 Hz\n\
        Filter: ON AP Fc 500 Hz Q 0.7\n\
        Filter: OFF PK Fc 100 Hz Gain 9 dB Q 1  # off: skipped\n\
        Channel: 1 2\n\
        Preamp: -1 dB\n\
        Channel: ALL\n\
        Filter12: ON HSC Fc 9000 Hz Gain 2 dB\n";
    let parsed = parse(text).unwrap();
    let [l, r] = &parsed.curve.ears;
    assert_eq!((l.len, r.len), (9, 8));
    assert_eq!((l.preamp_db, r.preamp_db), (-4.0, -4.0));
    // A bandwidth wins over a Q.
    assert_eq!(l.filters()[2].width, Width::Octaves(1.5));
    // LS 6dB at a 100 Hz corner with 6 dB: the centre is 100·10^(6/40) Hz, S = 0.5.
    let ls6 = l.filters()[3];
    assert!((ls6.freq_hz - 100.0 * 10f32.powf(6.0 / 40.0)).abs() < 1e-3);
    assert_eq!(ls6.width, Width::Slope(0.5));
    // HS 12dB: the centre below the corner, S = 1.
    let hs12 = l.filters()[4];
    assert!((hs12.freq_hz - 8000.0 / 10f32.powf(6.0 / 80.0)).abs() < 1e-2);
    assert_eq!(hs12.width, Width::Slope(1.0));
    // LS without slope or Q: S = 0.9 at Fc itself (EqualizerAPO's default).
    assert_eq!(
        (l.filters()[5].freq_hz, l.filters()[5].width),
        (100.0, Width::Slope(0.9))
    );
    // LSC with a slope in dB: S = slope / 12, centre frequency.
    assert_eq!(l.filters()[6].width, Width::Slope(9.5 / 12.0));
    assert_eq!(l.filters()[6].freq_hz, 100.0);
    // LS with a Q: a corner, moved by the S that Q and the gain make.
    let ls_q = l.filters()[7];
    assert_eq!(ls_q.width, Width::Q(0.7));
    let a = 10f64.powf(6.0 / 40.0);
    let s = 1.0 / ((1.0 / (0.7f64 * 0.7) - 2.0) / (a + 1.0 / a) + 1.0);
    let centre = 100.0 * 10f64.powf(6.0 / 80.0 / s);
    assert!(
        (f64::from(ls_q.freq_hz) - centre).abs() < 1e-3,
        "{ls_q:?} vs {centre}"
    );
    assert_eq!(r.filters()[4].width, Width::Octaves(4.0));
    // NO without Q: Q 30.
    assert_eq!(r.filters()[5].width, Width::Q(30.0));
    assert_eq!(r.filters()[6].kind, FilterKind::AllPass);
    assert_eq!(r.filters()[7].kind, FilterKind::HighShelf);
    // Only the typographic minus is noted.
    assert_eq!(parsed.notes.len(), 1, "{:?}", parsed.notes);
    assert!(
        parsed.notes[0].starts_with("line 2: `−`"),
        "{:?}",
        parsed.notes
    );
}

/// A Room EQ Wizard export in a German locale, as REW lays it out.
const REW_EXPORT: &str = "Filter Settings file\n\
    \n\
    Room EQ V5.20.13\n\
    Dated: 12.03.2024 21:14:07\n\
    \n\
    Notes:Kopfhörer links\n\
    \n\
    Equaliser: Generic\n\
    Average 1\n\
    Filter  1: ON  PK       Fc   50,0 Hz  Gain  -8,0 dB  Q  4,00\n\
    Filter  2: ON  PK       Fc   1.250 Hz  Gain   3,5 dB  Q  2,20\n\
    Filter  3: ON  LS 12dB  Fc   80,0 Hz  Gain   2,0 dB\n\
    Filter  4: OFF PK       Fc   8.000 Hz  Gain  -2,0 dB  Q  5,00\n\
    Filter  5: ON  None\n\
    Filter  6: ON  PK       Fc   8.000 Hz  Gain  -2,0 dB  Q  5,00\n\
    Filter  7: ON  None\n";

#[test]
fn a_rew_export_reads_with_decimal_commas_and_thousands_points() {
    let parsed = parse(REW_EXPORT).unwrap();
    let ear = parsed.curve.ears[0];
    assert_eq!(parsed.curve.ears[0], parsed.curve.ears[1]);
    let f: Vec<_> = ear
        .filters()
        .iter()
        .map(|f| (f.freq_hz, f.gain_db))
        .collect();
    assert_eq!(f.len(), 4, "{f:?}");
    assert_eq!(f[0], (50.0, -8.0));
    assert_eq!(f[1], (1250.0, 3.5));
    assert_eq!(f[3], (8000.0, -2.0));
    assert_eq!(ear.filters()[0].width, Width::Q(4.0));
    // Each thousands separator is noted; the headers are not.
    assert_eq!(parsed.notes.len(), 2, "{:?}", parsed.notes);
    assert!(parsed.notes[0].starts_with("line 11: `1.250` Hz is read as 1250 Hz"));
}

#[test]
fn what_equalizer_apo_skips_is_skipped_with_a_note() {
    let cases = [
        ("filter: ON PK Fc 100 Hz Gain 3 dB Q 1", "is not `Filter`"),
        ("preamp: -3 dB", "is not `Preamp`"),
        ("Filter: on PK Fc 100 Hz Gain 3 dB Q 1", "is not `ON`"),
        (
            "Filter: ON pk Fc 100 Hz Gain 3 dB Q 1",
            "`PK` is written so",
        ),
        (
            "Filter: ON XX Fc 100 Hz Gain 3 dB Q 1",
            "unknown filter type `XX`",
        ),
        (
            "Filter: MAYBE PK Fc 100 Hz Gain 3 dB Q 1",
            "neither `ON` nor `OFF`",
        ),
        (
            "Filter: ON PK Fc 100 Hz Gain 3 dB",
            "needs `Q <q>` or `BW Oct <b>`",
        ),
        (
            "Filter: ON PK fc 100 Hz Gain 3 dB Q 1",
            "otherwise than `Fc`",
        ),
        (
            "Filter: ON PK Fc 100 Hz Gain 3 db Q 1",
            "otherwise than `dB`",
        ),
        ("Filter: ON AP Fc 100 Hz", "needs `Q <q>` or `BW Oct <b>`"),
        ("Frobnicate: 3", "unknown command `Frobnicate`"),
        ("Stage: pre-mix", "`Stage:` is skipped"),
        ("Device: Speakers", "`Device:` is skipped"),
        ("Channel: C SUB", "C, SUB have no ear"),
        ("hello there", "is not a command"),
    ];
    for (line, needle) in cases {
        let text = format!("Preamp: -1 dB\n{line}\n");
        let parsed = parse(&text).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(parsed.curve.ears[0].len, 0, "{line}");
        assert!(
            !parsed.notes.is_empty() && parsed.notes.iter().all(|n| n.starts_with("line 2: ")),
            "{line}: {:?}",
            parsed.notes
        );
        assert!(
            parsed.notes.iter().any(|n| n.contains(needle)),
            "{line}: {:?} lacks {needle}",
            parsed.notes
        );
    }
    // Lines for another channel only are skipped.
    let parsed =
        parse("Channel: C\nFilter: ON PK Fc 100 Hz Gain 3 dB Q 1\nChannel: L\nPreamp: -2 dB\n")
            .unwrap();
    assert_eq!(
        parsed.curve.ears.map(|e| (e.len, e.preamp_db)),
        [(0, -2.0), (0, 0.0)]
    );
}

#[test]
fn beyond_the_usual_range_is_played_with_a_note() {
    let parsed = parse(
        "Filter: ON PK Fc 6000 Hz Gain -46.7 dB Q 2\n\
         Filter: ON PK Fc 30000 Hz Gain 3 dB Q 1\n\
         Filter: ON LSC 18 dB Fc 100 Hz Gain 6 dB\n",
    )
    .unwrap();
    let ear = parsed.curve.ears[0];
    assert_eq!(ear.len, 3);
    assert_eq!(ear.filters()[0].gain_db, -46.7);
    assert_eq!(ear.filters()[2].width, Width::Slope(1.5));
    assert_eq!(parsed.notes.len(), 3, "{:?}", parsed.notes);
}

#[test]
fn bad_lines_are_refused_with_their_line_number() {
    let cases = [
        ("Preamp: -6,1,2 dB\n", 1, "is not a number"),
        (
            "Preamp: -6 dB\nFilter: ON PK Fc 0 Hz Gain 3 dB Q 1\n",
            2,
            "not above 0 Hz",
        ),
        (
            "\n\nFilter: ON PK Fc 100 Hz Gain 3 dB Q -1\n",
            3,
            "Q -1 is not above 0",
        ),
        (
            "Filter: ON PK Fc 100 Hz Gain 3 dB Q 0\n",
            1,
            "Q 0 is not above 0",
        ),
        (
            "Filter: ON PK Fc nan Hz Gain 3 dB Q 1\n",
            1,
            "frequency `nan`",
        ),
        (
            "Filter: ON PK Fc 100 Hz Gain 1.2.3 dB Q 1\n",
            1,
            "gain `1.2.3`",
        ),
        (
            "Filter: ON PK Fc 100 Hz Gain 199 dB Q 1\n",
            1,
            "beyond ±120 dB",
        ),
        ("Eval: x = 3\n", 1, "evaluated by EqualizerAPO"),
        ("If: x > 3\n", 1, "evaluated by EqualizerAPO"),
        ("Do: something\n", 1, "evaluated by EqualizerAPO"),
        ("Preamp: `x` dB\n", 1, "backquotes"),
        (
            "Convolution: room.wav\n",
            1,
            "`Convolution:` is not supported",
        ),
        ("Include: other.txt\n", 1, "needs the file on disk"),
        ("Copy: L=0.5\n", 1, "only add DC"),
        ("Delay: -3 ms\n", 1, "negative"),
        ("Delay: 200 ms\n", 1, "beyond 100 ms"),
        (
            "Copy: R=L\nFilter: ON PK Fc 100 Hz Gain 3 dB Q 1\nCopy: L=R\n",
            3,
            "second `Copy`",
        ),
        ("# only a comment\n\n", 0, "not an EQ file"),
    ];
    for (text, line, needle) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.line, line, "{text}: {e}");
        assert!(
            e.to_string().contains(needle),
            "{text}: `{e}` lacks `{needle}`"
        );
        assert!(!e.to_string().contains('\n'), "one line: {e}");
    }
    // 21 filters on one ear: refused at the 21st; 20 per ear is fine, on both ears.
    let many: String = (0..21)
        .map(|i| format!("Filter: ON PK Fc {} Hz Gain 1 dB Q 1\n", 100 + i))
        .collect();
    let e = parse(&many).unwrap_err();
    assert_eq!(e.line, 21);
    assert!(e.message.contains("more than 20"), "{e}");
    let twenty = &many[..many.len() - many.lines().last().unwrap().len() - 1];
    let parsed = parse(&format!("Channel: L\n{twenty}Channel: R\n{twenty}")).unwrap();
    assert_eq!(
        (parsed.curve.ears[0].len, parsed.curve.ears[1].len),
        (20, 20)
    );
}

#[test]
fn copy_makes_one_mixing_point_and_the_lines_after_it_follow_it() {
    let parsed = parse(
        "Preamp: -3 dB\n\
         Channel: L\n\
         Filter: ON PK Fc 100 Hz Gain 3 dB Q 1\n\
         Delay: 0.5 ms\n\
         Copy: L=0.5*L+0.5*R R=L\n\
         Copy: R=R+-1*L\n\
         Channel: R\n\
         Filter: ON PK Fc 200 Hz Gain 2 dB Q 1\n\
         Delay: 7 samples\n",
    )
    .unwrap();
    let curve = parsed.curve;
    assert_eq!(curve.ears[0].len, 1);
    assert_eq!(curve.ears[0].delay_ms, 0.5);
    assert_eq!(curve.ears.map(|e| e.preamp_db), [-3.0, -3.0]);
    let mix = curve.mix.unwrap();
    // R = (old L) − (0.5 L + 0.5 R) = 0.5 L − 0.5 R, from the signals before both lines.
    assert_eq!(mix.matrix, [[0.5, 0.5], [0.5, -0.5]]);
    assert_eq!((mix.after[0].len, mix.after[1].len), (0, 1));
    assert_eq!(mix.after[1].delay_samples, 7.0);
    assert!(parsed.notes.is_empty(), "{:?}", parsed.notes);
}

#[test]
fn includes_resolve_beside_the_file_restore_the_channel_and_refuse_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(
        "main.txt",
        "Preamp: -2 dB\nChannel: L\nInclude: sub/left.txt\nFilter: ON PK Fc 300 Hz Gain 1 dB Q 1\n",
    );
    write(
        "sub/left.txt",
        "Filter: ON PK Fc 100 Hz Gain 1 dB Q 1\nInclude: more.txt\nChannel: R\nfilter: x\n",
    );
    write("sub/more.txt", "Filter: ON PK Fc 200 Hz Gain 1 dB Q 1\n");
    let parsed = parse_file(&dir.path().join("main.txt")).unwrap();
    let [l, r] = parsed.curve.ears;
    // The included file's `Channel: R` ends with it: the last filter is the left ear's.
    let freqs: Vec<f32> = l.filters().iter().map(|f| f.freq_hz).collect();
    assert_eq!(freqs, [100.0, 200.0, 300.0]);
    assert_eq!(r.len, 0);
    assert_eq!(parsed.notes.len(), 1, "{:?}", parsed.notes);
    assert!(
        parsed.notes[0].starts_with("sub/left.txt line 4: "),
        "{:?}",
        parsed.notes
    );

    // A cycle, a missing file, an error inside an included file: refused, named.
    write("a.txt", "Preamp: -1 dB\nInclude: b.txt\n");
    write("b.txt", "Include: a.txt\n");
    let e = parse_file(&dir.path().join("a.txt")).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("b.txt", 1), "{e}");
    assert!(e.message.contains("cycle"), "{e}");
    write("c.txt", "Include: nowhere.txt\n");
    let e = parse_file(&dir.path().join("c.txt")).unwrap_err();
    assert!(
        e.to_string().starts_with("line 1: `Include: nowhere.txt`"),
        "{e}"
    );
    assert!(e.message.contains("nowhere.txt"), "{e}");
    write("d.txt", "Preamp: -1 dB\nInclude: e.txt\n");
    write("e.txt", "\nFilter: ON PK Fc 100 Hz Gain x dB Q 1\n");
    let e = parse_file(&dir.path().join("d.txt")).unwrap_err();
    assert_eq!(e.to_string(), "e.txt line 2: the gain `x` is not a number");
}

#[test]
fn graphic_eq_lines_read_as_equalizer_apo_reads_them_and_merge_per_ear() {
    // AutoEq's form; commas as decimal points when the line has no point; any separator.
    let parsed = parse(
        "GraphicEQ: 20 -1.5; 1000 0; 20000 2.5\n\
         Channel: L\n\
         GraphicEQ: 100 -1,5; 10000 -3,0\n\
         Channel: R\n\
         GraphicEQ: 50 1 ; 60 2 ; 70",
    )
    .unwrap();
    let [l, r] = &parsed.curve.ears;
    let first = |f: f64| {
        if f <= 20.0 {
            -1.5
        } else if f >= 20_000.0 {
            2.5
        } else if f <= 1000.0 {
            -1.5 + 1.5 * (f / 20.0f64).ln() / 50.0f64.ln()
        } else {
            2.5 * (f / 1000.0f64).ln() / 20.0f64.ln()
        }
    };
    // The left ear has both lines' sum, exactly, at every frequency.
    for f in [
        10.0, 20.0, 63.0, 100.0, 440.0, 1000.0, 5000.0, 10_000.0, 20_000.0,
    ] {
        let second = if f <= 100.0 {
            -1.5
        } else if f >= 10_000.0 {
            -3.0
        } else {
            -1.5 - 1.5 * (f / 100.0f64).ln() / 100.0f64.ln()
        };
        assert!(
            (l.graphic.gain_db(f) - (first(f) + second)).abs() < 1e-4,
            "{f} Hz"
        );
    }
    assert_eq!(r.graphic.points().len(), 5);
    assert!(
        parsed
            .notes
            .iter()
            .any(|n| n.contains("line 5") && n.contains("lone number 70")),
        "{:?}",
        parsed.notes
    );
    let third = 1.0 + 1.1f64.ln() / 1.2f64.ln();
    assert!((r.graphic.gain_db(55.0) - (first(55.0) + third)).abs() < 1e-4);
}

#[test]
fn bad_graphic_eq_lines_are_refused_with_their_line_number_and_wild_gains_noted() {
    for (text, line, what) in [
        ("Preamp: -3 dB\nGraphicEQ: 20 0; 0 3", 2, "not above 0"),
        ("GraphicEQ: 20 0; 1k 3", 1, "not a number"),
        ("GraphicEQ: 20 0; 100 130", 1, "beyond"),
        ("GraphicEQ: 20 0; 1.2.3 1", 1, "not a number"),
    ] {
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, line, "{text}: {err}");
        assert!(err.message.contains(what), "{text}: {err}");
    }
    let too_many: String = (1..=300).map(|i| format!("{} 0; ", 20 + i)).collect();
    let err = parse(&format!("GraphicEQ: {too_many}")).unwrap_err();
    assert!(err.message.contains("more than"), "{err}");
    let loud = parse("GraphicEQ: 20 0; 1000 36; 2000 0").unwrap();
    assert!(
        loud.notes.iter().any(|n| n.contains("36 dB")),
        "{:?}",
        loud.notes
    );
    assert_eq!(loud.curve.ears[0].graphic.gain_db(1000.0), 36.0);
    let empty = parse("Preamp: -1 dB\nGraphicEQ:").unwrap();
    assert!(empty.curve.ears[0].graphic.is_flat());
    assert!(empty.notes.iter().any(|n| n.contains("without points")));
}
