# SPDX-License-Identifier: GPL-2.0
#
# The portable engine's sources, relative to kmod/core. kmod/Kbuild builds
# them into toe.ko and kmod/core/CMakeLists.txt into libtoe_core.a for the
# user-space tests; this file is the one list both use.
#
# TOE_CORE_SOURCES: built everywhere. TOE_CORE_KERNEL_SOURCES: the kernel
# side of the OS shim, built into toe.ko only (the user-space side,
# os/toe_os_user.c, is built by CMake only). The TCP files (tcp_*.c) are
# picked up by pattern so the TCP code can add files freely.

TOE_CORE_DIR := $(dir $(lastword $(MAKEFILE_LIST)))

TOE_CORE_BASE_SOURCES := buflet.c engine.c flow.c icmp.c introspect.c output.c \
	owner.c parse.c rx_dgram.c rx_place.c sock.c sock_api.c timer.c udp.c

TOE_CORE_TCP_SOURCES := $(sort $(notdir $(wildcard $(TOE_CORE_DIR)tcp_*.c)))

TOE_CORE_KERNEL_SOURCES := os/toe_os_kernel.c

TOE_CORE_SOURCES := $(TOE_CORE_BASE_SOURCES) $(TOE_CORE_TCP_SOURCES) \
	$(TOE_CORE_KERNEL_SOURCES)
