#!/usr/bin/env bash
# run_vqav2.sh: the whole `svit-eval run` process on a large VQAv2 set
# (bench/make_vqav2_set: QUESTIONS questions, one small JPEG-like image per
# three questions, IMAGE_BYTES each) against the fixed-reply nginx endpoint
# of http_vs_wrk.sh (bench/lib/nginx_endpoint.sh): loading the task, reading
# and hashing images, cache lookups and commits, the HTTP path, scoring and
# writing the run record. Twice per repetition, in the same sitting:
#   cold: empty cache, every question is sent;
#   warm: the same command again, every answer comes from the cache
#         (0 requests: the resume path).
# Prints per phase: wall time, questions/s end to end, CPU time (user+sys)
# and CPU us per question, peak RSS (/usr/bin/time -v), and the cache file
# size (with its WAL) after the cold run. The replies are all the same
# sentence, so the accuracy is 0: only the speed is measured.
#
# Needs: nginx, /usr/bin/time (scripts/install-bench-deps.sh) and a build with
# bench programs (cmake --build build --target svit-eval make_vqav2_set).
# Knobs (env): BUILD (build), PORT (18432), QUESTIONS (100000), IMAGE_BYTES
#   (2000), CONCURRENCY (64), REPS (3), WORKERS (nginx workers, 1),
#   DATA (bench/data/vqav2-run-QUESTIONS-IMAGE_BYTES, kept between runs),
#   EXTRA (more `svit-eval run` flags), BASE_BUILD (another build folder,
#   e.g. of the commit before a change: measured in the same sitting, rows
#   "base cold" and "base warm").
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
PORT=${PORT:-18432}
QUESTIONS=${QUESTIONS:-100000}
IMAGE_BYTES=${IMAGE_BYTES:-2000}
CONCURRENCY=${CONCURRENCY:-64}
REPS=${REPS:-3}
WORKERS=${WORKERS:-1}
DATA=${DATA:-bench/data/vqav2-run-$QUESTIONS-$IMAGE_BYTES}
EXTRA=${EXTRA:-}

command -v /usr/bin/time >/dev/null || { echo "missing /usr/bin/time (bash scripts/install-bench-deps.sh)" >&2; exit 2; }
for program in svit-eval make_vqav2_set; do
  [[ -x "$BUILD/$program" ]] || { echo "missing $BUILD/$program (cmake --build $BUILD --target $program)" >&2; exit 2; }
done
if [[ ! -f "$DATA/v2_OpenEnded_mscoco_val2014_questions.json" ]]; then
  "$BUILD/make_vqav2_set" "$DATA" "$QUESTIONS" "$IMAGE_BYTES" >&2
fi

source bench/lib/nginx_endpoint.sh
nginx_endpoint_session svit-run-bench "$PORT" "$WORKERS"
echo "# $(nproc) cores, $(uname -r), $(nginx -v 2>&1), $QUESTIONS questions, $IMAGE_BYTES-byte images, concurrency $CONCURRENCY" >&2

# Prints "wall cpu rss_kb" of one `svit-eval run`; fails when the run does.
run_once() {
  local build=$1 cache=$2 run_id=$3
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$W/time" "$build/svit-eval" run --task vqav2 \
    --questions "$DATA/v2_OpenEnded_mscoco_val2014_questions.json" \
    --annotations "$DATA/v2_mscoco_val2014_annotations.json" \
    --images "$DATA/images" --model "mock=http://127.0.0.1:$PORT/v1" --model-id mock-vlm-7b \
    --concurrency "$CONCURRENCY" --max-attempts 1 --output "$W/runs" --cache "$cache" \
    --store "$W/results.sqlite" --run-id "$run_id" $EXTRA > "$W/run.out" 2> "$W/run.err" || {
    echo "svit-eval run failed:" >&2
    tail -5 "$W/run.err" >&2
    return 3
  }
  grep -q "$QUESTIONS answered, 0 failed" "$W/run.out" || { echo "unexpected run summary:" >&2; head -3 "$W/run.out" >&2; return 3; }
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; ++i) w = w * 60 + t[i] }
              /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
              END { printf "%.2f %.2f %d\n", w, u + s, r }' "$W/time"
}

RES="$W/results.tsv"
: > "$RES"
for rep in $(seq 1 "$REPS"); do
  for build in "$BUILD" ${BASE_BUILD:+"$BASE_BUILD"}; do
    label=""
    [[ $build == "$BUILD" ]] || label="base "
    rm -f "$W"/cache.sqlite*
    load=$(cut -d' ' -f1 /proc/loadavg)
    read -r wall cpu rss < <(run_once "$build" "$W/cache.sqlite" "cold$rep")
    size=$(du -cb "$W"/cache.sqlite* | tail -1 | cut -f1)
    printf '%scold\t%s\t%s\t%s\t%s\t%s\n' "$label" "$wall" "$cpu" "$rss" "$size" "$load" >> "$RES"
    load=$(cut -d' ' -f1 /proc/loadavg)
    read -r wall cpu rss < <(run_once "$build" "$W/cache.sqlite" "warm$rep")
    grep -q "requests: 0 sent" "$W/run.out" || { echo "the warm run sent requests:" >&2; grep "requests:" "$W/run.out" >&2; exit 3; }
    printf '%swarm\t%s\t%s\t%s\t%s\t%s\n' "$label" "$wall" "$cpu" "$rss" "$size" "$load" >> "$RES"
    tail -2 "$RES" >&2
  done
done

python3 - "$RES" "$QUESTIONS" <<'PYEOF'
import collections, statistics as st, sys
questions = int(sys.argv[2])
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    phase, wall, cpu, rss, size, load = line.rstrip("\n").split("\t")
    rows.setdefault(phase, []).append((float(wall), float(cpu), int(rss), int(size), float(load)))
print("| phase | wall s median (min..max) | questions/s | CPU s | CPU us/question | peak RSS MB | cache MB |")
print("|---|---|---|---|---|---|---|")
for phase, v in rows.items():
    wall = st.median(x[0] for x in v)
    cpu = st.median(x[1] for x in v)
    print(f"| {phase} | {wall:.2f} ({min(x[0] for x in v):.2f}..{max(x[0] for x in v):.2f}) | {questions / wall:.0f} | "
          f"{cpu:.2f} | {1e6 * cpu / questions:.1f} | {st.median(x[2] for x in v) / 1024:.0f} | "
          f"{st.median(x[3] for x in v) / 2**20:.1f} |")
loads = [x[4] for v in rows.values() for x in v]
print(f"\nload average before runs: {min(loads):.2f}..{max(loads):.2f}")
PYEOF
