#!/usr/bin/env bash
# README command (1): install dependencies, build, and run the default job:
# the two committed reference models (baseline and SVIT-style) on the demo
# benchmark set, offline, ending with a leaderboard, a paired comparison and
# an HTML report whose paths are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target svit-eval svit_local_adapter
./build/svit-eval run
