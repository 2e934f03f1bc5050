#!/bin/bash
# The version is written in four places that must agree: project() in
# CMakeLists.txt (libtoe, the .pc and CMake package files), debian/changelog
# (the packages), dkms.conf (the directory DKMS builds from) and toe.ko's
# MODULE_VERSION (modinfo).
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cmake_version=$(sed -n 's/^project(toe VERSION \([0-9.]*\) .*/\1/p' "$root/CMakeLists.txt")
deb_version=$(sed -n '1s/^toe (\([^)]*\)).*/\1/p' "$root/debian/changelog")
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$root/dkms.conf")
module_version=$(sed -n 's/^MODULE_VERSION("\(.*\)");$/\1/p' "$root/kmod/linux/toe_main.c")
echo "CMakeLists.txt $cmake_version, debian/changelog $deb_version," \
	"dkms.conf $dkms_version, toe_main.c $module_version"
[[ -n $cmake_version && $cmake_version == "$deb_version" &&
	$cmake_version == "$dkms_version" && $cmake_version == "$module_version" ]]
