/* The few pieces of ASN.1 BER that LDAP and SNMP requests and answers need: definite-length
 * headers written and elements read, every read bounded by the bytes held. */
#ifndef RISKMAP_BER_H
#define RISKMAP_BER_H

#include <stddef.h>

struct ber {
    unsigned char tag;
    const unsigned char *v; /* the content */
    size_t len;
};

/* One element at d (n bytes): its total size, or 0 when malformed, indefinite, with more than
 * 4 length bytes or running past n. Only single-byte tags. */
size_t ber_read(const unsigned char *d, size_t n, struct ber *b);
/* An INTEGER or ENUMERATED value of 1 to 4 bytes (non-negative reading), or -1. */
long ber_int(const struct ber *b);

/* The size of a header for a content of len bytes (len < 65536). */
size_t ber_hdr_size(size_t len);
/* Writes tag and definite length (short form, 0x81 or 0x82) at out; returns its size. */
size_t ber_hdr(unsigned char *out, unsigned char tag, size_t len);

#endif
