#!/usr/bin/env python3
"""A STAND-IN for TLS servers no Debian 12 package can be made to run: SSLv2, SSLv3, export,
RC4, 3DES and DES suites, TLS compression, no secure renegotiation, no TLS_FALLBACK_SCSV.
OpenSSL 3 (and so every server linked with it) has dropped them, so this script answers the
first flight of a handshake the way such a server does, after the specifications (RFC 6101
SSLv3, RFC 5246 TLS 1.2, the SSLv2 draft), and never goes further: ServerHello, Certificate,
ServerKeyExchange (DHE: a prime of the configured size; ECDHE: the named curve), ServerHello-
Done; or a handshake_failure / protocol_version alert; or an SSLv2 SERVER-HELLO. It is NOT a
TLS implementation: no key exchange ever completes. Tests that use it say so.

usage: tls_standin.py ADDR PORT CERT.der CONFIG.json LIFETIME_SECONDS
CONFIG: {"versions": ["SSLv3", "TLSv1.0", ...], "suites": [0x000a, ...] (server order),
         "sslv2": [0x0700c0, ...], "compression": false, "reneg": true, "fallback": true,
         "server_order": true, "dh_bits": 1024,
         "heartbeat": "vulnerable" | "patched" | absent (no heartbeat extension),
         "stats": PATH (optional: "connections MAX-AT-ONCE" rewritten after each connection)}
A "vulnerable" stand-in answers a heartbeat request with as many bytes as the request claims,
all of them random: it imitates the length of a Heartbleed answer, not its contents.
"""
import json, os, socket, struct, sys, threading, time

VERS = {"SSLv3": 0x0300, "TLSv1.0": 0x0301, "TLSv1.1": 0x0302, "TLSv1.2": 0x0303}
addr, port, cert_path, cfg_path, life = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
cert = open(cert_path, "rb").read()
cfg = json.load(open(cfg_path))
versions = sorted(VERS[v] for v in cfg.get("versions", []))
suites = cfg.get("suites", [])
v2kinds = cfg.get("sslv2", [])
# Suites whose key exchange is ephemeral, by id ranges riskmap's tests use.
DHE = {0x0011, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016, 0x0033, 0x0039, 0x0067, 0x006b, 0x009e, 0x009f}
ECDHE = {0xc011, 0xc012, 0xc013, 0xc014, 0xc027, 0xc028, 0xc02f, 0xc030}

def record(ctype, ver, body):
    return struct.pack(">BHH", ctype, ver, len(body)) + body

def hs(mtype, body):
    return struct.pack(">B", mtype) + len(body).to_bytes(3, "big") + body

def alert(ver, desc):
    return record(21, ver, bytes([2, desc]))

def read_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b

def sslv2(c, first):
    n = ((first[0] & 0x7f) << 8) | first[1]
    msg = first[2:] + read_exact(c, n - (len(first) - 2))
    if msg[0] != 1 or not v2kinds:
        return c.sendall(alert(0x0301, 70)) if not v2kinds else None
    speclen = struct.unpack(">H", msg[3:5])[0]
    specs = msg[9:9 + speclen]
    offered = {int.from_bytes(specs[i:i + 3], "big") for i in range(0, speclen, 3)}
    common = [k for k in v2kinds if k in offered]
    body = bytes([4, 0, 1]) + struct.pack(">HHHH", 2, len(cert), 3 * len(common), 16) + cert
    body += b"".join(k.to_bytes(3, "big") for k in common) + os.urandom(16)
    c.sendall(bytes([0x80 | (len(body) >> 8), len(body) & 0xff]) + body)

def answer(c):
    first = c.recv(5)
    if len(first) < 2:
        return
    if first[0] & 0x80:
        return sslv2(c, first + c.recv(4096))
    first += read_exact(c, 5 - len(first)) if len(first) < 5 else b""
    rlen = struct.unpack(">H", first[3:5])[0]
    body = read_exact(c, rlen)
    if first[0] != 22 or body[0] != 1:
        return
    p = 4
    cver = struct.unpack(">H", body[p:p + 2])[0]; p += 34
    p += 1 + body[p]
    n = struct.unpack(">H", body[p:p + 2])[0]; p += 2
    offered = [struct.unpack(">H", body[p + i:p + i + 2])[0] for i in range(0, n, 2)]; p += n
    comps = list(body[p + 1:p + 1 + body[p]]); p += 1 + body[p]
    ver = max([v for v in versions if v <= cver], default=None)
    if ver is None:
        return c.sendall(alert(min(cver, 0x0301), 70))
    if cfg.get("fallback", True) and 0x5600 in offered and ver < versions[-1]:
        return c.sendall(alert(ver, 86))
    pool = suites if cfg.get("server_order", True) else [s for s in offered if s in suites]
    pick = next((s for s in pool if s in offered), None)
    if pick is None:
        return c.sendall(alert(ver, 40))
    comp = 1 if cfg.get("compression") and 1 in comps else 0
    ext = b""
    if cfg.get("reneg", True) and ver > 0x0300 and 0x00ff in offered:
        ext = struct.pack(">HHB", 0xff01, 1, 0)
    hb = cfg.get("heartbeat")
    if hb and ver > 0x0300:
        ext += struct.pack(">HHB", 0x000f, 1, 1)
    sh = struct.pack(">H", ver) + os.urandom(32) + b"\x00" + struct.pack(">HB", pick, comp)
    if ext:
        sh += struct.pack(">H", len(ext)) + ext
    flight = hs(2, sh) + hs(11, (len(cert) + 3).to_bytes(3, "big") + len(cert).to_bytes(3, "big") + cert)
    if pick in DHE:
        nbytes = cfg.get("dh_bits", 2048) // 8
        prime = b"\xff" + os.urandom(nbytes - 2) + b"\x01"
        ske = struct.pack(">H", nbytes) + prime + b"\x00\x01\x02" + struct.pack(">H", nbytes) + os.urandom(nbytes)
        flight += hs(12, ske + b"\x00\x10" + os.urandom(16))
    elif pick in ECDHE:
        flight += hs(12, b"\x03\x00\x17\x41\x04" + os.urandom(64) + b"\x00\x10" + os.urandom(16))
    flight += hs(14, b"")
    c.sendall(record(22, ver, flight))
    if hb and ver > 0x0300 and hb != "none":
        head = read_exact(c, 5)
        rec = read_exact(c, struct.unpack(">H", head[3:5])[0])
        if head[0] == 24 and rec[0] == 1 and hb == "vulnerable":
            claimed = struct.unpack(">H", rec[1:3])[0]
            c.sendall(record(24, ver, bytes([2]) + struct.pack(">H", claimed) + os.urandom(claimed + 16)))

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(32)
s.settimeout(1)
end = time.time() + life
lock = threading.Lock()
stats = {"total": 0, "now": 0, "max": 0}
def serve(c):
    c.settimeout(5)
    with lock:
        stats["total"] += 1; stats["now"] += 1; stats["max"] = max(stats["max"], stats["now"])
    try:
        answer(c)
        while c.recv(4096):  # until the client closes: the count of open connections is theirs
            pass
    except Exception:
        pass
    finally:
        c.close()
        with lock:
            stats["now"] -= 1
            if cfg.get("stats"):
                with open(cfg["stats"] + ".tmp", "w") as f:
                    f.write("%d %d\n" % (stats["total"], stats["max"]))
                os.replace(cfg["stats"] + ".tmp", cfg["stats"])
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
