# Thin wrapper around the CMake presets (CMakePresets.json). The README's two commands:
#   make run    install what is missing, build, start the gateway on config/vmuc.toml
#   make test   install what is missing, build the dev and asan presets, run every test,
#               then the packaging tests (the .deb and the Docker images, through podman)
JOBS ?= 2
CONFIG ?= config/vmuc.toml
CTEST_FLAGS ?= --output-on-failure -j $(JOBS) --timeout 600

.PHONY: all deps build release test test-dev test-asan test-package run bench format clean deb

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

# packaging/tests/run: needs root (podman, debootstrap) and the Debian mirror.
test-package: deps
	packaging/tests/run

test: test-dev test-asan test-package

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

format:
	git ls-files '*.h' '*.cc' '*.cpp' | xargs clang-format -i

clean:
	rm -rf build
