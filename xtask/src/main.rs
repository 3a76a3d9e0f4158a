//! Bundler shim: `cargo xtask bundle headphone_monitor --release`.
fn main() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::main()
}
