#!/bin/bash
# How applications wait, against a kernel toeperf server on side B: in the
# engine's default wait mode (inline) a kick runs its requests and a waiter
# serves the engine in its own context; in "thread" mode every round runs
# on the engine thread. Each case moves an exact number of transactions, so
# a lost wake-up shows as a run that ends short (or a time-out), never as a
# slower one:
#
#   - lost wake-ups: 10,000 ping-pongs in each mode (inline with and
#     without deferred frames, the thread with and without adaptive
#     polling), and inline waits and kicks counted only in inline mode;
#   - many contexts on one engine: eight clients at once;
#   - a context that never waits (busy-polling) beside one that waits;
#   - kill -9 of an application sleeping in an inline wait: it dies, its
#     pages and rings are released, and the engine serves the next one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
t_expect 240

TOEPERF=$TOE_BUILD/tools/toeperf/toeperf
TOECTL=$TOE_BUILD/tools/toectl/toectl
port=7500
silent_port=7600

engine_counter() {
	on_a "$TOECTL" -j engine stats dev "$TOPO_IF_A" | jq -r ".[0].counters.$1"
}

# reattach MODE [attach options...]: the engine on side A again, in wait
# mode MODE.
reattach() {
	local mode=$1
	shift
	on_a "$TOECTL" engine detach dev "$TOPO_IF_A"
	on_a "$TOECTL" engine attach dev "$TOPO_IF_A" wait "$mode" "$@"
	[[ $(on_a "$TOECTL" -j engine show dev "$TOPO_IF_A" | jq -r '.[0].wait') == "$mode" ]] ||
		t_fail "the engine does not report wait mode $mode"
}

start_server() {
	ex_bg "$EX_LOGS/server.log" on_b "$TOEPERF" server --backend kernel --connections 16 \
		--udp "$TOPO_IP_B:$port"
	ex_wait_line "$EX_LOGS/server.log" '^toeperf server'
}

# pingpong NAME COUNT [toeperf options...]: a toe client in the background
# whose JSON lands in $EX_LOGS/NAME.json; its pid in EX_LAST_PID.
pingpong() {
	local name=$1 count=$2
	shift 2
	ex_bg "$EX_LOGS/$name.json" on_a "$TOEPERF" client --backend toe --json --mode pingpong \
		--size 64 --count "$count" --time 600 "$@" "$TOPO_IP_B:$port"
}

# finished NAME PID COUNT: the client exited 0 after exactly COUNT.
finished() {
	local name=$1 pid=$2 count=$3 got
	ex_wait_pid "$pid" 600 || t_fail "$name did not finish: $(tail -5 "$EX_LOGS/$name.json")"
	got=$(jq -r '.transactions' "$EX_LOGS/$name.json" 2>/dev/null || echo none)
	[[ $got == "$count" ]] || t_fail "$name moved $got transactions, not $count"
}

# Each way of waiting and polling: inline (frames deferred for a coming
# waiter, the default), inline with no deferral, the thread alone, and the
# thread polling adaptively (a cap above the gaps, so that it polls).
lost_wakeup_setups=(
	"inline"
	"inline rx-defer-us 0"
	"thread"
	"thread poll adaptive idle-us 1000"
)

case_lost_wakeups() {
	start_server
	local setup mode name kicks0 waits0 polls0 kicks waits polls
	for setup in "${lost_wakeup_setups[@]}"; do
		# shellcheck disable=SC2086 # the setup is words
		reattach $setup
		mode=${setup%% *}
		name=lost-${setup// /-}
		kicks0=$(engine_counter glue_inline_kicks)
		waits0=$(engine_counter glue_inline_waits)
		polls0=$(engine_counter glue_idle_polls)
		pingpong "$name" 10000
		finished "$name" "$EX_LAST_PID" 10000
		kicks=$(($(engine_counter glue_inline_kicks) - kicks0))
		waits=$(($(engine_counter glue_inline_waits) - waits0))
		polls=$(($(engine_counter glue_idle_polls) - polls0))
		echo "wait $setup: 10000 transactions, $kicks inline kicks, $waits inline waits," \
			"$polls idle polls, $(jq -r '"p50 \(.latency_ns.p50 / 1000 | floor) us"' "$EX_LOGS/$name.json")"
		if [[ $mode == inline ]]; then
			((waits > 0 && kicks > 0)) || t_fail "inline mode served no wait or kick inline"
		else
			((waits == 0 && kicks == 0)) || t_fail "thread mode served $waits waits and $kicks kicks inline"
		fi
		if [[ $setup == *adaptive* ]]; then
			[[ $(on_a "$TOECTL" -j engine show dev "$TOPO_IF_A" | jq -r '.[0].poll') == adaptive ]] ||
				t_fail "the engine does not report poll mode adaptive"
			((polls > 0)) || t_fail "adaptive polling never polled between exchanges"
		fi
	done
}

case_many_contexts() {
	start_server
	local i pids=()
	for i in $(seq 8); do
		pingpong "ctx-$i" 2000
		pids+=("$EX_LAST_PID")
	done
	for i in $(seq 8); do
		finished "ctx-$i" "${pids[i - 1]}" 2000
	done
	echo "8 contexts: 2000 transactions each; $(engine_counter glue_inline_waits) inline waits"
}

case_never_waits() {
	start_server
	pingpong spinner 5000 --busy-poll
	local spinner=$EX_LAST_PID
	pingpong sleeper 5000
	local sleeper=$EX_LAST_PID
	finished sleeper "$sleeper" 5000
	finished spinner "$spinner" 5000
	echo "a busy-polling context and a waiting one: 5000 transactions each"
}

counters() {
	echo "pinned_pages=$(toe_counter pinned_pages) ring_pages=$(toe_counter ring_pages)" \
		"contexts=$(toe_counter contexts)"
}
counter_is() { [[ $(toe_counter "$1") == "$2" ]]; }
waits_inline() { grep -q toe_ctx_wait_inline "/proc/$1/stack" 2>/dev/null; }

case_kill9_inline() {
	start_server
	# A peer that accepts and never answers: the client sleeps in its
	# wait for the first reply.
	ex_bg "$EX_LOGS/silent.log" on_b python3 -u -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
print("accepted", flush=True)
time.sleep(3600)
' "$TOPO_IP_B" "$silent_port"
	ex_wait_line "$EX_LOGS/silent.log" '^listening'
	local base_pinned base_rings base_ctx
	base_pinned=$(toe_counter pinned_pages)
	base_rings=$(toe_counter ring_pages)
	base_ctx=$(toe_counter contexts)

	ex_bg "$EX_LOGS/victim.json" on_a "$TOEPERF" client --backend toe --json --mode pingpong \
		--count 1 --time 600 "$TOPO_IP_B:$silent_port"
	local victim=$EX_LAST_PID pid
	ex_wait_line "$EX_LOGS/silent.log" '^accepted'
	pid=$(pgrep -f "toeperf client --backend toe --json --mode pingpong --count 1" | head -1)
	[[ -n $pid ]] || t_fail "the victim is not running"
	wait_until 60 "the victim to sleep in an inline wait" waits_inline "$pid" ||
		t_fail "the victim never waited inline: $(cat "/proc/$pid/stack" 2>/dev/null)"
	echo "the victim waits inline: $(grep -m1 toe_ "/proc/$pid/stack")"
	kill -KILL "$pid"
	local rc=0
	ex_wait_pid "$victim" 30 || rc=$?
	((rc == 137)) || t_fail "the victim ended with status $rc after kill -9, not 137"
	wait_until 60 "the victim's pinned pages to be released" counter_is pinned_pages "$base_pinned" ||
		t_fail "after the kill: $(counters); expected pinned_pages=$base_pinned"
	wait_until 60 "the victim's rings to be freed" counter_is ring_pages "$base_rings" ||
		t_fail "after the kill: $(counters); expected ring_pages=$base_rings"
	wait_until 60 "the victim's context to go" counter_is contexts "$base_ctx" ||
		t_fail "after the kill: $(counters); expected contexts=$base_ctx"
	echo "after the kill: $(counters)"

	pingpong after-kill 1000
	finished after-kill "$EX_LAST_PID" 1000
	echo "the next application: 1000 transactions"
}

[[ -x $TOEPERF ]] || t_fail "$TOEPERF is not built: run 'make'"
TOE_EXAMPLES_WIRES=${TOE_EXAMPLES_WIRES:-veth}
t_each_wire waiting_lost_wakeups case_lost_wakeups
t_each_wire waiting_many_contexts case_many_contexts
t_each_wire waiting_never_waits case_never_waits
t_each_wire waiting_kill9_inline case_kill9_inline
toe_load
t_finish
