#!/usr/bin/env bash
# Times the whole `svit-eval score --task coco-caption` process on a
# COCO-val-sized set (40,504 images, 4-5 references each; see
# make_caption_set.cpp) with /usr/bin/time -v: median wall time and CPU time
# (user + system) of RUNS runs, the largest peak RSS, and how they compare
# with the official pycocoevalcap pipeline on the same set here (72 s wall,
# 47 s user CPU, 1.09 GB peak RSS). The machine's load average is printed
# too: on a busy machine the process gets a fraction of a core, and the wall
# time grows accordingly. Builds nothing: run after the build.
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
official_wall=72
official_user=47
official_rss_kb=$((1090 * 1024))

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

walls=() cpus=() users=()
peak=0
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
  /usr/bin/time -v "$build/svit-eval" score --task coco-caption --annotations "$data/captions.json" \
    --predictions "$data/results.json" --output "$data/result.json" >/dev/null 2>"$data/time.txt"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + t[k]; print s}' "$data/time.txt")
  user=$(awk -F': ' '/User time/ {print $2}' "$data/time.txt")
  sys=$(awk -F': ' '/System time/ {print $2}' "$data/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$data/time.txt")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
  echo "run $i: wall ${wall}s, CPU ${cpu}s (user ${user}s + sys ${sys}s), peak RSS ${rss} KB"
  walls+=("$wall") cpus+=("$cpu") users+=("$user")
  [ "$rss" -gt "$peak" ] && peak=$rss
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
wall=$(printf '%s\n' "${walls[@]}" | median)
cpu=$(printf '%s\n' "${cpus[@]}" | median)
user=$(printf '%s\n' "${users[@]}" | median)
awk -v runs="$runs" -v wall="$wall" -v cpu="$cpu" -v user="$user" -v rss="$peak" \
    -v ow="$official_wall" -v ou="$official_user" -v orss="$official_rss_kb" 'BEGIN {
  printf "coco-caption score, %d runs: median wall %.3fs, median CPU %.3fs (user %.3fs), peak RSS %d KB\n",
         runs, wall, cpu, user, rss
  printf "vs the official pipeline (%ds wall, %ds user, %.2f GB): wall %.0fx, user CPU %.0fx, memory %.1fx less\n",
         ow, ou, orss / 1024 / 1024, ow / wall, ou / user, orss / rss
}'
