/* Requests and bounded parsers for SMB, RDP, Telnet and HTTP details (probe_proto.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scanner/probe_proto.h"

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

/* ---- SMB -------------------------------------------------------------------------------- */

#define NBSS 4
#define SMB2_HDR 64

static const uint16_t smb2_dialects[] = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};
#define N_DIALECTS (sizeof smb2_dialects / sizeof smb2_dialects[0])

size_t smb2_negotiate_request(unsigned char *out, size_t cap)
{
    /* NEGOTIATE body: 36 fixed bytes, the dialects, padding to 8, one negotiate context
     * (PREAUTH_INTEGRITY_CAPABILITIES: SHA-512, 32-byte salt), required with 3.1.1. */
    size_t dial_end = SMB2_HDR + 36 + 2 * N_DIALECTS;
    size_t ctx_off = (dial_end + 7) & ~(size_t)7;
    size_t ctx_data = 2 + 2 + 2 + 32;
    size_t len = ctx_off + 8 + ctx_data;
    if (cap < NBSS + len)
        return 0;
    memset(out, 0, NBSS + len);
    out[1] = (unsigned char)(len >> 16);
    out[2] = (unsigned char)(len >> 8);
    out[3] = (unsigned char)len;
    unsigned char *h = out + NBSS;
    memcpy(h, "\xfeSMB", 4);
    put16(h + 4, 64);  /* StructureSize */
    put16(h + 12, 0);  /* Command NEGOTIATE */
    put16(h + 14, 1);  /* CreditRequest */
    unsigned char *b = h + SMB2_HDR;
    put16(b, 36);                     /* StructureSize */
    put16(b + 2, N_DIALECTS);         /* DialectCount */
    put16(b + 4, SMB2_SIGNING_ENABLED);
    put32(b + 8, 0);                  /* Capabilities */
    memcpy(b + 12, "riskmap-probe-01", 16); /* ClientGuid */
    put32(b + 28, (uint32_t)ctx_off); /* NegotiateContextOffset, from the SMB2 header */
    put16(b + 32, 1);                 /* NegotiateContextCount */
    for (size_t i = 0; i < N_DIALECTS; i++)
        put16(b + 36 + 2 * i, smb2_dialects[i]);
    unsigned char *c = h + ctx_off;
    put16(c, 1); /* SMB2_PREAUTH_INTEGRITY_CAPABILITIES */
    put16(c + 2, (uint16_t)ctx_data);
    put16(c + 8, 1);      /* HashAlgorithmCount */
    put16(c + 10, 32);    /* SaltLength */
    put16(c + 12, 0x0001); /* SHA-512 */
    memcpy(c + 14, "riskmap-smb2-negotiate-salt-0001", 32);
    return NBSS + len;
}

size_t smb1_negotiate_request(unsigned char *out, size_t cap)
{
    static const char dialect[] = "\x02NT LM 0.12"; /* buffer format 2, the name, its NUL */
    size_t bytes = sizeof dialect;                  /* includes the NUL */
    size_t len = 32 + 1 + 2 + bytes;
    if (cap < NBSS + len)
        return 0;
    memset(out, 0, NBSS + len);
    out[3] = (unsigned char)len;
    unsigned char *h = out + NBSS;
    memcpy(h, "\xffSMB", 4);
    h[4] = 0x72;            /* SMB_COM_NEGOTIATE */
    h[9] = 0x18;            /* Flags: canonicalised paths, case-insensitive */
    put16(h + 10, 0xc001);  /* Flags2: unicode, NT status, long names */
    put16(h + 26, 0xfeff);  /* PIDLow */
    h[32] = 0;              /* WordCount */
    put16(h + 33, (uint16_t)bytes);
    memcpy(h + 35, dialect, bytes);
    return NBSS + len;
}

bool nbss_complete(const unsigned char *d, size_t n)
{
    if (n < NBSS)
        return false;
    size_t len = (size_t)(d[1] & 1) << 16 | (size_t)d[2] << 8 | d[3];
    return n >= NBSS + len;
}

/* The SMB message of a NetBIOS session message in d: pointer and length within n. */
static const unsigned char *nbss_payload(const unsigned char *d, size_t n, size_t *len)
{
    if (n < NBSS || d[0] != 0x00) /* session message */
        return NULL;
    size_t l = (size_t)(d[1] & 1) << 16 | (size_t)d[2] << 8 | d[3];
    if (l > n - NBSS)
        l = n - NBSS; /* cut by our read bound: parse what is there, bounded by n */
    *len = l;
    return d + NBSS;
}

int smb2_parse_negotiate(const unsigned char *d, size_t n, struct smb2_neg *out)
{
    size_t l;
    const unsigned char *h = nbss_payload(d, n, &l);
    if (!h || l < SMB2_HDR + 8 || memcmp(h, "\xfeSMB", 4) != 0 || le16(h + 4) != 64)
        return 0;
    if (le32(h + 8) != 0 || le16(h + 12) != 0 || !(le32(h + 16) & 1)) /* status, command, response */
        return 0;
    const unsigned char *b = h + SMB2_HDR;
    if (le16(b) != 65)
        return 0;
    out->security_mode = le16(b + 2);
    out->dialect = le16(b + 4);
    return 1;
}

size_t smb2_session_setup_request(unsigned char *out, size_t cap)
{
    size_t len = SMB2_HDR + 24 + NTLM_NEGOTIATE_LEN;
    if (cap < NBSS + len)
        return 0;
    memset(out, 0, NBSS + len);
    out[2] = (unsigned char)(len >> 8);
    out[3] = (unsigned char)len;
    unsigned char *h = out + NBSS;
    memcpy(h, "\xfeSMB", 4);
    put16(h + 4, 64); /* StructureSize */
    put16(h + 12, 1); /* Command SESSION_SETUP */
    put16(h + 14, 1); /* CreditRequest */
    put32(h + 24, 1); /* MessageId 1: the negotiate was 0 */
    unsigned char *b = h + SMB2_HDR;
    put16(b, 25);                             /* StructureSize */
    b[3] = SMB2_SIGNING_ENABLED;              /* SecurityMode */
    put16(b + 12, SMB2_HDR + 24);             /* SecurityBufferOffset, from the SMB2 header */
    put16(b + 14, (uint16_t)NTLM_NEGOTIATE_LEN); /* SecurityBufferLength */
    ntlm_negotiate(b + 24, NTLM_NEGOTIATE_LEN);
    return NBSS + len;
}

int smb2_parse_ntlm_challenge(const unsigned char *d, size_t n, struct ntlm_challenge *out)
{
    size_t l;
    const unsigned char *h = nbss_payload(d, n, &l);
    if (!h || l < SMB2_HDR + 8 || memcmp(h, "\xfeSMB", 4) != 0 || le16(h + 4) != 64 ||
        le16(h + 12) != 1 || !(le32(h + 16) & 1)) /* SESSION_SETUP, a response */
        return 0;
    const unsigned char *b = h + SMB2_HDR;
    if (le16(b) != 9)
        return 0;
    size_t off = le16(b + 4), blen = le16(b + 6);
    if (off < SMB2_HDR + 8 || off > l || blen > l - off)
        return 0;
    /* The CHALLENGE may come bare or inside SPNEGO. */
    return ntlm_find_challenge(h + off, blen, out);
}

int smb1_parse_negotiate(const unsigned char *d, size_t n)
{
    size_t l;
    const unsigned char *h = nbss_payload(d, n, &l);
    if (!h || l < 32 + 1 + 2 || memcmp(h, "\xffSMB", 4) != 0 || h[4] != 0x72)
        return 0;
    if (le32(h + 5) != 0) /* NT status (or DOS error class/code): not 0 means refused */
        return 0;
    unsigned wc = h[32];
    if (wc == 0 || l < 32 + 1 + 2 * (size_t)wc)
        return 0;
    return le16(h + 33) == 0; /* DialectIndex: ours is 0; 0xffff = none acceptable */
}

const char *smb2_dialect_str(uint16_t dialect)
{
    switch (dialect) {
    case 0x0202: return "2.0.2";
    case 0x0210: return "2.1";
    case 0x0300: return "3.0";
    case 0x0302: return "3.0.2";
    case 0x0311: return "3.1.1";
    case 0x02ff: return "2.???";
    }
    return "unknown";
}

/* ---- RDP -------------------------------------------------------------------------------- */

size_t rdp_request(uint32_t protocols, unsigned char *out, size_t cap)
{
    static const unsigned char head[] = {
        0x03, 0x00, 0x00, 0x13,             /* TPKT: version 3, length 19 */
        0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, /* X.224 CR: LI 14, CR-CDT, DST-REF, SRC-REF */
        0x00,                               /* class 0 */
        0x01, 0x00, 0x08, 0x00,             /* RDP_NEG_REQ, flags, length 8 */
    };
    if (cap < sizeof head + 4)
        return 0;
    memcpy(out, head, sizeof head);
    put32(out + sizeof head, protocols);
    return sizeof head + 4;
}

size_t rdp_tls_hello(unsigned char *out, size_t cap)
{
    /* A plain TLS 1.2 ClientHello: record header, handshake header, version, a fixed random
     * (identification needs no secrecy), no session id, five common suites plus the
     * renegotiation SCSV, null compression, no extensions. */
    static const uint16_t suites[] = {0xc02f, 0xc030, 0x009c, 0x002f, 0x0035, 0x00ff};
    size_t ns = sizeof suites / sizeof suites[0];
    size_t body = 2 + 32 + 1 + 2 + 2 * ns + 2; /* ClientHello body */
    size_t len = 5 + 4 + body;
    if (cap < len)
        return 0;
    unsigned char *p = out;
    *p++ = 0x16; /* handshake record */
    *p++ = 0x03;
    *p++ = 0x01;
    *p++ = (unsigned char)((4 + body) >> 8);
    *p++ = (unsigned char)(4 + body);
    *p++ = 0x01; /* ClientHello */
    *p++ = 0x00;
    *p++ = (unsigned char)(body >> 8);
    *p++ = (unsigned char)body;
    *p++ = 0x03;
    *p++ = 0x03;
    memcpy(p, "riskmap-rdp-identification-00001", 32);
    p += 32;
    *p++ = 0x00; /* session id length */
    *p++ = (unsigned char)((2 * ns) >> 8);
    *p++ = (unsigned char)(2 * ns);
    for (size_t i = 0; i < ns; i++) {
        *p++ = (unsigned char)(suites[i] >> 8);
        *p++ = (unsigned char)suites[i];
    }
    *p++ = 0x01; /* one compression method: null */
    *p++ = 0x00;
    return (size_t)(p - out);
}

bool tpkt_complete(const unsigned char *d, size_t n)
{
    if (n < 4 || d[0] != 0x03)
        return n > 0 && d[0] != 0x03; /* not TPKT at all: nothing more to wait for */
    size_t len = (size_t)d[2] << 8 | d[3];
    return n >= len;
}

int rdp_parse_cc(const unsigned char *d, size_t n, struct rdp_cc *out)
{
    if (n < 11 || d[0] != 0x03 || d[1] != 0x00)
        return 0;
    size_t tlen = (size_t)d[2] << 8 | d[3];
    if (tlen < 11 || tlen > n)
        return 0;
    size_t li = d[4];
    if ((d[5] & 0xf0) != 0xd0 || li < 6 || 5 + li > tlen) /* CC-TPDU */
        return 0;
    out->kind = RDP_CC_NONE;
    out->value = 0;
    if (li >= 6 + 8) {
        const unsigned char *g = d + 11;
        if (le16(g + 2) != 8)
            return 0;
        if (g[0] == 0x02)
            out->kind = RDP_CC_SELECTED;
        else if (g[0] == 0x03)
            out->kind = RDP_CC_FAILURE;
        else
            return 0;
        out->value = le32(g + 4);
    }
    return 1;
}

/* ---- Telnet ----------------------------------------------------------------------------- */

enum { IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240 };

size_t telnet_strip(const unsigned char *d, size_t n, unsigned char *out, size_t cap,
                    unsigned *iac, unsigned char *reply, size_t reply_cap, size_t *reply_len)
{
    size_t o = 0, r = 0;
    *iac = 0;
    for (size_t i = 0; i < n;) {
        if (d[i] != IAC) {
            if (o < cap)
                out[o++] = d[i];
            i++;
            continue;
        }
        if (i + 1 >= n)
            break; /* a lone IAC at the end: cut */
        unsigned char cmd = d[i + 1];
        if (cmd == IAC) { /* an escaped 0xff data byte */
            if (o < cap)
                out[o++] = IAC;
            i += 2;
            continue;
        }
        (*iac)++;
        if (cmd >= WILL && cmd <= DONT) {
            if (i + 2 >= n)
                break;
            if (reply && (cmd == WILL || cmd == DO) && r + 3 <= reply_cap) {
                reply[r++] = IAC;
                reply[r++] = cmd == WILL ? DONT : WONT;
                reply[r++] = d[i + 2];
            }
            i += 3;
        } else if (cmd == SB) { /* up to IAC SE, or the end */
            i += 2;
            while (i < n && !(d[i] == IAC && i + 1 < n && d[i + 1] == SE))
                i++;
            i = i < n ? i + 2 : n;
        } else {
            i += 2;
        }
    }
    if (reply_len)
        *reply_len = r;
    return o;
}

/* ---- VNC (RFB) -------------------------------------------------------------------------- */

const char *rfb_client_version(const unsigned char *d, size_t n)
{
    if (n < 12 || memcmp(d, "RFB ", 4) != 0 || d[7] != '.' || d[11] != '\n')
        return NULL;
    for (int i = 4; i < 11; i++)
        if (i != 7 && (d[i] < '0' || d[i] > '9'))
            return NULL;
    unsigned major = (unsigned)((d[4] - '0') * 100 + (d[5] - '0') * 10 + (d[6] - '0'));
    unsigned minor = (unsigned)((d[8] - '0') * 100 + (d[9] - '0') * 10 + (d[10] - '0'));
    if (major > 3 || (major == 3 && minor >= 8))
        return "RFB 003.008\n";
    if (major == 3 && minor == 7)
        return "RFB 003.007\n";
    return "RFB 003.003\n";
}

static const char *rfb_type(unsigned t)
{
    switch (t) {
    case 1: return "None";
    case 2: return "VNC Authentication";
    case 5: return "RA2";
    case 6: return "RA2ne";
    case 16: return "Tight";
    case 17: return "Ultra";
    case 18: return "TLS";
    case 19: return "VeNCrypt";
    case 30: return "Apple Remote Desktop";
    }
    return NULL;
}

bool rfb_security_types(const unsigned char *d, size_t n, unsigned minor, char *out, size_t cap)
{
    if (cap == 0)
        return false;
    out[0] = '\0';
    if (minor < 7) { /* 3.3: the server chooses, one 32-bit type */
        if (n < 4)
            return false;
        uint32_t t = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        const char *name = t == 0 ? "none (connection refused)" : rfb_type(t);
        if (name)
            snprintf(out, cap, "%s", name);
        else
            snprintf(out, cap, "type %u", (unsigned)t);
        return true;
    }
    if (n < 1)
        return false;
    unsigned count = d[0];
    if (count == 0) {
        snprintf(out, cap, "none (connection refused)");
        return true;
    }
    if (n < 1 + (size_t)count)
        return false;
    size_t o = 0;
    for (unsigned i = 0; i < count; i++) {
        char tmp[24];
        const char *name = rfb_type(d[1 + i]);
        if (!name) {
            snprintf(tmp, sizeof tmp, "type %u", (unsigned)d[1 + i]);
            name = tmp;
        }
        int w = snprintf(out + o, cap - o, "%s%s", i ? ", " : "", name);
        if (w < 0 || (size_t)w >= cap - o) {
            out[o] = '\0'; /* cut at a whole name */
            break;
        }
        o += (size_t)w;
    }
    return true;
}

/* ---- HTTP ------------------------------------------------------------------------------- */

/* Copies [s, e) printable, whitespace collapsed and trimmed, bounded by cap. */
static bool clean_copy(const unsigned char *s, const unsigned char *e, char *out, size_t cap)
{
    size_t o = 0;
    bool space = false;
    if (cap == 0)
        return false;
    for (; s < e && o + 1 < cap; s++) {
        unsigned char ch = *s;
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            space = o > 0;
            continue;
        }
        if (ch < 0x20 || ch >= 0x7f)
            continue;
        if (space && o + 2 < cap)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return o > 0;
}

static const unsigned char *find_ci(const unsigned char *d, size_t n, const char *s)
{
    size_t l = strlen(s);
    for (size_t i = 0; l <= n && i <= n - l; i++)
        if (strncasecmp((const char *)d + i, s, l) == 0)
            return d + i;
    return NULL;
}

bool http_title(const unsigned char *d, size_t n, char *out, size_t cap)
{
    const unsigned char *t = find_ci(d, n, "<title");
    if (!t)
        return false;
    const unsigned char *end = d + n;
    t += 6;
    while (t < end && *t != '>') /* attributes */
        t++;
    if (t >= end)
        return false;
    t++;
    const unsigned char *c = find_ci(t, (size_t)(end - t), "</title");
    return clean_copy(t, c ? c : end, out, cap);
}

bool http_location(const unsigned char *d, size_t n, char *out, size_t cap)
{
    /* The head ends at the first empty line. */
    size_t head = n;
    for (size_t i = 0; i + 3 < n; i++)
        if (memcmp(d + i, "\r\n\r\n", 4) == 0) {
            head = i + 2;
            break;
        }
    const unsigned char *p = d;
    while ((p = find_ci(p, (size_t)(d + head - p), "\nLocation:")) != NULL) {
        p += 10;
        const unsigned char *e = p;
        while (e < d + head && *e != '\r' && *e != '\n')
            e++;
        return clean_copy(p, e, out, cap);
    }
    return false;
}
