/* Debian package inventories: `dpkg-query -W` output and /var/lib/dpkg/status (see
 * checks/inventory.h for what each reader accepts). */
#include <string.h>
#include <strings.h>

#include "inventory_impl.h"

static const struct inv_str none = {"", 0};

/* Splits "NAME:ARCH" (dpkg's binary:Package of a multi-arch package). */
static void split_arch(struct inv_str *name, struct inv_str *arch)
{
    const char *c = memchr(name->p, ':', name->n);
    if (!c)
        return;
    arch->p = c + 1;
    arch->n = name->n - (size_t)(c + 1 - name->p);
    name->n = (size_t)(c - name->p);
}

/* The next field of a dpkg-query line: up to a tab, or with no tab in the line up to a
 * blank (a -f format written with spaces). */
static struct inv_str field(struct inv_str *rest, bool tabs)
{
    struct inv_str f = *rest;
    const char *end = memchr(rest->p, tabs ? '\t' : ' ', rest->n);
    if (end) {
        f.n = (size_t)(end - rest->p);
        rest->p = end + 1;
        rest->n -= f.n + 1;
        if (!tabs)
            *rest = inv_trim(*rest);
    } else {
        rest->p += rest->n;
        rest->n = 0;
    }
    return inv_trim(f);
}

int inv_parse_dpkg(const char *buf, size_t len, struct inventory *inv, struct rm_err *e)
{
    size_t pos = 0, lineno = 0;
    struct inv_str l;
    while (inv_next_line(buf, len, &pos, &l, &lineno)) {
        if (lineno == 1 && l.n >= 3 && memcmp(l.p, "\xef\xbb\xbf", 3) == 0)
            l.p += 3, l.n -= 3;
        struct inv_str rest = inv_trim(l);
        if (rest.n == 0)
            continue;
        if (l.n > INV_MAX_LINE || rest.p[0] == '#') {
            inv->skipped += l.n > INV_MAX_LINE;
            continue;
        }
        bool tabs = memchr(rest.p, '\t', rest.n) != NULL;
        struct inv_str name = field(&rest, tabs), version = field(&rest, tabs);
        struct inv_str arch = field(&rest, tabs), source = field(&rest, tabs);
        struct inv_str sver = field(&rest, tabs), status = field(&rest, tabs);
        struct inv_str narch = none;
        /* ${db:Status-Abbrev}: the second letter is the package's state; files are on the
         * system when it is installed (i) or only awaiting triggers (W, t). "rc": removed,
         * its configuration kept, which the plain `dpkg-query -W` lists too. */
        if (status.n && (status.n < 2 || !memchr("iWt", status.p[1], 3))) {
            inv->skipped++;
            continue;
        }
        split_arch(&name, &narch);
        if (!arch.n)
            arch = narch;
        /* An empty version: known to dpkg but not installed (configuration files left). */
        if (!inv_token_ok(name) || !inv_token_ok(version) || (arch.n && !inv_token_ok(arch)) ||
            (source.n && !inv_token_ok(source)) || (sver.n && !inv_token_ok(sver))) {
            inv->skipped++;
            continue;
        }
        if (inv_add_pkg(inv, name, version, arch, source, sver, e) < 0)
            return rm_errf(e, "line %zu: %s", lineno, e->msg);
    }
    return 0;
}

/* ---- /var/lib/dpkg/status ------------------------------------------------------------------- */

struct stanza {
    struct inv_str package, version, arch, status, source;
    bool any;
};

static bool eq(struct inv_str s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* "install ok installed" or "hold ok installed": the package's files are on the system. */
static bool installed(struct inv_str status)
{
    return eq(status, "install ok installed") || eq(status, "hold ok installed");
}

static int finish(struct inventory *inv, struct stanza *st, size_t lineno, struct rm_err *e)
{
    if (!st->any)
        return 0;
    struct stanza s = *st;
    memset(st, 0, sizeof *st);
    if (!installed(s.status) || !inv_token_ok(s.package) || !inv_token_ok(s.version) ||
        (s.arch.n && !inv_token_ok(s.arch))) {
        inv->skipped++;
        return 0;
    }
    /* "Source: NAME" or "Source: NAME (VERSION)" when the source's version differs. */
    struct inv_str src = none, sver = none;
    if (s.source.n) {
        src = s.source;
        const char *paren = memchr(src.p, '(', src.n);
        if (paren) {
            const char *close = memchr(paren, ')', src.n - (size_t)(paren - src.p));
            if (close) {
                sver.p = paren + 1;
                sver.n = (size_t)(close - paren - 1);
                sver = inv_trim(sver);
            }
            src.n = (size_t)(paren - src.p);
            src = inv_trim(src);
        }
        if (!inv_token_ok(src) || (sver.n && !inv_token_ok(sver)))
            src = sver = none;
    }
    if (inv_add_pkg(inv, s.package, s.version, s.arch, src, sver, e) < 0)
        return rm_errf(e, "line %zu: %s", lineno, e->msg);
    return 0;
}

int inv_parse_dpkg_status(const char *buf, size_t len, struct inventory *inv, struct rm_err *e)
{
    size_t pos = 0, lineno = 0;
    struct inv_str l;
    struct stanza st;
    memset(&st, 0, sizeof st);
    static const char *const names[] = {"Package", "Version", "Architecture", "Status", "Source"};
    struct inv_str *const slots[] = {&st.package, &st.version, &st.arch, &st.status, &st.source};
    while (inv_next_line(buf, len, &pos, &l, &lineno)) {
        if (lineno == 1 && l.n >= 3 && memcmp(l.p, "\xef\xbb\xbf", 3) == 0)
            l.p += 3, l.n -= 3;
        if (inv_trim(l).n == 0) {
            if (finish(inv, &st, lineno, e) < 0)
                return -1;
            continue;
        }
        st.any = true;
        /* A continuation line (Description, Conffiles) or an overlong one: nothing we keep. */
        if (l.p[0] == ' ' || l.p[0] == '\t' || l.n > INV_MAX_LINE)
            continue;
        const char *colon = memchr(l.p, ':', l.n);
        if (!colon)
            continue;
        struct inv_str name = {l.p, (size_t)(colon - l.p)};
        struct inv_str value = inv_trim((struct inv_str){colon + 1, l.n - name.n - 1});
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (name.n == strlen(names[i]) && strncasecmp(name.p, names[i], name.n) == 0)
                *slots[i] = value;
    }
    return finish(inv, &st, lineno, e);
}
