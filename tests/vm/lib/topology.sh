# shellcheck shell=bash
# Network topologies for tests on the test host (tests/vm/run). Source it:
#
#   source "$TOE_ROOT/tests/vm/lib/topology.sh"
#
#   topo_veth       two namespaces joined by a veth pair
#   topo_virtio     the guest's two virtio-net NICs (one qemu hub, so one
#                   wire), each in its own namespace
#   topo_routed     two namespaces on two veth links through a router
#                   namespace (TOPO_NS_R) whose far link carries only
#                   TOPO_FAR_MTU bytes (default 1280): path MTU tests
#   topo_teardown   undo whatever this file set up (safe to call twice)
#
# Each topo_* function describes the topology it made in these variables,
# so a test body can run unchanged over either wire:
#
#   TOPO_KIND               veth | virtio
#   TOPO_NS_A  TOPO_NS_B    the two network namespaces
#   TOPO_IF_A  TOPO_IF_B    the interface in each
#   TOPO_MAC_A TOPO_MAC_B   their MAC addresses
#   TOPO_IP_A  TOPO_IP_B    their IPv4 addresses (TOPO_PREFIX bits of prefix)
#
# The addresses come from the benchmarking range 198.18.0.0/15 (RFC 2544):
# 198.18.0.0/24 on veth, 198.19.0.0/24 on virtio, 198.18.1.0/24 and
# 198.18.2.0/24 routed. Traffic never leaves the guest. The functions are idempotent: they first remove what an earlier,
# interrupted test may have left behind.

TOPO_PREFIX=24

# Namespace and interface names; distinct per topology so both can be up.
_TOPO_VETH_NS=(toe-a toe-b)
_TOPO_VETH_IF=(veth-a veth-b)
_TOPO_VETH_MAC=(02:00:c6:12:00:01 02:00:c6:12:00:02)
_TOPO_VETH_IP=(198.18.0.1 198.18.0.2)
_TOPO_RT_NS=(toe-ra toe-rb toe-rr)
_TOPO_RT_IF=(rveth-a rveth-b)
_TOPO_RT_MAC=(02:00:c6:12:01:01 02:00:c6:12:02:02)
_TOPO_RT_IP=(198.18.1.1 198.18.2.2)
_TOPO_RT_GW=(198.18.1.254 198.18.2.254)
_TOPO_NIC_NS=(toe-nic-a toe-nic-b)
_TOPO_NIC_IF=(nic-a nic-b)
_TOPO_NIC_IP=(198.19.0.1 198.19.0.2)

# The MACs tests/vm/run gives the two virtio-net NICs; interface names and
# probe order are not stable, MACs are.
_topo_nic_macs() {
	echo "${TOE_VM_MAC_A:-52:54:00:70:0e:01}" "${TOE_VM_MAC_B:-52:54:00:70:0e:02}"
}

topo_log() { echo "topology: $*" >&2; }

# ns_exec NS COMMAND...: run COMMAND inside namespace NS.
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# topo_require_modules MODULE...: load kernel modules (from the host's
# /lib/modules, visible over 9p) or fail saying which.
topo_require_modules() {
	local m
	for m in "$@"; do
		modprobe "$m" || { topo_log "cannot load module $m"; return 1; }
	done
}

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds.
# The limit only bounds a hang; it is no timing assertion.
wait_until() {
	local limit=$1 what=$2
	shift 2
	local deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			topo_log "gave up after ${limit}s waiting for $what"
			return 1
		fi
		sleep 0.1
	done
}

_topo_tcp_listening() { [[ -n $(ns_exec "$1" ss -Hltn "sport = :$2") ]]; }
_topo_udp_bound() { [[ -n $(ns_exec "$1" ss -Hlun "sport = :$2") ]]; }

# wait_tcp_listen NS PORT [SECONDS]: wait until a TCP socket listens on PORT.
wait_tcp_listen() {
	wait_until "${3:-30}" "a TCP listener on port $2 in $1" _topo_tcp_listening "$1" "$2"
}

# wait_udp_bound NS PORT [SECONDS]: wait until a UDP socket is bound to PORT.
wait_udp_bound() {
	wait_until "${3:-30}" "a UDP socket on port $2 in $1" _topo_udp_bound "$1" "$2"
}

# topo_ping NS ADDRESS: one echo reply from ADDRESS, seen from NS. ping goes
# on sending once a second until the reply or the deadline, so a slow ARP
# or carrier under TCG is no failure.
topo_ping() {
	ns_exec "$1" ping -n -q -c 1 -w 20 "$2" >/dev/null ||
		{ topo_log "no reply from $2 in $1"; return 1; }
}

# topo_netem NS IF NETEM-ARGS...: impair a link, e.g. "loss 1% delay 5ms".
topo_netem() {
	local ns=$1 dev=$2
	shift 2
	topo_require_modules sch_netem
	ns_exec "$ns" tc qdisc replace dev "$dev" root netem "$@"
}

_topo_ns_exists() { [[ -e /run/netns/$1 ]]; }

_topo_ns_fresh() {
	! _topo_ns_exists "$1" || ip netns del "$1"
	ip netns add "$1"
	ip -n "$1" link set lo up
}

_topo_describe() {
	TOPO_KIND=$1
	TOPO_NS_A=$2 TOPO_NS_B=$3
	TOPO_IF_A=$4 TOPO_IF_B=$5
	TOPO_MAC_A=$6 TOPO_MAC_B=$7
	TOPO_IP_A=$8 TOPO_IP_B=$9
	export TOPO_KIND TOPO_NS_A TOPO_NS_B TOPO_IF_A TOPO_IF_B \
		TOPO_MAC_A TOPO_MAC_B TOPO_IP_A TOPO_IP_B TOPO_PREFIX
}

topo_veth_teardown() {
	local ns
	for ns in "${_TOPO_VETH_NS[@]}"; do
		! _topo_ns_exists "$ns" || ip netns del "$ns"
	done
}

# topo_veth: toe-a (veth-a, 198.18.0.1) <-> toe-b (veth-b, 198.18.0.2).
topo_veth() {
	local i
	topo_veth_teardown
	topo_require_modules veth
	for i in 0 1; do
		_topo_ns_fresh "${_TOPO_VETH_NS[i]}"
	done
	ip link add "${_TOPO_VETH_IF[0]}" netns "${_TOPO_VETH_NS[0]}" \
		address "${_TOPO_VETH_MAC[0]}" type veth \
		peer name "${_TOPO_VETH_IF[1]}" netns "${_TOPO_VETH_NS[1]}" \
		address "${_TOPO_VETH_MAC[1]}"
	for i in 0 1; do
		ip -n "${_TOPO_VETH_NS[i]}" addr add \
			"${_TOPO_VETH_IP[i]}/$TOPO_PREFIX" dev "${_TOPO_VETH_IF[i]}"
		ip -n "${_TOPO_VETH_NS[i]}" link set "${_TOPO_VETH_IF[i]}" up
	done
	_topo_describe veth "${_TOPO_VETH_NS[@]}" "${_TOPO_VETH_IF[@]}" \
		"${_TOPO_VETH_MAC[@]}" "${_TOPO_VETH_IP[@]}"
}

topo_routed_teardown() {
	local ns
	for ns in "${_TOPO_RT_NS[@]}"; do
		! _topo_ns_exists "$ns" || ip netns del "$ns"
	done
}

# topo_routed: toe-ra (rveth-a, 198.18.1.1) <-> toe-rr (rr-a 198.18.1.254,
# rr-b 198.18.2.254) <-> toe-rb (rveth-b, 198.18.2.2), forwarding on in
# toe-rr. Only rr-b's MTU is TOPO_FAR_MTU: both ends keep 1500, so their MSS
# options promise full-sized segments and only the path is narrow (the
# router answers larger DF datagrams with ICMP "fragmentation needed"). B
# sends nothing larger than the far link towards the router in these tests
# (a veth drops frames above its peer's MTU).
topo_routed() {
	local i far=${TOPO_FAR_MTU:-1280}
	topo_routed_teardown
	topo_require_modules veth
	for i in 0 1 2; do
		_topo_ns_fresh "${_TOPO_RT_NS[i]}"
	done
	for i in 0 1; do
		local side=${_TOPO_RT_IF[i]: -1}
		ip link add "${_TOPO_RT_IF[i]}" netns "${_TOPO_RT_NS[i]}" \
			address "${_TOPO_RT_MAC[i]}" type veth \
			peer name "rr-$side" netns "${_TOPO_RT_NS[2]}"
		ip -n "${_TOPO_RT_NS[i]}" addr add \
			"${_TOPO_RT_IP[i]}/$TOPO_PREFIX" dev "${_TOPO_RT_IF[i]}"
		ip -n "${_TOPO_RT_NS[i]}" link set "${_TOPO_RT_IF[i]}" up
		ip -n "${_TOPO_RT_NS[i]}" route add default via "${_TOPO_RT_GW[i]}"
		ip -n "${_TOPO_RT_NS[2]}" addr add "${_TOPO_RT_GW[i]}/$TOPO_PREFIX" \
			dev "rr-$side"
		ip -n "${_TOPO_RT_NS[2]}" link set "rr-$side" up
	done
	ip -n "${_TOPO_RT_NS[2]}" link set rr-b mtu "$far"
	ns_exec "${_TOPO_RT_NS[2]}" sysctl -qw net.ipv4.ip_forward=1
	TOPO_NS_R=${_TOPO_RT_NS[2]}
	export TOPO_NS_R
	_topo_describe routed "${_TOPO_RT_NS[0]}" "${_TOPO_RT_NS[1]}" \
		"${_TOPO_RT_IF[@]}" "${_TOPO_RT_MAC[@]}" "${_TOPO_RT_IP[@]}"
}

# The root-namespace interface that has MAC address $1, if any.
_topo_if_by_mac() {
	local dev
	for dev in /sys/class/net/*; do
		if [[ $(<"$dev/address") == "$1" ]]; then
			echo "${dev##*/}"
			return 0
		fi
	done
	return 1
}

topo_virtio_teardown() {
	local i ns dev mac
	local -a macs
	read -r -a macs <<<"$(_topo_nic_macs)"
	for i in 0 1; do
		ns=${_TOPO_NIC_NS[i]}
		_topo_ns_exists "$ns" || continue
		# Deleting the namespace would also return the NIC, but later and
		# asynchronously; move it back now so the next topo_virtio finds it.
		for mac in "${macs[@]}"; do
			dev=$(ip -n "$ns" -o link show | awk -v m="$mac" \
				'$0 ~ "link/ether " m { sub(/:$/, "", $2); sub(/@.*/, "", $2); print $2 }')
			[[ -z $dev ]] || ip -n "$ns" link set dev "$dev" down netns 1
		done
		ip netns del "$ns"
	done
}

# topo_virtio: toe-nic-a (nic-a, 198.19.0.1) <-> toe-nic-b (nic-b, 198.19.0.2)
# over the guest's two virtio-net NICs.
topo_virtio() {
	local i dev ns
	local -a macs
	read -r -a macs <<<"$(_topo_nic_macs)"
	topo_virtio_teardown
	for i in 0 1; do
		dev=$(_topo_if_by_mac "${macs[i]}") ||
			{ topo_log "no NIC with MAC ${macs[i]}: not on the test host?"; return 1; }
		ns=${_TOPO_NIC_NS[i]}
		_topo_ns_fresh "$ns"
		ip link set dev "$dev" down
		[[ $dev == "${_TOPO_NIC_IF[i]}" ]] || ip link set dev "$dev" name "${_TOPO_NIC_IF[i]}"
		ip link set dev "${_TOPO_NIC_IF[i]}" netns "$ns"
		ip -n "$ns" addr add "${_TOPO_NIC_IP[i]}/$TOPO_PREFIX" dev "${_TOPO_NIC_IF[i]}"
		ip -n "$ns" link set "${_TOPO_NIC_IF[i]}" up
	done
	_topo_describe virtio "${_TOPO_NIC_NS[@]}" "${_TOPO_NIC_IF[@]}" \
		"${macs[@]}" "${_TOPO_NIC_IP[@]}"
}

# topo_teardown: remove both topologies; the NICs go back to the root
# namespace (down, without addresses, named nic-a and nic-b).
topo_teardown() {
	topo_veth_teardown
	topo_routed_teardown
	topo_virtio_teardown
}
