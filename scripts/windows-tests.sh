#!/usr/bin/env bash
# The Windows build, checked from this Linux machine: cross-compiles the test suite for
# x86_64-pc-windows-gnu and runs it under Wine, then builds the Windows bundles and runs the
# CLAP conformance tests against the bundled .clap under Wine.
#
#   scripts/windows-tests.sh            # what is installed must be there already
#   scripts/windows-tests.sh --install  # first installs what is missing (apt, rustup): CI does
#
# What runs and what stays Linux-only: docs/platforms.md. When the target, the MinGW-w64
# linker or Wine is missing and cannot be installed, this prints ONE line starting with
# "windows: SKIPPED" that says what was not run and how to install it, and exits 0; under
# HM_REQUIRE_HOSTS=1 (set by .ci/run) it fails instead. A test that fails fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=x86_64-pc-windows-gnu
NOT_RUN="the Windows test suite under Wine and the Windows bundles"

skip() {
  if [ "${HM_REQUIRE_HOSTS:-0}" = 1 ]; then
    echo "windows: FAILED: required (HM_REQUIRE_HOSTS=1) but missing: $1; not run: $NOT_RUN" >&2
    exit 1
  fi
  echo "windows: SKIPPED ($1): not run: $NOT_RUN"
  exit 0
}

if [ "${1:-}" = "--install" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  missing=""
  for p in gcc-mingw-w64-x86-64 wine64; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    # shellcheck disable=SC2086
    { $SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing; } >/tmp/hm-windows-apt.log 2>&1 \
      || skip "apt-get could not install$missing; log: /tmp/hm-windows-apt.log"
  fi
  if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    rustup target add "$TARGET" >/tmp/hm-windows-rustup.log 2>&1 \
      || skip "rustup could not add the $TARGET target; log: /tmp/hm-windows-rustup.log"
  fi
fi

command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || skip "no MinGW-w64 linker (apt-get install gcc-mingw-w64-x86-64)"
rustup target list --installed 2>/dev/null | grep -qx "$TARGET" || skip "no $TARGET target (rustup target add $TARGET)"
wine_found=""
for w in wine64 /usr/lib/wine/wine64 /usr/lib/x86_64-linux-gnu/wine/wine64; do
  command -v "$w" >/dev/null 2>&1 && wine_found=1
done
[ -n "$wine_found" ] || skip "no Wine (apt-get install wine64)"

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$PWD/scripts/wine-run.sh"

# Wine under a display of its own. nice-plug's event loop creates a hidden top-level window in
# every plug-in instance, and a top-level window needs Wine's desktop (explorer.exe). With no
# X display, explorer cannot load a graphics driver, and whether a test process's first window
# is then created depends on timing: a CI run failed on it (CreateWindowExA returned no window
# and no error). With Xvfb, Wine's X11 driver loads and the desktop always exists.
if [ -z "${DISPLAY:-}" ]; then
  command -v Xvfb >/dev/null 2>&1 || skip "no Xvfb for Wine's desktop (apt-get install xvfb)"
  display_fifo=$(mktemp -u /tmp/hm-wine-xvfb.XXXXXX)
  mkfifo "$display_fifo"
  # -displayfd: Xvfb picks a free display and writes its number once it accepts clients.
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$display_fifo" >/dev/null 2>&1 &
  xvfb_pid=$!
  # On exit, first stop Wine (its desktop process would outlive the display and complain),
  # then the display.
  stop_display() {
    for ws in wineserver /usr/lib/wine/wineserver64 /usr/lib/wine/wineserver; do
      if command -v "$ws" >/dev/null 2>&1; then
        WINEPREFIX="${WINEPREFIX:-$PWD/target/wine-prefix}" "$ws" -k >/dev/null 2>&1 || true
        break
      fi
    done
    kill "$xvfb_pid" 2>/dev/null || true
  }
  trap stop_display EXIT
  read -r -t 30 display_number <"$display_fifo" || skip "Xvfb did not start"
  rm -f "$display_fifo"
  export DISPLAY=":$display_number"
  echo "windows: Wine's desktop on the private X display $DISPLAY (Xvfb)"
fi
# One Wine server for the whole run. Each test binary is a new Wine client; a server that
# exits (a few seconds after its last client) just as the next one connects fails that client
# with "recvmsg: Connection reset by peer" before any test runs (a CI run failed on it).
# `-p`: stay up until killed (the trap above, or below without one).
export WINEPREFIX="${WINEPREFIX:-$PWD/target/wine-prefix}"
mkdir -p "$WINEPREFIX"
for ws in wineserver /usr/lib/wine/wineserver64 /usr/lib/wine/wineserver; do
  if command -v "$ws" >/dev/null 2>&1; then
    "$ws" -p >/dev/null 2>&1 || true
    [ -n "${xvfb_pid:-}" ] || trap '"$ws" -k >/dev/null 2>&1 || true' EXIT
    break
  fi
done
elapsed() { local s=$((SECONDS - $1)); echo "$((s / 60)) min $((s % 60)) s"; }
# Every cargo call below selects the same workspace and features, so none rebuilds another's
# dependencies.
start=$SECONDS
echo "windows: the test suite for $TARGET under Wine ($(wine --version 2>/dev/null || echo wine64))"
cargo test --target "$TARGET" --workspace --features assert_process_allocs
suite=$(elapsed $start)

start=$SECONDS
echo "windows: the bundles"
cargo xtask bundle headphone_monitor --release --target "$TARGET"
bundles=$(elapsed $start)
clap="target/bundled/Headphone Monitor.clap"
vst3="target/bundled/Headphone Monitor.vst3/Contents/x86_64-win/Headphone Monitor.vst3"
for f in "$clap" "$vst3"; do
  head -c 2 "$f" | grep -q MZ || { echo "windows: $f is not a Windows DLL"; exit 1; }
done
echo "windows: the bundled .clap and .vst3 under the CLAP conformance and VST3 host tests"
start=$SECONDS
HM_CLAP_PATH="$clap" cargo test --target "$TARGET" --workspace --features assert_process_allocs --test clap conformance::
HM_VST3_PATH="$vst3" cargo test --target "$TARGET" --workspace --features assert_process_allocs --test vst3 host::
echo "windows: passed (test suite built and run: $suite; bundles: $bundles; bundle tests: $(elapsed $start))"
