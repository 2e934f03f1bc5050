#!/bin/bash
# `make demo`: toe at work on the test host. The engine is attached to one
# end of a veth pair; toe-echo, a libtoe application, serves on it with
# named buffers, and an unmodified Linux peer (socat, in the other network
# namespace) talks to it through the kernel's own TCP.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/lib.sh
source "$here/examples/lib.sh"
t_expect 30

port=7000
say() { printf '\n### %s\n' "$*"; }

say "toectl version (library and module ABI)"
"$TOE_BUILD/tools/toectl/toectl" version

say "the engine attached to a veth in namespace A; the Linux peer in B"
ex_up veth
trap ex_down EXIT
echo "toe side:   $TOPO_NS_A $TOPO_IF_A $TOPO_IP_A"
echo "Linux side: $TOPO_NS_B $TOPO_IF_B $TOPO_IP_B"

say "toe-echo serves on $TOPO_IP_A:$port"
log=$EX_LOGS/demo-server.log
ex_bg "$log" on_a "$EX_BIN/toe-echo" server --verbose --count 1 \
	"$TOPO_IP_A:$port"
server_pid=$EX_LAST_PID
ex_wait_line "$log" '^listening on'

say "socat (Linux TCP) sends three lines and prints what comes back"
printf 'hello from Linux\nnamed buffers, one copy\nno syscalls on the data path\n' |
	on_b timeout 60 socat -t 5 - "TCP:$TOPO_IP_A:$port,shut-down"

ex_wait_pid "$server_pid" 60
say "toe-echo's log"
cat "$log"
