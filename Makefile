# Bottleneck — see README.md. `make demo` and `make test` are the quick start.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := pkg-config zlib1g-dev libpcre2-dev libsqlite3-dev
BIN := .build/release/bottleneck
# Only `make bench` needs these (reference programs); `make test` does not.
BENCH_APT_PACKAGES := gcc g++ libsimdjson-dev time
# Shared material (genlog.py, reference programs) beside the repository; override with SHARED=...
SHARED ?= $(abspath $(CURDIR)/../shared)
BENCH_DIR ?= /tmp/bottleneck-bench
# libFuzzer targets (Fuzz/, a separate package: the main build never compiles them). The fuzzer and
# ASan runtimes ship with the Swift toolchain's clang; the seed script needs python3.
FUZZ_APT_PACKAGES := python3
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
# `--sanitize=fuzzer` makes SwiftPM leave `main` to libFuzzer; `-sanitize=fuzzer,address` must be ONE
# flag (the driver keeps only the last `-sanitize=`, so two flags would silently drop coverage).
FUZZ_BUILD_FLAGS := -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address

.PHONY: deps test-deps bench-deps fuzz-deps demo build release test goldens bench bench-merge bench-history compare-check fuzz-build fuzz fuzz-ci clean

# Installs the Debian packages the build links against, when they are missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The reference programs' toolchain and libraries, for `make bench` only.
bench-deps:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(BENCH_APT_PACKAGES)"

# What the tests use beyond the build: DuckDB's Python module (docs/events.sql is loaded into it).
test-deps: deps
	@python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb

# The fuzz runner's needs (python3 for the seed corpus), on top of the build's.
fuzz-deps: deps
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(FUZZ_APT_PACKAGES)"

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	$(BIN) analyze --top 15 Fixtures/logs/hatchet-sample-mongod-6.0.11.log.gz

# The shipped rules prove their own examples first; then 20 s of fuzzing per target (FUZZ=0 skips
# it; crashes at the known sites of Fuzz/known-crashes.txt are reported, not gating); then every
# test (its summary line comes last).
FUZZ ?= 1
test: deps test-deps
	$(SWIFT) build
	.build/debug/bottleneck rules test
	@if [ "$(FUZZ)" != 0 ]; then $(MAKE) --no-print-directory fuzz-ci; fi
	BOTTLENECK_REQUIRE_DUCKDB=1 $(SWIFT) test 2>&1 | tee .build/test-output.txt; exit $${PIPESTATUS[0]}

# Re-records Fixtures/golden (JSON report and table of every fixture log; see GoldenTests.swift).
# Read the diff before committing it: every changed line is a change in what users see.
goldens: deps
	$(SWIFT) build --build-tests
	BOTTLENECK_RECORD_GOLDENS=1 $(SWIFT) test --skip-build --filter GoldenTests
	@echo; git diff --stat -- Fixtures/golden; git status --short --untracked-files=all -- Fixtures/golden | grep -v '^ M' || true
	@echo; echo "Read the diff before committing: git diff Fixtures/golden"

# Speed, memory and correctness against ../shared/bench (see scripts/bench.py for the knobs:
# BENCH_JSON_SIZE, BENCH_TEXT_SIZE, BENCH_EXPLODE_SHAPES, BENCH_RUNS, BENCH_ARGS, ...).
# Then, with BENCH_MERGE=1, the merge benchmark (issue 10; ~7 min on 2 shared vCPUs, so opt-in).
BENCH_MERGE ?= 0
bench: release bench-deps
	SHARED="$(SHARED)" BENCH_DIR="$(BENCH_DIR)" python3 scripts/bench.py
	@if [ "$(BENCH_MERGE)" != 0 ]; then $(MAKE) --no-print-directory bench-merge; fi

# 100 partial reports of 10,000 distinct shapes each (half shared with the next), made with
# `analyze --partial`, then one timed `bottleneck merge` (wall time, peak RSS, totals checked).
# BENCH_MERGE_ARGS="--logs 10 --shapes 1000" for a quick run; see scripts/bench-merge.py.
BENCH_MERGE_ARGS ?=
bench-merge: release bench-deps
	python3 scripts/bench-merge.py $(BIN) $(BENCH_DIR)/merge $(BENCH_MERGE_ARGS)

# 30 runs of a 50 MB log saved to one history store, then timed compares of random pairs (issue 11:
# each under 1 s); store size per run. See scripts/bench-history.py.
bench-history: release
	python3 scripts/bench-history.py $(BIN) $(BENCH_DIR)/history --shared "$(SHARED)"

# compare's verdicts on generated baseline/current pairs (../shared/bench/genlog.py): unchanged
# workloads report nothing, injected changes exactly themselves (docs/compare.md). About a minute.
compare-check: release
	python3 scripts/compare-check.py $(BIN) $(BENCH_DIR)/compare --shared "$(SHARED)"

# Builds every fuzz target (release, libFuzzer + AddressSanitizer) under Fuzz/.build.
fuzz-build: fuzz-deps
	cd Fuzz && $(SWIFT) build $(FUZZ_BUILD_FLAGS)

# Runs each target for FUZZ_SECONDS (FUZZ_TARGETS="logv2 kernel" picks some): exec/s and total
# executions per target; crash inputs land in Fixtures/fuzz-crashes/<target>/ and fail the run.
fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The CI run: 20 s per target.
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

clean:
	rm -rf .build Fuzz/.build
