/* CredSSP TSRequest written and read (probe_credssp.h). */
#include <string.h>

#include "scanner/ber.h"
#include "scanner/ntlm.h"
#include "scanner/probe_credssp.h"

#define TAG_INTEGER 0x02
#define TAG_OCTETS 0x04
#define TAG_SEQUENCE 0x30
#define TAG_CTX(n) (0xa0 | (n)) /* [n], constructed */

/* What current clients send (6: since the CVE-2018-0886 fix); the server answers with
 * its own, at most ours. */
#define CREDSSP_VERSION 6

size_t credssp_request(unsigned char *out, size_t cap)
{
    unsigned char ntlm[NTLM_NEGOTIATE_LEN];
    size_t nl = ntlm_negotiate(ntlm, sizeof ntlm);
    /* TSRequest { version [0] INTEGER, negoTokens [1] SEQUENCE OF SEQUENCE { [0] OCTET
     * STRING } }, every piece shorter than 128 bytes: short-form lengths throughout. */
    size_t octets = 2 + nl, token = 2 + octets, item = 2 + token, list = 2 + item,
           tokens = 2 + list, body = 5 + tokens, total = 2 + body;
    if (cap < total)
        return 0;
    unsigned char *p = out;
    p += ber_hdr(p, TAG_SEQUENCE, body);
    p += ber_hdr(p, TAG_CTX(0), 3);
    p += ber_hdr(p, TAG_INTEGER, 1);
    *p++ = CREDSSP_VERSION;
    p += ber_hdr(p, TAG_CTX(1), list);
    p += ber_hdr(p, TAG_SEQUENCE, item);
    p += ber_hdr(p, TAG_SEQUENCE, token);
    p += ber_hdr(p, TAG_CTX(0), octets);
    p += ber_hdr(p, TAG_OCTETS, nl);
    memcpy(p, ntlm, nl);
    return total;
}

bool credssp_complete(const unsigned char *d, size_t n)
{
    if (n == 0)
        return false;
    if (d[0] != TAG_SEQUENCE)
        return true; /* not a TSRequest: nothing to wait for */
    if (n < 2)
        return false;
    size_t k = d[1] & 0x80 ? d[1] & 0x7fu : 0, len = d[1];
    if (k == 0 && (d[1] & 0x80))
        return true; /* indefinite: not DER */
    if (k > 4)
        return true;
    if (n < 2 + k)
        return false;
    if (k) {
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | d[2 + i];
    }
    return len <= n - 2 - k;
}

/* An INTEGER of up to 32 bits read as unsigned: NTSTATUS codes come as four bytes with the
 * top bit set (negative in DER) or as five with a leading zero. */
static bool der_u32(const struct ber *b, uint32_t *out)
{
    const unsigned char *v = b->v;
    size_t l = b->len;
    if (b->tag != TAG_INTEGER || l == 0 || l > 5 || (l == 5 && v[0] != 0))
        return false;
    uint32_t x = 0;
    for (size_t i = 0; i < l; i++)
        x = x << 8 | v[i];
    *out = x;
    return true;
}

/* The content of the element inside a context tag ([n] { element }): 1 when it has tag
 * `tag` (*inner filled), 0 otherwise. */
static int inner(const struct ber *ctx, unsigned char tag, struct ber *in)
{
    return ber_read(ctx->v, ctx->len, in) && in->tag == tag;
}

int credssp_parse(const unsigned char *d, size_t n, struct credssp_answer *out)
{
    struct ber req, f, x;
    if (!ber_read(d, n, &req) || req.tag != TAG_SEQUENCE)
        return 0;
    memset(out, 0, sizeof *out);
    bool have_version = false;
    const unsigned char *p = req.v;
    size_t left = req.len, k;
    while (left > 0 && (k = ber_read(p, left, &f)) != 0) {
        uint32_t u;
        if (f.tag == TAG_CTX(0) && inner(&f, TAG_INTEGER, &x) && der_u32(&x, &u)) {
            out->version = u;
            have_version = true;
        } else if (f.tag == TAG_CTX(1) && !out->token && inner(&f, TAG_SEQUENCE, &x)) {
            /* NegoData: the first item's [0] OCTET STRING. */
            struct ber item, tok, octets;
            if (ber_read(x.v, x.len, &item) && item.tag == TAG_SEQUENCE &&
                ber_read(item.v, item.len, &tok) && tok.tag == TAG_CTX(0) &&
                inner(&tok, TAG_OCTETS, &octets)) {
                out->token = octets.v;
                out->token_len = octets.len;
            }
        } else if (f.tag == TAG_CTX(4) && inner(&f, TAG_INTEGER, &x) && der_u32(&x, &u)) {
            out->error = u;
            out->have_error = true;
        }
        p += k;
        left -= k;
    }
    return have_version;
}
