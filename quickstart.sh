#!/usr/bin/env bash
# ctid quick start on a fresh Debian machine (run as root, or as a user with sudo):
#   ./quickstart.sh run    installs what ctid needs and runs the daemon on its embedded defaults
#   ./quickstart.sh test   installs what the tests need and runs lint, type checks and the whole test suite
# Extra arguments after "run" go to "ctid run" (e.g. --config /etc/ctid/ctid.toml); after "test", to pytest.
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-}"
shift || true
case "$mode" in
  run|test) ;;
  *) echo "usage: $0 run|test [args...]" >&2; exit 2 ;;
esac

# System packages: PortAudio and a C compiler (PyAudio is built from source on Linux) and ffmpeg (recording
# transcodes) for the daemon; Chromium and CJK fonts for the browser tests; minimodem makes independent FSK
# test audio (and is the peer bench/audio.py measures against); PostgreSQL 15's server, which the tests
# start in a temporary directory of their own (the database tests run on SQLite and on PostgreSQL).
RUN_PACKAGES=(portaudio19-dev gcc libc6-dev ffmpeg)
TEST_PACKAGES=(chromium fonts-noto-cjk minimodem postgresql)
packages=("${RUN_PACKAGES[@]}")
[ "$mode" = test ] && packages+=("${TEST_PACKAGES[@]}")
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
if [ -z "$PYTHON" ]; then
  packages+=(python3 python3-venv python3-dev)
  PYTHON=python3
else
  # Debian's own python3 needs python3-venv for "python3 -m venv" and python3-dev for the headers PyAudio
  # compiles against; a python.org/pyenv build has both built in.
  "$PYTHON" -c "import ensurepip" 2>/dev/null || packages+=(python3-venv)
  "$PYTHON" -c "import os, sys, sysconfig; sys.exit(not os.path.exists(sysconfig.get_path('include') + '/Python.h'))" \
    || packages+=(python3-dev)
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "quickstart: installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: a virtual environment in .venv, reinstalled only when pyproject.toml changes.
extras=""
[ "$mode" = test ] && extras="[dev]"
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-dev}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  echo "quickstart: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# ctid's own bytecode, compiled here once: the service's account may not write into the checkout
# (deploy/ctid.service), and compiling the modules at every start was a fifth of it (bench/startup.py).
.venv/bin/python -m compileall -q ctid

if [ "$mode" = run ]; then
  exec .venv/bin/ctid run "$@"
fi

echo "quickstart: ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "quickstart: mypy (strict on ctid/)"
.venv/bin/mypy
# Three passes: the suite in parallel on every core; then the tests that keep time with the wall clock
# (a daemon's bounds in seconds), two at a time; then those that keep pace with audio, alone. Which are
# which is tests/realtime.txt; the last two passes collect only its paths (unless paths were given).
# Exit status 5 is "nothing selected".
pass_status() { local status=0; "$@" || status=$?; [ "$status" = 5 ] && status=0; return "$status"; }
realtime_paths() { [ $# -gt 0 ] || sed -e 's/#.*//' tests/realtime.txt | awk -v how="$how" '$2 == how {print $1}'; }
echo "quickstart: pytest (parallel)"
pass_status .venv/bin/pytest -q -p no:cacheprovider -n auto -m "not realtime" "$@"
echo "quickstart: pytest (real-time tests, two at a time)"
how=paired
mapfile -t paths < <(realtime_paths "$@")
pass_status .venv/bin/pytest -q -p no:cacheprovider -n 2 -m "realtime and not alone" "${paths[@]}" "$@"
echo "quickstart: pytest (real-time tests that keep pace with audio, alone)"
how=alone
mapfile -t paths < <(realtime_paths "$@")
pass_status .venv/bin/pytest -q -p no:cacheprovider -m "realtime and alone" "${paths[@]}" "$@"
