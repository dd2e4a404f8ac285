#!/usr/bin/env bash
# startup.sh: how long facegate takes to start, against a plain Go binary
# that does nothing (benchmarks/nothing), in the same run: each command
# ROUNDS times (default 21), alternated, pinned to one core; prints the
# median wall time of each, its difference from the baseline, and the
# median peak RSS.
#
#   benchmarks/startup.sh [ROUNDS]
#
# The commands: --version; check of a 41-byte text file (refused from its
# first bytes: no model is needed, none is loaded); check of one photo
# with a face (the models load: ONNX Runtime, BlazeFace, the face-surface
# model, the landmark model's flat copy mapped from the cache, which the
# first run made). Needs ../shared/corpus (or FACEGATE_CORPUS) for the
# photo, taskset and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-21}
CORPUS=${FACEGATE_CORPUS:-../shared/corpus}
PHOTO="$CORPUS/faces-fr/obama.jpg"
[ -f "$PHOTO" ] || { echo "missing $PHOTO (set FACEGATE_CORPUS)" >&2; exit 1; }
./scripts/deps.sh time util-linux
go build -tags "$(grep -qw avx2 /proc/cpuinfo && echo facegate_avx2)" -o bin/facegate ./cmd/facegate
go build -o bin/nothing ./benchmarks/nothing
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
printf 'this is not an image, only text.\n1234567\n' >"$TMP/note.txt"
./bin/facegate check "$PHOTO" >/dev/null 2>&1 || true # makes the cache's flat copy and digests

names=(nothing version check-text check-photo)
args() {
  case $1 in
  nothing) echo ./bin/nothing ;;
  version) echo ./bin/facegate --version ;;
  check-text) echo ./bin/facegate check "$TMP/note.txt" ;;
  check-photo) echo ./bin/facegate check "$PHOTO" ;;
  esac
}
for ((r = 0; r < ROUNDS; r++)); do
  for n in "${names[@]}"; do
    read -r -a argv <<<"$(args "$n")"
    s=$(date +%s%N)
    /usr/bin/time -f %M -o "$TMP/rss" taskset -c 0 "${argv[@]}" >/dev/null 2>&1 || [ "$n" != version ] || exit 1
    e=$(date +%s%N)
    echo $(((e - s) / 1000)) >>"$TMP/t-$n"
    cat "$TMP/rss" >>"$TMP/m-$n"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:int((a[NR/2]+a[NR/2+1])/2)}'; }
base=$(median <"$TMP/t-nothing")
printf '\n== start-up, one core, medians of %d alternated runs\n' "$ROUNDS"
printf '%-40s %9s %12s %9s\n' command "wall ms" "- nothing" "peak MB"
for n in "${names[@]}"; do
  t=$(median <"$TMP/t-$n")
  m=$(median <"$TMP/m-$n")
  printf '%-40s %9.1f %+12.1f %9.1f\n' "$n" "$(awk "BEGIN{print $t/1000}")" "$(awk "BEGIN{print ($t-$base)/1000}")" "$(awk "BEGIN{print $m/1024}")"
done
echo "(each run under /usr/bin/time and taskset, the same for all; paths without spaces; commit $(git rev-parse --short HEAD), $(nproc) cores)"
