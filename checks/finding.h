/* Findings and the evidence they rest on.
 *
 * A finding is what a check concludes about one asset (and optionally one port): a stable kind
 * id ("svc.open"), severity, title, detail, facts (ordered key/value strings), references and
 * the ids of evidence items. Its fingerprint is a SHA-256 over what identifies it — kind,
 * asset, port, and the key fact — so the same weakness gets the same fingerprint in every scan
 * and the register can say "still open since March" rather than "new".
 *
 * Ownership: a struct finding owns every string it points to; finding_free() releases them.
 * Setters copy their arguments.
 */
#ifndef RISKMAP_FINDING_H
#define RISKMAP_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/addr.h"

enum severity {
    SEV_INFO = 0,
    SEV_LOW,
    SEV_MEDIUM,
    SEV_HIGH,
    SEV_CRITICAL,
};

/* "info", "low", "medium", "high", "critical". */
const char *severity_name(enum severity s);
/* Parses a severity name (case-insensitive); returns 0 or -1. */
int severity_parse(const char *s, enum severity *out);

/* Made only by finding_add_fact: value points into key's allocation (never freed alone). */
struct fact {
    char *key;
    char *value;
};

#define FINGERPRINT_HEX_LEN 64

struct finding {
    char *kind;     /* stable id, e.g. "svc.open" */
    char *check;    /* id of the check module that produced it */
    enum severity severity;
    char *title;
    char *detail;
    struct rm_addr addr; /* family 0: a site-wide finding, about no address */
    char *hostname; /* may be NULL */
    char *site_asset; /* site-wide findings: the asset they are about, by name (the asset a
                       * backup protects); NULL otherwise, and "site" is meant */
    uint16_t port;  /* 0 when the finding is about the host or the site */
    char *protocol; /* "tcp" (finding_new's default) or "udp", or NULL with port 0 */
    struct fact *facts;
    size_t n_facts;
    char **refs;
    size_t n_refs;
    char **evidence_ids; /* ids into the scan's evidence list */
    size_t n_evidence;
    char *key_fact; /* name of the fact that, with kind/asset/port, identifies it; may be NULL */
    char fingerprint[FINGERPRINT_HEX_LEN + 1];
};

/* A new finding with copies of kind, check and title; NULL on allocation failure. */
struct finding *finding_new(const char *kind, const char *check, enum severity sev,
                            const char *title, const struct rm_addr *addr, uint16_t port);
void finding_free(struct finding *f);

/* Setters copy; each returns 0 or -1 on allocation failure. */
int finding_set_detail(struct finding *f, const char *detail);
int finding_set_hostname(struct finding *f, const char *hostname);
int finding_set_site_asset(struct finding *f, const char *name);
/* "tcp" or "udp"; only for a finding about a port. */
int finding_set_protocol(struct finding *f, const char *protocol);
int finding_add_fact(struct finding *f, const char *key, const char *value);
int finding_add_ref(struct finding *f, const char *ref);
int finding_add_evidence_id(struct finding *f, const char *id);
/* Names the fact that identifies this finding among others of its kind on the same asset
 * and port (a CVE id, a protocol version...). The fact must exist when fingerprinting. */
int finding_set_key_fact(struct finding *f, const char *key);

/* The value of a fact, or NULL. Borrowed: valid while the finding lives. */
const char *finding_fact(const struct finding *f, const char *key);

/* What a reader calls the finding's asset: its address, or for a site-wide finding its
 * site_asset (or "site"). Into buf (RM_ADDRSTRLEN at least) or borrowed from f. */
const char *finding_asset_label(const struct finding *f, char *buf, size_t len);

/* Computes f->fingerprint from kind, address, protocol/port and the key fact's value. A
 * site-wide finding hashes 0.0.0.0 as its address, as riskmap has done since its first
 * backup findings: its fingerprints stay those the register knows. */
void finding_fingerprint(struct finding *f);

/* A piece of raw evidence: the bytes a finding rests on. */
struct evidence {
    char *id;          /* "E1", "E2", ... unique within a scan */
    char *media_type;  /* "text/plain", "application/octet-stream", "application/x-pem-file" */
    char *description;
    unsigned char *data;
    size_t len;
    char sha256[FINGERPRINT_HEX_LEN + 1];
};

/* A new evidence item owning a copy of data; sha256 computed. NULL on failure. */
struct evidence *evidence_new(const char *id, const char *media_type, const char *description,
                              const void *data, size_t len);
void evidence_free(struct evidence *ev);

/* Lower-case hex SHA-256 of data into out (65 bytes). */
void sha256_hex(const void *data, size_t len, char out[FINGERPRINT_HEX_LEN + 1]);

#endif
