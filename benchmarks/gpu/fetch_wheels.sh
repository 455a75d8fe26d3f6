#!/usr/bin/env bash
# Wheels the GPU machine lacks, into .whl/ at the repository root (ignored by git), for Python 3.12:
# Keras and the two pure-Python-or-binary needs of Keras that its image does not hold (namex,
# optree). Everything else keras_gans imports there (numpy, scipy, yaml, h5py, rich,
# ml-dtypes, absl, packaging, jax, torch) is already installed. Run it here, where pip can reach
# the package registry; the device tool then carries .whl (see README.md beside this file).
set -euo pipefail
cd "$(dirname "$0")/../.."
PIP="${PIP:-python3 -m pip}"
rm -rf .whl && mkdir -p .whl
$PIP download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
    -d .whl keras==3.15.1 namex==0.1.0 optree==0.20.0
ls -l .whl
