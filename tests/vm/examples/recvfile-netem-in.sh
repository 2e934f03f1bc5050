#!/bin/bash
# 256 MiB from Linux (socat) to toe-recvfile over veth, with netem losing 1%
# of the packets and reordering others on both sides; SHA-256 verified.
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
# shellcheck source=recvfile.bash
source "$(dirname "${BASH_SOURCE[0]}")/recvfile.bash"
t_expect $((15 + $(t_mib "$EX_BYTES") / 5))
case_lossy_in() {
	ex_impair_wire
	case_socat_to_toe
}
t_each_wire lossy_socat_to_toe case_lossy_in
toe_load
t_finish
