# A thin front over CMake for people's habits. The real build is CMakeLists.txt.
#   make / make build   configure and build into build/ (release, with debug info)
#   make run            install what is missing, build, track the bundled example training run
#   make test           install what is missing, build with ASan+UBSan into build-test/, run ctest;
#                       then the unit tests and the fuzz targets built with clang's UBSan
#                       (float-cast-overflow included) in build-ubsan/: the unit tests, the fuzz
#                       seeds, and a short fuzz run per target (FUZZ_SHORT seconds each)
#   make fuzz           clang build in build-ubsan/, every fuzz target for FUZZ_SECONDS each
#                       (default 60) from its seeds; findings stay in build-ubsan/tests/fuzz/
#   make bench          install what is missing (valgrind too), release build in build-bench/,
#                       overhead and accuracy benchmarks, rewrites BENCHMARKS.md (about 5
#                       minutes; not part of make test)
#   make install        install library, header, pkg-config file, man page, command and its
#                       report program (libexec/carbontracker/carbontracker-report)
#   make format         reformat the sources with clang-format

BUILD ?= build
TEST_BUILD ?= build-test
BENCH_BUILD ?= build-bench
UBSAN_BUILD ?= build-ubsan
FUZZ_SHORT ?= 2
FUZZ_SECONDS ?= 60
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
EPOCHS ?= 4

.PHONY: all build deps bench-deps run test ubsan-build fuzz bench install format clean

all: build

deps:
	@bash scripts/install-deps.sh

bench-deps:
	@bash scripts/install-deps.sh --bench

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: deps build
	@echo "== Tracking the example training run ($(EPOCHS) epochs; logs in ./logs) =="
	$(BUILD)/examples/train --epochs $(EPOCHS) --log_dir logs
	@echo "== The same run wrapped by the command, with a JSON summary in logs/run.json =="
	$(BUILD)/carbontracker --log_dir logs --json logs/run.json -- $(BUILD)/examples/train --epochs 2 --no-tracker
	@echo "== What this machine can measure =="
	$(BUILD)/carbontracker --list-devices

test: deps
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCT_SANITIZE=ON -DCT_WERROR=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory ubsan-build
	@cd $(UBSAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|fuzz'

ubsan-build:
	@CC=clang cmake -S . -B $(UBSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCT_UBSAN=ON -DCT_FUZZ=ON \
		-DCT_WERROR=ON -DCT_BUILD_BENCH=OFF -DCT_FUZZ_SECONDS=$(FUZZ_SHORT) >/dev/null
	@cmake --build $(UBSAN_BUILD) -j $(JOBS) --target ct_unit_and_fuzz

fuzz: deps
	@$(MAKE) --no-print-directory ubsan-build FUZZ_SHORT=$(FUZZ_SECONDS)
	@cd $(UBSAN_BUILD) && ctest --output-on-failure -L fuzz -R '_short$$'

bench: bench-deps
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCT_SANITIZE=OFF -DCT_BUILD_BENCH=ON >/dev/null
	@cmake --build $(BENCH_BUILD) --target ct_bench -j $(JOBS)
	@BUILD=$(BENCH_BUILD) bash bench/run.sh

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(BENCH_BUILD) $(UBSAN_BUILD)
