#!/usr/bin/env bash
# The re-capture evaluation (issue 31): RECAPTURED's live score on live
# face photos and on photos of prints and screens, through the pipeline
# (internal/cmd/recaptureeval). Prints the rates with their counts, tune
# and held-out halves; the held-out false flags and misses go to stderr.
#
#   benchmarks/recapture.sh SNAPSHOTS [WORK]
#
# SNAPSHOTS holds the git directories (the search tool's fetch layout) of:
#   serengil/deepface 243209fd7b46ecdecf72665cc25219f6e8181f25 (MIT):
#       tests/unit/dataset, press photos of public figures (live)
#   vietmoney/face-anti-spoofing 82b8ce816d1fa40013001a08932a283976d92250
#       (Apache-2.0): data/test, three phone photos of a print or a screen
#       held up to the camera and three live ones
#   minivision-ai/Silent-Face-Anti-Spoofing
#       b6d5f04ad78778917853b25c778acef6d5626d15 (Apache-2.0): images/sample,
#       two re-captures and one live photo (the model's own samples)
#   nvlong21/face_anti_spoofing 9f6ff867015d68987c05ad211a305f447bd6b843
#       (Apache-2.0 as published; the frames are the NUAA Photograph
#       Imposter Database's, a research database): every 40th of its face
#       crops, webcam frames of people (ClientFace) and of their printed
#       photos (ImposterFace). They are cropped to the face, so the model
#       sees less context than it was trained with: reported apart.
# The corpus's faces-* folders are read from ../shared/corpus (or
# FACEGATE_CORPUS).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
snap="${1:?usage: benchmarks/recapture.sh SNAPSHOTS [WORK]}"
work="${2:-$(mktemp -d)}"
corpus="$(realpath "${FACEGATE_CORPUS:-$root/../shared/corpus}")"

gitdir() { if [ -d "$snap/$1/repo/.git" ]; then echo "$snap/$1/repo/.git"; else echo "$snap/$1/repo"; fi; }
# extract REPO COMMIT DEST FILTER [EVERY]: the blobs under the commit whose
# paths match FILTER (grep -E), every EVERY-th of them in the tree's order
# (default all), into DEST, named by their paths with / as _.
extract() {
	local gd commit="$2" dest="$work/$3" filter="$4" every="${5:-1}" name
	gd="$(gitdir "$1")"
	[ -d "$dest" ] && return
	[ "$(git --git-dir="$gd" rev-parse HEAD)" = "$commit" ] || { echo "$1: the snapshot is not at $commit" >&2; exit 1; }
	mkdir -p "$dest.tmp"
	git --git-dir="$gd" ls-tree -r --name-only "$commit" | grep -E "$filter" | awk -v n="$every" 'NR % n == 0' | while read -r p; do
		name="$(echo "$p" | tr / _)"
		git --git-dir="$gd" cat-file blob "$commit:$p" >"$dest.tmp/$name"
	done
	mv "$dest.tmp" "$dest"
}
extract serengil+deepface 243209fd7b46ecdecf72665cc25219f6e8181f25 deepface '^tests/unit/dataset/.*\.(jpe?g|png)$'
extract vietmoney+face-anti-spoofing 82b8ce816d1fa40013001a08932a283976d92250 vm-live '^data/test/true_'
extract vietmoney+face-anti-spoofing 82b8ce816d1fa40013001a08932a283976d92250 vm-recaptured '^data/test/fake_'
extract minivision-ai+Silent-Face-Anti-Spoofing b6d5f04ad78778917853b25c778acef6d5626d15 sf-live '^images/sample/image_T[0-9]+\.jpg$'
extract minivision-ai+Silent-Face-Anti-Spoofing b6d5f04ad78778917853b25c778acef6d5626d15 sf-recaptured '^images/sample/image_F[0-9]+\.jpg$'
# Every 40th crop of each kind.
extract nvlong21+face_anti_spoofing 9f6ff867015d68987c05ad211a305f447bd6b843 nuaa-live '^data/ClientFace/' 40
extract nvlong21+face_anti_spoofing 9f6ff867015d68987c05ad211a305f447bd6b843 nuaa-recaptured '^data/ImposterFace/' 40

cd "$root"
faces=$(ls -d "$corpus"/faces-* | paste -sd, -)
go run ./internal/cmd/recaptureeval \
	"live:corpus faces=$faces" "live:deepface=$work/deepface" \
	"live:phone, live (vietmoney, Silent-Face)=$work/vm-live,$work/sf-live" \
	"recaptured:phone, print or screen (vietmoney, Silent-Face)=$work/vm-recaptured,$work/sf-recaptured" \
	"live:NUAA webcam crops, live=$work/nuaa-live" \
	"recaptured:NUAA webcam crops, prints=$work/nuaa-recaptured"
