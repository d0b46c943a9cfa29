#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Publishing both streams at once against the two best single-purpose tools run
# one after the other, in one run against one sandbox:
#   dualscope-cli publish  N events, batches of B, over 50 sources (Kafka + Redis)
#   kcat -P                the same number of events of the same shape and size
#   redis-benchmark        N PUBLISH of a notification, one connection, pipeline 64
# and prints   ratio = dualscope / (kcat + redis-benchmark)   (target: <= 1.0).
# Then the peak resident memory of publishing 1,000,000 events (target: < 300 MB).
#
# usage: bench/publish-vs-reference.sh [N=500000] [B=1000]   (after ./build.sh build)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500000}
BATCH=${2:-1000}
CLI=${DUALSCOPE_CLI:-build/bin/dualscope-cli}
WORK=$(mktemp -d)
SANDBOX_PID=
cleanup() {
    [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in kcat redis-benchmark "$CLI"; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (./build.sh build installs it)" >&2; exit 2; }
done

"$CLI" sandbox >"$WORK/sandbox.out" 2>"$WORK/sandbox.err" &
SANDBOX_PID=$!
for _ in $(seq 100); do grep -q '^READY' "$WORK/sandbox.out" && break; sleep 0.1; done
grep -q '^READY' "$WORK/sandbox.out" || { cat "$WORK/sandbox.err" >&2; exit 2; }
KAFKA=$(sed -n 's/^KAFKA_BOOTSTRAP=//p' "$WORK/sandbox.out")
REDIS=$(sed -n 's/^REDIS_URL=//p' "$WORK/sandbox.out")
REDIS_PORT=${REDIS##*:}

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

# The reference input for kcat, made before any clock starts: lines of
# key<TAB>value shaped like dualscope's default template (same fields, same size).
awk -v n="$N" 'BEGIN {
    srand(7);
    for (i = 0; i < n; i++) {
        printf "user-%d\t{\"id\":\"%08x-%04x-4%03x-a%03x-%012x\",\"type\":\"order.created\",\"source_type\":\"user\",\"source_id\":\"user-%d\",\"timestamp\":\"2026-11-27T15:04:05.123Z\",\"payload\":{\"seq\":%d,\"amount\":%d,\"currency\":\"EUR\",\"note\":\"order %d from user-%d\"}}\n",
            i % 50, int(rand()*4294967295), int(rand()*65535), int(rand()*4095), int(rand()*4095), int(rand()*281474976710655), i % 50, i, int(rand()*500)+1, i, i % 50
    }
}' >"$WORK/events.tsv"

run_dualscope() {
    "$CLI" publish --kafka "$KAFKA" --redis "$REDIS" --count "$1" --batch "$BATCH" --sources 50 --json \
        >"$WORK/dualscope.json"
}
run_kcat() {
    head -n "$1" "$WORK/events.tsv" >"$WORK/input.tsv"
    kcat -P -b "$KAFKA" -t events -K $'\t' -X acks=all -l "$WORK/input.tsv"
}
run_redis_benchmark() {
    redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c 1 -P 64 -n "$1" -q \
        PUBLISH events:user:user-7 '{"id":"ab935645-e268-4f47-9c9d-6a459f2c5cc0","type":"order.created","source_id":"user-7"}' \
        >"$WORK/redis-benchmark.out"
}
# Seconds one run of a tool takes (kcat's input file is cut before the clock starts).
timed() {
    local tool=$1 start
    [ "$tool" = run_kcat ] && head -n "$N" "$WORK/events.tsv" >"$WORK/input.tsv"
    start=$(now)
    if [ "$tool" = run_kcat ]; then
        kcat -P -b "$KAFKA" -t events -K $'\t' -X acks=all -l "$WORK/input.tsv"
    else
        "$tool" "$N"
    fi
    elapsed "$start" "$(now)"
}
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }

echo "bench: $N events, batches of $BATCH, one sandbox ($KAFKA; $REDIS)"
# Warm-up: the mock cluster's first fill of a partition costs more than later ones,
# so whoever ran first would pay for it.
run_dualscope $((N / 5)); run_kcat $((N / 5)); run_redis_benchmark $((N / 5))
ROUNDS=${BENCH_ROUNDS:-3}
d=(); k=(); r=()
for _ in $(seq "$ROUNDS"); do   # interleaved, so a busy moment hurts all three alike
    d+=("$(timed run_dualscope)")
    k+=("$(timed run_kcat)")
    r+=("$(timed run_redis_benchmark)")
done
t_dualscope=$(median "${d[@]}")
t_kcat=$(median "${k[@]}")
t_redis=$(median "${r[@]}")

ratio=$(echo "$t_dualscope / ($t_kcat + $t_redis)" | bc -l)
printf 'median of %d rounds:\n' "$ROUNDS"
printf 'dualscope-cli publish (Kafka + Redis)   %7.3f s   (rounds: %s)\n' "$t_dualscope" "${d[*]}"
printf 'kcat -P (Kafka only)                    %7.3f s   (rounds: %s)\n' "$t_kcat" "${k[*]}"
printf 'redis-benchmark PUBLISH -P 64 (Redis)   %7.3f s   (rounds: %s)\n' "$t_redis" "${r[*]}"
printf 'last dualscope summary: %s\n' "$(cat "$WORK/dualscope.json")"
printf 'ratio dualscope / (kcat + redis-benchmark) = %.2f   (target <= 1.00)\n' "$ratio"

if [ "${BENCH_MEMORY:-1}" = 1 ]; then
    "$CLI" publish --kafka "$KAFKA" --redis "$REDIS" --count 1000000 --batch "$BATCH" --sources 50 --json \
        >"$WORK/million.json"
    rss=$(sed -n 's/.*"peak_rss_mb":\([0-9.]*\).*/\1/p' "$WORK/million.json")
    printf 'peak resident memory publishing 1,000,000 events: %.1f MB   (target < 300 MB)\n' "$rss"
fi
