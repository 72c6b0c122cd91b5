/* The `tls` check module: for every service that speaks TLS, the protocol versions, cipher
 * suites, key exchange, features and certificate (checks/tls_probe.h, tls_cert.h), judged by
 * the rules of checks/tls_rules.h into findings with facts and evidence. `riskmap tls` uses
 * the same entry point with its own options.
 */
#ifndef RISKMAP_TLS_H
#define RISKMAP_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/check.h"
#include "checks/tls_probe.h"
#include "checks/tls_rules.h"

struct tls_check_opts {
    enum tls_depth depth;
    unsigned conns_per_host;  /* 0 = TLS_DEF_CONNS_PER_HOST */
    unsigned parallel_hosts;  /* 0 = TLS_DEF_PARALLEL_HOSTS */
    double connect_ms, read_ms; /* 0 = defaults */
    const char *ca_pem;       /* PEM text trusted besides the system CA store; NULL = none */
    int expiry_days;          /* 0 = TLS_DEF_EXPIRY_DAYS */
};

/* One endpoint's outcome, kept for the caller (the CLI prints it). */
struct tls_outcome {
    size_t host;              /* index into the result's hosts */
    uint16_t port;
    struct tls_report *report; /* borrowed from the run */
    struct tls_verdict verdict;
};

struct tls_run {
    struct tls_report *reports;
    struct tls_outcome *out;
    size_t n;
};

/* Service detection named this service as TLS (https, imaps, ssl/...), or its info records a
 * TLS version. */
bool tls_service_is_tls(const struct service *s);

/* Probes every service of ctx->result that speaks TLS (tls_service_is_tls) or may start it
 * (smtp, submission, imap, pop3, ftp, ldap, postgresql: STARTTLS), judges each, and appends
 * findings and evidence. run (may be NULL) receives the outcomes; free them with
 * tls_run_free. Returns 0 or -1 with e set. */
int tls_check_services(struct check_ctx *ctx, const struct tls_check_opts *o,
                       struct tls_run *run, struct rm_err *e);
void tls_run_free(struct tls_run *run);

/* A human-readable account of one endpoint (sslscan-like): a new string owned by the caller,
 * or NULL on ENOMEM. Also the text evidence of the findings. */
char *tls_outcome_text(const struct tls_outcome *oc, const char *label);

/* "x25519", "secp256r1", ... or "0xNNNN" in buf. */
const char *tls_group_name(uint16_t g, char *buf, size_t len);

#endif
