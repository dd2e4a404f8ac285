#!/usr/bin/env bash
# burst.sh: resident memory of `facegate serve`, default limits, under
# bursts of concurrent uploads: BURSTS (default 5) bursts of N (default
# 100) concurrent POST /v1/fix of faces-gf/chaeyeon.jpg (2667x4000, 1.6
# MB), 5 s apart. Prints the resident set after start (the models are
# loaded before the service listens), after each burst, the peak (VmHWM),
# and after IDLE (default 30) seconds without an upload; with the answers'
# status counts (a burst beyond the in-flight slots and the queue gets
# 503s by design).
#
#   benchmarks/burst.sh [BURSTS] [N] [IDLE]
#
# Needs ../shared/corpus (or FACEGATE_CORPUS) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
BURSTS=${1:-5}
N=${2:-100}
IDLE=${3:-30}
CORPUS=${FACEGATE_CORPUS:-../shared/corpus}
PHOTO="$CORPUS/faces-gf/chaeyeon.jpg"
[ -f "$PHOTO" ] || { echo "missing $PHOTO (set FACEGATE_CORPUS)" >&2; exit 1; }
./scripts/deps.sh curl
go build -tags "$(grep -qw avx2 /proc/cpuinfo && echo facegate_avx2)" -o bin/facegate ./cmd/facegate
TMP=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
./bin/facegate serve --addr 127.0.0.1:$PORT ${SERVE_ARGS:-} 2>"$TMP/log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 300); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
rss() { awk -v k="$1:" '$1 == k {printf "%.0f", $2 / 1024}' "/proc/$PID/status"; }
echo "after start: $(rss VmRSS) MB resident ($(rss RssAnon) MB anonymous, $(rss RssFile) MB of mapped files)"
for b in $(seq "$BURSTS"); do
  seq "$N" | xargs -P "$N" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    -H 'Content-Type: image/jpeg' --data-binary "@$PHOTO" "http://127.0.0.1:$PORT/v1/fix" >"$TMP/codes"
  codes=$(sort "$TMP/codes" | uniq -c | awk '{printf "%s x %s, ", $1, $2}')
  echo "burst $b: ${codes%, }; $(rss VmRSS) MB resident, peak so far $(rss VmHWM) MB"
  sleep 5
done
sleep "$IDLE"
echo "after ${IDLE} s idle: $(rss VmRSS) MB resident ($(rss RssAnon) MB anonymous, $(rss RssFile) MB of mapped files); peak $(rss VmHWM) MB"
echo "(commit $(git rev-parse --short HEAD), $(nproc) cores)"
