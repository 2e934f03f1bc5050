# shellcheck shell=bash
# Helpers for the examples' suites (tests/vm/examples/*.sh): the engine
# attached to side A of a topology, the examples running there, and
# unmodified Linux peers (nc, socat, python3) on side B.
#
#   source "$here/lib.sh"
#   ex_up veth|virtio|routed   build the topology and attach the engine to
#                         side A
#   ex_down               detach it and tear the topology down
#   ex_bg LOG [on_a|on_b] CMD...   start CMD in the background, output in
#                         LOG; ex_down (and ex_kill_all) kill it
#   ex_wait_line LOG RE [SECS]   wait until LOG has a line matching RE
#   on_a CMD... / on_b CMD...    run CMD in side A's or side B's namespace
#
# Knobs, for shorter runs by hand:
#   TOE_EXAMPLES_BYTES    the bulk transfers' size (default 256M)
#   TOE_EXAMPLES_IDLE_US  the engine's busy-poll period after work (default:
#                         the module's)
#   TOE_EXAMPLES_WIRES    "veth virtio" (default), or one of them
#   TOE_EXAMPLES_ONLY     a regex: run only the cases whose names match

ex_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/testlib.sh
source "$ex_here/../lib/testlib.sh"
# shellcheck source=../lib/topology.sh
source "$ex_here/../lib/topology.sh"

: "${TOE_BUILD:?run this through tests/vm/run}"
EX_BIN=$TOE_BUILD/tools/examples
# shellcheck disable=SC2034 # for the suites that source this file
EX_BYTES=${TOE_EXAMPLES_BYTES:-256M}
# Logs go to the test's results directory; bulk data to the guest's tmpfs.
# shellcheck disable=SC2034
EX_LOGS=${TOE_RESULTS:-$(mktemp -d)}
EX_TMP=$(mktemp -d /tmp/toe-examples.XXXXXX)
trap 'rm -rf "$EX_TMP"' EXIT
EX_PIDS=()

ex_log() { echo "examples: $*" >&2; }

on_a() { ns_exec "$TOPO_NS_A" "$@"; }
on_b() { ns_exec "$TOPO_NS_B" "$@"; }

# The module's read-only counters (docs/kernel.md): pinned_pages,
# ring_pages, contexts, engines.
toe_counter() { cat "/sys/module/toe/parameters/$1"; }

ex_require_binaries() {
	local b
	for b in toe-echo toe-recvfile toe-udp toe-attach; do
		[[ -x $EX_BIN/$b ]] || t_fail "$EX_BIN/$b is not built: run 'make'"
	done
}

# ex_attach [toe-attach options...]: attach the engine to side A's NIC.
ex_attach() {
	local idle=()
	[[ -z ${TOE_EXAMPLES_IDLE_US:-} ]] || idle=(--poll-idle-us "$TOE_EXAMPLES_IDLE_US")
	on_a "$EX_BIN/toe-attach" "${idle[@]}" "$@" "$TOPO_IF_A"
}

ex_detach() {
	[[ -n ${TOPO_NS_A:-} ]] || return 0
	on_a "$EX_BIN/toe-attach" --detach "$TOPO_IF_A" 2>/dev/null || true
}

# ex_up KIND [toe-attach options...]: the topology, ARP resolved both ways,
# and the engine attached to side A.
ex_up() {
	local kind=$1
	shift
	ex_require_binaries
	toe_load
	case $kind in
	veth) topo_veth ;;
	virtio) topo_virtio ;;
	routed) topo_routed ;;
	*) t_fail "unknown topology $kind" ;;
	esac
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"
	ex_attach "$@"
}

ex_kill_all() {
	local pid
	for pid in "${EX_PIDS[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null || true
	done
	for pid in "${EX_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	EX_PIDS=()
}

ex_down() {
	ex_kill_all
	ex_detach
	topo_teardown
}

# ex_bg LOG [on_a|on_b] CMD...: run CMD in the background (in side A's or
# B's namespace) with its output in LOG. It gets a process group of its own,
# killed whole by ex_kill_all; with a single program (no shell around it)
# the pid in EX_LAST_PID is that program's own.
ex_bg() {
	local log=$1
	shift
	local ns=()
	case $1 in
	on_a) ns=(ip netns exec "$TOPO_NS_A"); shift ;;
	on_b) ns=(ip netns exec "$TOPO_NS_B"); shift ;;
	esac
	setsid "${ns[@]}" "$@" >"$log" 2>&1 </dev/null &
	EX_LAST_PID=$!
	EX_PIDS+=("$EX_LAST_PID")
}

# ex_wait_line LOG REGEX [SECONDS]: wait for a line; on a time-out show the
# log, which usually says why.
ex_wait_line() {
	local log=$1 re=$2 limit=${3:-60}
	if ! wait_until "$limit" "'$re' in ${log##*/}" grep -qE -- "$re" "$log"; then
		ex_log "--- ${log##*/}:"
		cat "$log" >&2 || true
		return 1
	fi
}

# ex_wait_pid PID [SECONDS]: wait for a background process to end and
# return its exit status (124 if it had to be killed).
ex_wait_pid() {
	local pid=$1 limit=${2:-120}
	if ! wait_until "$limit" "process $pid to end" _ex_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 124
	fi
	local rc=0
	wait "$pid" || rc=$?
	return "$rc"
}
_ex_gone() { ! kill -0 "$1" 2>/dev/null || [[ $(ps -o stat= -p "$1") == Z* ]]; }

# ex_show LOG: print a log into the test's output.
ex_show() { sed "s|^|  ${1##*/}: |" "$1"; }

# ex_file NAME SIZE: a file of SIZE random bytes, made once per suite.
ex_file() {
	local path=$EX_TMP/$1 size=$2
	if [[ ! -s $path ]]; then
		head -c "$size" /dev/urandom >"$path"
	fi
	echo "$path"
}

ex_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# ex_same SENT GOT WHAT: fail unless the files match; on a mismatch, keep
# both in the results for a look at what came instead.
ex_same() {
	cmp "$1" "$2" && return 0
	cp "$1" "$EX_LOGS/${TOPO_KIND:-}-sent.bin"
	cp "$2" "$EX_LOGS/${TOPO_KIND:-}-received.bin"
	t_fail "$3 got back something else than it sent (both kept in the results)"
}

# The run-once cases for each wire: "t_each_wire NAME FUNCTION" runs
# FUNCTION over veth and then over the virtio-net pair.
# TOE_EXAMPLES_ONLY=REGEX runs only the cases whose name matches.
t_each_wire() {
	local name=$1 fn=$2 kind
	for kind in ${TOE_EXAMPLES_WIRES:-veth virtio}; do
		[[ -z ${TOE_EXAMPLES_ONLY:-} || ${name}_$kind =~ $TOE_EXAMPLES_ONLY ]] || continue
		t_case "${name}_$kind" _ex_case_on "$kind" "$fn"
	done
}
_ex_case_on() {
	local kind=$1 fn=$2
	trap ex_down EXIT
	ex_up "$kind"
	"$fn"
}
