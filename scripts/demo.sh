#!/usr/bin/env bash
# README command (1): install dependencies, build, and run the default job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target svit-eval
./build/svit-eval run
