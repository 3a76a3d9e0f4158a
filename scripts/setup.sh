#!/usr/bin/env bash
# Builds the CLAP and VST3 bundles on a fresh Debian/Ubuntu machine, installing
# what is missing first (a C toolchain; Rust through rustup if cargo is absent).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v cc >/dev/null 2>&1 || ! command -v pkg-config >/dev/null 2>&1; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
    build-essential pkg-config ca-certificates curl
fi

if ! command -v cargo >/dev/null 2>&1; then
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

cargo xtask bundle headphone_monitor --release
echo
echo "Bundles:"
ls -d target/bundled/*
