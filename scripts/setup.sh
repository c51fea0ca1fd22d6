#!/usr/bin/env bash
# Create .venv (once) and install opt-fuse with its test extras into it.
# Only PyPI is needed: if no system clang >= 15 is found, the ziglang package's clang is used.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
