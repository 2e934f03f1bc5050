#!/bin/bash
# Interop inside the test host (tests/vm/run tests/interop/vm.sh): the
# guest's kernel has netem and 802.1Q, so the lossy and vlan scenarios run
# there too. The harness comes from the CMake build directory (TOE_BUILD,
# else BUILD, else build/); 32 MiB each way keeps the run short under TCG.
here=$(cd "$(dirname "$0")" && pwd)
build=${TOE_BUILD:-${BUILD:-$here/../../build}}
exec "$here/run.sh" --harness "$build/tests/interop/toe-interop" \
	--bytes $((32 * 1024 * 1024)) "$@"
