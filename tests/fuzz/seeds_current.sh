#!/bin/bash
# fuzz_seeds_current: the committed corpus is what toe-fuzz-seeds writes
# from its own seeds and the committed captures, so a change to either (or
# to the fuzz input format) comes with regenerated seeds. With --sack, the
# same for the SACK target's corpus-sack and toe-fuzz-sack-seeds.
#
#   seeds_current.sh TOE_FUZZ_SEEDS
#   seeds_current.sh --sack TOE_FUZZ_SACK_SEEDS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fresh=$(mktemp -d /tmp/toe-seeds.XXXXXX)
trap 'rm -rf "$fresh"' EXIT
if [[ $1 == --sack ]]; then
	corpus=corpus-sack
	"$2" "$fresh" >/dev/null
	rerun="$2 tests/fuzz/$corpus"
else
	corpus=corpus
	"$1" "$fresh" "$here"/captures/*.pcap >/dev/null
	rerun="$1 tests/fuzz/corpus tests/fuzz/captures/*.pcap"
fi
if ! diff -r -q "$here/$corpus" "$fresh"; then
	echo "tests/fuzz/$corpus is stale: rerun $rerun" >&2
	exit 1
fi
