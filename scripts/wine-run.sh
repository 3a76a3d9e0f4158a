#!/usr/bin/env bash
# Runs a Windows program under Wine: the cargo runner for the x86_64-pc-windows-gnu test suite
# (CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER, set by scripts/windows-tests.sh), and by hand:
#   scripts/wine-run.sh target/x86_64-pc-windows-gnu/release/render.exe --help
#
# It keeps its own Wine prefix (target/wine-prefix, or $WINEPREFIX), made on first use, and puts
# the test tooling's bcryptprimitives.dll stand-in (tests/wine/bcryptprimitives.c: why it exists
# is written there) into that prefix's system32, rebuilt when its source changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export WINEPREFIX="${WINEPREFIX:-$root/target/wine-prefix}"
# Quiet, but a DLL that cannot be loaded is still reported (without it Wine exits silently).
export WINEDEBUG="${WINEDEBUG:--all,err+module}"
# No Mono or Gecko install prompts in a fresh prefix.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"

wine=""
for candidate in wine64 /usr/lib/wine/wine64 /usr/lib/x86_64-linux-gnu/wine/wine64 wine; do
  if command -v "$candidate" >/dev/null 2>&1; then wine="$(command -v "$candidate")"; break; fi
done
if [ -z "$wine" ]; then
  echo "wine-run: no wine64 found (Debian: apt-get install wine64)" >&2
  exit 127
fi

# Address-space randomisation off (`setarch -R`, inherited by every process Wine starts).
# Debian's wine64 is a non-PIE program at 0x7d000000, and the kernel places its heap (brk)
# anywhere in the GiB above it. About one start in 1 900 puts that heap over 0x7ffe0000,
# where every Windows process needs its shared user data page: the new process dies at
# start ("failed to map the shared user data: c0000018") and the parent's CreateProcess
# fails with ERROR_INTERNAL_ERROR (1359). Measured with a program that starts the renderer
# from 8 threads: 4 of 7 200 starts failed with randomisation, 0 of 8 000 without. Where
# the personality call is refused (a container's seccomp filter), Wine runs as it is and
# says so.
arch="$(uname -m)"
if setarch "$arch" -R true >/dev/null 2>&1; then
  wine_cmd=(setarch "$arch" -R "$wine")
else
  echo "wine-run: setarch -R refused; with address-space randomisation about one Wine process start in 1 900 fails (ERROR_INTERNAL_ERROR)" >&2
  wine_cmd=("$wine")
fi

system32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -d "$system32" ]; then
  mkdir -p "$WINEPREFIX"
  "${wine_cmd[@]}" wineboot --init >/dev/null 2>&1 || true
  [ -d "$system32" ] || { echo "wine-run: could not create the Wine prefix $WINEPREFIX" >&2; exit 1; }
  # Without a display (CI), Wine's null driver: nice-plug's event loop needs a (message-only)
  # window, which Wine cannot create with no graphics driver at all. With DISPLAY set, X11.
  "${wine_cmd[@]}" reg add 'HKCU\Software\Wine\Drivers' /v Graphics /d x11,null /f >/dev/null 2>&1
fi

stand_in_src="$root/tests/wine/bcryptprimitives.c"
stand_in="$system32/bcryptprimitives.dll"
if [ ! -f "$stand_in" ] || [ "$stand_in_src" -nt "$stand_in" ]; then
  x86_64-w64-mingw32-gcc -O2 -shared -o "$stand_in.tmp" "$stand_in_src" -ladvapi32
  mv "$stand_in.tmp" "$stand_in"
fi

exec "${wine_cmd[@]}" "$@"
