#!/usr/bin/env bash
# README command (1): install dependencies, build, and run the default job.
# Until the local engine lands, the default job scores the bundled sample
# predictions with the official protocols.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target svit-eval
mkdir -p runs/demo
data=tests/data/golden
./build/svit-eval score --task vqav2 --questions $data/vqav2/questions.json \
  --annotations $data/vqav2/annotations.json --predictions $data/vqav2/results_raw.json \
  --output runs/demo/vqav2.json
echo "results written under runs/demo/"
