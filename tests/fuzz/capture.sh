#!/bin/bash
# Records the real traffic the fuzz seeds start from, and rewrites the seed
# corpus from it.
#
#   tests/fuzz/capture.sh [--here]
#
# Every interop scenario (tests/interop/run.sh: Linux's TCP and UDP talking
# to the engine across a veth pair, 512 KiB each way) runs with its frames
# captured, headers only. By default the scenarios run in the test host,
# whose kernel has netem and 802.1Q for the lossy and vlan scenarios;
# --here runs them on this machine instead (root; scenarios this kernel
# cannot run are skipped). The captures replace tests/fuzz/captures/, and
# toe-fuzz-seeds rewrites tests/fuzz/corpus/ from its own seeds and them.
# Commit both; fuzz_seeds_current (CTest) checks that they agree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${TOE_BUILD:-${BUILD:-$root/build}}
captures=$here/captures

case ${1:-} in
--here)
	fresh=$(mktemp -d /tmp/toe-captures.XXXXXX)
	"$root/tests/interop/run.sh" --harness "$build/tests/interop/toe-interop" \
		--bytes 524288 --pcap-dir "$fresh" || true
	;;
"")
	results=$build/capture-results
	TOE_BUILD=$build "$root/tests/vm/run" --no-module --results "$results" \
		"$here/capture-vm.sh"
	fresh=$(dirname "$(find "$results" -name passive.pcap | head -n 1)")
	;;
-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
*) echo "capture.sh: unknown argument $1" >&2; exit 2 ;;
esac

shopt -s nullglob
pcaps=("$fresh"/*.pcap)
((${#pcaps[@]})) || { echo "capture.sh: no captures were written" >&2; exit 1; }
rm -rf "$captures" "$here/corpus"
mkdir -p "$captures"
cp "${pcaps[@]}" "$captures/"
"$build/tests/fuzz/toe-fuzz-seeds" "$here/corpus" "$captures"/*.pcap
