#!/usr/bin/env bash
# steps.sh: where a fix's time goes, step by step. Runs `facegate fix -v
# --jobs 1` on one core over compare.sh's six photos PASSES times (default
# 5) in one process and sums the pipeline's step timings (its debug log:
# step name=... ms=...) over every pass but the first (which loads the
# models), per set of six. verify's line holds the check steps it runs
# again on the output, which are also counted under their own names, so
# the table's "verify" row is shown apart and the steps' sum is without
# it. Needs ../shared/corpus (or FACEGATE_CORPUS).
#
#   benchmarks/steps.sh [PASSES]
set -euo pipefail
cd "$(dirname "$0")/.."
PASSES=${1:-5}
CORPUS=${FACEGATE_CORPUS:-../shared/corpus}
. benchmarks/photos.sh
FILES=()
for ((i = 0; i < PASSES; i++)); do
  for p in "${PHOTOS[@]}"; do FILES+=("$CORPUS/$p"); done
done
go build -tags "$(grep -qw avx2 /proc/cpuinfo && echo facegate_avx2)" -o bin/facegate ./cmd/facegate
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
taskset -c 0 ./bin/facegate fix -v --jobs 1 -o "$TMP/out" "${FILES[@]}" 2>"$TMP/log" >/dev/null || true
# The first pass's lines end at the sixth photo's last step (keep).
grep -o 'msg=step name=[a-z]* ms=[0-9.]*' "$TMP/log" | awk -v passes="$PASSES" '
  { split($2, a, "="); split($3, b, "="); name = a[2]; ms = b[2] }
  keeps >= 6 { t[name] += ms; if (name != "verify") sum += ms }
  name == "keep" { keeps++ }
  END {
    n = passes - 1
    printf "%-10s %10s %8s\n", "step", "ms/set", "share"
    for (k in t) if (k != "verify") printf "%-10s %10.1f %7.1f%%\n", k, t[k] / n, 100 * t[k] / sum | "sort -k2 -rn"
    close("sort -k2 -rn")
    printf "%-10s %10.1f\n", "all steps", sum / n
    printf "%-10s %10.1f  (its check steps, counted above)\n", "verify", t["verify"] / n
  }'
echo "(one core, $((PASSES - 1)) sets after the first, commit $(git rev-parse --short HEAD))"
