#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: execute every book page and the benchmark's torch parts
# on CPU and GPU side by side; writes bench/GPU.md (included by the next `make bench`).
set -euo pipefail
cd "$(dirname "$0")/.."
make setup
.venv/bin/python -m bench.gpu
