/* Writes a synthetic scan result of HOSTS hosts and FINDINGS findings with riskmap's own
 * result writer, so it is exactly the format `riskmap scan -o` produces. Used by
 * bench/report.sh (5,000 hosts, 100,000 findings) and to make the report test fixture
 * (tests/fixtures/report/). Deterministic: the same arguments give the same file.
 *
 * Addresses are from 198.18.0.0/15 (the benchmarking range) written into a file, never
 * contacted. The findings are kinds
 * the shipped policies take (exposed services, weak TLS, CVEs with CVSS and KEV flags,
 * end-of-life software with its date), with banners as evidence; host 0 carries hostile
 * strings (markup, quotes, control bytes) as a scanned server could send them.
 *
 *   gen_scan HOSTS FINDINGS OUT.json [SCAN-DATE]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/model.h"
#include "scanner/result.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

struct kind {
    const char *kind, *title, *service;
    uint16_t port;
    enum severity sev;
    unsigned weight;
};

static const struct kind kinds[] = {
    {"svc.open", "Open TCP port", "http", 80, SEV_INFO, 20},
    {"patch.cve", "Vulnerable software version", "http", 80, SEV_HIGH, 30},
    {"tls.protocol.tls10", "TLS 1.0 offered", "https", 443, SEV_MEDIUM, 10},
    {"svc.telnet.open", "Telnet service open", "telnet", 23, SEV_HIGH, 6},
    {"svc.rdp.exposed", "Remote Desktop exposed", "ms-wbt-server", 3389, SEV_HIGH, 6},
    {"svc.smb.v1", "SMB version 1 enabled", "microsoft-ds", 445, SEV_HIGH, 6},
    {"svc.smb.signing-off", "SMB signing not required", "microsoft-ds", 445, SEV_MEDIUM, 6},
    {"svc.db.exposed", "Database port reachable", "ms-sql-s", 1433, SEV_HIGH, 5},
    {"svc.snmp.default-community", "SNMP default community", "snmp", 161, SEV_HIGH, 3},
    {"tls.cert.untrusted", "Certificate not trusted", "https", 443, SEV_MEDIUM, 5},
    {"patch.eol", "Software past or near its end of life", "ssh", 22, SEV_HIGH, 3},
};

static const struct kind *pick(void)
{
    unsigned total = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        total += kinds[i].weight;
    unsigned r = next() % total;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (r < kinds[i].weight)
            return &kinds[i];
        r -= kinds[i].weight;
    }
    return &kinds[0];
}

static int die(const char *what)
{
    fprintf(stderr, "gen_scan: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return die("usage: gen_scan HOSTS FINDINGS OUT.json [SCAN-DATE]");
    size_t n_hosts = strtoul(argv[1], NULL, 10), n_find = strtoul(argv[2], NULL, 10);
    const char *date = argc > 4 ? argv[4] : "2026-11-20";
    if (!n_hosts || n_hosts > 1000000 || strlen(date) != 10)
        return die("HOSTS must be 1..1000000, SCAN-DATE YYYY-MM-DD");
    struct scan_result *r = scan_result_new();
    char buf[512];
    if (!r)
        return die("out of memory");
    r->meta.complete = true;
    r->meta.id = strdup("5ca1ab1e00000000000000000000bead");
    snprintf(buf, sizeof buf, "%sT09:00:00Z", date);
    r->meta.started_utc = strdup(buf);
    snprintf(buf, sizeof buf, "%sT09:30:00Z", date);
    r->meta.finished_utc = strdup(buf);
    r->meta.riskmap_version = strdup(RISKMAP_VERSION);
    r->meta.operator_name = strdup("bench");
    r->meta.scanner_host = strdup("bench");
    r->meta.settings.scan_type = strdup("connect");
    r->meta.settings.ports_spec = strdup("top:1000");
    r->meta.settings.ports_scanned = strdup("1-1000");
    for (size_t h = 0; h < n_hosts; h++) {
        struct rm_addr a = addr_from_v4(0xc6120000u + 1 + (uint32_t)h);
        struct host *ho = scan_add_host(r, &a);
        if (!ho)
            return die("out of memory");
        ho->reason = strdup("syn-ack");
        ho->rtt_ms = 1;
        if (h == 0)
            ho->hostname = strdup("\"><img src=x onerror=alert(1)>.example");
        else if (h % 3 == 0)
            ho->hostname = (snprintf(buf, sizeof buf, "ws%05zu.corp.example", h), strdup(buf));
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            if (next() % 3)
                continue;
            struct service *s = host_add_service(ho, kinds[k].port, PORT_OPEN, kinds[k].service,
                                                 "syn-ack", 1);
            if (!s)
                return die("out of memory");
            service_set(&s->product, h == 0 ? "<script>alert('svc')</script>" : "ExampleSoft");
            service_set(&s->version, "1.2");
        }
    }
    for (size_t i = 0; i < n_find; i++) {
        size_t h = i < n_hosts ? i : next() % n_hosts;
        const struct kind *k = i == 0 ? &kinds[3] : pick();
        struct rm_addr a = addr_from_v4(0xc6120000u + 1 + (uint32_t)h);
        const char *title = k->title;
        if (h == 0) {
            snprintf(buf, sizeof buf, "%s <script>alert(\"%zu\")</script> ' \" & \x01", k->title, i);
            title = buf;
        }
        struct finding *f = finding_new(k->kind, "bench", k->sev, title, &a, k->port);
        if (!f)
            return die("out of memory");
        char v[64];
        snprintf(v, sizeof v, "%zu", i);
        int bad = finding_add_fact(f, "n", v);
        if (strcmp(k->kind, "patch.cve") == 0) {
            unsigned c = next() % 100;
            snprintf(v, sizeof v, "CVE-2024-%05zu", i % 99991);
            bad |= finding_add_fact(f, "cve", v) | finding_add_ref(f, v);
            snprintf(v, sizeof v, "%.1f", c < 10 ? 9.8 : c < 40 ? 7.5 : 5.3);
            bad |= finding_add_fact(f, "cvss_max", v) |
                   finding_add_fact(f, "kev", c < 4 ? "yes" : "no");
        } else if (strcmp(k->kind, "patch.eol") == 0) {
            static const char *const eol[] = {"2026-06-30", "2027-04-30", "2027-10-14",
                                              "2028-06-30"};
            bad |= finding_add_fact(f, "product", "ExampleOS 7") |
                   finding_add_fact(f, "eol_date", eol[next() % 4]);
        }
        bad |= finding_set_key_fact(f, "n");
        bad |= finding_set_detail(f, h == 0 ? "Banner said: <b onmouseover='x'>hi</b>"
                                            : "Seen in the service banner.");
        if (bad)
            return die("out of memory");
        finding_fingerprint(f);
        if (i % 20 == 0 || h == 0) {
            /* A banner as evidence; every 1000th one large, to be cut in the report. */
            size_t len = i % 1000 == 0 ? 10000 : 120;
            char *d = malloc(len);
            if (!d)
                return die("out of memory");
            for (size_t j = 0; j < len; j++)
                d[j] = (char)(j % 61 == 0 ? '\n' : j % 13 == 0 ? '<' : j % 17 == 0 ? 0x02
                                                                    : 'a' + j % 26);
            struct evidence *ev = scan_add_evidence(r, "application/octet-stream",
                                                    "service banner", d, len);
            free(d);
            if (!ev || finding_add_evidence_id(f, ev->id) < 0)
                return die("out of memory");
        }
        if (scan_add_finding(r, f) < 0)
            return die("out of memory");
    }
    scan_sort_hosts(r);
    struct rm_err e;
    if (result_write(r, argv[3], &e) < 0)
        return die(e.msg);
    scan_result_free(r);
    return 0;
}
