/* The UDP stage (udpprobe.h): batches of connected non-blocking UDP sockets, one request
 * each, polled together; resends after silence; answers validated by their parsers (our DNS
 * id, our NTP origin timestamp, an SNMP GetResponse) before they count. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scanner/probe_dns.h"
#include "scanner/probe_ntp.h"
#include "scanner/probe_snmp.h"
#include "scanner/sigs.h"
#include "scanner/udpprobe.h"

enum kind { U_DNS, U_NTP, U_SNMP2, U_SNMP1, N_KINDS };
static const uint16_t kind_port[N_KINDS] = {53, 123, 161, 161};

const char *udp_probe_list(void)
{
    return "dns:53,ntp:123,snmp:161";
}

struct target {
    size_t host;
    enum kind kind;
    int fd;
    unsigned sent;
    double first_ms, next_ms, rtt_ms;
    bool done, answered;
    uint64_t nonce; /* DNS id, NTP timestamp, SNMP request id: from getrandom */
    unsigned char req[128];
    size_t req_len;
    unsigned char *resp; /* malloc'd, or NULL */
    size_t resp_len;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool cancelled(const struct udp_opts *o)
{
    return o->cancel && *o->cancel;
}

static void build(struct target *t)
{
    switch (t->kind) {
    case U_DNS:
        t->req_len = dns_version_query((uint16_t)t->nonce, t->req, sizeof t->req);
        break;
    case U_NTP:
        t->req_len = ntp_client_request(t->nonce, t->req, sizeof t->req);
        break;
    case U_SNMP2:
    case U_SNMP1:
        t->req_len = snmp_get_request(t->kind == U_SNMP2 ? SNMP_V2C : SNMP_V1, "public",
                                      (uint32_t)t->nonce & 0x7fffffffu, t->req, sizeof t->req);
        break;
    default:
        t->req_len = 0;
    }
}

/* Is d the answer to t's request? */
static bool valid(const struct target *t, const unsigned char *d, size_t n)
{
    switch (t->kind) {
    case U_DNS: {
        struct dns_reply r;
        return dns_parse_reply(d, n, (uint16_t)t->nonce, &r) == 1;
    }
    case U_NTP: {
        struct ntp_reply r;
        return ntp_parse_reply(d, n, t->nonce, &r) == 1;
    }
    case U_SNMP2:
    case U_SNMP1: {
        struct snmp_reply r;
        return snmp_parse_response(d, n, &r) == 1 &&
               r.request_id == ((uint32_t)t->nonce & 0x7fffffffu);
    }
    default:
        return false;
    }
}

static void finish(struct target *t)
{
    t->done = true;
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

/* Opens, connects and sends the first request of t; a target that cannot be is done. */
static void start(struct target *t, const struct rm_addr *addr, double now)
{
    struct sockaddr_storage ss;
    socklen_t sl = addr_sockaddr(addr, kind_port[t->kind], &ss);
    t->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&ss, sl) < 0 || t->req_len == 0) {
        finish(t);
        return;
    }
    t->first_ms = now;
    t->next_ms = now; /* sent by the loop */
}

/* Runs one batch until every target is done, the batch's deadline passes or cancel. Returns
 * -1 on allocation failure. */
static int run_batch(struct target *ts, size_t n, const struct scan_result *r,
                     const struct udp_opts *o, double timeout, unsigned attempts, size_t max_bytes)
{
    struct pollfd *pf = calloc(n, sizeof *pf);
    size_t *idx = calloc(n, sizeof *idx);
    unsigned char *buf = malloc(max_bytes);
    int rc = -1;
    if (!pf || !idx || !buf)
        goto out;
    double now = now_ms();
    for (size_t i = 0; i < n; i++)
        start(&ts[i], &r->hosts[ts[i].host].addr, now);
    for (;;) {
        if (cancelled(o))
            break;
        now = now_ms();
        size_t np = 0;
        double wake = now + 100;
        for (size_t i = 0; i < n; i++) {
            struct target *t = &ts[i];
            if (t->done)
                continue;
            if (now >= t->next_ms) {
                if (t->sent >= attempts) {
                    finish(t); /* silence: nothing is claimed */
                    continue;
                }
                if (send(t->fd, t->req, t->req_len, MSG_NOSIGNAL) < 0 && errno == ECONNREFUSED) {
                    finish(t); /* an earlier request drew an ICMP port unreachable */
                    continue;
                }
                t->sent++;
                t->next_ms = now + timeout;
            }
            if (t->next_ms < wake)
                wake = t->next_ms;
            pf[np] = (struct pollfd){.fd = t->fd, .events = POLLIN};
            idx[np++] = i;
        }
        if (np == 0)
            break;
        int left = (int)(wake - now) + 1;
        int k = poll(pf, np, left < 1 ? 1 : left > 100 ? 100 : left);
        if (k < 0 && errno != EINTR)
            break;
        for (size_t p = 0; k > 0 && p < np; p++) {
            if (!pf[p].revents)
                continue;
            struct target *t = &ts[idx[p]];
            /* Drain what is queued: a stray datagram must not hide the answer behind it. */
            for (int dg = 0; dg < 8 && !t->done; dg++) {
                ssize_t got = recv(t->fd, buf, max_bytes, 0);
                if (got < 0) {
                    if (errno == ECONNREFUSED)
                        finish(t); /* port unreachable: closed */
                    break;
                }
                if (!valid(t, buf, (size_t)got))
                    continue;
                t->resp = malloc((size_t)got ? (size_t)got : 1);
                if (!t->resp)
                    goto out;
                memcpy(t->resp, buf, (size_t)got);
                t->resp_len = (size_t)got;
                t->rtt_ms = now_ms() - t->first_ms;
                t->answered = true;
                finish(t);
            }
        }
    }
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        if (!ts[i].done)
            finish(&ts[i]);
    free(pf);
    free(idx);
    free(buf);
    return rc;
}

/* Records one UDP service on host h from the answers of its targets t[0..] (kinds in order). */
static int record(struct scan_result *r, size_t h, const struct sig_table *sigs, const char *probe,
                  const char *default_name, const char *text, size_t tl,
                  const struct target *a, const struct target *b)
{
    struct sig_match m;
    memset(&m, 0, sizeof m);
    int found = tl ? sigs_match(sigs, probe, (const unsigned char *)text, tl, &m) : 0;
    if (found < 0)
        return -1;
    /* Evidence: the answers as received, one after the other. */
    size_t len = (a && a->answered ? a->resp_len : 0) + (b && b->answered ? b->resp_len : 0);
    unsigned char *ev = malloc(len ? len : 1);
    if (!ev) {
        sig_match_clear(&m);
        return -1;
    }
    size_t o = 0;
    const struct target *first = NULL;
    for (int i = 0; i < 2; i++) {
        const struct target *t = i ? b : a;
        if (t && t->answered) {
            memcpy(ev + o, t->resp, t->resp_len);
            o += t->resp_len;
            if (!first)
                first = t;
        }
    }
    char addr[RM_ADDRSTRLEN], desc[160], method[32];
    addr_str(&r->hosts[h].addr, addr, sizeof addr);
    snprintf(desc, sizeof desc, "service detection: answer of %s udp port %u to probe %s", addr,
             (unsigned)kind_port[first->kind], probe);
    snprintf(method, sizeof method, "probe:%s", probe);
    struct evidence *e = scan_add_evidence(r, "application/octet-stream", desc, ev, len);
    free(ev);
    struct service *s = e ? host_add_service(&r->hosts[h], kind_port[first->kind], PORT_OPEN,
                                             found ? m.service : default_name, "udp-response",
                                             first->rtt_ms)
                          : NULL;
    int rc = -1;
    if (s) {
        s->proto = SVC_UDP;
        if (service_set(&s->method, method) == 0 && service_set(&s->evidence_id, e->id) == 0 &&
            (!found || (service_set(&s->product, m.product) == 0 &&
                        service_set(&s->version, m.version) == 0 &&
                        service_set(&s->info, m.info) == 0 && service_set(&s->cpe, m.cpe) == 0)))
            rc = 0;
    }
    sig_match_clear(&m);
    return rc;
}

static int record_host(struct scan_result *r, size_t h, const struct sig_table *sigs,
                       const struct target *t /* N_KINDS of them, in enum order */)
{
    char text[768];
    size_t tl;
    if (t[U_DNS].answered) {
        struct dns_reply d;
        dns_parse_reply(t[U_DNS].resp, t[U_DNS].resp_len, (uint16_t)t[U_DNS].nonce, &d);
        tl = dns_describe(&d, text, sizeof text);
        if (record(r, h, sigs, "dns", "domain", text, tl, &t[U_DNS], NULL) < 0)
            return -1;
    }
    if (t[U_NTP].answered) {
        struct ntp_reply d;
        ntp_parse_reply(t[U_NTP].resp, t[U_NTP].resp_len, t[U_NTP].nonce, &d);
        tl = ntp_describe(&d, text, sizeof text);
        if (record(r, h, sigs, "ntp", "ntp", text, tl, &t[U_NTP], NULL) < 0)
            return -1;
    }
    if (t[U_SNMP2].answered || t[U_SNMP1].answered) {
        struct snmp_reply v2, v1;
        bool a2 = t[U_SNMP2].answered &&
                  snmp_parse_response(t[U_SNMP2].resp, t[U_SNMP2].resp_len, &v2) == 1;
        bool a1 = t[U_SNMP1].answered &&
                  snmp_parse_response(t[U_SNMP1].resp, t[U_SNMP1].resp_len, &v1) == 1;
        tl = snmp_describe(a2 ? &v2 : NULL, a1 ? &v1 : NULL, text, sizeof text);
        if (record(r, h, sigs, "snmp", "snmp", text, tl, &t[U_SNMP2], &t[U_SNMP1]) < 0)
            return -1;
    }
    return 0;
}

int udp_probe_hosts(struct scan_result *r, const struct udp_opts *o, struct rm_err *e)
{
    if (r->n_hosts == 0)
        return 0;
    double timeout = o->timeout_ms > 0 ? o->timeout_ms : UDP_DEF_TIMEOUT_MS;
    unsigned attempts = 1 + (o->retries < UDP_MAX_RETRIES ? o->retries : UDP_MAX_RETRIES);
    size_t max_bytes = o->max_bytes ? o->max_bytes : 4096;
    struct sig_table *sigs = NULL;
    if (sigs_load_builtin(&sigs, e) < 0)
        return -1;
    /* Whole hosts per batch, so that a host's answers are recorded together. */
    size_t per_batch = UDP_MAX_INFLIGHT / N_KINDS;
    struct target *ts = calloc(per_batch * N_KINDS, sizeof *ts);
    int rc = -1;
    if (!ts) {
        rm_errf(e, "UDP probes: out of memory");
        goto out;
    }
    size_t n_hosts = r->n_hosts; /* recording adds services, never hosts */
    for (size_t h0 = 0; h0 < n_hosts && !cancelled(o); h0 += per_batch) {
        size_t nh = n_hosts - h0 < per_batch ? n_hosts - h0 : per_batch;
        size_t n = nh * N_KINDS;
        memset(ts, 0, n * sizeof *ts);
        uint64_t nonces[UDP_MAX_INFLIGHT];
        if (getrandom(nonces, n * sizeof nonces[0], 0) != (ssize_t)(n * sizeof nonces[0])) {
            /* No randomness now: the monotonic clock still varies per request. */
            for (size_t i = 0; i < n; i++)
                nonces[i] = (uint64_t)(now_ms() * 1000.0) * 2654435761u + i;
        }
        for (size_t i = 0; i < n; i++) {
            ts[i] = (struct target){.host = h0 + i / N_KINDS, .kind = (enum kind)(i % N_KINDS),
                                    .fd = -1, .nonce = nonces[i]};
            build(&ts[i]);
        }
        int brc = run_batch(ts, n, r, o, timeout, attempts, max_bytes);
        for (size_t k = 0; brc == 0 && k < nh; k++)
            if (record_host(r, h0 + k, sigs, &ts[k * N_KINDS]) < 0)
                brc = -1;
        for (size_t i = 0; i < n; i++)
            free(ts[i].resp);
        if (brc < 0) {
            rm_errf(e, "UDP probes: out of memory");
            goto out;
        }
    }
    scan_sort_hosts(r);
    rc = 0;
out:
    free(ts);
    sigs_free(sigs);
    return rc;
}
