/* Grade and profile rules (tls_rules.h); docs/tls-grading.md explains each one. Keep the two
 * in step: every cap below has a line there. */
#include "checks/tls_rules.h"

#include <stdio.h>
#include <string.h>

#include "checks/tls_suites.h"

enum { VI_SSL2, VI_SSL3, VI_TLS10, VI_TLS11, VI_TLS12, VI_TLS13 };

static void add(char *buf, size_t cap, const char *arg)
{
    size_t n = strlen(buf);
    if (n + 3 >= cap || strstr(buf, arg))
        return; /* full, or said already (the same suite under two versions) */
    if (n)
        n += (size_t)snprintf(buf + n, cap - n, "; ");
    snprintf(buf + n, cap - n, "%s", arg);
}

/* Grades in order; a cap is the worst grade the endpoint may get. */
static const char *const grades[] = {"A+", "A", "A-", "B", "C", "D", "E", "F"};

static int grade_index(const char *g)
{
    for (int i = 0; i < 8; i++)
        if (strcmp(grades[i], g) == 0)
            return i;
    return 7;
}

struct cap {
    int worst; /* index into grades */
    char *why;
    size_t cap;
};

static void cap_at(struct cap *c, const char *g, const char *why)
{
    int i = grade_index(g);
    if (i > c->worst)
        c->worst = i;
    char item[200];
    snprintf(item, sizeof item, "%s (%s)", why, g);
    add(c->why, c->cap, item);
}

static int proto_points(int vi)
{
    static const int pts[] = {0, 80, 90, 95, 100, 100};
    return pts[vi];
}

static int kex_points(int bits)
{
    if (bits <= 0)
        return 0;
    if (bits < 512)
        return 20;
    if (bits < 1024)
        return 40;
    if (bits < 2048)
        return 80;
    if (bits < 4096)
        return 90;
    return 100;
}

static int cipher_points(int bits)
{
    if (bits <= 0)
        return 0;
    if (bits < 128)
        return 20;
    if (bits < 256)
        return 80;
    return 100;
}

/* RSA-equivalent strength of the certificate key (NIST SP 800-57 equivalences). */
static int key_strength(const struct tls_cert_facts *c)
{
    if (strcmp(c->key_type, "EC") == 0 || strncmp(c->key_type, "ED", 2) == 0)
        return c->key_bits >= 384 ? 7680 : c->key_bits >= 256 ? 3072 : c->key_bits >= 224 ? 2048 : 1024;
    return c->key_bits;
}

static bool in_list(const char *name, const char *const *list)
{
    for (; name && *list; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

/* Mozilla Server Side TLS (guidelines 5.7/5.8; "old" as last published in 5.8). */
static const char *const moz_tls13[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                        "TLS_CHACHA20_POLY1305_SHA256", NULL};
static const char *const moz_intermediate[] = {
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256",     "DHE-RSA-AES256-GCM-SHA384",
    "DHE-RSA-CHACHA20-POLY1305",     NULL};
static const char *const moz_old_extra[] = {
    "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",      "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384",
    "ECDHE-ECDSA-AES256-SHA",    "ECDHE-RSA-AES256-SHA",    "DHE-RSA-AES128-SHA256",
    "DHE-RSA-AES256-SHA256",     "AES128-GCM-SHA256",       "AES256-GCM-SHA384",
    "AES128-SHA256",             "AES256-SHA256",           "AES128-SHA",
    "AES256-SHA",                "DES-CBC3-SHA",            NULL};

/* Does the endpoint meet profile p (0 modern, 1 intermediate, 2 old)? Reasons into gaps. */
static bool mozilla_meets(const struct tls_report *r, const struct tls_verdict *v, int p,
                          char *gaps, size_t cap)
{
    bool ok = true;
    static const char *const pname[] = {"modern", "intermediate", "old"};
    char why[200];
    int lowest = p == 0 ? VI_TLS13 : p == 1 ? VI_TLS12 : VI_TLS10;
    for (int vi = 0; vi < TLS_NVERS; vi++) {
        if (r->proto[vi].supported && vi < lowest) {
            char b[16];
            snprintf(why, sizeof why, "%s: %s enabled", pname[p],
                     tls_version_name(tls_probe_versions[vi], b, sizeof b));
            add(gaps, cap, why);
            ok = false;
        }
    }
    if (!r->proto[VI_TLS13].supported && (p == 0 || !r->proto[VI_TLS12].supported)) {
        snprintf(why, sizeof why, "%s: %s not enabled", pname[p], p == 0 ? "TLSv1.3" : "TLSv1.2 or TLSv1.3");
        add(gaps, cap, why);
        ok = false;
    }
    for (int vi = VI_SSL3; vi < TLS_NVERS; vi++) {
        if (vi < lowest)
            continue;
        for (size_t i = 0; i < r->proto[vi].n_suites; i++) {
            const struct tls_suite *s = tls_suite_find((uint16_t)r->proto[vi].suites[i]);
            const char *name = s ? (vi == VI_TLS13 ? s->iana : s->openssl) : NULL;
            bool allowed = vi == VI_TLS13 ? in_list(name, moz_tls13)
                           : in_list(name, moz_intermediate) || (p == 2 && in_list(name, moz_old_extra));
            if (!allowed) {
                snprintf(why, sizeof why, "%s: suite %s", pname[p], name ? name : "unknown");
                add(gaps, cap, why);
                ok = false;
            }
        }
    }
    /* Modern wants an ECDSA certificate; a dual server meets that with its second one. */
    const struct tls_cert_facts *certs[2] = {v->have_cert ? &v->cert : NULL,
                                             v->have_alt_cert ? &v->alt_cert : NULL};
    bool any_cert = false, ecdsa = false;
    for (int k = 0; k < 2; k++) {
        const struct tls_cert_facts *c = certs[k];
        if (!c)
            continue;
        any_cert = true;
        bool ec = strcmp(c->key_type, "EC") == 0;
        ecdsa |= ec && (strcmp(c->curve, "prime256v1") == 0 || strcmp(c->curve, "secp384r1") == 0);
        if (p > 0 && !ec && strcmp(c->key_type, "RSA") == 0 && c->key_bits < 2048) {
            snprintf(why, sizeof why, "%s: RSA key of %d bits", pname[p], c->key_bits);
            add(gaps, cap, why);
            ok = false;
        }
        long life = (long)((c->na - c->nb) / 86400);
        long max = p == 0 ? 90 : 366;
        if (p < 2 && c->na && c->nb && life > max) {
            snprintf(why, sizeof why, "%s: certificate lifespan %ld days", pname[p], life);
            add(gaps, cap, why);
            ok = false;
        }
    }
    if (p == 0 && any_cert && !ecdsa) {
        add(gaps, cap, "modern: certificate key is not ECDSA P-256/P-384");
        ok = false;
    }
    if (r->dh_bits_min && r->dh_bits_min < (p == 2 ? 1024 : 2048)) {
        snprintf(why, sizeof why, "%s: DH parameters of %u bits", pname[p], (unsigned)r->dh_bits_min);
        add(gaps, cap, why);
        ok = false;
    }
    return ok;
}

/* The caps a certificate's key and signature put on the grade; true when its key is weak.
 * Every certificate a server serves counts: a client may be given either. */
static bool cert_caps(struct cap *c, const struct tls_cert_facts *ct)
{
    bool rsa_dsa = strcmp(ct->key_type, "RSA") == 0 || strcmp(ct->key_type, "DSA") == 0;
    bool weak = rsa_dsa ? ct->key_bits < 2048 : key_strength(ct) < 2048;
    if (rsa_dsa && ct->key_bits < 1024)
        cap_at(c, "F", "certificate key under 1024 bits");
    else if (weak)
        cap_at(c, "C", "certificate key under 2048 bits (RSA equivalent)");
    if (ct->sig_md5)
        cap_at(c, "F", "MD5 certificate signature");
    else if (ct->sig_sha1)
        cap_at(c, "C", "SHA-1 certificate signature");
    return weak;
}

/* Trust and name problems override the letter (SSL Labs' T and M). */
static void trust_caps(struct tls_verdict *v, const struct tls_cert_facts *ct)
{
    if (ct->name_checked && !ct->name_match && strcmp(v->grade, "T") != 0) {
        snprintf(v->grade, sizeof v->grade, "M");
        add(v->caps, sizeof v->caps, "certificate name mismatch (M)");
    }
    if (!ct->verified || ct->expired || ct->not_yet_valid || ct->self_signed) {
        snprintf(v->grade, sizeof v->grade, "T");
        add(v->caps, sizeof v->caps, "certificate not trusted, expired or not yet valid (T)");
    }
}

int tls_judge(const struct tls_report *r, const struct tls_rules_opts *o, struct tls_verdict *v)
{
    memset(v, 0, sizeof *v);
    int expiry = o->expiry_days > 0 ? o->expiry_days : TLS_DEF_EXPIRY_DAYS;
    (void)expiry;
    if (r->n_certs) {
        struct rm_err e = {{0}};
        if (tls_cert_analyse((const unsigned char *const *)r->certs, r->cert_lens, r->n_certs,
                             r->name ? r->name : NULL, o->trust, o->now, &v->cert, &e) == 0)
            v->have_cert = true;
        else
            snprintf(v->cert_error, sizeof v->cert_error, "%s", e.msg);
        if (v->have_cert && r->ocsp &&
            tls_ocsp_check(r->ocsp, r->ocsp_len, (const unsigned char *const *)r->certs,
                           r->cert_lens, r->n_certs, o->trust, o->now, &v->ocsp) == 0)
            v->have_ocsp = true;
    } else {
        snprintf(v->cert_error, sizeof v->cert_error, "no certificate was received");
    }
    if (v->have_cert && r->n_alt_certs) {
        struct rm_err e = {{0}};
        v->have_alt_cert = tls_cert_analyse((const unsigned char *const *)r->alt_certs, r->alt_cert_lens,
                                            r->n_alt_certs, r->name ? r->name : NULL, o->trust, o->now,
                                            &v->alt_cert, &e) == 0;
    }

    /* What was accepted, over all versions. */
    int best = -1, worst = -1, min_bits = 100000, max_bits = -1;
    bool any_suite = false;
    v->all_pfs = true;
    for (int vi = 0; vi < TLS_NVERS; vi++) {
        const struct tls_proto *p = &r->proto[vi];
        if (!p->supported)
            continue;
        if (worst < 0)
            worst = vi;
        best = vi;
        for (size_t i = 0; i < p->n_suites; i++) {
            const struct tls_suite *s = vi == VI_SSL2 ? tls_sslv2_suite_find(p->suites[i])
                                                      : tls_suite_find((uint16_t)p->suites[i]);
            if (!s)
                continue;
            any_suite = true;
            v->flags_any |= s->flags;
            if (!(s->flags & TS_PFS) && !(s->flags & TS_ANON))
                v->all_pfs = false;
            if (s->flags & TS_AEAD)
                v->any_aead = true;
            int bits = (s->flags & TS_NULL) ? 0 : s->bits;
            if (bits < min_bits)
                min_bits = bits;
            if (bits > max_bits)
                max_bits = bits;
        }
    }
    if (best < 0) {
        snprintf(v->grade, sizeof v->grade, "-");
        snprintf(v->grade_if_trusted, sizeof v->grade_if_trusted, "-");
        v->mozilla = "none";
        return 0;
    }

    /* Scores: protocol 30 %, key exchange 30 %, cipher 40 % (SSL Labs' weights). */
    v->score_protocol = (proto_points(best) + proto_points(worst)) / 2;
    int kex_bits = v->have_cert ? key_strength(&v->cert) : 2048;
    if (r->dh_bits_min && r->dh_bits_min < kex_bits)
        kex_bits = r->dh_bits_min;
    if (v->flags_any & TS_EXPORT)
        kex_bits = kex_bits < 512 ? kex_bits : 512;
    if (v->flags_any & TS_ANON)
        kex_bits = 0;
    v->score_kex = kex_points(kex_bits);
    v->score_cipher = any_suite ? (cipher_points(max_bits) + cipher_points(min_bits)) / 2 : 0;
    v->score = (30 * v->score_protocol + 30 * v->score_kex + 40 * v->score_cipher) / 100;
    const char *g = v->score >= 80 ? "A" : v->score >= 65 ? "B" : v->score >= 50 ? "C"
                  : v->score >= 35 ? "D" : v->score >= 20 ? "E" : "F";
    struct cap c = {.worst = grade_index(g), .why = v->caps, .cap = sizeof v->caps};
    if (strcmp(g, "A") != 0) {
        char s[64];
        snprintf(s, sizeof s, "score %d", v->score);
        add(v->caps, sizeof v->caps, s);
    }

    const struct tls_proto *P = r->proto;
    if (P[VI_SSL2].supported)
        cap_at(&c, "F", "SSLv2 supported");
    if (r->heartbleed == TRI_YES)
        cap_at(&c, "F", "Heartbleed (CVE-2014-0160)");
    if (v->flags_any & TS_NULL)
        cap_at(&c, "F", "NULL (unencrypted) suites");
    if (v->flags_any & TS_ANON)
        cap_at(&c, "F", "anonymous suites");
    if (v->flags_any & TS_EXPORT)
        cap_at(&c, "F", "export suites (FREAK/Logjam)");
    if (v->flags_any & TS_DES)
        cap_at(&c, "C", "single-DES suites");
    if (r->dh_bits_min && r->dh_bits_min < 1024)
        cap_at(&c, "F", "DH parameters under 1024 bits (Logjam)");
    else if (r->dh_bits_min && r->dh_bits_min < 2048)
        cap_at(&c, "B", "DH parameters under 2048 bits");
    if (P[VI_SSL3].supported)
        cap_at(&c, "C", "SSLv3 supported (POODLE)");
    if (v->flags_any & TS_RC4)
        cap_at(&c, "C", "RC4 suites");
    if ((v->flags_any & TS_3DES) && (P[VI_TLS11].supported || P[VI_TLS12].supported || P[VI_TLS13].supported))
        cap_at(&c, "C", "3DES suites (SWEET32)");
    if (!P[VI_TLS12].supported && !P[VI_TLS13].supported)
        cap_at(&c, "C", "neither TLSv1.2 nor TLSv1.3");
    if (r->compression == TRI_YES)
        cap_at(&c, "C", "TLS compression (CRIME)");
    if (r->secure_reneg == TRI_NO)
        cap_at(&c, "C", "no secure renegotiation");
    if (P[VI_TLS10].supported || P[VI_TLS11].supported)
        cap_at(&c, "B", "TLSv1.0/TLSv1.1 supported");
    if (!v->all_pfs)
        cap_at(&c, "B", "suites without forward secrecy");
    if (!v->any_aead)
        cap_at(&c, "B", "no AEAD suite");
    if (v->have_cert)
        v->weak_key = cert_caps(&c, &v->cert);
    if (v->have_alt_cert)
        v->alt_weak_key = cert_caps(&c, &v->alt_cert);
    if (r->fallback_scsv == TRI_NO)
        cap_at(&c, "A-", "no TLS_FALLBACK_SCSV");
    if (!P[VI_TLS13].supported)
        cap_at(&c, "A-", "no TLSv1.3");
    /* A+: an A with HSTS of at least six months (SSL Labs). */
    if (c.worst == grade_index("A") && r->hsts == TRI_YES && r->hsts_max_age >= TLS_HSTS_MIN_AGE)
        c.worst = grade_index("A+");
    snprintf(v->grade_if_trusted, sizeof v->grade_if_trusted, "%s", grades[c.worst]);
    snprintf(v->grade, sizeof v->grade, "%s", grades[c.worst]);
    /* Trust and name problems override the letter (SSL Labs' T and M). */
    if (v->have_cert) {
        trust_caps(v, &v->cert);
        if (v->have_alt_cert)
            trust_caps(v, &v->alt_cert);
        if (v->have_ocsp && v->ocsp.status == OCSP_ST_REVOKED) {
            snprintf(v->grade, sizeof v->grade, "T");
            add(v->caps, sizeof v->caps, "certificate revoked (stapled OCSP) (T)");
        }
    } else {
        snprintf(v->grade, sizeof v->grade, "T");
        add(v->caps, sizeof v->caps, "no certificate could be read (T)");
    }

    if (mozilla_meets(r, v, 0, v->mozilla_gaps, sizeof v->mozilla_gaps)) {
        v->mozilla = "modern";
    } else {
        char tmp[700] = "";
        if (mozilla_meets(r, v, 1, tmp, sizeof tmp)) {
            v->mozilla = "intermediate";
        } else {
            v->mozilla_gaps[0] = '\0';
            mozilla_meets(r, v, 1, v->mozilla_gaps, sizeof v->mozilla_gaps);
            tmp[0] = '\0';
            if (mozilla_meets(r, v, 2, tmp, sizeof tmp)) {
                v->mozilla = "old";
            } else {
                v->mozilla = "none";
                snprintf(v->mozilla_gaps, sizeof v->mozilla_gaps, "%s", tmp);
            }
        }
    }
    if (r->depth == TLS_QUICK)
        snprintf(v->not_tested, sizeof v->not_tested,
                 "full cipher enumeration (one suite per version), server order, "
                 "TLS_FALLBACK_SCSV, compression, curves and groups, Heartbleed");
    return 0;
}

void tls_verdict_free(struct tls_verdict *v)
{
    if (v && v->have_cert)
        tls_cert_facts_free(&v->cert);
    if (v && v->have_alt_cert)
        tls_cert_facts_free(&v->alt_cert);
}
