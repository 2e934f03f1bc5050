#!/bin/bash
# toe.ko's own side on the test host, without libtoe: the raw ioctls and
# rings (tests/vm/glue/toe_glue_test), attach and detach, unload refusal,
# the host stack beside an attached engine, device removal, and the
# module-wide counters returning to zero. Run it with:
#
#   tests/vm/run tests/vm/glue.sh
#
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/testlib.sh
source "$here/lib/testlib.sh"
# shellcheck source=lib/topology.sh
source "$here/lib/topology.sh"
t_expect 25

: "${TOE_KO:?run this through tests/vm/run}"
: "${TOE_BUILD:?run this through tests/vm/run}"
glue_test=$TOE_BUILD/tests/vm/glue/toe_glue_test

param() { cat "/sys/module/toe/parameters/$1"; }

# Every application and engine gone: the module's counts are back at zero.
expect_counts_zero() {
	local p
	for p in pinned_pages ring_pages contexts engines; do
		[[ $(param "$p") == 0 ]] || t_fail "$p is $(param "$p"), expected 0"
	done
}

run_glue_test() {
	ns_exec "$TOPO_NS_A" "$glue_test" --if "$TOPO_IF_A" --local "$TOPO_IP_A" \
		--peer "$TOPO_IP_B" "$@"
}

case_raw_abi_over_veth() {
	[[ -x $glue_test ]] || t_fail "$glue_test is not built: run 'make'"
	toe_load
	trap topo_teardown EXIT
	topo_veth
	run_glue_test
	expect_counts_zero
}

case_raw_abi_over_virtio() {
	toe_load
	trap topo_teardown EXIT
	topo_virtio
	run_glue_test attach_checks_arguments nop_roundtrip_and_poll \
		ports_are_reserved_in_the_host dereg_refused_while_buffer_posted \
		detach_returns_buffers_and_marks_contexts
	expect_counts_zero
}

# While attached: unloading is refused, and the host stack still answers
# ARP, ICMP and TCP on ports the engine does not own.
case_attached_engine_leaves_host_traffic_alone() {
	toe_load
	trap 'ns_exec "$TOPO_NS_A" "$glue_test" detach "$TOPO_IF_A" 2>/dev/null || true; topo_teardown' EXIT
	topo_veth
	ns_exec "$TOPO_NS_A" "$glue_test" attach "$TOPO_IF_A"
	[[ $(param engines) == 1 ]] || t_fail "engines is $(param engines) after attach"
	if rmmod toe 2>"$TOE_RESULTS/rmmod.err"; then
		t_fail "rmmod succeeded while an engine was attached"
	fi
	echo "unload refused, as expected: $(<"$TOE_RESULTS/rmmod.err")"
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"
	ns_exec "$TOPO_NS_A" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5301)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.sendall(c.recv(100).upper()); c.close()' &
	local server=$!
	wait_tcp_listen "$TOPO_NS_A" 5301
	local reply
	reply=$(ns_exec "$TOPO_NS_B" python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 5301), timeout=60)
c.sendall(b"hello"); print(c.recv(100).decode())' "$TOPO_IP_A")
	wait "$server"
	[[ $reply == HELLO ]] || t_fail "host TCP echo gave '$reply'"
	ns_exec "$TOPO_NS_A" "$glue_test" detach "$TOPO_IF_A"
	expect_counts_zero
	rmmod toe
	insmod "$TOE_KO"
}

# The device going away detaches the engine, whichever way it goes.
case_device_removal_detaches() {
	toe_load
	trap topo_teardown EXIT
	topo_veth
	ns_exec "$TOPO_NS_A" "$glue_test" attach "$TOPO_IF_A"
	ip -n "$TOPO_NS_A" link del "$TOPO_IF_A"
	[[ $(param engines) == 0 ]] || t_fail "engine left after the device was deleted"
	topo_veth
	ns_exec "$TOPO_NS_A" "$glue_test" attach "$TOPO_IF_A"
	ip netns del "$TOPO_NS_A"
	wait_until 30 "the namespace's device to go" test "$(param engines)" = 0 ||
		t_fail "engine left after the namespace was deleted"
	rmmod toe
	insmod "$TOE_KO"
}

t_case raw_abi_over_veth case_raw_abi_over_veth
t_case raw_abi_over_virtio case_raw_abi_over_virtio
t_case attached_engine_leaves_host_traffic_alone case_attached_engine_leaves_host_traffic_alone
t_case device_removal_detaches case_device_removal_detaches
toe_load
t_finish
