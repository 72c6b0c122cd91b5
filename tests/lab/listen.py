#!/usr/bin/env python3
"""Loopback lab listener for riskmap's tests, demo and benchmarks.

Listens on every ADDR:PORT given (only 127.0.0.0/8 and ::1 are accepted: tests never listen
or send anywhere else), accepts each connection and closes it at once, and counts
connections per local address. Runs until SIGTERM, or until --lifetime seconds have passed
(every lab is bounded in time). Writes its PID to --pidfile once every socket is listening,
so the caller knows when to start scanning and whom to stop.

  listen.py --pidfile lab.pid --log conns.log [--lifetime 600] [--reset] 127.0.20.1:22 ...

--reset closes each accepted connection with a TCP reset, like a service that accepts and
drops at once.

On exit, --log gets one line per local address that received connections: "ADDR COUNT".
"""
import argparse
import ipaddress
import os
import selectors
import signal
import socket
import struct
import sys
import time


def parse_endpoint(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    addr = ipaddress.ip_address(host)
    if not addr.is_loopback:
        raise SystemExit(f"listen.py: {text}: only loopback addresses are allowed")
    return host, int(port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--log")
    ap.add_argument("--lifetime", type=float, default=600.0)
    ap.add_argument("--backlog", type=int, default=256)
    ap.add_argument("--reset", action="store_true",
                    help="close each accepted connection with a TCP reset (SO_LINGER 0)")
    ap.add_argument("endpoints", nargs="+")
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    socks = []
    for ep in args.endpoints:
        host, port = parse_endpoint(ep)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(args.backlog)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, host)
        socks.append(s)

    counts = {}
    stop = False

    def on_term(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    tmp = args.pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(tmp, args.pidfile)

    deadline = time.monotonic() + args.lifetime
    while not stop and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            for _ in range(64):
                try:
                    conn, _peer = key.fileobj.accept()
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                counts[key.data] = counts.get(key.data, 0) + 1
                if args.reset:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()

    if args.log:
        with open(args.log, "w") as f:
            for host, n in sorted(counts.items()):
                f.write(f"{host} {n}\n")
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
