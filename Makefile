# ratescope — see README.md. Two commands matter on a fresh machine:
#   make demo   load a generated sample into a local ClickHouse and report on it
#   make test   the whole suite against a real ClickHouse
GO      ?= go
BIN     := bin
PKGS    := ./...
GOFLAGS ?=

.PHONY: all build test test-cluster demo bench bench-all lint fuzz clean dashboards oracle

all: build

# --version prints these; without them the binaries fall back to what the
# Go toolchain recorded (the VCS revision of a build inside the repository).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/ratescope/ratescope/internal/cli.version=$(VERSION) -X github.com/ratescope/ratescope/internal/cli.commit=$(COMMIT)

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ingest ./cmd/ingest
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/report ./cmd/report
	$(GO) build -o $(BIN)/loggen ./cmd/loggen

# Integration tests need ClickHouse: scripts/with-clickhouse.sh reuses one on
# 127.0.0.1:9000 or starts a throw-away server (apt-get installs it if needed).
# The read-SQL conformance suite (internal/chconform) also needs chDB, a
# current ClickHouse as a library: scripts/chdb-fetch.sh fetches and
# verifies it once into .cache/chdb, and the suite is built with -tags chdb.
# `make test CHDB=off` leaves the suite out.
CHDB ?= on
test: build oracle
ifeq ($(CHDB),off)
	scripts/with-clickhouse.sh $(GO) test -tags oracle -count=1 -timeout 15m $(PKGS)
else
	lib=$$(scripts/chdb-fetch.sh) && \
	CHDB_LIB_PATH=$$lib scripts/with-clickhouse.sh $(GO) test -tags chdb,oracle -count=1 -timeout 15m $(PKGS)
endif

# The accesslog parser as of d0caf1e, from the history, for the
# differential tests (build tag oracle; scripts/accesslog-oracle.sh).
oracle:
	scripts/accesslog-oracle.sh

# The cluster tests (e2e/cluster, build tag cluster): a throw-away
# ZooKeeper and four ClickHouse 18.16 servers (2 shards x 2 replicas) on free
# loopback ports, beside the single node on 127.0.0.1:9000 (reused or
# started as for make test); see docs/cluster.md.
test-cluster: build
	scripts/clickhouse-cluster.sh install
	scripts/clickhouse-cluster.sh with scripts/with-clickhouse.sh \
	  $(GO) test -tags cluster -count=1 -timeout 20m -v ./e2e/cluster/

demo: build
	scripts/demo.sh

# Grafana dashboards as code (dashboards/): writes the classic dashboard
# JSON that deploy/grafana provisions and users import. Commit the result;
# a test fails with "run make dashboards" when it is stale.
dashboards:
	$(GO) run ./dashboards -out deploy/grafana/dashboards

# make bench prints two tables. The ingest table (scripts/bench.sh, issue
# 12): ratescope's load beside clickhouse-client's JSONEachRow load,
# GoAccess and lnav, the daemon, parse speed per format and GOMAXPROCS
# scaling, written as JSON to bench/results.json; BENCH_LINES sizes it
# (400000). The report table: RATESCOPE_BENCH_REQUESTS sizes the report
# benchmarks (10000000: the issue-10 scale); it puts each question computed
# from the rows beside the same answer read from the rollups and findings.
# `make bench-all` runs every Go benchmark of the repository, 5 times.
bench:
	scripts/with-clickhouse.sh scripts/bench.sh
	scripts/with-clickhouse.sh $(GO) test -run '^$$' -bench '^BenchmarkKept$$' -benchmem -count 3 -timeout 30m ./internal/analysis/ | tee bench.txt
	scripts/bench-table.sh bench.txt

bench-all:
	scripts/with-clickhouse.sh $(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m $(PKGS) | tee bench.txt
	scripts/bench-table.sh bench.txt

lint: oracle
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) vet -tags chdb ./internal/chconform/
	$(GO) vet -tags oracle ./internal/accesslog/
	$(GO) vet -tags cluster ./e2e/cluster/
	$(GO) tool staticcheck $(PKGS)
	$(GO) tool staticcheck -tags chdb ./internal/chconform/
	$(GO) tool staticcheck -tags oracle ./internal/accesslog/
	$(GO) tool staticcheck -tags cluster ./e2e/cluster/

# Short fuzzing pass over every parser (the corpora live in testdata/fuzz).
FUZZTIME ?= 15s
fuzz: oracle
	@for pkg in $$($(GO) list ./internal/...); do \
	  for f in $$($(GO) test -tags oracle -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -tags oracle -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# .cache/chdb (the chDB library, 566 MB) is kept: rm -rf .cache fetches it again.
clean:
	rm -rf $(BIN) .clickhouse .demo bench.txt bench
