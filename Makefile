# Bottleneck — see README.md. `make demo` and `make test` are the quick start.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := pkg-config zlib1g-dev libpcre2-dev libsqlite3-dev
BIN := .build/release/bottleneck

.PHONY: deps demo build release test bench clean

# Installs the Debian packages the build links against, when they are missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	$(BIN) analyze --top 15 Fixtures/logs/hatchet-sample-mongod-6.0.11.log.gz

test: deps
	$(SWIFT) build
	$(SWIFT) test 2>&1 | tee .build/test-output.txt; exit $${PIPESTATUS[0]}

clean:
	rm -rf .build
