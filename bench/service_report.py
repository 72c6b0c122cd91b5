#!/usr/bin/env python3
"""The figures of bench/service.sh: timings, open sets and the per-port identification table.

  service_report.py WORK RUNS GOAL

WORK holds lab.txt (ADDR:PORT/PROTO lines), nmap.times / riskmap.times (wall seconds, one a run),
nmap.rss / riskmap.rss ("peak-KiB user-s sys-s"), nmap.N.xml (nmap -oX) and
riskmap.N.d/scan.json for N = 1..RUNS. Exit 0 when both open sets equal the lab's in every
run, every port agrees and nmap/riskmap >= GOAL; 1 otherwise.
"""
import base64
import json
import statistics
import sys
import xml.etree.ElementTree as ET


def nums(path, col=0):
    return [float(line.split()[col]) for line in open(path)]


def nmap_services(path):
    """(addr, port, proto) -> dict of service, product, version, info for every open port."""
    out = {}
    for h in ET.parse(path).getroot().iter("host"):
        addr = next(a.get("addr") for a in h.iter("address") if a.get("addrtype") == "ipv4")
        for p in h.iter("port"):
            if p.find("state").get("state") != "open":
                continue
            s = p.find("service")
            s = s.attrib if s is not None else {}
            name = s.get("name", "")
            if s.get("tunnel"):
                name = f"{s['tunnel']}/{name}"
            out[(addr, int(p.get("portid")), p.get("protocol"))] = {
                "service": name, "product": s.get("product", ""),
                "version": s.get("version", ""), "info": s.get("extrainfo", ""),
                "method": s.get("method", ""), "fp": s.get("servicefp", "")}
    return out


def riskmap_services(path):
    doc = json.load(open(path))
    ev = {e["id"]: e for e in doc.get("evidence", [])}
    out = {}
    for h in doc["hosts"]:
        for s in h["services"]:
            if s["state"] != "open":
                continue
            e = ev.get(s.get("evidence"))
            raw = b""
            if e:
                raw = (base64.b64decode(e["data"]) if e["encoding"] == "base64"
                       else e["data"].encode("utf-8"))
            out[(h["address"], s["port"], s.get("protocol", "tcp"))] = {
                "service": s.get("name", ""), "product": s.get("product", ""),
                "version": s.get("version", ""), "info": s.get("info", ""),
                "method": s.get("method", ""), "evidence": raw}
    return out


def agree(n, r):
    """(verdict, ok): did riskmap identify what nmap identified on this port?"""
    if r is None:
        return "NO: not found open", False
    if not n["product"] and not n["version"]:
        return ("yes (only riskmap names a product)" if r["product"] else "yes (neither names a product)"), True
    if not r["product"]:
        return "NO: no product", False
    if n["product"].lower() != r["product"].lower():
        return "NO: product named differently", False
    nv, rv = n["version"], r["version"]
    if nv == rv:
        return "yes", True
    if not nv:
        return "yes (only riskmap names the version)", True
    # nmap's version may run on past the release with a detail riskmap keeps in info:
    # OpenSSH's "9.2p1 Debian 2+deb12u10", Sendmail's "8.17.1.9/8.17.1.9/Debian-2".
    if rv and any(nv.startswith(rv + sep) and nv[len(rv) + 1:] in r["info"] for sep in " /"):
        return "yes (detail in info)", True
    return ("NO: no version" if not rv else "NO: version differs"), False


def show(s):
    """service / product / version; the service ends in ? when only the port number named it."""
    if s is None:
        return "-"
    name = (s["service"] or "-") + ("?" if s["method"] in ("table", "port", "") else "")
    return " / ".join((name, s["product"] or "-", s["version"] or "-"))


def label(key):
    return f"{key[0]}:{key[1]}" + ("/udp" if key[2] == "udp" else "")


def bytes_text(raw, limit=300):
    text = raw[:limit].decode("latin-1").encode("unicode_escape").decode("ascii")
    return text + (f"... ({len(raw)} bytes)" if len(raw) > limit else f" ({len(raw)} bytes)")


def main():
    work, runs, goal = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    lab = set()
    for line in open(f"{work}/lab.txt"):
        a, _, pp = line.strip().rpartition(":")
        p, _, proto = pp.partition("/")
        lab.add((a, int(p), proto or "tcp"))

    t_n, t_r = nums(f"{work}/nmap.times"), nums(f"{work}/riskmap.times")
    print()
    print(f"== results (medians of {runs} runs)")
    for tool, t in (("nmap", t_n), ("riskmap", t_r)):
        rss = nums(f"{work}/{tool}.rss")
        cpu = [u + s for u, s in zip(nums(f"{work}/{tool}.rss", 1), nums(f"{work}/{tool}.rss", 2))]
        print(f"  {tool:8s} median {statistics.median(t):7.2f} s   (min {min(t):.2f}, max {max(t):.2f})"
              f"   CPU {statistics.median(cpu):6.2f} s   peak RSS {statistics.median(rss) / 1024:5.1f} MiB")
    ratio = statistics.median(t_n) / statistics.median(t_r)
    print(f"  ratio nmap/riskmap: {ratio:.2f}x wall (goal {goal:g}x: {'met' if ratio >= goal else 'NOT met'})")

    nm = [nmap_services(f"{work}/nmap.{i}.xml") for i in range(1, runs + 1)]
    rm = [riskmap_services(f"{work}/riskmap.{i}.d/scan.json") for i in range(1, runs + 1)]
    sets_ok = True
    for tool, res in (("nmap", nm), ("riskmap", rm)):
        for i, r in enumerate(res, 1):
            if set(r) != lab:
                sets_ok = False
                print(f"  {tool} run {i}: open set differs from the lab's: missed "
                      f"{sorted(lab - set(r))}, extra {sorted(set(r) - lab)}")
    print(f"  open sets: the lab has {len(lab)} services; both tools found exactly those in every run: "
          f"{'yes' if sets_ok else 'NO'}")
    ok = ratio >= goal and sets_ok

    # Identification in every run: the table shows run 1 and flags ports that changed.
    rows, gaps = [], []
    for key in sorted(lab, key=lambda k: (tuple(int(x) for x in k[0].split(".")), k[2], k[1])):
        n, r = nm[0].get(key), rm[0].get(key)
        verdicts = set()
        for i in range(runs):
            ni = nm[i].get(key)
            verdicts.add(agree(ni, rm[i].get(key)) if ni else ("nmap did not find it open", True))
        if n is None:
            verdict, good = "nmap did not find it open", True
        else:
            verdict, good = agree(n, r)
        good = good and all(v[1] for v in verdicts)
        if len({show(x.get(key)) for x in nm}) > 1 or len({show(x.get(key)) for x in rm}) > 1:
            verdict += " (varies between runs)"
        rows.append((label(key), show(n), show(r), verdict))
        if not good:
            gaps.append((key, n, r, verdict))
    ok = ok and not gaps

    w = [max(len(row[c]) for row in rows + [("port", "nmap -sV", "riskmap", "agree?")]) for c in range(4)]
    print()
    print("== identification per port (service / product / version; run 1)")
    line = "| " + " | ".join(h.ljust(w[c]) for c, h in enumerate(("port", "nmap -sV", "riskmap", "agree?"))) + " |"
    print(line)
    print("|" + "|".join("-" * (x + 2) for x in w) + "|")
    for row in rows:
        print("| " + " | ".join(v.ljust(w[c]) for c, v in enumerate(row)) + " |")
    named = [k for k in lab if nm[0].get(k) and nm[0][k]["product"]]
    gap_keys = {g[0] for g in gaps}
    print(f"  (? = named after the port number only.) nmap names a product on {len(named)} of "
          f"{len(rows)} ports; riskmap agrees on {sum(1 for k in named if k not in gap_keys)} of them")

    if gaps:
        print()
        print("== gaps: nmap names a product or version riskmap does not (riskmap's evidence)")
        for key, n, r, verdict in gaps:
            print(f"  {label(key)}: {verdict}")
            if n:
                print(f"    nmap:    {show(n)}  info \"{n['info']}\"  method {n['method']}")
            if r:
                print(f"    riskmap: {show(r)}  info \"{r['info']}\"  method {r['method']}")
                print(f"    evidence: {bytes_text(r['evidence'])}")
    print()
    print(f"service detection goal (>= {goal:g}x and every nmap identification matched): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
