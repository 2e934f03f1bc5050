# toe: top-level build.
#
#   make            build toe.ko and the user-space parts, tests included
#   make build      build only what is installed: toe.ko, libtoe, the tools
#   make check      every test: unit tests and the test-host suites
#   make demo       boot the test host and show toe at work
#   make bench      measure toe against kernel sockets and io_uring: BENCHMARKS.md
#   make soak       the long variants of the fault suites (hours)
#   make install    install toe.ko, libtoe and the tools on this host
#   make deb        Debian packages in build/deb (toe-dkms, libtoe1,
#                   libtoe-dev, toe-tools), checked with lintian
#
# KERNEL=<version> or KDIR=<path> choose the kernel the module is built for.

SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD ?= $(ROOT)/build
CMAKE_BUILD_TYPE ?= RelWithDebInfo

# The running kernel's headers when they exist, otherwise those of the
# newest Debian kernel in /boot (the one the test host boots), otherwise the
# newest linux-headers-*-amd64 installed. Versions compare as versions:
# 6.12 is newer than 6.1.0-57.
BOOT_KERNEL := $(shell find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' \
	-printf '%f\n' 2>/dev/null | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
ifeq ($(KDIR),)
ifneq ($(KERNEL),)
KDIR := /lib/modules/$(KERNEL)/build
else ifneq ($(wildcard /lib/modules/$(shell uname -r)/build),)
KDIR := /lib/modules/$(shell uname -r)/build
else ifneq ($(and $(BOOT_KERNEL),$(wildcard /lib/modules/$(BOOT_KERNEL)/build)),)
KDIR := /lib/modules/$(BOOT_KERNEL)/build
else
KDIR := $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
endif
endif

.PHONY: all deps module user build check check-unit check-vm demo bench soak \
	install deb kernel-compat clean

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

CMAKE_CONFIGURE = cmake -S $(ROOT) -B $(BUILD) \
	-DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) $(if $(CI),-DTOE_WERROR=ON)

# A tree first configured by `make build` has no tests: turn them on.
user:
	@if ! grep -qs '^BUILD_TESTING:BOOL=ON' $(BUILD)/CMakeCache.txt; then \
		$(CMAKE_CONFIGURE) -DBUILD_TESTING=ON; fi
	cmake --build $(BUILD) -j$$(nproc)

# Without googletest or a test build: what `make install` installs.
build: module
	@[ -f $(BUILD)/CMakeCache.txt ] || $(CMAKE_CONFIGURE) -DBUILD_TESTING=OFF
	cmake --build $(BUILD) -j$$(nproc) --target toe_products

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

install: build
	$(MAKE) -C $(KDIR) M=$(ROOT) modules_install
	cmake --install $(BUILD)
	install -D -m 0644 $(ROOT)/scripts/udev/60-toe.rules \
		/etc/udev/rules.d/60-toe.rules
	getent group toe >/dev/null || groupadd --system toe

deb:
	$(ROOT)/scripts/build-deb $(BUILD)/deb

# toe.ko against the newest kernel headers Debian offers (bookworm and
# bookworm-backports), unpacked privately: a compile check only.
kernel-compat:
	$(ROOT)/scripts/kernel-compat $(BUILD)/kernel-compat

clean:
	-$(MAKE) -C $(KDIR) M=$(ROOT) clean
	rm -rf $(BUILD)
