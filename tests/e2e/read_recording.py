#!/usr/bin/env python3
"""A second, independent reader of the recording format, written from
docs/recording-format.md alone: checks the hash chain and prints what a
test asks for.

usage: read_recording.py FILE output|input|types|events|check
"""
import hashlib, json, struct, sys

MAGIC = b"REMGATE-RECORDING 1\n"
path, what = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
assert data.startswith(MAGIC), "bad magic"
pos, prev, seq, records = len(MAGIC), bytes(32), 0, []
while pos < len(data):
    if pos + 4 > len(data):
        break
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    end = pos + 4 + length + 32
    if end > len(data):
        break  # an incomplete record at the end
    body = data[pos:pos + 4 + length]
    h = hashlib.sha256(prev + body).digest()
    assert h == data[pos + 4 + length:end], "hash mismatch at offset %d" % pos
    rtype, t_us, rseq = struct.unpack(">BQI", body[4:17])
    assert rseq == seq, "sequence %d where %d was due" % (rseq, seq)
    records.append((rtype, t_us, body[17:]))
    prev, seq, pos = h, seq + 1, end

if what == "output":
    sys.stdout.buffer.write(b"".join(d for t, _, d in records if t == 0x11))
elif what == "input":
    sys.stdout.buffer.write(b"".join(d for t, _, d in records if t == 0x10))
elif what == "events":
    for t, _, d in records:
        if t == 0x30:
            print(d.decode("utf-8", "replace"))
elif what == "types":
    print(" ".join("%02x" % t for t, _, _ in records))
elif what == "check":
    print("records=%d sealed=%d" % (len(records), int(bool(records) and records[-1][0] == 0x02)))
