/* The report writers' text buffer and escaping (see hbuf.h). */
#include "reports/hbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct hbuf *b, size_t more)
{
    if (b->oom)
        return false;
    if (b->n + more + 1 <= b->cap)
        return true;
    size_t nc = b->cap ? b->cap : 65536;
    while (nc < b->n + more + 1)
        nc *= 2;
    char *p = realloc(b->p, nc);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = nc;
    return true;
}

void hb_reserve(struct hbuf *b, size_t n)
{
    if (b->oom || b->n + n + 1 <= b->cap)
        return;
    char *p = realloc(b->p, b->n + n + 1);
    if (p) { /* else the buffer grows as it goes, as without */
        b->p = p;
        b->cap = b->n + n + 1;
    }
}

void hb_putn(struct hbuf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void hb_put(struct hbuf *b, const char *s)
{
    if (s)
        hb_putn(b, s, strlen(s));
}

void hb_printf(struct hbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        hb_putn(b, small, (size_t)n);
        return;
    }
    if (!grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
        (cp >= 0x80 && cp <= 0x9f))
        return 0;
    return len;
}

/* Printable ASCII but the five that HTML needs escaped, newline and tab: copied as they are. */
static bool plain(unsigned c)
{
    return (c - 0x20u < 0x5fu && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'') ||
           c == '\n' || c == '\t';
}

/* Runs of bytes that need nothing are copied at once (each register row escapes a title, an
 * asset and its framework items). */
static void esc(struct hbuf *b, const unsigned char *s, size_t n, bool raw_bytes)
{
    size_t i = 0, from = 0;
    while (i < n) {
        unsigned c = s[i];
        if (plain(c)) {
            i++;
            continue;
        }
        size_t adv = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
        if (adv) { /* valid UTF-8 */
            i += adv;
            continue;
        }
        hb_putn(b, (const char *)s + from, i - from);
        char hex[8];
        const char *rep = c == '&'    ? "&amp;"
                          : c == '<'  ? "&lt;"
                          : c == '>'  ? "&gt;"
                          : c == '"'  ? "&quot;"
                          : c == '\'' ? "&#39;"
                                      : NULL;
        if (!rep && raw_bytes) {
            snprintf(hex, sizeof hex, "\\x%02x", c);
            rep = hex;
        } else if (!rep) {
            rep = "\xef\xbf\xbd"; /* U+FFFD */
        }
        hb_put(b, rep);
        from = ++i;
    }
    hb_putn(b, (const char *)s + from, n - from);
}

void hb_escn(struct hbuf *b, const char *s, size_t n)
{
    if (s)
        esc(b, (const unsigned char *)s, n, false);
}

void hb_esc(struct hbuf *b, const char *s)
{
    if (s)
        esc(b, (const unsigned char *)s, strlen(s), false);
}

void hb_esc_trunc(struct hbuf *b, const char *s, size_t max)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (n <= max) {
        hb_escn(b, s, n);
        return;
    }
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    hb_escn(b, s, cut);
    hb_put(b, "\xe2\x80\xa6"); /* U+2026 */
}

void hb_bytes(struct hbuf *b, const unsigned char *d, size_t n)
{
    esc(b, d, n, true);
}

void hb_dec(struct hbuf *b, long long v)
{
    char t[24];
    size_t k = sizeof t;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        t[--k] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        t[--k] = '-';
    hb_putn(b, t + k, sizeof t - k);
}

void hb_int(struct hbuf *b, long long v)
{
    char t[32], o[48];
    int n = snprintf(t, sizeof t, "%lld", v < 0 ? -v : v);
    size_t k = 0;
    if (v < 0)
        o[k++] = '-';
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            o[k++] = ',';
        o[k++] = t[i];
    }
    hb_putn(b, o, k);
}

bool hbuf_failed(const struct hbuf *b)
{
    return b->oom;
}

void hbuf_free(struct hbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}
