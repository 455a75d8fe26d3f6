#!/usr/bin/env bash
# The GPU check, as the device tool runs it from the repository root (see README.md beside this
# file): Keras from the carried wheels, then the DCGAN benchmark under an 8-minute cap. Extra
# arguments go to dcgan_h200.py. The table goes to stdout, the JSON to $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit
export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH} KERAS_BACKEND=jax PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
timeout 470 python3 benchmarks/gpu/dcgan_h200.py --json "${OUT:-/tmp}/dcgan_h200.json" "$@"
