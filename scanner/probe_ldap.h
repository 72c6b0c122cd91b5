/* LDAP (TCP 389): an anonymous search of the root DSE (no bind: LDAPv3 allows operations
 * before any bind, as anonymous), then a base search of the first naming context, and a
 * bounded BER reader of the answers. Pure functions, no I/O. */
#ifndef RISKMAP_PROBE_LDAP_H
#define RISKMAP_PROBE_LDAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SearchRequest with messageID id, base `base` (""= the root DSE), scope baseObject, filter
 * (objectClass=*), for the root DSE the attributes namingContexts, supportedLDAPVersion,
 * vendorName, vendorVersion and objectClass; for any other base only "1.1" (no attributes:
 * the entry's existence is the answer). Returns its length, 0 if cap is too small or the base
 * is longer than 255 bytes. */
size_t ldap_search_request(uint8_t id, const char *base, unsigned char *out, size_t cap);

/* The SearchResultDone of message `id` is in d (or d cannot be LDAP)? */
bool ldap_complete(const unsigned char *d, size_t n, uint8_t id);

#define LDAP_MAX_NAMING 4

struct ldap_search {
    bool done;           /* a SearchResultDone came */
    int result;          /* its resultCode, -1 before */
    unsigned entries;    /* SearchResultEntry messages */
    /* From the root DSE entry (printable, cut): */
    char naming[LDAP_MAX_NAMING][128];
    unsigned n_naming;
    char versions[16];   /* "2,3" */
    char vendor_name[64];
    char vendor_version[64];
    bool openldap;       /* objectClass OpenLDAProotDSE */
};

/* Parses the LDAPMessages of one search (messageID id) in d: 1 when at least one message of
 * it parsed (*out filled), 0 otherwise. */
int ldap_parse_search(const unsigned char *d, size_t n, uint8_t id, struct ldap_search *out);

/* "key: value" lines for the signature table, from the root DSE search and (may be NULL) the
 * naming-context search:
 *   "LDAP rootDSE\nresult: 0\nobjectClass: OpenLDAProotDSE\nsupportedLDAPVersion: 3\n"
 *   "namingContexts: dc=example,dc=org\nvendorName: ...\nvendorVersion: ...\n"
 *   "anonymousRead: yes\n"
 * Returns the length written (NUL-terminated, cut at cap). */
size_t ldap_describe(const struct ldap_search *root, const struct ldap_search *base, char *out,
                     size_t cap);

#endif
