/* RPM package inventories: `rpm -qa` (NAME-VERSION-RELEASE.ARCH) and the
 * `--qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\n'` form (see checks/inventory.h). */
#include <string.h>

#include "inventory_impl.h"

static const struct inv_str none = {"", 0};

/* Architectures rpm builds for: only these are split off a NAME-VERSION-RELEASE.ARCH, since a
 * release itself contains dots ("27.el9"). */
static bool is_arch(struct inv_str a)
{
    static const char *const arches[] = {
        "x86_64", "noarch", "i386", "i486", "i586", "i686", "aarch64", "armv7hl", "armv7l",
        "armv6hl", "ppc64le", "ppc64", "ppc", "s390x", "s390", "riscv64", "src", "nosrc",
        "ia64", "alpha", "sparc64", "mips64el", "loongarch64", "x86_64_v2", "x86_64_v3",
        "amd64", "athlon", "i86pc",
    };
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
        if (a.n == strlen(arches[i]) && memcmp(a.p, arches[i], a.n) == 0)
            return true;
    return false;
}

/* The last '-' in s before end, or NULL. */
static const char *last_dash(const char *p, size_t n)
{
    while (n--)
        if (p[n] == '-')
            return p + n;
    return NULL;
}

/* NAME-VERSION-RELEASE[.ARCH]: name may itself hold dashes, version and release do not. */
static int nvra(struct inventory *inv, struct inv_str t, struct rm_err *e)
{
    struct inv_str arch = none;
    const char *dot = NULL;
    for (size_t i = t.n; i-- > 0;)
        if (t.p[i] == '.') {
            dot = t.p + i;
            break;
        }
    if (dot) {
        struct inv_str a = {dot + 1, t.n - (size_t)(dot + 1 - t.p)};
        if (is_arch(a)) {
            arch = a;
            t.n = (size_t)(dot - t.p);
        }
    }
    const char *d2 = last_dash(t.p, t.n);
    const char *d1 = d2 ? last_dash(t.p, (size_t)(d2 - t.p)) : NULL;
    if (!d1 || d1 == t.p || d2 == d1 + 1 || d2 + 1 == t.p + t.n) {
        inv->skipped++;
        return 0;
    }
    struct inv_str name = {t.p, (size_t)(d1 - t.p)};
    struct inv_str ver = {d1 + 1, t.n - name.n - 1}; /* VERSION-RELEASE */
    if (!inv_token_ok(name) || !inv_token_ok(ver)) {
        inv->skipped++;
        return 0;
    }
    return inv_add_pkg(inv, name, ver, arch, none, none, e);
}

/* NAME EPOCH:VERSION-RELEASE [ARCH]; an epoch of "(none)" is dropped. */
static int qf(struct inventory *inv, struct inv_str t, struct rm_err *e)
{
    const char *sp = memchr(t.p, ' ', t.n);
    struct inv_str name = {t.p, (size_t)(sp - t.p)};
    struct inv_str rest = inv_trim((struct inv_str){sp + 1, t.n - name.n - 1});
    struct inv_str evr = rest, arch = none;
    const char *sp2 = memchr(rest.p, ' ', rest.n);
    if (sp2) {
        evr.n = (size_t)(sp2 - rest.p);
        arch = inv_trim((struct inv_str){sp2 + 1, rest.n - evr.n - 1});
    }
    if (evr.n > 7 && memcmp(evr.p, "(none):", 7) == 0)
        evr.p += 7, evr.n -= 7;
    if (!inv_token_ok(name) || !inv_token_ok(evr) || (arch.n && !inv_token_ok(arch)) ||
        !memchr(evr.p, '-', evr.n)) {
        inv->skipped++;
        return 0;
    }
    return inv_add_pkg(inv, name, evr, arch, none, none, e);
}

int inv_parse_rpm(const char *buf, size_t len, struct inventory *inv, struct rm_err *e)
{
    size_t pos = 0, lineno = 0;
    struct inv_str l;
    while (inv_next_line(buf, len, &pos, &l, &lineno)) {
        if (lineno == 1 && l.n >= 3 && memcmp(l.p, "\xef\xbb\xbf", 3) == 0)
            l.p += 3, l.n -= 3;
        struct inv_str t = inv_trim(l);
        if (t.n == 0 || t.p[0] == '#')
            continue;
        if (l.n > INV_MAX_LINE) {
            inv->skipped++;
            continue;
        }
        if ((memchr(t.p, ' ', t.n) ? qf(inv, t, e) : nvra(inv, t, e)) < 0)
            return rm_errf(e, "line %zu: %s", lineno, e->msg);
    }
    return 0;
}
