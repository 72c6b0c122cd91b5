#!/usr/bin/env python3
"""Stand-in for a TCP server that Debian 12 does not package (MS SQL Server, MongoDB): on
every connection, answers each complete request with the next recorded answer of FILE, in
order, then closes once the answers run out or the client goes quiet.

  replay.py --framing tds|mongo --pidfile PID [--lifetime 300] ADDR:PORT FILE

The answers in FILE follow one another as the client would keep them; they are split by
their own length fields (TDS: the 8-byte packet header, big-endian length at offset 2;
MongoDB: the little-endian message length at offset 0). A request is complete by the same
rule. Only 127.0.0.0/8 is accepted. Bounded: --lifetime seconds in all, 5 s per connection.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time


def msg_len(framing, buf):
    if framing == "tds":
        return struct.unpack(">H", buf[2:4])[0] if len(buf) >= 8 else None
    return struct.unpack("<I", buf[0:4])[0] if len(buf) >= 4 else None


def split(framing, data):
    out = []
    while data:
        n = msg_len(framing, data)
        if not n or n > len(data):
            raise SystemExit("replay.py: FILE is not a sequence of whole messages")
        out.append(data[:n])
        data = data[n:]
    return out


def serve(conn, framing, answers):
    conn.settimeout(5)
    try:
        buf = b""
        for answer in answers:
            while True:
                n = msg_len(framing, buf)
                if n is not None and len(buf) >= n:
                    buf = buf[n:]
                    break
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            conn.sendall(answer)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--framing", choices=("tds", "mongo"), required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("endpoint")
    ap.add_argument("file")
    a = ap.parse_args()
    host, _, port = a.endpoint.rpartition(":")
    if not host.startswith("127."):
        sys.exit("replay.py: only 127.0.0.0/8 addresses")
    with open(a.file, "rb") as f:
        answers = split(a.framing, f.read())
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    with open(a.pidfile + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(a.pidfile + ".tmp", a.pidfile)
    end = time.monotonic() + a.lifetime
    s.settimeout(0.5)
    while time.monotonic() < end:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn, a.framing, answers), daemon=True).start()


if __name__ == "__main__":
    main()
