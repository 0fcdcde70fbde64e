#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: execute every book page and the benchmark's torch parts
# on CPU and GPU side by side; writes bench/GPU.md (included by the next `make bench`).
#   bash bench/gpu.sh             # pages + torch operations (about 2x the book's build time)
#   bash bench/gpu.sh --no-pages  # torch operations only (a minute or two)
set -euo pipefail
cd "$(dirname "$0")/.."
# An existing .venv is used as is (a GPU machine may have no network for `make setup`).
[ -x .venv/bin/python ] || make setup
.venv/bin/python -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "bench/gpu.sh: no CUDA GPU visible to torch")'
.venv/bin/python -m bench.gpu "$@"
