# pbcheck — build, test and run. Every install step lives here, so a fresh
# Debian machine needs nothing but `make run` / `make test`.
SWIFT ?= swift
RELEASE_BIN = .build/release/pbcheck
DEBUG_BIN = .build/debug/pbcheck

.PHONY: all build release run test deps test-deps cli-test report-test explore-test robustness fuzz clean golden bench bench-quick bench-billion bench-tools bench-walk bench-walk-quick bench-cache bench-mutate

all: build

# Z3's C library and header, and libedit's (line editing in `explore`):
# each installed only when pkg-config cannot find it.
deps:
	@if ! pkg-config --exists z3 2>/dev/null; then \
		echo "installing libz3-dev (Z3 C API)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libz3-dev pkg-config; \
	fi
	$(call need,pkg-config --exists libedit,libedit-dev)

# Installs the Debian package $(2) when the check $(1) fails.
define need
	@if ! $(1) >/dev/null 2>&1; then \
		echo "installing $(2)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(2); \
	fi
endef

# What the tests run besides Swift, installed only when missing: xmllint
# (the Ant JUnit schema) and jsonschema (SARIF 2.1.0) validate every report
# the tests write, Graphviz's dot renders every NAME.dot, headless Chromium
# loads NAME.html as a browser does, PyYAML reads the CI recipe in docs/ci.md
# and the regression scenarios, tmux drives `explore` as a person at a
# terminal would.
test-deps:
	$(call need,command -v xmllint,libxml2-utils)
	$(call need,python3 -c 'import jsonschema',python3-jsonschema)
	$(call need,python3 -c 'import yaml',python3-yaml)
	$(call need,command -v dot,graphviz)
	$(call need,command -v chromium,chromium)
	$(call need,command -v tmux,tmux)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Build in release mode and check the bundled federation gateway model:
# every property, exhaustively.
run: release
	$(RELEASE_BIN) verify specs/federation-gateway-model.yaml

test: deps test-deps
	$(SWIFT) build
	$(SWIFT) test
	PBCHECK_LEAK_TEST=1 $(SWIFT) test --skip-build --filter noZ3ObjectLeaks
	$(MAKE) cli-test
	$(MAKE) report-test
	$(MAKE) explore-test
	$(MAKE) robustness

# Every reproducer of ../shared/robustness (copied under specs/robustness)
# through the commands of the fuzzing campaign, then a seeded fuzz run of our
# own over the spec corpus: exit 0-3, no signal, no internal error, within
# each command's --timeout. `make fuzz FUZZ_ARGS="--count 2000 --seed 7"`
# runs a longer campaign.
robustness:
	@sh Tests/robustness.sh $(DEBUG_BIN)
	python3 Tests/fuzz.py $(DEBUG_BIN)

fuzz:
	python3 Tests/fuzz.py $(DEBUG_BIN) $(FUZZ_ARGS)

# Exit codes and crash-freedom of the real binary over the corpora.
cli-test:
	@sh Tests/cli-test.sh $(DEBUG_BIN)

# The report directory and the result cache through the binary: every
# format for every spec, validated against the SARIF and JUnit schemas;
# cache hits and misses; runs killed with SIGKILL leave parseable reports;
# every counterexample's regression scenario fails under `test`.
report-test:
	python3 Tests/reports_test.py $(DEBUG_BIN)
	python3 Tests/scenario_roundtrip_test.py $(DEBUG_BIN)

# Exploring counterexamples through the binary (SPEC §7): every
# counterexample of specs/ and specs/buggy/ replayed from ITF and JSON,
# fixed and edited specs, graph --format svg for every spec, scenario round
# trips, a piped explore session and one under tmux.
explore-test:
	python3 Tests/explore_test.py $(DEBUG_BIN)

# Re-record golden files after an intended change in output.
golden:
	PBCHECK_RECORD=1 $(SWIFT) test --filter GoldenTests

# Benchmarks (bench/README.md): the explicit search against SPIN and rumur,
# the scaling table, two cores and the symbolic engine, written to
# bench/results.md, then the random walks against Hypothesis, written to
# bench/walk-results.md. Installs the other tools when missing. BENCH_BIN:
# the pbcheck binary measured (the release build by default).
BENCH_BIN = $(CURDIR)/$(RELEASE_BIN)

bench: release bench-tools
	PBCHECK=$(BENCH_BIN) python3 bench/run.py $(BENCH_ARGS)
	$(MAKE) bench-walk WALK_ARGS="$(WALK_ARGS)"
	$(MAKE) bench-cache
	$(MAKE) bench-mutate

bench-tools:
	@if ! command -v spin >/dev/null 2>&1 || ! command -v rumur >/dev/null 2>&1 \
	    || ! command -v gcc >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then \
		echo "installing spin, rumur, gcc, time"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq spin rumur gcc time; \
	fi

# Everything of bench/run.py plus the billion-state run (counters N = 9 and
# counters-bug N = 9, in memory and with --memory 4G; about three runs of a
# billion states): bench/results.md and bench/billion-results.md. Not part
# of `make bench` or `make test`.
bench-billion: release bench-tools
	PBCHECK=$(BENCH_BIN) python3 bench/run.py --billion $(BENCH_ARGS)

# A result-cache hit on a 1,000-transition playbook, each run a process of
# its own (SPEC §5.3), written to bench/cache-results.md.
bench-cache: release
	PBCHECK=$(BENCH_BIN) python3 bench/cache.py

# `pbcheck mutate` on every playbook in specs/, written to
# bench/mutate-results.md.
bench-mutate: release
	PBCHECK=$(BENCH_BIN) python3 bench/mutate.py

bench-quick:
	$(MAKE) bench BENCH_ARGS=--quick WALK_ARGS=--quick

# Random walk against Hypothesis (bench/README.md), written to
# bench/walk-results.md. Installs Hypothesis when missing (pip, else Debian).
bench-walk: release
	@python3 -c 'import hypothesis' 2>/dev/null \
	    || python3 -m pip install -q hypothesis 2>/dev/null \
	    || python3 -m pip install -q --break-system-packages hypothesis 2>/dev/null \
	    || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	         $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3-hypothesis; }
	PBCHECK=$(BENCH_BIN) python3 bench/walk.py $(WALK_ARGS)

bench-walk-quick:
	$(MAKE) bench-walk WALK_ARGS=--quick

clean:
	rm -rf .build
