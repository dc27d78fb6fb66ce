#!/usr/bin/env bash
# Times the whole `svit-eval score --task coco-caption` process on a
# COCO-val-sized set (40,504 images, 4-5 references each; see
# make_caption_set.cpp): median wall time of RUNS runs and the largest peak
# RSS, measured with /usr/bin/time -v. Builds nothing: run after the build.
#
# usage: bench/caption_score.sh [BUILD_DIR=build] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-5}
data=bench/data/captions
if [ ! -f "$data/results.json" ]; then
  "$build/make_caption_set" tests/data/golden/captions/public_input.json "$data"
fi
walls=()
peak=0
for i in $(seq "$runs"); do
  /usr/bin/time -v "$build/svit-eval" score --task coco-caption --annotations "$data/captions.json" \
    --predictions "$data/results.json" --output "$data/result.json" >/dev/null 2>"$data/time.txt"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + t[k]; print s}' "$data/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$data/time.txt")
  user=$(awk -F': ' '/User time/ {print $2}' "$data/time.txt")
  echo "run $i: wall ${wall}s user ${user}s peak RSS ${rss} KB"
  walls+=("$wall")
  [ "$rss" -gt "$peak" ] && peak=$rss
done
median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
echo "coco-caption score, ${runs} runs: median wall ${median}s, peak RSS ${peak} KB"
