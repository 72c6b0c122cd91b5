/* Debian version comparison (Debian policy 5.6.12, as dpkg implements it).
 *
 * Written from the policy text and dpkg's observable behaviour (`dpkg --compare-versions`),
 * checked against dpkg's own test vectors in tests/unit/test_vercmp.c. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Where one character sorts in the non-digit parts: '~' before the end of the part, the end
 * before letters, letters before every other character. */
static int order(int c)
{
    if (is_digit(c) || c == '\0')
        return 0;
    if (is_alpha(c))
        return c;
    if (c == '~')
        return -1;
    return c + 256;
}

int dpkg_verrevcmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p || *q) {
        /* The non-digit run: character by character. When one side's run ends first, its
         * order() is 0 against the other's non-zero, so neither pointer passes its NUL. */
        while ((*p && !is_digit(*p)) || (*q && !is_digit(*q))) {
            int op = order(*p), oq = order(*q);
            if (op != oq)
                return op < oq ? -1 : 1;
            p++;
            q++;
        }
        /* The digit run: by value, without converting (runs may be any length). */
        while (*p == '0')
            p++;
        while (*q == '0')
            q++;
        int first_diff = 0;
        while (is_digit(*p) && is_digit(*q)) {
            if (!first_diff && *p != *q)
                first_diff = *p < *q ? -1 : 1;
            p++;
            q++;
        }
        if (is_digit(*p))
            return 1;
        if (is_digit(*q))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
}

static int valid_upstream_char(int c)
{
    return is_digit(c) || is_alpha(c) || strchr(".-+~:", c) != NULL;
}

static int valid_revision_char(int c)
{
    return is_digit(c) || is_alpha(c) || strchr(".+~", c) != NULL;
}

int dpkg_version_parse(const char *s, struct dpkg_version *v, struct rm_err *e)
{
    while (is_blank((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return rm_errf(e, "version string is empty");
    if (n >= sizeof v->buf)
        return rm_errf(e, "version string is longer than %zu bytes", sizeof v->buf - 1);
    memcpy(v->buf, s, n);
    v->buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (is_blank((unsigned char)v->buf[i]))
            return rm_errf(e, "version string has embedded spaces");

    char *ver = v->buf;
    v->epoch = 0;
    char *colon = strchr(ver, ':');
    if (colon) {
        if (colon == ver)
            return rm_errf(e, "epoch in version is empty");
        if (ver[0] == '-' && colon - ver > 1)
            return rm_errf(e, "epoch in version is negative");
        unsigned long ep = 0;
        for (char *c = ver; c < colon; c++) {
            if (!is_digit((unsigned char)*c))
                return rm_errf(e, "epoch in version is not number");
            ep = ep * 10 + (unsigned long)(*c - '0');
            if (ep > INT_MAX)
                return rm_errf(e, "epoch in version is too big");
        }
        if (colon[1] == '\0')
            return rm_errf(e, "nothing after colon in version number");
        v->epoch = ep;
        ver = colon + 1;
    }
    char *hyphen = strrchr(ver, '-');
    v->revision = "";
    if (hyphen) {
        *hyphen = '\0';
        if (hyphen[1] == '\0')
            return rm_errf(e, "revision number is empty");
        v->revision = hyphen + 1;
    }
    if (*ver == '\0')
        return rm_errf(e, "version number is empty");
    v->upstream = ver;

    /* dpkg only warns about these and still compares the version. */
    if (!is_digit((unsigned char)*ver))
        return rm_errf(e, "version number does not start with digit"), 1;
    for (const char *c = ver; *c; c++)
        if (!valid_upstream_char((unsigned char)*c))
            return rm_errf(e, "invalid character in version number"), 1;
    for (const char *c = v->revision; *c; c++)
        if (!valid_revision_char((unsigned char)*c))
            return rm_errf(e, "invalid character in revision number"), 1;
    return 0;
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

int vercmp_dpkg(const char *a, const char *b)
{
    /* Two parses of 256-byte buffers: kept off the heap, small enough for any stack. */
    struct dpkg_version va, vb;
    bool oka = dpkg_version_parse(a, &va, NULL) >= 0;
    bool okb = dpkg_version_parse(b, &vb, NULL) >= 0;
    if (!oka || !okb) {
        if (oka != okb)
            return oka ? 1 : -1;
        return sign(strcmp(a, b));
    }
    if (va.epoch != vb.epoch)
        return va.epoch < vb.epoch ? -1 : 1;
    int r = dpkg_verrevcmp(va.upstream, vb.upstream);
    if (r)
        return r;
    return dpkg_verrevcmp(va.revision, vb.revision);
}
