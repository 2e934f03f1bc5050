#!/bin/bash
# The test-host half of capture.sh: the interop scenarios, each one's
# frames captured into this test's results directory.
here=$(cd "$(dirname "$0")" && pwd)
build=${TOE_BUILD:-${BUILD:-$here/../../build}}
exec "$here/../interop/run.sh" --harness "$build/tests/interop/toe-interop" \
	--bytes 524288 --pcap-dir "${TOE_RESULTS:?}/captures"
