# contactd — the two commands the README promises: `make run` and `make test`.
SHELL := /bin/bash
MAKEFLAGS += --no-print-directory
SWIFT ?= swift
PYTHON ?= python3
VENV := .venv
APT_PACKAGES := libsystemd-dev pkg-config socat systemd postgresql util-linux curl bsdutils
BENCH_APT_PACKAGES := redis-server python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps bench-deps build release run test test-swift test-python test-units lint format bench bench-core bench-profile fuzz fuzz-build clean

all: build

## Installs the Debian packages the build and the tests need, when missing (apt-get update once).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

bench-deps:
	@missing=""; for p in $(BENCH_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: Tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r Tests/requirements.txt
	touch $@

build: deps
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build -c release --product contactd

## Starts the daemon in the foreground on ./run/contactd.sock with data in ./data.
run: deps
	$(SWIFT) build --product contactd
	$(SWIFT) build --product contactctl
	./scripts/dev-run

## Installs what is missing, then runs every test.
test: build $(VENV)/.installed
	$(MAKE) lint
	$(MAKE) test-units
	$(MAKE) test-python
	$(MAKE) test-swift

FORMATTED := Sources Tests Benchmarks/Sources Package.swift Benchmarks/Package.swift FuzzTesting/Sources FuzzTesting/Package.swift

## The style check (.swift-format: 4 spaces, 120 columns); `make format` rewrites the files to pass it.
lint:
	$(SWIFT) format lint --strict --recursive $(FORMATTED)
	@echo "swift format lint: OK"

format:
	$(SWIFT) format --in-place --recursive $(FORMATTED)

## The PostgreSQL tests (two daemons, thousands of transactions) run after the rest, on their own, so
## that their load does not slow the timing-bounded tests of the other targets.
test-swift:
	$(SWIFT) test --skip-build --parallel --num-workers 2 --skip PostgresStoreTests
	$(SWIFT) test --skip-build --parallel --num-workers 2 --filter PostgresStoreTests

test-python: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q Tests/python

## systemd must accept the units (ExecStart pointed at the binary just built).
test-units:
	@tmp=$$(mktemp -d); \
	sed "s#/usr/local/bin/contactd#$(CURDIR)/.build/debug/contactd#" deploy/contactd.service > $$tmp/contactd.service; \
	cp deploy/contactd.socket $$tmp/; \
	out=$$(systemd-analyze verify --man=no $$tmp/contactd.socket $$tmp/contactd.service 2>&1); rc=$$?; \
	echo "$$out" | grep -v -e "contactd-clients" -e "^$$" ; rm -rf $$tmp; \
	if [ $$rc -ne 0 ] || echo "$$out" | grep -qiE "unknown|invalid|ignoring|failed"; then echo "systemd-analyze verify: FAILED"; exit 1; fi; \
	echo "systemd-analyze verify: units OK"

## ContactCore micro-benchmarks, then contactd against Redis on the same workload: docs/BENCHMARKS.md,
## docs/bench.json and the plot docs/bench.svg (drawn by scripts/bench-plot, plain Python).
bench: deps bench-deps
	$(SWIFT) build -c release --product contactd
	$(SWIFT) build -c release --product contactd-bench
	./scripts/bench-core
	./scripts/bench
	./scripts/bench-postgres | tee docs/bench-postgres.md

## ContactCore alone (the first step of bench): the package-benchmark suite, then core-ratio's
## interleaved timings, ratios and targets.
bench-core:
	./scripts/bench-core

## perf profile of a release contactd under the bench's upserts (installs linux-perf, or valgrind as a fallback).
bench-profile:
	$(SWIFT) build -c release --product contactd
	$(SWIFT) build -c release --product contactd-bench
	./scripts/bench-profile

## libFuzzer targets of FuzzTesting/ (README there): each runs FUZZ_SECONDS on its committed corpus;
## new inputs go to FuzzTesting/Scratch/ (not committed), failing inputs to FuzzTesting/FailCases/.
FUZZ_SECONDS ?= 180
FUZZ_TARGETS ?= FuzzJSON FuzzFraming FuzzUpdate FuzzJournal FuzzSnapshot
FUZZ_OPTIONS ?= -workers=1 -jobs=1 -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=64

fuzz-build:
	cd FuzzTesting && $(SWIFT) build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

fuzz: fuzz-build
	@failed=""; for t in $(FUZZ_TARGETS); do \
		dict=$$t.dict; extra=""; \
		case $$t in FuzzUpdate) extra=-max_len=16384;; FuzzJournal|FuzzSnapshot) dict=FuzzStore.dict;; esac; \
		mkdir -p FuzzTesting/Scratch/$$t/corpus FuzzTesting/FailCases/$$t; \
		echo "== $$t: $(FUZZ_SECONDS) s (log: FuzzTesting/Scratch/$$t/fuzz-0.log)"; \
		( cd FuzzTesting/Scratch/$$t && SWIFT_BACKTRACE=enable=no ../../.build/debug/$$t $(FUZZ_OPTIONS) -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=../../FailCases/$$t/ -dict=../../Dictionaries/$$dict $$extra \
			corpus ../../Corpus/$$t > driver.log 2>&1 ) || failed="$$failed $$t"; \
		grep -aE "^#[0-9]+[[:space:]]+(INITED|DONE)|^Done|ERROR|SUMMARY|Test unit written|Fatal error" \
			FuzzTesting/Scratch/$$t/fuzz-0.log | tail -5; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failures in$$failed (inputs in FuzzTesting/FailCases/)"; exit 1; fi

clean:
	rm -rf .build $(VENV) run FuzzTesting/.build FuzzTesting/Scratch
