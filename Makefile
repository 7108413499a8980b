# kubectl explain-nodes

SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
PKG := github.com/explain-nodes/kubectl-explain-nodes
LDFLAGS := -s -w -X $(PKG)/pkg/cmd.version=$(VERSION) -X $(PKG)/pkg/cmd.commit=$(COMMIT)

# The local clusters: one for `make demo` and `make cluster`, one for the e2e suite.
CLUSTER ?= explain-nodes
E2E_CLUSTER ?= explain-nodes-e2e
KUBE_BIN = $(shell source test/cluster/versions.sh && echo $$KUBE_BIN)

.PHONY: help build cross dist docs check-docs wordings check-wordings test unit lint check fuzz bench bench-core e2e test-kind demo readme check-readme cluster cluster-down tools clean

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

## help: this list of targets
help:
	@awk '/^## [a-z0-9-]+: /{sub(/^## /, ""); n = index($$0, ": "); printf "\n  %-14s %s", substr($$0, 1, n-1), substr($$0, n+2); next} \
	  /^## /{sub(/^## /, ""); printf " %s", $$0} END{print ""}' $(MAKEFILE_LIST) | sed 1d

## build: the plugin and its completion helper, into bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/kubectl-explain_nodes ./cmd/kubectl-explain_nodes
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/kubectl_complete-explain_nodes ./cmd/kubectl_complete-explain_nodes

## test: go vet, unit tests with -race, the e2e suite on a fresh cluster, and
## the check that the README shows what the demo prints
test: unit e2e check-readme

unit: check-docs cross lint
	@tmp=$$(mktemp) && test/bench/kwok-config.sh $$tmp && rm -f $$tmp
	$(GO) test -race -count=1 ./...
	$(MAKE) fuzz FUZZTIME=5s

## lint: gofmt, go vet and staticcheck (from the Go module proxy) over all code
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/e2e/...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags e2e ./test/e2e/...
	cd test/kind && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...

## check: the quick loop while editing: lint and the unit tests, no cross-compiling, no cluster
check: lint
	$(GO) test -count=1 ./...

## fuzz: run every fuzz target for FUZZTIME each (default 1m)
FUZZTIME ?= 1m
fuzz:
	$(GO) test ./pkg/render -run '^$$' -fuzz '^FuzzSanitize$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/diagnose -run '^$$' -fuzz '^FuzzExplainMessage$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/diagnose -run '^$$' -fuzz '^FuzzDiagnose$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/explain -run '^$$' -fuzz '^FuzzExplain$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/cluster -run '^$$' -fuzz '^FuzzDumpStream$$' -fuzztime $(FUZZTIME)

## e2e: the e2e suite against a freshly started cluster, torn down afterwards
e2e: build
	test/e2e/run.sh $(E2E_CLUSTER)

## test-kind: the kind suite on real kubelets: starts the project's own Docker engine,
## builds the node image (cached), creates a kind cluster, runs test/kind/suite,
## then deletes the cluster and stops the engine (needs root and Debian's dockerd)
test-kind:
	test/kind/run.sh

## bench: fill a fresh simulated cluster (BENCH_NODES nodes × BENCH_PODS_PER_NODE pods)
## and measure the plugin against kubectl; the table goes to BENCH_OUT
BENCH_NODES ?= 1000
BENCH_PODS_PER_NODE ?= 30
BENCH_REPS ?= 3
BENCH_OUT ?= bench-results.md
bench: build
	BENCH_OUT=$(BENCH_OUT) BENCH_NODES=$(BENCH_NODES) test/bench/run.sh --nodes $(BENCH_NODES) --pods-per-node $(BENCH_PODS_PER_NODE) --reps $(BENCH_REPS)

## bench-core: Go benchmarks of explain and diagnose on 5,000 nodes and 150,000 pods
bench-core:
	$(GO) test ./pkg/explain ./pkg/diagnose -run '^$$' -bench . -benchmem -count 5

## tools: build the pinned cluster components into the cache (once)
tools:
	test/cluster/build.sh

## cluster: start the local cluster (idempotent) and print its kubeconfig path
cluster:
	@test/cluster/up.sh $(CLUSTER)

## cluster-down: remove the local cluster
cluster-down:
	@test/cluster/down.sh $(CLUSTER)

## demo: build, start the demo cluster with a small scene, run the plugin through kubectl
demo: build
	test/demo/run.sh $(CLUSTER)

## readme: paste the demo's real output into README.md
readme: build
	test/demo/readme.sh $(CLUSTER)

## check-readme: fail if README.md's demo output differs from a fresh demo run
README_CLUSTER ?= explain-nodes-readme
check-readme: build
	test/demo/readme.sh --check $(README_CLUSTER)

## dist: release archives for every platform, sha256 sums and the krew manifest, in dist/
EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
dist:
	$(GO) run ./build/dist --version $(VERSION) --commit $(COMMIT) --epoch $(EPOCH) --out dist

## cross: the plugin and its helper compile for every release platform
cross:
	for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do \
	  GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/kubectl-explain_nodes && \
	  GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/kubectl_complete-explain_nodes || exit 1; \
	done

## wordings: fill pkg/diagnose/wordings.tsv's releases column from the scheduler source of every release (Go module proxy; cached)
wordings:
	$(GO) run ./build/schedreasons

## check-wordings: fail when wordings.tsv's releases column is not what the scheduler source of every release says
check-wordings:
	$(GO) run ./build/schedreasons -check

## docs: the command reference in docs/commands, generated from the commands, and the finding codes in docs/findings.md
docs:
	rm -rf docs/commands
	$(GO) run ./build/docs docs

## check-docs: fail when docs/ (commands, findings, output and its JSON Schemas) is not what the code generates
check-docs:
	@tmp=$$(mktemp -d) && $(GO) run ./build/docs $$tmp && diff -r docs/commands $$tmp/commands \
	  && diff docs/findings.md $$tmp/findings.md && diff docs/output.md $$tmp/output.md && diff -r docs/schema $$tmp/schema \
	  || { echo "docs/ is stale: run make docs" >&2; exit 1; }

clean:
	rm -rf bin dist
