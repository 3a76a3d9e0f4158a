//! The standalone Headphone Monitor: runs the plugin with JACK or ALSA, or
//! headless with `--backend dummy` (see `--help`).

use headphone_monitor::HeadphoneMonitor;
use nice_plug::prelude::nice_export_standalone;

fn main() {
    nice_export_standalone::<HeadphoneMonitor>();
}
