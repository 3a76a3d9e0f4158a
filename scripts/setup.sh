#!/usr/bin/env bash
# Builds the CLAP and VST3 bundles on a fresh Debian/Ubuntu machine, installing
# what is missing first (system packages; Rust through rustup if cargo is absent),
# and the standalone app; installs the real hosts the tests run the plug-in in
# (scripts/real-hosts.sh: Ardour, Qtractor, JACK, and pedalboard and DawDreamer in
# target/real-hosts/venv).
#   scripts/setup.sh            # Linux bundles and standalone
#   scripts/setup.sh --windows  # also the Windows bundles (x86_64-pc-windows-gnu: installs the
#                               # target, the MinGW-w64 linker, Wine for the tests, and zip)
set -euo pipefail
cd "$(dirname "$0")/.."
WINDOWS=0
case "${1:-}" in
  --windows) WINDOWS=1 ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--windows]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# A C toolchain; ALSA and JACK headers for the standalone app; Xvfb, xdotool and
# ImageMagick for the editor's screenshot test.
PACKAGES="build-essential pkg-config ca-certificates curl git libasound2-dev libjack-jackd2-dev xvfb xdotool imagemagick"
if [ "$WINDOWS" = 1 ]; then PACKAGES="$PACKAGES gcc-mingw-w64-x86-64 wine64 zip"; fi
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

if ! command -v cargo >/dev/null 2>&1; then
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

if [ "$WINDOWS" = 1 ]; then rustup target add x86_64-pc-windows-gnu; fi

# nice-plug with the project's fixes (patches/): must exist before any cargo build.
./scripts/patch-deps.sh

# The real hosts of the test suite (tests/real_hosts.rs).
./scripts/real-hosts.sh

cargo xtask bundle headphone_monitor --release
cargo build --release --features standalone --bin headphone_monitor_standalone
if [ "$WINDOWS" = 1 ]; then
  # Last, so target/bundled/Headphone Monitor.clap is the Windows one afterwards (the bundler
  # keeps one .clap); the .vst3 then holds both Contents/x86_64-linux and Contents/x86_64-win.
  cargo xtask bundle headphone_monitor --release --target x86_64-pc-windows-gnu
fi
echo
echo "Bundles:"
ls -d target/bundled/*
echo "Standalone: target/release/headphone_monitor_standalone (--help; --backend dummy runs without audio)"
if [ "$WINDOWS" = 1 ]; then
  echo "Note: target/bundled/$(printf '%s' 'Headphone Monitor.clap') is now the Windows build; per-platform archives: scripts/release.sh"
fi
