#!/bin/bash
# SYN flood: a raw-socket injector (tests/vm/hostile/inject.py) on the
# Linux side of a veth pair sends SYNs from spoofed addresses and ports at
# the listener of toe-echo, which meanwhile serves a live connection to a
# Linux client. The SYN queue stays at its bound (SYN cookies take over),
# kernel memory stays bounded, the live connection keeps moving verified
# bytes, every frame is accounted for, and a new connection gets through.
# Run it with:
#
#   tests/vm/run tests/vm/hostile-synflood.sh
#
# TOE_HOSTILE_SYNS   SYNs in the flood (default 100000)
#
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/testlib.sh
source "$here/lib/testlib.sh"
# shellcheck source=lib/topology.sh
source "$here/lib/topology.sh"

# shellcheck source=hostile/frames_lib.sh
source "$here/hostile/frames_lib.sh"
syns=${TOE_HOSTILE_SYNS:-100000}
t_expect $((10 + syns * 45 / 100000))

case_syn_flood() {
	frames_run synflood "$syns"
	# A new connection still gets through.
	on_b timeout 60 python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
c.sendall(b"after the flood\n")
got = b""
while len(got) < 16:
    chunk = c.recv(100)
    if not chunk:
        break
    got += chunk
sys.exit(0 if got == b"after the flood\n" else "echo gave %r" % got)' "$TOPO_IP_A" "$echo_port"
}

hf_start
t_case syn_flood case_syn_flood
hf_finish
toe_load
t_finish
