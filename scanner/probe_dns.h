/* DNS (UDP 53): a query for version.bind in class CHAOS, type TXT (the name servers' own
 * convention for their version), and a bounded parser of the answer. Any well-formed answer
 * to our id means a DNS server, whether it tells its version or refuses. Pure functions. */
#ifndef RISKMAP_PROBE_DNS_H
#define RISKMAP_PROBE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns the query's length, 0 if cap is too small. */
size_t dns_version_query(uint16_t id, unsigned char *out, size_t cap);

struct dns_reply {
    uint16_t id;
    unsigned rcode;     /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 4 NOTIMP, 5 REFUSED, ... */
    bool authoritative;
    unsigned answers;
    bool have_txt;
    char txt[128];      /* the first TXT answer's strings, printable, joined, cut */
};
/* Parses an answer to dns_version_query(id): 1 (*out filled) or 0 not one (wrong id, a
 * query, malformed). */
int dns_parse_reply(const unsigned char *d, size_t n, uint16_t id, struct dns_reply *out);

/* "key: value" lines for the signature table:
 *   "DNS\nrcode: NOERROR\nversion.bind: dnsmasq-2.89\n" (the last line only with a TXT).
 * Returns the length written (NUL-terminated, cut at cap). */
size_t dns_describe(const struct dns_reply *r, char *out, size_t cap);

#endif
