#!/usr/bin/env bash
# Applies the project's own fixes (patches/*.patch) to nice-plug's crates.io sources, as
# `[patch.crates-io]` in Cargo.toml expects them in target/patch/. Uses patch-crate (crates.io),
# installed here if missing. Re-applies only when a patch file changed (stamp in target/patch).
# No third-party source is kept in the repository: the sources come from Cargo's registry.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo patch-crate --help >/dev/null 2>&1; then
  echo "Installing patch-crate (applies patches/*.patch at build time; a few minutes, once)"
  cargo install --locked patch-crate@0.1.13
fi

stamp=target/patch/.applied
sum=$(cat patches/*.patch | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$sum" ]; then
  cargo patch-crate --force
  echo "$sum" > "$stamp"
  echo "Patched: $(ls target/patch | tr '\n' ' ')"
fi
