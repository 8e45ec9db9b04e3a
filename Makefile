# nodenet: `make demo` and `make test` set up everything they need on a fresh Debian machine (as root).
SHELL := /bin/bash
DEBS := iproute2 nftables iptables iputils-ping util-linux procps socat curl make g++ python3
NPM_STAMP := node_modules/.nodenet-installed
NATIVE := controllers/dataplane/netlink/native/build/Release/nodenet_native.node
TS_STAMP := dist/.nodenet-built

.PHONY: all deps debs build demo test bench clean test-unit test-integration test-e2e test-torture fuzz

all: build

debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v kubectl >/dev/null 2>&1 || missing="$$missing kubernetes-client"; \
	if [ -n "$$missing" ]; then \
	  echo "nodenet: installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: debs $(NPM_STAMP)

$(NATIVE): deps controllers/dataplane/netlink/native/nodenet_native.c controllers/dataplane/firewall/native/nodenet_nft.c controllers/dataplane/netlink/native/binding.gyp
	npm run --silent build:native

build: deps $(NATIVE)
	npm run --silent build:ts
	@touch $(TS_STAMP)

demo: build
	node dist/controllers/demo/main.js

test: build
	node dist/test/runner.js

test-unit test-integration test-e2e test-torture: build
	node dist/test/runner.js $(@:test-%=%)

# The fuzz suites alone, longer: make fuzz NODENET_FUZZ_RUNS=50000 [NODENET_FUZZ_SEED=n]
# (make test runs them too, with a fixed seed and NODENET_FUZZ_RUNS=1500 unless set).
fuzz: build
	NODENET_FUZZ_RUNS=$${NODENET_FUZZ_RUNS:-20000} node dist/test/runner.js unit --filter=fuzz

bench: build
	node dist/bench/main.js

clean:
	rm -rf dist controllers/dataplane/netlink/native/build
