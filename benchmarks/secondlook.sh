#!/usr/bin/env bash
# secondlook.sh: what the second look (dlib's HOG after BlazeFace found no
# face) finds on phone photos. Pastes the held-out clear faces of
# chandrikadeb7/Face-Mask-Detection (every STEP-th from the OFFSET-th,
# defaults 3 and 0; SET=with_mask for its masked faces) into the
# corpus's three faceless phone photos at face widths of SIZES input
# pixels, checks each composite with BlazeFace alone and with the second
# look, and prints how many faces each found where they were pasted
# (internal/cmd/secondlookeval). About 10 minutes on one core.
#
#   benchmarks/secondlook.sh SNAPSHOTS
#   EVAL_ARGS=-v benchmarks/secondlook.sh SNAPSHOTS   # every composite on stderr
#
# SNAPSHOTS holds the git directory of
#   chandrikadeb7/Face-Mask-Detection  7e500749401bad4bb338790fbdb89b58e41ef2d9  (MIT)
# as chandrikadeb7+Face-Mask-Detection/repo (the search tool's fetch
# layout). Held out: the photos whose base name's SHA-256 is 0 mod 4, as
# in surface.sh. Needs ../shared/corpus (or FACEGATE_CORPUS).
set -euo pipefail
cd "$(dirname "$0")/.."
SNAP=${1:?usage: benchmarks/secondlook.sh SNAPSHOTS}
STEP=${STEP:-3}
OFFSET=${OFFSET:-0}
SET=${SET:-without_mask}
SIZES=${SIZES:-240,360,600,1000}
CORPUS=${FACEGATE_CORPUS:-../shared/corpus}
GIT="$SNAP/chandrikadeb7+Face-Mask-Detection/repo"
REV=7e500749401bad4bb338790fbdb89b58e41ef2d9
git --git-dir="$GIT" cat-file -e "$REV^{commit}" 2>/dev/null || { echo "missing $GIT at $REV" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/faces"
git -c core.quotePath=false --git-dir="$GIT" ls-tree -r --name-only "$REV" "dataset/$SET" | while IFS= read -r p; do
  b=$(basename "$p")
  # Held out: SHA-256 of the base name, as a number, 0 mod 4 (its last
  # hex digit is then 0, 4, 8 or c).
  case $(printf '%s' "$b" | sha256sum | cut -c64) in 0 | 4 | 8 | c) ;; *) continue ;; esac
  printf '%s\n' "$p"
done | awk -v step="$STEP" -v off="$OFFSET" 'NR % step == off % step' >"$TMP/list"
i=0
while IFS= read -r p; do
  i=$((i + 1))
  git --git-dir="$GIT" show "$REV:$p" >"$TMP/faces/$i-$(basename "$p" | tr -c 'A-Za-z0-9._\n-' _)"
done <"$TMP/list"
go build -tags "$(grep -qw avx2 /proc/cpuinfo && echo facegate_avx2)" -o "$TMP/eval" ./internal/cmd/secondlookeval
BG="$CORPUS/exif-samples/jpg/mobile/jolla.jpg,$CORPUS/exif-samples/jpg/mobile/HMD_Nokia_8.3_5G.jpg,$CORPUS/exif-samples/jpg/hdr/iphone_hdr_YES.jpg"
"$TMP/eval" ${EVAL_ARGS:-} -bg "$BG" -sizes "$SIZES" "$TMP"/faces/*
echo "(held-out $SET faces, every $STEP-th from $OFFSET: $(wc -l <"$TMP/list") photos; commit $(git rev-parse --short HEAD))"
