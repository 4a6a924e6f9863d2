# Tidemark — set-up, build, run and test. Every target installs what is missing first.
SWIFT ?= swift
APT_PACKAGES := libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev pkg-config
# Real peers the end-to-end tests and `tidemark-bench compare` run against (Debian packages; the
# tests start their own copies on loopback, so the services the packages enable are stopped).
APT_TEST_PACKAGES := prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics python3-aiosmtpd openssl
SCALE ?= standard
REPEAT ?= 3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
LISTEN ?= 0.0.0.0:9090
DATA ?= ./data

.PHONY: deps test-deps build run test bench bench-compare bench-micro clean

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	  if [ "$(2)" = stop-services ] && [ -d /run/systemd/system ]; then \
	    $(SUDO) systemctl disable --now $$missing >/dev/null 2>&1 || true; \
	  fi; \
	fi
endef

deps:
	$(call apt_install,$(APT_PACKAGES))
	@command -v $(SWIFT) >/dev/null || { echo "swift not found: install Swift 6.1 or later (https://swift.org/install)"; exit 1; }

test-deps: deps
	$(call apt_install,$(APT_TEST_PACKAGES),stop-services)

build: deps
	$(SWIFT) build -c release --product tidemark

run: build
	.build/release/tidemark --storage.tsdb.path=$(DATA) --web.listen-address=$(LISTEN)

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip BenchCompareTests
	@# The harness runs three servers flat out for about two minutes: alone, after the rest.
	$(SWIFT) test --skip-build --filter BenchCompareTests

# In-process engine figures (bytes/sample, memory per series, append throughput) for the README.
bench: deps
	$(SWIFT) build -c release --product tidemark
	$(SWIFT) build -c release --product tidemark-bench
	.build/release/tidemark-bench engine

# Tidemark side by side with Prometheus and VictoriaMetrics (same payloads and queries, one table;
# JSON and SVG chart in Benchmarks/results/). SCALE=small|standard|large, REPEAT runs (median).
bench-compare: test-deps
	$(SWIFT) build -c release --product tidemark
	$(SWIFT) build -c release --product tidemark-bench
	.build/release/tidemark-bench compare --scale $(SCALE) --repeat $(REPEAT)

# Micro-benchmarks (ordo-one/benchmark), in their own package so the main build stays lean.
bench-micro: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark

clean:
	rm -rf .build Benchmarks/.build
