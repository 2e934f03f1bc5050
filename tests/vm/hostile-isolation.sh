#!/bin/bash
# Isolation and privilege: one process cannot name another's sockets,
# regions, buffers or file; pinning respects RLIMIT_MEMLOCK unless
# CAP_IPC_LOCK; attach needs CAP_NET_ADMIN, ports below 1024 need
# CAP_NET_BIND_SERVICE; applications use only the attached device's
# addresses; /dev/toe's mode and the shipped udev rule; a forked child
# holding a context whose parent is gone can use none of it.
# docs/security.md states the rules. Run it with:
#
#   tests/vm/run tests/vm/hostile-isolation.sh
#
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/testlib.sh
source "$here/lib/testlib.sh"
# shellcheck source=lib/topology.sh
source "$here/lib/topology.sh"
t_expect 60

: "${TOE_BUILD:?run this through tests/vm/run}"
: "${TOE_RESULTS:?run this through tests/vm/run}"
iso=$TOE_BUILD/tests/vm/hostile/toe_isolation
bin=$TOE_BUILD/tools/examples
toectl=$TOE_BUILD/tools/toectl/toectl
rule=$TOE_ROOT/scripts/udev/60-toe.rules
# The group the udev rule names, by number: the test host has no "toe"
# group in its (read-only) /etc/group.
toe_gid=4242
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
nobody_in_group=(setpriv --reuid=65534 --regid=65534 "--groups=$toe_gid")

param() { cat "/sys/module/toe/parameters/$1"; }

on_a() { ns_exec "$TOPO_NS_A" "$@"; }
on_b() { ns_exec "$TOPO_NS_B" "$@"; }

up() {
	toe_load
	topo_veth
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"
	on_a "$bin/toe-attach" "$TOPO_IF_A"
}

down() {
	if [[ -n ${TOPO_NS_A:-} ]]; then
		on_a "$bin/toe-attach" --detach "$TOPO_IF_A" 2>/dev/null || true
	fi
	topo_teardown
	chgrp 0 /dev/toe 2>/dev/null || true
	chmod 0660 /dev/toe 2>/dev/null || true
}

# What the udev rule does to /dev/toe, with the rule's group by number.
apply_rule_by_hand() {
	chgrp "$toe_gid" /dev/toe
	chmod 0660 /dev/toe
}

# expect_fail WHAT CMD...: CMD must fail; its output is shown.
expect_fail() {
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	echo "$what: $out"
	((rc != 0)) || t_fail "$what succeeded"
}

case_handles_belong_to_their_context() {
	[[ -x $iso ]] || t_fail "$iso is not built: run 'make'"
	trap down EXIT
	up
	local state=/tmp/isolation.state payload
	payload="datagram for the owner $RANDOM"
	rm -f "$state"
	on_a "$iso" owner --local "$TOPO_IP_A" --port 7200 --state "$state" \
		--expect "$payload" >"$TOE_RESULTS/owner.log" 2>&1 &
	local owner=$!
	wait_until 60 "the owner's state" test -s "$state"
	on_a "$iso" intruder --state "$state"
	# Another user, allowed to open /dev/toe, cannot even reach the file.
	apply_rule_by_hand
	on_a "${nobody_in_group[@]}" "$iso" intruder --state "$state" --unprivileged
	on_b python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))' "$TOPO_IP_A" 7200 "$payload"
	local rc=0
	wait "$owner" || rc=$?
	cat "$TOE_RESULTS/owner.log"
	((rc == 0)) || t_fail "the owner failed ($rc)"
}

case_memlock_limit() {
	[[ -x $iso ]] || t_fail "$iso is not built: run 'make'"
	toe_load
	local limit=1048576 before
	before=$(param pinned_pages)
	# Root without CAP_IPC_LOCK, and an ordinary user: capped.
	prlimit --memlock=$limit:$limit setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock \
		"$iso" pin --limit $limit --capped
	trap down EXIT
	apply_rule_by_hand
	prlimit --memlock=$limit:$limit "${nobody_in_group[@]}" "$iso" pin --limit $limit --capped
	# With CAP_IPC_LOCK the limit does not apply.
	prlimit --memlock=$limit:$limit "$iso" pin --limit $limit --uncapped
	[[ $(param pinned_pages) == "$before" ]] || t_fail "pinned pages left behind"
}

case_attach_needs_cap_net_admin() {
	trap down EXIT
	toe_load
	topo_veth
	expect_fail "attach without CAP_NET_ADMIN" \
		on_a setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$bin/toe-attach" "$TOPO_IF_A"
	expect_fail "netlink attach without CAP_NET_ADMIN" \
		on_a setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$toectl" engine attach dev "$TOPO_IF_A"
	apply_rule_by_hand
	expect_fail "attach by a member of the device's group" \
		on_a "${nobody_in_group[@]}" "$bin/toe-attach" "$TOPO_IF_A"
	[[ $(param engines) == 0 ]] || t_fail "an engine was attached"
	on_a "$bin/toe-attach" "$TOPO_IF_A"
	expect_fail "detach without CAP_NET_ADMIN" \
		on_a setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$bin/toe-attach" --detach "$TOPO_IF_A"
	expect_fail "netlink detach without CAP_NET_ADMIN" \
		on_a setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$toectl" engine detach dev "$TOPO_IF_A"
	[[ $(param engines) == 1 ]] || t_fail "the engine went away"
	# Attaching is about the device, not the file: a member of the group
	# may use the engine once root has attached it.
	on_a "${nobody_in_group[@]}" "$iso" open --request
}

case_low_ports_need_cap_net_bind_service() {
	trap down EXIT
	up
	local nobind=(setpriv --inh-caps=-net_bind_service --bounding-set=-net_bind_service)
	on_a "${nobind[@]}" "$iso" bind --local "$TOPO_IP_A" --port 80 --expect EACCES
	on_a "${nobind[@]}" "$iso" bind --local "$TOPO_IP_A" --port 1023 --expect EACCES
	on_a "${nobind[@]}" "$iso" bind --local "$TOPO_IP_A" --port 1024 --expect 0
	on_a "$iso" bind --local "$TOPO_IP_A" --port 81 --expect 0
	# Judged on the credentials /dev/toe was opened with, as a socket's
	# are: dropping the capability afterwards changes nothing.
	on_a "$iso" bind --local "$TOPO_IP_A" --port 82 --expect 0 --drop-after-open
	apply_rule_by_hand
	on_a "${nobody_in_group[@]}" "$iso" bind --local "$TOPO_IP_A" --port 83 --expect EACCES
	on_a "${nobody_in_group[@]}" "$iso" bind --local "$TOPO_IP_A" --port 8083 --expect 0
	# The namespace's ip_unprivileged_port_start moves the line, as for
	# the host's own sockets.
	on_a sysctl -qw net.ipv4.ip_unprivileged_port_start=80
	on_a "${nobody_in_group[@]}" "$iso" bind --local "$TOPO_IP_A" --port 84 --expect 0
	on_a "${nobody_in_group[@]}" "$iso" bind --local "$TOPO_IP_A" --port 79 --expect EACCES
}

case_only_the_devices_addresses() {
	trap 'ip -n "$TOPO_NS_A" link del toe-other 2>/dev/null || true; down' EXIT
	up
	on_a ip link add toe-other type dummy
	on_a ip addr add 198.18.7.1/24 dev toe-other
	on_a ip link set toe-other up
	local a
	for a in 198.18.7.1 127.0.0.1 "$TOPO_IP_B" 203.0.113.1; do
		on_a "$iso" bind --local "$a" --port 7300 --expect EADDRNOTAVAIL
	done
	on_a "$iso" bind --local 0.0.0.0 --port 7301 --expect 0
	# The device's addresses follow it.
	on_a ip addr add 198.18.0.9/24 dev "$TOPO_IF_A"
	on_a "$iso" bind --local 198.18.0.9 --port 7302 --expect 0
	on_a ip addr del 198.18.0.9/24 dev "$TOPO_IF_A"
	on_a "$iso" bind --local 198.18.0.9 --port 7303 --expect EADDRNOTAVAIL
	# Nor can it reach out through another device, or to this host.
	on_a "$iso" connect --addr 198.18.7.2 --port 9 --expect EHOSTUNREACH
	on_a "$iso" connect --addr 127.0.0.1 --port 9 --expect EHOSTUNREACH
}

case_device_permissions_and_udev_rule() {
	trap down EXIT
	toe_load
	# Without udev: the module's own mode, root only.
	[[ -c /dev/toe ]] || t_fail "/dev/toe is not a character device"
	local mode
	mode=$(stat -c '%a %u %g' /dev/toe)
	echo "/dev/toe without udev: $mode"
	[[ $mode == "660 0 0" ]] || t_fail "/dev/toe is $mode, expected 660 root root"
	expect_fail "an ordinary user opens /dev/toe" "${nobody[@]}" "$iso" open
	# The shipped rule matches the device udev sees, and sets group toe,
	# mode 0660.
	[[ $(basename "$(readlink -f /sys/class/misc/toe/subsystem)") == misc ]] ||
		t_fail "/dev/toe is not a misc device"
	grep -qx 'DEVNAME=toe' /sys/class/misc/toe/uevent || t_fail "the device is not named toe"
	grep -Eq '^KERNEL=="toe", SUBSYSTEM=="misc", GROUP="toe", MODE="0660"$' "$rule" ||
		t_fail "$rule does not say KERNEL==toe, SUBSYSTEM==misc, GROUP=toe, MODE=0660"
	udev_test_rule
	# Its effect: members of the group may open the device, others not.
	apply_rule_by_hand
	"${nobody_in_group[@]}" "$iso" open
	expect_fail "a user outside the group opens /dev/toe" "${nobody[@]}" "$iso" open
}

# udevadm's own reading of the rule, in a mount namespace where the rule is
# installed (in /run/udev/rules.d) and a "toe" group exists.
udev_test_rule() {
	local tmp out
	tmp=$(mktemp -d /tmp/udev.XXXXXX)
	cp /etc/group "$tmp/group"
	echo "toe:x:$toe_gid:" >>"$tmp/group"
	# shellcheck disable=SC2016 # expanded by the inner shell
	out=$(unshare -m bash -c '
		mount --bind "$1/group" /etc/group
		mkdir -p /run/udev/rules.d
		cp "$2" /run/udev/rules.d/60-toe.rules
		udevadm test --action=add /sys/class/misc/toe 2>&1
		rm -f /run/udev/rules.d/60-toe.rules' _ "$tmp" "$rule") || true
	rm -rf "$tmp"
	echo "$out" | grep -i -E '60-toe|GROUP|MODE|toe' | sed 's/^/  udevadm: /'
	echo "$out" | grep -q "60-toe.rules" || t_fail "udevadm did not read the rule"
	echo "$out" | grep -Eiq "GROUP.*$toe_gid|gid=$toe_gid|group.*toe" ||
		t_fail "udevadm did not apply the rule's group"
}

case_orphaned_context_is_unusable() {
	toe_load
	local out
	out=$("$iso" orphan 2>&1)
	echo "$out"
	[[ $out == *"can use none of it"* ]] || t_fail "the child could use its parent's context"
	wait_until 30 "the orphaned context to go" test "$(param contexts)" = 0 ||
		t_fail "the context outlived the child: $(param contexts) left"
}

t_case handles_belong_to_their_context case_handles_belong_to_their_context
t_case memlock_limit case_memlock_limit
t_case attach_needs_cap_net_admin case_attach_needs_cap_net_admin
t_case low_ports_need_cap_net_bind_service case_low_ports_need_cap_net_bind_service
t_case only_the_devices_addresses case_only_the_devices_addresses
t_case device_permissions_and_udev_rule case_device_permissions_and_udev_rule
t_case orphaned_context_is_unusable case_orphaned_context_is_unusable
toe_load
t_finish
