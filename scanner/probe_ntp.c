/* NTP client request and server answer (probe_ntp.h), after RFC 5905. */
#include <stdio.h>
#include <string.h>

#include "scanner/probe_ntp.h"

size_t ntp_client_request(uint64_t nonce, unsigned char *out, size_t cap)
{
    if (cap < NTP_PACKET)
        return 0;
    memset(out, 0, NTP_PACKET);
    out[0] = 0 << 6 | 4 << 3 | 3; /* no leap warning, version 4, mode 3 (client) */
    for (int i = 0; i < 8; i++)
        out[40 + i] = (unsigned char)(nonce >> (56 - 8 * i));
    return NTP_PACKET;
}

int ntp_parse_reply(const unsigned char *d, size_t n, uint64_t nonce, struct ntp_reply *out)
{
    memset(out, 0, sizeof *out);
    if (n < NTP_PACKET)
        return 0;
    out->leap = d[0] >> 6;
    out->version = d[0] >> 3 & 7;
    out->mode = d[0] & 7;
    out->stratum = d[1];
    if (out->mode != 4 || out->version == 0)
        return 0;
    for (int i = 0; i < 8; i++) /* origin timestamp = our transmit timestamp */
        if (d[24 + i] != (unsigned char)(nonce >> (56 - 8 * i)))
            return 0;
    const unsigned char *r = d + 12;
    if (out->stratum <= 1) {
        size_t o = 0;
        for (int i = 0; i < 4 && r[i]; i++)
            if (r[i] >= 0x20 && r[i] < 0x7f)
                out->refid[o++] = (char)r[i];
        out->refid[o] = '\0';
    } else {
        snprintf(out->refid, sizeof out->refid, "%u.%u.%u.%u", r[0], r[1], r[2], r[3]);
    }
    return 1;
}

size_t ntp_describe(const struct ntp_reply *r, char *out, size_t cap)
{
    int w = snprintf(out, cap, "NTP\nversion: %u\nmode: %u\nstratum: %u\nleap: %u\nrefid: %s\n",
                     r->version, r->mode, r->stratum, r->leap, r->refid);
    if (w < 0 || cap == 0)
        return 0;
    return (size_t)w < cap ? (size_t)w : cap - 1;
}
