# The README's commands. `make test` is what .ci/run calls.
SHELL := /bin/bash
GO ?= go
# Every cgo C++ file is compiled for the x86-64-v2 baseline (SSE4.2, POPCNT),
# never for the build machine's CPU: see scripts/cxx-baseline.
export CXX := $(CURDIR)/scripts/cxx-baseline
# Every test binary runs under one virtual X server (the kiosk's Fyne window).
XVFB := xvfb-run -a -s "-screen 0 1280x1024x24"

.PHONY: setup build demo test bench pg fuzz

setup:
	scripts/setup

build:
	$(GO) build -o bin/clockface ./cmd/clockface

demo: setup
	bin/clockface demo

# PostgreSQL backs the hub's second store; start the local cluster if it is down.
pg:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start

test: setup pg
	$(XVFB) $(GO) test -count=1 -timeout 25m ./...
	$(GO) test -count=1 -tags matprofile -run MatProfile ./kiosk/camera ./embeddings/onnx

bench: setup
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./... | tee out/bench.txt

# Every decoder that reads outside input has a fuzz target; `make fuzz` runs
# each in turn for FUZZTIME with one worker (the corpora are in each
# package's testdata/fuzz). FUZZTIME=30s make fuzz for a quick pass.
FUZZTIME ?= 5m
FUZZ_TARGETS := \
	./sync/wire:FuzzDecodeBatch \
	./sync/wire:FuzzDecodePair \
	./sync/wire:FuzzDecodeTemplatePush \
	./sync/wire:FuzzDecodeTemplatePull \
	./sync/wire:FuzzDecodeDownstream \
	./sync/wire:FuzzParseSignature \
	./payroll:FuzzLoadConfig \
	./sync/fleet/fleetfuzz:FuzzOpen \
	./sync/fleet/fleetfuzz:FuzzShare \
	./internal/termsafe:FuzzString

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -parallel=1 $$pkg; \
	done
