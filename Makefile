# The two commands a fresh machine needs: `make demo` (the main job) and `make test` (every test).
SWIFT ?= swift
# Release builds link the Swift runtime and Foundation statically: an idle daemon then maps only the parts it uses
# (43 MB resident with them as shared libraries, see README "Footprint"). Every release target uses the same flags, so
# that one build serves them all.
RELEASE_BUILD = $(SWIFT) build -c release --static-swift-stdlib

.PHONY: test build release deps demo demo-stop bench bench-backplane bench-cni bench-flood bench-load bench-footprint fuzz clean

# Installs the Debian packages the build and tests need, then builds and runs every test.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

build:
	$(SWIFT) build

release:
	$(RELEASE_BUILD) --product sixplane

deps:
	scripts/install-deps.sh

# Crypto and identity benchmarks on an optimized build.
bench: release
	.build/release/sixplane bench

# The main job: a root, a controller and three hosts in network namespaces, each with its own Docker engine given its
# /80, two containers per host, a ping6 matrix across them, then teardown. DEMO_ARGS=--keep leaves it running.
demo: deps
	$(SWIFT) build --product sixplane
	$(SWIFT) build --product sixplane-lab
	.build/debug/sixplane-lab demo $(DEMO_ARGS)

# Stops a demo left running with --keep (and any lab a failed test left).
demo-stop:
	.build/debug/sixplane-lab stop

# iperf3 host to host over Sixplane and over the raw underlay, with the daemons' CPU, on a release build.
bench-backplane: deps
	$(RELEASE_BUILD) --product sixplane
	$(RELEASE_BUILD) --product sixplane-lab
	.build/release/sixplane-lab bench $(BENCH_ARGS)

# The CNI plugin: ADD and DEL times over 100 pods, TCP pod to pod next to host to host, on a release build.
bench-cni: deps
	$(RELEASE_BUILD) --product sixplane
	$(RELEASE_BUILD) --product sixplane-lab
	.build/release/sixplane-lab bench-cni $(BENCH_ARGS)

# HELLO floods of fresh identities at a root and a member, with the members' pings, on a release build.
bench-flood: deps
	$(RELEASE_BUILD) --product sixplane
	$(RELEASE_BUILD) --product sixplane-lab
	.build/release/sixplane-lab flood $(BENCH_ARGS)

# A root carrying N synthetic peers (LOAD_PEERS, default 10000) while it relays for two members, on a release build.
bench-load: deps
	$(RELEASE_BUILD) --product sixplane
	$(RELEASE_BUILD) --product sixplane-lab
	.build/release/sixplane-lab load --peers $(or $(LOAD_PEERS),10000) $(BENCH_ARGS)

# Resident and anonymous memory of an idle daemon, a member, a controller and a root, on a stripped release build.
bench-footprint: deps
	$(RELEASE_BUILD) --product sixplane
	$(RELEASE_BUILD) --product sixplane-lab
	strip -o .build/release/sixplane-stripped .build/release/sixplane
	sync
	.build/release/sixplane-lab footprint --sixplane .build/release/sixplane-stripped $(BENCH_ARGS)

# libFuzzer over every target for FUZZ_SECONDS each (default 300); see scripts/fuzz.sh.
fuzz:
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),300) all

clean:
	rm -rf .build
