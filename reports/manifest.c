#include "manifest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define META_MAX 256u

void manifest_free(struct manifest *m)
{
    for (size_t i = 0; i < m->n_meta; i++) {
        free(m->meta[i].key);
        free(m->meta[i].value);
    }
    for (size_t i = 0; i < m->n_files; i++)
        free(m->files[i].path);
    free(m->meta);
    free(m->files);
    memset(m, 0, sizeof *m);
}

const char *manifest_get(const struct manifest *m, const char *key)
{
    for (size_t i = 0; i < m->n_meta; i++)
        if (strcmp(m->meta[i].key, key) == 0)
            return m->meta[i].value;
    return NULL;
}

int manifest_path_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > MANIFEST_PATH_MAX || p[0] == '/')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '\\')
            return 0;
    /* Components: none empty, none "." or "..". */
    const char *c = p;
    for (;;) {
        const char *s = strchr(c, '/');
        size_t len = s ? (size_t)(s - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        if (!s)
            return 1;
        c = s + 1;
    }
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static bool is_hex64(const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int manifest_parse(const char *text, size_t len, struct manifest *out, struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    if (len > MANIFEST_MAX_BYTES)
        return rm_errf(e, "MANIFEST: larger than %u bytes", MANIFEST_MAX_BYTES);
    size_t cap_meta = 0, cap_files = 0;
    size_t lineno = 0, pos = 0;
    bool in_files = false;
    const char *prev_path = NULL;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        if (!nl) {
            manifest_free(out);
            return rm_errf(e, "MANIFEST:%zu: last line has no newline", lineno + 1);
        }
        size_t n = (size_t)(nl - line);
        pos += n + 1;
        lineno++;
        if (memchr(line, '\0', n) || memchr(line, '\r', n)) {
            manifest_free(out);
            return rm_errf(e, "MANIFEST:%zu: control character", lineno);
        }
        if (lineno == 1) {
            if (n != strlen(MANIFEST_MAGIC) || memcmp(line, MANIFEST_MAGIC, n) != 0) {
                manifest_free(out);
                return rm_errf(e, "MANIFEST:1: not a riskmap evidence manifest (version 1)");
            }
            continue;
        }
        if (!in_files) {
            if (n == 0) {
                in_files = true;
                continue;
            }
            const char *colon = memchr(line, ':', n);
            if (!colon || colon == line || (size_t)(colon - line) + 2 > n || colon[1] != ' ' ||
                out->n_meta >= META_MAX) {
                manifest_free(out);
                return rm_errf(e, "MANIFEST:%zu: expected \"key: value\"", lineno);
            }
            if (grow((void **)&out->meta, &cap_meta, out->n_meta + 1, sizeof *out->meta) < 0)
                goto oom;
            struct manifest_meta *m = &out->meta[out->n_meta];
            m->key = dup_n(line, (size_t)(colon - line));
            m->value = dup_n(colon + 2, n - (size_t)(colon - line) - 2);
            out->n_meta++;
            if (!m->key || !m->value)
                goto oom;
            continue;
        }
        /* HASH  SIZE  PATH */
        const char *s1 = n > 66 ? line + 64 : NULL;
        if (!s1 || !is_hex64(line, 64) || s1[0] != ' ' || s1[1] != ' ') {
            manifest_free(out);
            return rm_errf(e, "MANIFEST:%zu: expected \"SHA256  SIZE  PATH\"", lineno);
        }
        const char *num = s1 + 2, *end = line + n;
        uint64_t size = 0;
        const char *q = num;
        while (q < end && *q >= '0' && *q <= '9' && q - num < 19)
            size = size * 10 + (uint64_t)(*q++ - '0');
        if (q == num || end - q < 3 || q[0] != ' ' || q[1] != ' ') {
            manifest_free(out);
            return rm_errf(e, "MANIFEST:%zu: bad size", lineno);
        }
        if (out->n_files >= MANIFEST_MAX_FILES ||
            grow((void **)&out->files, &cap_files, out->n_files + 1, sizeof *out->files) < 0)
            goto oom;
        struct manifest_file *f = &out->files[out->n_files];
        f->path = dup_n(q + 2, (size_t)(end - q - 2));
        if (!f->path)
            goto oom;
        memcpy(f->sha256, line, 64);
        f->sha256[64] = '\0';
        f->size = size;
        out->n_files++;
        if (!manifest_path_ok(f->path)) {
            manifest_free(out);
            return rm_errf(e, "MANIFEST:%zu: unsafe path", lineno);
        }
        /* Sorted and unique: a file cannot be listed twice with two hashes. */
        if (prev_path && strcmp(prev_path, f->path) >= 0) {
            manifest_free(out);
            return rm_errf(e, "MANIFEST:%zu: paths not in strictly ascending order", lineno);
        }
        prev_path = f->path;
    }
    if (!in_files) {
        manifest_free(out);
        return rm_errf(e, "MANIFEST: no file list");
    }
    return 0;
oom:
    manifest_free(out);
    return rm_errf(e, "out of memory");
}
