#!/usr/bin/env bash
# compare.sh: facegate fix (face checks on) against the naive pure-Go
# pipeline (benchmarks/naive) and libjpeg-turbo's scaled decode alone
# (djpeg -scale 1/2), on the same photos, alternating the three several
# times; prints medians and ratios. Each timing is one process invocation
# over all the photos, so facegate's one-off model load is inside it; the
# "per set" lines take it out by also timing PASSES (default 5) passes over
# the photos in one invocation: (that - one pass) / (PASSES - 1).
#
#   benchmarks/compare.sh [ROUNDS]            # one core (taskset -c 0) and all cores
#   DETECTOR=hog benchmarks/compare.sh        # facegate with dlib's HOG detector instead
#   FACEGATE_ARGS=--second-look=false benchmarks/compare.sh   # more flags for facegate fix
#
# Needs ../shared/corpus (or FACEGATE_CORPUS), taskset, /usr/bin/time, and
# Debian's libjpeg-turbo-progs for djpeg (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
PASSES=${PASSES:-5}
CORPUS=${FACEGATE_CORPUS:-../shared/corpus}
. benchmarks/photos.sh
FILES=()
for p in "${PHOTOS[@]}"; do
  [ -f "$CORPUS/$p" ] || { echo "missing $CORPUS/$p (set FACEGATE_CORPUS)" >&2; exit 1; }
  FILES+=("$CORPUS/$p")
done
./scripts/deps.sh libjpeg-turbo-progs time util-linux
go build -tags "$(grep -qw avx2 /proc/cpuinfo && echo facegate_avx2)" -o bin/facegate ./cmd/facegate
go build -o bin/naive ./benchmarks/naive
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Absolute: go test runs in ./benchmarks, where a relative path would
# name another folder (and the benchmarks that read it would skip).
FACEGATE_CORPUS="$(cd "$CORPUS" && pwd)"
export FACEGATE_CORPUS

calc() { awk "BEGIN { printf \"%.3f\", $* }"; }
# t CMD...: wall seconds of one run (output discarded; exit 1 is "not ok", fine).
t() {
  local s e rc=0
  s=$(date +%s%N)
  "$@" >/dev/null 2>&1 || rc=$?
  e=$(date +%s%N)
  [ "$rc" -le 1 ] || { echo "failed ($rc): $*" >&2; exit 1; }
  calc "($e - $s) / 1e9"; echo
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
# The three contenders; PRE is the CPU pinning, JOBS facegate's workers.
# shellcheck disable=SC2086 # FACEGATE_ARGS are flags, split on purpose
fg() { rm -rf "$TMP/out"; "${PRE[@]}" ./bin/facegate fix --jobs "$JOBS" --detector "${DETECTOR:-blazeface}" ${FACEGATE_ARGS:-} -o "$TMP/out" "$@"; }
nv() { "${PRE[@]}" ./bin/naive "$@"; }
dj() { for f in "$@"; do "${PRE[@]}" djpeg -scale 1/2 "$f" >/dev/null; done; }

run() { # label
  local label=$1
  : >"$TMP/fg1"; : >"$TMP/fg3"; : >"$TMP/nv1"; : >"$TMP/nv3"; : >"$TMP/dj"
  local triple=() i
  for ((i = 0; i < PASSES; i++)); do triple+=("${FILES[@]}"); done
  for ((r = 0; r < ROUNDS; r++)); do
    t fg "${FILES[@]}" >>"$TMP/fg1"
    t nv "${FILES[@]}" >>"$TMP/nv1"
    t dj "${FILES[@]}" >>"$TMP/dj"
    t fg "${triple[@]}" >>"$TMP/fg3"
    t nv "${triple[@]}" >>"$TMP/nv3"
  done
  local fg1 fg3 nv1 nv3 dj fgset nvset
  fg1=$(median <"$TMP/fg1"); fg3=$(median <"$TMP/fg3")
  nv1=$(median <"$TMP/nv1"); nv3=$(median <"$TMP/nv3"); dj=$(median <"$TMP/dj")
  fgset=$(calc "($fg3 - $fg1) / ($PASSES - 1)"); nvset=$(calc "($nv3 - $nv1) / ($PASSES - 1)")
  printf '\n== %s (%d photos, medians of %d alternated runs, seconds)\n' "$label" "${#FILES[@]}" "$ROUNDS"
  printf '%-34s %8.3f\n' "facegate fix, one invocation" "$fg1" "naive, one invocation" "$nv1" \
    "djpeg -scale 1/2, each photo" "$dj" "facegate fix, per set (no startup)" "$fgset" "naive, per set" "$nvset"
  printf 'ratio naive / facegate:      %.2fx (one invocation), %.2fx (per set)\n' \
    "$(calc "$nv1 / $fg1")" "$(calc "$nvset / $fgset")"
  printf 'ratio facegate / djpeg 1/2:  %.2fx (one invocation), %.2fx (per set)\n' \
    "$(calc "$fg1 / $dj")" "$(calc "$fgset / $dj")"
  echo "$fgset" >"$TMP/set-$label"
}

PRE=(taskset -c 0); JOBS=1; run "one core"
PRE=(env); JOBS=$(nproc); run "all $(nproc) cores"
printf '\nthroughput, all cores / one core (per set): %.2fx\n' \
  "$(calc "$(cat "$TMP/set-one core") / $(cat "$TMP/set-all $(nproc) cores")")"

# Peak memory: a serial run over the photos, and a refused bomb.
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
test -f testdata/samples/generated/bomb.png || go run ./internal/cmd/gensamples
printf '\npeak RSS, facegate fix --jobs 1 over the photos: %s MB\n' \
  "$(( $(rss ./bin/facegate fix --jobs 1 --detector "${DETECTOR:-blazeface}" ${FACEGATE_ARGS:-} -o "$TMP/out" "${FILES[@]}") / 1024 ))"
printf 'peak RSS, naive over the photos:                %s MB\n' "$(( $(rss ./bin/naive "${FILES[@]}") / 1024 ))"
printf 'peak RSS, facegate check on the bomb sample:    %s MB\n' \
  "$(( $(rss ./bin/facegate check --detector "${DETECTOR:-blazeface}" testdata/samples/generated/bomb.png) / 1024 ))"
# The face-surface model: the same serial run with a profile that has no
# rule reading it (so the model is not loaded), and its cost per face.
./bin/facegate profile show progeny | python3 -c '
import json, sys
p = json.load(sys.stdin)
p["rules"] = [r for r in p["rules"] if r["code"] not in ("FACE_OCCLUDED", "EYES_NOT_VISIBLE", "EYE_GLARE") and r.get("key") != "human"]
json.dump(p, sys.stdout)' >"$TMP/no-surface.json"
printf 'peak RSS, the same without the face-surface rules: %s MB\n' \
  "$(( $(rss ./bin/facegate fix --jobs 1 --detector "${DETECTOR:-blazeface}" --profile-file "$TMP/no-surface.json" -o "$TMP/out" "${FILES[@]}") / 1024 ))"
printf 'face-surface model, one face, one core (BenchmarkSurface, medians of %d, ms):\n' "$ROUNDS"
taskset -c 0 go test -tags "$(grep -qw avx2 /proc/cpuinfo && echo facegate_avx2)" -run XXX -bench BenchmarkSurface -count "$ROUNDS" ./benchmarks |
  awk '/^BenchmarkSurface/ { n = $1; sub(/-[0-9]+$/, "", n); print n, $3 / 1e6 }' >"$TMP/surface"
for n in $(cut -d' ' -f1 "$TMP/surface" | sort -u); do
  printf '  %-56s %s\n' "$n" "$(grep "^$n " "$TMP/surface" | cut -d' ' -f2 | median)"
done
echo "detector ${DETECTOR:-blazeface}${FACEGATE_ARGS:+, $FACEGATE_ARGS}, commit $(git rev-parse --short HEAD), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
