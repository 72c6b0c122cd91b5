/* One target or exclusion token -> struct spec. The token's characters decide its kind before
 * anything else, so that a typo in an address is reported as one and never sent to DNS:
 *   only digits . , - * /      IPv4 syntax (address, CIDR, octet ranges)
 *   contains ':'               IPv6 address or prefix
 *   anything else              hostname[/prefix], resolved here once */
#include "scope_impl.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define NAME_MAX_LEN 253 /* RFC 1035, without the trailing dot */
#define QUOTE_MAX 120    /* bytes of quoted text in a message; the rest becomes "..." */

/* The token being parsed, carried so every failure can name it. */
struct pctx {
    const struct scope *s;
    const char *role;
    const char *tok;
    size_t len;
    struct rm_err *e;
    bool target;
};

/* Writes tok as printable text into dst (QUOTE_MAX + 4 bytes): quotes and backslashes
 * escaped, other bytes outside printable ASCII as \xNN, cut with "..." after QUOTE_MAX bytes.
 * Messages may reach a terminal, so hostile bytes from a target file must not. */
static void quote(char *dst, const char *tok, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)tok[i];
        char tmp[5];
        if (c == '"' || c == '\\')
            snprintf(tmp, sizeof tmp, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
        else
            snprintf(tmp, sizeof tmp, "%c", c);
        size_t tl = strlen(tmp);
        if (o + tl > QUOTE_MAX) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(dst + o, tmp, tl);
        o += tl;
    }
    dst[o] = '\0';
}

int spec_fail(struct rm_err *e, const char *role, const char *tok, size_t len, const char *fmt,
              ...)
{
    char q[QUOTE_MAX + 4];
    char reason[256];
    va_list ap;
    quote(q, tok, len);
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return rm_errf(e, "%s \"%s\": %s", role, q, reason);
}

#define FAIL(c, ...) spec_fail((c)->e, (c)->role, (c)->tok, (c)->len, __VA_ARGS__)

static int fail_char(const struct pctx *c, unsigned char ch)
{
    if (ch >= 0x21 && ch < 0x7f)
        return FAIL(c, "invalid character '%c'", ch);
    return FAIL(c, "invalid character '\\x%02x'", ch);
}

static bool is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_v4_char(unsigned char ch)
{
    return is_digit(ch) || ch == '.' || ch == ',' || ch == '-' || ch == '*' || ch == '/';
}

static bool is_alnum(unsigned char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Decimal digits p[0..n) as a number, saturating at 1000 so that long runs cannot overflow.
 * Returns -1 when empty or not all digits. */
static long parse_num(const char *p, size_t n)
{
    long v = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)p[i]))
            return -1;
        if (v < 1000)
            v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* The prefix length after a '/', or -1 with the message set. */
static long parse_prefix(const struct pctx *c, const char *p, size_t n, long max)
{
    long v = parse_num(p, n);
    if (v < 0)
        return FAIL(c, "invalid prefix length");
    if (v > max)
        return FAIL(c, "prefix length out of range (0-%ld)", max);
    return v;
}

/* One octet field: a comma list of N, N-M, -M, N-, - and *. Sets bits; *single says it was a
 * plain number, the only form a CIDR prefix may follow. */
static int parse_octet(const struct pctx *c, const char *p, size_t n, uint64_t bits[4],
                       bool *single)
{
    if (n == 0)
        return FAIL(c, "empty octet");
    *single = memchr(p, ',', n) == NULL;
    const char *end = p + n;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *ie = comma ? comma : end;
        size_t il = (size_t)(ie - p);
        if (il == 0)
            return FAIL(c, "empty octet range");
        if (il == 1 && p[0] == '*') {
            set_add_range(bits, 0, 255);
            *single = false;
        } else {
            const char *dash = memchr(p, '-', il);
            long lo, hi;
            if (!dash) {
                lo = hi = parse_num(p, il);
            } else {
                size_t ll = (size_t)(dash - p), hl = il - ll - 1;
                lo = ll ? parse_num(p, ll) : 0;
                hi = hl ? parse_num(dash + 1, hl) : 255;
                *single = false;
            }
            if (lo < 0 || hi < 0)
                return FAIL(c, "invalid octet range");
            if (lo > 255 || hi > 255)
                return FAIL(c, "octet out of range");
            if (lo > hi)
                return FAIL(c, "range is reversed");
            set_add_range(bits, (unsigned)lo, (unsigned)hi);
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/* The lowest member of a non-empty set. */
static unsigned set_lowest(const uint64_t b[4])
{
    for (unsigned w = 0; w < 4; w++)
        if (b[w])
            return w * 64 + (unsigned)__builtin_ctzll(b[w]);
    return 0;
}

/* Octet sets that describe one contiguous block (fixed leading octets, one contiguous range,
 * then full octets: 10.*.*.*, 192.0.2.1-40) become a plain range, which the walk handles in
 * bigger steps. */
static void normalise(struct spec *sp)
{
    const struct octsets *o = &sp->u.oct;
    int k = 0;
    while (k < 4 && o->n[k] == 1)
        k++;
    uint32_t first = 0, last = 0;
    for (int m = 0; m < 4; m++) {
        unsigned lo = set_lowest(o->bits[m]);
        unsigned hi = lo + o->n[m] - 1;
        if (m > k && o->n[m] != 256)
            return;
        if (m == k) { /* n members from the lowest: contiguous iff no hole up to hi */
            for (unsigned v = lo; v <= hi; v++)
                if (!set_has(o->bits[m], v))
                    return; /* a hole: not contiguous */
        }
        first = first << 8 | lo;
        last = last << 8 | hi;
    }
    sp->kind = SPEC_V4;
    sp->u.v4.first = first;
    sp->u.v4.last = last;
}

static int parse_v4(const struct pctx *c, struct spec *sp)
{
    const char *slash = memchr(c->tok, '/', c->len);
    size_t alen = slash ? (size_t)(slash - c->tok) : c->len;
    long prefix = -1;
    if (slash) {
        prefix = parse_prefix(c, slash + 1, c->len - alen - 1, 32);
        if (prefix < 0)
            return -1;
    }
    if (alen == 0)
        return FAIL(c, "missing address");
    size_t dots = 0;
    for (size_t i = 0; i < alen; i++)
        dots += c->tok[i] == '.';
    if (dots > 3)
        return FAIL(c, "too many octets");
    if (dots < 3)
        return FAIL(c, "too few octets");

    struct octsets o;
    memset(&o, 0, sizeof o);
    bool all_single = true;
    const char *p = c->tok, *end = c->tok + alen;
    for (int k = 0; k < 4; k++) {
        const char *dot = k < 3 ? memchr(p, '.', (size_t)(end - p)) : end;
        bool single = false;
        if (parse_octet(c, p, (size_t)(dot - p), o.bits[k], &single) < 0)
            return -1;
        all_single = all_single && single;
        for (int w = 0; w < 4; w++)
            o.n[k] = (uint16_t)(o.n[k] + __builtin_popcountll(o.bits[k][w]));
        p = dot + 1;
    }
    if (prefix >= 0 && !all_single)
        return FAIL(c, "a prefix length cannot be combined with octet ranges");

    sp->kind = SPEC_OCT;
    sp->u.oct = o;
    normalise(sp);
    if (sp->kind == SPEC_V4 && prefix >= 0) {
        /* nmap semantics: host bits are dropped, so 192.0.2.77/24 is 192.0.2.0/24 */
        uint32_t mask = prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
        sp->u.v4.first &= mask;
        sp->u.v4.last = sp->u.v4.first | ~mask;
    }
    if (sp->kind == SPEC_V4)
        sp->size = (uint64_t)(sp->u.v4.last - sp->u.v4.first) + 1;
    else
        sp->size = (uint64_t)o.n[0] * o.n[1] * o.n[2] * o.n[3];
    return 0;
}

static void set_v6(struct spec *sp, const uint8_t bytes[16], unsigned prefix)
{
    sp->kind = SPEC_V6;
    sp->u.v6.prefix = (uint8_t)prefix;
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);
        sp->u.v6.base[i] = bytes[i] & mask;
    }
    /* Exclusions may be huge prefixes; their size is never used, so it is only capped. */
    sp->size = prefix >= 112 ? UINT64_C(1) << (128 - prefix) : UINT64_MAX;
}

/* Targets are walked address by address, so IPv6 targets stop at /112. */
static int check_v6_prefix(const struct pctx *c, long prefix)
{
    if (c->target && prefix < 112)
        return FAIL(c, "IPv6 prefix /%ld is too large to scan; use /112 to /128 "
                       "(at most 65536 addresses)", prefix);
    return 0;
}

static int parse_v6(const struct pctx *c, struct spec *sp)
{
    for (size_t i = 0; i < c->len; i++) {
        unsigned char ch = (unsigned char)c->tok[i];
        if (ch == '%')
            return FAIL(c, "IPv6 zone indexes are not supported");
        if (!(is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') ||
              ch == ':' || ch == '.' || ch == '/'))
            return fail_char(c, ch);
    }
    const char *slash = memchr(c->tok, '/', c->len);
    size_t alen = slash ? (size_t)(slash - c->tok) : c->len;
    long prefix = 128;
    if (slash) {
        prefix = parse_prefix(c, slash + 1, c->len - alen - 1, 128);
        if (prefix < 0)
            return -1;
    }
    char text[INET6_ADDRSTRLEN];
    uint8_t bytes[16];
    if (alen >= sizeof text)
        return FAIL(c, "invalid IPv6 address");
    memcpy(text, c->tok, alen);
    text[alen] = '\0';
    if (inet_pton(AF_INET6, text, bytes) != 1)
        return FAIL(c, "invalid IPv6 address");
    /* ::ffff:a.b.c.d reaches the IPv4 host a.b.c.d, past any IPv4 exclusion: make the user
     * name the IPv4 address, so that scope and exclusions speak one family. */
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (prefix >= 96 && memcmp(bytes, mapped, sizeof mapped) == 0)
        return FAIL(c, "IPv4-mapped IPv6 address; give the IPv4 address (%u.%u.%u.%u) instead",
                    bytes[12], bytes[13], bytes[14], bytes[15]);
    if (check_v6_prefix(c, prefix) < 0)
        return -1;
    set_v6(sp, bytes, (unsigned)prefix);
    return 0;
}

/* getaddrinfo: the first IPv4 result, else the first IPv6 one. No AI_ADDRCONFIG: in a
 * namespace with only loopback it would hide "localhost". */
static int resolve_gai(const char *name, struct rm_addr *out, void *arg)
{
    (void)arg;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0)
        return rc;
    const struct addrinfo *v4 = NULL, *v6 = NULL;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET && !v4 && ai->ai_addrlen >= sizeof(struct sockaddr_in))
            v4 = ai;
        if (ai->ai_family == AF_INET6 && !v6 &&
            ai->ai_addrlen >= sizeof(struct sockaddr_in6))
            v6 = ai;
    }
    memset(out, 0, sizeof *out);
    if (v4) {
        struct sockaddr_in sin;
        memcpy(&sin, v4->ai_addr, sizeof sin);
        out->family = AF_INET;
        memcpy(out->bytes, &sin.sin_addr, 4);
    } else if (v6) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, v6->ai_addr, sizeof sin6);
        out->family = AF_INET6;
        memcpy(out->bytes, &sin6.sin6_addr, 16);
    }
    freeaddrinfo(res);
    return v4 || v6 ? 0 : EAI_NONAME;
}

/* Letters, digits, '-', '_' in dot-separated labels of 1..63 bytes; one trailing dot. */
static int check_name(const struct pctx *c, size_t nlen)
{
    const char *n = c->tok;
    size_t len = nlen;
    if (len > 1 && n[len - 1] == '.')
        len--;
    if (len > NAME_MAX_LEN)
        return FAIL(c, "hostname longer than %d bytes", NAME_MAX_LEN);
    size_t label = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || n[i] == '.') {
            if (label == 0 || label > 63)
                return FAIL(c, "invalid hostname");
            label = 0;
            continue;
        }
        if (label == 0 && n[i] == '-')
            return FAIL(c, "invalid hostname");
        label++;
    }
    return 0;
}

static int parse_name(const struct pctx *c, struct spec *sp, struct spec_name *name)
{
    for (size_t i = 0; i < c->len; i++) {
        unsigned char ch = (unsigned char)c->tok[i];
        if (!(is_alnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == '/'))
            return fail_char(c, ch);
    }
    const char *slash = memchr(c->tok, '/', c->len);
    size_t nlen = slash ? (size_t)(slash - c->tok) : c->len;
    long prefix = -1;
    /* All syntax is checked before resolving, so a bad token never causes a lookup. */
    if (slash) {
        prefix = parse_prefix(c, slash + 1, c->len - nlen - 1, 128);
        if (prefix < 0)
            return -1;
    }
    if (nlen == 0)
        return FAIL(c, "missing address");
    if (check_name(c, nlen) < 0)
        return -1;

    char host[NAME_MAX_LEN + 2];
    memcpy(host, c->tok, nlen);
    host[nlen] = '\0';
    struct rm_addr a;
    memset(&a, 0, sizeof a);
    int rc = c->s->resolve ? c->s->resolve(host, &a, c->s->resolve_arg)
                           : resolve_gai(host, &a, NULL);
    if (rc != 0)
        return FAIL(c, "cannot resolve: %s", gai_strerror(rc));
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a.family == AF_INET6 && memcmp(a.bytes, mapped, sizeof mapped) == 0) {
        /* A name with only a mapped AAAA record is an IPv4 host: scope it as one, so that
         * IPv4 exclusions apply. */
        a.family = AF_INET;
        memmove(a.bytes, a.bytes + 12, 4);
        memset(a.bytes + 4, 0, 12);
    }
    if (a.family == AF_INET) {
        if (prefix > 32)
            return FAIL(c, "prefix length out of range (0-32)");
        uint32_t mask = prefix < 0 ? UINT32_MAX : prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
        sp->kind = SPEC_V4;
        sp->u.v4.first = addr_v4(&a) & mask;
        sp->u.v4.last = sp->u.v4.first | ~mask;
        sp->size = (uint64_t)(sp->u.v4.last - sp->u.v4.first) + 1;
    } else if (a.family == AF_INET6) {
        if (prefix < 0)
            prefix = 128;
        if (check_v6_prefix(c, prefix) < 0)
            return -1;
        set_v6(sp, a.bytes, (unsigned)prefix);
    } else {
        return FAIL(c, "cannot resolve: resolver returned no address");
    }
    name->len = nlen;
    name->addr = a;
    return 0;
}

int spec_parse(const struct scope *s, bool target, const char *tok, size_t len,
               struct spec *out, struct spec_name *name, struct rm_err *e)
{
    struct pctx c = {s, target ? "target" : "exclude", tok, len, e, target};
    struct spec sp;
    memset(&sp, 0, sizeof sp);
    memset(name, 0, sizeof *name);
    if (len == 0)
        return FAIL(&c, "empty specification");
    bool v4 = true, colon = false;
    for (size_t i = 0; i < len; i++) {
        v4 = v4 && is_v4_char((unsigned char)tok[i]);
        colon = colon || tok[i] == ':';
    }
    int rc = v4 ? parse_v4(&c, &sp) : colon ? parse_v6(&c, &sp) : parse_name(&c, &sp, name);
    if (rc < 0)
        return -1;
    *out = sp;
    return 0;
}
