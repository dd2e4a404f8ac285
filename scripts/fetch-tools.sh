#!/usr/bin/env bash
# Fetches the tools make test uses that no Debian package ships into
# third_party/tools/ (git-ignored), each from its npm package, checked by
# SHA-256; a tool already in place at its version is not fetched again.
#   @redocly/cli 2.77.0 (MIT): the OpenAPI linter TestOpenAPILint runs on
#   server/openapi.json (one self-contained package; it runs on Node.js).
#
#   scripts/fetch-tools.sh [DEST]   DEST defaults to third_party/tools
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/third_party/tools}"

# name  package@version  package sha256
TOOLS=(
  "redocly @redocly/cli@2.77.0 407a02e97db09453466dad4862078ffd9645bfca41f312612b599a5269602bad"
)

for line in "${TOOLS[@]}"; do
  read -r name pkg psum <<<"$line"
  [ "$(cat "$dest/$name/.package-sha256" 2>/dev/null)" = "$psum" ] && continue
  command -v npm >/dev/null 2>&1 || "$root/scripts/deps.sh" npm
  tmp="$(mktemp -d)"
  echo "fetching $pkg (npm pack)" >&2
  tgz="$(cd "$tmp" && npm pack --loglevel=error "$pkg" 2>"$tmp/npm.err" | tail -1)" || true
  if [ -z "$tgz" ] || [ ! -f "$tmp/$tgz" ]; then
    echo "npm pack $pkg failed; npm said:" >&2
    sed 's/^/  /' "$tmp/npm.err" >&2
    echo "(is the npm registry reachable? npm config get registry: $(npm config get registry 2>/dev/null))" >&2
    rm -rf "$tmp"
    exit 1
  fi
  got="$(sha256sum "$tmp/$tgz" | cut -d' ' -f1)"
  if [ "$got" != "$psum" ]; then
    echo "$pkg: package SHA-256 is $got, want $psum; not used" >&2
    rm -rf "$tmp"
    exit 1
  fi
  rm -rf "$dest/$name.part" && mkdir -p "$dest/$name.part"
  tar -xzf "$tmp/$tgz" -C "$dest/$name.part"
  echo "$psum" >"$dest/$name.part/.package-sha256"
  rm -rf "$dest/$name" && mv "$dest/$name.part" "$dest/$name"
  rm -rf "$tmp"
done
