# shellcheck shell=bash
# What the fault suites share, on top of the examples' helpers: a seeded
# Linux sender whose digest the receiver's must match.
#
#   on_b python3 -c "$fault_py_send" HOST PORT BYTES SEED [IDLE_S] >LOG
#   fault_same_stream SENT_LOG RECEIVED_LOG

# shellcheck source=../examples/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../examples/lib.sh"

# BYTES of random.Random(SEED) to HOST:PORT; prints "sent bytes=N sha256=HEX".
# It gives up when it could send nothing for IDLE_S seconds (default 120),
# so a peer that vanished ends it; a suite that shuts the window on purpose
# passes more than it holds.
# shellcheck disable=SC2034 # for the suites that source this file
fault_py_send='
import hashlib, random, socket, sys
host, port, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
idle = float(sys.argv[5]) if len(sys.argv) > 5 else 120
rng, h = random.Random(seed), hashlib.sha256()
with socket.create_connection((host, port), timeout=idle) as s:
    left = n
    while left:
        b = rng.randbytes(min(left, 1 << 16))
        s.sendall(b)
        h.update(b)
        left -= len(b)
print("sent bytes=%d sha256=%s" % (n, h.hexdigest()), flush=True)
'

# The digest a receiver printed, and the one the sender did, must match.
fault_same_stream() {
	local s g
	s=$(grep -o 'bytes=[0-9]* sha256=[0-9a-f]*' "$1" || true)
	g=$(grep -o 'bytes=[0-9]* sha256=[0-9a-f]*' "$2" || true)
	echo "sent:     $s"
	echo "received: $g"
	[[ -n $s && $s == "$g" ]] || t_fail "the stream arrived damaged or incomplete"
}
