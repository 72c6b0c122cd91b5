/* The text account of one endpoint (tls.h): what the CLI prints and what findings keep as
 * their text evidence. Lines are plain ASCII. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/tls.h"
#include "checks/tls_suites.h"

struct sb {
    char *p;
    size_t n, cap;
    bool oom;
};

__attribute__((format(printf, 2, 3))) static void sbf(struct sb *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)w < b->cap - b->n) {
            b->n += (size_t)w;
            return;
        }
        size_t nc = (b->cap + (size_t)w) * 2;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
}

const char *tls_group_name(uint16_t g, char *buf, size_t len)
{
    static const struct {
        uint16_t id;
        const char *name;
    } names[] = {
        {0x0001, "sect163k1"}, {0x0002, "sect163r1"}, {0x0003, "sect163r2"}, {0x0004, "sect193r1"},
        {0x0005, "sect193r2"}, {0x0006, "sect233k1"}, {0x0007, "sect233r1"}, {0x0008, "sect239k1"},
        {0x0009, "sect283k1"}, {0x000A, "sect283r1"}, {0x000B, "sect409k1"}, {0x000C, "sect409r1"},
        {0x000D, "sect571k1"}, {0x000E, "sect571r1"}, {0x000F, "secp160k1"}, {0x0010, "secp160r1"},
        {0x0011, "secp160r2"}, {0x0012, "secp192k1"}, {0x0013, "secp192r1"}, {0x0014, "secp224k1"},
        {0x0015, "secp224r1"}, {0x0016, "secp256k1"}, {0x0017, "secp256r1"}, {0x0018, "secp384r1"},
        {0x0019, "secp521r1"}, {0x001A, "brainpoolP256r1"}, {0x001B, "brainpoolP384r1"},
        {0x001C, "brainpoolP512r1"}, {0x001D, "x25519"}, {0x001E, "x448"},
        {0x0100, "ffdhe2048"}, {0x0101, "ffdhe3072"}, {0x0102, "ffdhe4096"},
        {0x0103, "ffdhe6144"}, {0x0104, "ffdhe8192"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].id == g)
            return names[i].name;
    snprintf(buf, len, "0x%04X", (unsigned)g);
    return buf;
}

static const char *tri(enum tls_tri t)
{
    return t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "not known";
}

static void flags_str(uint32_t f, char *out, size_t cap)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } fl[] = {{TS_NULL, "NULL"}, {TS_ANON, "anon"},  {TS_EXPORT, "export"}, {TS_RC4, "RC4"},
              {TS_DES, "DES"},   {TS_3DES, "3DES"},  {TS_OBSOLETE, "obsolete"}, {TS_CBC, "CBC"}};
    out[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if ((f & fl[i].bit) && n + 12 < cap)
            n += (size_t)snprintf(out + n, cap - n, " %s", fl[i].name);
    if (!(f & TS_PFS) && !(f & TS_NULL) && n + 12 < cap)
        snprintf(out + n, cap - n, " no-PFS");
}

static void cert_text(struct sb *b, const char *label, const struct tls_cert_facts *c)
{
    sbf(b, "  %s: %s\n", label, c->subject);
    sbf(b, "    SANs: %s\n", c->sans[0] ? c->sans : "none");
    sbf(b, "    Issuer: %s%s\n", c->issuer, c->self_signed ? " (self-signed)" : "");
    sbf(b, "    Serial: %s\n", c->serial);
    sbf(b, "    Valid: %s to %s (%ld days left)%s%s\n", c->not_before, c->not_after,
        c->days_left, c->expired ? " EXPIRED" : "", c->not_yet_valid ? " NOT YET VALID" : "");
    sbf(b, "    Key: %s %d bits%s%s; signature %s\n", c->key_type, c->key_bits,
        c->curve[0] ? " " : "", c->curve, c->sig_alg);
    sbf(b, "    Chain: %zu served; %s%s%s; name %s%s\n", c->chain_len,
        c->verified ? "trusted" : "NOT trusted", c->verified ? "" : ": ", c->verify_error,
        !c->name_checked ? "not checked" : c->name_match ? "matches " : "DOES NOT match ",
        c->name_checked ? c->matched_name : "");
}

char *tls_outcome_text(const struct tls_outcome *oc, const char *label)
{
    const struct tls_report *r = oc->report;
    const struct tls_verdict *v = &oc->verdict;
    struct sb b = {0};
    char vb[16], gb[16];
    sbf(&b, "%s", label);
    if (r->name)
        sbf(&b, " (%s)", r->name);
    if (r->ep.starttls)
        sbf(&b, " via STARTTLS %s", tls_starttls_name(r->ep.starttls));
    sbf(&b, "\n");
    if (r->error[0]) {
        sbf(&b, "  Not assessed: %s (%u connections)\n", r->error, r->connections);
        return b.oom ? (free(b.p), NULL) : b.p;
    }
    sbf(&b, "  Grade %s", v->grade);
    if (strcmp(v->grade, v->grade_if_trusted) != 0)
        sbf(&b, " (%s if the certificate were trusted)", v->grade_if_trusted);
    sbf(&b, ", score %d; Mozilla profile: %s; depth %s; %u TCP connections in %.2f s\n",
        v->score, v->mozilla, r->depth == TLS_FULL ? "full" : "quick", r->connections,
        r->elapsed_ms / 1000.0);
    sbf(&b, "  Protocols:");
    for (int vi = 0; vi < TLS_NVERS; vi++)
        sbf(&b, " %s %s%s", tls_version_name(tls_probe_versions[vi], vb, sizeof vb),
            r->proto[vi].supported ? "yes" : "no", vi + 1 < TLS_NVERS ? "," : "\n");
    for (int vi = TLS_NVERS - 1; vi >= 0; vi--) {
        const struct tls_proto *p = &r->proto[vi];
        if (!p->supported)
            continue;
        sbf(&b, "  %s suites (%zu%s, %s):\n", tls_version_name(tls_probe_versions[vi], vb, sizeof vb),
            p->n_suites, p->complete ? "" : ", not enumerated",
            p->server_order == TRI_YES ? "server order" : p->server_order == TRI_NO ? "client order" : "order not tested");
        for (size_t i = 0; i < p->n_suites; i++) {
            const struct tls_suite *s = vi == 0 ? tls_sslv2_suite_find(p->suites[i])
                                                : tls_suite_find((uint16_t)p->suites[i]);
            char fb[96], nb[16];
            flags_str(s ? s->flags : 0, fb, sizeof fb);
            const char *name = s ? (s->openssl ? s->openssl : s->iana) : tls_suite_name((uint16_t)p->suites[i], nb, sizeof nb);
            sbf(&b, "    %-36s %-6s %-6s %-10s %4u bits%s\n", name, s ? s->kex : "?", s ? s->auth : "?",
                s ? s->enc : "?", s ? (unsigned)s->bits : 0u, fb);
        }
    }
    sbf(&b, "  Key exchange:");
    if (r->dh_bits_min)
        sbf(&b, " DHE %u bits;", (unsigned)r->dh_bits_min);
    sbf(&b, " ECDHE curves:");
    for (size_t i = 0; i < r->n_ecdhe_groups; i++)
        sbf(&b, " %s", tls_group_name(r->ecdhe_groups[i], gb, sizeof gb));
    if (!r->n_ecdhe_groups)
        sbf(&b, " none seen");
    sbf(&b, "; TLSv1.3 groups:");
    for (size_t i = 0; i < r->n_tls13_groups; i++)
        sbf(&b, " %s", tls_group_name(r->tls13_groups[i], gb, sizeof gb));
    if (!r->n_tls13_groups)
        sbf(&b, " none seen");
    sbf(&b, "\n  Features: secure renegotiation %s; compression %s; TLS_FALLBACK_SCSV %s; "
            "OCSP stapling %s; heartbeat extension %s; Heartbleed %s\n",
        tri(r->secure_reneg), tri(r->compression), tri(r->fallback_scsv),
        r->ocsp_stapling == TRI_YES ? "yes" : "no", tri(r->heartbeat), tri(r->heartbleed));
    if (v->have_ocsp) {
        const struct tls_ocsp_facts *o = &v->ocsp;
        sbf(&b, "  OCSP staple: %s, signature %s, %s (thisUpdate %s, nextUpdate %s)%s%s\n",
            tls_ocsp_status_name(o->status), o->signature_ok ? "verified" : "NOT verified",
            o->stale ? "STALE" : "fresh", o->this_update[0] ? o->this_update : "-",
            o->next_update[0] ? o->next_update : "-", o->error[0] ? ": " : "", o->error);
    }
    if (r->ep.http)
        sbf(&b, "  HSTS: %s%s%s\n", r->hsts == TRI_YES ? r->hsts_value : tri(r->hsts),
            r->hsts == TRI_UNKNOWN ? " (no HTTP answer)" : "", r->hsts == TRI_NO ? " (no header)" : "");
    if (v->have_cert) {
        cert_text(&b, v->have_alt_cert ? "Certificate #1" : "Certificate", &v->cert);
        if (v->have_alt_cert)
            cert_text(&b, "Certificate #2", &v->alt_cert);
    } else {
        sbf(&b, "  Certificate: %s\n", v->cert_error);
    }
    if (r->conn_failures)
        sbf(&b, "  WARNING: %u connections were refused or timed out after the server had answered; "
                "the sets above may be incomplete\n", r->conn_failures);
    if (v->caps[0])
        sbf(&b, "  Grade limited by: %s\n", v->caps);
    if (v->mozilla_gaps[0])
        sbf(&b, "  Mozilla gaps: %s\n", v->mozilla_gaps);
    if (v->not_tested[0])
        sbf(&b, "  Not tested at this depth: %s\n", v->not_tested);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
