#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The injecting side of tests/vm/hostile-frames.sh, run in the Linux
peer's namespace: it sends each kind of hostile frame, snapshots the
counters of the engine's namespace around it (through ip netns exec), and
checks that they account for every frame. One JSON line per kind on
stdout, for the suite's log and the reliability table.

  frames_run.py malformed|spoof COMMON... --count N
  frames_run.py synflood COMMON... --count N --samples FILE
COMMON: --ns-a NS --if-a IF --if-b IF --toectl PATH --peer IP:PORT
        --engine IP:PORT --udp IP:PORT --pause FILE --progress FILE
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inject  # noqa: E402

HOST_DROPS = ("IpInHdrErrors", "IpExtInTruncatedPkts", "TcpInErrs", "UdpInErrors")
# Counters that count a malformed frame as dropped: the engine's, when it
# took the frame, and the host stack's, when it was handed on (Linux
# counts most such drops, but not, for example, a TCP header cut short by
# the IP length).
ENGINE_DROPS = ("bad_ip", "bad_l4", "bad_csum", "bad_l2")
HOST_DROP_KEYS = tuple("host_" + k for k in HOST_DROPS)
WAIT_S = 60
# What TCP does with each spoofed kind (docs/engine-tcp.md, RFC 5961):
# drops it (counted in tcp_drops; a RST silently, data with an ACK each,
# since a peer that lost our ACKs retransmits), answers with an ACK at most
# once per 500 ms per connection (the rest counted as suppressed), or
# answers with a challenge ACK, at most CHALLENGE_LIMIT per 5 s per
# connection (shared by the kinds that follow one another), the rest
# suppressed. The engine's TCP counters account for every segment.
SPOOF_OUTCOMES = {"rst_above_window": "dropped", "rst_below_window": "dropped",
                  "rst_in_window": "challenged", "ack_of_unsent_data": "limited",
                  "ack_too_old": "challenged", "syn_in_window": "challenged",
                  "data_above_window": "dropped", "data_below_window": "dropped"}
CHALLENGE_LIMIT = 10
SYN_QUEUE_MAX = 1024  # the engine's default syn_queue_max


class Engine:
    def __init__(self, args):
        self.args = args

    def run_a(self, *cmd):
        return subprocess.run(["ip", "netns", "exec", self.args.ns_a, *cmd], check=True,
                              capture_output=True, text=True).stdout

    def snap(self):
        out = self.run_a("sh", "-c", "%s -j engine stats dev %s; echo ---; nstat -asz; "
                         "echo ---; cat /sys/class/net/%s/statistics/rx_packets" %
                         (self.args.toectl, self.args.if_a, self.args.if_a))
        stats, nstat, rx = out.split("---\n")
        e = json.loads(stats)[0]
        values = {k: v for k, v in e.items() if isinstance(v, int)}
        c = e.get("counters", {})
        if isinstance(c, dict):
            values.update({k: v for k, v in c.items() if isinstance(v, int)})
        else:
            values.update({x["name"]: x["value"] for x in c})
        for line in nstat.splitlines():
            p = line.split()
            if len(p) >= 2 and p[0] in HOST_DROPS:
                values["host_" + p[0]] = int(p[1])
        values["nic_rx_packets"] = int(rx)
        return values

    def settled_snap(self):
        """A snapshot once the NIC and the engine have stopped moving."""
        keys = ("nic_rx_packets", "glue_rx_stolen", "glue_rx_passed", "frames_in")
        last = self.snap()
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            time.sleep(0.2)
            now = self.snap()
            if all(now.get(k) == last.get(k) for k in keys):
                return now
            last = now
        sys.exit("the engine's counters never settled")

    def connection(self):
        out = self.run_a(self.args.toectl, "-j", "socket", "show", "port",
                         self.args.engine.rsplit(":", 1)[1])
        port = ":" + self.args.engine.rsplit(":", 1)[1]
        for s in json.loads(out):
            if s["proto"] == "tcp" and s["state"] == "ESTABLISHED" and s["local"].endswith(port):
                return s
        return None


def delta(a, b):
    return collections.defaultdict(int, {k: b[k] - a.get(k, 0) for k in b
                                         if b[k] != a.get(k, 0)})


def wait_for(what, pred):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    sys.exit("timed out waiting for " + what)


def progress(args):
    with open(args.progress) as f:
        return int(f.read())


def pause(args, eng):
    """Stops the echo client and waits until the connection is quiet."""
    open(args.pause, "w").close()
    wait_for("the client to pause", lambda: os.path.exists(args.pause + ".idle"))

    def quiet():
        s = eng.connection()
        return s is not None and s["snd_una"] == s["snd_nxt"]
    wait_for("the connection to settle", quiet)


def resume(args, what):
    before = progress(args)
    os.unlink(args.pause)
    wait_for("the echo to resume after " + what, lambda: progress(args) > before)


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def cmd_malformed(args, eng):
    wire = inject.Wire(args.if_b, args.dst_mac)
    src, sport = inject.addr(args.peer)
    dst, dport = inject.addr(args.engine)
    udst, udport = inject.addr(args.udp)
    pause(args, eng)
    after = eng.settled_snap()
    for kind, build in inject.malformed_kinds(0x40000000).items():
        before = after
        for i in range(args.count):
            wire.send(build(src, sport, dst, dport, udst, udport, i))
        after = eng.settled_snap()
        d = delta(before, after)
        engine_drops = sum(d[k] for k in ENGINE_DROPS)
        host_drops = sum(d[k] for k in HOST_DROP_KEYS)
        row = {"kind": kind, "frames": args.count,
               "taken_by_engine": d["glue_rx_stolen"], "dropped_by_engine": engine_drops,
               "handed_to_host": d["glue_rx_passed"], "dropped_by_host": host_drops,
               "by": {k: d[k] for k in ENGINE_DROPS + HOST_DROP_KEYS if d[k]}}
        print(json.dumps(row), flush=True)
        if d["glue_rx_stolen"] + d["glue_rx_passed"] != d["nic_rx_packets"]:
            fail(kind + ": a frame neither taken by the engine nor handed to the host")
        if d["glue_rx_stolen"] + d["glue_rx_passed"] < args.count:
            fail(kind + ": frames missing")
        if engine_drops != d["glue_rx_stolen"]:
            fail("%s: the engine took %d frames and counted %d as dropped" %
                 (kind, d["glue_rx_stolen"], engine_drops))
        if d["tcp_segs_in"] or d["udp_in"] or d["bytes_placed"]:
            fail(kind + ": a malformed frame reached TCP, UDP or an application")
    if eng.connection() is None:
        fail("the live connection is gone")
    resume(args, "the malformed frames")


def cmd_spoof(args, eng):
    wire = inject.Wire(args.if_b, args.dst_mac)
    src, sport = inject.addr(args.peer)
    dst, dport = inject.addr(args.engine)
    # The connection stays quiet from one kind to the next: each is judged
    # against the same state, which none may change.
    pause(args, eng)
    after = eng.settled_snap()
    for kind in inject.SPOOFS:
        s = eng.connection()
        before = after
        inject.send_spoofs(wire, src, sport, dst, dport, kind, args.count, s["rcv_nxt"],
                           s["rcv_wnd"], s["snd_una"], s["snd_nxt"], seed=args.count)
        after = eng.settled_snap()
        d = delta(before, after)
        s2 = eng.connection()
        row = {"kind": kind, "segments": args.count, "connection": "kept" if s2 else "lost"}
        row.update({k: d[k] for k in ("tcp_segs_in", "tcp_drops", "tcp_rst_in", "tcp_segs_out",
                                      "tcp_challenge_acks", "tcp_challenge_acks_suppressed",
                                      "tcp_oow_acks_suppressed", "tcp_bad_acks")})
        print(json.dumps(row), flush=True)
        if s2 is None:
            fail(kind + ": the connection was reset")
        if (s2["rcv_nxt"], s2["snd_una"]) != (s["rcv_nxt"], s["snd_una"]):
            fail("%s: the connection's sequence state moved: %s -> %s" % (kind, s, s2))
        if d["tcp_segs_in"] != args.count:
            fail("%s: %d segments, %d reached TCP" % (kind, args.count, d["tcp_segs_in"]))
        outcome = SPOOF_OUTCOMES[kind]
        n, drops, out = args.count, d["tcp_drops"], d["tcp_segs_out"]
        chack, chack_held = d["tcp_challenge_acks"], d["tcp_challenge_acks_suppressed"]
        if outcome == "dropped":
            answers = n if kind.startswith("data_") else 0
            if drops != n or out != answers:
                fail("%s: %d segments, %d counted as dropped by TCP, %d answered (want %d)" %
                     (kind, n, drops, out, answers))
        if outcome == "limited":
            held = d["tcp_oow_acks_suppressed"]
            if drops or d["tcp_bad_acks"] != n or out < 1 or out + held != n:
                fail("%s: %d segments, %d bad ACKs, %d answered, %d suppressed, %d dropped" %
                     (kind, n, d["tcp_bad_acks"], out, held, drops))
        if outcome == "challenged":
            if (drops or out != chack or chack + chack_held != n or
                    out > min(n, CHALLENGE_LIMIT)):
                fail("%s: %d segments, %d challenge ACKs, %d suppressed, %d sent, %d dropped" %
                     (kind, n, chack, chack_held, out, drops))
    resume(args, "the spoofed segments")


def cmd_synflood(args, eng):
    wire = inject.Wire(args.if_b, args.dst_mac)
    dst, dport = inject.addr(args.engine)
    pause(args, eng)
    before = eng.settled_snap()
    resume(args, "the snapshot before the flood")
    progress_before = progress(args)
    done = threading.Event()
    samples = []

    def sample():
        while not done.is_set():
            try:
                e = eng.snap()
                with open("/proc/meminfo") as f:
                    m = dict(line.split(":", 1) for line in f)
                samples.append((e.get("syn_queue", 0), e.get("sockets", 0),
                                e.get("buflets_in_use", 0), int(m["Slab"].split()[0])))
            except (subprocess.CalledProcessError, ValueError, IndexError):
                pass
            done.wait(0.5)
    sampler = threading.Thread(target=sample)
    sampler.start()
    inject.send_synflood(wire, dst, dport, args.count, seed=1)
    progress_after = progress(args)
    pause(args, eng)
    after = eng.settled_snap()
    done.set()
    sampler.join()
    resume(args, "the flood")
    d = delta(before, after)
    q = max(s[0] for s in samples)
    socks = max(s[1] for s in samples)
    slab = max(s[3] for s in samples) - min(s[3] for s in samples)
    # SYN-ACKs to spoofed sources go back through the MAC each SYN came
    # from (tx_no_l2 stays 0); the neighbour lookups the children make
    # show in glue_l2_pending and glue_l2_unreachable.
    row = {"kind": "syn_flood", "syns": args.count, "tcp_segs_in": d["tcp_segs_in"],
           "tcp_segs_out": d["tcp_segs_out"], "tx_no_l2": d["tx_no_l2"],
           "tcp_syncookies_sent": d["tcp_syncookies_sent"],
           "tcp_listen_drops": d["tcp_listen_drops"],
           "glue_l2_pending": d["glue_l2_pending"],
           "glue_l2_unreachable": d["glue_l2_unreachable"],
           "glue_rx_queue_full": d["glue_rx_queue_full"], "max_syn_queue": q,
           "max_sockets": socks, "slab_growth_kib": slab, "samples": len(samples),
           "echo_bytes_during": progress_after - progress_before}
    row["sender_waits_for_queue_room"] = wire.full
    print(json.dumps(row), flush=True)
    if d["glue_rx_stolen"] + d["glue_rx_passed"] != d["nic_rx_packets"]:
        fail("a frame neither taken by the engine nor handed to the host")
    if d["tcp_segs_in"] + d["glue_rx_queue_full"] + d["glue_rx_no_memory"] < args.count:
        fail("SYNs neither seen by TCP nor counted as dropped")
    if progress_after <= progress_before:
        fail("the live connection made no progress during the flood")
    if q > SYN_QUEUE_MAX or socks > SYN_QUEUE_MAX + 64 or slab > 64 * 1024:
        fail("memory not bounded during the flood")
    if args.count > 2 * SYN_QUEUE_MAX and not d["tcp_syncookies_sent"]:
        fail("a flood beyond the SYN queue, but no SYN cookie was sent")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=("malformed", "spoof", "synflood"))
    for o in ("ns-a", "if-a", "if-b", "toectl", "peer", "engine", "udp", "pause", "progress",
              "dst-mac"):
        p.add_argument("--" + o, required=True)
    p.add_argument("--count", type=int, required=True)
    args = p.parse_args()
    eng = Engine(args)
    {"malformed": cmd_malformed, "spoof": cmd_spoof, "synflood": cmd_synflood}[args.cmd](
        args, eng)


if __name__ == "__main__":
    main()
