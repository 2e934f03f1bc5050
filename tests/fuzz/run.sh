#!/bin/bash
# Fuzzes the engine with libFuzzer for a while.
#
#   tests/fuzz/run.sh [SECONDS] [--jobs N] [--target engine|sack] [-- LIBFUZZER_ARGS...]
#
# SECONDS defaults to 20 (the smoke run `make check` uses). --target picks
# the fuzz target: engine (the default, toe_fuzz_engine, seeds in
# tests/fuzz/corpus) or sack (toe_fuzz_sack, the SACK-hostile peer against
# a live sender, seeds in tests/fuzz/corpus-sack). Builds the target with
# clang, ASan and UBSan in build-fuzz/ (TOE_FUZZ_BUILD overrides), then
# fuzzes starting from the committed seeds; new inputs go to
# build-fuzz/fuzz-corpus (fuzz-corpus-sack) and crash reproducers to
# build-fuzz/fuzz-artifacts (fuzz-artifacts-sack). --jobs N runs N fuzzing
# processes (libFuzzer -fork). Exit status: 0 no crash, 1 a crash (the
# reproducer's path is printed), 2 build or usage problem.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${TOE_FUZZ_BUILD:-$root/build-fuzz}
seconds=20
jobs=1
target=engine
extra=()
while (($#)); do
	case $1 in
	--jobs) jobs=$2; shift 2 ;;
	--target) target=$2; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	-h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*[!0-9]*) echo "run.sh: bad argument $1" >&2; exit 2 ;;
	*) seconds=$1; shift ;;
	esac
done

case $target in
engine) binary=toe_fuzz_engine seeds=$here/corpus suffix= ;;
sack) binary=toe_fuzz_sack seeds=$here/corpus-sack suffix=-sack ;;
*) echo "run.sh: unknown target $target (engine or sack)" >&2; exit 2 ;;
esac

if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
	echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi
if [[ ! -f $build/CMakeCache.txt ]]; then
	CC=clang CXX=clang++ cmake -S "$root" -B "$build" \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOE_FUZZ=ON >/dev/null || exit 2
fi
cmake --build "$build" --target "$binary" -j"$(nproc)" >/dev/null || {
	echo "fuzz: build failed; rerun: cmake --build $build --target $binary" >&2
	exit 2
}

fuzzer=$build/tests/fuzz/$binary
corpus=$build/fuzz-corpus$suffix
artifacts=$build/fuzz-artifacts$suffix
mkdir -p "$corpus" "$artifacts"
# As large as the largest seed (capture_seeds.hpp): libFuzzer would cut
# longer ones.
args=(-max_total_time="$seconds" -print_final_stats=1 -max_len=16384
      -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/")
((jobs > 1)) && args+=(-fork="$jobs" -ignore_crashes=0)

log=$build/fuzz$suffix.log
echo "fuzz: $target, $seconds s with $jobs job(s); log $log"
set +e
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$fuzzer" "${args[@]}" "${extra[@]}" "$corpus" "$seeds" >"$log" 2>&1
status=$?
set -e
grep -E '^(stat::|#[0-9]+ *(DONE|INITED))|Done [0-9]+ runs' "$log" | tail -n 8 || true
# The SACK target's own numbers: the worst per-ACK work and the peak
# scoreboard (one line per fuzzing process).
grep -E '^sack: final' "$log" || true
if ((status != 0)); then
	echo "fuzz: FAILED (status $status); last lines of $log:" >&2
	tail -n 40 "$log" >&2
	ls -1t "$artifacts" 2>/dev/null | head -n 3 | sed "s|^|fuzz: reproducer: $artifacts/|" >&2
	exit 1
fi
echo "fuzz: no crash"
