#!/usr/bin/env bash
# The face-surface evaluation (what covers a face, whether it is a
# person's): rebuilds the held-out photo set from snapshots of public
# repositories, checks every photo with facegate, and prints the rates with
# their counts (internal/cmd/surfaceeval).
#
#   benchmarks/surface.sh SNAPSHOTS [WORK]
#   FACEGATE_ARGS=--second-look=false benchmarks/surface.sh SNAPSHOTS [WORK]
#
# FACEGATE_ARGS are more flags for facegate fix (word-split), to measure a
# lever against the default. A second run into the same WORK reuses its
# extracted photos and overwrites its records (WORK/*.jsonl).
# SNAPSHOTS is a folder holding the git directories of these repositories
# (as owner+name/repo, the layout of the search tool's fetch), at these
# commits:
#   chandrikadeb7/Face-Mask-Detection  7e500749401bad4bb338790fbdb89b58e41ef2d9  (MIT)
#       dataset/with_mask (masked faces), dataset/without_mask (clear faces)
#   shreyas0906/Selfies-with-sunglasses 4bad939781b2cb5527c7c5a1f6f1d2cd54c38fda (no licence stated)
#       selfies-sunglasses/ (selfies behind sunglasses)
#   beyondcodesandalgos/Image_Classifier 07c8490a39d51bf13346f674fe98a6c8068e1825 (no licence stated)
#       data_set/cats, data_set/dogs (animal photos), scaled 2x
# Only the held-out part is used: the photos whose base name's SHA-256 is
# 0 mod 4, which the face-surface model never saw in training
# (models/facesurface/README.md). Animal photos that also show a person
# are listed in benchmarks/surface-people.txt and left out of the animal
# rate (a person's face there is rightly a face).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
snap="${1:?usage: benchmarks/surface.sh SNAPSHOTS [WORK]}"
work="${2:-$(mktemp -d)}"
bin="$root/bin/facegate"
[ -x "$bin" ] || GO="${GO:-go}" "$root/scripts/build.sh" "$bin"

held() { # name: held out when sha256(name) is 0 mod 4 (its last hex digit)
	local h
	h="$(printf %s "$1" | sha256sum | cut -c64)"
	case "$h" in 0 | 4 | 8 | c) return 0 ;; esac
	return 1
}

extract() { # repo commit prefix dest
	local gd="$snap/${1/\//+}/repo" commit="$2" prefix="$3" dest="$4"
	if [ "$(git --git-dir="$gd" rev-parse HEAD)" != "$commit" ]; then
		echo "$1: the snapshot is not at $commit" >&2
		exit 1
	fi
	mkdir -p "$dest"
	git --git-dir="$gd" ls-tree -r -z "$commit" "$prefix" | while IFS= read -r -d '' line; do
		local meta="${line%%$'\t'*}" path="${line#*$'\t'}" sha name
		sha="$(echo "$meta" | awk '{print $3}')"
		name="$(basename "$path")"
		case "${name,,}" in *.jpg | *.jpeg | *.png) ;; *) continue ;; esac
		held "$name" || continue
		# a blob the snapshot lacks (over 4 MiB) is skipped
		git --git-dir="$gd" cat-file blob "$sha" >"$dest/$name" 2>/dev/null || rm -f "$dest/$name"
	done
}

if [ ! -d "$work/mask" ]; then
	extract chandrikadeb7/Face-Mask-Detection 7e500749401bad4bb338790fbdb89b58e41ef2d9 dataset/with_mask "$work/mask"
	extract chandrikadeb7/Face-Mask-Detection 7e500749401bad4bb338790fbdb89b58e41ef2d9 dataset/without_mask "$work/clear"
	extract shreyas0906/Selfies-with-sunglasses 4bad939781b2cb5527c7c5a1f6f1d2cd54c38fda selfies-sunglasses "$work/sunglasses"
	extract beyondcodesandalgos/Image_Classifier 07c8490a39d51bf13346f674fe98a6c8068e1825 data_set/cats "$work/animal1x/cats"
	extract beyondcodesandalgos/Image_Classifier 07c8490a39d51bf13346f674fe98a6c8068e1825 data_set/dogs "$work/animal1x/dogs"
	for d in cats dogs; do
		(cd "$root" && go run ./internal/cmd/surfaceeval -scale 2 "$work/animal1x/$d" "$work/animal/$d")
	done
fi
for c in mask clear sunglasses animal; do
	echo "checking $c ($(find "$work/$c" -type f | wc -l) photos)" >&2
	# fix: a photo read turned is judged as fix turns it upright
	# shellcheck disable=SC2086 # FACEGATE_ARGS are flags, split on purpose
	"$bin" fix --json ${FACEGATE_ARGS:-} -o "$work/fixed/$c" "$work/$c" >"$work/$c.jsonl" 2>/dev/null || true
done
cd "$root"
go run ./internal/cmd/surfaceeval -people benchmarks/surface-people.txt -covered benchmarks/surface-covered.txt \
	mask="$work/mask.jsonl" sunglasses="$work/sunglasses.jsonl" clear="$work/clear.jsonl" animal="$work/animal.jsonl" 2>"$work/failures.txt"
echo "(misses and false flags: $work/failures.txt)" >&2
