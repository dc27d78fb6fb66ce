#!/usr/bin/env bash
# http_vs_wrk.sh: svit-eval's HTTP path (bench/http_load: Runner + OpenAI
# adapter over libcurl multi) against wrk, in the same sitting, on the same
# loopback nginx endpoint as shared/tools/http-ceiling.sh (POST
# /v1/chat/completions answered with a fixed ~900-byte chat.completion,
# keep-alive). wrk sends the exact bytes svit-eval sends (http_load
# --dump-body), with ~1 KB and ~200 KB (base64 image) bodies.
#
# Prints a markdown table: median requests/s over REPS runs (min..max), CPU
# time per request of the client process (user+sys from /usr/bin/time), and
# svit-eval's rate as a fraction of wrk's. Runs are interleaved
# (wrk -t2, wrk -t1, svit-eval, ...) so all three see the same machine load.
#
# Needs: nginx (nginx-light), wrk, /usr/bin/time (scripts/install-bench-deps.sh)
# and a build with bench programs (cmake --build build --target http_load).
# Knobs (env): BUILD (build), PORT (18431), DUR (seconds per run, 5), REPS (3),
#   CONNS ("64 256"), BODIES ("1k 200k"), WORKERS (nginx workers, 1),
#   EXTRA (more http_load flags, e.g. "--distinct-images"),
#   BASE_LOAD (another build's http_load, e.g. of the commit before a change:
#   measured in the same sitting as "svit-eval base").
# Everything binds 127.0.0.1; nginx (bench/lib/nginx_endpoint.sh) runs from a
# temp dir and is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
PORT=${PORT:-18431}
DUR=${DUR:-5}
REPS=${REPS:-3}
CONNS=${CONNS:-"64 256"}
BODIES=${BODIES:-"1k 200k"}
WORKERS=${WORKERS:-1}
EXTRA=${EXTRA:-}
LOAD="$BUILD/http_load"

for tool in nginx wrk /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool (bash scripts/install-bench-deps.sh)" >&2; exit 2; }
done
[[ -x "$LOAD" ]] || { echo "missing $LOAD (cmake --build $BUILD --target http_load)" >&2; exit 2; }

source bench/lib/nginx_endpoint.sh
nginx_endpoint_session svit-http-bench "$PORT" "$WORKERS"
URL="http://127.0.0.1:$PORT/v1/chat/completions"

cat > "$W/post.lua" <<'EOF'
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-mock"
EOF

for body in $BODIES; do
  "$LOAD" --body "$body" --dump-body "$W/body_$body.json" >&2
done
echo "# $(nproc) cores, $(uname -r), $(nginx -v 2>&1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), nginx workers: $WORKERS" >&2

RES="$W/results.tsv"
: > "$RES"
cpu_of() { awk '{print $1 + $2}' "$1"; }
for body in $BODIES; do
  for conns in $CONNS; do
    for rep in $(seq 1 "$REPS"); do
      load=$(cut -d' ' -f1 /proc/loadavg)
      for threads in 2 1; do
        /usr/bin/time -f "%U %S" -o "$W/time" env BODY_FILE="$W/body_$body.json" \
          timeout $((DUR + 30)) wrk -t"$threads" -c"$conns" -d"${DUR}s" --timeout 10s -s "$W/post.lua" "$URL" > "$W/wrk.txt"
        n=$(awk '/requests in/ {print $1}' "$W/wrk.txt")
        rps=$(awk '/Requests\/sec/ {print $2}' "$W/wrk.txt")
        errors=$(awk '/Socket errors/ {gsub(",", ""); s += $4 + $6 + $8 + $10} /Non-2xx/ {s += $NF} END {print s + 0}' "$W/wrk.txt")
        printf 'wrk -t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$threads" "$body" "$conns" "$rps" \
          "$(python3 -c "print(1e6*$(cpu_of "$W/time")/$n)")" "$errors" "$load" >> "$RES"
      done
      for client in svit-eval ${BASE_LOAD:+"svit-eval base"}; do
        program=$LOAD
        [[ $client == "svit-eval base" ]] && program=$BASE_LOAD
        # shellcheck disable=SC2086
        /usr/bin/time -f "%U %S" -o "$W/time" timeout $((DUR + 30)) \
          "$program" --url "http://127.0.0.1:$PORT/v1" --body "$body" --concurrency "$conns" --seconds "$DUR" $EXTRA > "$W/svit.txt"
        n=$(awk '{print $2}' "$W/svit.txt")
        rps=$(awk '{print $6}' "$W/svit.txt")
        failed=$(awk '{print $10}' "$W/svit.txt")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$client" "$body" "$conns" "$rps" \
          "$(python3 -c "print(1e6*$(cpu_of "$W/time")/$n)")" "$failed" "$load" >> "$RES"
      done
      tail -4 "$RES" >&2
    done
  done
done

python3 - "$RES" <<'PYEOF'
import collections, statistics as st, sys
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    tool, body, conns, rps, cpu, err, load = line.rstrip("\n").split("\t")
    rows.setdefault((body, conns), collections.OrderedDict()).setdefault(tool, []).append(
        (float(rps), float(cpu), int(float(err)), float(load)))
print("| body | conns | client | req/s median (min..max) | CPU us/request (median) | errors | svit-eval / this |")
print("|---|---|---|---|---|---|---|")
for (body, conns), tools in rows.items():
    svit = st.median(r[0] for r in tools["svit-eval"])
    for tool, v in tools.items():
        r = [x[0] for x in v]
        ratio = "" if tool == "svit-eval" else f"{100 * svit / st.median(r):.0f}%"
        print(f"| {body} | {conns} | {tool} | {st.median(r):.0f} ({min(r):.0f}..{max(r):.0f}) | "
              f"{st.median(x[1] for x in v):.1f} | {sum(x[2] for x in v)} | {ratio} |")
loads = [x[3] for tools in rows.values() for v in tools.values() for x in v]
print(f"\nload average before runs: {min(loads):.2f}..{max(loads):.2f}")
PYEOF
