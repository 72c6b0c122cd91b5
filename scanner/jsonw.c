/* The streaming JSON writer (see jsonw.h). The layout rules are cJSON 1.7's printer's:
 * an object opens with "{" and, pretty, a newline; each member is indented by the depth in
 * tabs and separated from the next by ",\n"; the closing brace is indented one level less,
 * also in an empty object ("{\n\t}"). Arrays stay on one line, items separated by ", ". */
#include "scanner/jsonw.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(struct jsonw *w, bool pretty)
{
    memset(w, 0, sizeof *w);
    w->pretty = pretty;
}

static bool grow(struct jsonw *w, size_t more)
{
    if (w->oom)
        return false;
    if (w->n + more + 1 <= w->cap)
        return true;
    size_t nc = w->cap ? w->cap : 65536;
    while (nc < w->n + more + 1)
        nc *= 2;
    char *p = realloc(w->p, nc);
    if (!p) {
        w->oom = true;
        return false;
    }
    w->p = p;
    w->cap = nc;
    return true;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
    if (!grow(w, n))
        return;
    memcpy(w->p + w->n, s, n);
    w->n += n;
}

static void tabs(struct jsonw *w, int n)
{
    if (n <= 0 || !grow(w, (size_t)n))
        return;
    memset(w->p + w->n, '\t', (size_t)n);
    w->n += (size_t)n;
}

/* A string literal with cJSON's escapes: the two-character ones, other control bytes as
 * \u00XX; everything else (DEL, UTF-8, invalid bytes) as it is. */
static void quoted(struct jsonw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s), extra = 0;
    for (size_t i = 0; i < len; i++)
        if (u[i] < 0x20 || u[i] == '"' || u[i] == '\\')
            extra += u[i] < 0x20 && !strchr("\b\f\n\r\t", u[i]) ? 5 : 1;
    if (!grow(w, len + extra + 2))
        return;
    char *o = w->p + w->n;
    *o++ = '"';
    if (!extra) {
        memcpy(o, s, len);
        o += len;
    } else {
        for (size_t i = 0; i < len; i++) {
            unsigned c = u[i];
            if (c >= 0x20 && c != '"' && c != '\\') {
                *o++ = (char)c;
                continue;
            }
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                memcpy(o, "u00", 3);
                o[3] = hex[c >> 4];
                o[4] = hex[c & 15];
                o += 5;
            }
        }
    }
    *o++ = '"';
    w->n = (size_t)(o - w->p);
}

/* What goes before a value: the separator from the previous one, and in an object the
 * indentation and key. */
static void before(struct jsonw *w, const char *key)
{
    if (w->depth == 0)
        return;
    int d = w->depth - 1;
    bool first = !w->has_items[d];
    w->has_items[d] = true;
    if (w->is_array[d]) {
        if (!first)
            put(w, w->pretty ? ", " : ",", w->pretty ? 2 : 1);
        return;
    }
    if (!first)
        put(w, w->pretty ? ",\n" : ",", w->pretty ? 2 : 1);
    if (w->pretty)
        tabs(w, w->depth);
    quoted(w, key ? key : "");
    put(w, w->pretty ? ":\t" : ":", w->pretty ? 2 : 1);
}

static void open_container(struct jsonw *w, const char *key, bool array)
{
    if (w->depth >= JW_MAX_DEPTH) {
        w->oom = true; /* deeper than any document riskmap writes: fail rather than corrupt */
        return;
    }
    before(w, key);
    put(w, array ? "[" : "{", 1);
    if (!array && w->pretty)
        put(w, "\n", 1);
    w->is_array[w->depth] = array;
    w->has_items[w->depth] = false;
    w->depth++;
}

void jw_object(struct jsonw *w, const char *key)
{
    open_container(w, key, false);
}

void jw_array(struct jsonw *w, const char *key)
{
    open_container(w, key, true);
}

void jw_end(struct jsonw *w)
{
    if (w->depth == 0) {
        w->oom = true;
        return;
    }
    int d = --w->depth;
    if (w->is_array[d]) {
        put(w, "]", 1);
        return;
    }
    if (w->pretty) {
        if (w->has_items[d])
            put(w, "\n", 1);
        tabs(w, d);
    }
    put(w, "}", 1);
}

void jw_str(struct jsonw *w, const char *key, const char *v)
{
    if (!v)
        return;
    before(w, key);
    quoted(w, v);
}

void jw_str_or_null(struct jsonw *w, const char *key, const char *v)
{
    if (v)
        jw_str(w, key, v);
    else
        jw_null(w, key);
}

/* cJSON's: 15 significant digits when they read back as the same double, else 17. */
void jw_num(struct jsonw *w, const char *key, double v)
{
    char b[32];
    int n;
    if (isnan(v) || isinf(v)) {
        n = snprintf(b, sizeof b, "null");
    } else {
        n = snprintf(b, sizeof b, "%1.15g", v);
        double back = strtod(b, NULL);
        double big = fabs(back) > fabs(v) ? fabs(back) : fabs(v);
        if (!(fabs(back - v) <= big * DBL_EPSILON))
            n = snprintf(b, sizeof b, "%1.17g", v);
    }
    before(w, key);
    put(w, b, (size_t)n);
}

void jw_int(struct jsonw *w, const char *key, long long v)
{
    if (v <= -1000000000000000LL || v >= 1000000000000000LL) {
        jw_num(w, key, (double)v); /* where %g turns to an exponent */
        return;
    }
    /* Digits by hand: snprintf was a third of writing an evaluation's hundreds of thousands
     * of finding indices. */
    char b[24], *e = b + sizeof b, *d = e;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        *--d = (char)('0' + u % 10);
    while ((u /= 10));
    if (v < 0)
        *--d = '-';
    before(w, key);
    put(w, d, (size_t)(e - d));
}

void jw_bool(struct jsonw *w, const char *key, bool v)
{
    before(w, key);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jsonw *w, const char *key)
{
    before(w, key);
    put(w, "null", 4);
}

char *jw_finish(struct jsonw *w, size_t *len)
{
    char *p = NULL;
    if (!w->oom && w->depth == 0 && grow(w, 0)) {
        w->p[w->n] = '\0';
        p = w->p;
        *len = w->n;
        w->p = NULL;
    }
    jw_free(w);
    return p;
}

void jw_free(struct jsonw *w)
{
    free(w->p);
    jw_init(w, w->pretty);
}
