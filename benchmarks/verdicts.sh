#!/usr/bin/env bash
# verdicts.sh: shows that a change leaves facegate's verdicts as they were.
# Builds REV (default HEAD) in a temporary worktree beside the working
# tree, runs check and fix --json over the whole corpus with both
# detectors in each, and compares every record and every fixed file byte
# for byte (internal/cmd/cmprecords). Exit 1 when anything differs. With
# VERDICTS=1, for a change that is meant to move the measures a little,
# only the verdicts (ok and the issue codes) must agree, and the measures
# that changed are summed up.
#
#   benchmarks/verdicts.sh [REV]
#   VERDICTS=1 benchmarks/verdicts.sh [REV]
#
# Needs ../shared/corpus (or FACEGATE_CORPUS) and make's third_party/.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:-HEAD}
CORPUS=$(realpath "${FACEGATE_CORPUS:-../shared/corpus}")
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS (set FACEGATE_CORPUS)" >&2; exit 2; }
[ -d third_party ] || { echo "run make first (third_party/ is missing)" >&2; exit 2; }
TAGS=$(grep -qw avx2 /proc/cpuinfo && echo facegate_avx2 || true)
TMP=$(mktemp -d)
cleanup() { git worktree remove --force "$TMP/old" >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup EXIT
git worktree add --detach -q "$TMP/old" "$REV"
ln -s "$PWD/third_party" "$TMP/old/third_party"
(cd "$TMP/old" && go build -tags "$TAGS" -o "$TMP/old/bin/facegate" ./cmd/facegate)
go build -tags "$TAGS" -o "$TMP/new/bin/facegate" ./cmd/facegate
ln -s "$PWD/third_party" "$TMP/new/third_party"
go build -o "$TMP/cmprecords" ./internal/cmd/cmprecords
rc=0
for det in blazeface hog; do
  for cmd in check fix; do
    for side in old new; do
      args=("$cmd" --json -j 2 --detector "$det")
      [ "$cmd" = fix ] && args+=(-o "$TMP/$side-$det-out")
      (cd "$TMP/$side" && FACEGATE_CORPUS=$CORPUS bin/facegate "${args[@]}" "$CORPUS" >"$TMP/$side-$det-$cmd.jsonl" 2>"$TMP/$side-$det-$cmd.err") || [ $? -eq 1 ] ||
        { echo "$side $cmd --detector $det failed:" >&2; cat "$TMP/$side-$det-$cmd.err" >&2; exit 2; }
    done
    printf '%-6s --detector %-10s ' "$cmd" "$det"
    "$TMP/cmprecords" ${VERDICTS:+-verdicts} "$TMP/old-$det-$cmd.jsonl" "$TMP/new-$det-$cmd.jsonl" || rc=1
  done
done
exit $rc
