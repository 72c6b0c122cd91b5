/* Product versions as banners and vendors print them ("7.4p1", "1.0.2k", "1.3.5rc4", "16beta2").
 *
 * A version is read as a list of items: numbers, pre-release words and other words; '.', '-',
 * '_', '+' and '~' only separate, and a change between digits and letters separates too.
 * Items are ordered
 *
 *     pre-release word  <  (end of version)  <  other word  <  number
 *
 * and two versions compare item by item, the shorter one padded with "end". That single rule
 * gives "1.3.5rc1" < "1.3.5" (rc before the end), "7.4" < "7.4p1" (end before a word), "7.4p2"
 * < "7.5" and "1.0.2k" < "1.1.0" (numbers first). Zeros standing right before the end or a
 * pre-release word are dropped first, so "16" = "16.0" and "2.0rc1" = "2.0.0-rc1", while the
 * order stays total (it is lexicographic on the normalised lists).
 */
#include <string.h>
#include <strings.h>

#include "vercmp.h"

#define UP_MAX_ITEMS 64
#define UP_MAX_DIGITS 64

enum item_kind { IT_PRE = 0, IT_END = 1, IT_WORD = 2, IT_NUM = 3 };

struct item {
    enum item_kind kind;
    int rank;       /* IT_PRE: dev < alpha < beta < pre < rc */
    const char *s;  /* digits without leading zeros (IT_NUM), or the word */
    size_t n;
};

struct upver {
    struct item it[UP_MAX_ITEMS];
    size_t n;
};

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* The pre-release words, in release order; anything else is a word sorting after the end. */
static int pre_rank(const char *s, size_t n)
{
    static const struct {
        const char *w;
        int rank;
    } pre[] = {{"dev", 0}, {"devel", 0}, {"snapshot", 0}, {"alpha", 1}, {"beta", 2}, {"pre", 3},
               {"preview", 3}, {"rc", 4}};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (strlen(pre[i].w) == n && strncasecmp(pre[i].w, s, n) == 0)
            return pre[i].rank;
    return -1;
}

/* 0, or -1 when s is not a product version. */
static int tokenize(const char *s, struct upver *v)
{
    v->n = 0;
    if ((*s == 'v' || *s == 'V') && is_digit((unsigned char)s[1]))
        s++;
    if (!is_digit((unsigned char)*s))
        return -1;
    const char *p = s;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (c == '.' || c == '-' || c == '_' || c == '+' || c == '~') {
            p++;
            continue;
        }
        if (v->n == UP_MAX_ITEMS)
            return -1;
        struct item *it = &v->it[v->n];
        const char *start = p;
        if (is_digit(c)) {
            while (is_digit((unsigned char)*p))
                p++;
            while (start < p - 1 && *start == '0')
                start++;
            if (p - start > UP_MAX_DIGITS)
                return -1;
            it->kind = IT_NUM;
        } else if (is_alpha(c)) {
            while (is_alpha((unsigned char)*p))
                p++;
            int r = pre_rank(start, (size_t)(p - start));
            it->kind = r >= 0 ? IT_PRE : IT_WORD;
            it->rank = r;
        } else {
            return -1;
        }
        it->s = start;
        it->n = (size_t)(p - start);
        v->n++;
    }
    /* Drop zeros that stand right before the end or a pre-release word. */
    size_t out = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->it[i].kind == IT_NUM && v->it[i].n == 1 && v->it[i].s[0] == '0') {
            size_t j = i;
            while (j < v->n && v->it[j].kind == IT_NUM && v->it[j].n == 1 && v->it[j].s[0] == '0')
                j++;
            if (j == v->n || v->it[j].kind == IT_PRE) {
                i = j - 1;
                continue;
            }
        }
        v->it[out++] = v->it[i];
    }
    v->n = out;
    return 0;
}

bool upstream_valid(const char *s)
{
    struct upver v;
    return tokenize(s, &v) == 0;
}

bool upstream_portable_of(const char *v, const char *release)
{
    size_t n = strlen(v), i = n;
    while (i > 0 && is_digit(v[i - 1]))
        i--;
    if (i == n || i < 2 || (v[i - 1] != 'p' && v[i - 1] != 'P') || !is_digit(v[i - 2]))
        return false;
    char base[256];
    if (i - 1 >= sizeof base)
        return false;
    memcpy(base, v, i - 1);
    base[i - 1] = '\0';
    return upstream_valid(base) && upstream_valid(release) && vercmp_upstream(base, release) == 0;
}

static int itemcmp(const struct item *a, const struct item *b)
{
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    switch (a->kind) {
    case IT_PRE:
        return sign(a->rank - b->rank);
    case IT_NUM:
        if (a->n != b->n)
            return a->n < b->n ? -1 : 1;
        return sign(memcmp(a->s, b->s, a->n));
    case IT_WORD: {
        size_t n = a->n < b->n ? a->n : b->n;
        int r = strncasecmp(a->s, b->s, n);
        if (r)
            return sign(r);
        return a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
    }
    case IT_END:
        break;
    }
    return 0;
}

int vercmp_upstream(const char *a, const char *b)
{
    /* Two token lists of 64 items: about 3 KiB of stack together. */
    struct upver x, y;
    bool okx = tokenize(a, &x) == 0, oky = tokenize(b, &y) == 0;
    if (!okx || !oky) {
        if (okx != oky)
            return okx ? 1 : -1;
        return sign(strcmp(a, b));
    }
    static const struct item end = {.kind = IT_END};
    size_t n = x.n > y.n ? x.n : y.n;
    for (size_t i = 0; i < n; i++) {
        int r = itemcmp(i < x.n ? &x.it[i] : &end, i < y.n ? &y.it[i] : &end);
        if (r)
            return r;
    }
    return 0;
}
