#include "history.h"

#include <stdlib.h>
#include <string.h>

#include "scanner/result.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int history_load(struct history *h, const char *path, struct rm_err *e)
{
    memset(h, 0, sizeof *h);
    struct scan_result *r = NULL;
    if (result_load(path, &r, e) < 0)
        return -1;
    h->fps = calloc(r->n_findings ? r->n_findings : 1, sizeof *h->fps);
    h->scan_id = rm_strdup(r->meta.id);
    if (!h->fps) {
        scan_result_free(r);
        history_free(h);
        return rm_errf(e, "out of memory");
    }
    for (size_t i = 0; i < r->n_findings; i++)
        if ((h->fps[h->n] = strdup(r->findings[i]->fingerprint)))
            h->n++;
    scan_result_free(r);
    if (h->n > 1)
        qsort(h->fps, h->n, sizeof *h->fps, cmp_str);
    h->have = true;
    return 0;
}

size_t history_count_new(const struct history *h, const struct scan_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        const char *fp = r->findings[i]->fingerprint;
        if (!h->have || !bsearch(&fp, h->fps, h->n, sizeof *h->fps, cmp_str))
            n++;
    }
    return n;
}

void history_free(struct history *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->fps[i]);
    free(h->fps);
    free(h->scan_id);
    memset(h, 0, sizeof *h);
}
