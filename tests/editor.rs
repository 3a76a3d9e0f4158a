//! The editor, checked the way a person would: the standalone app runs under Xvfb
//! (`--backend dummy`), the test finds its window, takes screenshots, and uses the
//! mouse through `xdotool`:
//! - the window appears at the expected size with real content (not blank);
//! - one click on "Mono" moves the mode selection one segment to the right;
//! - dragging the output gain changes it, and a double-click resets it.
//!
//! Needs `Xvfb`, `xdotool` and ImageMagick's `import` (installed by
//! `scripts/setup.sh` and `.ci/run`). `HM_UPDATE_SCREENSHOT=1` also writes the
//! first screenshot to `docs/editor.png`.

#![cfg(feature = "standalone")]

use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use headphone_monitor::editor::DEFAULT_SIZE;

/// Colour of the selected mode segment (theme ACCENT).
/// Window rows holding the monitor-mode selector at the default size (the header's
/// "Monitor only" toggle and the crossfeed presets use the same accent colour elsewhere).
const MODE_ROWS: std::ops::Range<usize> = 60..140;

const ACCENT: [u8; 3] = [0x38, 0xbd, 0xf8];
/// Colour of a parameter bar's filled part (theme ACCENT_DIM).
const ACCENT_DIM: [u8; 3] = [0x1d, 0x5f, 0x7e];

/// Stops the child process when dropped (also when an assertion fails): SIGTERM
/// first, so Xvfb removes its lock file and socket, then SIGKILL if it lingers.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An RGB screenshot.
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Image {
    fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = 3 * (y * self.width + x);
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Bounding box (x0, y0, x1, y1) of pixels of exactly `color`.
    /// (Within [`MODE_ROWS`]: other controls use the accent colour too.)
    fn bounds_of(&self, color: [u8; 3]) -> Option<(usize, usize, usize, usize)> {
        self.bounds_in(color, MODE_ROWS)
    }

    /// Bounding box (x0, y0, x1, y1) of the pixels of `color` within `rows`.
    fn bounds_in(
        &self,
        color: [u8; 3],
        rows: std::ops::Range<usize>,
    ) -> Option<(usize, usize, usize, usize)> {
        let mut b: Option<(usize, usize, usize, usize)> = None;
        for y in rows.start..rows.end.min(self.height) {
            for x in 0..self.width {
                if self.pixel(x, y) == color {
                    b = Some(match b {
                        None => (x, y, x, y),
                        Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
                    });
                }
            }
        }
        b
    }

    /// Columns holding at least `min_pixels` pixels of `color`: (first, last, count).
    fn tall_columns(&self, color: [u8; 3], min_pixels: usize) -> (usize, usize, usize) {
        let (mut first, mut last, mut count) = (usize::MAX, 0, 0);
        for x in 0..self.width {
            let pixels = (0..self.height)
                .filter(|&y| self.pixel(x, y) == color)
                .count();
            if pixels >= min_pixels {
                first = first.min(x);
                last = last.max(x);
                count += 1;
            }
        }
        (first, last, count)
    }
}

fn require(tool: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is missing: run ./scripts/setup.sh (it installs xvfb, xdotool, imagemagick)"
    );
}

/// Moves the pointer to (x, y) inside `window`.
fn move_to(display: &str, window: &str, x: usize, y: usize) {
    xdotool(
        display,
        &[
            "mousemove",
            "--window",
            window,
            &x.to_string(),
            &y.to_string(),
        ],
    );
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("run xdotool");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Screenshot of one window as RGB, through ImageMagick's `import` (binary PPM).
fn screenshot(display: &str, window: &str) -> Image {
    let out = Command::new("/usr/bin/import")
        .args(["-window", window, "-depth", "8", "ppm:-"])
        .env("DISPLAY", display)
        .output()
        .expect("run import");
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_ppm(&out.stdout)
}

/// Parses a binary (P6) PPM with maxval 255.
fn parse_ppm(data: &[u8]) -> Image {
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if data[pos] == b'#' {
            while data[pos] != b'\n' {
                pos += 1;
            }
            continue;
        }
        let start = pos;
        while !data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..pos]).into_owned());
    }
    pos += 1;
    assert_eq!(fields[0], "P6", "not a binary PPM");
    assert_eq!(fields[3], "255", "unexpected PPM depth");
    let width: usize = fields[1].parse().unwrap();
    let height: usize = fields[2].parse().unwrap();
    let rgb = data[pos..pos + 3 * width * height].to_vec();
    Image { width, height, rgb }
}

/// Takes screenshots until `ready` accepts one (the window may still be drawing).
fn settled_screenshot(display: &str, window: &str, ready: impl Fn(&Image) -> bool) -> Image {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let image = screenshot(display, window);
        if ready(&image) || Instant::now() > deadline {
            return image;
        }
        sleep(Duration::from_millis(250));
    }
}

#[test]
fn standalone_editor_draws_and_answers_the_mouse() {
    for tool in ["Xvfb", "xdotool", "/usr/bin/import"] {
        require(tool);
    }
    // Xvfb picks a free display itself and writes its number to stdout once it
    // accepts connections (-displayfd), so there is no guessing and no race.
    let mut xvfb = Guard(
        Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb"),
    );
    let display = {
        use std::io::BufRead;
        let stdout = xvfb.0.stdout.take().expect("Xvfb stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the display number from Xvfb");
        let number: u32 = line.trim().parse().expect("Xvfb printed a display number");
        format!(":{number}")
    };

    let log = tempfile::NamedTempFile::new().expect("a log file");
    let mut app = Guard(
        Command::new(env!("CARGO_BIN_EXE_headphone_monitor_standalone"))
            .args(["--backend", "dummy"])
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .expect("start the standalone"),
    );
    let log_tail = || {
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let window = loop {
        let found = xdotool(&display, &["search", "--name", "Headphone Monitor"]);
        if let Some(id) = found.lines().last().filter(|l| !l.is_empty()) {
            break id.to_owned();
        }
        if let Ok(Some(status)) = app.0.try_wait() {
            panic!(
                "the standalone exited ({status}) before showing a window:\n{}",
                log_tail()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the editor window never appeared:\n{}",
            log_tail()
        );
        sleep(Duration::from_millis(200));
    };

    // 1. The expected size, with real content.
    let first = settled_screenshot(&display, &window, |img| img.bounds_of(ACCENT).is_some());
    assert_eq!(
        (first.width, first.height),
        (DEFAULT_SIZE.0 as usize, DEFAULT_SIZE.1 as usize),
        "window size"
    );
    let mut colors: Vec<[u8; 3]> = (0..first.height)
        .step_by(2)
        .flat_map(|y| (0..first.width).step_by(2).map(move |x| (x, y)))
        .map(|(x, y)| first.pixel(x, y))
        .collect();
    let background = first.pixel(first.width / 2, first.height - 2);
    let non_background =
        colors.iter().filter(|&&c| c != background).count() as f64 / colors.len() as f64;
    colors.sort_unstable();
    colors.dedup();
    assert!(
        colors.len() > 50,
        "only {} colours: blank window?",
        colors.len()
    );
    assert!(
        non_background > 0.3,
        "only {:.0} % of the window differs from the background",
        100.0 * non_background
    );
    let bright_text = (0..first.height)
        .flat_map(|y| (0..first.width).map(move |x| (x, y)))
        .filter(|&(x, y)| first.pixel(x, y).iter().all(|&c| c > 0xd0))
        .count();
    assert!(
        bright_text > 500,
        "hardly any text drawn ({bright_text} bright pixels)"
    );
    if std::env::var_os("HM_UPDATE_SCREENSHOT").is_some() {
        let status = Command::new("/usr/bin/import")
            .args([
                "-window",
                &window,
                concat!(env!("CARGO_MANIFEST_DIR"), "/docs/editor.png"),
            ])
            .env("DISPLAY", &display)
            .status()
            .expect("run import");
        assert!(status.success());
    }

    // 2. One click on the segment right of "Stereo" (that is "Mono") selects it.
    let (x0, y0, x1, y1) = first.bounds_of(ACCENT).expect("a selected mode segment");
    let segment = x1 - x0 + 1;
    let click = |x: usize, y: usize, repeat: &str| {
        move_to(&display, &window, x, y);
        sleep(Duration::from_millis(150));
        xdotool(
            &display,
            &["click", "--repeat", repeat, "--delay", "80", "1"],
        );
    };
    click(x1 + segment / 2 + 2, (y0 + y1) / 2, "1");
    let second = settled_screenshot(&display, &window, |img| {
        img.bounds_of(ACCENT).is_some_and(|(nx0, _, _, _)| nx0 > x1)
    });
    let (nx0, _, nx1, _) = second
        .bounds_of(ACCENT)
        .expect("a selected mode segment after the click");
    assert!(
        nx0 > x1 && nx1 < x1 + 2 * segment + 4,
        "selection moved from {x0}..{x1} to {nx0}..{nx1}"
    );

    // 3. Drag the output gain down, then double-click it back to its default.
    let (g0, g1, filled_before) = second.tall_columns(ACCENT_DIM, 40);
    assert!(filled_before > 20, "the output gain bar was not found");
    let bar_y = {
        let column = (g0 + g1) / 2;
        // The first run of the bar's colour from the top: the gain bar (the controller
        // row's bars further down share the colour).
        let top = (0..second.height)
            .find(|&y| second.pixel(column, y) == ACCENT_DIM)
            .expect("the gain bar's column");
        let bottom = (top..second.height)
            .take_while(|&y| second.pixel(column, y) == ACCENT_DIM)
            .last()
            .unwrap_or(top);
        (top + bottom) / 2
    };
    move_to(&display, &window, (g0 + g1) / 2, bar_y);
    sleep(Duration::from_millis(150));
    xdotool(&display, &["mousedown", "1"]);
    for step in 1..=10 {
        let x = (g0 + g1) / 2 - 8 * step;
        move_to(&display, &window, x, bar_y);
        sleep(Duration::from_millis(40));
    }
    xdotool(&display, &["mouseup", "1"]);
    let dragged = settled_screenshot(&display, &window, |img| {
        img.tall_columns(ACCENT_DIM, 40).2 + 20 < filled_before
    });
    let filled_dragged = dragged.tall_columns(ACCENT_DIM, 40).2;
    assert!(
        filled_dragged + 20 < filled_before,
        "drag did not lower the gain ({filled_before} → {filled_dragged} columns)"
    );
    click((g0 + g1) / 2, bar_y, "2");
    let reset = settled_screenshot(&display, &window, |img| {
        img.tall_columns(ACCENT_DIM, 40).2 == filled_before
    });
    assert_eq!(
        reset.tall_columns(ACCENT_DIM, 40).2,
        filled_before,
        "double-click did not reset the gain"
    );

    // 4. The "Listening level" tab, right of the selected "Monitor" tab, switches the page:
    //    the tab highlight moves, and the test-signal selector ("Off" selected, in the accent
    //    colour) appears in the right third where the limiter was.
    let header = 0..40;
    let (t0, _, t1, _) = reset
        .bounds_in(ACCENT_DIM, header.clone())
        .expect("the selected Monitor tab");
    click(t1 + 50, 20, "1");
    let listening = settled_screenshot(&display, &window, |img| {
        img.bounds_in(ACCENT_DIM, 0..40)
            .is_some_and(|(nx0, ..)| nx0 > t1)
    });
    let (n0, ..) = listening
        .bounds_in(ACCENT_DIM, header)
        .expect("a selected tab after the click");
    assert!(n0 > t1, "tab highlight stayed at {t0}..{t1}");
    let (g0, ..) = listening
        .bounds_of(ACCENT)
        .expect("the selected test signal segment");
    assert!(
        g0 > listening.width * 3 / 5,
        "no test-signal selector in the right column (accent at x = {g0})"
    );
}
