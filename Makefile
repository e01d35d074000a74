# LakeOS build. One non-recursive Makefile; each part of the tree adds its
# rules through a .mk fragment. Everything built goes under build/.
#
#   make run     set up, build, boot to the console in QEMU (quit: Ctrl-A X)
#   make test    set up, build, run every test
#   make debug   boot halted with a gdb stub; attach with tools/gdb.sh
#   make bench   benchmarks (BENCH lines)
#   make clean   remove build/

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

BUILD          := build
PYTHON         := /usr/bin/python3
CROSS_COMPILE  ?= aarch64-linux-gnu-
TARGET_CC      := $(CROSS_COMPILE)gcc
TARGET_OBJCOPY := $(CROSS_COMPILE)objcopy
HOST_CC        ?= gcc
LAKE_VERSION   := 0.1.0
V              ?= 0
Q              := $(if $(filter 1,$(V)),,@)

DEPFILES :=

include kernel/kernel.mk
include tests/unit/unit.mk
include user/user.mk

IMAGES := $(BUILD)/kernel8.img $(BUILD)/kernel-test/kernel8.img $(BUILD)/kernel-ostest/kernel8.img \
          $(BUILD)/kernel-ostest-nofast/kernel8.img $(BUILD)/kernel-bench/kernel8.img

.PHONY: all images run test debug bench clean setup unit-tests FORCE

all: images unit-tests user
images: $(IMAGES)

setup:
	@tools/setup.sh

run:
	@tools/setup.sh
	@$(MAKE) --no-print-directory $(BUILD)/kernel8.img
	@$(PYTHON) tools/qemu.py --interactive $(BUILD)/kernel8.img

debug:
	@tools/setup.sh
	@$(MAKE) --no-print-directory $(BUILD)/kernel8.img
	@echo "QEMU is halted with a gdb stub on :1234; in another terminal run: tools/gdb.sh"
	@$(PYTHON) tools/qemu.py --interactive --gdb $(BUILD)/kernel8.img

test:
	@tools/setup.sh
	@$(MAKE) --no-print-directory all
	@$(PYTHON) -m pytest -q -p no:cacheprovider tests

bench:
	@tools/setup.sh
	@$(MAKE) --no-print-directory images
	@$(PYTHON) tools/bench.py

clean:
	rm -rf $(BUILD)

# Version string, rewritten only when it changes so nothing rebuilds needlessly.
$(BUILD)/gen/version.h: FORCE
	@mkdir -p $(@D)
	@rev=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	 printf '#define LAKE_VERSION "%s"\n#define LAKE_GIT_REV "%s"\n' '$(LAKE_VERSION)' "$$rev" > $@.tmp; \
	 if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

FORCE:

-include $(DEPFILES)
