/* The probe engine (tls_probe.h).
 *
 * An endpoint is probed in phases. Phase 0 is one TLS 1.2 hello: it tells whether anything
 * answers at all and whether it speaks TLS, so that a closed port or a plain-text service
 * costs one connection. Phase 1 asks every version (quick: until one suite is accepted;
 * full: every suite, chunk by chunk). Phase 2 (full) uses what phase 1 learnt: server order,
 * TLS_FALLBACK_SCSV, compression, curves and TLS 1.3 groups. Phase 3 fetches the certificate
 * with OpenSSL when no hand-made handshake carried it (a TLS 1.3-only server). Within a phase,
 * tasks run on at most conns_per_host threads, one connection each at a time; what they learn
 * goes into the report under the endpoint's mutex. When endpoints are probed in parallel, the
 * threads beyond the endpoint's share of TLS_MAX_CONNS_TOTAL run a task only with an extra
 * connection from the shared budget (tls_budget.h), which grows while answers wait on the
 * network and shrinks when they queue for CPU.
 */
#include "checks/tls_probe.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "checks/tls_budget.h"
#include "checks/tls_suites.h"

const uint16_t tls_probe_versions[TLS_NVERS] = {TLS_SSLV2, TLS_SSLV3, TLS_V10,
                                                TLS_V11,   TLS_V12,   TLS_V13};
enum { VI_SSL2, VI_SSL3, VI_TLS10, VI_TLS11, VI_TLS12, VI_TLS13 };

int tls_version_index(uint16_t v)
{
    for (int i = 0; i < TLS_NVERS; i++)
        if (tls_probe_versions[i] == v)
            return i;
    return -1;
}

enum task_kind { T_QUICK, T_ENUM, T_SSLV2, T_ORDER, T_FALLBACK, T_COMPRESS, T_CURVES, T_GROUPS13, T_HEARTBLEED };

struct task {
    enum task_kind kind;
    int vi;
    size_t start, len; /* the chunk of the version's offer list (T_QUICK: all of it) */
};

struct ep_job {
    struct tls_report *r;
    const struct tls_probe_opts *o;
    struct tls_net net;
    atomic_uint conns, in_flight, max_in_flight;
    pthread_mutex_t mu;
    uint16_t offer[TLS_NVERS][420]; /* the suites offered per version, table order */
    size_t n_offer[TLS_NVERS];
    bool multi_chunk[TLS_NVERS];    /* suites were accepted from more than one chunk */
    int chunk_seen[TLS_NVERS];      /* the chunk start of the first acceptance, -1 none */
    uint16_t groups13[2][TLS_MAX_GROUPS]; /* TLS 1.3 groups found per family (EC, FFDHE) */
    size_t n_groups13[2];
    struct task *tasks;
    size_t n_tasks;
    atomic_size_t next;
    bool oom;
    unsigned share;             /* threads that need no extra connection from the budget */
    struct tls_budget *budget;  /* shared by the endpoints probed at once */
    struct tls_budget_ep pace;  /* this endpoint's answers, for the budget */
    /* The threads of a phase besides the endpoint's own, started by that one (spawner) only:
     * those of its share at once, the extras once the budget has room for them. */
    pthread_t spawner;
    bool spawning;              /* in a phase: extras may be started */
    size_t n_threads, max_threads;
    pthread_t tid[64];
    struct worker {
        struct ep_job *j;
        bool extra;             /* runs each task on an extra connection from the budget */
    } w[64];
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool is_ec_group(uint16_t g)
{
    return g >= 0x0001 && g <= 0x001E;
}

/* The suites a hello for version vi offers: every registered suite defined for that version
 * and usable without a pre-shared secret; TLS 1.3 suites only in TLS 1.3 hellos. */
static void build_offers(struct ep_job *j)
{
    for (int vi = VI_SSL3; vi < TLS_NVERS; vi++) {
        uint16_t v = tls_probe_versions[vi];
        size_t n = 0;
        for (size_t i = 0; i < tls_n_suites && n < sizeof j->offer[vi] / sizeof j->offer[vi][0]; i++) {
            const struct tls_suite *s = &tls_suites[i];
            bool is13 = s->min_version == TLS_V13;
            if ((vi == VI_TLS13) != is13 || s->min_version > v || (s->flags & TS_NEEDS_SECRET) ||
                s->id == TLS_SCSV_RENEG || s->id == TLS_SCSV_FALLBACK)
                continue;
            j->offer[vi][n++] = (uint16_t)s->id;
        }
        j->n_offer[vi] = n;
    }
}

/* ---- one hello --------------------------------------------------------------------------- */

/* The staple of the handshake whose chain is kept: it is verified against that chain. */
static void keep_ocsp(struct ep_job *j, const struct tls_flight *f)
{
    struct tls_report *r = j->r;
    free(r->ocsp);
    r->ocsp = NULL;
    r->ocsp_len = 0;
    if (!f->ocsp.len)
        return;
    if (!(r->ocsp = malloc(f->ocsp.len))) {
        j->oom = true;
        return;
    }
    memcpy(r->ocsp, f->hs + f->ocsp.off, f->ocsp.len);
    r->ocsp_len = f->ocsp.len;
}

/* Copies a flight's chain into *der / *lens (new arrays, owned by the caller). */
static int copy_chain(const struct tls_flight *f, unsigned char ***der, size_t **lens)
{
    unsigned char **c = calloc(f->n_certs, sizeof *c);
    size_t *l = calloc(f->n_certs, sizeof *l);
    if (!c || !l) {
        free(c);
        free(l);
        return -1;
    }
    for (uint32_t i = 0; i < f->n_certs; i++) {
        if (!(c[i] = malloc(f->certs[i].len))) {
            for (uint32_t k = 0; k < i; k++)
                free(c[k]);
            free(c);
            free(l);
            return -1;
        }
        memcpy(c[i], f->hs + f->certs[i].off, f->certs[i].len);
        l[i] = f->certs[i].len;
    }
    *der = c;
    *lens = l;
    return 0;
}

static void free_chain(unsigned char **der, size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(der[i]);
    free(der);
    free(lens);
}

static bool same_leaf(const struct tls_flight *f, unsigned char *const *der, const size_t *lens, size_t n)
{
    return n && f->n_certs && lens[0] == f->certs[0].len &&
           memcmp(der[0], f->hs + f->certs[0].off, lens[0]) == 0;
}

/* The chain of the highest version is the endpoint's (for TLS 1.2, the one phase 0's offer of
 * everything got: the server's preference); a different leaf at that version is the second
 * certificate of a dual RSA/ECDSA server (one is kept: the usual pair). */
static void keep_chain(struct ep_job *j, const struct tls_flight *f)
{
    struct tls_report *r = j->r;
    if (f->n_certs == 0)
        return;
    /* A staple is about the leaf it came with: only the first chain's counts. */
    if (r->n_certs && r->cert_version == f->version && !r->ocsp && f->ocsp.len &&
        same_leaf(f, r->certs, r->cert_lens, r->n_certs))
        keep_ocsp(j, f);
    if (r->n_certs && r->cert_version == f->version) {
        if (r->n_alt_certs || same_leaf(f, r->certs, r->cert_lens, r->n_certs))
            return;
        if (copy_chain(f, &r->alt_certs, &r->alt_cert_lens) < 0) {
            j->oom = true;
            return;
        }
        r->n_alt_certs = f->n_certs;
        return;
    }
    if (r->n_certs && r->cert_version > f->version)
        return;
    unsigned char **c;
    size_t *l;
    if (copy_chain(f, &c, &l) < 0) {
        j->oom = true;
        return;
    }
    free_chain(r->certs, r->cert_lens, r->n_certs);
    free_chain(r->alt_certs, r->alt_cert_lens, r->n_alt_certs);
    r->alt_certs = NULL;
    r->alt_cert_lens = NULL;
    r->n_alt_certs = 0;
    r->certs = c;
    r->cert_lens = l;
    r->n_certs = f->n_certs;
    r->cert_version = f->version;
    keep_ocsp(j, f);
}

static void keep_record(struct ep_job *j, const struct tls_flight *f)
{
    struct tls_report *r = j->r;
    uint8_t *c = malloc(f->record_len);
    if (!c) {
        j->oom = true;
        return;
    }
    memcpy(c, f->record, f->record_len);
    free(r->hello_record);
    r->hello_record = c;
    r->hello_record_len = f->record_len;
    r->hello_record_full = f->record_full_len;
    r->hello_record_version = f->version;
}

static void add_group(uint16_t *list, size_t *n, uint16_t g)
{
    for (size_t i = 0; i < *n; i++)
        if (list[i] == g)
            return;
    if (*n < TLS_MAX_GROUPS)
        list[(*n)++] = g;
}

/* Sends one hello and records what every answer says about the endpoint. Returns the
 * exchange's result; the flight holds the answer. */
static enum tls_xres exchange(struct ep_job *j, struct tls_hello_opts *h, struct tls_flight *f)
{
    uint8_t hello[4096];
    h->sni = j->r->name;
    size_t n = tls_build_client_hello(h, hello, sizeof hello);
    if (!n)
        return TX_ERROR;
    enum tls_xres x = tls_exchange(&j->r->ep, &j->net, hello, n, f);
    pthread_mutex_lock(&j->mu);
    struct tls_report *r = j->r;
    if ((x == TX_REFUSED || x == TX_TIMEOUT) && r->reachable)
        r->conn_failures++;
    if (x == TX_ANSWER || x == TX_SILENT)
        r->reachable = true;
    if (x == TX_ANSWER && f->answer != TLS_A_JUNK)
        r->speaks_tls = true;
    if (x == TX_ANSWER && f->answer == TLS_A_HELLO && !f->hrr && f->record_len &&
        (!r->hello_record || f->version > r->hello_record_version))
        keep_record(j, f);
    if (x == TX_ANSWER && f->answer == TLS_A_HELLO && !f->hrr && f->version <= TLS_V12) {
        keep_chain(j, f);
        if (f->dh_bits && (!r->dh_bits_min || f->dh_bits < r->dh_bits_min))
            r->dh_bits_min = f->dh_bits;
        if (f->ske_group)
            add_group(r->ecdhe_groups, &r->n_ecdhe_groups, f->ske_group);
        if (f->version >= TLS_V10 && h->scsv_reneg && r->secure_reneg != TRI_NO)
            r->secure_reneg = f->ext_reneg ? TRI_YES : TRI_NO;
        if (f->cert_status)
            r->ocsp_stapling = TRI_YES;
        if (h->heartbeat && r->heartbeat != TRI_YES)
            r->heartbeat = f->ext_heartbeat ? TRI_YES : TRI_NO;
    }
    pthread_mutex_unlock(&j->mu);
    return x;
}

/* One hello, asked a second time after a pause when the connection itself failed: a server
 * that refuses under load (a connection limit, a full backlog) is given room, and a suite is
 * not called refused because a connect was. */
static enum tls_xres exchange_patient(struct ep_job *j, struct tls_hello_opts *h, struct tls_flight *f)
{
    enum tls_xres x = exchange(j, h, f);
    if (x != TX_REFUSED && x != TX_TIMEOUT)
        return x;
    for (int i = 0; i < 25 && !(j->o->cancel && atomic_load(j->o->cancel)); i++) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return exchange(j, h, f);
}

/* The suite the server accepted for version v, or -1. */
static long accepted(enum tls_xres x, const struct tls_flight *f, uint16_t v,
                     const uint16_t *offer, size_t n)
{
    if (x != TX_ANSWER || f->answer != TLS_A_HELLO || f->version != v)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (offer[i] == f->suite)
            return f->suite;
    return -1; /* a suite never offered: a broken server; stop asking it */
}

static void add_suite(struct ep_job *j, int vi, uint16_t s, size_t chunk)
{
    pthread_mutex_lock(&j->mu);
    struct tls_proto *p = &j->r->proto[vi];
    p->supported = true;
    bool dup = false;
    for (size_t i = 0; i < p->n_suites; i++)
        dup |= p->suites[i] == s;
    if (!dup && p->n_suites < sizeof p->suites / sizeof p->suites[0])
        p->suites[p->n_suites++] = s;
    if (j->chunk_seen[vi] < 0)
        j->chunk_seen[vi] = (int)chunk;
    else if ((size_t)j->chunk_seen[vi] != chunk)
        j->multi_chunk[vi] = true;
    pthread_mutex_unlock(&j->mu);
}

static struct tls_hello_opts hello_for(int vi, const uint16_t *suites, size_t n)
{
    uint16_t v = tls_probe_versions[vi];
    /* TLS 1.3 asks without a key share: the HelloRetryRequest names the suite and the group
     * as a ServerHello would, and costs the server no key share and no signature, which on
     * a lab of single-core servers is most of a handshake's work. */
    return (struct tls_hello_opts){.version = v, .suites = suites, .n_suites = n,
                                   .scsv_reneg = v <= TLS_V12, .status_request = true,
                                   .heartbeat = v <= TLS_V12, .no_key_share = v == TLS_V13};
}

/* ---- tasks ------------------------------------------------------------------------------- */

static void task_quick(struct ep_job *j, const struct task *t, struct tls_flight *f)
{
    uint16_t v = tls_probe_versions[t->vi];
    for (size_t at = 0; at < j->n_offer[t->vi]; at += TLS_PROBE_CHUNK) {
        size_t n = j->n_offer[t->vi] - at < TLS_PROBE_CHUNK ? j->n_offer[t->vi] - at : TLS_PROBE_CHUNK;
        const uint16_t *offer = j->offer[t->vi] + at;
        struct tls_hello_opts h = hello_for(t->vi, offer, n);
        h.no_key_share = false; /* the monitoring tier's one handshake is a real one */
        enum tls_xres x = exchange_patient(j, &h, f);
        long s = accepted(x, f, v, offer, n);
        if (s >= 0) {
            add_suite(j, t->vi, (uint16_t)s, at);
            return;
        }
        if (x != TX_ANSWER && x != TX_SILENT)
            return; /* unreachable or cancelled: more chunks will not help */
        if (x == TX_ANSWER && f->answer == TLS_A_HELLO && f->version != v)
            return; /* it answered with another version: this one is not spoken at all */
    }
}

static void task_enum(struct ep_job *j, const struct task *t, struct tls_flight *f)
{
    uint16_t v = tls_probe_versions[t->vi];
    uint16_t offer[TLS_PROBE_CHUNK];
    size_t n = t->len;
    memcpy(offer, j->offer[t->vi] + t->start, n * sizeof *offer);
    for (size_t round = 0; n > 0 && round <= t->len; round++) {
        struct tls_hello_opts h = hello_for(t->vi, offer, n);
        /* One real TLS 1.3 ServerHello is kept as evidence: the first answer of the first
         * chunk. */
        if (t->start == 0 && round == 0)
            h.no_key_share = false;
        long s = accepted(exchange_patient(j, &h, f), f, v, offer, n);
        if (s < 0)
            return;
        add_suite(j, t->vi, (uint16_t)s, t->start);
        for (size_t i = 0; i < n; i++)
            if (offer[i] == s) {
                memmove(offer + i, offer + i + 1, (n - i - 1) * sizeof *offer);
                n--;
                break;
            }
    }
}

static void task_sslv2(struct ep_job *j, struct tls_flight *f)
{
    uint32_t kinds[TLS_MAX_V2_KINDS];
    size_t n = 0;
    for (size_t i = 0; i < tls_n_sslv2_suites && n < TLS_MAX_V2_KINDS; i++)
        kinds[n++] = tls_sslv2_suites[i].id;
    uint8_t hello[512];
    size_t len = tls_build_sslv2_hello(kinds, n, hello, sizeof hello);
    enum tls_xres x = tls_exchange(&j->r->ep, &j->net, hello, len, f);
    pthread_mutex_lock(&j->mu);
    struct tls_proto *p = &j->r->proto[VI_SSL2];
    if (x == TX_ANSWER || x == TX_SILENT)
        j->r->reachable = true;
    if (x == TX_ANSWER && f->answer == TLS_A_SSLV2) {
        j->r->speaks_tls = true;
        /* The server lists the kinds it shares with the offer: one answer is the whole set. */
        for (uint32_t i = 0; i < f->n_v2_kinds && p->n_suites < sizeof p->suites / sizeof p->suites[0]; i++)
            p->suites[p->n_suites++] = f->v2_kinds[i];
        p->supported = p->n_suites > 0;
        p->complete = true;
        if (!j->r->n_certs && f->n_certs)
            keep_chain(j, f);
    }
    pthread_mutex_unlock(&j->mu);
}

/* Server order: the same pick from a list and from its reverse means the server chooses. When
 * the accepted suites came from several chunks, their order is asked for again in one list. */
static void task_order(struct ep_job *j, const struct task *t, struct tls_flight *f)
{
    struct tls_proto *p = &j->r->proto[t->vi];
    uint16_t v = tls_probe_versions[t->vi];
    size_t n = p->n_suites;
    uint16_t list[400], rev[400];
    for (size_t i = 0; i < n; i++) {
        list[i] = (uint16_t)p->suites[i];
        rev[n - 1 - i] = (uint16_t)p->suites[i];
    }
    struct tls_hello_opts h = hello_for(t->vi, list, n);
    long a = accepted(exchange(j, &h, f), f, v, list, n);
    h = hello_for(t->vi, rev, n);
    long b = accepted(exchange(j, &h, f), f, v, rev, n);
    if (a < 0 || b < 0)
        return;
    enum tls_tri order = a == b ? TRI_YES : TRI_NO;
    uint32_t ordered[400];
    size_t m = 0;
    if (order == TRI_YES && j->multi_chunk[t->vi]) {
        ordered[m++] = (uint32_t)a;
        for (size_t i = 0; i < n; i++)
            if (list[i] == a) {
                memmove(list + i, list + i + 1, (n - i - 1) * sizeof *list);
                break;
            }
        size_t left = n - 1;
        while (left > 0) {
            h = hello_for(t->vi, list, left);
            long s = accepted(exchange(j, &h, f), f, v, list, left);
            if (s < 0)
                break;
            ordered[m++] = (uint32_t)s;
            for (size_t i = 0; i < left; i++)
                if (list[i] == s) {
                    memmove(list + i, list + i + 1, (left - i - 1) * sizeof *list);
                    break;
                }
            left--;
        }
    }
    pthread_mutex_lock(&j->mu);
    p->server_order = order;
    if (m == n) /* a complete order, else keep the one enumeration found */
        memcpy(p->suites, ordered, m * sizeof *ordered);
    pthread_mutex_unlock(&j->mu);
}

static int highest(const struct tls_report *r, int below)
{
    for (int vi = below - 1; vi >= VI_SSL3; vi--)
        if (r->proto[vi].supported)
            return vi;
    return -1;
}

static size_t suites16(const struct tls_proto *p, uint16_t *out, size_t cap)
{
    size_t n = p->n_suites < cap ? p->n_suites : cap;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint16_t)p->suites[i];
    return n;
}

/* TLS_FALLBACK_SCSV (RFC 7507): a hello below the best version, marked as a fallback, must be
 * refused with inappropriate_fallback. */
static void task_fallback(struct ep_job *j, struct tls_flight *f)
{
    int top = highest(j->r, TLS_NVERS);
    int below = top >= 0 ? highest(j->r, top) : -1;
    if (below < 0)
        return;
    uint16_t list[400];
    size_t n = suites16(&j->r->proto[below], list, 400);
    struct tls_hello_opts h = hello_for(below, list, n);
    h.fallback_scsv = true;
    enum tls_xres x = exchange(j, &h, f);
    enum tls_tri res = TRI_UNKNOWN;
    if (x == TX_ANSWER && f->answer == TLS_A_ALERT && f->alert_desc == 86)
        res = TRI_YES;
    else if (x == TX_ANSWER && f->answer == TLS_A_HELLO)
        res = TRI_NO;
    pthread_mutex_lock(&j->mu);
    j->r->fallback_scsv = res;
    pthread_mutex_unlock(&j->mu);
}

/* TLS compression (CRIME): offer DEFLATE first and see whether the server takes it. */
static void task_compress(struct ep_job *j, struct tls_flight *f)
{
    int vi = highest(j->r, VI_TLS13);
    if (vi < 0)
        return;
    uint16_t list[400];
    size_t n = suites16(&j->r->proto[vi], list, 400);
    struct tls_hello_opts h = hello_for(vi, list, n);
    h.deflate = true;
    enum tls_xres x = exchange(j, &h, f);
    if (x != TX_ANSWER || f->answer != TLS_A_HELLO)
        return;
    pthread_mutex_lock(&j->mu);
    j->r->compression = f->compression == 1 ? TRI_YES : TRI_NO;
    pthread_mutex_unlock(&j->mu);
}

/* Groups: offer them all, remove the one the server used, repeat. TLS <= 1.2 learns the curve
 * from the ServerKeyExchange of an ECDHE suite; TLS 1.3 from the HelloRetryRequest, in two
 * tasks run side by side (t->start 0: the elliptic curves, 1: RFC 7919's FFDHE groups), so
 * that each chain of round trips is half as long; the server's order is known within each. */
static void task_groups(struct ep_job *j, const struct task *t, struct tls_flight *f)
{
    static const uint16_t all[] = {0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101,
                                   0x0102, 0x0103, 0x0104, 0x001A, 0x001B, 0x001C, 0x0016,
                                   0x0015, 0x0014, 0x0013, 0x0012, 0x0011, 0x0010, 0x000F,
                                   0x000E, 0x000D, 0x000C, 0x000B, 0x000A, 0x0009, 0x0008,
                                   0x0007, 0x0006, 0x0005, 0x0004, 0x0003, 0x0002, 0x0001};
    uint16_t groups[sizeof all / sizeof all[0]];
    size_t ng = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        bool ffdhe = all[i] >= 0x0100 && all[i] <= 0x01FF;
        if (t->kind == T_GROUPS13 ? ffdhe == (t->start == 1) : is_ec_group(all[i]))
            groups[ng++] = all[i];
    }
    uint16_t suites[400];
    size_t ns = 0;
    const struct tls_proto *p = &j->r->proto[t->vi];
    for (size_t i = 0; i < p->n_suites && ns < 400; i++) {
        const struct tls_suite *s = tls_suite_find((uint16_t)p->suites[i]);
        if (t->kind == T_GROUPS13 || (s && strcmp(s->kex, "ECDHE") == 0))
            suites[ns++] = (uint16_t)p->suites[i];
    }
    if (!ns)
        return;
    uint16_t v = tls_probe_versions[t->vi];
    uint16_t found[TLS_MAX_GROUPS];
    size_t nf = 0;
    while (ng > 0 && nf < TLS_MAX_GROUPS) {
        struct tls_hello_opts h = hello_for(t->vi, suites, ns);
        h.groups = groups;
        h.n_groups = ng;
        if (accepted(exchange(j, &h, f), f, v, suites, ns) < 0)
            break;
        uint16_t g = t->kind == T_GROUPS13 ? f->key_share_group : f->ske_group;
        size_t i = 0;
        while (i < ng && groups[i] != g)
            i++;
        if (i == ng)
            break; /* a group never offered, or none named */
        found[nf++] = g;
        memmove(groups + i, groups + i + 1, (ng - i - 1) * sizeof *groups);
        ng--;
    }
    pthread_mutex_lock(&j->mu);
    if (t->kind == T_GROUPS13) {
        memcpy(j->groups13[t->start], found, nf * sizeof *found);
        j->n_groups13[t->start] = nf;
    } else {
        memcpy(j->r->ecdhe_groups, found, nf * sizeof *found);
        j->r->n_ecdhe_groups = nf;
    }
    pthread_mutex_unlock(&j->mu);
}

/* Heartbleed, on a server that answered the heartbeat extension (tls_conn.h says how). */
static void task_heartbleed(struct ep_job *j, struct tls_flight *f)
{
    int vi = highest(j->r, VI_TLS13);
    if (vi < 0)
        return;
    uint16_t list[400];
    size_t n = suites16(&j->r->proto[vi], list, 400);
    struct tls_hello_opts h = hello_for(vi, list, n);
    h.sni = j->r->name;
    uint8_t hello[4096];
    size_t len = tls_build_client_hello(&h, hello, sizeof hello);
    bool vulnerable = false;
    if (!len || tls_heartbleed_probe(&j->r->ep, &j->net, hello, len, f, &vulnerable) != TX_ANSWER ||
        f->answer != TLS_A_HELLO)
        return;
    pthread_mutex_lock(&j->mu);
    j->r->heartbleed = vulnerable ? TRI_YES : TRI_NO;
    pthread_mutex_unlock(&j->mu);
}

static bool phase_done(void *arg)
{
    struct ep_job *j = arg;
    return atomic_load(&j->next) >= j->n_tasks;
}

static void *task_worker(void *arg);

static bool spawn(struct ep_job *j, bool extra)
{
    if (j->n_threads >= j->max_threads)
        return false;
    j->w[j->n_threads] = (struct worker){j, extra};
    if (pthread_create(&j->tid[j->n_threads], NULL, task_worker, &j->w[j->n_threads]) != 0)
        return false;
    j->n_threads++;
    return true;
}

/* One more thread for an extra connection, when the budget has room for one and tasks are
 * left: no extra thread at all where the budget never grows (loopback), so that they cost
 * nothing there. Only the spawner starts threads, so n_threads needs no lock. */
static void maybe_spawn(struct ep_job *j)
{
    if (pthread_equal(pthread_self(), j->spawner) && j->spawning && !phase_done(j) &&
        j->n_threads < j->max_threads && tls_budget_room(j->budget))
        spawn(j, true);
}

static void on_answer(void *ctx, double ms)
{
    struct ep_job *j = ctx;
    tls_budget_answer(j->budget, &j->pace, ms);
    maybe_spawn(j);
}

static void *task_worker(void *arg)
{
    struct worker *w = arg;
    struct ep_job *j = w->j;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* Made for the first task: a thread that waited for an extra connection in vain (the
     * loopback case) does not touch 70 KiB of heap. */
    struct tls_flight *f = NULL;
    for (;;) {
        if (w->extra && !tls_budget_take(j->budget, phase_done, j, j->o->cancel))
            break;
        maybe_spawn(j);
        size_t i = atomic_fetch_add(&j->next, 1);
        bool stop = i >= j->n_tasks || (j->o->cancel && atomic_load(j->o->cancel));
        if (!stop && !f && !(f = malloc(sizeof *f))) {
            j->oom = true;
            stop = true;
        }
        if (stop) {
            if (w->extra)
                tls_budget_give(j->budget);
            break;
        }
        const struct task *t = &j->tasks[i];
        switch (t->kind) {
        case T_QUICK:
            task_quick(j, t, f);
            break;
        case T_ENUM:
            task_enum(j, t, f);
            break;
        case T_SSLV2:
            task_sslv2(j, f);
            break;
        case T_ORDER:
            task_order(j, t, f);
            break;
        case T_FALLBACK:
            task_fallback(j, f);
            break;
        case T_COMPRESS:
            task_compress(j, f);
            break;
        case T_CURVES:
        case T_GROUPS13:
            task_groups(j, t, f);
            break;
        case T_HEARTBLEED:
            task_heartbleed(j, f);
            break;
        }
        if (w->extra)
            tls_budget_give(j->budget);
    }
    free(f);
    return NULL;
}

/* Runs the tasks on at most conns_per_host threads (the caller's thread among them); those
 * beyond the endpoint's share wait for extra connections from the budget. */
static void run_phase(struct ep_job *j, struct task *tasks, size_t n)
{
    if (!n)
        return;
    j->tasks = tasks;
    j->n_tasks = n;
    atomic_store(&j->next, 0);
    size_t nt = n < j->o->conns_per_host ? n : j->o->conns_per_host;
    j->n_threads = 0;
    j->max_threads = nt - 1 < 64 ? nt - 1 : 64;
    while (j->n_threads + 1 < j->share && spawn(j, false))
        ;
    size_t own = j->n_threads;
    j->spawning = true;
    struct worker self = {j, false};
    task_worker(&self);
    j->spawning = false;
    /* No task is left: the threads waiting for an extra connection can stop. */
    if (j->n_threads > own)
        tls_budget_wake(j->budget);
    for (size_t i = 0; i < j->n_threads; i++)
        pthread_join(j->tid[i], NULL);
}

long tls_hsts_max_age(const char *v)
{
    for (const char *p = v; p && *p; p++) {
        if (strncasecmp(p, "max-age", 7) != 0 || (p != v && p[-1] != ' ' && p[-1] != ';'))
            continue;
        const char *q = p + 7;
        while (*q == ' ')
            q++;
        if (*q++ != '=')
            continue;
        while (*q == ' ' || *q == '"')
            q++;
        if (*q < '0' || *q > '9')
            return -1;
        long n = 0;
        for (; *q >= '0' && *q <= '9'; q++)
            n = n < 100000000000L ? n * 10 + (*q - '0') : n;
        return n;
    }
    return -1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void probe_endpoint(struct ep_job *j)
{
    struct tls_report *r = j->r;
    double t0 = now_ms();
    build_offers(j);
    for (int vi = 0; vi < TLS_NVERS; vi++)
        j->chunk_seen[vi] = -1;
    struct task tasks[64];
    size_t n = 0;

    /* Phase 0: is there a TLS server at all? */
    struct tls_flight *f = malloc(sizeof *f);
    if (!f) {
        j->oom = true;
        return;
    }
    uint16_t probe[TLS_PROBE_CHUNK];
    memcpy(probe, j->offer[VI_TLS12], sizeof probe);
    struct tls_hello_opts h = hello_for(VI_TLS12, probe, TLS_PROBE_CHUNK);
    enum tls_xres x = exchange(j, &h, f);
    bool gate_done = false;
    if (x == TX_NO_STARTTLS) {
        snprintf(r->error, sizeof r->error, "the service did not agree to start TLS (STARTTLS %s)",
                 tls_starttls_name(r->ep.starttls));
        r->starttls_refused = true;
        r->reachable = true;
        goto out;
    }
    if (x == TX_REFUSED || x == TX_TIMEOUT || x == TX_ERROR) {
        snprintf(r->error, sizeof r->error, "%s",
                 x == TX_REFUSED ? "connection refused" : x == TX_TIMEOUT ? "connect timed out"
                                                                          : "no connection");
        goto out;
    }
    if (x == TX_ANSWER && f->answer == TLS_A_JUNK) {
        snprintf(r->error, sizeof r->error, "the service does not speak TLS");
        goto out;
    }
    long s = accepted(x, f, TLS_V12, probe, TLS_PROBE_CHUNK);
    if (s >= 0 && r->depth == TLS_QUICK) {
        add_suite(j, VI_TLS12, (uint16_t)s, 0);
        gate_done = true;
    }

    /* Phase 1: versions and suites. */
    for (int vi = 0; vi < TLS_NVERS; vi++) {
        r->proto[vi].tested = true;
        if (vi == VI_SSL2) {
            tasks[n++] = (struct task){T_SSLV2, vi, 0, 0};
        } else if (r->depth == TLS_QUICK) {
            if (!(vi == VI_TLS12 && gate_done))
                tasks[n++] = (struct task){T_QUICK, vi, 0, j->n_offer[vi]};
        } else {
            for (size_t at = 0; at < j->n_offer[vi] && n < 60; at += TLS_PROBE_CHUNK) {
                size_t len = j->n_offer[vi] - at;
                tasks[n++] = (struct task){T_ENUM, vi, at, len < TLS_PROBE_CHUNK ? len : TLS_PROBE_CHUNK};
            }
        }
    }
    run_phase(j, tasks, n);
    for (int vi = 0; vi < TLS_NVERS; vi++)
        if (r->depth == TLS_FULL)
            r->proto[vi].complete = true;

    /* Phase 2: what the accepted suites let us ask. */
    n = 0;
    if (r->depth == TLS_FULL) {
        for (int vi = VI_SSL3; vi < TLS_NVERS; vi++)
            if (r->proto[vi].n_suites >= 2)
                tasks[n++] = (struct task){T_ORDER, vi, 0, 0};
        tasks[n++] = (struct task){T_FALLBACK, 0, 0, 0};
        tasks[n++] = (struct task){T_COMPRESS, 0, 0, 0};
        int hv = highest(r, VI_TLS13);
        if (hv >= 0)
            tasks[n++] = (struct task){T_CURVES, hv, 0, 0};
        if (r->proto[VI_TLS13].supported) {
            tasks[n++] = (struct task){T_GROUPS13, VI_TLS13, 0, 0};
            tasks[n++] = (struct task){T_GROUPS13, VI_TLS13, 1, 0};
        }
        if (r->heartbeat == TRI_YES)
            tasks[n++] = (struct task){T_HEARTBLEED, 0, 0, 0};
        run_phase(j, tasks, n);
        /* The curves first, then FFDHE: the order servers list them in (OpenSSL, nginx). */
        for (size_t k = 0; k < 2; k++)
            for (size_t i = 0; i < j->n_groups13[k] && r->n_tls13_groups < TLS_MAX_GROUPS; i++)
                r->tls13_groups[r->n_tls13_groups++] = j->groups13[k][i];
    }

    /* Without a server order, list suites by id: the same server always reads the same. */
    for (int vi = VI_SSL3; vi < TLS_NVERS; vi++)
        if (r->proto[vi].server_order != TRI_YES)
            qsort(r->proto[vi].suites, r->proto[vi].n_suites, sizeof r->proto[vi].suites[0], cmp_u32);

    /* Phase 3: one handshake by OpenSSL, for the certificate when no hand-made handshake
     * carried one (a TLS 1.3-only server), and for HSTS on HTTP endpoints. */
    bool any = false;
    for (int vi = 0; vi < TLS_NVERS; vi++)
        any |= r->proto[vi].supported;
    bool need_chain = any && r->n_certs == 0, want_http = any && r->ep.http;
    r->hsts_max_age = -1;
    if (need_chain || want_http) {
        STACK_OF(X509) *chain = NULL;
        uint16_t ver = 0;
        struct tls_http http;
        unsigned char *staple = NULL;
        size_t staple_len = 0;
        if (tls_openssl_visit(&r->ep, &j->net, need_chain ? &chain : NULL, &ver, &staple,
                              &staple_len, want_http ? &http : NULL) == 0 && chain) {
            if (staple) {
                r->ocsp_stapling = TRI_YES;
                r->ocsp = staple;
                r->ocsp_len = staple_len;
                staple = NULL;
            }
            int m = sk_X509_num(chain);
            r->certs = calloc((size_t)m, sizeof *r->certs);
            r->cert_lens = calloc((size_t)m, sizeof *r->cert_lens);
            if (!r->certs || !r->cert_lens)
                j->oom = true;
            for (int i = 0; r->certs && r->cert_lens && i < m; i++) {
                unsigned char *der = NULL;
                int len = i2d_X509(sk_X509_value(chain, i), &der);
                if (len <= 0) {
                    j->oom = true;
                    break;
                }
                r->certs[i] = malloc((size_t)len);
                if (r->certs[i])
                    memcpy(r->certs[i], der, (size_t)len);
                OPENSSL_free(der);
                if (!r->certs[i]) {
                    j->oom = true;
                    break;
                }
                r->cert_lens[i] = (size_t)len;
                r->n_certs++;
            }
            r->cert_version = ver;
        }
        free(staple);
        sk_X509_pop_free(chain, X509_free);
        if (want_http && http.answered) {
            r->http_status = http.status;
            r->hsts = http.hsts ? TRI_YES : TRI_NO;
            snprintf(r->hsts_value, sizeof r->hsts_value, "%s", http.hsts_value);
            r->hsts_max_age = tls_hsts_max_age(http.hsts_value);
        }
    }
    if (!any && !r->error[0])
        snprintf(r->error, sizeof r->error, "no protocol version was accepted");
out:
    free(f);
    r->connections = atomic_load(&j->conns);
    r->max_parallel = atomic_load(&j->max_in_flight);
    r->elapsed_ms = now_ms() - t0;
}

/* ---- many endpoints ---------------------------------------------------------------------- */

struct pool {
    struct tls_report *reports;
    size_t n;
    const struct tls_probe_opts *o;
    unsigned share;
    struct tls_budget budget;
    atomic_size_t next;
    atomic_bool oom;
};

static void *endpoint_worker(void *arg)
{
    struct pool *p = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n || (p->o->cancel && atomic_load(p->o->cancel)))
            break;
        struct ep_job *j = calloc(1, sizeof *j);
        if (!j) {
            atomic_store(&p->oom, true);
            break;
        }
        j->r = &p->reports[i];
        j->o = p->o;
        atomic_init(&j->conns, 0);
        atomic_init(&j->in_flight, 0);
        atomic_init(&j->max_in_flight, 0);
        j->net = (struct tls_net){.connect_ms = p->o->connect_ms, .read_ms = p->o->read_ms,
                                  .retries = p->o->retries, .cancel = p->o->cancel,
                                  .connections = &j->conns, .in_flight = &j->in_flight,
                                  .max_in_flight = &j->max_in_flight,
                                  .answered = on_answer, .answered_ctx = j};
        j->share = p->share;
        j->budget = &p->budget;
        j->spawner = pthread_self();
        pthread_mutex_init(&j->mu, NULL);
        probe_endpoint(j);
        if (j->oom)
            atomic_store(&p->oom, true);
        pthread_mutex_destroy(&j->mu);
        free(j);
    }
    return NULL;
}

void tls_reports_free(struct tls_report *r, size_t n)
{
    if (!r)
        return;
    for (size_t i = 0; i < n; i++) {
        free_chain(r[i].certs, r[i].cert_lens, r[i].n_certs);
        free_chain(r[i].alt_certs, r[i].alt_cert_lens, r[i].n_alt_certs);
        free(r[i].ocsp);
        free(r[i].hello_record);
        free(r[i].name);
    }
    free(r);
}

int tls_probe_all(const struct tls_endpoint *eps, size_t n, const struct tls_probe_opts *in,
                  struct tls_report **out, struct rm_err *e)
{
    *out = NULL;
    struct tls_probe_opts o = *in;
    if (!o.conns_per_host)
        o.conns_per_host = TLS_DEF_CONNS_PER_HOST;
    if (o.conns_per_host > 64)
        o.conns_per_host = 64;
    if (!o.parallel_hosts)
        o.parallel_hosts = TLS_DEF_PARALLEL_HOSTS;
    if (o.connect_ms <= 0)
        o.connect_ms = TLS_DEF_CONNECT_MS;
    if (o.read_ms <= 0)
        o.read_ms = TLS_DEF_READ_MS;
    /* Endpoints in parallel share TLS_MAX_CONNS_TOTAL connections: twenty endpoints at 4
     * each made 80 threads wait on single-threaded servers' backlogs and on this machine's
     * cores (measured: 20 s_server endpoints took 0.41 s at 4 per endpoint, 0.34 s at 1),
     * while one endpoint alone still gets its 4 and its round trips overlap. Beyond that
     * share, up to conns_per_host, an endpoint takes extra connections from a budget that
     * grows only while the answers wait on the network (tls_budget.h): with round trips of
     * 10-40 ms, twenty endpoints at one connection each took twice the time of one. */
    size_t active = n < o.parallel_hosts ? n : o.parallel_hosts;
    unsigned share = o.conns_per_host;
    if (active > 1 && o.conns_per_host * active > TLS_MAX_CONNS_TOTAL)
        share = TLS_MAX_CONNS_TOTAL / active > 1 ? (unsigned)(TLS_MAX_CONNS_TOTAL / active) : 1;
    struct tls_report *r = calloc(n ? n : 1, sizeof *r);
    if (!r)
        return rm_errf(e, "tls: out of memory");
    for (size_t i = 0; i < n; i++) {
        r[i].ep = eps[i];
        r[i].depth = o.depth;
        if (eps[i].sni && !(r[i].name = strdup(eps[i].sni))) {
            tls_reports_free(r, n);
            return rm_errf(e, "tls: out of memory");
        }
        r[i].ep.sni = r[i].name;
    }
    struct pool p = {.reports = r, .n = n, .o = &o, .share = share};
    atomic_init(&p.next, 0);
    atomic_init(&p.oom, false);
    if (tls_budget_init(&p.budget, share * (unsigned)active,
                        (o.conns_per_host - share) * (unsigned)active) < 0) {
        tls_reports_free(r, n);
        return rm_errf(e, "tls: cannot make the connection budget");
    }
    size_t nt = n < o.parallel_hosts ? n : o.parallel_hosts;
    pthread_t *tid = calloc(nt ? nt : 1, sizeof *tid);
    if (!tid) {
        tls_budget_destroy(&p.budget);
        tls_reports_free(r, n);
        return rm_errf(e, "tls: out of memory");
    }
    size_t started = 0;
    for (; started < nt; started++)
        if (pthread_create(&tid[started], NULL, endpoint_worker, &p) != 0)
            break;
    if (started == 0 && n > 0) {
        free(tid);
        tls_budget_destroy(&p.budget);
        tls_reports_free(r, n);
        return rm_errf(e, "tls: cannot start a worker thread");
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    tls_budget_destroy(&p.budget);
    if (atomic_load(&p.oom)) {
        tls_reports_free(r, n);
        return rm_errf(e, "tls: out of memory");
    }
    *out = r;
    return 0;
}
