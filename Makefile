# pbcheck — build, test and run. Every install step lives here, so a fresh
# Debian machine needs nothing but `make run` / `make test`.
SWIFT ?= swift
RELEASE_BIN = .build/release/pbcheck
DEBUG_BIN = .build/debug/pbcheck

.PHONY: all build release run test deps cli-test clean golden

all: build

# Z3's C library and header: installed only when pkg-config cannot find it.
deps:
	@if ! pkg-config --exists z3 2>/dev/null; then \
		echo "installing libz3-dev (Z3 C API)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libz3-dev pkg-config; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Build in release mode and check the bundled federation gateway playbook.
run: release
	$(RELEASE_BIN) validate specs/federation-gateway.yaml specs/federation-gateway-model.yaml

test: deps
	$(SWIFT) build
	$(SWIFT) test
	$(MAKE) cli-test

# Exit codes and crash-freedom of the real binary over the corpora.
cli-test:
	@sh Tests/cli-test.sh $(DEBUG_BIN)

# Re-record golden files after an intended change in output.
golden:
	PBCHECK_RECORD=1 $(SWIFT) test --filter GoldenTests

clean:
	rm -rf .build
