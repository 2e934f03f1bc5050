#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The well-behaved Linux peer of the hostile suites: random-sized messages
through an echo server, each checked byte for byte, until STOP exists.
While PAUSE exists it sends nothing (the connection stays open, idle) and
says so by creating PAUSE.idle. The running total of verified bytes is
kept in PROGRESS.

  echo_peer.py ADDR PORT STOP PAUSE PROGRESS
"""
import os
import random
import socket
import sys
import time


def main():
    addr, port, stop, pause, progress = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
    rnd = random.Random(7)
    s = socket.create_connection((addr, port), timeout=120)
    total = 0
    while not os.path.exists(stop):
        if os.path.exists(pause):
            open(pause + ".idle", "w").close()
            time.sleep(0.05)
            continue
        if os.path.exists(pause + ".idle"):
            os.unlink(pause + ".idle")
        data = rnd.randbytes(rnd.randint(1, 65536))
        s.sendall(data)
        got = bytearray()
        while len(got) < len(data):
            chunk = s.recv(len(data) - len(got))
            if not chunk:
                sys.exit("the echo closed after %d bytes" % total)
            got += chunk
        if got != data:
            sys.exit("the echo changed bytes after %d verified" % total)
        total += len(data)
        with open(progress + ".tmp", "w") as f:
            f.write(str(total))
        os.replace(progress + ".tmp", progress)
    s.shutdown(socket.SHUT_WR)
    if s.recv(1):
        sys.exit("bytes after the last echo")
    print("verified %d bytes" % total)


if __name__ == "__main__":
    main()
