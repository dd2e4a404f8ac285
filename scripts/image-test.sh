#!/usr/bin/env bash
# Builds the container image and runs it the way the manifests do: each
# manifest's exact args after the image's entrypoint, as the pods' user,
# with a read-only root file system, every capability dropped and the
# volumes the manifests mount (make image-test; not part of make test:
# the build alone takes minutes).
#
#   scripts/image-test.sh [WORK]     WORK defaults to /var/tmp/facegate-image-test
#
# With podman (installed when missing, with runc and debootstrap). When
# the registries of the official bases cannot be reached, it makes both
# bases itself: Debian bookworm by debootstrap from Debian's mirror, and
# the build base from it with this machine's Go toolchain copied in.
# Checks: --version names the commit; the service's args start a service
# whose /healthz and /readyz answer and whose /v1/check judges a photo;
# the bulk Job's args, index by index, check a mounted folder into the
# results volume, and the report Job's args build the report over them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/var/tmp/facegate-image-test}"
mkdir -p "$work"
"$root/scripts/deps.sh" podman runc debootstrap uidmap
# runc and cgroupfs: crun refuses the hybrid cgroups of some hosts; the
# ulimits stay under what the host lets a process without
# CAP_SYS_RESOURCE raise them to.
pm=(podman --runtime runc --cgroup-manager=cgroupfs)
lim=(--ulimit nproc=4096:4096 --ulimit nofile=4096:4096)
image=localhost/facegate:test
say() { printf '\n== %s\n' "$*"; }

# 1. The bases.
build_base=golang:1.26-bookworm run_base=debian:bookworm-slim
if ! timeout 60 "${pm[@]}" pull -q "docker.io/library/$run_base" >/dev/null 2>&1; then
	say "no registry: bases from debootstrap"
	run_base=localhost/facegate-debian:bookworm build_base=localhost/facegate-golang:bookworm
	if ! "${pm[@]}" image exists "$run_base"; then
		rm -rf "$work/rootfs"
		debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log"
		tar -C "$work/rootfs" -c . | "${pm[@]}" import --change 'CMD ["/bin/bash"]' - "$run_base" >/dev/null
	fi
	goroot="$(go env GOROOT)"
	# The host's own extra certificate authorities (a TLS-intercepting
	# egress, here) go into the build base only, for npm and the Go module
	# proxy; the runtime base stays Debian's as debootstrap made it.
	cas=(/usr/local/share/ca-certificates/*.crt)
	[ -e "${cas[0]}" ] || cas=()
	gov="$(go env GOVERSION)+$(cat "${cas[@]}" /dev/null | sha256sum | cut -c1-12)"
	if [ "$("${pm[@]}" image inspect --format '{{index .Labels "go"}}' "$build_base" 2>/dev/null)" != "$gov" ]; then
		rm -rf "$work/gobase" && mkdir -p "$work/gobase/ca"
		cp -a "$goroot" "$work/gobase/go"
		((${#cas[@]} == 0)) || cp "${cas[@]}" "$work/gobase/ca/"
		cat >"$work/gobase/Containerfile" <<-EOF
			FROM $run_base
			RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev make pkg-config git >/dev/null && rm -rf /var/lib/apt/lists/*
			COPY ca/ /usr/local/share/ca-certificates/
			RUN update-ca-certificates >/dev/null
			COPY go /usr/local/go
			ENV GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
			LABEL go=$gov
		EOF
		"${pm[@]}" build -q "${lim[@]}" --isolation chroot -t "$build_base" "$work/gobase" >/dev/null
	fi
fi

# 2. The image, from the repository's Dockerfile.
say "build $image (bases $build_base, $run_base)"
commit="$(git -C "$root" rev-parse HEAD)"
version="$(git -C "$root" describe --tags --always --dirty)"
start=$SECONDS
"${pm[@]}" build "${lim[@]}" --isolation chroot --build-arg "BUILD_IMAGE=$build_base" --build-arg "RUN_IMAGE=$run_base" \
	--build-arg "VERSION=$version" --build-arg "COMMIT=$commit" -t "$image" "$root" >"$work/build.log" 2>&1 ||
	{ tail -30 "$work/build.log"; exit 1; }
echo "built in $((SECONDS - start)) s, $("${pm[@]}" image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"

# A container as the manifests run it: their user, a read-only root,
# no capabilities, no privilege escalation, /tmp and the cache writable.
run() {
	"${pm[@]}" run "${lim[@]}" --user 10001 --read-only --cap-drop ALL --security-opt no-new-privileges \
		--tmpfs /tmp --tmpfs /var/cache/facegate "$@"
}
# What a manifest's container runs (its args, env and mounts), built once.
(cd "$root" && go build -o "$work/manifestargs" ./internal/cmd/manifestargs)
manifest() { "$work/manifestargs" "$@"; }

say "--version"
run --rm "$image" --version | tee "$work/version.txt"
grep -q "commit ${commit:0:12}" "$work/version.txt" || { echo "--version does not name commit ${commit:0:12}" >&2; exit 1; }

# 3. The service, with service.yaml's args and env.
say "service: deploy/kubernetes/service.yaml's args"
args=() envs=()
while IFS=$'\t' read -r kind a b _; do
	case $kind in
	arg) args+=("$a") ;;
	env) envs+=(-e "$a") ;;
	esac
done < <(manifest "$root/deploy/kubernetes/service.yaml" Deployment/facegate)
echo "facegate ${args[*]}"
"${pm[@]}" rm -f facegate-image-test >/dev/null 2>&1 || true
run -d --name facegate-image-test -p 127.0.0.1:18080:8080 "${envs[@]}" "$image" "${args[@]}" >/dev/null
trap '"${pm[@]}" rm -f facegate-image-test >/dev/null 2>&1 || true' EXIT
for _ in $(seq 60); do curl -fs http://127.0.0.1:18080/readyz >/dev/null 2>&1 && break; sleep 1; done
echo "GET /healthz: $(curl -fsS http://127.0.0.1:18080/healthz)"
echo "GET /readyz: $(curl -fsS http://127.0.0.1:18080/readyz)"
photo="$root/testdata/surface/tight_clear_312.jpg"
answer="$(curl -fsS --data-binary @"$photo" -H 'Content-Type: image/jpeg' http://127.0.0.1:18080/v1/check)"
echo "POST /v1/check $(basename "$photo"): $(echo "$answer" | head -c 160)..."
echo "$answer" | grep -q '"ok":' || { echo "no report from /v1/check" >&2; exit 1; }
"${pm[@]}" stop -t 80 facegate-image-test >/dev/null
echo "stopped: exit $("${pm[@]}" inspect --format '{{.State.ExitCode}}' facegate-image-test)"

# 4. The bulk Job's shards, then its report, over a mounted folder.
say "bulk: deploy/kubernetes/bulk-check.yaml's args"
rm -rf "$work/images" "$work/results" && mkdir -p "$work/images" "$work/results"
cp "$root"/testdata/surface/*.jpg "$root"/testdata/samples/astronaut.png "$work/images/"
chmod -R a+rX "$work/images" && chmod 0777 "$work/results"
mounts() { # the manifest's volumes, as folders of $work
	local out=()
	while IFS=$'\t' read -r kind name path mode; do
		[ "$kind" = mount ] || continue
		case $name in
		images) out+=(-v "$work/images:$path:ro") ;;
		results) out+=(-v "$work/results:$path:rw") ;;
		esac
	done < <(manifest "$@")
	printf '%s\n' "${out[@]}"
}
mapfile -t vols < <(mounts "$root/deploy/kubernetes/bulk-check.yaml" Job/facegate-check)
mapfile -t cargs < <(manifest "$root/deploy/kubernetes/bulk-check.yaml" Job/facegate-check | awk -F'\t' '$1=="arg"{print $2}')
n="$(printf '%s\n' "${cargs[@]}" | sed -n 's|^index:$(JOB_COMPLETION_INDEX)/||p')"
for ((i = 0; i < n; i++)); do
	shard=("${cargs[@]//\$(JOB_COMPLETION_INDEX)/$i}")
	run --rm "${vols[@]}" "$image" "${shard[@]}" >/dev/null 2>"$work/shard-$i.log" || { cat "$work/shard-$i.log"; exit 1; }
	echo "shard $i: exit 0, $(wc -l <"$work/results/shard-$i.jsonl") records"
done
mapfile -t vols < <(mounts "$root/deploy/kubernetes/bulk-check.yaml" Job/facegate-report)
mapfile -t rargs < <(manifest "$root/deploy/kubernetes/bulk-check.yaml" Job/facegate-report | awk -F'\t' '$1=="arg"{print $2}')
run --rm "${vols[@]}" "$image" "${rargs[@]}"
ls -l "$work/results/report.html"
say "ok"
