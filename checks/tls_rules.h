/* The judgement of one TLS endpoint: certificate facts, a letter grade in the spirit of SSL
 * Labs' rating guide and the Mozilla server profile it meets. The rules themselves are
 * documented in docs/tls-grading.md; tls_rules.c is their only implementation.
 */
#ifndef RISKMAP_TLS_RULES_H
#define RISKMAP_TLS_RULES_H

#include <stdbool.h>
#include <time.h>

#include "checks/tls_cert.h"
#include "checks/tls_ocsp.h"
#include "checks/tls_probe.h"

#define TLS_DEF_EXPIRY_DAYS 30
#define TLS_HSTS_MIN_AGE 15768000L /* six months: SSL Labs' A+ and the HSTS finding */

struct tls_rules_opts {
    const struct tls_trust *trust; /* the roots chains are verified against (tls_trust_new) */
    int expiry_days;     /* a certificate ending within this many days is "expiring" */
    time_t now;
};

struct tls_verdict {
    bool have_cert;
    struct tls_cert_facts cert; /* valid when have_cert; owns its PEM */
    char cert_error[512];
    bool have_alt_cert;         /* a dual-certificate server's second chain (report.alt_certs) */
    struct tls_cert_facts alt_cert; /* valid when have_alt_cert; owns its PEM */
    bool alt_weak_key;
    bool have_ocsp;             /* a stapled OCSP response came with the chain */
    struct tls_ocsp_facts ocsp; /* valid when have_ocsp */
    uint32_t flags_any;         /* enum tls_suite_flag, OR over every accepted suite */
    bool all_pfs;               /* every accepted non-anonymous suite has forward secrecy */
    bool any_aead;
    bool weak_key;              /* RSA/DSA under 2048 bits, EC under 224 */
    int score_protocol, score_kex, score_cipher, score;
    char grade[4];              /* "A+", "A", "A-", "B".."F"; "T" trust, "M" name mismatch */
    char grade_if_trusted[4];   /* the grade with trust and name set aside */
    char caps[700];             /* each rule that capped the grade: "TLSv1.0 (B); ..." */
    const char *mozilla;        /* "modern", "intermediate", "old" or "none" */
    char mozilla_gaps[700];     /* what keeps it from the next profile up */
    char not_tested[300];       /* checks this depth did not perform, "" for none */
};

/* Judges a report. Returns 0; v->cert_error says why certificate facts are missing. */
int tls_judge(const struct tls_report *r, const struct tls_rules_opts *o, struct tls_verdict *v);
void tls_verdict_free(struct tls_verdict *v);

#endif
