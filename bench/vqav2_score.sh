#!/usr/bin/env bash
# Times `svit-eval score --task vqav2` as a whole process on a generated
# VQAv2-format set (default 200,000 questions x 10 answers), writing the full
# JSON result, and reports the median wall time, CPU time and peak RSS over
# several runs. Reference: the official vqaEval.py takes ~75 s wall and
# 686 MB peak RSS on such a set on these machines (shared/specs/benchmarks.md).
#
# usage: bench/vqav2_score.sh [BUILD_DIR=build] [QUESTIONS=200000] [RUNS=7]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
questions=${2:-200000}
runs=${3:-7}
data=bench/data/vqav2-$questions
if [ ! -f "$data/results.json" ]; then
  "$build/make_vqav2_set" "$data" "$questions"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq "$runs"); do
  /usr/bin/time -f "%e %U %S %M" -o "$out/time.$i" \
    "$build/svit-eval" score --task vqav2 \
      --questions "$data/v2_OpenEnded_mscoco_val2014_questions.json" \
      --annotations "$data/v2_mscoco_val2014_annotations.json" \
      --predictions "$data/results.json" --output "$out/result.json" >/dev/null
done
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wall=$(cat "$out"/time.* | awk '{ print $1 }' | median)
cpu=$(cat "$out"/time.* | awk '{ print $2 + $3 }' | median)
rss_kb=$(cat "$out"/time.* | awk '{ print $4 }' | median)
range=$(cat "$out"/time.* | awk '{ print $1 }' | sort -g | sed -n '1p;$p' | paste -sd' ')
awk -v w="$wall" -v c="$cpu" -v r="$rss_kb" -v n="$runs" -v range="$range" 'BEGIN {
  printf "vqav2 score, %d runs: median wall %.3f s (min/max %s), median CPU %.3f s, median peak RSS %.1f MB\n", n, w, range, c, r / 1024
  printf "vs official vqaEval.py (75 s wall, 686 MB): %.0fx faster, %.1fx less memory\n", 75 / w, 686 / (r / 1024)
}'
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
