/* Package inventories: the formats, recognising them, the shared reading helpers, and the set
 * of inventories a scan was given (read before root is dropped). The readers themselves are in
 * inventory_dpkg.c, inventory_rpm.c and inventory_hotfix.c. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "finding.h"
#include "inventory_impl.h"
#include "scanner/addr.h"
#include "scanner/atomic.h"

static const char *const format_names[] = {
    [INV_AUTO] = "auto", [INV_DPKG] = "dpkg", [INV_DPKG_STATUS] = "dpkg-status",
    [INV_RPM] = "rpm", [INV_HOTFIX] = "hotfix",
};

const char *inv_format_name(enum inv_format f)
{
    return (unsigned)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : "?";
}

int inv_format_parse(const char *s, enum inv_format *out)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcmp(s, format_names[i]) == 0) {
            *out = (enum inv_format)i;
            return 0;
        }
    return -1;
}

/* ---- helpers --------------------------------------------------------------------------------- */

bool inv_next_line(const char *buf, size_t len, size_t *pos, struct inv_str *line,
                   size_t *lineno)
{
    if (*pos >= len)
        return false;
    const char *start = buf + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - start) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n && start[n - 1] == '\r')
        n--;
    line->p = start;
    line->n = n;
    (*lineno)++;
    return true;
}

struct inv_str inv_trim(struct inv_str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

bool inv_token_ok(struct inv_str s)
{
    if (s.n == 0 || s.n > INV_MAX_FIELD)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] <= ' ' || (unsigned char)s.p[i] >= 0x7f)
            return false;
    return true;
}

static char *dup_str(struct inv_str s)
{
    char *d = malloc(s.n + 1);
    if (d) {
        if (s.n) /* an absent field may have p == NULL */
            memcpy(d, s.p, s.n);
        d[s.n] = '\0';
    }
    return d;
}

/* What dpkg and rpm allow in a package name (dpkg: [a-z0-9][a-z0-9+.-]*, rpm adds capitals
 * and '_') and in a version ([epoch:]upstream[-revision], with ~ and ^): anything else means
 * the line is not a package line, however it split. A file of another format (XML, JSON)
 * then reads as no packages at all instead of as dozens of made-up ones. */
static bool pkg_chars_ok(struct inv_str s, const char *extra)
{
    if (s.n == 0 || !isalnum((unsigned char)s.p[0]))
        return false;
    for (size_t i = 1; i < s.n; i++)
        if (!isalnum((unsigned char)s.p[i]) && !strchr(extra, s.p[i]))
            return false;
    return true;
}

int inv_add_pkg(struct inventory *inv, struct inv_str name, struct inv_str version,
                struct inv_str arch, struct inv_str source, struct inv_str source_version,
                struct rm_err *e)
{
    if (!pkg_chars_ok(name, "+.-_") || !pkg_chars_ok(version, "+.-_~^:") ||
        (source.n && !pkg_chars_ok(source, "+.-_")) ||
        (source_version.n && !pkg_chars_ok(source_version, "+.-_~^:"))) {
        inv->skipped++;
        return 0;
    }
    if (inv->n_pkgs >= INV_MAX_ITEMS)
        return rm_errf(e, "more than %d packages", INV_MAX_ITEMS);
    if (inv->n_pkgs == inv->cap_pkgs) {
        size_t cap = inv->cap_pkgs ? inv->cap_pkgs * 2 : 64;
        struct inv_package *v = realloc(inv->pkgs, cap * sizeof *v);
        if (!v)
            return rm_errf(e, "out of memory");
        inv->pkgs = v;
        inv->cap_pkgs = cap;
    }
    struct inv_package *p = &inv->pkgs[inv->n_pkgs];
    memset(p, 0, sizeof *p);
    p->name = dup_str(name);
    p->version = dup_str(version);
    p->arch = dup_str(arch);
    p->source = source.n ? dup_str(source) : NULL;
    p->source_version = source_version.n ? dup_str(source_version) : NULL;
    if (!p->name || !p->version || !p->arch || (source.n && !p->source) ||
        (source_version.n && !p->source_version)) {
        free(p->name), free(p->version), free(p->arch), free(p->source), free(p->source_version);
        return rm_errf(e, "out of memory");
    }
    inv->n_pkgs++;
    return 0;
}

/* ---- recognising a format ------------------------------------------------------------------- */

enum inv_format inv_detect(const char *buf, size_t len)
{
    if (len >= 2 && (((unsigned char)buf[0] == 0xff && (unsigned char)buf[1] == 0xfe) ||
                     ((unsigned char)buf[0] == 0xfe && (unsigned char)buf[1] == 0xff)))
        return INV_HOTFIX;
    size_t pos = 0, lineno = 0;
    struct inv_str l;
    /* The first line that says something decides. */
    while (inv_next_line(buf, len, &pos, &l, &lineno)) {
        struct inv_str t = inv_trim(l);
        if (t.n >= 3 && memcmp(t.p, "\xef\xbb\xbf", 3) == 0)
            t.p += 3, t.n -= 3;
        if (t.n == 0)
            continue;
        if ((t.n >= 5 && memcmp(t.p, "#TYPE", 5) == 0) || memmem(t.p, t.n, "HotFixID", 8))
            return INV_HOTFIX;
        if ((t.n >= 8 && memcmp(t.p, "Package:", 8) == 0) ||
            (t.n >= 7 && memcmp(t.p, "Status:", 7) == 0))
            return INV_DPKG_STATUS;
        return memchr(t.p, '\t', t.n) ? INV_DPKG : INV_RPM;
    }
    return INV_AUTO;
}

int inv_parse(enum inv_format f, const char *buf, size_t len, struct inventory *inv,
              struct rm_err *e)
{
    if (f == INV_AUTO && (f = inv_detect(buf, len)) == INV_AUTO)
        return rm_errf(e, "empty: no package or hotfix listed");
    inv->format = f;
    int rc;
    switch (f) {
    case INV_DPKG:
        rc = inv_parse_dpkg(buf, len, inv, e);
        break;
    case INV_DPKG_STATUS:
        rc = inv_parse_dpkg_status(buf, len, inv, e);
        break;
    case INV_RPM:
        rc = inv_parse_rpm(buf, len, inv, e);
        break;
    case INV_HOTFIX:
        rc = inv_parse_hotfix(buf, len, inv, e);
        break;
    default:
        return rm_errf(e, "unknown inventory format");
    }
    if (rc == 0 && inv->n_pkgs == 0 && inv->n_fixes == 0)
        return rm_errf(e, "no installed %s found (read as %s; %zu line(s) skipped)",
                       f == INV_HOTFIX ? "hotfix" : "package", inv_format_name(f), inv->skipped);
    return rc;
}

bool inv_infer_debian(const struct inventory *inv, char *out, size_t n)
{
    /* Releases 1..99 counted; the one most packages were built for wins. */
    size_t count[100] = {0};
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const char *v = inv->pkgs[i].version;
        for (const char *d = strstr(v, "deb"); d; d = strstr(d + 3, "deb")) {
            if (d == v || (d[-1] != '+' && d[-1] != '~'))
                continue;
            unsigned r = 0;
            size_t k = 3;
            while (d[k] >= '0' && d[k] <= '9' && k < 6)
                r = r * 10 + (unsigned)(d[k++] - '0');
            if (k > 3 && r > 0 && r < 100 && (d[k] == 'u' || d[k] == '\0' || d[k] == '+' ||
                                               d[k] == '.')) {
                count[r]++;
                break;
            }
        }
    }
    size_t best = 0;
    for (size_t r = 1; r < 100; r++)
        if (count[r] > count[best])
            best = r;
    if (!count[best])
        return false;
    snprintf(out, n, "Debian:%zu", best);
    return true;
}

void inventory_free(struct inventory *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        struct inv_package *p = &inv->pkgs[i];
        free(p->name), free(p->version), free(p->arch), free(p->source), free(p->source_version);
    }
    free(inv->pkgs);
    for (size_t i = 0; i < inv->n_fixes; i++)
        free(inv->fixes[i].description);
    free(inv->fixes);
    free(inv->computer);
    free(inv->host);
    free(inv->path);
    memset(inv, 0, sizeof *inv);
}

/* ---- specs and the set ------------------------------------------------------------------------ */

void inv_spec_free(struct inv_spec *s)
{
    free(s->host);
    free(s->path);
    memset(s, 0, sizeof *s);
}

/* An os= value: an OSV ecosystem whose versions riskmap orders, with its release ("Debian:12",
 * "Ubuntu:22.04:LTS", "AlmaLinux:9", "Red Hat"); the name in any case, written as OSV does. */
static int os_norm(const char *v, char out[32])
{
    static const char *const names[] = {"Debian", "Ubuntu", "Red Hat", "Rocky Linux",
                                        "AlmaLinux", "SUSE", "openSUSE"};
    if (strlen(v) >= 32)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t l = strlen(names[i]);
        if (strncasecmp(v, names[i], l) != 0 || (v[l] != ':' && v[l] != '\0'))
            continue;
        if (v[l] == ':' && !v[l + 1])
            return -1;
        for (const char *p = v + l; *p; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= 'a' && *p <= 'z') || *p == '.' || *p == ':' || *p == '_' || *p == '-'))
                return -1;
        snprintf(out, 32, "%s%s", names[i], v + l);
        return 0;
    }
    return -1;
}

int inv_spec_parse(const char *text, struct inv_spec *s, struct rm_err *e)
{
    memset(s, 0, sizeof *s);
    const char *eq = strchr(text, '=');
    if (!eq || eq == text || !eq[1])
        return rm_errf(e, "inventory \"%s\": expected HOST=FILE[,format=F][,os=Debian:12]"
                          "[,build=N]", text);
    if (!(s->host = strndup(text, (size_t)(eq - text))))
        return rm_errf(e, "out of memory");
    const char *file = eq + 1;
    const char *comma = strchr(file, ',');
    if (!(s->path = strndup(file, comma ? (size_t)(comma - file) : strlen(file))))
        goto nomem;
    if (!s->path[0]) {
        rm_errf(e, "inventory \"%s\": empty file name", text);
        goto fail;
    }
    while (comma) {
        const char *kv = comma + 1;
        comma = strchr(kv, ',');
        size_t n = comma ? (size_t)(comma - kv) : strlen(kv);
        char one[64];
        if (n >= sizeof one) {
            rm_errf(e, "inventory \"%s\": option too long", text);
            goto fail;
        }
        memcpy(one, kv, n);
        one[n] = '\0';
        char *v = strchr(one, '=');
        if (!v) {
            rm_errf(e, "inventory \"%s\": \"%s\" is not KEY=VALUE", text, one);
            goto fail;
        }
        *v++ = '\0';
        if (strcmp(one, "format") == 0) {
            if (inv_format_parse(v, &s->format) < 0) {
                rm_errf(e, "inventory \"%s\": format \"%s\" (dpkg, dpkg-status, rpm, hotfix or "
                           "auto)", text, v);
                goto fail;
            }
        } else if (strcmp(one, "os") == 0) {
            if (os_norm(v, s->os) < 0) {
                rm_errf(e, "inventory \"%s\": os \"%s\" (Debian:12, Ubuntu:22.04:LTS ...)", text, v);
                goto fail;
            }
        } else if (strcmp(one, "build") == 0) {
            size_t k = strspn(v, "0123456789");
            if (k == 0 || v[k] || k >= sizeof s->build) {
                rm_errf(e, "inventory \"%s\": build \"%s\" is not a Windows build number", text, v);
                goto fail;
            }
            snprintf(s->build, sizeof s->build, "%s", v);
        } else {
            rm_errf(e, "inventory \"%s\": unknown option \"%s\" (format, os, build)", text, one);
            goto fail;
        }
    }
    return 0;
nomem:
    rm_errf(e, "out of memory");
fail:
    inv_spec_free(s);
    return -1;
}

/* Reads at most INV_MAX_FILE bytes of path into a new NUL-terminated buffer. */
static int read_file(const char *path, char **out, size_t *len, struct rm_err *e)
{
    int fd;
    size_t size;
    if (open_regular_bounded(path, INV_MAX_FILE, &fd, &size, e) < 0)
        return -1;
    size_t cap = size + 1, n = 0;
    char *b = malloc(cap);
    if (!b) {
        close(fd);
        return rm_errf(e, "%s: out of memory", path);
    }
    for (;;) {
        ssize_t r = read(fd, b + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int err = errno;
            close(fd);
            free(b);
            return rm_errf(e, "%s: %s", path, strerror(err));
        }
        if (r == 0 || (n += (size_t)r) == cap - 1)
            break;
    }
    close(fd);
    b[n] = '\0';
    *out = b;
    *len = n;
    return 0;
}

int inventory_set_load(struct inventory_set *set, const struct inv_spec *s, struct rm_err *e)
{
    char *buf = NULL;
    size_t len = 0;
    if (read_file(s->path, &buf, &len, e) < 0)
        return -1;
    struct inventory *v = realloc(set->v, (set->n + 1) * sizeof *v);
    if (!v) {
        free(buf);
        return rm_errf(e, "out of memory");
    }
    set->v = v;
    struct inventory *inv = &set->v[set->n];
    memset(inv, 0, sizeof *inv);
    sha256_hex(buf, len, inv->sha256);
    inv->host = strdup(s->host);
    inv->path = strdup(s->path);
    snprintf(inv->os, sizeof inv->os, "%s", s->os);
    snprintf(inv->os_build, sizeof inv->os_build, "%s", s->build);
    struct rm_err pe = {{0}};
    int rc = !inv->host || !inv->path ? rm_errf(&pe, "out of memory")
                                      : inv_parse(s->format, buf, len, inv, &pe);
    free(buf);
    if (rc < 0) {
        inventory_free(inv);
        return rm_errf(e, "%s: %s", s->path, pe.msg);
    }
    if (!inv->os[0] && (inv->format == INV_DPKG || inv->format == INV_DPKG_STATUS))
        inv->os_inferred = inv_infer_debian(inv, inv->os, sizeof inv->os);
    set->n++;
    return 0;
}

bool inventory_about(const struct inventory *inv, const struct host *h)
{
    char a[RM_ADDRSTRLEN], b[RM_ADDRSTRLEN];
    struct rm_addr x;
    /* An address compares in canonical form ("::1" and "0:0::1" are one host). */
    if (addr_parse(inv->host, &x) == 0)
        return strcmp(addr_str(&x, a, sizeof a), addr_str(&h->addr, b, sizeof b)) == 0;
    return h->hostname && strcasecmp(inv->host, h->hostname) == 0;
}

const struct inventory *inventory_set_next(const struct inventory_set *set,
                                           const struct inventory *prev, const struct host *h)
{
    if (!set)
        return NULL;
    size_t i = prev ? (size_t)(prev - set->v) + 1 : 0;
    for (; i < set->n; i++)
        if (inventory_about(&set->v[i], h))
            return &set->v[i];
    return NULL;
}

const struct inventory *inventory_set_for(const struct inventory_set *set, const struct host *h)
{
    return inventory_set_next(set, NULL, h);
}

void inventory_set_free(struct inventory_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        inventory_free(&set->v[i]);
    free(set->v);
    set->v = NULL;
    set->n = 0;
}
