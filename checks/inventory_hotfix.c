/* Windows hotfix inventories: `Get-HotFix | Export-Csv` (see checks/inventory.h). RFC 4180:
 * fields separated by commas, a quoted field may hold commas, newlines and "" for a quote. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inventory_impl.h"

#define HF_MAX_FIELDS 64

int inv_utf16_to_utf8(const char *buf, size_t len, char **out, size_t *outlen, struct rm_err *e)
{
    const unsigned char *b = (const unsigned char *)buf;
    if (len < 2 || !((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff)))
        return rm_errf(e, "UTF-16 without a byte order mark");
    if (len % 2)
        return rm_errf(e, "UTF-16 with an odd number of bytes (cut short?)");
    bool le = b[0] == 0xff;
    /* Each UTF-16 unit becomes at most 3 bytes (a surrogate pair, two units, 4 bytes). */
    size_t cap = (len / 2) * 3 + 1, n = 0;
    char *o = malloc(cap);
    if (!o)
        return rm_errf(e, "out of memory");
    for (size_t i = 2; i + 1 < len; i += 2) {
        uint32_t u = le ? (uint32_t)(b[i] | b[i + 1] << 8) : (uint32_t)(b[i] << 8 | b[i + 1]);
        if (u >= 0xd800 && u <= 0xdbff) {
            uint32_t lo = 0;
            if (i + 3 < len)
                lo = le ? (uint32_t)(b[i + 2] | b[i + 3] << 8) : (uint32_t)(b[i + 2] << 8 | b[i + 3]);
            if (lo < 0xdc00 || lo > 0xdfff) {
                free(o);
                return rm_errf(e, "UTF-16: unpaired surrogate at byte %zu", i);
            }
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        } else if (u >= 0xdc00 && u <= 0xdfff) {
            free(o);
            return rm_errf(e, "UTF-16: unpaired surrogate at byte %zu", i);
        }
        if (u < 0x80) {
            o[n++] = (char)u;
        } else if (u < 0x800) {
            o[n++] = (char)(0xc0 | u >> 6);
            o[n++] = (char)(0x80 | (u & 0x3f));
        } else if (u < 0x10000) {
            o[n++] = (char)(0xe0 | u >> 12);
            o[n++] = (char)(0x80 | ((u >> 6) & 0x3f));
            o[n++] = (char)(0x80 | (u & 0x3f));
        } else {
            o[n++] = (char)(0xf0 | u >> 18);
            o[n++] = (char)(0x80 | ((u >> 12) & 0x3f));
            o[n++] = (char)(0x80 | ((u >> 6) & 0x3f));
            o[n++] = (char)(0x80 | (u & 0x3f));
        }
    }
    o[n] = '\0';
    *out = o;
    *outlen = n;
    return 0;
}

/* One CSV record: fields copied (unquoted) into a record buffer. */
struct record {
    char buf[INV_MAX_LINE + HF_MAX_FIELDS];
    size_t off[HF_MAX_FIELDS];
    size_t n;
    bool overlong; /* a field or the record was longer than the bounds: skip it */
};

/* Reads the record at *pos. false at the end of the input. */
static bool next_record(const char *s, size_t len, size_t *pos, struct record *r,
                        size_t *lineno)
{
    if (*pos >= len)
        return false;
    r->n = 0;
    r->overlong = false;
    size_t w = 0, i = *pos;
    r->off[r->n++] = 0;
    bool quoted = false, at_start = true;
    (*lineno)++;
    for (; i < len; i++) {
        char c = s[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < len && s[i + 1] == '"') {
                    i++;
                } else {
                    quoted = false;
                    continue;
                }
            } else if (c == '\n') {
                (*lineno)++;
            }
        } else if (c == '"' && at_start) {
            quoted = true;
            at_start = false;
            continue;
        } else if (c == ',') {
            if (w + 1 < sizeof r->buf)
                r->buf[w++] = '\0';
            else
                r->overlong = true;
            if (r->n < HF_MAX_FIELDS)
                r->off[r->n++] = w;
            else
                r->overlong = true;
            at_start = true;
            continue;
        } else if (c == '\n') {
            i++;
            break;
        } else if (c == '\r' && i + 1 < len && s[i + 1] == '\n') {
            continue;
        }
        at_start = false;
        if (w + 1 < sizeof r->buf)
            r->buf[w++] = c;
        else
            r->overlong = true;
    }
    r->buf[w < sizeof r->buf ? w : sizeof r->buf - 1] = '\0';
    *pos = i;
    return true;
}

static const char *fld(const struct record *r, int idx)
{
    return idx >= 0 && (size_t)idx < r->n ? r->buf + r->off[idx] : NULL;
}

/* "KB5034441" (any case of "kb", digits only after it). */
static bool kb_ok(const char *s)
{
    if (strncasecmp(s, "KB", 2) != 0)
        return false;
    size_t k = strspn(s + 2, "0123456789");
    return k >= 4 && k <= 10 && s[2 + k] == '\0';
}

static bool num(const char *s, size_t n, int *v)
{
    *v = 0;
    if (n == 0 || n > 4)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

/* InstalledOn as PowerShell writes it: "2/14/2024 12:00:00 AM" (en-US: month first),
 * "14.02.2024 00:00:00" (dotted: day first), or "2024-02-14" ISO; "" when none of these. */
static void date_of(const char *s, char out[11])
{
    out[0] = '\0';
    int a, b, c;
    size_t l1 = strcspn(s, "/.-"), l2, l3;
    char sep = s[l1];
    if (!sep)
        return;
    const char *p2 = s + l1 + 1;
    l2 = strcspn(p2, "/.-");
    if (p2[l2] != sep)
        return;
    const char *p3 = p2 + l2 + 1;
    l3 = strspn(p3, "0123456789");
    if (!num(s, l1, &a) || !num(p2, l2, &b) || !num(p3, l3, &c))
        return;
    int y, m, d;
    if (sep == '-' && l1 == 4)
        y = a, m = b, d = c;
    else if (sep == '/' && l3 == 4)
        y = c, m = a, d = b;
    else if (sep == '.' && l3 == 4)
        y = c, m = b, d = a;
    else
        return;
    if (y < 1990 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
        return;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

static int add_fix(struct inventory *inv, const char *id, const char *when, const char *desc,
                   struct rm_err *e)
{
    if (inv->n_fixes >= INV_MAX_ITEMS)
        return rm_errf(e, "more than %d hotfixes", INV_MAX_ITEMS);
    if (inv->n_fixes == inv->cap_fixes) {
        size_t cap = inv->cap_fixes ? inv->cap_fixes * 2 : 32;
        struct inv_hotfix *v = realloc(inv->fixes, cap * sizeof *v);
        if (!v)
            return rm_errf(e, "out of memory");
        inv->fixes = v;
        inv->cap_fixes = cap;
    }
    struct inv_hotfix *h = &inv->fixes[inv->n_fixes];
    memset(h, 0, sizeof *h);
    snprintf(h->id, sizeof h->id, "KB%s", id + 2);
    if (when)
        date_of(when, h->installed);
    if (desc && *desc && strlen(desc) <= INV_MAX_FIELD && !(h->description = strdup(desc)))
        return rm_errf(e, "out of memory");
    inv->n_fixes++;
    return 0;
}

static int parse_utf8(const char *s, size_t len, struct inventory *inv, struct rm_err *e)
{
    size_t pos = 0, lineno = 0;
    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    struct record *r = malloc(sizeof *r);
    if (!r)
        return rm_errf(e, "out of memory");
    int i_id = -1, i_on = -1, i_desc = -1, i_cs = -1;
    bool header = false;
    int rc = 0;
    while (next_record(s, len, &pos, r, &lineno)) {
        const char *first = fld(r, 0);
        if (r->n == 1 && !*first)
            continue; /* a blank line */
        if (!header) {
            if (first[0] == '#') /* "#TYPE System.Management.ManagementObject#..." */
                continue;
            for (size_t k = 0; k < r->n && !r->overlong; k++) {
                const char *h = fld(r, (int)k);
                if (strcasecmp(h, "HotFixID") == 0)
                    i_id = (int)k;
                else if (strcasecmp(h, "InstalledOn") == 0)
                    i_on = (int)k;
                else if (strcasecmp(h, "Description") == 0)
                    i_desc = (int)k;
                else if (strcasecmp(h, "CSName") == 0)
                    i_cs = (int)k;
            }
            if (i_id < 0) {
                rc = rm_errf(e, "line %zu: no HotFixID column in the header (a Get-HotFix | "
                                "Export-Csv file starts with one)", lineno);
                break;
            }
            header = true;
            continue;
        }
        const char *id = fld(r, i_id);
        if (r->overlong || !id || !kb_ok(id)) {
            inv->skipped++;
            continue;
        }
        const char *cs = fld(r, i_cs);
        if (cs && *cs && !inv->computer && strlen(cs) <= INV_MAX_FIELD &&
            !(inv->computer = strdup(cs))) {
            rc = rm_errf(e, "out of memory");
            break;
        }
        if ((rc = add_fix(inv, id, fld(r, i_on), fld(r, i_desc), e)) < 0) {
            rm_errf(e, "line %zu: %s", lineno, e->msg);
            break;
        }
    }
    free(r);
    if (rc == 0 && !header)
        rc = rm_errf(e, "no CSV header with a HotFixID column");
    return rc;
}

int inv_parse_hotfix(const char *buf, size_t len, struct inventory *inv, struct rm_err *e)
{
    const unsigned char *b = (const unsigned char *)buf;
    if (len >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff))) {
        char *u;
        size_t n;
        if (inv_utf16_to_utf8(buf, len, &u, &n, e) < 0)
            return -1;
        int rc = parse_utf8(u, n, inv, e);
        free(u);
        return rc;
    }
    /* UTF-16 without a BOM shows as every other byte NUL: say so rather than "no header". */
    if (len >= 4 && (b[1] == 0 || b[0] == 0) && (b[3] == 0 || b[2] == 0))
        return rm_errf(e, "looks like UTF-16 without a byte order mark: re-export with "
                          "-Encoding UTF8, or keep the BOM PowerShell writes");
    return parse_utf8(buf, len, inv, e);
}
