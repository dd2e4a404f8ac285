#!/usr/bin/env bash
# The filter evaluation (issue 31): how well FILTERED's measures
# (quality.Retouch) tell real face photos from the same photos after
# filters applied by internal/cmd/filtereval (skin smoothing under a skin
# mask, a bilateral "beautify", a saturation boost, a contrast boost).
# Prints the held-out rates with their counts and the AUC; the false flags
# go to stderr.
#
#   benchmarks/filters.sh SNAPSHOTS [WORK]
#
# SNAPSHOTS holds the git directory of (the search tool's fetch layout):
#   serengil/deepface  243209fd7b46ecdecf72665cc25219f6e8181f25  (MIT; the
#       photos are press photos of public figures, used here to measure only)
#       tests/unit/dataset/*.jpg
# and the corpus's faces-* folders are read from ../shared/corpus (or
# FACEGATE_CORPUS). Photos split by the SHA-256 of their base name: an even
# last hex digit tunes the thresholds, an odd one is held out.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
snap="${1:?usage: benchmarks/filters.sh SNAPSHOTS [WORK]}"
work="${2:-$(mktemp -d)}"
corpus="$(realpath "${FACEGATE_CORPUS:-$root/../shared/corpus}")"
gd="$snap/serengil+deepface/repo"
commit=243209fd7b46ecdecf72665cc25219f6e8181f25
if [ ! -d "$work/deepface" ]; then
	[ "$(git --git-dir="$gd" rev-parse HEAD)" = "$commit" ] || { echo "serengil/deepface: the snapshot is not at $commit" >&2; exit 1; }
	mkdir -p "$work/deepface"
	git --git-dir="$gd" ls-tree -r --name-only "$commit" tests/unit/dataset | grep -iE '\.(jpe?g|png)$' | while read -r p; do
		git --git-dir="$gd" cat-file blob "$commit:$p" >"$work/deepface/$(basename "$p")"
	done
fi
cd "$root"
go run ./internal/cmd/filtereval "$corpus"/faces-* "$work/deepface"
