//! How the property tests draw their cases: the same ones on every run, unless asked to hunt.
//!
//! - **Default (the suite, CI):** a fixed seed, so every run replays exactly the same cases,
//!   after the counterexamples saved in the `*.proptest-regressions` files beside each test.
//!   A failure in CI is reproduced by running the same test again.
//! - **`HM_PROPTEST_SEED=N`:** replays the cases of seed `N` (a seed a hunt printed).
//! - **`HM_PROPTEST_HUNT=CASES`:** an opt-in long hunt: a new random seed per property, printed
//!   before the property runs (on the terminal, also when the test harness captures output),
//!   and `CASES` cases each. A counterexample is shrunk and appended to the regression file,
//!   which the suite then replays for good.
//! - **`HM_PROPTEST_CASES=N`:** more (or fewer) cases with the fixed seed.

use std::io::Write;

use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};

/// The suite's seed. Changing it changes which cases every run replays.
pub const SUITE_SEED: u64 = 0x4850_4d4f_4e49_5452;

/// A whole number from the environment variable `name`, if set and valid.
fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={value:?} is not a whole number"),
    }
}

/// A random seed for a hunt (the standard library's per-process random keys).
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// The configuration of one property with `cases` cases by default (see the module docs).
pub fn config(cases: u32) -> Config {
    let cases_override = env_u64("HM_PROPTEST_CASES").map(|n| n as u32);
    let (seed, cases) = if let Some(hunt_cases) = env_u64("HM_PROPTEST_HUNT") {
        let seed = random_seed();
        let test = std::thread::current()
            .name()
            .unwrap_or("a property")
            .to_owned();
        // Straight to the process's stderr: the test harness captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr().lock(),
            "proptest hunt: {test}: seed {seed}, {hunt_cases} cases \
             (replay: HM_PROPTEST_SEED={seed} HM_PROPTEST_CASES={hunt_cases})"
        );
        (seed, hunt_cases as u32)
    } else {
        let seed = env_u64("HM_PROPTEST_SEED").unwrap_or(SUITE_SEED);
        (seed, cases_override.unwrap_or(cases))
    };
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        // Counterexamples beside the test's source file, as `<file>.proptest-regressions`.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}
