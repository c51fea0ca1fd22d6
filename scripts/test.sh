#!/usr/bin/env bash
# Set up, then run the whole test suite: pytest (unit tests, numerics against onnxruntime,
# the nine onnx light models, the ONNX node conformance suite, tool behaviour) and the
# lit/FileCheck suite in lit_tests/ (run by tests/test_lit.py), on every core (pytest-xdist;
# worksteal keeps both cores busy while the slow light-model tests finish).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# --durations: the slowest tests are listed, so a CI run shows where its time goes.
exec .venv/bin/python -m pytest -n auto --dist worksteal --durations=25 "$@"
