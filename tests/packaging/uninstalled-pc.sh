#!/bin/bash
# A program builds and runs against libtoe in the build tree through
# libtoe-uninstalled.pc alone: PKG_CONFIG_PATH is the only thing set.
#
#   uninstalled-pc.sh LIBTOE_BUILD_DIR
set -euo pipefail
dir=${1:?usage: $0 LIBTOE_BUILD_DIR}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export PKG_CONFIG_PATH=$dir

flags=$(pkg-config --cflags --libs libtoe)
echo "pkg-config: $flags"
[[ $(pkg-config --path libtoe) == "$dir/libtoe-uninstalled.pc" ]] ||
	{ echo "pkg-config did not pick libtoe-uninstalled.pc" >&2; exit 1; }

cat >"$scratch/version.cpp" <<'CPP'
#include <toe/toe.h>
#include <cstdio>
int main()
{
	std::printf("libtoe %s\n", toe_library_version());
	return 0;
}
CPP
# shellcheck disable=SC2086 # pkg-config's output is a list of flags
c++ -std=c++20 -o "$scratch/version" "$scratch/version.cpp" $flags
out=$(env -u LD_LIBRARY_PATH "$scratch/version")
echo "$out"
[[ $out == "libtoe $(pkg-config --modversion libtoe)" ]]
# grep -q on a pipe would stop reading early, and pipefail would then
# report ldd's SIGPIPE as a failure
libs=$(ldd "$scratch/version")
grep -q "libtoe.so.1 => $dir/libtoe.so.1" <<<"$libs" ||
	{ echo "the program does not find libtoe in $dir by its run path" >&2; exit 1; }
