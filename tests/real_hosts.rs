//! The plug-in in the real hosts users run, headless on this machine:
//! - [`ardour`]: Ardour 7 (VST3), exports and live playback;
//! - [`juce`]: pedalboard and DawDreamer, two Python packages on JUCE's VST3 hosting;
//! - [`qtractor`]: Qtractor (CLAP) on JACK's dummy driver, its output recorded live.
//!
//! Each host is an outside program. Without it a test prints one loud `SKIPPED` line naming
//! it and how to install it, and checks nothing; with `HM_REQUIRE_HOSTS=1` (set by `.ci/run`)
//! a missing host fails the test instead. `scripts/real-hosts.sh` installs them all. A run
//! of a host that crashed is never judged. The hosts run one at a time.
//!
//! Run one host's tests with `cargo test --test real_hosts ardour` (or `pedalboard`,
//! `dawdreamer`, `qtractor`).
#![cfg(target_os = "linux")]

#[path = "real_hosts/support.rs"]
mod support;

#[path = "real_hosts/ardour.rs"]
mod ardour;
#[path = "real_hosts/juce.rs"]
mod juce;
#[path = "real_hosts/qtractor.rs"]
mod qtractor;
