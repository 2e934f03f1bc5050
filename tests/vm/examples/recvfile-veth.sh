#!/bin/bash
# toe-recvfile over veth: 64 MiB from socat to toe and 64 MiB from toe to
# python3, each checked by SHA-256. recvfile-virtio-in.sh and -out.sh swap
# the peers, so each peer meets each direction on one wire. (256 MiB each
# way over veth is recvfile-netem-in.sh and -out.sh's job, through netem;
# this clean-wire pass stays short so make check does.)
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
TOE_EXAMPLES_BYTES=${TOE_EXAMPLES_BYTES:-64M}
# shellcheck source=recvfile.bash
source "$(dirname "${BASH_SOURCE[0]}")/recvfile.bash"
t_each_wire socat_to_toe case_socat_to_toe
t_each_wire toe_to_python case_toe_to_python
toe_load
t_finish
