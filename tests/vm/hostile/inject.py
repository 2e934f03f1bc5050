#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile frames for tests/vm/hostile-frames.sh, written with a raw
AF_PACKET socket onto the wire that leads to the engine's NIC.

  inject.py malformed --if IF --dst-mac MAC --src IP:PORT --dst IP:PORT
                      --udp-dst IP:PORT --count N
      every malformed kind, N frames each; prints one JSON object:
      {kind: frames sent}
  inject.py spoof --if IF --dst-mac MAC --src IP:PORT --dst IP:PORT
                  --rcv-nxt SEQ --rcv-wnd N --snd-una SEQ --snd-nxt SEQ
                  --kind KIND --count N
      spoofed segments on a live connection (src is the peer, dst the
      engine; the sequence numbers are the engine's view of it)
  inject.py synflood --if IF --dst-mac MAC --dst IP:PORT --count N
      SYNs from spoofed addresses and ports

Addresses in the frames are what the options say; the source MAC is the
interface's own.
"""

import argparse
import errno
import json
import random
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_header(src, dst, proto, payload_len, ihl=5, tot_len=None, version=4,
              good_csum=True, ident=0):
    if tot_len is None:
        tot_len = ihl * 4 + payload_len
    options = b"\x01" * (ihl * 4 - 20) if ihl > 5 else b""
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | (ihl & 0xF), 0, tot_len & 0xFFFF,
                      ident, 0x4000, 64, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    full = hdr + options
    csum = checksum(full[:max(ihl, 5) * 4])
    if not good_csum:
        csum ^= 0x5A5A
    return full[:10] + struct.pack("!H", csum) + full[12:]


def pseudo(src, dst, proto, length):
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, length)


def tcp_segment(src, dst, sport, dport, seq, ack, flags, window=65535, payload=b"",
                doff=5, good_csum=True):
    options = b"\x01" * (max(doff, 5) * 4 - 20)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (doff & 0xF) << 4, flags, window, 0, 0) + options
    seg = hdr + payload
    csum = checksum(pseudo(src, dst, 6, len(seg)) + seg)
    if not good_csum:
        csum ^= 0x5A5A
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def udp_datagram(src, dst, sport, dport, payload, length=None, good_csum=True):
    if length is None:
        length = 8 + len(payload)
    dgram = struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0) + payload
    csum = checksum(pseudo(src, dst, 17, 8 + len(payload)) + dgram) or 0xFFFF
    if not good_csum:
        csum ^= 0x5A5A
    return dgram[:6] + struct.pack("!H", csum) + dgram[8:]


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Wire:
    def __init__(self, ifname, dst_mac):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((ifname, 0))
        src_mac = self.sock.getsockname()[4]
        self.eth = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + struct.pack("!H", ETH_P_IP)
        self.sent = 0
        self.full = 0

    def send(self, l3):
        # A flood outruns the device's queue: wait for room, as a real
        # sender would, rather than lose the frame.
        while True:
            try:
                self.sock.send(self.eth + l3)
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                self.full += 1
                time.sleep(0.001)
        self.sent += 1


def addr(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


# Every malformed kind: a function of (src, sport, dst, dport, udp_dst,
# udp_dport, i) returning the IP packet (or a truncated piece of one).
def malformed_kinds(seq_base):
    def seg(src, sport, dst, dport, i, **kw):
        return tcp_segment(src, dst, sport, dport, seq_base + i * 100, 0, ACK | PSH,
                           payload=b"x" * 100, **kw)

    def tcp(src, sport, dst, dport, i, seg_kw=None, ip_kw=None):
        s = seg(src, sport, dst, dport, i, **(seg_kw or {}))
        return ip_header(src, dst, 6, len(s), **(ip_kw or {})) + s

    kinds = {
        "tcp_bad_checksum": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i, seg_kw={"good_csum": False}),
        "ip_bad_checksum": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i, ip_kw={"good_csum": False}),
        "ip_version_5": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i, ip_kw={"version": 5}),
        "ip_ihl_below_5": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i, ip_kw={"ihl": 4}),
        "ip_ihl_beyond_packet": lambda a, ap, b, bp, u, up, i: (
            ip_header(a, b, 6, 0, ihl=15, tot_len=40) + b"\0" * 20),
        "ip_total_length_beyond_frame": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i, ip_kw={"tot_len": 20 + 120 + 400}),
        "ip_total_length_inside_tcp_header": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i, ip_kw={"tot_len": 20 + 12}),
        "tcp_data_offset_below_5": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i, seg_kw={"doff": 4}),
        "tcp_data_offset_beyond_segment": lambda a, ap, b, bp, u, up, i: (
            lambda s: ip_header(a, b, 6, len(s)) + s)(
                tcp_segment(a, b, ap, bp, seq_base, 0, ACK, doff=15)[:20]),
        "frame_cut_in_tcp_header": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i)[:20 + 9],
        "frame_cut_in_ip_header": lambda a, ap, b, bp, u, up, i: tcp(
            a, ap, b, bp, i)[:13],
        "udp_bad_checksum": lambda a, ap, b, bp, u, up, i: (
            lambda d: ip_header(a, u, 17, len(d)) + d)(
                udp_datagram(a, u, ap, up, b"bad checksum %d" % i, good_csum=False)),
        "udp_length_beyond_packet": lambda a, ap, b, bp, u, up, i: (
            lambda d: ip_header(a, u, 17, len(d)) + d)(
                udp_datagram(a, u, ap, up, b"long %d" % i, length=400)),
        "udp_length_below_header": lambda a, ap, b, bp, u, up, i: (
            lambda d: ip_header(a, u, 17, len(d)) + d)(
                udp_datagram(a, u, ap, up, b"short %d" % i, length=4)),
    }
    return kinds


def cmd_malformed(args):
    wire = Wire(args.ifname, args.dst_mac)
    src, sport = addr(args.src)
    dst, dport = addr(args.dst)
    udst, udport = addr(args.udp_dst)
    kinds = malformed_kinds(args.seq)
    only = args.kind
    sent = {}
    for name, build in kinds.items():
        if only and name != only:
            continue
        for i in range(args.count):
            wire.send(build(src, sport, dst, dport, udst, udport, i))
        sent[name] = args.count
    print(json.dumps(sent))


SPOOFS = ("rst_above_window", "rst_below_window", "rst_in_window",
          "ack_of_unsent_data", "ack_too_old", "syn_in_window",
          "data_above_window", "data_below_window")


def send_spoofs(wire, src, sport, dst, dport, kind, count, rcv_nxt, rcv_wnd, snd_una, snd_nxt,
                seed=1):
    """count segments of one spoof kind as if from the peer (src), judged
    against the engine's view of the connection."""
    wnd = max(rcv_wnd, 2)
    rnd = random.Random(seed)
    for _ in range(count):
        payload = b""
        if kind == "rst_above_window":
            seq, ack, flags = rcv_nxt + wnd + 1 + rnd.randrange(1 << 30), 0, RST
        elif kind == "rst_below_window":
            seq, ack, flags = rcv_nxt - 1 - rnd.randrange(1 << 30), 0, RST
        elif kind == "rst_in_window":
            seq, ack, flags = rcv_nxt + 1 + rnd.randrange(wnd - 1), 0, RST
        elif kind == "ack_of_unsent_data":
            seq, ack, flags = rcv_nxt, snd_nxt + 1 + rnd.randrange(1 << 20), ACK
        elif kind == "ack_too_old":
            seq, ack, flags = rcv_nxt, snd_una - (1 << 30) - rnd.randrange(1 << 20), ACK
        elif kind == "syn_in_window":
            seq, ack, flags = rcv_nxt + rnd.randrange(wnd), 0, SYN
        elif kind == "data_above_window":
            seq, ack, flags = rcv_nxt + wnd + 1 + rnd.randrange(1 << 30), snd_nxt, ACK | PSH
            payload = b"spoofed data above the window"
        elif kind == "data_below_window":
            seq, ack, flags = rcv_nxt - 100000 - rnd.randrange(1 << 20), snd_nxt, ACK | PSH
            payload = b"spoofed data below the window"
        else:
            raise ValueError("unknown spoof kind " + kind)
        s = tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=payload)
        wire.send(ip_header(src, dst, 6, len(s)) + s)


def send_synflood(wire, dst, dport, count, seed=1):
    """count SYNs (with an MSS option) from spoofed addresses in
    198.18.0.0/22 and random ports."""
    rnd = random.Random(seed)
    dst_raw = socket.inet_aton(dst)
    for i in range(count):
        src_raw = bytes((198, 18, rnd.randrange(4), rnd.randrange(3, 254)))
        hdr = struct.pack("!HHIIBBHHH", rnd.randrange(1024, 65536), dport, rnd.getrandbits(32),
                          0, 6 << 4, SYN, 64240, 0, 0) + b"\x02\x04\x05\xb4"
        csum = checksum(src_raw + dst_raw + struct.pack("!BBH", 0, 6, len(hdr)) + hdr)
        seg = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), i & 0xFFFF, 0x4000, 64, 6, 0,
                         src_raw, dst_raw)
        wire.send(ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + seg)


def cmd_spoof(args):
    wire = Wire(args.ifname, args.dst_mac)
    src, sport = addr(args.src)
    dst, dport = addr(args.dst)
    send_spoofs(wire, src, sport, dst, dport, args.kind, args.count, args.rcv_nxt,
                args.rcv_wnd, args.snd_una, args.snd_nxt, args.seed)
    print(json.dumps({args.kind: args.count}))


def cmd_synflood(args):
    wire = Wire(args.ifname, args.dst_mac)
    dst, dport = addr(args.dst)
    send_synflood(wire, dst, dport, args.count, args.seed)
    print(json.dumps({"syn": args.count}))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("malformed", "spoof", "synflood"):
        s = sub.add_parser(name)
        s.add_argument("--if", dest="ifname", required=True)
        s.add_argument("--dst-mac", required=True)
        s.add_argument("--dst", required=True)
        s.add_argument("--count", type=int, default=100)
        s.add_argument("--seed", type=int, default=1)
        if name != "synflood":
            s.add_argument("--src", required=True)
        if name == "malformed":
            s.add_argument("--udp-dst", required=True)
            s.add_argument("--seq", type=lambda v: int(v, 0), default=0x40000000)
            s.add_argument("--kind")
        if name == "spoof":
            s.add_argument("--kind", required=True, choices=SPOOFS)
            for f in ("rcv-nxt", "rcv-wnd", "snd-una", "snd-nxt"):
                s.add_argument("--" + f, type=int, required=True)
    args = p.parse_args()
    {"malformed": cmd_malformed, "spoof": cmd_spoof, "synflood": cmd_synflood}[args.cmd](args)


if __name__ == "__main__":
    main()
