#!/bin/bash
# toe-resp, the Redis-protocol server on the engine, driven from the Linux
# side of the veth wire by Redis's own clients: redis-cli (SET and GET of
# values that must come back unchanged, inline and pipelined commands) and
# redis-benchmark (its start-up CONFIG GET, PING inline and as an array,
# SET, GET, over 50 connections and pipelined 16 deep), which must report
# no error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
t_expect 60

port=6379

start_server() {
	[[ -x $EX_BIN/toe-resp ]] || t_fail "$EX_BIN/toe-resp is not built: run 'make'"
	ex_bg "$EX_LOGS/toe-resp-$1.log" on_a "$EX_BIN/toe-resp" "$TOPO_IP_A:$port"
	ex_wait_line "$EX_LOGS/toe-resp-$1.log" '^listening on'
}

cli() { on_b timeout 30 redis-cli -h "$TOPO_IP_A" -p "$port" "$@"; }

# expect WHAT GOT WANT
expect() {
	[[ $2 == "$3" ]] || t_fail "$1: got '$2', want '$3'"
}

case_redis_cli() {
	start_server cli
	expect PING "$(cli ping)" PONG
	expect "PING with a message" "$(cli ping hello)" hello
	expect SET "$(cli set greeting 'named buffers, one copy')" OK
	expect GET "$(cli get greeting)" 'named buffers, one copy'
	expect "GET of a missing key" "$(cli get missing)" ""
	local big
	big=$(head -c 30000 /dev/urandom | base64 -w0)
	expect "SET of 40 KB" "$(cli set big "$big")" OK
	expect "GET of 40 KB" "$(cli get big)" "$big"
	expect INCR "$(cli incr counter)" 1
	expect "CONFIG GET save" "$(cli config get save | head -1)" save
	# Inline commands and a pipeline of 100 in one write, over one
	# connection: every reply in order.
	local got
	got=$(printf 'PING\r\nSET k%d v%d\r\n' 1 1 | on_b timeout 30 nc -N "$TOPO_IP_A" "$port")
	expect "inline commands" "$(printf '%s' "$got" | tr -d '\r' | paste -sd' ')" "+PONG +OK"
	got=$(for i in $(seq 1 100); do printf 'SET key%d value%d\n' "$i" "$i"; done |
		on_b timeout 30 redis-cli -h "$TOPO_IP_A" -p "$port" --pipe)
	echo "$got"
	[[ $got == *"errors: 0, replies: 100"* ]] || t_fail "redis-cli --pipe: $got"
	expect "GET after the pipeline" "$(cli get key77)" value77
	expect DBSIZE "$(cli dbsize)" 104
	got=$(cli nosuchcommand 2>&1)
	[[ $got == "ERR unknown command 'nosuchcommand'"* ]] || t_fail "unknown command: $got"
}

# bench_ok LOG: redis-benchmark's CSV, one line per test, and no error.
bench_ok() {
	local log=$1 tests
	cat "$log"
	! grep -qiE 'error|warning|could not' "$log" || t_fail "redis-benchmark reported an error"
	tests=$(grep -cE '^"(PING_INLINE|PING_MBULK|SET|GET)"' "$log" || true)
	((tests == 4)) || t_fail "redis-benchmark ran $tests of its 4 tests"
}

case_redis_benchmark() {
	start_server bench
	on_b timeout 300 redis-benchmark -h "$TOPO_IP_A" -p "$port" -t ping,set,get -n 2000 -c 50 \
		-P 16 --csv >"$EX_LOGS/benchmark-pipelined.csv" 2>&1 ||
		t_fail "redis-benchmark -P 16 failed"
	bench_ok "$EX_LOGS/benchmark-pipelined.csv"
	on_b timeout 300 redis-benchmark -h "$TOPO_IP_A" -p "$port" -t ping,set,get -n 500 -c 4 \
		--csv >"$EX_LOGS/benchmark.csv" 2>&1 || t_fail "redis-benchmark failed"
	bench_ok "$EX_LOGS/benchmark.csv"
	# What the benchmark stored: SET key:__rand_int__ of 3 bytes (random
	# letters in redis-benchmark 7).
	local value
	value=$(cli get key:__rand_int__)
	expect "the length of the benchmark's value" "${#value}" 3
}

TOE_EXAMPLES_WIRES=${TOE_EXAMPLES_WIRES:-veth}
t_each_wire redis_cli_to_toe_resp case_redis_cli
t_each_wire redis_benchmark_to_toe_resp case_redis_benchmark
toe_load
t_finish
