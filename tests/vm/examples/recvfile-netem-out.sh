#!/bin/bash
# 256 MiB from toe-recvfile to Linux (socat) over veth, with netem losing 1%
# of the packets and reordering others on both sides; SHA-256 verified.
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
# shellcheck source=recvfile.bash
source "$(dirname "${BASH_SOURCE[0]}")/recvfile.bash"
t_expect $((15 + $(t_mib "$EX_BYTES") / 5))
case_lossy_out() {
	ex_impair_wire
	case_toe_to_socat
}
t_each_wire lossy_toe_to_socat case_lossy_out
toe_load
t_finish
