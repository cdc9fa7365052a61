# The two commands a fresh machine needs: `make demo` (the main job) and `make test` (every test).
SWIFT ?= swift

.PHONY: test build release deps demo bench fuzz clean

# Installs the Debian packages the build and tests need, then builds and runs every test.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product sixplane

deps:
	scripts/install-deps.sh

# Crypto and identity benchmarks on an optimized build.
bench: release
	.build/release/sixplane bench

demo:
	@echo "The multi-host 6PLANE backplane demo arrives with the backplane issue; nothing to run yet." >&2
	@exit 1

# libFuzzer over every parser for FUZZ_SECONDS (default 300); see scripts/fuzz.sh.
fuzz:
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),300)

clean:
	rm -rf .build
