#!/bin/bash
# Hostile frames: a raw-socket injector (tests/vm/hostile/inject.py) on the
# Linux side of a veth pair sends malformed frames and spoofed segments at
# the engine's NIC while toe-echo serves a live connection to a Linux
# client (the SYN flood is hostile-synflood.sh). The engine survives; every
# frame is taken by the engine or handed to the host, every frame the
# engine takes is counted as a drop and none reaches TCP, UDP or an
# application; every spoofed segment reaches TCP, which drops or answers
# it as RFC 5961 says and never lets it move the connection; and the
# connection's bytes come back intact throughout. Run it with:
#
#   tests/vm/run tests/vm/hostile-frames.sh
#
# TOE_HOSTILE_FRAMES   frames of each malformed and spoofed kind (default 200)
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
frames=${TOE_HOSTILE_FRAMES:-200}
t_expect $((40 + frames / 30))

case_malformed_frames() { frames_run malformed "$frames"; }
case_spoofed_segments() { frames_run spoof "$frames"; }

hf_start
t_case malformed_frames case_malformed_frames
t_case spoofed_segments case_spoofed_segments
hf_finish
toe_load
t_finish
