#!/usr/bin/env bash
# Installs the Debian packages of the named lists (scripts/packages/NAME.txt:
# build, test, runtime) that are missing. make and the Dockerfile both call it,
# so the container is built with exactly the steps CI runs.
#
#   scripts/install.sh build test     # make deps
#   scripts/install.sh runtime        # the container's runtime stage (no Go needed)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkgs=()
need_go=0
for list in "$@"; do
  f="$here/packages/$list.txt"
  [ -f "$f" ] || { echo "install.sh: no package list $f" >&2; exit 2; }
  [ "$list" = runtime ] || need_go=1
  # shellcheck disable=SC2207
  pkgs+=($(sed 's/#.*//' "$f"))
done
FACEGATE_NEED_GO=$need_go "$here/deps.sh" "${pkgs[@]}"
