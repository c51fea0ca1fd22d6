#!/usr/bin/env bash
# Set up, then compile the example MLP and CNN, run them, and compare with onnxruntime.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python examples/run_example.py "$@"
