/* TDS PRELOGIN request and answer (probe_mssql.h), after [MS-TDS] 2.2.6.5. */
#include <stdio.h>
#include <string.h>

#include "scanner/probe_mssql.h"

#define TDS_HDR 8
#define TDS_PRELOGIN 0x12
#define TDS_REPLY 0x04

enum { OPT_VERSION = 0, OPT_ENCRYPTION = 1, OPT_INSTOPT = 2, OPT_THREADID = 3, OPT_MARS = 4,
       OPT_TERMINATOR = 0xff };

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

size_t mssql_prelogin_request(unsigned char *out, size_t cap)
{
    /* Options VERSION (6), ENCRYPTION (1), INSTOPT (1: an empty instance name), THREADID (4),
     * MARS (1): five 5-byte tokens and the terminator, then their data. */
    static const struct {
        unsigned char token;
        unsigned char len;
    } opts[] = {{OPT_VERSION, 6}, {OPT_ENCRYPTION, 1}, {OPT_INSTOPT, 1}, {OPT_THREADID, 4},
                {OPT_MARS, 1}};
    const size_t n_opts = sizeof opts / sizeof opts[0];
    size_t data_off = n_opts * 5 + 1, data_len = 0;
    for (size_t i = 0; i < n_opts; i++)
        data_len += opts[i].len;
    size_t len = TDS_HDR + data_off + data_len;
    if (cap < len)
        return 0;
    memset(out, 0, len);
    out[0] = TDS_PRELOGIN;
    out[1] = 0x01; /* end of message */
    out[2] = (unsigned char)(len >> 8);
    out[3] = (unsigned char)len;
    out[6] = 1; /* packet id */
    unsigned char *p = out + TDS_HDR;
    size_t off = data_off;
    for (size_t i = 0; i < n_opts; i++) {
        p[5 * i] = opts[i].token;
        p[5 * i + 1] = (unsigned char)(off >> 8);
        p[5 * i + 2] = (unsigned char)off;
        p[5 * i + 4] = opts[i].len;
        off += opts[i].len;
    }
    p[5 * n_opts] = OPT_TERMINATOR;
    /* Our data is all zero: client version 0.0.0, ENCRYPT_OFF, default instance, thread 0,
     * MARS off. */
    return len;
}

bool tds_complete(const unsigned char *d, size_t n)
{
    if (n == 0)
        return false;
    if (d[0] != TDS_REPLY)
        return true; /* not a TDS answer: nothing more to wait for */
    if (n < TDS_HDR)
        return false;
    return n >= be16(d + 2);
}

int mssql_parse_prelogin_payload(const unsigned char *p, size_t n, struct mssql_prelogin *out)
{
    memset(out, 0, sizeof *out);
    out->encryption = -1;
    bool terminated = false;
    for (size_t i = 0; i < n; i += 5) {
        if (p[i] == OPT_TERMINATOR) {
            terminated = true;
            break;
        }
        if (n - i < 5)
            return 0;
        size_t off = be16(p + i + 1), len = be16(p + i + 3);
        if (off > n || len > n - off)
            return 0;
        const unsigned char *v = p + off;
        if (p[i] == OPT_VERSION && len >= 6) {
            out->have_version = true;
            out->major = v[0];
            out->minor = v[1];
            out->build = be16(v + 2);
            out->subbuild = be16(v + 4);
        } else if (p[i] == OPT_ENCRYPTION && len >= 1) {
            out->encryption = v[0];
        }
    }
    return terminated;
}

int mssql_parse_prelogin(const unsigned char *d, size_t n, struct mssql_prelogin *out)
{
    if (n < TDS_HDR || d[0] != TDS_REPLY)
        return 0;
    size_t len = be16(d + 2);
    if (len < TDS_HDR || len > n)
        return 0;
    return mssql_parse_prelogin_payload(d + TDS_HDR, len - TDS_HDR, out);
}

size_t mssql_describe(const struct mssql_prelogin *pl, char *out, size_t cap)
{
    static const char *const enc[] = {"off", "on", "not supported", "required"};
    char e[8];
    const char *es = NULL;
    if (pl->encryption >= 0 && pl->encryption < 4) {
        es = enc[pl->encryption];
    } else if (pl->encryption >= 0) {
        snprintf(e, sizeof e, "0x%02x", (unsigned)pl->encryption & 0xffu);
        es = e;
    }
    char ver[64] = "";
    if (pl->have_version)
        snprintf(ver, sizeof ver, "version: %u.%u.%u\nsubbuild: %u\n", (unsigned)pl->major,
                 (unsigned)pl->minor, (unsigned)pl->build, (unsigned)pl->subbuild);
    int w = snprintf(out, cap, "TDS PRELOGIN\n%s%s%s%s", ver, es ? "encryption: " : "",
                     es ? es : "", es ? "\n" : "");
    if (w < 0)
        return 0;
    return (size_t)w < cap ? (size_t)w : cap ? cap - 1 : 0;
}
