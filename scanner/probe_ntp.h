/* NTP (UDP 123): a mode 3 (client) request carrying a random transmit timestamp, and a
 * bounded parser of the mode 4 (server) answer, which must echo that timestamp as its origin
 * (so that a stray or forged packet is not taken for an answer). Pure functions. */
#ifndef RISKMAP_PROBE_NTP_H
#define RISKMAP_PROBE_NTP_H

#include <stddef.h>
#include <stdint.h>

#define NTP_PACKET 48

/* Writes the 48-byte request with `nonce` as its transmit timestamp; 0 if cap is too small. */
size_t ntp_client_request(uint64_t nonce, unsigned char *out, size_t cap);

struct ntp_reply {
    unsigned leap;     /* 0..3; 3 = clock not synchronised */
    unsigned version;  /* 1..7 */
    unsigned mode;     /* 4 server */
    unsigned stratum;  /* 0 unspecified / kiss-o'-death, 1 primary, 2..15 */
    char refid[16];    /* stratum 0-1: the four ASCII characters; else a dotted IPv4 address */
};
/* 1 (*out filled) when d is a server answer to the request carrying nonce, 0 otherwise. */
int ntp_parse_reply(const unsigned char *d, size_t n, uint64_t nonce, struct ntp_reply *out);

/* "NTP\nversion: 4\nmode: 4\nstratum: 8\nleap: 0\nrefid: 127.127.1.1\n" for the signature
 * table. Returns the length written (NUL-terminated, cut at cap). */
size_t ntp_describe(const struct ntp_reply *r, char *out, size_t cap);

#endif
