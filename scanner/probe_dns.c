/* DNS version.bind query and answer (probe_dns.h), after RFC 1035. */
#include <stdio.h>
#include <string.h>

#include "scanner/probe_dns.h"

#define DNS_HDR 12
#define TYPE_TXT 16
#define CLASS_CH 3

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

size_t dns_version_query(uint16_t id, unsigned char *out, size_t cap)
{
    static const unsigned char q[] = {7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 4, 'b', 'i', 'n',
                                      'd', 0, 0, TYPE_TXT, 0, CLASS_CH};
    if (cap < DNS_HDR + sizeof q)
        return 0;
    memset(out, 0, DNS_HDR);
    out[0] = (unsigned char)(id >> 8);
    out[1] = (unsigned char)id;
    /* flags 0: a standard query, no recursion wanted */
    out[5] = 1; /* QDCOUNT */
    memcpy(out + DNS_HDR, q, sizeof q);
    return DNS_HDR + sizeof q;
}

/* Skips a (possibly compressed) name at offset i; returns the offset after it, 0 if
 * malformed. A pointer ends the name where it stands: it is never followed. */
static size_t skip_name(const unsigned char *d, size_t n, size_t i)
{
    for (unsigned labels = 0; i < n && labels < 128; labels++) {
        unsigned char l = d[i];
        if (l == 0)
            return i + 1;
        if ((l & 0xc0) == 0xc0)
            return i + 2 <= n ? i + 2 : 0;
        if (l & 0xc0)
            return 0;
        i += 1 + (size_t)l;
    }
    return 0;
}

int dns_parse_reply(const unsigned char *d, size_t n, uint16_t id, struct dns_reply *out)
{
    memset(out, 0, sizeof *out);
    if (n < DNS_HDR || be16(d) != id || !(d[2] & 0x80)) /* our id, QR = response */
        return 0;
    out->id = id;
    out->authoritative = d[2] & 0x04;
    out->rcode = d[3] & 0x0f;
    unsigned qd = be16(d + 4), an = be16(d + 6);
    out->answers = an;
    size_t i = DNS_HDR;
    for (unsigned q = 0; q < qd && q < 16; q++) {
        if (!(i = skip_name(d, n, i)) || n - i < 4)
            return 1; /* the header said enough: a DNS server */
        i += 4;
    }
    for (unsigned a = 0; a < an && a < 32 && !out->have_txt; a++) {
        if (!(i = skip_name(d, n, i)) || n - i < 10)
            break;
        uint16_t type = be16(d + i);
        size_t rdlen = be16(d + i + 8);
        i += 10;
        if (rdlen > n - i)
            break;
        if (type == TYPE_TXT) {
            size_t o = 0;
            for (size_t j = i; j < i + rdlen;) {
                size_t sl = d[j++];
                for (size_t k = 0; k < sl && j < i + rdlen; k++, j++)
                    if (d[j] >= 0x20 && d[j] < 0x7f && o + 1 < sizeof out->txt)
                        out->txt[o++] = (char)d[j];
            }
            out->txt[o] = '\0';
            out->have_txt = true;
        }
        i += rdlen;
    }
    return 1;
}

size_t dns_describe(const struct dns_reply *r, char *out, size_t cap)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED"};
    char rc[16];
    if (r->rcode < sizeof names / sizeof names[0])
        snprintf(rc, sizeof rc, "%s", names[r->rcode]);
    else
        snprintf(rc, sizeof rc, "RCODE%u", r->rcode);
    int w = snprintf(out, cap, "DNS\nrcode: %s\n%s%s%s", rc,
                     r->have_txt ? "version.bind: " : "", r->have_txt ? r->txt : "",
                     r->have_txt ? "\n" : "");
    if (w < 0 || cap == 0)
        return 0;
    return (size_t)w < cap ? (size_t)w : cap - 1;
}
