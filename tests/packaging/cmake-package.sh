#!/bin/bash
# libtoe installed into a scratch prefix is usable from CMake as
# find_package(toe) and toe::toe (relocatable), and installs its libtoe.pc
# (which names the configured prefix, as pkg-config files do).
#
#   cmake-package.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix

cmake --install "$build" --prefix "$prefix" >"$scratch/install.log"
mkdir -p "$scratch/app"
cat >"$scratch/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(toe_consumer CXX)
find_package(toe 0.1 REQUIRED)
add_executable(version version.cpp)
target_compile_features(version PRIVATE cxx_std_20)
target_link_libraries(version PRIVATE toe::toe)
CMAKE
cat >"$scratch/app/version.cpp" <<'CPP'
#include <linux/toe.h>
#include <toe/toe.hpp>
#include <cstdio>
int main()
{
	std::printf("libtoe %s abi %d.%d\n", toe_library_version(), TOE_ABI_MAJOR, TOE_ABI_MINOR);
	return 0;
}
CPP
cmake -S "$scratch/app" -B "$scratch/app/build" -DCMAKE_PREFIX_PATH="$prefix" >"$scratch/configure.log" ||
	{ cat "$scratch/configure.log" >&2; exit 1; }
cmake --build "$scratch/app/build" >"$scratch/build.log" ||
	{ cat "$scratch/build.log" >&2; exit 1; }
LD_LIBRARY_PATH=$(dirname "$(find "$prefix" -name libtoe.so.1 | head -n 1)") "$scratch/app/build/version"

pc=$(find "$prefix" -name libtoe.pc | head -n 1)
PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --exists --print-errors libtoe
