#!/usr/bin/python3
"""Checks one interop scenario: the harness's conn= line against the peer's
JSON line. Both sides report what they sent and received with SHA-256 sums;
what one side sent must be exactly what the other received."""

import argparse
import json
import sys


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text, 0)


def harness_result(path):
    for line in open(path):
        if line.startswith("conn="):
            return dict(field.split("=", 1) for field in line.split())
    return None


def peer_result(path):
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--harness", required=True)
    parser.add_argument("--peer", required=True)
    parser.add_argument("--engine-sends", type=parse_size, required=True)
    parser.add_argument("--peer-sends", type=parse_size, required=True)
    parser.add_argument("--engine-end", choices=["closed", "reset"],
                        default="closed")
    parser.add_argument("--peer-end", default="eof")
    args = parser.parse_args()

    engine = harness_result(args.harness)
    peer = peer_result(args.peer)
    problems = []
    if engine is None:
        problems.append("the harness reported no connection")
    if peer is None:
        problems.append("the peer reported nothing")
    if problems:
        print("; ".join(problems))
        return 1

    if engine.get("end") != args.engine_end:
        problems.append("engine side ended %s, expected %s" %
                        (engine.get("end"), args.engine_end))
    if peer.get("end") != args.peer_end:
        problems.append("peer ended %s, expected %s" %
                        (peer.get("end"), args.peer_end))
    if peer.get("error") and args.peer_end == "eof":
        problems.append("peer error: %s" % peer["error"])
    if "error" in engine:
        problems.append("harness error: %s" % engine["error"])

    full_transfer = args.engine_end == "closed" and args.peer_end == "eof"
    if full_transfer:
        if int(engine["sent"]) != args.engine_sends:
            problems.append("engine sent %s of %d bytes" %
                            (engine["sent"], args.engine_sends))
        if peer["sent"] != args.peer_sends:
            problems.append("peer sent %d of %d bytes" %
                            (peer["sent"], args.peer_sends))
        if peer["received"] != int(engine["sent"]):
            problems.append("peer received %d bytes, engine sent %s" %
                            (peer["received"], engine["sent"]))
        if int(engine["received"]) != peer["sent"]:
            problems.append("engine received %s bytes, peer sent %d" %
                            (engine["received"], peer["sent"]))
        if peer["recv_sha256"] != engine["sent_sha256"]:
            problems.append("engine->peer SHA-256 differs")
        if engine["recv_sha256"] != peer["sent_sha256"]:
            problems.append("peer->engine SHA-256 differs")
    else:
        # A reset cuts the stream: what arrived must be a prefix, which the
        # byte counts bound; the sums only match for complete streams.
        if int(engine["received"]) > peer["sent"]:
            problems.append("engine received more than the peer sent")
        if peer["received"] > int(engine["sent"]) and \
                engine["sent_sha256"] != "-":
            problems.append("peer received more than the engine sent")

    if problems:
        print("; ".join(problems))
        return 1
    print("ok: engine sent %s received %s, peer sent %d received %d" %
          (engine["sent"], engine["received"], peer["sent"],
           peer["received"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
