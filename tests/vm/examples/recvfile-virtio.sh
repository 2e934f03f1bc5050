#!/bin/bash
# toe-recvfile over the virtio-net pair: 256 MiB from python3 to toe and
# 256 MiB from toe to socat, each checked by SHA-256 (recvfile-veth.sh has
# the other pairing).
set -euo pipefail
TOE_EXAMPLES_WIRES=virtio
# shellcheck source=recvfile.bash
source "$(dirname "${BASH_SOURCE[0]}")/recvfile.bash"
t_each_wire python_to_toe case_python_to_toe
t_each_wire toe_to_socat case_toe_to_socat
toe_load
t_finish
