# SPDX-License-Identifier: BSD-3-Clause
# A thin wrapper around CMake. Variables: BUILD (build dir), PREFIX and
# DESTDIR (install), CMAKE_FLAGS (extra configure flags), JOBS.
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps reference test install deb deb-check docs demo bench ci fuzz fuzz-ci fuzz-coverage format check-format clean

all: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

# Install the Debian packages the build and the tests need, if missing.
deps:
	scripts/install-deps

# The reference peers (libpcap with remote capture and its tcpdump, from the
# release's source packages) for the interoperability tests; built once into
# ~/.cache/rpcap-ref.
reference:
	scripts/reference-build >/dev/null

test: all reference
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# The PAM file and rpcapd.conf go to /etc whatever PREFIX is (an existing
# /etc/rpcapd.conf is kept), the systemd units to PREFIX/lib/systemd/system
# and run PREFIX/sbin/rpcapd. README: "Installing".
install: all
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# The Debian packages rpcapd and rpcap-tools (debian/), built from a copy of
# the tree into DEB_DIR with the source package and .changes; deb-check
# checks their contents and runs lintian. DEB_BUILD_OPTIONS is passed on
# (default: nocheck noddebs parallel=JOBS).
DEB_DIR ?= build/deb
deb:
	DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS:-nocheck noddebs parallel=$(JOBS)}" scripts/build-deb $(DEB_DIR)

deb-check:
	tests/install/check-deb.sh $(DEB_DIR)

# Regenerate the man pages and completions from the programs' CLI definitions.
docs: all
	cmake --build $(BUILD) --target docs

# The main job, end to end, with the toolkit as it stands.
demo: all
	scripts/demo $(BUILD)

# The throughput benchmark (docs/performance.md), as root: local capture,
# rpcapd + rpcap-capture over TCP and UDP, and libpcap's when the reference
# build exists. Not a test: neither test nor ci runs it. BENCH_FLAGS adds
# options, e.g. make bench BENCH_FLAGS="--reps 3 --rates max,300000@64,100000@1500".
BENCH_FLAGS ?=
bench: all
	scripts/bench --build $(BUILD) $(BENCH_FLAGS)

# What CI runs: warnings as errors, ASan and UBSan, and no test may skip
# for want of the reference peers.
ci:
	RPCAP_REQUIRE_REFERENCE=1 $(MAKE) test BUILD=build-ci CMAKE_FLAGS="-DRPCAP_WERROR=ON -DRPCAP_SANITIZE='address;undefined' -DCMAKE_BUILD_TYPE=Debug"

# Fuzz every parser (fuzz/): build the libFuzzer targets with clang into
# FUZZ_BUILD and run each for FUZZ_SECONDS on a copy of its seeds there.
# fuzz-ci: 20 s each, warnings as errors.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DRPCAP_FUZZ=ON $(FUZZ_CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_targets
	fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=20 FUZZ_CMAKE_FLAGS=-DRPCAP_WERROR=ON

# Line coverage of the library reached by the corpora in $(FUZZ_BUILD)/fuzz-corpus
# (what `make fuzz` found), per target: a second build with llvm-cov
# instrumentation runs every input once.
fuzz-coverage:
	cmake -S . -B $(FUZZ_BUILD)-cov -DCMAKE_CXX_COMPILER=clang++ -DRPCAP_FUZZ=ON -DRPCAP_FUZZ_COVERAGE=ON
	cmake --build $(FUZZ_BUILD)-cov -j$(JOBS) --target fuzz_targets
	fuzz/coverage $(FUZZ_BUILD)-cov $(FUZZ_BUILD)/fuzz-corpus

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

check-format:
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) build-ci $(FUZZ_BUILD) $(FUZZ_BUILD)-cov
