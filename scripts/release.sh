#!/usr/bin/env bash
# Builds the release archives, each holding both plug-in bundles, the offline renderer and
# INSTALL.txt:
#   target/release/archives/headphone-monitor-<version>-linux-x86_64.zip
#   target/release/archives/headphone-monitor-<version>-windows-x86_64.zip
# Needs what scripts/setup.sh installs, plus (for Windows) `scripts/setup.sh --windows`, and zip.
#   scripts/release.sh            # both
#   scripts/release.sh linux      # or one of them
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
out="target/release/archives"
plugin="Headphone Monitor"
command -v zip >/dev/null 2>&1 || { echo "release: zip is missing (apt-get install zip)" >&2; exit 1; }
./scripts/patch-deps.sh

# stage <platform> <vst3 arch dir> <vst3 module suffix> <library> <renderer>: a clean folder
# zipped as one archive (the layout nice-plug's bundler makes, one platform per archive).
stage() {
  local platform=$1 arch=$2 suffix=$3 library=$4 renderer=$5
  local name="headphone-monitor-$version-$platform-x86_64"
  local dir="$out/$name"
  rm -rf "$dir" "$out/$name.zip"
  mkdir -p "$dir/$plugin.vst3/Contents/$arch"
  # The bundler leaves one .clap per target (the last built), so copy the library itself;
  # the .vst3 gets only this platform's folder.
  cp "$library" "$dir/$plugin.clap"
  cp "$library" "$dir/$plugin.vst3/Contents/$arch/$plugin.$suffix"
  cp "$renderer" "$dir/"
  if [ "$platform" = linux ]; then
    cat > "$dir/INSTALL.txt" <<TXT
Headphone Monitor $version for Linux (x86_64)

CLAP:  copy "$plugin.clap" to ~/.clap/ (or /usr/lib/clap/ for every user)
VST3:  copy the folder "$plugin.vst3" to ~/.vst3/ (or /usr/lib/vst3/)
Then rescan plug-ins in your DAW. Put it last on the master bus.

render: the offline renderer (render IN.wav OUT.wav [options]; render --help).
Source, manual and measurements: README.md and docs/ in the source repository.
TXT
  else
    cat > "$dir/INSTALL.txt" <<TXT
Headphone Monitor $version for Windows (x86_64)

CLAP:  copy "$plugin.clap" to %COMMONPROGRAMFILES%\\CLAP\\
       (usually C:\\Program Files\\Common Files\\CLAP\\)
VST3:  copy the folder "$plugin.vst3" to %COMMONPROGRAMFILES%\\VST3\\
       (usually C:\\Program Files\\Common Files\\VST3\\)
Then rescan plug-ins in your DAW. Put it last on the master bus.
The dose history is kept in %APPDATA%\\headphone-monitor\\.

render.exe: the offline renderer (render.exe IN.wav OUT.wav [options]; render.exe --help).
Source, manual and measurements: README.md and docs/ in the source repository.
TXT
    sed -i 's/$/\r/' "$dir/INSTALL.txt"
  fi
  (cd "$out" && zip -q -r -X "$name.zip" "$name")
  echo "release: $out/$name.zip"
  (cd "$out" && zip -sf "$name.zip" | sed 's/^/  /')
}

want="${1:-all}"
if [ "$want" = all ] || [ "$want" = linux ]; then
  cargo xtask bundle headphone_monitor --release
  cargo build --release -p headphone_monitor_render --bin render
  stage linux x86_64-linux so target/release/libheadphone_monitor.so target/release/render
fi
if [ "$want" = all ] || [ "$want" = windows ]; then
  target=x86_64-pc-windows-gnu
  cargo xtask bundle headphone_monitor --release --target $target
  cargo build --release -p headphone_monitor_render --bin render --target $target
  stage windows x86_64-win vst3 target/$target/release/headphone_monitor.dll target/$target/release/render.exe
fi
