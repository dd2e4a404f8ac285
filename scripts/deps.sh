#!/usr/bin/env bash
# Installs the Debian packages given as arguments when they are missing.
# dpkg is asked first, so a second run does nothing and is fast.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "${FACEGATE_NEED_GO:-1}" = 1 ] && ! command -v go >/dev/null 2>&1; then
  echo "Go 1.26 or newer is needed on PATH (https://go.dev/dl/)" >&2
  exit 1
fi
