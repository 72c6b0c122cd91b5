/* tls: protocol versions, cipher suites, key exchange, features and certificates of every
 * service that speaks TLS, judged into findings (tls.h). The probing is checks/tls_probe.c,
 * the certificate facts checks/tls_cert.c, the grade and profile rules checks/tls_rules.c
 * (documented in docs/tls-grading.md); this file decides which findings follow and what each
 * carries.
 *
 * Every endpoint gets a tls.summary finding (info) with the grade, the Mozilla profile and the
 * sets found as facts, and two evidence items: the probe's text account and the certificate
 * chain in PEM. Each weakness is its own finding, so the register tracks them one by one.
 */
#include "checks/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/tls_suites.h"

enum {
    K_SUMMARY,
    K_SSLV2,
    K_SSLV3,
    K_TLS10,
    K_TLS11,
    K_NO_TLS12,
    K_NULL,
    K_ANON,
    K_EXPORT,
    K_DES,
    K_RC4,
    K_3DES,
    K_NO_PFS,
    K_NO_AEAD,
    K_CLIENT_ORDER,
    K_DH_WEAK,
    K_RENEG,
    K_COMPRESSION,
    K_FALLBACK,
    K_EXPIRED,
    K_NOT_YET,
    K_EXPIRING,
    K_SELF_SIGNED,
    K_WEAK_KEY,
    K_SHA1,
    K_MD5,
    K_MISMATCH,
    K_UNTRUSTED,
    K_INCOMPLETE,
    K_NOT_TLS,
    K_HSTS_MISSING,
    K_HSTS_SHORT,
    K_HEARTBLEED,
    K_REVOKED,
    K_OCSP_STALE,
    K_OCSP_INVALID,
};

static const struct finding_kind tls_kinds[] = {
    [K_SUMMARY] = {"tls.summary", SEV_INFO, "TLS endpoint assessed: grade, Mozilla profile, protocols, suites, certificate", false},
    [K_SSLV2] = {"tls.protocol.sslv2", SEV_CRITICAL, "SSLv2 accepted: broken since 1996 (DROWN)", false},
    [K_SSLV3] = {"tls.protocol.sslv3", SEV_HIGH, "SSLv3 accepted: broken (POODLE)", false},
    [K_TLS10] = {"tls.protocol.tls10", SEV_MEDIUM, "TLSv1.0 accepted: deprecated (RFC 8996), not allowed by PCI DSS", false},
    [K_TLS11] = {"tls.protocol.tls11", SEV_MEDIUM, "TLSv1.1 accepted: deprecated (RFC 8996)", false},
    [K_NO_TLS12] = {"tls.protocol.no-modern", SEV_HIGH, "Neither TLSv1.2 nor TLSv1.3 is accepted", false},
    [K_NULL] = {"tls.cipher.null", SEV_CRITICAL, "NULL cipher suites accepted: traffic is not encrypted", false},
    [K_ANON] = {"tls.cipher.anon", SEV_HIGH, "Anonymous cipher suites accepted: no server authentication", false},
    [K_EXPORT] = {"tls.cipher.export", SEV_HIGH, "Export-grade suites accepted (FREAK, Logjam)", false},
    [K_DES] = {"tls.cipher.des", SEV_HIGH, "Single-DES suites accepted (56-bit keys)", false},
    [K_RC4] = {"tls.cipher.rc4", SEV_MEDIUM, "RC4 suites accepted (RFC 7465)", false},
    [K_3DES] = {"tls.cipher.3des", SEV_MEDIUM, "3DES suites accepted: 64-bit blocks (SWEET32)", false},
    [K_NO_PFS] = {"tls.cipher.no-pfs", SEV_LOW, "Suites without forward secrecy (static RSA or DH key exchange)", false},
    [K_NO_AEAD] = {"tls.cipher.cbc-only", SEV_LOW, "No AEAD suite (GCM, ChaCha20-Poly1305): CBC with MAC-then-encrypt only", false},
    [K_CLIENT_ORDER] = {"tls.cipher.client-order", SEV_LOW, "The server lets the client choose among suites that include weak ones", false},
    [K_DH_WEAK] = {"tls.kex.dh-weak", SEV_MEDIUM, "DHE parameters under 2048 bits (Logjam under 1024)", false},
    [K_RENEG] = {"tls.renegotiation.insecure", SEV_MEDIUM, "No secure renegotiation (RFC 5746)", false},
    [K_COMPRESSION] = {"tls.compression", SEV_MEDIUM, "TLS compression enabled (CRIME)", false},
    [K_FALLBACK] = {"tls.fallback-scsv.missing", SEV_LOW, "TLS_FALLBACK_SCSV not honoured: downgrade attacks are not stopped", false},
    [K_EXPIRED] = {"tls.cert.expired", SEV_HIGH, "The certificate has expired", false},
    [K_NOT_YET] = {"tls.cert.not-yet-valid", SEV_HIGH, "The certificate is not valid yet", false},
    [K_EXPIRING] = {"tls.cert.expiring", SEV_MEDIUM, "The certificate expires soon (--tls-expiry-days, default 30)", false},
    [K_SELF_SIGNED] = {"tls.cert.self-signed", SEV_MEDIUM, "The certificate is self-signed", false},
    [K_WEAK_KEY] = {"tls.cert.weak-key", SEV_HIGH, "The certificate key is too small (RSA/DSA under 2048 bits, EC under 224)", false},
    [K_SHA1] = {"tls.cert.sha1", SEV_MEDIUM, "A certificate of the chain is signed with SHA-1", false},
    [K_MD5] = {"tls.cert.md5", SEV_HIGH, "A certificate of the chain is signed with MD5", false},
    [K_MISMATCH] = {"tls.cert.hostname-mismatch", SEV_HIGH, "The certificate does not name the host it was reached as", false},
    [K_UNTRUSTED] = {"tls.cert.untrusted", SEV_HIGH, "The chain does not verify to a trusted root", false},
    [K_INCOMPLETE] = {"tls.cert.incomplete-chain", SEV_MEDIUM, "The server does not send the intermediate certificates", false},
    [K_HSTS_MISSING] = {"tls.hsts.missing", SEV_LOW, "HTTPS without Strict-Transport-Security: a first plain-HTTP visit can be intercepted", false},
    [K_HSTS_SHORT] = {"tls.hsts.short", SEV_LOW, "HSTS max-age under six months", false},
    [K_HEARTBLEED] = {"tls.heartbleed", SEV_CRITICAL, "Heartbleed (CVE-2014-0160): the server returns its memory to anyone", false},
    [K_REVOKED] = {"tls.cert.revoked", SEV_CRITICAL, "The certificate is revoked: its own stapled OCSP response says so", false},
    [K_OCSP_STALE] = {"tls.ocsp.stale", SEV_MEDIUM, "The stapled OCSP response is out of date (nextUpdate passed or thisUpdate in the future)", false},
    [K_OCSP_INVALID] = {"tls.ocsp.invalid", SEV_MEDIUM, "The stapled OCSP response is unusable: it does not decode or verify, is not about the served certificate, or its status is unknown", false},
    [K_NOT_TLS] = {"tls.unreachable", SEV_INFO, "A service named as TLS could not be assessed", false},
};

extern const struct check check_tls;

bool tls_service_is_tls(const struct service *s)
{
    if (!s || !s->name)
        return false;
    static const char *const names[] = {"https", "imaps", "pop3s", "smtps", "ftps", "ldaps", "nntps", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(s->name, names[i]) == 0)
            return true;
    if (strncmp(s->name, "ssl/", 4) == 0 || strncmp(s->name, "tls/", 4) == 0)
        return true;
    return s->info && (strstr(s->info, "TLSv1") || strstr(s->info, "SSLv3"));
}

/* Whether the module probes this service, and how: TLS from the first byte, or after the
 * STARTTLS preamble of the protocol detection (or the user) named. */
static bool tls_candidate(const struct service *s, enum tls_starttls *st)
{
    *st = STARTTLS_NONE;
    /* Only services identified by their own answer (or named by the user): a port-number
     * guess is no reason to talk to a port, and a scan run with --no-service-detection sends
     * nothing beyond its connects from this module either. */
    if (!s->method || strcmp(s->method, "port") == 0)
        return false;
    if (tls_service_is_tls(s))
        return true;
    /* SMTP: detection saw whether EHLO offers STARTTLS; not offered, nothing to ask. */
    if (s->name && strcmp(s->name, "smtp") == 0 && strcmp(s->method, "user") != 0 &&
        !(s->info && strstr(s->info, "STARTTLS offered")))
        return false;
    static const struct {
        const char *name;
        enum tls_starttls st;
    } plain[] = {{"smtp", STARTTLS_SMTP}, {"submission", STARTTLS_SMTP}, {"imap", STARTTLS_IMAP},
                 {"pop3", STARTTLS_POP3},  {"ftp", STARTTLS_FTP},         {"ldap", STARTTLS_LDAP},
                 {"postgresql", STARTTLS_POSTGRES}};
    for (size_t i = 0; s->name && i < sizeof plain / sizeof plain[0]; i++)
        if (strcmp(s->name, plain[i].name) == 0) {
            *st = plain[i].st;
            return true;
        }
    return false;
}

/* Ports where TLS carries something other than HTTP: no HSTS to ask for. */
static bool non_http_port(uint16_t p)
{
    static const uint16_t ports[] = {465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 5223, 5671, 6697, 8883, 0};
    for (size_t i = 0; ports[i]; i++)
        if (ports[i] == p)
            return true;
    return false;
}

static bool http_inside(const struct service *s, enum tls_starttls st)
{
    if (st != STARTTLS_NONE || !s->name)
        return false;
    return strcmp(s->name, "https") == 0 || strncmp(s->name, "ssl/http", 8) == 0 ||
           (strcmp(s->name, "ssl/unknown") == 0 && !non_http_port(s->port));
}

/* ---- emission ---------------------------------------------------------------------------- */

struct emitter {
    struct check_ctx *ctx;
    const struct host *host;
    const struct service *svc; /* may be NULL (the CLI) */
    uint16_t port;
    const struct tls_outcome *oc;
    const char *ev_text, *ev_pem; /* evidence ids, or NULL */
    struct finding *summary;      /* the tls.summary finding once emitted */
    bool oom;
};

static struct finding *emit(struct emitter *em, int k, const char *title, const char *detail)
{
    if (em->oom)
        return NULL;
    struct finding *f = check_emit(em->ctx, &check_tls, &tls_kinds[k], em->host, em->port, title);
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)em->port);
    if (!f || (detail && finding_set_detail(f, detail) < 0) || finding_add_fact(f, "port", port) < 0 ||
        finding_add_fact(f, "protocol", "tcp") < 0 ||
        finding_add_fact(f, "service", em->svc && em->svc->name ? em->svc->name : "tls") < 0 ||
        (em->oc->report->name && finding_add_fact(f, "server_name", em->oc->report->name) < 0) ||
        (em->ev_text && finding_add_evidence_id(f, em->ev_text) < 0)) {
        em->oom = true;
        return NULL;
    }
    return f;
}

static void fact(struct emitter *em, struct finding *f, const char *k, const char *v)
{
    if (f && finding_add_fact(f, k, v ? v : "") < 0)
        em->oom = true;
}

static void key(struct emitter *em, struct finding *f, const char *k)
{
    if (f && finding_set_key_fact(f, k) < 0)
        em->oom = true;
}

/* The accepted suites with any of flags, as "TLSv1.0:RC4-SHA, TLSv1.2:RC4-SHA"; "" none. */
static void suites_with(const struct tls_report *r, uint32_t flags, bool without, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int vi = 0; vi < TLS_NVERS; vi++) {
        const struct tls_proto *p = &r->proto[vi];
        for (size_t i = 0; p->supported && i < p->n_suites; i++) {
            const struct tls_suite *s = vi == 0 ? tls_sslv2_suite_find(p->suites[i])
                                                : tls_suite_find((uint16_t)p->suites[i]);
            if (!s)
                continue;
            bool hit = without ? !(s->flags & flags) && !(s->flags & (TS_ANON | TS_NULL))
                               : (s->flags & flags) != 0;
            if (!hit)
                continue;
            char vb[16];
            int w = snprintf(out + n, cap - n, "%s%s:%s", n ? ", " : "",
                             tls_version_name(tls_probe_versions[vi], vb, sizeof vb),
                             s->openssl ? s->openssl : s->iana);
            if (w < 0 || (size_t)w >= cap - n) {
                if (cap > 4)
                    memcpy(out + cap - 4, "...", 4);
                return;
            }
            n += (size_t)w;
        }
    }
}

static bool has_weak_suite(const struct tls_proto *p)
{
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tls_suite *s = tls_suite_find((uint16_t)p->suites[i]);
        if (!s || !(s->flags & TS_AEAD) || !(s->flags & TS_PFS) || (s->flags & (TS_ANON | TS_NULL)))
            return true;
    }
    return false;
}

static void suite_finding(struct emitter *em, int k, uint32_t flags, bool without, const char *title)
{
    char list[2048];
    suites_with(em->oc->report, flags, without, list, sizeof list);
    if (!list[0])
        return;
    struct finding *f = emit(em, k, title, NULL);
    fact(em, f, "suites", list);
}

static void protocol_finding(struct emitter *em, int k, int vi, const char *title)
{
    const struct tls_proto *p = &em->oc->report->proto[vi];
    if (!p->supported)
        return;
    char vb[16], n[16];
    struct finding *f = emit(em, k, title, NULL);
    fact(em, f, "version", tls_version_name(tls_probe_versions[vi], vb, sizeof vb));
    snprintf(n, sizeof n, "%zu", p->n_suites);
    fact(em, f, "suites_accepted", n);
    key(em, f, "version");
}

static void cert_facts(struct emitter *em, struct finding *f, const struct tls_cert_facts *c)
{
    char num[32];
    fact(em, f, "subject", c->subject);
    fact(em, f, "issuer", c->issuer);
    fact(em, f, "serial", c->serial);
    fact(em, f, "not_after", c->not_after);
    snprintf(num, sizeof num, "%ld", c->days_left);
    fact(em, f, "days_left", num);
    if (f && em->ev_pem && finding_add_evidence_id(f, em->ev_pem) < 0)
        em->oom = true;
}

/* The findings of one served certificate. A dual-certificate server's second one (second)
 * is keyed by its serial throughout, so its findings stay apart from the first one's. */
static void cert_findings(struct emitter *em, const struct tls_cert_facts *c, bool weak_key,
                          bool second, int expiry_days)
{
    struct finding *f;
    char num[32], detail[1400];
    if (c->expired) {
        snprintf(detail, sizeof detail, "The certificate ended on %s.", c->not_after);
        f = emit(em, K_EXPIRED, "Expired TLS certificate", detail);
        cert_facts(em, f, c);
        key(em, f, "serial");
    }
    if (c->not_yet_valid) {
        snprintf(detail, sizeof detail, "The certificate starts on %s.", c->not_before);
        f = emit(em, K_NOT_YET, "TLS certificate not valid yet", detail);
        cert_facts(em, f, c);
        fact(em, f, "not_before", c->not_before);
        key(em, f, "serial");
    }
    if (!c->expired && !c->not_yet_valid && c->days_left < expiry_days) {
        snprintf(detail, sizeof detail, "The certificate ends on %s, in %ld days.", c->not_after, c->days_left);
        f = emit(em, K_EXPIRING, "TLS certificate expiring soon", detail);
        cert_facts(em, f, c);
        snprintf(num, sizeof num, "%d", expiry_days);
        fact(em, f, "threshold_days", num);
        key(em, f, "serial");
    }
    if (c->self_signed) {
        f = emit(em, K_SELF_SIGNED, "Self-signed TLS certificate", NULL);
        cert_facts(em, f, c);
        key(em, f, "serial");
    }
    if (weak_key) {
        f = emit(em, K_WEAK_KEY, "Weak TLS certificate key", NULL);
        cert_facts(em, f, c);
        fact(em, f, "key_type", c->key_type);
        snprintf(num, sizeof num, "%d", c->key_bits);
        fact(em, f, "key_bits", num);
        key(em, f, "serial");
    }
    if (c->sig_md5 || c->sig_sha1) {
        f = emit(em, c->sig_md5 ? K_MD5 : K_SHA1,
                 c->sig_md5 ? "TLS certificate signed with MD5" : "TLS certificate signed with SHA-1", NULL);
        cert_facts(em, f, c);
        fact(em, f, "signature_algorithm", c->sig_alg);
        if (c->weak_sig_subject[0])
            fact(em, f, "weak_signature_on", c->weak_sig_subject);
        key(em, f, "serial");
    }
    if (c->name_checked && !c->name_match) {
        snprintf(detail, sizeof detail, "Reached as %s; the certificate names %s.", c->matched_name,
                 c->sans[0] ? c->sans : c->subject);
        f = emit(em, K_MISMATCH, "TLS certificate does not match the host name", detail);
        cert_facts(em, f, c);
        fact(em, f, "name", c->matched_name);
        fact(em, f, "sans", c->sans);
        key(em, f, second ? "serial" : "name");
    }
    if (c->incomplete_chain) {
        f = emit(em, K_INCOMPLETE, "Incomplete TLS certificate chain", c->verify_error);
        cert_facts(em, f, c);
        key(em, f, "serial");
    } else if (!c->verified && !c->self_signed) {
        f = emit(em, K_UNTRUSTED, "Untrusted TLS certificate chain", c->verify_error);
        cert_facts(em, f, c);
        fact(em, f, "verify_error", c->verify_error);
        key(em, f, "serial");
    }
}

/* What the stapled OCSP response says. A revoked status counts only from a response that
 * verifies; staleness is judged on verified ones (an unverified one is invalid already). */
static void ocsp_findings(struct emitter *em)
{
    const struct tls_verdict *v = &em->oc->verdict;
    if (!v->have_ocsp)
        return;
    const struct tls_ocsp_facts *o = &v->ocsp;
    struct finding *f;
    char detail[400];
    if (o->status == OCSP_ST_REVOKED) {
        snprintf(detail, sizeof detail, "Revoked on %s%s%s; the server still serves it.",
                 o->revoked_at[0] ? o->revoked_at : "an unknown date", o->reason[0] ? ", reason " : "",
                 o->reason);
        f = emit(em, K_REVOKED, "Revoked TLS certificate", detail);
        cert_facts(em, f, &v->cert);
        fact(em, f, "revoked_at", o->revoked_at);
        fact(em, f, "reason", o->reason);
        key(em, f, "serial");
    }
    if (o->status == OCSP_ST_INVALID || o->status == OCSP_ST_UNKNOWN) {
        f = emit(em, K_OCSP_INVALID, "Unusable stapled OCSP response",
                 o->status == OCSP_ST_UNKNOWN ? "The responder does not know the certificate." : o->error);
        cert_facts(em, f, &v->cert);
        fact(em, f, "ocsp_status", tls_ocsp_status_name(o->status));
        fact(em, f, "ocsp_verified", o->signature_ok ? "yes" : "no");
        if (o->error[0])
            fact(em, f, "reason", o->error);
        key(em, f, "serial");
    } else if (o->stale) {
        snprintf(detail, sizeof detail, "thisUpdate %s, nextUpdate %s.", o->this_update,
                 o->next_update[0] ? o->next_update : "none");
        f = emit(em, K_OCSP_STALE, "Stale stapled OCSP response", detail);
        cert_facts(em, f, &v->cert);
        fact(em, f, "ocsp_this_update", o->this_update);
        fact(em, f, "ocsp_next_update", o->next_update);
        key(em, f, "serial");
    }
}

static void summary_finding(struct emitter *em)
{
    const struct tls_report *r = em->oc->report;
    const struct tls_verdict *v = &em->oc->verdict;
    char title[160], buf[2048], vb[16], gb[16];
    snprintf(title, sizeof title, "TLS grade %s; Mozilla profile %s", v->grade, v->mozilla);
    struct finding *f = emit(em, K_SUMMARY, title, NULL);
    if (!f)
        return;
    em->summary = f;
    fact(em, f, "grade", v->grade);
    fact(em, f, "grade_if_trusted", v->grade_if_trusted);
    snprintf(buf, sizeof buf, "%d", v->score);
    fact(em, f, "score", buf);
    fact(em, f, "grade_caps", v->caps);
    fact(em, f, "mozilla_profile", v->mozilla);
    fact(em, f, "mozilla_gaps", v->mozilla_gaps);
    fact(em, f, "depth", r->depth == TLS_FULL ? "full" : "quick");
    fact(em, f, "starttls", r->ep.starttls ? tls_starttls_name(r->ep.starttls) : "none");
    if (v->not_tested[0])
        fact(em, f, "not_tested", v->not_tested);
    size_t n = 0;
    buf[0] = '\0';
    for (int vi = 0; vi < TLS_NVERS; vi++)
        if (r->proto[vi].supported)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "",
                                  tls_version_name(tls_probe_versions[vi], vb, sizeof vb));
    fact(em, f, "protocols", buf);
    for (int vi = 0; vi < TLS_NVERS; vi++) {
        const struct tls_proto *p = &r->proto[vi];
        if (!p->supported)
            continue;
        char k[48];
        n = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < p->n_suites && n + 64 < sizeof buf; i++) {
            const struct tls_suite *s = vi == 0 ? tls_sslv2_suite_find(p->suites[i])
                                                : tls_suite_find((uint16_t)p->suites[i]);
            char nb[16];
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "",
                                  s ? (s->openssl ? s->openssl : s->iana) : tls_suite_name((uint16_t)p->suites[i], nb, sizeof nb));
        }
        snprintf(k, sizeof k, "suites.%s", tls_version_name(tls_probe_versions[vi], vb, sizeof vb));
        fact(em, f, k, buf);
        snprintf(k, sizeof k, "server_order.%s", tls_version_name(tls_probe_versions[vi], vb, sizeof vb));
        fact(em, f, k, p->server_order == TRI_YES ? "server" : p->server_order == TRI_NO ? "client" : "unknown");
    }
    if (r->dh_bits_min) {
        snprintf(buf, sizeof buf, "%u", (unsigned)r->dh_bits_min);
        fact(em, f, "dh_bits", buf);
    }
    n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n_ecdhe_groups; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "", tls_group_name(r->ecdhe_groups[i], gb, sizeof gb));
    fact(em, f, "ecdhe_curves", buf);
    n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n_tls13_groups; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "", tls_group_name(r->tls13_groups[i], gb, sizeof gb));
    fact(em, f, "tls13_groups", buf);
    static const char *const tri[] = {"unknown", "yes", "no"};
    fact(em, f, "secure_renegotiation", tri[r->secure_reneg]);
    fact(em, f, "compression", tri[r->compression]);
    fact(em, f, "fallback_scsv", tri[r->fallback_scsv]);
    fact(em, f, "ocsp_stapling", r->ocsp_stapling == TRI_YES ? "yes" : "no");
    if (v->have_ocsp) {
        fact(em, f, "ocsp_status", tls_ocsp_status_name(v->ocsp.status));
        fact(em, f, "ocsp_verified", v->ocsp.signature_ok ? "yes" : "no");
        fact(em, f, "ocsp_fresh", v->ocsp.stale ? "no" : "yes");
        fact(em, f, "ocsp_this_update", v->ocsp.this_update);
        fact(em, f, "ocsp_next_update", v->ocsp.next_update);
    }
    fact(em, f, "heartbeat", tri[r->heartbeat]);
    fact(em, f, "heartbleed", tri[r->heartbleed]);
    fact(em, f, "hsts", r->hsts == TRI_YES ? r->hsts_value : tri[r->hsts]);
    snprintf(buf, sizeof buf, "%u", r->connections);
    fact(em, f, "connections", buf);
    snprintf(buf, sizeof buf, "%u", r->max_parallel);
    fact(em, f, "max_parallel_connections", buf);
    snprintf(buf, sizeof buf, "%u", r->conn_failures);
    fact(em, f, "connection_failures", buf);
    if (v->have_cert) {
        const struct tls_cert_facts *c = &v->cert;
        cert_facts(em, f, c);
        fact(em, f, "sans", c->sans);
        fact(em, f, "not_before", c->not_before);
        fact(em, f, "key_type", c->key_type);
        snprintf(buf, sizeof buf, "%d", c->key_bits);
        fact(em, f, "key_bits", buf);
        fact(em, f, "signature_algorithm", c->sig_alg);
        fact(em, f, "trusted", c->verified ? "yes" : "no");
        if (c->name_checked)
            fact(em, f, "name_match", c->name_match ? "yes" : "no");
        fact(em, f, "certificates", v->have_alt_cert ? "2" : "1");
        if (v->have_alt_cert) {
            const struct tls_cert_facts *a = &v->alt_cert;
            fact(em, f, "cert2.subject", a->subject);
            fact(em, f, "cert2.issuer", a->issuer);
            fact(em, f, "cert2.serial", a->serial);
            fact(em, f, "cert2.not_after", a->not_after);
            fact(em, f, "cert2.key_type", a->key_type);
            snprintf(buf, sizeof buf, "%d", a->key_bits);
            fact(em, f, "cert2.key_bits", buf);
            fact(em, f, "cert2.signature_algorithm", a->sig_alg);
            fact(em, f, "cert2.trusted", a->verified ? "yes" : "no");
        }
    } else {
        fact(em, f, "certificate_error", v->cert_error);
    }
}

static int emit_outcome(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                        const struct tls_outcome *oc, int expiry_days)
{
    struct emitter em = {.ctx = ctx, .host = host, .svc = svc, .port = oc->port, .oc = oc};
    const struct tls_report *r = oc->report;
    char addr[RM_ADDRSTRLEN], label[RM_ADDRSTRLEN + 16], desc[200];
    addr_str(&r->ep.addr, addr, sizeof addr);
    snprintf(label, sizeof label, r->ep.addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, (unsigned)oc->port);
    char *text = tls_outcome_text(oc, label);
    if (!text)
        return -1;
    snprintf(desc, sizeof desc, "tls: probe account of %s", label);
    struct evidence *ev = scan_add_evidence(ctx->result, "text/plain", desc, text, strlen(text));
    free(text);
    if (!ev)
        return -1;
    char ev_text[16];
    snprintf(ev_text, sizeof ev_text, "%s", ev->id);
    em.ev_text = ev_text;
    if (r->starttls_refused)
        return 0; /* nothing to judge; mail without STARTTLS is the exposure check's finding */
    if (r->error[0]) {
        struct finding *f = emit(&em, K_NOT_TLS, "TLS service could not be assessed", r->error);
        fact(&em, f, "reason", r->error);
        return em.oom ? -1 : 0;
    }
    char ev_pem[16] = "";
    if (oc->verdict.have_cert && oc->verdict.cert.pem) {
        snprintf(desc, sizeof desc, "tls: certificate chain served by %s", label);
        struct evidence *pe = scan_add_evidence(ctx->result, "application/x-pem-file", desc,
                                                oc->verdict.cert.pem, oc->verdict.cert.pem_len);
        if (!pe)
            return -1;
        snprintf(ev_pem, sizeof ev_pem, "%s", pe->id);
        em.ev_pem = ev_pem;
    }
    char ev_hello[16] = "";
    if (r->hello_record) {
        char vb[16];
        snprintf(desc, sizeof desc, "tls: the %s ServerHello record from %s as received (%zu of %zu bytes)",
                 tls_version_name(r->hello_record_version, vb, sizeof vb), label, r->hello_record_len,
                 r->hello_record_full);
        struct evidence *he = scan_add_evidence(ctx->result, "application/octet-stream", desc,
                                                r->hello_record, r->hello_record_len);
        if (!he)
            return -1;
        snprintf(ev_hello, sizeof ev_hello, "%s", he->id);
    }
    summary_finding(&em);
    if (ev_hello[0] && em.summary && finding_add_evidence_id(em.summary, ev_hello) < 0)
        return -1;
    protocol_finding(&em, K_SSLV2, 0, "SSLv2 accepted");
    protocol_finding(&em, K_SSLV3, 1, "SSLv3 accepted");
    protocol_finding(&em, K_TLS10, 2, "TLSv1.0 accepted");
    protocol_finding(&em, K_TLS11, 3, "TLSv1.1 accepted");
    bool modern = r->proto[4].supported || r->proto[5].supported;
    bool any = false;
    for (int vi = 0; vi < TLS_NVERS; vi++)
        any |= r->proto[vi].supported;
    if (any && !modern) {
        struct finding *f = emit(&em, K_NO_TLS12, "Neither TLSv1.2 nor TLSv1.3 accepted", NULL);
        (void)f;
    }
    struct finding *f;
    suite_finding(&em, K_NULL, TS_NULL, false, "NULL cipher suites accepted");
    suite_finding(&em, K_ANON, TS_ANON, false, "Anonymous cipher suites accepted");
    suite_finding(&em, K_EXPORT, TS_EXPORT, false, "Export-grade cipher suites accepted");
    suite_finding(&em, K_DES, TS_DES, false, "Single-DES cipher suites accepted");
    suite_finding(&em, K_RC4, TS_RC4, false, "RC4 cipher suites accepted");
    suite_finding(&em, K_3DES, TS_3DES, false, "3DES cipher suites accepted (SWEET32)");
    suite_finding(&em, K_NO_PFS, TS_PFS, true, "Cipher suites without forward secrecy");
    if (any && !oc->verdict.any_aead) {
        f = emit(&em, K_NO_AEAD, "No AEAD cipher suite accepted", NULL);
        (void)f;
    }
    /* The client's choice only matters when it can choose something weak: not for TLS 1.3,
     * nor for a version whose every suite is AEAD with forward secrecy (Mozilla's profiles
     * leave the choice to the client then). */
    for (int vi = 1; vi < TLS_NVERS - 1; vi++)
        if (r->proto[vi].server_order == TRI_NO && has_weak_suite(&r->proto[vi])) {
            char vb[16];
            f = emit(&em, K_CLIENT_ORDER, "The client chooses the cipher suite", NULL);
            fact(&em, f, "version", tls_version_name(tls_probe_versions[vi], vb, sizeof vb));
            key(&em, f, "version");
        }
    if (r->dh_bits_min && r->dh_bits_min < 2048) {
        char b[16];
        snprintf(b, sizeof b, "%u", (unsigned)r->dh_bits_min);
        f = emit(&em, K_DH_WEAK, "Weak DHE parameters", NULL);
        fact(&em, f, "dh_bits", b);
    }
    if (r->secure_reneg == TRI_NO)
        emit(&em, K_RENEG, "Secure renegotiation not supported", NULL);
    if (r->compression == TRI_YES)
        emit(&em, K_COMPRESSION, "TLS compression enabled", NULL);
    if (r->fallback_scsv == TRI_NO)
        emit(&em, K_FALLBACK, "TLS_FALLBACK_SCSV not honoured", NULL);
    if (r->heartbleed == TRI_YES) {
        f = emit(&em, K_HEARTBLEED, "Vulnerable to Heartbleed", "A heartbeat request claiming more bytes than it carried was answered with the claimed length.");
        if (f && finding_add_ref(f, "CVE-2014-0160") < 0)
            em.oom = true;
    }
    if (r->hsts == TRI_NO) {
        char st[16];
        snprintf(st, sizeof st, "%d", r->http_status);
        f = emit(&em, K_HSTS_MISSING, "No HSTS header", NULL);
        fact(&em, f, "http_status", st);
    } else if (r->hsts == TRI_YES && r->hsts_max_age < TLS_HSTS_MIN_AGE) {
        char age[24];
        snprintf(age, sizeof age, "%ld", r->hsts_max_age);
        f = emit(&em, K_HSTS_SHORT, "HSTS max-age too short", NULL);
        fact(&em, f, "max_age", age);
        fact(&em, f, "hsts", r->hsts_value);
    }
    if (oc->verdict.have_cert)
        cert_findings(&em, &oc->verdict.cert, oc->verdict.weak_key, false, expiry_days);
    ocsp_findings(&em);
    if (oc->verdict.have_alt_cert) {
        const struct tls_cert_facts *alt = &oc->verdict.alt_cert;
        char ev_alt[16] = "";
        if (alt->pem) {
            snprintf(desc, sizeof desc, "tls: second certificate chain served by %s (%s key)", label,
                     alt->key_type);
            struct evidence *pe = scan_add_evidence(ctx->result, "application/x-pem-file", desc, alt->pem,
                                                    alt->pem_len);
            if (!pe)
                return -1;
            snprintf(ev_alt, sizeof ev_alt, "%s", pe->id);
        }
        em.ev_pem = ev_alt[0] ? ev_alt : NULL;
        if (em.summary && em.ev_pem && finding_add_evidence_id(em.summary, em.ev_pem) < 0)
            return -1;
        cert_findings(&em, alt, oc->verdict.alt_weak_key, true, expiry_days);
    }
    return em.oom ? -1 : 0;
}

/* ---- running ----------------------------------------------------------------------------- */

int tls_check_services(struct check_ctx *ctx, const struct tls_check_opts *o,
                       struct tls_run *run, struct rm_err *e)
{
    struct scan_result *res = ctx->result;
    size_t n = 0;
    enum tls_starttls st;
    for (size_t h = 0; h < res->n_hosts; h++)
        for (size_t s = 0; s < res->hosts[h].n_services; s++) {
            const struct service *sv = &res->hosts[h].services[s];
            n += sv->state == PORT_OPEN && tls_candidate(sv, &st);
        }
    struct tls_run local = {0};
    struct tls_run *out = run ? run : &local;
    memset(out, 0, sizeof *out);
    if (n == 0)
        return 0;
    struct tls_endpoint *eps = calloc(n, sizeof *eps);
    size_t *hidx = calloc(n, sizeof *hidx), *sidx = calloc(n, sizeof *sidx);
    out->out = calloc(n, sizeof *out->out);
    if (!eps || !hidx || !sidx || !out->out) {
        free(eps);
        free(hidx);
        free(sidx);
        free(out->out);
        out->out = NULL;
        return rm_errf(e, "out of memory");
    }
    size_t i = 0;
    for (size_t h = 0; h < res->n_hosts; h++)
        for (size_t s = 0; s < res->hosts[h].n_services; s++) {
            const struct service *sv = &res->hosts[h].services[s];
            if (sv->state != PORT_OPEN || !tls_candidate(sv, &st))
                continue;
            eps[i] = (struct tls_endpoint){.addr = res->hosts[h].addr, .port = sv->port,
                                           .sni = res->hosts[h].hostname, .starttls = st,
                                           .http = http_inside(sv, st)};
            hidx[i] = h;
            sidx[i] = s;
            i++;
        }
    struct tls_probe_opts po = {.depth = o->depth, .conns_per_host = o->conns_per_host,
                                .parallel_hosts = o->parallel_hosts, .connect_ms = o->connect_ms,
                                .read_ms = o->read_ms, .retries = 1, .cancel = ctx->cancel};
    int rc = tls_probe_all(eps, n, &po, &out->reports, e);
    free(eps);
    if (rc < 0) {
        free(hidx);
        free(sidx);
        free(out->out);
        out->out = NULL;
        return -1;
    }
    out->n = n;
    /* One trust store for the run: loading the system store per endpoint cost more CPU than
     * probing it, serially, after the probes. */
    struct tls_trust *trust = NULL;
    if (tls_trust_new(o->ca_pem, &trust, e) < 0) {
        free(hidx);
        free(sidx);
        tls_run_free(out);
        return -1;
    }
    struct tls_rules_opts ro = {.trust = trust,
                                .expiry_days = o->expiry_days > 0 ? o->expiry_days : TLS_DEF_EXPIRY_DAYS,
                                .now = time(NULL)};
    for (i = 0; i < n && rc == 0; i++) {
        struct tls_outcome *oc = &out->out[i];
        oc->host = hidx[i];
        oc->port = out->reports[i].ep.port;
        oc->report = &out->reports[i];
        tls_judge(oc->report, &ro, &oc->verdict);
        const struct host *hp = &res->hosts[hidx[i]];
        if (emit_outcome(ctx, hp, &hp->services[sidx[i]], oc, ro.expiry_days) < 0)
            rc = rm_errf(e, "out of memory");
    }
    tls_trust_free(trust);
    free(hidx);
    free(sidx);
    if (!run)
        tls_run_free(&local);
    return rc;
}

void tls_run_free(struct tls_run *run)
{
    if (!run)
        return;
    for (size_t i = 0; run->out && i < run->n; i++)
        tls_verdict_free(&run->out[i].verdict);
    free(run->out);
    tls_reports_free(run->reports, run->n);
    memset(run, 0, sizeof *run);
}

/* As a scan's module: full depth unless --tls quick, the scan's timeout as the read deadline. */
static int tls_run_site(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                        struct rm_err *e)
{
    (void)host;
    (void)svc;
    struct tls_check_opts o = {.depth = ctx->tls_quick ? TLS_QUICK : TLS_FULL, .read_ms = ctx->timeout_ms,
                               .ca_pem = ctx->tls_ca_pem, .expiry_days = ctx->tls_expiry_days};
    return tls_check_services(ctx, &o, NULL, e);
}

const struct check check_tls = {
    .id = "tls",
    .summary = "TLS protocols, cipher suites, key exchange, certificates; grade and Mozilla profile",
    .applies_to = CHECK_SITE,
    .kinds = tls_kinds,
    .n_kinds = sizeof tls_kinds / sizeof tls_kinds[0],
    .run = tls_run_site,
};
