#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: execute every book page and the benchmark's torch parts
# on CPU and GPU side by side; writes bench/GPU.md (included by the next `make bench`).
#   bash bench/gpu.sh                 # pages + torch operations
#   bash bench/gpu.sh --no-pages      # torch operations only (a minute or two)
#   PYTHON=python3 bash bench/gpu.sh  # a Python that already has torch, torchvision, jupytext,
#                                     # ipykernel, myst-nb and the EfficientNet-Lite0 wheels
#                                     # (a GPU image with no network for `make setup`)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
  [ -x .venv/bin/python ] || make setup
  PYTHON=.venv/bin/python
fi
"$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "bench/gpu.sh: no CUDA GPU visible to torch")'
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -m bench.gpu "$@"
