//! How long a host's plugin scan takes: in a fresh process, `dlopen` the CLAP library
//! (`RTLD_NOW`), call `clap_entry.init`, read the factory's descriptors, create one instance
//! (which builds the parameter tables), query its parameters and destroy it. Each sample runs in
//! its own child process, because only the first `dlopen` in a process does the real work.
//!
//! `cargo bench --bench scan` — uses the release bundle `target/bundled/Headphone
//! Monitor.clap` (build it with `cargo xtask bundle headphone_monitor --release`), or the
//! library named by `HM_CLAP_PATH`.

use test_support::clap_host;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Child processes (samples) to run.
const SAMPLES: usize = 15;
/// Set in a child: the path to scan.
const CHILD_ENV: &str = "HM_SCAN_CHILD";

fn main() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        let path = PathBuf::from(path);
        let start = Instant::now();
        // SAFETY: loading runs the library's initialisers; RTLD_NOW resolves every symbol now.
        let library = unsafe { clap_host::load_library(&path) };
        std::mem::forget(library); // stays loaded; the probe below reuses it
        let (descriptors, created) = clap_host::probe_factory(&path, &[clap_host::PLUGIN_ID]);
        let probe_us = start.elapsed().as_micros();
        let host = clap_host::Host::load(&path, clap_host::PLUGIN_ID);
        let params = host.param_infos().len();
        drop(host);
        let total_us = start.elapsed().as_micros();
        assert!(descriptors.len() == 1 && created == [true] && params > 0);
        println!("{probe_us} {total_us}");
        return;
    }

    let path = std::env::var_os(clap_host::PATH_ENV_VAR)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bundled/Headphone Monitor.clap")
        });
    assert!(
        path.is_file(),
        "{} not found: run `cargo xtask bundle headphone_monitor --release` first",
        path.display()
    );
    let exe = std::env::current_exe().expect("own path");
    let mut probe = Vec::new();
    let mut total = Vec::new();
    for _ in 0..SAMPLES {
        let output = Command::new(&exe)
            .env(CHILD_ENV, &path)
            .output()
            .expect("child process runs");
        assert!(output.status.success(), "child failed: {output:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        let mut fields = text.split_whitespace().map(|f| f.parse::<u128>().unwrap());
        probe.push(fields.next().unwrap());
        total.push(fields.next().unwrap());
    }
    probe.sort_unstable();
    total.sort_unstable();
    let ms = |us: u128| us as f64 / 1000.0;
    println!("scan of {} ({SAMPLES} fresh processes)", path.display());
    println!(
        "  dlopen(RTLD_NOW) + init + factory + descriptors + create/destroy probe: median {:.2} ms, max {:.2} ms",
        ms(probe[SAMPLES / 2]),
        ms(probe[SAMPLES - 1])
    );
    println!(
        "  … plus a full instance with its parameter list:                         median {:.2} ms, max {:.2} ms",
        ms(total[SAMPLES / 2]),
        ms(total[SAMPLES - 1])
    );
}
