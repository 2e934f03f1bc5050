#!/bin/bash
# toe-recvfile over the virtio-net pair: 256 MiB from python3 to toe,
# checked by SHA-256. (One transfer per suite: the virtio pair under TCG is
# the slow wire. recvfile-veth.sh has the other pairing of peers.)
set -euo pipefail
TOE_EXAMPLES_WIRES=virtio
# shellcheck source=recvfile.bash
source "$(dirname "${BASH_SOURCE[0]}")/recvfile.bash"
# The virtio pair under TCG moves about 3 MiB a second.
t_expect $((10 + $(t_mib "$EX_BYTES") / 3))
t_each_wire python_to_toe case_python_to_toe
toe_load
t_finish
