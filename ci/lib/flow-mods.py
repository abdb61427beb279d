#!/usr/bin/python3
"""OpenFlow 1.3 FLOW_MOD throughput: connects to a switch's Unix socket, says HELLO, sends N
distinct ADD flow_mods (tcp, nw_dst 172.16.0.0 onwards, tp_dst 80, output:2) in batches of B,
each batch followed by a BARRIER_REQUEST whose reply is awaited before the next batch. Any ERROR
from the switch fails the run. Prints "SECONDS" on success.

    flow-mods.py SOCKET N B
"""
import socket
import struct
import sys
import time

OFP13 = 4
HELLO, ERROR, BARRIER_REQUEST, BARRIER_REPLY, FLOW_MOD = 0, 1, 20, 21, 14


def oxm(field, value_bytes):
    return struct.pack("!HBB", 0x8000, field << 1, len(value_bytes)) + value_bytes


def flow_mod(xid, i):
    fields = (oxm(5, struct.pack("!H", 0x0800)) + oxm(10, b"\x06")
              + oxm(12, struct.pack("!I", (172 << 24) | (16 << 16) | i)) + oxm(14, struct.pack("!H", 80)))
    match = struct.pack("!HH", 1, 4 + len(fields)) + fields
    match += b"\0" * ((8 - len(match) % 8) % 8)
    output = struct.pack("!HHIH6x", 0, 16, 2, 0xffff)
    apply_actions = struct.pack("!HH4x", 4, 8 + len(output)) + output
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, 0, 0, 0, 0, 1000, 0xffffffff, 0xffffffff, 0xffffffff, 0)
    msg = body + match + apply_actions
    return struct.pack("!BBHI", OFP13, FLOW_MOD, 8 + len(msg), xid) + msg


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def next(self):
        while True:
            if len(self.buf) >= 8:
                length = struct.unpack("!H", self.buf[2:4])[0]
                if len(self.buf) >= length:
                    m, self.buf = self.buf[:length], self.buf[length:]
                    return m
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise SystemExit("flow-mods: the switch closed the connection")
            self.buf += chunk


def main():
    path, n, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    c = Conn(path)
    c.send(struct.pack("!BBHI", OFP13, HELLO, 8, 1))
    if c.next()[1] != HELLO:
        raise SystemExit("flow-mods: no HELLO")
    start = time.monotonic()
    xid = 2
    for first in range(0, n, batch):
        c.send(b"".join(flow_mod(xid + k, first + k) for k in range(min(batch, n - first))))
        xid += batch
        c.send(struct.pack("!BBHI", OFP13, BARRIER_REQUEST, 8, xid))
        while True:
            m = c.next()
            if m[1] == ERROR:
                raise SystemExit("flow-mods: error from the switch: " + m[8:12].hex())
            if m[1] == BARRIER_REPLY and struct.unpack("!I", m[4:8])[0] == xid:
                break
        xid += 1
    print("%.2f" % (time.monotonic() - start))


if __name__ == "__main__":
    main()
