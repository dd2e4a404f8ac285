#!/usr/bin/env bash
# Trains facegate's face-surface heads again and exports face_surface.onnx.
#
#   models/facesurface/train/build.sh SNAPSHOTS BACKBONE.onnx [WORK]
#
# SNAPSHOTS holds the git directories of the repositories README.md lists
# (owner+name/repo, at the commits it names); BACKBONE.onnx is MediaPipe's
# face landmark model as keijiro/FaceLandmarkBarracuda ships it (SHA-256
# checked). Needs bin/facegate (make build) and Debian's python3-torch,
# python3-onnx and python3-pil (installed when missing). On 2 cores it
# takes about 30 minutes; the result differs from the committed model in
# its last bits (data-loader randomness), not in its rates.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
here="$root/models/facesurface/train"
snap="${1:?usage: build.sh SNAPSHOTS BACKBONE.onnx [WORK]}"
backbone="${2:?usage: build.sh SNAPSHOTS BACKBONE.onnx [WORK]}"
work="${3:-$(mktemp -d)}"
want=ed487104519b0a88cb2cb2ec3678e183f447fb9dd63560998e960ffbaa8fb335
[ "$(sha256sum "$backbone" | cut -d' ' -f1)" = "$want" ] || { echo "$backbone: not the backbone README.md names" >&2; exit 1; }
"$root/scripts/deps.sh" python3-torch python3-onnx python3-pil
py=/usr/bin/python3 # Debian's, which has torch
bin="$root/bin/facegate"
[ -x "$bin" ] || (cd "$root" && make build)

photos() { # repo commit prefix dest: every photo under prefix (both parts; train.py splits)
	local gd="$snap/${1/\//+}/repo"
	[ "$(git --git-dir="$gd" rev-parse HEAD)" = "$2" ] || { echo "$1: not at $2" >&2; exit 1; }
	mkdir -p "$4"
	git --git-dir="$gd" ls-tree -r -z "$2" "$3" | while IFS= read -r -d '' line; do
		local path="${line#*$'\t'}" sha
		sha="$(echo "${line%%$'\t'*}" | awk '{print $3}')"
		git --git-dir="$gd" cat-file blob "$sha" >"$4/$(basename "$path")" 2>/dev/null || rm -f "$4/$(basename "$path")"
	done
}
cd "$work"
if [ ! -d photos ]; then
	photos chandrikadeb7/Face-Mask-Detection 7e500749401bad4bb338790fbdb89b58e41ef2d9 dataset/with_mask photos/mask
	photos chandrikadeb7/Face-Mask-Detection 7e500749401bad4bb338790fbdb89b58e41ef2d9 dataset/without_mask photos/nomask
	photos shreyas0906/Selfies-with-sunglasses 4bad939781b2cb5527c7c5a1f6f1d2cd54c38fda selfies-sunglasses photos/sun
	for d in cats dogs; do
		photos beyondcodesandalgos/Image_Classifier 07c8490a39d51bf13346f674fe98a6c8068e1825 data_set/$d photos/pets1x/$d
		for k in 2 3; do (cd "$root" && go run ./internal/cmd/surfaceeval -scale $k "$work/photos/pets1x/$d" "$work/photos/pets${k}x/$d"); done
	done
fi
mkdir -p json crops
for s in mask nomask sun; do
	"$bin" check --json --landmarks photos/$s >json/$s.jsonl 2>/dev/null || true
done
"$bin" check --json --landmarks "${FACEGATE_CORPUS:-$root/../shared/corpus}" >json/corpus.jsonl 2>/dev/null || true
for k in 1 2 3; do
	for d in cats dogs; do "$bin" check --json --landmarks --all-faces photos/pets${k}x/$d >json/$d${k}x.jsonl 2>/dev/null || true; done
done
for s in mask nomask sun corpus; do "$py" "$here/prep.py" $s json/$s.jsonl; done
"$py" "$here/prep.py" pets json/cats?x.jsonl json/dogs?x.jsonl
cp "$backbone" face_landmark.onnx
"$py" "$here/train.py" 16
"$py" "$here/evaluate.py" surface.pt
"$py" "$here/export.py" surface.pt face_surface.onnx
sha256sum face_surface.onnx
echo "copy $work/face_surface.onnx to models/facesurface/ and its SHA-256 to models/surface.go" >&2
