#!/bin/bash
# toe-recvfile over veth: 256 MiB each way with socat and with python3,
# checked by SHA-256.
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
# shellcheck source=recvfile.bash
source "$(dirname "${BASH_SOURCE[0]}")/recvfile.bash"
t_each_wire socat_to_toe case_socat_to_toe
t_each_wire python_to_toe case_python_to_toe
t_each_wire toe_to_socat case_toe_to_socat
t_each_wire toe_to_python case_toe_to_python
toe_load
t_finish
