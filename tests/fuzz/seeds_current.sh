#!/bin/bash
# fuzz_seeds_current: the committed corpus is what toe-fuzz-seeds writes
# from its own seeds and the committed captures, so a change to either (or
# to the fuzz input format) comes with regenerated seeds.
#
#   seeds_current.sh TOE_FUZZ_SEEDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fresh=$(mktemp -d /tmp/toe-seeds.XXXXXX)
trap 'rm -rf "$fresh"' EXIT
"$1" "$fresh" "$here"/captures/*.pcap >/dev/null
if ! diff -r -q "$here/corpus" "$fresh"; then
	echo "tests/fuzz/corpus is stale: rerun" \
		"$1 tests/fuzz/corpus tests/fuzz/captures/*.pcap" >&2
	exit 1
fi
