# Thin wrapper around the CMake presets (CMakePresets.json). The README's two commands:
#   make run    install what is missing, build, start the gateway on config/vmuc.toml
#   make test   install what is missing, build the dev and asan presets, run every test,
#               run the fuzzers for a while (fuzz preset, clang), then the packaging tests
#               (the .deb and the Docker images, through podman)
JOBS ?= 2
CONFIG ?= config/vmuc.toml
CTEST_FLAGS ?= --output-on-failure -j $(JOBS) --timeout 600
# test-fuzz: seconds per fuzzer (tests/fuzz/README.md runs longer campaigns); JOBS at a time.
FUZZ_SECONDS ?= 20
FUZZ_FLAGS ?= -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 -verbosity=0 \
              -print_final_stats=1
FUZZ_TARGETS := axdr apdu hdlc wrapper security cosem_server push
FUZZ_RUNS := $(addprefix fuzz-,$(FUZZ_TARGETS))

.PHONY: all deps build release test test-dev test-asan test-fuzz test-package run bench format \
        clean deb $(FUZZ_RUNS)

all: build

deps:
	@scripts/install-deps

build: deps
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)

release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

test-dev: build
	ctest --preset dev $(CTEST_FLAGS)

test-asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan $(CTEST_FLAGS)

# The libFuzzer targets (tests/fuzz/): each fuzzer runs FUZZ_SECONDS over its seed corpus.
test-fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	$(MAKE) --no-print-directory -O -j $(JOBS) $(FUZZ_RUNS)

# One fuzzer, on a scratch copy of its corpus in build/fuzz/corpus/ (the inputs it finds do
# not dirty the tree), first replaying its regression inputs in tests/fuzz/crashes/<target>/.
# A crash leaves its input in build/fuzz/artifacts/.
$(FUZZ_RUNS): fuzz-%:
	rm -rf build/fuzz/corpus/$* && mkdir -p build/fuzz/corpus build/fuzz/artifacts
	cp -r tests/fuzz/corpus/$* build/fuzz/corpus/$*
	UBSAN_OPTIONS=print_stacktrace=1 build/fuzz/bin/$*_fuzzer $(FUZZ_FLAGS) \
	  -artifact_prefix=build/fuzz/artifacts/$*- build/fuzz/corpus/$* \
	  $(wildcard tests/fuzz/crashes/$*)

# packaging/tests/run: needs root (podman, debootstrap) and the Debian mirror.
test-package: deps
	packaging/tests/run

test: test-dev test-asan test-fuzz test-package

run: build
	build/dev/bin/vmuc --config $(CONFIG)

# The Debian package (packaging/debian), built from the working tree into build/deb/.
deb:
	@scripts/install-deps --package
	packaging/build-deb build/deb

bench: release
	build/release/bin/vmuc_bench
	build/release/bin/vmuc_meter_store_bench
	build/release/bin/vmuc_fleet_year_bench
	build/release/bin/vmuc_dlms_bench
	build/release/bin/vmuc_mesh_bench
	build/release/bin/vmuc_gateway_bench
	build/release/bin/vmuc_api_bench

format:
	git ls-files '*.h' '*.cc' '*.cpp' | xargs clang-format -i

clean:
	rm -rf build
