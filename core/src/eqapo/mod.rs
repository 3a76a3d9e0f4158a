//! Reads headphone corrections in EqualizerAPO's configuration format — AutoEq's
//! `ParametricEQ.txt` and `FixedBandEQ.txt`, Room EQ Wizard's filter-settings exports, and
//! EqualizerAPO configurations with `Include`, `Channel`, `Copy` and `Delay` — the way
//! EqualizerAPO (version 1.4) reads them, from its documented grammar and its behaviour.
//!
//! ```text
//! Filter Settings file             (lines without a colon are skipped, as in EqualizerAPO)
//! Equaliser: Generic               (REW's header commands are skipped)
//! Preamp: -6,1 dB                  (a comma is a decimal point)
//! Filter  1: ON  PK  Fc 1.250 Hz  Gain -3,0 dB  Q 4,00     (see `filter`)
//! Channel: L                       (the lines after it apply to the left ear)
//! Include: left-extra.txt          (relative to this file's folder)
//! Copy: R=0.5*L+0.5*R              (see `copy`)
//! Delay: 0.2 ms
//! ```
//!
//! Every command is matched case-sensitively, as EqualizerAPO matches it; a command in
//! other capitals is skipped with a note. Unknown commands are skipped with a note.
//! `Stage` and `Device` are skipped with a note (the correction applies to this plug-in's
//! output whatever EqualizerAPO's stage or device). `Channel` selects the ears among `L`
//! `R` `1` `2` `ALL`; other channels (`C`, `SUB`, `RL`, …) have no ear here, so the lines
//! for them only are skipped, with a note. `Eval`, `If`, `ElseIf`, `Else`, `EndIf`, `Do`
//! and expressions in backquotes are refused: EqualizerAPO evaluates them while it runs.
//! `GraphicEQ` is read as EqualizerAPO reads it (see `graphic`) and realised as a
//! minimum-phase FIR. `Convolution`, `IIR`, `VSTPlugin` and `LoudnessCorrection` are
//! refused: they would change the sound in a way this reader does not play.
//!
//! Refused, with the file and line: a malformed number, a frequency or Q at or below zero, a
//! missing or unreadable included file, an `Include` cycle, more than
//! [`MAX_FILTERS`] filters on an ear, a second `Copy` after filters that follow a first. A
//! refused file changes nothing (the caller keeps what it had).

mod copy;
mod filter;
mod graphic;
mod number;

use std::path::{Path, PathBuf};

use crate::dsp::correction::{
    Curve, EarCurve, Mix, MAX_DELAY_MS, MAX_FILTERS, MAX_GRAPHIC_POINTS, PREAMP_RANGE_DB,
};
use copy::Delay;
use filter::FilterLine;

/// Deepest `Include` nesting read.
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The included file the error is in, as the `Include` line named it (empty: the
    /// file itself).
    pub file: String,
    /// 1-based line number (0 for the file as a whole).
    pub line: usize,
    /// What was wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = match (self.file.is_empty(), self.line) {
            (true, 0) => String::new(),
            (true, line) => format!("line {line}: "),
            (false, 0) => format!("{}: ", self.file),
            (false, line) => format!("{} line {line}: ", self.file),
        };
        write!(f, "{place}{}", self.message)
    }
}

impl std::error::Error for ParseError {}

/// A file read: the curve, and the notes on where it was read differently from what its
/// text may suggest (each `line N: …` or `file line N: …`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// The correction.
    pub curve: Curve,
    /// Notes for the user (lines skipped, numbers read as EqualizerAPO reads them, …).
    pub notes: Vec<String>,
}

/// Reads a file's text. `Include` is refused (there is no folder to resolve it in); use
/// [`parse_file`] for a file on disk.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut reader = Reader::new(None);
    reader.read_text(text, "", None, 0)?;
    reader.finish()
}

/// Reads the file at `path`, its includes resolved.
pub fn parse_file(path: &Path) -> Result<Parsed, ParseError> {
    let mut reader = Reader::new(Some(path));
    let text = read_text_file(path).map_err(|message| ParseError {
        file: String::new(),
        line: 0,
        message,
    })?;
    reader.read_text(&text, "", Some(path), 0)?;
    reader.finish()
}

/// Largest file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// A text file's contents; the error is one line.
pub fn read_text_file(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_FILE_BYTES {
        return Err(format!("{size} bytes is too large for an EQ file"));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not a text file (not UTF-8)".to_string())
}

/// REW's header commands, skipped without a note.
const REW_HEADERS: [&str; 5] = ["Dated", "Notes", "Equaliser", "Equalizer", "Average"];
/// Refused: evaluated by EqualizerAPO while it runs.
const RUN_TIME: [&str; 6] = ["Eval", "If", "ElseIf", "Else", "EndIf", "Do"];
/// Refused: sound this reader does not play.
const UNPLAYED: [&str; 4] = ["Convolution", "IIR", "VSTPlugin", "LoudnessCorrection"];
/// Every command this reader knows, for the capitalisation note.
const KNOWN: [&str; 19] = [
    "Preamp",
    "Filter",
    "Channel",
    "Include",
    "Copy",
    "Delay",
    "Stage",
    "Device",
    "Eval",
    "If",
    "ElseIf",
    "Else",
    "EndIf",
    "Do",
    "Convolution",
    "GraphicEQ",
    "IIR",
    "VSTPlugin",
    "LoudnessCorrection",
];

/// The reader's state across a file and its includes.
struct Reader {
    curve: Curve,
    notes: Vec<String>,
    /// The ears the lines apply to (left, right).
    ears: [bool; 2],
    /// Lines that did something (a file without any is refused).
    commands: usize,
    /// The files being read, outermost first (for cycles).
    open: Vec<PathBuf>,
}

impl Reader {
    fn new(root: Option<&Path>) -> Self {
        Self {
            curve: Curve::default(),
            notes: Vec::new(),
            ears: [true, true],
            commands: 0,
            open: root.map(canonical).into_iter().collect(),
        }
    }

    fn finish(self) -> Result<Parsed, ParseError> {
        if self.commands == 0 {
            return Err(ParseError {
                file: String::new(),
                line: 0,
                message:
                    "no Preamp, Filter, GraphicEQ, Channel, Copy or Delay line: not an EQ file"
                        .into(),
            });
        }
        Ok(Parsed {
            curve: self.curve,
            notes: self.notes,
        })
    }

    /// The cascades the next lines go to: after the mix once there is one.
    fn segment(&mut self) -> &mut [EarCurve; 2] {
        match &mut self.curve.mix {
            Some(mix) => &mut mix.after,
            None => &mut self.curve.ears,
        }
    }

    /// Reads `text`, the file `label` (empty for the outermost) at `path` (if on disk).
    fn read_text(
        &mut self,
        text: &str,
        label: &str,
        path: Option<&Path>,
        depth: usize,
    ) -> Result<(), ParseError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let at = |message: String| ParseError {
                file: label.to_string(),
                line: line_no,
                message,
            };
            let before = self.notes.len();
            let mut notes = Vec::new();
            self.read_line(raw, path, depth, &mut notes)
                .map_err(|e| match e {
                    LineError::Here(message) => at(message),
                    LineError::Inner(inner) => inner,
                })?;
            let place = if label.is_empty() {
                format!("line {line_no}")
            } else {
                format!("{label} line {line_no}")
            };
            self.notes.splice(
                before..before,
                notes.into_iter().map(|n| format!("{place}: {n}")),
            );
        }
        Ok(())
    }

    fn read_line(
        &mut self,
        raw: &str,
        path: Option<&Path>,
        depth: usize,
        notes: &mut Vec<String>,
    ) -> Result<(), LineError> {
        let line = raw.split('#').next().unwrap_or("");
        let Some((command, params)) = line.split_once(':') else {
            let text = line.trim();
            let rew = text.is_empty()
                || text == "Filter Settings file"
                || text.starts_with("Room EQ V")
                || text.starts_with("Average ");
            if !rew {
                notes.push(format!(
                    "`{text}` is not a command (no `:`): skipped, as in EqualizerAPO"
                ));
            }
            return Ok(());
        };
        let command = command.trim();
        if params.contains('`') {
            return Err(LineError::Here(
                "an expression in backquotes is evaluated by EqualizerAPO while it runs; this plug-in cannot follow it"
                    .into(),
            ));
        }
        let here = LineError::Here;
        if command.starts_with("Filter") {
            match filter::parse(params, notes).map_err(here)? {
                FilterLine::On(f) => {
                    let ears = self.ears;
                    let which = ["left", "right"];
                    for (e, ear) in self.segment().iter_mut().enumerate() {
                        if ears[e] && !ear.push(f) {
                            return Err(LineError::Here(format!(
                                "more than {MAX_FILTERS} filters for the {} ear",
                                which[e]
                            )));
                        }
                    }
                }
                FilterLine::Skipped => {}
            }
        } else if command == "Preamp" {
            let text = number::commas_to_points(params);
            let word = text.split_whitespace().next().unwrap_or("");
            let gain = number::plain(word)
                .ok_or_else(|| LineError::Here(format!("the preamp `{word}` is not a number")))?;
            if gain.typographic_minus {
                notes.push(
                    "`−` is read as a minus sign (EqualizerAPO would not read this number)".into(),
                );
            }
            let ears = self.ears;
            for (e, ear) in self.segment().iter_mut().enumerate() {
                if ears[e] {
                    let total = f64::from(ear.preamp_db) + gain.value;
                    if !(f64::from(PREAMP_RANGE_DB.0)..=f64::from(PREAMP_RANGE_DB.1))
                        .contains(&total)
                    {
                        return Err(LineError::Here(format!(
                            "a total preamp of {total} dB is beyond ±{} dB",
                            PREAMP_RANGE_DB.1
                        )));
                    }
                    ear.preamp_db = total as f32;
                }
            }
            if gain.value > 30.0 {
                notes.push(format!("a preamp of +{} dB: played as written", gain.value));
            }
        } else if command == "GraphicEQ" {
            let Some(line) = graphic::parse(params, notes).map_err(here)? else {
                return Ok(());
            };
            let ears = self.ears;
            let which = ["left", "right"];
            for (e, ear) in self.segment().iter_mut().enumerate() {
                if ears[e] {
                    ear.graphic = ear.graphic.add(&line).ok_or_else(|| {
                        LineError::Here(format!(
                            "more than {MAX_GRAPHIC_POINTS} GraphicEQ points for the {} ear",
                            which[e]
                        ))
                    })?;
                }
            }
        } else if command == "Channel" {
            self.ears = channels(params, notes);
        } else if command == "Copy" {
            let rows = copy::parse(params, notes).map_err(here)?;
            self.mix(rows)?;
        } else if command == "Delay" {
            let delay = copy::parse_delay(params).map_err(here)?;
            let ears = self.ears;
            for (e, ear) in self.segment().iter_mut().enumerate() {
                if ears[e] {
                    match delay {
                        Delay::Ms(ms) => ear.delay_ms += ms as f32,
                        Delay::Samples(n) => ear.delay_samples += n as f32,
                    }
                    // 100 ms at the highest rate the plug-in runs at.
                    let limit_samples = MAX_DELAY_MS * 384.0;
                    if ear.delay_ms > MAX_DELAY_MS || ear.delay_samples > limit_samples {
                        return Err(LineError::Here(format!(
                            "a delay beyond {MAX_DELAY_MS} ms ({limit_samples} samples) on one ear"
                        )));
                    }
                }
            }
        } else if command == "Include" {
            self.include(params, path, depth, notes)?;
        } else if command == "Stage" || command == "Device" {
            notes.push(format!(
                "`{command}:` is skipped: the lines after it apply to this plug-in's output whatever EqualizerAPO's {}",
                if command == "Stage" { "stage" } else { "device" }
            ));
            return Ok(());
        } else if RUN_TIME.contains(&command) {
            return Err(LineError::Here(format!(
                "`{command}:` is evaluated by EqualizerAPO while it runs; this plug-in cannot follow it (remove it, or keep only the lines that apply)"
            )));
        } else if UNPLAYED.contains(&command) {
            return Err(LineError::Here(format!(
                "`{command}:` is not supported: it would change the sound in a way this plug-in does not play"
            )));
        } else if REW_HEADERS.contains(&command) {
            return Ok(());
        } else {
            let known = KNOWN.iter().find(|k| {
                k.eq_ignore_ascii_case(command)
                    || (**k == "Filter" && command.to_ascii_lowercase().starts_with("filter"))
            });
            notes.push(match known {
                Some(k) => format!(
                    "`{command}` is not `{k}` (EqualizerAPO reads commands case-sensitively): skipped, as in EqualizerAPO"
                ),
                None => format!("unknown command `{command}`: skipped, as in EqualizerAPO"),
            });
            return Ok(());
        }
        self.commands += 1;
        Ok(())
    }

    /// Applies a `Copy` line's rows.
    fn mix(&mut self, rows: copy::CopyRows) -> Result<(), LineError> {
        let new = |old: [[f64; 2]; 2]| -> [[f64; 2]; 2] {
            let mut out = old;
            for (e, row) in rows.iter().enumerate() {
                if let Some(row) = row {
                    // The new row reads the signals before this line: row × old.
                    out[e] = [
                        row[0] * old[0][0] + row[1] * old[1][0],
                        row[0] * old[0][1] + row[1] * old[1][1],
                    ];
                }
            }
            out
        };
        let widen = |m: [[f32; 2]; 2]| m.map(|r| r.map(f64::from));
        let matrix = match &self.curve.mix {
            None => new(widen(Mix::IDENTITY)),
            Some(mix) if mix.after.iter().all(EarCurve::is_flat) => new(widen(mix.matrix)),
            Some(_) => {
                return Err(LineError::Here(
                    "a second `Copy` after filters, a preamp or a delay that follow the first is not supported (one mixing point per file)"
                        .into(),
                ))
            }
        };
        let limit = f64::from(crate::dsp::correction::MAX_MIX_FACTOR);
        if matrix.iter().flatten().any(|v| v.abs() > limit) {
            return Err(LineError::Here(format!("a mix factor beyond ±{limit}")));
        }
        let after = self.curve.mix.map_or([EarCurve::default(); 2], |m| m.after);
        self.curve.mix = Some(Mix {
            matrix: matrix.map(|r| r.map(|v| v as f32)),
            after,
        });
        Ok(())
    }

    fn include(
        &mut self,
        params: &str,
        path: Option<&Path>,
        depth: usize,
        notes: &mut Vec<String>,
    ) -> Result<(), LineError> {
        let name = params.trim();
        let Some(path) = path else {
            return Err(LineError::Here(format!(
                "`Include: {name}` needs the file on disk (load the file, not its text)"
            )));
        };
        if name.is_empty() {
            return Err(LineError::Here("`Include:` without a file name".into()));
        }
        let target = path.parent().unwrap_or(Path::new(".")).join(name);
        let key = canonical(&target);
        if self.open.contains(&key) {
            return Err(LineError::Here(format!(
                "`Include: {name}` includes a file that is already being read (a cycle)"
            )));
        }
        if depth + 1 > MAX_INCLUDE_DEPTH {
            return Err(LineError::Here(format!(
                "includes nested deeper than {MAX_INCLUDE_DEPTH}"
            )));
        }
        let text = read_text_file(&target).map_err(|e| {
            LineError::Here(format!("`Include: {name}`: {}: {e}", target.display()))
        })?;
        self.open.push(key);
        // EqualizerAPO restores the channel selection after an included file.
        let ears = self.ears;
        let commands = self.commands;
        self.read_text(&text, name, Some(&target), depth + 1)
            .map_err(LineError::Inner)?;
        if self.commands == commands {
            notes.push(format!("`{name}` has nothing this plug-in plays"));
        }
        self.ears = ears;
        self.open.pop();
        Ok(())
    }
}

/// How a line failed: here, or in a file it includes.
enum LineError {
    Here(String),
    Inner(ParseError),
}

/// A path to compare for cycles.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `Channel:` words: the ears selected; other channels noted.
fn channels(params: &str, notes: &mut Vec<String>) -> [bool; 2] {
    let mut ears = [false, false];
    let mut others = Vec::new();
    for word in params.split_whitespace() {
        match word.to_ascii_uppercase().as_str() {
            "ALL" => ears = [true, true],
            "L" | "1" => ears[0] = true,
            "R" | "2" => ears[1] = true,
            _ => others.push(word),
        }
    }
    if !others.is_empty() {
        notes.push(format!(
            "{} {} no ear in a stereo output: {} lines are skipped here",
            others.join(", "),
            if others.len() == 1 { "has" } else { "have" },
            if others.len() == 1 { "its" } else { "their" },
        ));
    }
    ears
}

#[cfg(test)]
mod tests;
