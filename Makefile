# toe: top-level build.
#
#   make            build toe.ko and the user-space parts
#   make check      every test: unit tests and the test-host suites
#   make demo       boot the test host and show toe at work
#   make bench      measure toe against kernel sockets and io_uring: BENCHMARKS.md
#   make soak       the long variants of the fault suites (hours)
#   make install    install toe.ko, libtoe and the tools on this host
#
# KERNEL=<version> or KDIR=<path> choose the kernel the module is built for.

SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD ?= $(ROOT)/build
CMAKE_BUILD_TYPE ?= RelWithDebInfo

# The running kernel's headers when they exist, otherwise the newest Debian
# linux-headers-*-amd64 package installed (the test host boots that kernel).
ifeq ($(KDIR),)
ifneq ($(KERNEL),)
KDIR := /lib/modules/$(KERNEL)/build
else ifneq ($(wildcard /lib/modules/$(shell uname -r)/build),)
KDIR := /lib/modules/$(shell uname -r)/build
else
KDIR := $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
endif
endif

.PHONY: all deps module user check check-unit check-vm demo bench soak install clean

all: module user

deps:
	@$(ROOT)/scripts/install-deps

module:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "toe: no kernel headers found (KDIR='$(KDIR)')." \
		     "Run 'make deps' or set KDIR=/path/to/headers." >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(ROOT) modules

$(BUILD)/CMakeCache.txt:
	cmake -S $(ROOT) -B $(BUILD) -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) \
		$(if $(CI),-DTOE_WERROR=ON)

user: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$$(nproc)

check: deps
	$(MAKE) all
	$(ROOT)/scripts/check

check-unit: user
	TOE_BUILD=$(BUILD) $(ROOT)/scripts/check --unit-only

check-vm: all
	TOE_BUILD=$(BUILD) $(ROOT)/scripts/check --vm-only

demo: deps
	$(MAKE) all
	$(ROOT)/scripts/demo

soak: deps
	$(MAKE) all
	TOE_BUILD=$(BUILD) $(ROOT)/scripts/soak

bench: deps
	$(MAKE) all
	TOE_BUILD=$(BUILD) $(ROOT)/scripts/bench

install: all
	$(MAKE) -C $(KDIR) M=$(ROOT) modules_install
	cmake --install $(BUILD)
	install -D -m 0644 $(ROOT)/scripts/udev/60-toe.rules \
		/etc/udev/rules.d/60-toe.rules
	getent group toe >/dev/null || groupadd --system toe

clean:
	-$(MAKE) -C $(KDIR) M=$(ROOT) clean
	rm -rf $(BUILD)
