#!/usr/bin/env python3
"""Silent and slow loopback services for riskmap's benchmark and tests.

Some services make a scanner wait: a port that accepts and never speaks (a tarpit, a service
waiting for a protocol the scanner does not try), or a server that greets late and slowly (an
SMTP greet pause against spammers, a loaded box). No Debian package behaves like that on
demand, so this stands in for the behaviour; the banner it speaks is whatever the caller
gives, copied from the real product.

  tarpit.py --pidfile P [--lifetime 600] [--hold 30] ADDR:PORT...          silent
  tarpit.py --pidfile P --banner '220 mx ESMTP Exim 4.96\\r\\n' --delay 2 \\
            --chunk 8 --interval 0.2 ADDR:PORT...                         slow

Each accepted connection stays open until the peer closes it or --hold seconds have passed;
what the peer sends is read and dropped. With --banner (backslash escapes such as \\r\\n are
decoded) the banner starts --delay seconds after the accept, --chunk bytes every --interval
seconds. Only 127.0.0.0/8 and ::1 are accepted. At most --max-conns connections are held
(more are closed at once). Runs until SIGTERM or --lifetime seconds; the PID goes to
--pidfile once every socket listens.
"""
import argparse
import codecs
import ipaddress
import os
import selectors
import signal
import socket
import sys
import time


def parse_endpoint(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"tarpit.py: {text}: only loopback addresses are allowed")
    return host, int(port)


class Conn:
    def __init__(self, sock, now):
        self.sock = sock
        self.start = now
        self.sent = 0


def due(args, banner, conn, now):
    """How many banner bytes should have gone out by now."""
    t = now - conn.start - args.delay
    if t < 0:
        return 0
    return min(len(banner), args.chunk * (1 + int(t / args.interval)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--lifetime", type=float, default=600.0)
    ap.add_argument("--hold", type=float, default=30.0)
    ap.add_argument("--banner", default="")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--chunk", type=int, default=1 << 16)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--max-conns", type=int, default=512)
    ap.add_argument("endpoints", nargs="+")
    args = ap.parse_args()
    if args.chunk < 1 or args.interval <= 0:
        raise SystemExit("tarpit.py: --chunk must be >= 1 and --interval > 0")
    banner = codecs.decode(args.banner, "unicode_escape").encode("latin-1")

    sel = selectors.DefaultSelector()
    listeners = []
    for ep in args.endpoints:
        host, port = parse_endpoint(ep)
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(256)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, None)
        listeners.append(s)

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

    conns = {}  # fileno -> Conn

    def drop(c):
        sel.unregister(c.sock)
        del conns[c.sock.fileno()]
        c.sock.close()

    deadline = time.monotonic() + args.lifetime
    while not stop and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=min(0.05, args.interval)):
            now = time.monotonic()
            if key.data is None:  # a listener
                for _ in range(64):
                    try:
                        s, _peer = key.fileobj.accept()
                    except OSError:
                        break
                    if len(conns) >= args.max_conns:
                        s.close()
                        continue
                    s.setblocking(False)
                    conns[s.fileno()] = c = Conn(s, now)
                    sel.register(s, selectors.EVENT_READ, c)
                continue
            c = key.data
            try:
                data = c.sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                drop(c)
        now = time.monotonic()
        for c in list(conns.values()):
            if now - c.start >= args.hold:
                drop(c)
                continue
            n = due(args, banner, c, now)
            if n > c.sent:
                try:
                    c.sent += c.sock.send(banner[c.sent:n])
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    drop(c)

    for c in list(conns.values()):
        drop(c)
    for s in listeners:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
