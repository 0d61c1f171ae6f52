# skiff: top-level build. `make` builds the hosted program and the kernel; `make test` runs
# every test tier; `make run` boots the kernel under QEMU. Platform-specific rules live in
# kernel/x86_64/build.mk and kernel/hosted/build.mk; test rules in tests/build.mk.

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
BUILD := build

# What every C file in net/, vm/, httpd/ and kernel/ sees, on every platform.
WARN := -Wall -Wextra -Werror
COMMON_CFLAGS := -std=c11 $(WARN) -g -I. -DSKIFF_VERSION='"$(VERSION)"'

# Portable sources: compiled freestanding for the kernel and as ordinary code when hosted.
PORTABLE_SRC := $(wildcard net/*.c vm/*.c httpd/*.c) $(wildcard kernel/*.c)

.PHONY: all deps test run run-tap iso bench bench-lang bench-gc fuzz clean layers format FORCE
all: $(BUILD)/skiff $(BUILD)/skiff.elf

# The files that print the version are rebuilt when it changes; nothing else depends on it.
$(BUILD)/version: FORCE
	@mkdir -p $(BUILD)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@
$(BUILD)/hosted/kernel/hosted/main.o $(BUILD)/asan/kernel/hosted/main.o: $(BUILD)/version
$(BUILD)/kernel/kernel/x86_64/start.o: $(BUILD)/version

include kernel/hosted/build.mk
include kernel/x86_64/build.mk
include tests/build.mk

# Installs what the build and the tests need, once; both `make run` and `make test` start here.
deps:
	@./tests/deps.sh

layers:
	./tests/run.sh layers

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# Benchmarks (bench/README.md): boot time against QEMU's floor, then the least memory (-m) that
# boots and answers ping, on microvm and q35 (needs root: a network namespace and TAP device),
# then the collector's pauses (bench/gc).
bench: deps
	$(MAKE) $(BUILD)/skiff.elf $(BUILD)/skiff
	./bench/boot.sh
	./bench/min-mem.sh
	./bench/gc/run.sh

# The language benchmarks (bench/lang/README.md): each program under the optimised `skiff lua`
# beside stock lua5.4, wall time and callgrind instruction counts, ratios and geometric mean.
bench-lang: deps
	$(MAKE) $(BUILD)/skiff
	./bench/lang/run.sh

# The collector's pauses (bench/gc/README.md): binary-trees with a 64 MiB heap, the longest,
# p99 and mean step, the collector's share of the run, beside lua5.4's run time.
bench-gc: deps
	$(MAKE) $(BUILD)/skiff
	./bench/gc/run.sh

# The network stack's mutation fuzzer (tests/tools/fuzz_net.c), the long run: FUZZ_FRAMES
# frames for each seed in FUZZ_SEEDS, mutated from the built-in frames and the committed
# traces. `make test` runs a short one (tests/replay/fuzz-smoke.sh).
FUZZ_SEEDS ?= 1 2 3 4 5 6 7 8
FUZZ_FRAMES ?= 2000000
fuzz: deps
	$(MAKE) $(BUILD)/tests/tools/fuzz_net
	@for s in $(FUZZ_SEEDS); do \
	    $(BUILD)/tests/tools/fuzz_net $$s $(FUZZ_FRAMES) traces/ping.pcap traces/malformed-*.pcap \
	        || exit 1; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
