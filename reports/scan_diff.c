/* The diff of two scans by fingerprint (reports/scan_diff.h). */
#include "reports/scan_diff.h"

#include <stdlib.h>
#include <string.h>

static int cmp_fp(const void *x, const void *y)
{
    const struct finding *a = *(const struct finding *const *)x;
    const struct finding *b = *(const struct finding *const *)y;
    int c = strcmp(a->fingerprint, b->fingerprint);
    /* Equal fingerprints: the earlier finding first, so "first" is well defined. */
    return c ? c : (a < b ? -1 : a > b);
}

/* The scan's findings by fingerprint, each fingerprint once. */
static const struct finding **by_fp(const struct scan_result *r, size_t *n)
{
    const struct finding **v = malloc((r->n_findings ? r->n_findings : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < r->n_findings; i++)
        v[i] = r->findings[i];
    if (r->n_findings > 1)
        qsort(v, r->n_findings, sizeof *v, cmp_fp);
    size_t k = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        if (!k || strcmp(v[k - 1]->fingerprint, v[i]->fingerprint) != 0)
            v[k++] = v[i];
    *n = k;
    return v;
}

static const struct finding *shown(const struct diff_item *d)
{
    return d->b ? d->b : d->a;
}

static int cmp_item(const void *x, const void *y)
{
    const struct finding *a = shown(x), *b = shown(y);
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    int c = strcmp(a->kind, b->kind);
    if (c)
        return c;
    c = addr_cmp(&a->addr, &b->addr);
    if (c)
        return c;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return strcmp(a->fingerprint, b->fingerprint);
}

static int push(struct diff_item **v, size_t *n, const struct finding *a,
                const struct finding *b)
{
    struct diff_item *w = realloc(*v, (*n + 1) * sizeof *w);
    if (!w)
        return -1;
    *v = w;
    w[*n].a = a;
    w[*n].b = b;
    (*n)++;
    return 0;
}

int scan_diff(const struct scan_result *a, const struct scan_result *b, struct scan_diff *out,
              struct rm_err *e)
{
    size_t na = 0, nb = 0;
    const struct finding **va = by_fp(a, &na), **vb = by_fp(b, &nb);
    int rc = -1;
    if (!va || !vb)
        goto out;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        int c = i == na ? 1 : j == nb ? -1 : strcmp(va[i]->fingerprint, vb[j]->fingerprint);
        if (c < 0) {
            if (push(&out->resolved, &out->n_resolved, va[i++], NULL) < 0)
                goto out;
        } else if (c > 0) {
            if (push(&out->added, &out->n_added, NULL, vb[j++]) < 0)
                goto out;
        } else {
            if (va[i]->severity != vb[j]->severity) {
                if (push(&out->changed, &out->n_changed, va[i], vb[j]) < 0)
                    goto out;
            } else {
                out->n_unchanged++;
            }
            i++, j++;
        }
    }
    /* qsort wants a non-NULL base even for nothing (UBSan): an empty list stays NULL. */
    if (out->n_added)
        qsort(out->added, out->n_added, sizeof *out->added, cmp_item);
    if (out->n_resolved)
        qsort(out->resolved, out->n_resolved, sizeof *out->resolved, cmp_item);
    if (out->n_changed)
        qsort(out->changed, out->n_changed, sizeof *out->changed, cmp_item);
    rc = 0;
out:
    free(va);
    free(vb);
    if (rc < 0) {
        scan_diff_free(out);
        rm_errf(e, "diff: out of memory");
    }
    return rc;
}

void scan_diff_free(struct scan_diff *d)
{
    free(d->added);
    free(d->resolved);
    free(d->changed);
    memset(d, 0, sizeof *d);
}

static cJSON *scan_json(const struct scan_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", r->meta.id ? r->meta.id : "");
    cJSON_AddStringToObject(o, "started_utc", r->meta.started_utc ? r->meta.started_utc : "");
    cJSON_AddBoolToObject(o, "complete", r->meta.complete);
    cJSON_AddNumberToObject(o, "findings", (double)r->n_findings);
    return o;
}

static cJSON *item_json(const struct diff_item *d)
{
    const struct finding *f = shown(d);
    char addr[RM_ADDRSTRLEN];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "fingerprint", f->fingerprint);
    cJSON_AddStringToObject(o, "kind", f->kind);
    cJSON_AddStringToObject(o, "title", f->title ? f->title : f->kind);
    if (f->addr.family)
        cJSON_AddStringToObject(o, "address", addr_str(&f->addr, addr, sizeof addr));
    else /* site-wide: no address, the asset's name */
        cJSON_AddStringToObject(o, "asset", finding_asset_label(f, addr, sizeof addr));
    if (f->hostname)
        cJSON_AddStringToObject(o, "hostname", f->hostname);
    cJSON_AddNumberToObject(o, "port", f->port);
    if (d->a)
        cJSON_AddStringToObject(o, "severity_a", severity_name(d->a->severity));
    if (d->b)
        cJSON_AddStringToObject(o, "severity_b", severity_name(d->b->severity));
    return o;
}

static int add_list(cJSON *doc, const char *name, const struct diff_item *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(doc, name);
    if (!a)
        return -1;
    for (size_t i = 0; i < n; i++) {
        cJSON *x = item_json(&v[i]);
        if (!x)
            return -1;
        cJSON_AddItemToArray(a, x);
    }
    return 0;
}

cJSON *scan_diff_json(const struct scan_diff *d, const struct scan_result *a,
                      const struct scan_result *b)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "format", "riskmap-scan-diff");
    cJSON_AddNumberToObject(doc, "format_version", 1);
    cJSON *sa = scan_json(a), *sb = scan_json(b);
    if (sa)
        cJSON_AddItemToObject(doc, "a", sa);
    if (sb)
        cJSON_AddItemToObject(doc, "b", sb);
    cJSON_AddNumberToObject(doc, "unchanged", (double)d->n_unchanged);
    if (!sa || !sb || add_list(doc, "new", d->added, d->n_added) < 0 ||
        add_list(doc, "resolved", d->resolved, d->n_resolved) < 0 ||
        add_list(doc, "changed", d->changed, d->n_changed) < 0) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}
