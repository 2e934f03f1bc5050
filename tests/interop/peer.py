#!/usr/bin/python3
"""The Linux side of the interop tests: plain kernel TCP sockets.

Sends --send bytes of random data while receiving until end of stream (or
a reset), then prints one JSON line: bytes and SHA-256 of what was sent and
received, and how the connection ended.

udp mode sends --count datagrams (0 to 1472 bytes, random content) one at a
time to --connect and expects each back unchanged; it prints how many came
back, how many differed and how many were lost (after 3 tries each).

Ending a connection:
  --close after-eof  (default) send, read to EOF, then close: the engine
                     closes first
  --close first      send, shutdown(SHUT_WR) at once, then read to EOF:
                     this side closes first
  --close rst        after --rst-after received bytes (or once sent),
                     close with SO_LINGER 0: the kernel sends RST
"""

import argparse
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

CHUNK = 1 << 20


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text, 0)


class Transfer:
    def __init__(self, sock, args):
        self.sock = sock
        self.args = args
        self.sent = 0
        self.sent_hash = hashlib.sha256()
        self.received = 0
        self.recv_hash = hashlib.sha256()
        self.end = "eof"
        self.error = None
        self.rst_sent = False
        self.enough_received = threading.Event()

    def sender(self):
        try:
            left = self.args.send
            while left > 0:
                block = os.urandom(min(CHUNK, left))
                self.sock.sendall(block)
                self.sent_hash.update(block)
                self.sent += len(block)
                left -= len(block)
            if self.args.close == "first":
                self.sock.shutdown(socket.SHUT_WR)
        except (ConnectionResetError, BrokenPipeError) as e:
            self.end = "reset"
            self.error = type(e).__name__
        except OSError as e:
            if not self.rst_sent:
                self.error = str(e)

    def receiver(self):
        try:
            while True:
                if (self.args.close == "rst" and
                        self.received >= self.args.rst_after):
                    self.enough_received.set()
                    return
                data = self.sock.recv(CHUNK)
                if not data:
                    return
                self.recv_hash.update(data)
                self.received += len(data)
        except ConnectionResetError:
            self.end = "reset"
        except OSError as e:
            if not self.rst_sent:
                self.error = str(e)
        finally:
            self.enough_received.set()

    def run(self):
        started = time.monotonic()
        send_thread = threading.Thread(target=self.sender)
        recv_thread = threading.Thread(target=self.receiver)
        send_thread.start()
        recv_thread.start()
        if self.args.close == "rst":
            self.enough_received.wait()
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
            self.rst_sent = True
            self.end = "rst-sent"
            self.sock.close()
            recv_thread.join()
            send_thread.join()
        else:
            recv_thread.join()
            send_thread.join()
            self.sock.close()
        seconds = time.monotonic() - started
        return {
            "sent": self.sent,
            "sent_sha256": self.sent_hash.hexdigest(),
            "received": self.received,
            "recv_sha256": self.recv_hash.hexdigest(),
            "end": self.end,
            "error": self.error,
            "seconds": round(seconds, 3),
        }


def tune(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)


def udp_echo_client(args):
    host, port = args.connect.rsplit(":", 1)
    peer = (host, int(port))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1.0)
    sizes = [0, 1, 8, 1471, 1472]
    echoed = mismatched = lost = total = 0
    started = time.monotonic()
    for i in range(args.count):
        size = sizes[i] if i < len(sizes) else \
            int.from_bytes(os.urandom(2), "big") % 1473
        payload = os.urandom(size)
        total += size
        for attempt in range(3):
            sock.sendto(payload, peer)
            try:
                data, source = sock.recvfrom(65536)
            except (TimeoutError, socket.timeout):
                continue
            if source != peer:
                continue
            if data == payload:
                echoed += 1
            else:
                mismatched += 1
            break
        else:
            lost += 1
    result = {"sent": args.count, "bytes": total, "echoed": echoed,
              "mismatched": mismatched, "lost": lost,
              "seconds": round(time.monotonic() - started, 3)}
    print(json.dumps(result), flush=True)
    return 0 if echoed == args.count else 1


def connect_with_retries(peer, timeout):
    """The engine may still be starting: retry refused or unanswered
    connects until the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tune(sock)
        sock.settimeout(min(5.0, timeout))
        try:
            sock.connect(peer)
            return sock
        except (ConnectionRefusedError, TimeoutError, OSError):
            sock.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["server", "client", "udp"])
    parser.add_argument("--bind", default="0.0.0.0")
    parser.add_argument("--port", type=int)
    parser.add_argument("--connect", help="IP:PORT (client)")
    parser.add_argument("--send", type=parse_size, default=0)
    parser.add_argument("--close", choices=["after-eof", "first", "rst"],
                        default="after-eof")
    parser.add_argument("--rst-after", type=parse_size, default=0)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--count", type=int, default=1000,
                        help="udp: datagrams to send")
    parser.add_argument("--ready-file",
                        help="server: create this file once listening")
    args = parser.parse_args()

    if args.mode == "udp":
        return udp_echo_client(args)
    if args.mode == "server":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tune(listener)
        listener.bind((args.bind, args.port))
        listener.listen(4)
        listener.settimeout(args.timeout)
        if args.ready_file:
            open(args.ready_file, "w").close()
        sock, peer = listener.accept()
        listener.close()
    else:
        host, port = args.connect.rsplit(":", 1)
        peer = (host, int(port))
        sock = connect_with_retries(peer, args.timeout)
    sock.settimeout(args.timeout)
    result = Transfer(sock, args).run()
    result["peer"] = "%s:%d" % peer
    print(json.dumps(result), flush=True)
    return 0 if result["error"] is None else 1


if __name__ == "__main__":
    sys.exit(main())
