# SPDX-License-Identifier: MIT
# Thin wrapper over the CMake presets so the README's two commands stay short.
JOBS ?= $(shell nproc)

.PHONY: all deps build asan fuzz test demo bench clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)

test: build asan
	@scripts/check-layout
	@echo "== dev build =="
	@ctest --preset dev
	@echo "== asan+ubsan build =="
	@ctest --preset asan

demo: build
	@scripts/demo build/dev/konseki

bench: build
	@scripts/install-deps --bench
	@bench/run-all

clean:
	rm -rf build
