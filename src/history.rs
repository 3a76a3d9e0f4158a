//! The 7-day sound-exposure history: a small text file per user, shared by every plugin
//! instance (and every host) on the machine.
//!
//! Where: `$XDG_DATA_HOME/headphone-monitor/dose-history.txt` (by default
//! `~/.local/share/headphone-monitor/`), or `$HM_HISTORY_DIR` if set. What: one line per
//! flush, `<unix seconds> <sound exposure in Pa²·h> ;` — no audio, no project names. Reset:
//! delete the file (the editor's "Reset history" does the same).
//!
//! Robustness: every append and every compaction holds an exclusive lock on a separate,
//! never-replaced `dose-history.lock` file, so concurrent instances never interleave or lose
//! lines; an append is one `write` of one short line; compaction writes a temporary file and
//! renames it over the history, so a crash leaves either the old or the new file; a torn or
//! garbled line (a crash mid-write, a hand edit) is skipped when reading, never fatal.
//!
//! Only ever touched from a background thread or the main thread — never the audio thread.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Seconds in the rolling window (7 days).
pub const WINDOW_S: u64 = 7 * 24 * 3600;
/// Environment variable that overrides the history directory.
pub const DIR_ENV_VAR: &str = "HM_HISTORY_DIR";
/// File name of the history.
pub const FILE_NAME: &str = "dose-history.txt";
/// File name of the lock file next to it.
pub const LOCK_NAME: &str = "dose-history.lock";

/// The history in one directory.
#[derive(Debug, Clone)]
pub struct History {
    dir: PathBuf,
}

/// The platform's per-user data directory for Headphone Monitor: on Linux
/// `$XDG_DATA_HOME/headphone-monitor` (by default `~/.local/share/headphone-monitor`),
/// on Windows `%APPDATA%\headphone-monitor`, on macOS
/// `~/Library/Application Support/headphone-monitor` (the `directories` crate).
pub fn data_dir() -> Option<PathBuf> {
    Some(
        directories::BaseDirs::new()?
            .data_dir()
            .join("headphone-monitor"),
    )
}

impl History {
    /// The user's history: `$HM_HISTORY_DIR`, else the platform's data directory
    /// ([`data_dir`]). `None` without either.
    pub fn for_user() -> Option<Self> {
        let dir = match std::env::var_os(DIR_ENV_VAR) {
            Some(dir) => PathBuf::from(dir),
            None => data_dir()?,
        };
        Some(Self { dir })
    }

    /// The history in `dir` (created on first write).
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
        }
    }

    /// Path of the history file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Runs `f` holding the exclusive lock.
    fn locked<T>(&self, f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        fs::create_dir_all(&self.dir)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(LOCK_NAME))?;
        lock.lock()?;
        let result = f();
        // Closing the handle releases the lock anyway; an explicit unlock only makes it
        // prompt. Its error is not the operation's: Wine 8 answers the second of the two
        // `UnlockFile` calls std makes with ERROR_LOCK_VIOLATION where Windows says
        // ERROR_NOT_LOCKED (which std accepts), although the lock was released.
        let _ = lock.unlock();
        drop(lock);
        result
    }

    /// Appends one record: `exposure_pa2h` heard up to `now_unix_s`.
    pub fn append(&self, now_unix_s: u64, exposure_pa2h: f64) -> io::Result<()> {
        if !(exposure_pa2h.is_finite() && exposure_pa2h > 0.0) {
            return Ok(());
        }
        let line = record_line(now_unix_s, exposure_pa2h);
        self.locked(|| {
            let mut file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.path())?;
            // A torn last line from a crash would swallow this record: start on a new line.
            let needs_newline = file.metadata()?.len() > 0 && !ends_with_newline(&self.path())?;
            let text = if needs_newline {
                format!("\n{line}")
            } else {
                line
            };
            file.write_all(text.as_bytes())
        })
    }

    /// Records `(unix seconds, Pa²·h)`, skipping lines that do not parse.
    pub fn records(&self) -> io::Result<Vec<(u64, f64)>> {
        let mut text = String::new();
        match File::open(self.path()) {
            Ok(mut file) => {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)?;
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(text.lines().filter_map(parse_line).collect())
    }

    /// Total exposure recorded after `since_unix_s`, in Pa²·h.
    pub fn total_since(&self, since_unix_s: u64) -> io::Result<f64> {
        Ok(self
            .records()?
            .iter()
            .filter(|(t, _)| *t > since_unix_s)
            .map(|(_, e)| e)
            .sum())
    }

    /// Drops records at or before `keep_after_unix_s` (and unreadable lines), atomically.
    pub fn compact(&self, keep_after_unix_s: u64) -> io::Result<()> {
        self.locked(|| {
            let kept: String = self
                .records()?
                .into_iter()
                .filter(|(t, _)| *t > keep_after_unix_s)
                .map(|(t, e)| record_line(t, e))
                .collect();
            let temporary = self.dir.join(format!("{FILE_NAME}.tmp"));
            fs::write(&temporary, kept)?;
            fs::rename(&temporary, self.path())
        })
    }

    /// Deletes the history.
    pub fn reset(&self) -> io::Result<()> {
        self.locked(|| match fs::remove_file(self.path()) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        })
    }
}

fn ends_with_newline(path: &Path) -> io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// One record: `<unix seconds> <Pa²·h> ;` — the closing `;` marks a complete line, so a
/// line cut short by a crash ("… 1.5e-3" cut to "… 1.5") is never read as a record.
fn record_line(unix_s: u64, exposure_pa2h: f64) -> String {
    format!("{unix_s} {exposure_pa2h:e} ;\n")
}

fn parse_line(line: &str) -> Option<(u64, f64)> {
    let mut fields = line.split_whitespace();
    let time = fields.next()?.parse::<u64>().ok()?;
    let exposure = fields.next()?.parse::<f64>().ok()?;
    let complete = fields.next() == Some(";") && fields.next().is_none();
    (complete && exposure.is_finite() && exposure >= 0.0).then_some((time, exposure))
}

/// Seconds since the Unix epoch, now.
pub fn now_unix_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Moves what the audio thread added to `unsaved_exposure` into the history file. The
/// week's total the monitor reads does not change: it already counts that exposure (see
/// [`SharedMeters::week_exposure`](crate::meters::SharedMeters::week_exposure)).
pub fn flush(history: &History, meters: &crate::meters::SharedMeters) {
    use std::sync::atomic::Ordering;
    let exposure = meters.unsaved_exposure.swap(0.0, Ordering::Relaxed);
    if exposure > 0.0 {
        if history.append(now_unix_s(), exposure).is_ok() {
            meters
                .history_exposure
                .fetch_add(exposure, Ordering::Relaxed);
        } else {
            // Not written (read-only disk, no space): keep it in memory, where it still
            // counts towards the week, and try again next time.
            meters
                .unsaved_exposure
                .fetch_add(exposure, Ordering::Relaxed);
        }
    }
}

/// The background thread that keeps one plugin instance's exposure in the history file:
/// every [`FLUSH_S`] it appends what the audio thread added to
/// [`SharedMeters::unsaved_exposure`](crate::meters::SharedMeters), and every
/// [`RELOAD_S`] it re-reads the 7-day total (other instances and hosts add to it too) into
/// `history_exposure`; once an hour it compacts the file. Stopping flushes what is left.
pub struct HistoryWriter {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Seconds between appends.
pub const FLUSH_S: u64 = 5;
/// Seconds between re-reads of the 7-day total.
pub const RELOAD_S: u64 = 30;

impl HistoryWriter {
    /// Starts the thread for `meters`; `None` if there is no history directory or no thread.
    pub fn start(meters: std::sync::Arc<crate::meters::SharedMeters>) -> Option<Self> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let history = History::for_user()?;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("hm-dose-history".into())
            .spawn(move || {
                let flush = |meters: &crate::meters::SharedMeters| flush(&history, meters);
                let reload = |meters: &crate::meters::SharedMeters| {
                    if let Ok(total) = history.total_since(now_unix_s().saturating_sub(WINDOW_S)) {
                        meters.set_history_total(total);
                    }
                };
                reload(&meters);
                let mut ticks: u64 = 0;
                while !stop_flag.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    ticks += 1;
                    if ticks.is_multiple_of(FLUSH_S * 10) {
                        flush(&meters);
                    }
                    if ticks.is_multiple_of(RELOAD_S * 10) {
                        reload(&meters);
                    }
                    if ticks.is_multiple_of(36_000) && history.path().exists() {
                        let _ = history.compact(now_unix_s().saturating_sub(WINDOW_S));
                    }
                }
                flush(&meters);
            })
            .ok()?;
        Some(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for HistoryWriter {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_directory_is_the_platforms() {
        let dir = data_dir().expect("a per-user data directory");
        #[cfg(windows)]
        let base = PathBuf::from(std::env::var_os("APPDATA").expect("%APPDATA% is set"));
        #[cfg(target_os = "macos")]
        let base = PathBuf::from(std::env::var_os("HOME").expect("$HOME is set"))
            .join("Library/Application Support");
        #[cfg(not(any(windows, target_os = "macos")))]
        let base = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").expect("$HOME is set")).join(".local/share")
            });
        assert_eq!(dir, base.join("headphone-monitor"));
    }

    #[test]
    fn a_flush_never_lowers_the_weeks_exposure() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::in_dir(dir.path());
        let meters = crate::meters::SharedMeters::new();
        meters.set_history_total(2.0);
        meters.add_listening([0.0; 2], 0, 1.0, 0.5);
        let before = meters.week_exposure();
        assert_eq!(before, 2.5);
        flush(&history, &meters);
        assert_eq!(meters.week_exposure(), before);
        assert_eq!(history.total_since(0).unwrap(), 0.5);
        // A failed write keeps it unsaved and counted.
        let blocked = History::in_dir(&dir.path().join(FILE_NAME).join("not-a-dir"));
        meters.add_listening([0.0; 2], 0, 1.0, 0.25);
        flush(&blocked, &meters);
        assert_eq!(meters.week_exposure(), 2.75);
        // A re-read sets file total + unsaved.
        meters.set_history_total(history.total_since(0).unwrap());
        assert_eq!(meters.week_exposure(), 0.75);
    }

    #[test]
    fn concurrent_writers_and_compaction_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let threads = 6;
        let per_thread = 150;
        std::thread::scope(|scope| {
            for t in 0..threads {
                let dir = dir.path().to_owned();
                scope.spawn(move || {
                    // Each "instance" opens its own handles, as separate processes would.
                    let history = History::in_dir(&dir);
                    for i in 0..per_thread {
                        history
                            .append(1_000_000 + i, 0.001 * (t + 1) as f64)
                            .unwrap();
                        if t == 0 && i % 25 == 0 {
                            history.compact(0).unwrap(); // keeps everything, rewrites the file
                        }
                    }
                });
            }
        });
        let history = History::in_dir(dir.path());
        let records = history.records().unwrap();
        assert_eq!(records.len(), (threads * per_thread) as usize);
        let expected: f64 = (1..=threads)
            .map(|t| 0.001 * t as f64 * per_thread as f64)
            .sum();
        assert!((history.total_since(0).unwrap() - expected).abs() < 1e-9);
    }

    #[test]
    fn a_truncated_or_garbled_file_is_read_around_and_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::in_dir(dir.path());
        history.append(100, 0.5).unwrap();
        history.append(200, 0.25).unwrap();
        // A crash in mid-write: "300 1.5e-3 ;" cut to "300 1.5" must not count as 1.5.
        let mut file = OpenOptions::new()
            .append(true)
            .open(history.path())
            .unwrap();
        file.write_all(b"300 1.5").unwrap();
        drop(file);
        assert_eq!(
            history.records().unwrap().len(),
            2,
            "a torn line is not a record"
        );
        // The next record starts on its own line; garbage lines are skipped.
        history.append(400, 1.0).unwrap();
        let mut file = OpenOptions::new()
            .append(true)
            .open(history.path())
            .unwrap();
        file.write_all(b"\xff\xfegarbage\n500 NaN ;\n-1 2 ;\n600 2.0\n")
            .unwrap();
        drop(file);
        history.append(700, 2.0).unwrap();
        let total = history.total_since(0).unwrap();
        assert!((total - (0.5 + 0.25 + 1.0 + 2.0)).abs() < 1e-12, "{total}");
        // Compaction keeps the window and drops the unreadable lines.
        history.compact(150).unwrap();
        let kept = history.records().unwrap();
        assert_eq!(kept, [(200, 0.25), (400, 1.0), (700, 2.0)]);
        let text = fs::read_to_string(history.path()).unwrap();
        assert!(text.lines().all(|l| parse_line(l).is_some()), "{text}");
        history.reset().unwrap();
        assert_eq!(history.total_since(0).unwrap(), 0.0);
    }

    #[test]
    fn the_window_is_seven_days() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::in_dir(dir.path());
        let now = 10 * WINDOW_S;
        history.append(now - WINDOW_S - 1, 1.0).unwrap();
        history.append(now - WINDOW_S + 60, 0.5).unwrap();
        history.append(now, 0.25).unwrap();
        assert!((history.total_since(now - WINDOW_S).unwrap() - 0.75).abs() < 1e-12);
    }

    /// Set in a child process of the test below: the directory to append to.
    const CHILD_DIR_ENV: &str = "HM_HISTORY_TEST_CHILD_DIR";

    #[test]
    fn separate_processes_append_while_another_compacts_and_lose_nothing() {
        let per_child = 200u64;
        if let Some(dir) = std::env::var_os(CHILD_DIR_ENV) {
            // Child: one "plugin instance in another host".
            let history = History::in_dir(Path::new(&dir));
            for i in 0..per_child {
                history.append(2_000_000 + i, 0.01).unwrap();
            }
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..4)
            .map(|_| {
                std::process::Command::new(&exe)
                    .args([
                        "--exact",
                        "history::tests::separate_processes_append_while_another_compacts_and_lose_nothing",
                        "--test-threads=1",
                    ])
                    .env(CHILD_DIR_ENV, dir.path())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let history = History::in_dir(dir.path());
        for _ in 0..50 {
            history.compact(0).unwrap();
        }
        for mut child in children {
            assert!(child.wait().unwrap().success());
        }
        assert_eq!(history.records().unwrap().len(), 4 * per_child as usize);
        assert!((history.total_since(0).unwrap() - 8.0).abs() < 1e-9);
    }
}
