/* Service signature loader and matcher (PCRE2, 8-bit code units, no UTF). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/sigs.h"

/* Resource limits for one match against hostile bytes: a few milliseconds at most. */
#define SIG_MATCH_LIMIT 200000u
#define SIG_DEPTH_LIMIT 2000u
#define SIG_HEAP_LIMIT_KIB 4096u
#define SIG_MAX_LINE 4096u
#define SIG_MAX_NAME 32u

enum { T_PRODUCT, T_VERSION, T_INFO, T_CPE, T_COUNT };

struct sig {
    char probe[SIG_MAX_NAME]; /* "*" = any probe */
    char service[SIG_MAX_NAME];
    pcre2_code *re;
    char *tmpl[T_COUNT]; /* NULL when absent */
    unsigned line;
};

struct sig_table {
    struct sig *sigs;
    size_t n, cap;
    pcre2_match_context *mctx;
};

void sigs_free(struct sig_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        pcre2_code_free(t->sigs[i].re);
        for (int k = 0; k < T_COUNT; k++)
            free(t->sigs[i].tmpl[k]);
    }
    free(t->sigs);
    pcre2_match_context_free(t->mctx);
    free(t);
}

size_t sigs_count(const struct sig_table *t)
{
    return t ? t->n : 0;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*';
}

/* Reads a word of name characters into out; returns the length or 0. */
static size_t read_name(const char **p, const char *end, char out[SIG_MAX_NAME])
{
    size_t n = 0;
    while (*p < end && is_name_char(**p)) {
        if (n + 1 >= SIG_MAX_NAME)
            return 0;
        out[n++] = *(*p)++;
    }
    out[n] = '\0';
    return n;
}

static void skip_space(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
}

/* KEY<d>TEXT<d>: returns a pointer to TEXT and its length, advancing past the closing
 * delimiter; NULL when unterminated. */
static const char *read_delimited(const char **p, const char *end, size_t *len)
{
    if (*p >= end)
        return NULL;
    char d = **p;
    if (isalnum((unsigned char)d) || d == ' ' || d == '\t' || d == '\\')
        return NULL;
    const char *start = ++(*p);
    const char *close = memchr(start, d, (size_t)(end - start));
    if (!close)
        return NULL;
    *len = (size_t)(close - start);
    *p = close + 1;
    return start;
}

static int parse_line(struct sig_table *t, const char *p, const char *end, const char *label,
                      unsigned lineno, struct rm_err *e)
{
    const char *line = p;
    struct sig s = {.line = lineno};
    char word[SIG_MAX_NAME];
    if (read_name(&p, end, word) == 0 || strcmp(word, "match") != 0)
        return rm_errf(e, "%s:%u: expected \"match PROBE SERVICE m/REGEX/ ...\"", label, lineno);
    skip_space(&p, end);
    if (read_name(&p, end, s.probe) == 0)
        return rm_errf(e, "%s:%u: missing probe name", label, lineno);
    skip_space(&p, end);
    if (read_name(&p, end, s.service) == 0 || strcmp(s.service, "*") == 0)
        return rm_errf(e, "%s:%u: missing service name", label, lineno);
    skip_space(&p, end);

    bool have_re = false;
    int rc = -1;
    while (p < end) {
        const char *key = p;
        while (p < end && isalpha((unsigned char)*p))
            p++;
        size_t klen = (size_t)(p - key);
        size_t vlen = 0;
        const char *v = read_delimited(&p, end, &vlen);
        if (klen == 0 || !v) {
            rm_errf(e, "%s:%u: malformed field at column %u (KEY/TEXT/ expected)", label, lineno,
                    (unsigned)(key - line) + 1);
            goto fail;
        }
        int slot = -1;
        if (klen == 1 && key[0] == 'm') {
            if (have_re) {
                rm_errf(e, "%s:%u: more than one m// field", label, lineno);
                goto fail;
            }
            uint32_t opts = 0;
            while (p < end && (*p == 's' || *p == 'i')) {
                opts |= *p == 's' ? PCRE2_DOTALL : PCRE2_CASELESS;
                p++;
            }
            int err;
            PCRE2_SIZE off;
            s.re = pcre2_compile((PCRE2_SPTR)v, vlen, opts, &err, &off, NULL);
            if (!s.re) {
                PCRE2_UCHAR msg[160];
                pcre2_get_error_message(err, msg, sizeof msg);
                rm_errf(e, "%s:%u: regex error at offset %zu: %s", label, lineno, (size_t)off,
                        (const char *)msg);
                goto fail;
            }
            uint32_t groups = 0;
            pcre2_pattern_info(s.re, PCRE2_INFO_CAPTURECOUNT, &groups);
            if (groups > 9) {
                rm_errf(e, "%s:%u: more than 9 capture groups", label, lineno);
                goto fail;
            }
            have_re = true;
        } else if (klen == 1 && key[0] == 'p') {
            slot = T_PRODUCT;
        } else if (klen == 1 && key[0] == 'v') {
            slot = T_VERSION;
        } else if (klen == 1 && key[0] == 'i') {
            slot = T_INFO;
        } else if (klen == 3 && memcmp(key, "cpe", 3) == 0) {
            slot = T_CPE;
        } else {
            rm_errf(e, "%s:%u: unknown field \"%.*s\"", label, lineno, (int)klen, key);
            goto fail;
        }
        if (slot >= 0) {
            if (s.tmpl[slot]) {
                rm_errf(e, "%s:%u: field \"%.*s\" given twice", label, lineno, (int)klen, key);
                goto fail;
            }
            for (size_t i = 0; i + 1 < vlen; i++)
                if (v[i] == '$' && !(v[i + 1] >= '1' && v[i + 1] <= '9') && v[i + 1] != '$') {
                    rm_errf(e, "%s:%u: \"$\" must be followed by 1-9 or $", label, lineno);
                    goto fail;
                }
            if (!(s.tmpl[slot] = strndup(v, vlen))) {
                rm_errf(e, "%s: out of memory", label);
                goto fail;
            }
        }
        if (p < end && *p != ' ' && *p != '\t') {
            rm_errf(e, "%s:%u: expected a space after field \"%.*s\"", label, lineno, (int)klen,
                    key);
            goto fail;
        }
        skip_space(&p, end);
    }
    if (!have_re) {
        rm_errf(e, "%s:%u: missing m/REGEX/", label, lineno);
        goto fail;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(s.re, PCRE2_INFO_CAPTURECOUNT, &groups);
    for (int k = 0; k < T_COUNT; k++)
        for (const char *q = s.tmpl[k]; q && (q = strchr(q, '$')); q += 2) {
            if (q[1] == '$')
                continue;
            if ((uint32_t)(q[1] - '0') > groups) {
                rm_errf(e, "%s:%u: template refers to $%c but the regex has %u group(s)", label,
                        lineno, q[1], groups);
                goto fail;
            }
        }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct sig *n = realloc(t->sigs, cap * sizeof *n);
        if (!n) {
            rm_errf(e, "%s: out of memory", label);
            goto fail;
        }
        t->sigs = n;
        t->cap = cap;
    }
    t->sigs[t->n++] = s;
    return 0;
fail:
    pcre2_code_free(s.re);
    for (int k = 0; k < T_COUNT; k++)
        free(s.tmpl[k]);
    return rc;
}

int sigs_load(const char *text, size_t len, const char *label, struct sig_table **out,
              struct rm_err *e)
{
    struct sig_table *t = calloc(1, sizeof *t);
    if (!t || !(t->mctx = pcre2_match_context_create(NULL))) {
        free(t);
        return rm_errf(e, "%s: out of memory", label);
    }
    pcre2_set_match_limit(t->mctx, SIG_MATCH_LIMIT);
    pcre2_set_depth_limit(t->mctx, SIG_DEPTH_LIMIT);
    pcre2_set_heap_limit(t->mctx, SIG_HEAP_LIMIT_KIB);

    const char *p = text, *end = text + len;
    unsigned lineno = 0;
    while (p < end) {
        lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (le > p && le[-1] == '\r')
            le--;
        if ((size_t)(le - p) > SIG_MAX_LINE) {
            sigs_free(t);
            return rm_errf(e, "%s:%u: line longer than %u bytes", label, lineno, SIG_MAX_LINE);
        }
        if (memchr(p, '\0', (size_t)(le - p))) {
            sigs_free(t);
            return rm_errf(e, "%s:%u: NUL byte in line (write \\x00 in a regex)", label, lineno);
        }
        const char *q = p;
        skip_space(&q, le);
        if (q < le && *q != '#' && parse_line(t, q, le, label, lineno, e) < 0) {
            sigs_free(t);
            return -1;
        }
        p = next;
    }
    if (t->n == 0) {
        sigs_free(t);
        return rm_errf(e, "%s: no signatures", label);
    }
    *out = t;
    return 0;
}

int sigs_load_builtin(struct sig_table **out, struct rm_err *e)
{
    return sigs_load((const char *)riskmap_sigs_data, riskmap_sigs_len, SIGS_BUILTIN_LABEL, out,
                     e);
}

void sig_match_clear(struct sig_match *m)
{
    if (!m)
        return;
    free(m->service);
    free(m->product);
    free(m->version);
    free(m->info);
    free(m->cpe);
    memset(m, 0, sizeof *m);
}

/* Characters a CPE 2.3 formatted-string component may hold unquoted. */
static bool cpe_plain(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '-';
}

/* Appends one byte of substituted data: printable ASCII only, whitespace runs folded into one
 * space; in a CPE, anything else than [A-Za-z0-9._-] is backslash-quoted. */
static void put(char *out, size_t *n, unsigned char c, bool cpe, bool from_data)
{
    if (*n + 3 >= SIGS_MAX_FIELD)
        return;
    if (c == '\t' || c == '\r' || c == '\n')
        c = ' ';
    if (c < 0x20 || c > 0x7e)
        return;
    char blank = cpe && from_data ? '_' : ' ';
    if (c == ' ' && (*n == 0 || out[*n - 1] == blank))
        return;
    if (cpe && from_data && !cpe_plain(c)) {
        if (c == ' ')
            c = '_';
        else
            out[(*n)++] = '\\';
    }
    out[(*n)++] = (char)c;
}

/* Expands a template; NULL when it is absent or expands to nothing (or ENOMEM). */
static char *expand(const char *tmpl, const unsigned char *data, const PCRE2_SIZE *ov,
                    int ngroups, bool cpe, bool *oom)
{
    if (!tmpl)
        return NULL;
    char out[SIGS_MAX_FIELD];
    size_t n = 0;
    for (const char *q = tmpl; *q; q++) {
        if (q[0] == '$' && q[1] == '$') {
            put(out, &n, '$', false, false);
            q++;
        } else if (q[0] == '$' && q[1] >= '1' && q[1] <= '9') {
            int g = q[1] - '0';
            q++;
            if (g >= ngroups || ov[2 * g] == PCRE2_UNSET)
                continue;
            for (PCRE2_SIZE i = ov[2 * g]; i < ov[2 * g + 1]; i++)
                put(out, &n, data[i], cpe, true);
        } else {
            put(out, &n, (unsigned char)*q, false, false);
        }
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    if (n == 0)
        return NULL;
    out[n] = '\0';
    char *r = strdup(out);
    if (!r)
        *oom = true;
    return r;
}

static int try_sig(const struct sig_table *t, const struct sig *s, const unsigned char *data,
                   size_t len, pcre2_match_data *md, struct sig_match *m)
{
    int rc = pcre2_match(s->re, data, len, 0, 0, md, t->mctx);
    if (rc < 0)
        return 0; /* no match, or a resource limit reached: either way not identified */
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    int ngroups = rc == 0 ? (int)pcre2_get_ovector_count(md) : rc;
    memset(m, 0, sizeof *m);
    m->line = s->line;
    if (!(m->service = strdup(s->service)))
        return -1;
    char **dst[T_COUNT] = {&m->product, &m->version, &m->info, &m->cpe};
    bool oom = false;
    for (int k = 0; k < T_COUNT; k++)
        *dst[k] = expand(s->tmpl[k], data, ov, ngroups, k == T_CPE, &oom);
    if (oom) {
        sig_match_clear(m);
        return -1;
    }
    return 1;
}

int sigs_match(const struct sig_table *t, const char *probe, const unsigned char *data,
               size_t len, struct sig_match *m)
{
    memset(m, 0, sizeof *m);
    if (!t || !data)
        return 0;
    pcre2_match_data *md = pcre2_match_data_create(10, NULL);
    if (!md)
        return -1;
    int found = 0;
    for (int pass = 0; pass < 2 && !found; pass++)
        for (size_t i = 0; i < t->n && !found; i++) {
            const struct sig *s = &t->sigs[i];
            bool any = strcmp(s->probe, "*") == 0;
            if (pass == 0 ? (any || strcmp(s->probe, probe) != 0) : !any)
                continue;
            found = try_sig(t, s, data, len, md, m);
        }
    pcre2_match_data_free(md);
    return found;
}
