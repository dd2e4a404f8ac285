#!/usr/bin/env bash
# fuzz.sh FUZZTIME TAGS PKG:Target...: runs each fuzz target for FUZZTIME.
#
# A real finding fails the run: go test writes the failing input under the
# package's testdata/fuzz/ and says so. Go 1.26's fuzz coordinator can also
# fail a target with a bare "context deadline exceeded" at the end of
# -fuzztime, with no input written (go.dev/issue/75804, fixed in Go 1.27):
# that target is run once more, and only a second such failure is
# reported as a warning instead of an error.
set -uo pipefail
fuzztime=$1 tags=$2
shift 2
run() { # pkg target
  ${GO:-go} test -tags "$tags" -run '^$' -fuzz "^$2\$" -fuzztime "$fuzztime" "$1" 2>&1
}
# deadline_only OUTPUT: the coordinator race, not a finding.
deadline_only() {
  grep -qx '    context deadline exceeded' <<<"$1" &&
    ! grep -q -e 'Failing input written' -e 'panic:' -e '--- FAIL: Fuzz[A-Za-z0-9_]*/' <<<"$1"
}
for t in "$@"; do
  pkg=${t%%:*} target=${t##*:}
  echo "fuzz $pkg:$target for $fuzztime"
  out=$(run "$pkg" "$target") && continue
  if deadline_only "$out"; then
    echo "  $target: context deadline exceeded at the end with no input written (go.dev/issue/75804); once more"
    out=$(run "$pkg" "$target") && continue
    if deadline_only "$out"; then
      echo "  warning: $target hit the same coordinator race twice; no failing input was found"
      continue
    fi
  fi
  echo "$out"
  exit 1
done
