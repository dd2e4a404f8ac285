# facegate as a container: `facegate serve` on port 8080.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t facegate .  # portable (no AVX2)
#   docker build --build-arg AVX2=yes -t facegate .  # for CPUs with AVX2 only
#   docker run -p 8080:8080 -v facegate-cache:/var/cache/facegate facegate
#   docker run -v "$PWD/photos:/images:ro" facegate check /images   # any subcommand
#
# Every install step runs a script of the repository, the same one make runs
# (scripts/install.sh with the lists in scripts/packages/, scripts/fetch.sh,
# scripts/build.sh), so CI runs exactly these steps; TestDockerfile checks
# that this file and the scripts agree.

# The two bases, overridable: scripts/image-test.sh builds both itself
# with debootstrap when no registry is reachable.
ARG BUILD_IMAGE=golang:1.26-bookworm
ARG RUN_IMAGE=debian:bookworm-slim

# Build stage: Debian bookworm with the Go toolchain and the -dev packages.
FROM ${BUILD_IMAGE} AS build
ARG AVX2=no
WORKDIR /src
COPY scripts/ scripts/
RUN scripts/install.sh build
COPY . .
RUN scripts/fetch.sh /out/third_party
# The context has no .git: --version's version and commit come in as
# arguments (scripts/image-test.sh passes git's).
ARG VERSION=unknown
ARG COMMIT=unknown
RUN FACEGATE_AVX2=$AVX2 FACEGATE_VERSION=$VERSION FACEGATE_COMMIT=$COMMIT scripts/build.sh /out/bin/facegate

# Runtime stage: the runtime libraries only, the detector and ONNX Runtime
# beside the binary (/opt/facegate/third_party), the landmark model from
# libdlib-data, a non-root user, the model cache in a volume.
FROM ${RUN_IMAGE}
COPY scripts/ /tmp/scripts/
RUN /tmp/scripts/install.sh runtime && rm -rf /tmp/scripts /var/lib/apt/lists/*
COPY --from=build /out/bin/facegate /opt/facegate/bin/facegate
COPY --from=build /out/third_party/ /opt/facegate/third_party/
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin facegate \
 && mkdir -p /var/cache/facegate && chown facegate /var/cache/facegate
# glibc.malloc.hugetlb=1: malloc asks for transparent huge pages for its
# large blocks (ONNX Runtime's tensors), when the host's THP mode is
# madvise or always: a third to a half fewer page faults, 1-5 % faster,
# the same peak memory (benchmarks/README.md).
ENV PATH=/opt/facegate/bin:$PATH \
    FACEGATE_CACHE=/var/cache/facegate \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1
VOLUME /var/cache/facegate
USER facegate
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["facegate", "health", "--addr", "127.0.0.1:8080"]
# The manifests give only args (serve ..., check ...): they run after this.
ENTRYPOINT ["facegate"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
