/* BER headers and bounded element reads (ber.h). */
#include "scanner/ber.h"

size_t ber_read(const unsigned char *d, size_t n, struct ber *b)
{
    if (n < 2)
        return 0;
    b->tag = d[0];
    size_t i = 2, len = d[1];
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || n < 2 + k)
            return 0;
        len = 0;
        for (size_t j = 0; j < k; j++)
            len = len << 8 | d[2 + j];
        i = 2 + k;
    }
    if (len > n - i)
        return 0;
    b->v = d + i;
    b->len = len;
    return i + len;
}

long ber_int(const struct ber *b)
{
    if (b->len == 0 || b->len > 4)
        return -1;
    long v = 0;
    for (size_t i = 0; i < b->len; i++)
        v = v << 8 | b->v[i];
    return v;
}

size_t ber_hdr_size(size_t len)
{
    return len < 0x80 ? 2 : len < 0x100 ? 3 : 4;
}

size_t ber_hdr(unsigned char *out, unsigned char tag, size_t len)
{
    out[0] = tag;
    if (len < 0x80) {
        out[1] = (unsigned char)len;
        return 2;
    }
    if (len < 0x100) {
        out[1] = 0x81;
        out[2] = (unsigned char)len;
        return 3;
    }
    out[1] = 0x82;
    out[2] = (unsigned char)(len >> 8);
    out[3] = (unsigned char)len;
    return 4;
}
