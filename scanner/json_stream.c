/* Reading one large JSON document a piece at a time (see json_stream.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/arena.h"
#include "scanner/json_stream.h"

/* The insides of strings, most of the bytes, are skipped with memchr. */
void json_vcount_feed(struct json_vcount *c, const char *s, size_t len)
{
    size_t i = 0;
    if (c->esc && len > 0) {
        c->esc = false;
        i = 1;
    }
    while (i < len) {
        if (c->in_str) {
            const char *q = memchr(s + i, '"', len - i);
            size_t stop = q ? (size_t)(q - s) : len;
            const char *bs = memchr(s + i, '\\', stop - i);
            if (bs) {
                i = (size_t)(bs - s) + 2; /* the escaped byte, whatever it is */
                if (i > len) {
                    c->esc = true;
                    i = len;
                }
            } else if (q) {
                c->in_str = false;
                i = stop + 1;
            } else {
                i = len;
            }
            continue;
        }
        char ch = s[i++];
        if (ch == '"') {
            c->in_str = true;
        } else if (ch == ',' || ch == ':') {
            c->n++;
        } else if (ch == '[' || ch == '{') {
            c->n++;
            if (++c->depth > c->deepest)
                c->deepest = c->depth;
        } else if ((ch == ']' || ch == '}') && c->depth > 0) {
            c->depth--;
        }
    }
}

static bool over(const struct json_src *s)
{
    return s->total > s->lim.max_bytes || (s->lim.max_values && s->vc.n > s->lim.max_values) ||
           s->vc.deepest > s->lim.max_depth;
}

void json_src_mem(struct json_src *s, const char *data, size_t len, const struct json_limits *lim)
{
    *s = (struct json_src){.p = data, .end = data + len, .fd = -1, .eof = true, .total = len,
                           .vc = {.n = 1}, .lim = *lim};
    json_vcount_feed(&s->vc, data, len);
    s->failed = over(s);
}

int json_src_fd(struct json_src *s, int fd, size_t window, const struct json_limits *lim)
{
    *s = (struct json_src){.fd = fd, .cap = window, .vc = {.n = 1}, .lim = *lim};
    if (!(s->buf = malloc(window)))
        return -1;
    s->p = s->end = s->buf;
    return 0;
}

void json_src_free(struct json_src *s)
{
    free(s->buf);
    s->buf = NULL;
}

/* Keeps [p, end), reads more behind it. False when nothing more came. */
static bool refill(struct json_src *s)
{
    if (s->eof || s->failed)
        return false;
    size_t keep = (size_t)(s->end - s->p);
    if (keep > 0 && s->p != s->buf)
        memmove(s->buf, s->p, keep);
    if (keep == s->cap) {
        size_t ncap = s->cap * 2;
        char *g = ncap > s->cap && ncap <= s->lim.max_bytes * 2 ? realloc(s->buf, ncap) : NULL;
        if (!g) {
            s->failed = true;
            return false;
        }
        s->buf = g;
        s->cap = ncap;
    }
    ssize_t got;
    do
        got = read(s->fd, s->buf + keep, s->cap - keep);
    while (got < 0 && errno == EINTR);
    s->p = s->buf;
    s->end = s->buf + keep + (got > 0 ? (size_t)got : 0);
    if (got < 0) {
        s->failed = true;
        return false;
    }
    if (got == 0) {
        s->eof = true;
        return false;
    }
    s->total += (size_t)got;
    json_vcount_feed(&s->vc, s->buf + keep, (size_t)got);
    if (over(s)) {
        s->failed = true;
        return false;
    }
    return true;
}

int json_peek(struct json_src *s)
{
    if (s->failed)
        return -1;
    while (s->p == s->end)
        if (!refill(s))
            return -1;
    return (unsigned char)*s->p;
}

void json_skip_ws(struct json_src *s)
{
    for (;;) {
        while (s->p < s->end && (unsigned char)*s->p <= 32) /* cJSON's idea of whitespace */
            s->p++;
        if (s->p < s->end || !refill(s))
            return;
    }
}

void json_skip_start(struct json_src *s)
{
    while (s->end - s->p < 3 && refill(s))
        ;
    if (s->end - s->p >= 3 && memcmp(s->p, "\xEF\xBB\xBF", 3) == 0)
        s->p += 3;
    json_skip_ws(s);
}

bool json_at_end(struct json_src *s)
{
    for (;;) { /* only the whitespace a whole-document parse allows after it */
        int c = json_peek(s);
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        s->p++;
    }
    return json_peek(s) == -1 && !s->failed && s->eof;
}

/* One JSON value starting at s->p, which must be its first byte (no whitespace, no BOM: cJSON
 * would skip a BOM at the start of each piece but not inside a document). A value that ends
 * where the window ends may go on behind it (a number), and one that does not parse may be
 * cut off: both are parsed again with more of the file. a, when given, holds the tree and is
 * reset before a retry. */
static cJSON *parse_piece(struct json_src *s, struct arena *a)
{
    int c = json_peek(s);
    if (!(c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
          c == 'f' || c == 'n'))
        return NULL;
    for (;;) {
        const char *vend = NULL;
        cJSON *v = cJSON_ParseWithLengthOpts(s->p, (size_t)(s->end - s->p), &vend, 0);
        if (v && (vend < s->end || s->eof)) {
            s->p = vend;
            return v;
        }
        if (a)
            arena_reset(a);
        else
            cJSON_Delete(v);
        if (!refill(s))
            return NULL;
    }
}

cJSON *json_piece(struct json_src *s)
{
    return parse_piece(s, NULL);
}

/* Each element's tree comes from an arena that is reset after the element is read: no
 * malloc or free per node and string, and the same memory, warm in cache, for every element.
 * cJSON's allocation hooks are process-wide, so they are installed only while an array is
 * streamed, and they send a thread's requests to the arena only while this thread parses an
 * element (elem_arena); every other cJSON call, in this thread or another, still gets malloc
 * and free. riskmap's threads (detection, port scan, TLS probes) do not use cJSON. */
static _Thread_local struct arena *elem_arena;

static void *elem_alloc(size_t n)
{
    return elem_arena ? arena_alloc(elem_arena, n) : malloc(n);
}

static void elem_free(void *p)
{
    if (!elem_arena) /* arena blocks die with arena_reset */
        free(p);
}

/* Consumes the bracket open at the next byte and the whitespace after it: -1 when it is not
 * there, 0 when close follows at once (consumed too), 1 when members or elements follow. */
static int open_bracket(struct json_src *s, char open, char close)
{
    if (json_peek(s) != open)
        return -1;
    s->p++;
    json_skip_ws(s);
    if (json_peek(s) == close) {
        s->p++;
        return 0;
    }
    return 1;
}

/* After an element or member: consumes what follows it, a ',' (and the whitespace after it)
 * or the closing bracket, and answers that byte; -1 at the end or on failure. */
static int separator(struct json_src *s)
{
    json_skip_ws(s);
    int c = json_peek(s);
    if (c >= 0)
        s->p++;
    if (c == ',')
        json_skip_ws(s);
    return c;
}

int json_each(struct json_src *s, json_elem_fn fn, void *ctx)
{
    int o = open_bracket(s, '[', ']');
    if (o <= 0)
        return o < 0 ? 1 : 0;
    struct arena a;
    arena_init(&a, 64 * 1024, 0);
    cJSON_Hooks hooks = {elem_alloc, elem_free};
    cJSON_InitHooks(&hooks);
    int rc = 1;
    for (size_t i = 0;; i++) {
        elem_arena = &a;
        cJSON *it = parse_piece(s, &a);
        elem_arena = NULL;
        if (!it)
            break;
        int r = fn(ctx, it, i);
        arena_reset(&a); /* it and its tree are gone */
        if (r != 0) {
            rc = r;
            break;
        }
        int c = separator(s);
        if (c == ',')
            continue;
        if (c == ']')
            rc = 0;
        break;
    }
    cJSON_InitHooks(NULL);
    arena_release(&a);
    return rc;
}

int json_walk_object(struct json_src *s, cJSON *top, const char *const keys[], size_t nkeys,
                     bool seen[], json_member_fn fn, void *ctx)
{
    for (size_t k = 0; k < nkeys; k++)
        seen[k] = false;
    int o = open_bracket(s, '{', '}');
    if (o <= 0)
        return o < 0 ? 1 : 0;
    for (;;) {
        if (json_peek(s) != '"')
            return 1;
        cJSON *key = parse_piece(s, NULL);
        if (!key)
            return 1;
        json_skip_ws(s);
        if (json_peek(s) != ':') {
            cJSON_Delete(key);
            return 1;
        }
        s->p++;
        json_skip_ws(s);
        size_t k = 0;
        while (k < nkeys && strcmp(key->valuestring, keys[k]) != 0)
            k++;
        if (k < nkeys && !seen[k]) {
            seen[k] = true;
            int r = fn(ctx, k, s);
            if (r != 0) {
                cJSON_Delete(key);
                return r;
            }
        } else {
            cJSON *v = parse_piece(s, NULL);
            if (!v) {
                cJSON_Delete(key);
                return 1;
            }
            if (k < nkeys) /* a later member of a streamed name: only needs to be JSON */
                cJSON_Delete(v);
            else if (!cJSON_AddItemToObject(top, key->valuestring, v)) {
                cJSON_Delete(v);
                cJSON_Delete(key);
                return 1;
            }
        }
        cJSON_Delete(key);
        int c = separator(s);
        if (c != ',')
            return c == '}' ? 0 : 1;
    }
}

void json_path_join(char *buf, size_t size, const char *path, const char *key, size_t index,
                    bool indexed)
{
    size_t n = 0;
    for (const char *s = path; *s && n + 1 < size; s++)
        buf[n++] = *s;
    if (*path && *key && n + 1 < size)
        buf[n++] = '.';
    for (const char *s = key; *s && n + 1 < size; s++)
        buf[n++] = *s;
    if (indexed) {
        char digits[24];
        size_t d = 0;
        do
            digits[d++] = (char)('0' + index % 10);
        while ((index /= 10) != 0);
        if (n + 1 < size)
            buf[n++] = '[';
        while (d > 0 && n + 1 < size)
            buf[n++] = digits[--d];
        if (n + 1 < size)
            buf[n++] = ']';
    }
    buf[n] = '\0';
}
