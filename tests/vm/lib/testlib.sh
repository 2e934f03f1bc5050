# shellcheck shell=bash
# A small harness for test scripts on the test host: named cases, each run
# in its own subshell with errexit, each ending in one PASS or FAIL line.
#
#   source "$TOE_ROOT/tests/vm/lib/testlib.sh"
#   case_insmod() { ...; }
#   t_case insmod_works case_insmod
#   t_finish            # summary line; exit status 1 if any case failed
#
# Inside a case: any failing command fails the case (and names the line),
# t_fail MESSAGE fails it with a reason, and an EXIT trap set in the case
# runs when the case ends, so cases can clean up after themselves.

# t_expect SECONDS: how long this test takes on the reference (a quiet
# 2-core machine under TCG). The guest runner asks before the test starts
# (TOEVM_EXPECT_QUERY=1: print it and exit, doing nothing else), and kills
# the test after three times that, scaled by the guest's measured speed,
# plus a minute. Call it once, after the knobs are read and before the test
# touches anything; a test whose work depends on knobs computes SECONDS
# from them.
t_expect() {
	if [[ -n ${TOEVM_EXPECT_QUERY:-} ]]; then
		echo "$1"
		exit 0
	fi
}

# t_scaled SECONDS: SECONDS of reference time as this guest's limit: three
# times SECONDS at its measured speed (TOE_VM_SPEED, 1.0 or more), plus a
# minute. For a test's own inner limits (a transfer that must end).
t_scaled() {
	local speed=${TOE_VM_SPEED:-1.0} x10
	x10=$((${speed%.*} * 10 + ${speed#*.}))
	echo $((60 + ($1 * 3 * x10 + 9) / 10))
}

# t_mib SIZE: SIZE (4M, 256M, 1G, or bytes) in whole MiB, at least 1.
t_mib() {
	local n
	n=$(numfmt --from=iec "$1")
	n=$(((n + 1048575) / 1048576))
	echo $((n ? n : 1))
}

_t_passed=0
_t_failed=0
_t_failed_names=()

# t_fail MESSAGE: fail the current case.
t_fail() {
	echo "error: $*" >&2
	exit 1
}

# t_case NAME FUNCTION [ARGS...]: run one case.
t_case() {
	local name=$1 rc=0 start ms
	shift
	echo "--- $name"
	start=$(date +%s%N)
	# errexit is ignored inside an "if" or "||", so the subshell's status is
	# taken with errexit off in the caller instead.
	set +e
	(
		set -eE -o pipefail
		trap 'echo "error: status $? at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR
		"$@"
	)
	rc=$?
	set -e
	ms=$((($(date +%s%N) - start) / 1000000))
	# The duration is for reading only; no test judges it.
	local took="($((ms / 1000)).$((ms % 1000 / 100))s)"
	if ((rc == 0)); then
		echo "PASS $name $took"
		_t_passed=$((_t_passed + 1))
	else
		echo "FAIL $name $took"
		_t_failed=$((_t_failed + 1))
		_t_failed_names+=("$name")
	fi
}

# t_finish: print the summary and exit non-zero if any case failed.
t_finish() {
	echo "--- ${0##*/}: $_t_passed cases passed, $_t_failed failed${_t_failed_names[*]:+ (${_t_failed_names[*]})}"
	((_t_failed == 0))
}

# toe_loaded: is toe.ko loaded?
toe_loaded() { [[ -d /sys/module/toe ]]; }

# toe_load: load $TOE_KO unless it is loaded already.
toe_load() {
	toe_loaded || insmod "${TOE_KO:?TOE_KO is not set}"
}

# toe_unload: unload toe.ko if it is loaded.
toe_unload() {
	! toe_loaded || rmmod toe
}

# toe_attach NS IFNAME / toe_detach NS IFNAME: attach the engine to IFNAME
# in namespace NS, or detach it. libtoe contexts need an attached engine in
# their own namespace. This goes through tools/examples/toe-attach (the
# TOE_IOC_ATTACH ioctl); tests/vm/toectl.sh covers toectl's netlink path.
toe_attach() {
	ip netns exec "$1" "${TOE_BUILD:?}/tools/examples/toe-attach" "$2"
}
toe_detach() {
	ip netns exec "$1" "${TOE_BUILD:?}/tools/examples/toe-attach" --detach "$2"
}
