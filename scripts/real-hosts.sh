#!/usr/bin/env bash
# Installs the real hosts the test suite runs the plug-in in (tests/real_hosts.rs):
# - Debian packages: Ardour 7 (VST3), Qtractor (CLAP) and JACK (its dummy driver), and
#   python3-venv where the system Python lacks venv;
# - pedalboard and DawDreamer (JUCE's VST3 hosting) and JACK-Client, from PyPI, in a virtual
#   environment inside the ignored build folder: target/real-hosts/venv.
# Run by scripts/setup.sh and .ci/run; safe to run again (it installs only what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES="ardour qtractor jackd2"
python3 -m venv --help >/dev/null 2>&1 || PACKAGES="$PACKAGES python3-venv"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "real hosts: installing$missing"
  # jackd2 asks whether to enable real-time priority; the answer is not needed headless.
  echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
  $SUDO apt-get update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

venv=target/real-hosts/venv
requirements=tests/real_hosts/requirements.txt
stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  echo "real hosts: the Python hosts into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
echo "real hosts: ready (Ardour $(dpkg-query -W -f='${Version}' ardour), Qtractor $(dpkg-query -W -f='${Version}' qtractor), $("$venv/bin/pip" freeze --disable-pip-version-check | grep -iE '^(pedalboard|dawdreamer)=' | tr '\n' ' '))"
