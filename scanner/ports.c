#include "ports.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top_ports.h"

/* A port list is typed by a person or read from a profile; anything longer is a mistake or an
 * attack on the parser, and refusing it keeps the work per call bounded. */
#define PORTS_SPEC_MAX 65536u
/* How much of an offending token an error quotes: enough to recognise it, and the message
 * (struct rm_err, 512 bytes) still fits even when every byte needs a \xNN escape. */
#define QUOTE_MAX 64u
#define PORT_MAX 65535u
#define SEEN_WORDS ((PORT_MAX + 1) / 64)

static bool is_space(char c)
{
    /* Not isspace(): its answer depends on the locale and it takes negative chars badly. */
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Copies s[0, len) into dst for a message: printable ASCII as is, anything else (and the quote
 * and backslash) escaped, so a hostile spec cannot put control characters on a terminal. */
static void quote(char *dst, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    size_t show = len > QUOTE_MAX ? QUOTE_MAX : len;
    for (size_t i = 0; i < show && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(dst + o, cap - o, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
        else
            dst[o++] = (char)c;
    }
    if (show < len && o + 4 <= cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

static int tok_err(struct rm_err *e, const char *s, size_t len, const char *why)
{
    char q[QUOTE_MAX * 4 + 8];
    quote(q, sizeof q, s, len);
    return rm_errf(e, "ports \"%s\": %s", q, why);
}

/* Reads decimal digits at *p (before end); returns how many. The value saturates above
 * PORT_MAX so that a long run of digits cannot overflow and still reads as out of range. */
static size_t read_num(const char **p, const char *end, unsigned long *val)
{
    size_t digits = 0;
    unsigned long v = 0;
    while (*p < end && **p >= '0' && **p <= '9') {
        if (v <= PORT_MAX)
            v = v * 10 + (unsigned long)(**p - '0');
        (*p)++;
        digits++;
    }
    *val = v;
    return digits;
}

/* One comma-separated entry, already trimmed: [T:]N, [T:]N-M, [T:]-M, [T:]N-, [T:]-. */
static int parse_token(const char *tok, size_t len, unsigned *lo, unsigned *hi,
                       struct rm_err *e)
{
    const char *p = tok, *end = tok + len;

    if (len >= 2 && p[1] == ':') {
        switch (p[0]) {
        case 'T': case 't':
            p += 2;
            break;
        case 'U': case 'u': case 'S': case 's': case 'P': case 'p':
            return tok_err(e, tok, len, "only TCP ports are supported");
        default:
            return tok_err(e, tok, len, "not a port or range");
        }
    }

    unsigned long a = 0, b = 0;
    size_t na = read_num(&p, end, &a), nb = 0;
    bool range = false;
    if (p < end && *p == '-') {
        range = true;
        p++;
        nb = read_num(&p, end, &b);
    }
    if (p != end || (!range && na == 0))
        return tok_err(e, tok, len, "not a port or range");

    /* An open end means the edge of the port space, as in nmap. */
    if (range && na == 0)
        a = 1;
    if (range && nb == 0)
        b = PORT_MAX;
    if (!range)
        b = a;
    if (a < 1 || a > PORT_MAX || b < 1 || b > PORT_MAX)
        return tok_err(e, tok, len, "port out of range (1-65535)");
    if (a > b)
        return tok_err(e, tok, len, "range is reversed");
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return 0;
}

/* Marks ports lo..hi a word at a time, so that a spec of thousands of "-" entries still
 * costs milliseconds, not a 65535-step loop per entry. */
static void set_range(uint64_t *seen, unsigned lo, unsigned hi)
{
    for (unsigned w = lo / 64; w <= hi / 64; w++) {
        uint64_t m = UINT64_MAX;
        if (w == lo / 64)
            m &= UINT64_MAX << (lo % 64);
        if (w == hi / 64)
            m &= UINT64_MAX >> (63 - hi % 64);
        seen[w] |= m;
    }
}

int ports_parse(const char *spec, struct portlist *out, struct rm_err *e)
{
    if (!spec)
        spec = "";
    size_t len = strnlen(spec, PORTS_SPEC_MAX + 1);
    if (len > PORTS_SPEC_MAX)
        return tok_err(e, spec, len, "port list is longer than 65536 bytes");

    const char *end = spec + len, *p = spec;
    while (p < end && is_space(*p))
        p++;
    if (p == end)
        return tok_err(e, spec, len, "empty port list");

    /* One bit per port: de-duplicates and sorts in one pass, whatever the overlap. */
    uint64_t seen[SEEN_WORDS] = {0};
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *ts = p, *te = comma ? comma : end;
        while (ts < te && is_space(*ts))
            ts++;
        while (te > ts && is_space(te[-1]))
            te--;
        if (ts == te)
            return tok_err(e, spec, len, "empty entry in port list");

        /* gcc -O2 cannot see that parse_token sets both on success; an empty range if not. */
        unsigned lo = 1, hi = 0;
        if (parse_token(ts, (size_t)(te - ts), &lo, &hi, e) != 0)
            return -1;
        set_range(seen, lo, hi);
        if (!comma)
            break;
        p = comma + 1;
    }

    size_t count = 0;
    for (size_t w = 0; w < SEEN_WORDS; w++)
        count += (size_t)__builtin_popcountll(seen[w]);
    uint16_t *ports = malloc(count * sizeof *ports);
    if (!ports)
        return rm_errf(e, "ports: out of memory for %zu ports", count);
    size_t n = 0;
    for (size_t w = 0; w < SEEN_WORDS; w++)
        for (uint64_t bits = seen[w]; bits; bits &= bits - 1)
            ports[n++] = (uint16_t)(w * 64 + (size_t)__builtin_ctzll(bits));
    out->ports = ports;
    out->n = n;
    return 0;
}

size_t ports_top_max(void)
{
    return top_ports_by_freq_len;
}

int ports_top(size_t n, struct portlist *out, struct rm_err *e)
{
    if (n < 1 || n > top_ports_by_freq_len)
        return rm_errf(e, "top ports: %zu is out of range (1-%zu)", n, top_ports_by_freq_len);
    uint16_t *ports = malloc(n * sizeof *ports);
    if (!ports)
        return rm_errf(e, "top ports: out of memory for %zu ports", n);
    memcpy(ports, top_ports_by_freq, n * sizeof *ports);
    out->ports = ports;
    out->n = n;
    return 0;
}

static int cmp_port_name(const void *key, const void *elem)
{
    uint16_t k = *(const uint16_t *)key;
    uint16_t p = ((const struct top_port_name *)elem)->port;
    return (k > p) - (k < p);
}

const char *ports_service_name(uint16_t port)
{
    const struct top_port_name *hit = bsearch(&port, top_port_names, top_port_names_len,
                                              sizeof top_port_names[0], cmp_port_name);
    return hit ? hit->name : NULL;
}

void ports_free(struct portlist *p)
{
    if (!p)
        return;
    free(p->ports);
    p->ports = NULL;
    p->n = 0;
}
