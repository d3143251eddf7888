#!/usr/bin/env python3
"""Seed inputs for the fuzz targets from real recordings (made by the
e2e tests or the demo), in the layouts the targets read.

usage: make_seeds.py sftp|scp-upload|scp-download RECORDING OUT_FILE
"""
import hashlib, struct, sys

MAGIC = b"REMGATE-RECORDING 1\n"


def records(path):
    data = open(path, "rb").read()
    assert data.startswith(MAGIC), "not a recording"
    pos, out = len(MAGIC), []
    while pos + 4 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        end = pos + 4 + length + 32
        if end > len(data):
            break
        rtype = data[pos + 4]
        out.append((rtype, data[pos + 17:pos + 4 + length]))
        pos = end
    return out


def whole_packets(stream, limit):
    """The longest prefix of an SFTP stream made of whole packets, at most limit bytes."""
    pos = 0
    while pos + 4 <= len(stream):
        (n,) = struct.unpack(">I", stream[pos:pos + 4])
        if pos + 4 + n > limit or pos + 4 + n > len(stream):
            break
        pos += 4 + n
    return stream[:pos]


kind, rec, out = sys.argv[1:4]
recs = records(rec)
if kind == "sftp":
    client = whole_packets(b"".join(d for t, d in recs if t == 0x10), 48 * 1024)
    device = whole_packets(b"".join(d for t, d in recs if t == 0x11), 48 * 1024)
    seed = struct.pack(">H", len(client)) + b"\x00" + client + device
else:
    # Chunks of at most 255 bytes, alternating source and sink, in the order they passed.
    source_type = 0x10 if kind == "scp-upload" else 0x11
    seed, turn = bytearray([1 if kind == "scp-upload" else 0]), 0
    for t, d in recs:
        if t not in (0x10, 0x11):
            continue
        side = 0 if t == source_type else 1
        for i in range(0, len(d), 255):
            if turn % 2 != side:
                seed += b"\x00"
                turn += 1
            part = d[i:i + 255]
            seed += bytes([len(part)]) + part
            turn += 1
        if len(seed) > 32 * 1024:
            break
open(out, "wb").write(bytes(seed))
