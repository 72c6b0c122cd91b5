/* RPM version comparison: rpmvercmp's segment rules, and epoch:version-release on top.
 *
 * Written from rpm's documented rules (rpm.org "RPM version comparison", the rpmvercmp test
 * vectors in rpm's tests/rpmvercmp.at) and checked against `rpm --eval
 * '%{lua: print(rpm.vercmp(...))}'`; see tests/unit/test_vercmp.c. */
#include <stdbool.h>
#include <string.h>

#include "vercmp.h"

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

/* Compares the segments [a, a + na) and [b, b + nb) of the same type. */
static int segcmp(const char *a, size_t na, const char *b, size_t nb, int numeric)
{
    if (numeric) {
        while (na > 0 && *a == '0')
            a++, na--;
        while (nb > 0 && *b == '0')
            b++, nb--;
        if (na != nb)
            return na < nb ? -1 : 1;
    }
    size_t n = na < nb ? na : nb;
    int r = memcmp(a, b, n);
    if (r)
        return sign(r);
    return na == nb ? 0 : na < nb ? -1 : 1;
}

int vercmp_rpm(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 0;
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p || *q) {
        /* Separators (anything not alphanumeric, '~' or '^') only delimit segments. */
        while (*p && !is_digit(*p) && !is_alpha(*p) && *p != '~' && *p != '^')
            p++;
        while (*q && !is_digit(*q) && !is_alpha(*q) && *q != '~' && *q != '^')
            q++;
        /* '~' sorts before everything, the end of the string included. */
        if (*p == '~' || *q == '~') {
            if (*p != '~')
                return 1;
            if (*q != '~')
                return -1;
            p++, q++;
            continue;
        }
        /* '^' sorts after the end of the string but before anything else. */
        if (*p == '^' || *q == '^') {
            if (!*p)
                return -1;
            if (!*q)
                return 1;
            if (*p != '^')
                return 1;
            if (*q != '^')
                return -1;
            p++, q++;
            continue;
        }
        if (!*p || !*q)
            break;
        const unsigned char *sp = p, *sq = q;
        int numeric = is_digit(*p);
        if (numeric) {
            while (is_digit(*p))
                p++;
            while (is_digit(*q))
                q++;
        } else {
            while (is_alpha(*p))
                p++;
            while (is_alpha(*q))
                q++;
        }
        /* Segments of different types: a number is newer than letters. (p moved: *sp was
         * of the type chosen; q may not have.) */
        if (q == sq)
            return numeric ? 1 : -1;
        int r = segcmp((const char *)sp, (size_t)(p - sp), (const char *)sq, (size_t)(q - sq),
                       numeric);
        if (r)
            return r;
    }
    /* Equal so far: whichever has something left is newer; separators alone count as
     * nothing ("1.0" = "1.0."... but rpm also finds "a+" = "a_"). */
    if (!*p && !*q)
        return 0;
    return *p ? 1 : -1;
}

/* Splits [epoch:]version[-release]. Returns 0, or -1 when the epoch is not all digits.
 * *ep points at the epoch digits (NULL when none), the others into s with lengths. */
struct evr {
    const char *ep;
    size_t nep;
    const char *ver;
    size_t nver;
    const char *rel; /* NULL when none */
    size_t nrel;
};

static int evr_split(const char *s, struct evr *o)
{
    memset(o, 0, sizeof *o);
    const char *colon = strchr(s, ':');
    if (colon) {
        for (const char *c = s; c < colon; c++)
            if (!is_digit((unsigned char)*c))
                return -1;
        o->ep = s;
        o->nep = (size_t)(colon - s);
        s = colon + 1;
    }
    const char *dash = strrchr(s, '-');
    o->ver = s;
    o->nver = dash ? (size_t)(dash - s) : strlen(s);
    if (dash) {
        o->rel = dash + 1;
        o->nrel = strlen(dash + 1);
    }
    return 0;
}

/* rpmvercmp on two counted substrings (copied: rpmvercmp reads NUL-terminated strings). */
static int vercmp_rpm_n(const char *a, size_t na, const char *b, size_t nb)
{
    char sa[512], sb[512];
    if (na >= sizeof sa || nb >= sizeof sb) {
        /* Longer than any real version: compared bytewise, deterministic and antisymmetric. */
        return segcmp(a, na, b, nb, 0);
    }
    memcpy(sa, a, na);
    sa[na] = '\0';
    memcpy(sb, b, nb);
    sb[nb] = '\0';
    return vercmp_rpm(sa, sb);
}

bool rpm_evr_valid(const char *s)
{
    struct evr x;
    return *s && evr_split(s, &x) == 0;
}

int vercmp_rpm_evr(const char *a, const char *b)
{
    struct evr x, y;
    bool okx = evr_split(a, &x) == 0, oky = evr_split(b, &y) == 0;
    if (!okx || !oky) {
        if (okx != oky)
            return okx ? 1 : -1;
        return sign(strcmp(a, b));
    }
    /* Epochs by value: an empty or missing epoch is 0. */
    int r = segcmp(x.ep ? x.ep : "", x.nep, y.ep ? y.ep : "", y.nep, 1);
    if (r)
        return r;
    r = vercmp_rpm_n(x.ver, x.nver, y.ver, y.nver);
    if (r)
        return r;
    if (!x.rel || !y.rel)
        return x.rel ? 1 : y.rel ? -1 : 0;
    return vercmp_rpm_n(x.rel, x.nrel, y.rel, y.nrel);
}
