#!/usr/bin/env bash
# Installs everything the platform needs on a fresh Debian machine: system packages (as root,
# from Debian's archive), a virtual environment with the Python packages, compiled translations.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=".venv"

need=()
command -v make >/dev/null 2>&1 || need+=(make)
command -v "$PYTHON" >/dev/null 2>&1 || need+=(python3)
# ffmpeg and ffprobe process and check every uploaded lecture.
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
# nginx and PgBouncer: the production stack's proxy and pool (deploy/); tests/deploy/ starts
# them from deploy/'s files. Installed only, never started as services here (see below).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
# Debian's Chromium runs the browser tests (Playwright drives it; it never downloads a browser).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# CJK fonts, so Chinese pages render in the browser tests and screenshots.
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
# Pango and HarfBuzz, which WeasyPrint uses to lay out the PDF learning archive.
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then
  need+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
fi
if command -v "$PYTHON" >/dev/null 2>&1 && ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  need+=(python3-venv)
fi
if ((${#need[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${need[*]} (run as root, or install them with apt-get)." >&2
    exit 1
  fi
  echo "Installing system packages: ${need[*]}"
  # Debian starts a daemon's service on installation: not here (nginx and PgBouncer are
  # configured from deploy/ first; the tests start their own). policy-rc.d refuses the start.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"Python 3.11 or newer is required, this is {sys.version.split()[0]}")
PY

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e '.[test]'
  touch "$stamp"
fi
"$VENV/bin/pybabel" compile --use-fuzzy -q -d lms/translations 2>/dev/null \
  || "$VENV/bin/pybabel" compile -d lms/translations
echo "Installed."
