#!/usr/bin/env bash
# Builds the facegate binary, as make build and the container's build stage
# do. FACEGATE_AVX2: auto (default: when this CPU has AVX2; such a binary
# must not be copied to a CPU without it), yes, or no (portable; the
# container's default).
#
#   scripts/build.sh [OUT]        OUT defaults to bin/facegate
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bin/facegate}"
tags=""
case "${FACEGATE_AVX2:-auto}" in
  yes) tags=facegate_avx2 ;;
  no) ;;
  auto) grep -qw avx2 /proc/cpuinfo 2>/dev/null && tags=facegate_avx2 ;;
  *) echo "build.sh: FACEGATE_AVX2 must be auto, yes or no" >&2; exit 2 ;;
esac
# The version and commit --version prints: from git when this is a
# checkout, else from FACEGATE_VERSION and FACEGATE_COMMIT (the container's
# build arguments: its context has no .git).
vcs=auto
version="${FACEGATE_VERSION:-}" commit="${FACEGATE_COMMIT:-}"
if git rev-parse --git-dir >/dev/null 2>&1; then
  version="${version:-$(git describe --tags --always --dirty 2>/dev/null || true)}"
  commit="${commit:-$(git rev-parse HEAD)}"
else
  vcs=false
fi
case "$version$commit" in *[!A-Za-z0-9._+-]*)
  echo "build.sh: FACEGATE_VERSION and FACEGATE_COMMIT take letters, digits and . _ + - only" >&2; exit 2 ;;
esac
"${GO:-go}" build -buildvcs=$vcs -tags "$tags" \
  -ldflags "-X main.stampVersion=$version -X main.stampCommit=$commit" -o "$out" ./cmd/facegate
