#!/usr/bin/env bash
# Set up, then run the whole test suite: pytest (unit tests, numerics against onnxruntime,
# tool behaviour) and the lit/FileCheck suite in lit_tests/ (run by tests/test_lit.py).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
