/* Semantic Versioning 2.0.0 (semver.org): validation and precedence (spec item 11). */
#include <string.h>

#include "vercmp.h"

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_ident(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* The parts of a valid version, as spans of the original string. */
struct sv {
    const char *core[3];
    size_t ncore[3];
    const char *pre; /* after '-', up to '+' or the end; NULL when no pre-release */
    size_t npre;
};

static int parse(const char *s, struct sv *o, struct rm_err *e)
{
    static const char *const names[3] = {"major", "minor", "patch"};
    memset(o, 0, sizeof *o);
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        const char *start = p;
        while (is_digit((unsigned char)*p))
            p++;
        if (p == start)
            return rm_errf(e, "semver: \"%.64s\": %s version is not a number", s, names[i]);
        if (*start == '0' && p - start > 1)
            return rm_errf(e, "semver: \"%.64s\": %s version has a leading zero", s, names[i]);
        o->core[i] = start;
        o->ncore[i] = (size_t)(p - start);
        if (i < 2) {
            if (*p != '.')
                return rm_errf(e, "semver: \"%.64s\": expected '.' after the %s version", s,
                               names[i]);
            p++;
        }
    }
    /* Pre-release and build: dot-separated non-empty identifiers; numeric pre-release
     * identifiers without leading zeros. */
    for (int part = 0; part < 2; part++) {
        char lead = part == 0 ? '-' : '+';
        if (*p != lead)
            continue;
        p++;
        const char *start = p;
        for (;;) {
            const char *id = p;
            bool numeric = true;
            while (is_ident((unsigned char)*p)) {
                if (!is_digit((unsigned char)*p))
                    numeric = false;
                p++;
            }
            if (p == id)
                return rm_errf(e, "semver: \"%.64s\": empty %s identifier", s,
                               part == 0 ? "pre-release" : "build");
            if (part == 0 && numeric && *id == '0' && p - id > 1)
                return rm_errf(e, "semver: \"%.64s\": numeric pre-release identifier with a "
                               "leading zero", s);
            if (*p != '.')
                break;
            p++;
        }
        if (part == 0) {
            o->pre = start;
            o->npre = (size_t)(p - start);
        }
    }
    if (*p)
        return rm_errf(e, "semver: \"%.64s\": unexpected character at offset %zu", s,
                       (size_t)(p - s));
    return 0;
}

int semver_check(const char *s, struct rm_err *e)
{
    struct sv v;
    return parse(s, &v, e);
}

/* Numbers as digit strings without leading zeros: longer is larger, else bytewise. */
static int numcmp(const char *a, size_t na, const char *b, size_t nb)
{
    if (na != nb)
        return na < nb ? -1 : 1;
    return sign(memcmp(a, b, na));
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            return false;
    return true;
}

static int precmp(const char *a, size_t na, const char *b, size_t nb)
{
    const char *ea = a + na, *eb = b + nb;
    for (;;) {
        bool enda = a >= ea, endb = b >= eb;
        if (enda || endb)
            return enda && endb ? 0 : enda ? -1 : 1; /* more fields: higher precedence */
        const char *da = memchr(a, '.', (size_t)(ea - a)), *db = memchr(b, '.', (size_t)(eb - b));
        size_t la = da ? (size_t)(da - a) : (size_t)(ea - a);
        size_t lb = db ? (size_t)(db - b) : (size_t)(eb - b);
        bool nua = all_digits(a, la), nub = all_digits(b, lb);
        int r;
        if (nua && nub) {
            r = numcmp(a, la, b, lb);
        } else if (nua != nub) {
            r = nua ? -1 : 1; /* numeric identifiers have lower precedence */
        } else {
            size_t n = la < lb ? la : lb;
            r = sign(memcmp(a, b, n));
            if (!r && la != lb)
                r = la < lb ? -1 : 1;
        }
        if (r)
            return r;
        a += la + (da ? 1 : 0);
        b += lb + (db ? 1 : 0);
        /* "1.0.0-a." cannot occur (rejected as an empty identifier), so a trailing dot never
         * leaves a field of length 0 to compare. */
    }
}

int vercmp_semver(const char *a, const char *b)
{
    struct sv x, y;
    bool okx = parse(a, &x, NULL) == 0, oky = parse(b, &y, NULL) == 0;
    if (!okx || !oky) {
        if (okx != oky)
            return okx ? 1 : -1;
        return sign(strcmp(a, b));
    }
    for (int i = 0; i < 3; i++) {
        int r = numcmp(x.core[i], x.ncore[i], y.core[i], y.ncore[i]);
        if (r)
            return r;
    }
    /* A pre-release has lower precedence than its normal version. */
    if (!x.pre || !y.pre)
        return x.pre ? -1 : y.pre ? 1 : 0;
    return precmp(x.pre, x.npre, y.pre, y.npre);
}
