# shellcheck shell=bash
# The bulk-transfer cases of toe-recvfile, sourced by recvfile-*.sh: a
# stream each way between the engine and Linux (socat and python3 as
# peers), every byte checked by SHA-256.
#
# recvfile-veth.sh and recvfile-virtio-{in,out}.sh run each direction once per wire
# (socat and python3 swapping sides between the wires);
# recvfile-netem-in.sh and recvfile-netem-out.sh run one direction each
# with netem adding loss and reordering on both sides of the wire.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port=7100

# The python3 peers: a sender (the file, with sendfile) and a receiver that
# hashes what arrives.
py_send='
import socket, sys
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with socket.create_connection((host, port)) as s, open(path, "rb") as f:
    s.sendfile(f)
'
py_recv='
import hashlib, socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((addr, port))
l.listen(1)
c, peer = l.accept()
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    h.update(b)
    n += len(b)
print("received bytes=%d sha256=%s" % (n, h.hexdigest()), flush=True)
'

bulk_file() { ex_file "bulk-$EX_BYTES" "$EX_BYTES"; }

# The toe receiver on side A; sets rx_pid and rx_log.
start_receiver() {
	local file=$1 what=$2
	rx_log=$EX_LOGS/receive-$TOPO_KIND-$what.log
	ex_bg "$rx_log" on_a "$EX_BIN/toe-recvfile" receive --threshold 1M \
		--bytes "$(stat -c %s "$file")" --expect-sha256 "$(ex_sha256 "$file")" \
		"$TOPO_IP_A:$port"
	rx_pid=$EX_LAST_PID
	ex_wait_line "$rx_log" '^listening on'
}

finish_receiver() {
	local rc=0
	ex_wait_pid "$rx_pid" 600 || rc=$?
	ex_show "$rx_log"
	((rc == 0)) || t_fail "toe-recvfile receive exited with $rc"
}

case_socat_to_toe() {
	local file
	file=$(bulk_file)
	start_receiver "$file" socat
	on_b socat -u "FILE:$file" "TCP:$TOPO_IP_A:$port"
	finish_receiver
}

case_python_to_toe() {
	local file
	file=$(bulk_file)
	start_receiver "$file" python
	on_b python3 -c "$py_send" "$TOPO_IP_A" "$port" "$file"
	finish_receiver
}

case_toe_to_socat() {
	local file got=$EX_TMP/socat.sha
	file=$(bulk_file)
	ex_bg "$EX_LOGS/socat-sink-$TOPO_KIND.log" on_b bash -c \
		"socat -u TCP-LISTEN:$port,bind=$TOPO_IP_B,reuseaddr - | sha256sum >'$got'"
	local sink=$EX_LAST_PID
	wait_tcp_listen "$TOPO_NS_B" "$port"
	on_a "$EX_BIN/toe-recvfile" send --file "$file" "$TOPO_IP_B:$port" |
		tee "$EX_LOGS/send-$TOPO_KIND-socat.log"
	ex_wait_pid "$sink" 600
	local want
	want=$(ex_sha256 "$file")
	[[ $(cut -d' ' -f1 "$got") == "$want" ]] ||
		t_fail "socat received sha256 $(cut -d' ' -f1 "$got"), the file's is $want"
	grep -q "^sent bytes=$(stat -c %s "$file") sha256=$want\$" \
		"$EX_LOGS/send-$TOPO_KIND-socat.log" || t_fail "toe-recvfile send reports other data"
}

case_toe_to_python() {
	local rx=$EX_LOGS/python-sink-$TOPO_KIND.log
	ex_bg "$rx" on_b python3 -c "$py_recv" "$TOPO_IP_B" "$port"
	local sink=$EX_LAST_PID
	wait_tcp_listen "$TOPO_NS_B" "$port"
	on_a "$EX_BIN/toe-recvfile" send --bytes "$EX_BYTES" --seed 7 "$TOPO_IP_B:$port" |
		tee "$EX_LOGS/send-$TOPO_KIND-python.log"
	ex_wait_pid "$sink" 600
	ex_show "$rx"
	local sent got
	sent=$(grep -o 'bytes=[0-9]* sha256=[0-9a-f]*' "$EX_LOGS/send-$TOPO_KIND-python.log")
	got=$(grep -o 'bytes=[0-9]* sha256=[0-9a-f]*' "$rx")
	[[ -n $sent && $sent == "$got" ]] || t_fail "sent '$sent' but python received '$got'"
}

# netem on both sides: data and acknowledgements are lost and reordered.
ex_impair_wire() {
	local args=(loss 1% delay 1ms reorder 10% 50%)
	topo_netem "$TOPO_NS_A" "$TOPO_IF_A" "${args[@]}"
	topo_netem "$TOPO_NS_B" "$TOPO_IF_B" "${args[@]}"
}
