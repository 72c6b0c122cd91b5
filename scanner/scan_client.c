/* A client profile applied to `riskmap scan`, and the evaluation at the scan's end. */
#include "scanner/scan_client.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/tls_cert.h"
#include "scanner/register_record.h"
#include "scanner/result.h"
#include "checks/tls_rules.h"

/* A profile's path-like value, relative to the profile's own directory unless absolute. */
static int profile_path(const struct profile *p, const char *v, char *out, size_t cap)
{
    const char *slash = strrchr(p->source, '/');
    int n = v[0] != '/' && slash
                ? snprintf(out, cap, "%.*s/%s", (int)(slash - p->source), p->source, v)
                : snprintf(out, cap, "%s", v);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The profile's inventories as --inventory specs (HOST=FILE,format=...,os=...,build=...). */
static int add_inventories(struct scan_opts *o, struct scan_client *c, const struct profile *p,
                           struct rm_err *e)
{
    if (!p->n_inventories)
        return 0;
    if (!(c->inv_specs = calloc(p->n_inventories, sizeof *c->inv_specs)))
        return rm_errf(e, "out of memory");
    for (size_t i = 0; i < p->n_inventories; i++) {
        const struct prof_inventory *iv = &p->inventories[i];
        char path[PATH_MAX], spec[PATH_MAX + 400];
        if (profile_path(p, iv->file, path, sizeof path) < 0)
            return rm_errf(e, "%s: inventory path too long", p->source);
        if (strchr(path, ',') || strchr(iv->host, ','))
            return rm_errf(e, "%s: inventory \"%s\": a ',' in the host or file name cannot be "
                              "passed on", p->source, iv->file);
        int n = snprintf(spec, sizeof spec, "%s=%s%s%s%s%s%s%s", iv->host, path,
                         iv->format ? ",format=" : "", iv->format ? iv->format : "",
                         iv->os ? ",os=" : "", iv->os ? iv->os : "",
                         iv->build ? ",build=" : "", iv->build ? iv->build : "");
        if (n < 0 || (size_t)n >= sizeof spec)
            return rm_errf(e, "%s: inventory path too long", p->source);
        if (!(c->inv_specs[c->n_inv_specs] = strdup(spec)))
            return rm_errf(e, "out of memory");
        if (scan_opts_push(&o->inventories, &o->n_inventories, c->inv_specs[c->n_inv_specs++]) < 0)
            return rm_errf(e, "out of memory");
    }
    return 0;
}

static int add_backups(struct scan_opts *o, struct scan_client *c, const struct profile *p,
                       struct rm_err *e)
{
    if (!p->n_backups)
        return 0;
    if (!(c->specs = calloc(p->n_backups, sizeof *c->specs)))
        return rm_errf(e, "out of memory");
    for (size_t i = 0; i < p->n_backups; i++) {
        if (profile_backup_spec(&p->backups[i], &c->specs[i]) < 0)
            return rm_errf(e, "%s: backup source \"%s\" cannot be expressed as a backup spec",
                           p->source, p->backups[i].name);
        c->n_specs++;
        if (scan_opts_push(&o->backups, &o->n_backups, c->specs[i]) < 0)
            return rm_errf(e, "out of memory");
    }
    return 0;
}

/* Does a backup source of p protect group g: its asset is the group's id or a member's text? */
static bool group_has_backup(const struct profile *p, const struct prof_group *g)
{
    for (size_t i = 0; i < p->n_backups; i++) {
        const char *a = p->backups[i].asset;
        if (!a)
            continue;
        if (strcmp(a, g->id) == 0)
            return true;
        for (size_t m = 0; m < g->n_members; m++)
            if (strcasecmp(a, g->members[m].text) == 0)
                return true;
    }
    return false;
}

static int add_critical(struct scan_client *c, const struct profile *p, struct rm_err *e)
{
    for (size_t i = 0; i < p->n_groups; i++) {
        const struct prof_group *g = &p->groups[i];
        if (g->criticality != CRIT_CRITICAL || group_has_backup(p, g))
            continue;
        const char **v = realloc(c->critical, (c->n_critical + 1) * sizeof *v);
        if (!v)
            return rm_errf(e, "out of memory");
        c->critical = v;
        c->critical[c->n_critical++] = g->id;
    }
    return 0;
}

static int add_scope(struct scan_opts *o, const struct profile *p, struct rm_err *e)
{
    bool own_targets = o->n_targets || o->n_target_files;
    for (size_t s = 0; s < p->n_sites; s++) {
        const struct prof_site *site = &p->sites[s];
        for (size_t i = 0; !own_targets && i < site->n_scope; i++)
            if (scan_opts_push(&o->targets, &o->n_targets, site->scope[i]) < 0)
                return rm_errf(e, "out of memory");
        for (size_t i = 0; i < site->n_excludes; i++)
            if (scan_opts_push(&o->excludes, &o->n_excludes, site->excludes[i].target) < 0)
                return rm_errf(e, "out of memory");
    }
    if (!o->n_targets && !o->n_target_files)
        return rm_errf(e, "%s: the profile's sites name no scope, and no targets were given",
                       p->source);
    return 0;
}

/* The horizon the tls check reports expiring certificates within: wide enough for every
 * cert-days threshold the profile sets (evaluation narrows it again per rule). */
static int expiry_days(const struct profile *p)
{
    int days = 0;
    for (size_t i = 0; i < p->n_thresholds; i++)
        if (strcmp(p->thresholds[i].name, "cert-days") == 0 &&
            p->thresholds[i].value > TLS_DEF_EXPIRY_DAYS && p->thresholds[i].value < 3650)
            if ((int)p->thresholds[i].value + 1 > days)
                days = (int)p->thresholds[i].value + 1;
    return days;
}

static int load_ca(const struct profile *p, char **ca_pem, struct rm_err *e)
{
    *ca_pem = NULL;
    if (!p->ca_bundle)
        return 0;
    char path[PATH_MAX];
    if (profile_path(p, p->ca_bundle, path, sizeof path) < 0)
        return rm_errf(e, "%s: CA bundle path too long", p->source);
    return tls_ca_load(path, ca_pem, e);
}

int scan_client_tls(const char *profile_file, char **ca_pem, int *expiry, struct diags *d,
                    struct rm_err *e)
{
    *ca_pem = NULL;
    *expiry = 0;
    struct profile *p = NULL;
    if (profile_load_file(profile_file, &p, d) < 0)
        return diags_to_err(d, e);
    int rc = load_ca(p, ca_pem, e);
    *expiry = expiry_days(p);
    profile_free(p);
    return rc;
}

int scan_client_apply(struct scan_opts *o, struct scan_client *c, struct diags *d,
                      struct rm_err *e)
{
    memset(c, 0, sizeof *c);
    if (o->no_evaluate && o->n_policies)
        return rm_errf(e, "--policy and --no-evaluate contradict each other");
    c->evaluate = !o->no_evaluate;
    if (!o->client && !c->evaluate)
        return 0;
    if (policy_set_load(&c->ps, o->policies, o->n_policies, o->client, "scan", d, e) < 0)
        return -1;
    const struct profile *p = c->ps.prof;
    if (!p)
        return 0;
    if (add_scope(o, p, e) < 0 || add_backups(o, c, p, e) < 0 || add_critical(c, p, e) < 0 ||
        add_inventories(o, c, p, e) < 0)
        return -1;
    if (load_ca(p, &c->ca_pem, e) < 0)
        return -1;
    c->expiry_days = expiry_days(p);
    if (!o->data_dir && !o->output_dir) {
        const char *root = getenv("RISKMAP_DATA_ROOT");
        if (!root || !*root)
            root = SCAN_CLIENT_DATA_ROOT;
        if ((size_t)snprintf(c->data_dir, sizeof c->data_dir, "%s/%s", root, p->client_id) >=
            sizeof c->data_dir)
            return rm_errf(e, "data directory path too long");
        o->data_dir = c->data_dir;
    }
    return 0;
}

int scan_client_evaluate(const struct scan_client *c, struct scan_result *r,
                         struct evaluation **out, struct rm_err *e)
{
    if (out)
        *out = NULL;
    if (!c->evaluate || !c->ps.n)
        return 0;
    struct evaluation *ev = NULL;
    if (evaluate(r, c->ps.pols, c->ps.n, c->ps.prof, NULL, &ev, e) < 0)
        return -1;
    cJSON *j = evaluation_json(ev, r, c->ps.prof, c->ps.pols, c->ps.n);
    if (!j) {
        evaluation_free(ev);
        return rm_errf(e, "evaluation: out of memory");
    }
    cJSON_Delete(r->evaluation);
    r->evaluation = j;
    if (out)
        *out = ev;
    else
        evaluation_free(ev);
    return 0;
}

int scan_client_record(const struct scan_client *c, const char *data_dir,
                       const struct scan_result *r, const struct evaluation *ev, char *line,
                       size_t cap, struct rm_err *e)
{
    line[0] = '\0';
    if (!c->evaluate || !c->ps.n)
        return 0;
    char db[PATH_MAX];
    struct register_delta d;
    if (register_default_path(data_dir, db, sizeof db, e) < 0)
        return -1;
    int rc = ev ? register_record_evaluated(db, r, ev, c->ps.prof, &d, e)
                : register_record_scan(db, r, c->ps.pols, c->ps.n, c->ps.prof, &d, e);
    if (rc < 0)
        return -1;
    register_delta_line(&d, line, cap);
    return 0;
}

void scan_client_record_after(const char *path, void *arg, char *msg, size_t cap)
{
    const struct scan_client_after *a = arg;
    struct scan_result *r = NULL;
    struct rm_err e = {{0}};
    if (result_load(path, &r, &e) < 0 ||
        scan_client_record(a->client, a->data_dir, r, NULL, msg, cap, &e) < 0)
        snprintf(msg, cap, "error: %.400s", e.msg);
    scan_result_free(r);
}

void scan_client_free(struct scan_client *c)
{
    policy_set_free(&c->ps);
    for (size_t i = 0; i < c->n_specs; i++)
        free(c->specs[i]);
    free(c->specs);
    for (size_t i = 0; i < c->n_inv_specs; i++)
        free(c->inv_specs[i]);
    free(c->inv_specs);
    free(c->critical);
    free(c->ca_pem);
    memset(c, 0, sizeof *c);
}
