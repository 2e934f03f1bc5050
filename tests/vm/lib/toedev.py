#!/usr/bin/python3
"""Pokes /dev/toe directly, for the test host's shell tests.

  toedev.py version                 print the module's ABI version (ioctl)
  toedev.py hold --ready FILE       open /dev/toe, write this context's id
                                    to FILE, keep it open until SIGTERM
  toedev.py unknown-ioctl           unknown ioctl numbers must fail ENOTTY

The ioctl numbers and the ABI major come from include/uapi/linux/toe.h, so
this script copies none of them; it only knows struct toe_version_info's
field order, and says so loudly if the header stops matching.
"""

import argparse
import errno
import fcntl
import os
import re
import signal
import struct
import sys
from pathlib import Path

DEVICE = "/dev/toe"
ROOT = Path(os.environ.get("TOE_ROOT", Path(__file__).resolve().parents[3]))
HEADER = ROOT / "include/uapi/linux/toe.h"

# struct toe_version_info: abi_major, abi_minor, reserved0, features,
# context_id, reserved1.
VERSION_LAYOUT = struct.Struct("=HHIQII")

# asm-generic/ioctl.h, as on x86.
_IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2


def _ioc(direction, kind, nr, size):
    return (direction << 30) | (size << 16) | (kind << 8) | nr


def header_constants():
    """TOE_IOC_MAGIC, TOE_ABI_MAJOR, the version ioctl's number and size."""
    text = HEADER.read_text()

    def find(pattern, what):
        m = re.search(pattern, text)
        if not m:
            sys.exit(f"toedev.py: cannot find {what} in {HEADER}; update this script")
        return int(m.group(1), 0)

    num = r"(0x[0-9A-Fa-f]+|\d+)"
    magic = find(rf"#define\s+TOE_IOC_MAGIC\s+{num}", "TOE_IOC_MAGIC")
    major = find(rf"#define\s+TOE_ABI_MAJOR\s+{num}", "TOE_ABI_MAJOR")
    nr = find(rf"#define\s+TOE_IOC_GET_VERSION\s+_IOR\(TOE_IOC_MAGIC,\s*{num},"
              r"\s*struct toe_version_info\)", "TOE_IOC_GET_VERSION")
    size = find(r"sizeof\(struct toe_version_info\)\s*==\s*(\d+)",
                "the size of struct toe_version_info")
    if size != VERSION_LAYOUT.size:
        sys.exit(f"toedev.py: struct toe_version_info is {size} bytes in {HEADER}, "
                 f"{VERSION_LAYOUT.size} here; update this script")
    return magic, major, _ioc(_IOC_READ, magic, nr, size)


def get_version(fd):
    _, _, request = header_constants()
    buf = bytearray(VERSION_LAYOUT.size)
    fcntl.ioctl(fd, request, buf, True)
    major, minor, _, features, context_id, _ = VERSION_LAYOUT.unpack(buf)
    return {"abi_major": major, "abi_minor": minor, "features": features,
            "context_id": context_id}


def cmd_version(_args):
    magic, expected_major, _ = header_constants()
    fd = os.open(DEVICE, os.O_RDWR | os.O_CLOEXEC)
    try:
        v = get_version(fd)
    finally:
        os.close(fd)
    print(f"module ABI {v['abi_major']}.{v['abi_minor']}, "
          f"features {v['features']:#x}, context {v['context_id']}")
    if v["abi_major"] != expected_major:
        print(f"toedev.py: module ABI major {v['abi_major']} is not the header's "
              f"{expected_major}", file=sys.stderr)
        return 1
    return 0


def cmd_hold(args):
    # Exit cleanly (closing the device) when the test is done with us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    fd = os.open(DEVICE, os.O_RDWR | os.O_CLOEXEC)
    context_id = get_version(fd)["context_id"]
    # Write then rename, so the waiting test never reads half a file.
    tmp = f"{args.ready}.tmp"
    with open(tmp, "w") as f:
        f.write(f"{context_id}\n")
    os.rename(tmp, args.ready)
    while True:
        signal.pause()


def cmd_unknown_ioctl(_args):
    magic, _, _ = header_constants()
    TCGETS = 0x5401  # a terminal's ioctl: not ours either
    requests = {
        "_IO(TOE_IOC_MAGIC, 0xff)": (_ioc(_IOC_NONE, magic, 0xFF, 0), 0),
        "_IOR(TOE_IOC_MAGIC, 0xfe, 8)": (_ioc(_IOC_READ, magic, 0xFE, 8), 8),
        "_IOWR(TOE_IOC_MAGIC, 0x7f, 64)": (_ioc(_IOC_READ | _IOC_WRITE, magic, 0x7F, 64), 64),
        "_IOR(TOE_IOC_MAGIC + 1, 0x00, 24)": (_ioc(_IOC_READ, (magic + 1) & 0xFF, 0, 24), 24),
        "TCGETS": (TCGETS, 64),
    }
    failures = 0
    fd = os.open(DEVICE, os.O_RDWR | os.O_CLOEXEC)
    try:
        for name, (request, size) in requests.items():
            try:
                fcntl.ioctl(fd, request, bytearray(max(size, 8)), True)
            except OSError as e:
                if e.errno == errno.ENOTTY:
                    print(f"{name} ({request:#x}): ENOTTY, as expected")
                    continue
                print(f"{name} ({request:#x}): {errno.errorcode.get(e.errno, e.errno)}, "
                      f"expected ENOTTY", file=sys.stderr)
            else:
                print(f"{name} ({request:#x}): succeeded, expected ENOTTY", file=sys.stderr)
            failures += 1
    finally:
        os.close(fd)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("version").set_defaults(func=cmd_version)
    hold = sub.add_parser("hold")
    hold.add_argument("--ready", required=True, help="file to write the context id to")
    hold.set_defaults(func=cmd_hold)
    sub.add_parser("unknown-ioctl").set_defaults(func=cmd_unknown_ioctl)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
