#!/usr/bin/env python3
"""Hostile servers for robustness tests: each endpoint misbehaves in one way, forever (or
until --lifetime), so that a scanner must rely on its own deadlines and size bounds.

  hostile.py --pidfile PID [--lifetime 120] MODE@ADDR:PORT ...

MODE is one of
  silent     accepts and never speaks
  trickle    speaks one byte per second, forever ("SSH-2.0-" and then dots)
  endless    sends an endless banner as fast as the client reads
  bigheader  answers any request with an HTTP response whose header is 50 MB long
  tlslie     answers a ClientHello with TLS records whose length fields lie (claim 16 KB,
             carry a few bytes, then stall; then a record claiming 65535 bytes)
  bigcert    answers a ClientHello with a ServerHello and a Certificate message announcing a
             10 MB chain, and sends all 10 MB
  reset      reads the first bytes, then resets the connection (SO_LINGER 0) mid-handshake
  random     sends 64 KB of random bytes, then closes

Only 127.0.0.0/8 is accepted. Each connection runs in its own thread and ends when the
client goes away or the lifetime ends; at most 256 connections at once per endpoint.
"""
import argparse
import ipaddress
import os
import signal
import socket
import struct
import sys
import threading
import time

MODES = {"silent", "trickle", "endless", "bigheader", "tlslie", "bigcert", "reset", "random"}
stop = threading.Event()


def send_all(c, data):
    view = memoryview(data)
    while view and not stop.is_set():
        try:
            n = c.send(view)
        except (BlockingIOError, InterruptedError):
            time.sleep(0.01)
            continue
        view = view[n:]


def read_some(c, n=4096, timeout=5.0):
    c.settimeout(timeout)
    try:
        return c.recv(n)
    except OSError:
        return b""


def server_hello():
    # TLS 1.2 ServerHello for TLS_RSA_WITH_AES_128_GCM_SHA256, no extensions.
    body = b"\x03\x03" + os.urandom(32) + b"\x00" + b"\x00\x9c" + b"\x00"
    hs = b"\x02" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack(">H", len(hs)) + hs


def handle(mode, c):
    try:
        if mode == "silent":
            stop.wait(3600)
        elif mode == "trickle":
            for b in b"SSH-2.0-" + b"." * 100000:
                if stop.is_set():
                    break
                c.sendall(bytes([b]))
                time.sleep(1.0)
        elif mode == "endless":
            chunk = b"220 " + b"A" * 8188 + b"\r\n"
            while not stop.is_set():
                c.sendall(chunk)
        elif mode == "bigheader":
            read_some(c)
            c.sendall(b"HTTP/1.1 200 OK\r\nServer: hostile\r\nX-Big: ")
            chunk = b"x" * 65536
            for _ in range(50 * 16):  # 50 MiB
                if stop.is_set():
                    break
                c.sendall(chunk)
            c.sendall(b"\r\n\r\n")
        elif mode == "tlslie":
            read_some(c)
            c.sendall(b"\x16\x03\x03\x40\x00" + b"\x02\x00\x00")  # claims 16 KB, carries 3
            stop.wait(2.0)
            c.sendall(b"\x16\x03\x03\xff\xff" + os.urandom(100))  # claims 64 KB
            stop.wait(3600)
        elif mode == "bigcert":
            read_some(c)
            one = 1 << 20  # ten certificates of 1 MiB each, as the lengths say
            certs = b"".join(struct.pack(">I", one)[1:] + b"\x30" * one for _ in range(10))
            body = struct.pack(">I", len(certs))[1:] + certs
            hs = b"\x0b" + struct.pack(">I", len(body))[1:] + body
            c.sendall(server_hello())
            # Records of at most 16 KB, as TLS requires.
            for i in range(0, len(hs), 16384):
                if stop.is_set():
                    break
                frag = hs[i:i + 16384]
                c.sendall(b"\x16\x03\x03" + struct.pack(">H", len(frag)) + frag)
        elif mode == "reset":
            read_some(c, 16)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "random":
            c.sendall(os.urandom(65536))
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass


def serve(mode, addr, port, sem):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        except OSError:
            break
        if not sem.acquire(blocking=False):
            c.close()
            continue

        def run(c=c):
            try:
                handle(mode, c)
            finally:
                sem.release()
        threading.Thread(target=run, daemon=True).start()
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("endpoints", nargs="+")
    a = ap.parse_args()
    threads = []
    for ep in a.endpoints:
        mode, _, rest = ep.partition("@")
        host, _, port = rest.rpartition(":")
        if mode not in MODES:
            raise SystemExit(f"hostile.py: unknown mode {mode}")
        if not ipaddress.ip_address(host).is_loopback:
            raise SystemExit(f"hostile.py: {host}: only loopback addresses are allowed")
        t = threading.Thread(target=serve, args=(mode, host, int(port), threading.Semaphore(256)),
                             daemon=True)
        t.start()
        threads.append(t)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    time.sleep(0.3)  # the listeners are up
    with open(a.pidfile + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(a.pidfile + ".tmp", a.pidfile)
    stop.wait(a.lifetime)
    stop.set()
    for t in threads:
        t.join(1.0)
    try:
        os.unlink(a.pidfile)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
