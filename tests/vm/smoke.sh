#!/bin/bash
# Smoke tests of toe.ko on the test host: loading and unloading, /dev/toe
# contexts, the version ioctl through libtoe, unknown ioctls, unloading while
# in use, and both network topologies (with netem on one). Run it with:
#
#   tests/vm/run tests/vm/smoke.sh
#
# The runner has loaded toe.ko; this script leaves it loaded again.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/testlib.sh
source "$here/lib/testlib.sh"
# shellcheck source=lib/topology.sh
source "$here/lib/topology.sh"
t_expect 45

: "${TOE_KO:?run this through tests/vm/run}"
: "${TOE_BUILD:?run this through tests/vm/run}"
toedev=(python3 "$here/lib/toedev.py")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Does process $1 hold /dev/toe open?
holds_toe() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[[ $(readlink "$fd") == /dev/toe ]] && return 0
	done
	return 1
}

case_load_unload_20_times() {
	toe_unload
	local i
	for i in $(seq 20); do
		insmod "$TOE_KO"
		[[ -c /dev/toe ]] || t_fail "no /dev/toe after load $i"
		rmmod toe
		[[ ! -e /dev/toe ]] || t_fail "/dev/toe still there after unload $i"
	done
	insmod "$TOE_KO"
}

case_two_openers_at_once() {
	toe_load
	local id_a id_b
	# Not local: the EXIT trap runs after this function has returned.
	pid_a='' pid_b=''
	trap 'kill $pid_a $pid_b 2>/dev/null || true' EXIT
	"${toedev[@]}" hold --ready "$work/ctx-a" &
	pid_a=$!
	"${toedev[@]}" hold --ready "$work/ctx-b" &
	pid_b=$!
	wait_until 60 "both processes to open /dev/toe" \
		test -s "$work/ctx-a" -a -s "$work/ctx-b"
	holds_toe "$pid_a" || t_fail "process A does not hold /dev/toe"
	holds_toe "$pid_b" || t_fail "process B does not hold /dev/toe"
	id_a=$(<"$work/ctx-a")
	id_b=$(<"$work/ctx-b")
	echo "contexts: $id_a and $id_b"
	[[ $id_a != 0 && $id_b != 0 ]] || t_fail "a context id is 0"
	[[ $id_a != "$id_b" ]] || t_fail "both processes got context $id_a"
	kill "$pid_a" "$pid_b"
	wait "$pid_a" || t_fail "process A exited with $?"
	wait "$pid_b" || t_fail "process B exited with $?"
}

case_version_ioctl_through_libtoe() {
	toe_load
	local check=$TOE_BUILD/tests/vm/toe_version_check
	local toectl=$TOE_BUILD/tools/toectl/toectl
	[[ -x $check ]] || t_fail "$check is not built: run 'make'"
	# The bare ioctl answers on any open /dev/toe.
	"${toedev[@]}" version
	# A libtoe context needs the engine attached in its namespace.
	trap 'toe_detach "$TOPO_NS_A" "$TOPO_IF_A" || true; topo_teardown' EXIT
	topo_veth
	toe_attach "$TOPO_NS_A" "$TOPO_IF_A"
	ns_exec "$TOPO_NS_A" "$check"
	if [[ -x $toectl ]]; then
		ns_exec "$TOPO_NS_A" "$toectl" version
	fi
}

case_unknown_ioctl_is_enotty() {
	toe_load
	"${toedev[@]}" unknown-ioctl
}

case_unload_refused_while_open() {
	toe_load
	pid='' # not local: the EXIT trap runs after this function has returned
	trap 'kill $pid 2>/dev/null || true' EXIT
	"${toedev[@]}" hold --ready "$work/held" &
	pid=$!
	wait_until 60 "a process to open /dev/toe" test -s "$work/held"
	if rmmod toe 2>"$work/rmmod.err"; then
		t_fail "rmmod succeeded while process $pid held /dev/toe"
	fi
	echo "refused, as expected: $(<"$work/rmmod.err")"
	toe_loaded || t_fail "toe is gone although rmmod failed"
	kill "$pid"
	wait "$pid" || t_fail "the holding process exited with $?"
	rmmod toe
	! toe_loaded || t_fail "toe still loaded after rmmod"
	insmod "$TOE_KO"
}

# Both directions, so each side has resolved the other's MAC address.
ping_both_ways() {
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"
	echo "$TOPO_KIND: $TOPO_NS_A/$TOPO_IF_A ($TOPO_IP_A) <-> $TOPO_NS_B/$TOPO_IF_B ($TOPO_IP_B)"
}

case_ping_over_veth() {
	trap topo_teardown EXIT
	topo_veth
	ping_both_ways
}

# sch_netem comes from the host's /lib/modules over 9p, through modprobe
# inside the chroot; later suites rely on it for loss and reordering.
case_netem_over_veth() {
	trap topo_teardown EXIT
	topo_veth
	topo_netem "$TOPO_NS_A" "$TOPO_IF_A" delay 1ms
	ns_exec "$TOPO_NS_A" tc qdisc show dev "$TOPO_IF_A" | grep -q netem ||
		t_fail "no netem qdisc on $TOPO_IF_A"
	ping_both_ways
}

case_ping_over_virtio() {
	trap topo_teardown EXIT
	topo_virtio
	ping_both_ways
}

t_case load_unload_20_times case_load_unload_20_times
t_case two_openers_at_once case_two_openers_at_once
t_case version_ioctl_through_libtoe case_version_ioctl_through_libtoe
t_case unknown_ioctl_is_enotty case_unknown_ioctl_is_enotty
t_case unload_refused_while_open case_unload_refused_while_open
t_case ping_over_veth case_ping_over_veth
t_case netem_over_veth case_netem_over_veth
t_case ping_over_virtio case_ping_over_virtio
# Whatever failed above, hand toe.ko back loaded, as the runner left it.
toe_load
t_finish
