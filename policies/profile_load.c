/* From a validated profile tree to struct profile, plus asset matching. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policies/profile.h"

#define NS PROFILE_NS

/* This schema's namespace, named once. */
static size_t count(const xmlNode *parent, const char *name)
{
    return xml_count(parent, NS, name);
}

static const xmlNode *child(const xmlNode *parent, const char *name)
{
    return xml_child(parent, NS, name);
}

static bool attr_bool(const xmlNode *n, const char *name)
{
    char *v = xml_attr(n, name);
    bool b = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
    free(v);
    return b;
}

static void copy_date(const xmlNode *n, const char *name, char out[11])
{
    char *v = xml_attr(n, name);
    /* xs:date may carry a time zone ("2027-03-31Z"); the day is what counts. */
    snprintf(out, 11, "%s", v ? v : "");
    free(v);
}

/* Parses "ADDR" or "ADDR/PREFIX" into m; 0, or -1 when it is neither (then a host name). */
static int parse_net(const char *s, struct prof_member *m)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (addr_parse(buf, &m->net) < 0)
        return -1;
    unsigned max = m->net.family == AF_INET ? 32 : 128;
    m->prefix = max;
    if (slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || p < 0 || p > (long)max)
            return -1;
        m->prefix = (unsigned)p;
    }
    m->is_net = true;
    return 0;
}

static bool hostname_like(const char *s)
{
    bool alpha = false;
    for (const char *p = s; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
            return false;
        alpha |= isalpha((unsigned char)*p) != 0;
    }
    return alpha;
}

static int load_member(const xmlNode *n, struct prof_member *m, const char *label, struct diags *d)
{
    if (!(m->text = xml_text(n)))
        return -1;
    if (parse_net(m->text, m) == 0 || (strchr(m->text, ':') == NULL && hostname_like(m->text)))
        return 0;
    diags_addf(d, "%s:%u: member \"%s\": use an address, a CIDR block or a host name", label,
               (unsigned)xmlGetLineNo(n), m->text);
    return -2;
}

/* Profile attributes of <backup> that say how to read the source, and the backup check's
 * spec key each becomes. */
static const struct {
    const char *attr, *key;
} backup_opts[] = {
    {"password-file", "password-file"}, {"saved", "saved"}, {"time-field", "time-field"},
    {"result-field", "result-field"},   {"size-field", "size-field"}, {"ok", "ok"},
    {"records", "records"},             {"tz", "tz"},               {"tool", "tool"},
    {"host", "host"},                   {"tag", "tag"},             {"archives", "archives"},
    {"sep", "sep"},                     {"date", "date"},           {"timeout-s", "timeout"},
};

static int load_objective(const xmlNode *c, struct profile *p)
{
    struct prof_objective *v = realloc(p->objectives, (p->n_objectives + 1) * sizeof *v);
    if (!v)
        return -1;
    p->objectives = v;
    struct prof_objective *o = &v[p->n_objectives++];
    memset(o, 0, sizeof *o);
    const xmlNode *t = child(c, "title"), *tg = child(c, "target");
    size_t ns = count(c, "serves");
    if (!(o->id = xml_attr(c, "id")) || !t || !(o->title = xml_text(t)) ||
        (ns && !(o->serves = calloc(ns, sizeof *o->serves))))
        return -1;
    if (tg) {
        o->target_quarter = xml_attr(tg, "quarter");
        copy_date(tg, "date", o->target_date);
    }
    for (const xmlNode *e = c->children; e; e = e->next)
        if (xml_is(e, NS, "serves") && !(o->serves[o->n_serves++] = xml_attr(e, "initiative")))
            return -1;
    return 0;
}

/* Returns 0, -1 on allocation failure, -2 on a reported content problem. */
static int load_tree(const xmlDoc *doc, const char *label, struct profile *p, struct diags *d)
{
    const xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    int status = 0;
    if (!(p->source = strdup(label)))
        return -1;
    char *dc = xml_attr(root, "default-criticality");
    p->default_criticality = CRIT_MEDIUM;
    if (dc)
        criticality_parse(dc, &p->default_criticality);
    free(dc);
    const xmlNode *cl = child(root, "client");
    if (!cl || !(p->client_id = xml_attr(cl, "id")))
        return -1;
    const xmlNode *nm = child(cl, "name"), *ct = child(cl, "contact");
    if (!nm || !(p->client_name = xml_text(nm)) || (ct && !(p->contact = xml_text(ct))))
        return -1;

    size_t ns = count(root, "site"), ng = count(root, "asset-group"), nb = count(root, "backup");
    size_t ni = count(root, "inventory");
    if ((ni && !(p->inventories = calloc(ni, sizeof *p->inventories))) ||
        (ns && !(p->sites = calloc(ns, sizeof *p->sites))) ||
        (ng && !(p->groups = calloc(ng, sizeof *p->groups))) ||
        (nb && !(p->backups = calloc(nb, sizeof *p->backups))))
        return -1;
    const xmlNode *pols = child(root, "policies"), *tl = child(root, "tailoring");
    if (pols && !(p->policies = calloc(count(pols, "policy"), sizeof *p->policies)))
        return -1;
    if (tl && ((count(tl, "disable") && !(p->disables = calloc(count(tl, "disable"), sizeof *p->disables))) ||
               (count(tl, "threshold") && !(p->thresholds = calloc(count(tl, "threshold"), sizeof *p->thresholds))) ||
               (count(tl, "accept") && !(p->accepts = calloc(count(tl, "accept"), sizeof *p->accepts))) ||
               (count(tl, "answer") && !(p->answers = calloc(count(tl, "answer"), sizeof *p->answers)))))
        return -1;

    for (const xmlNode *c = root->children; c; c = c->next) {
        if (xml_is(c, NS, "site")) {
            struct prof_site *s = &p->sites[p->n_sites++];
            s->id = xml_attr(c, "id");
            s->name = xml_attr(c, "name");
            size_t nsc = count(c, "scope"), nex = count(c, "exclude");
            if (!s->id || !s->name || !(s->scope = calloc(nsc ? nsc : 1, sizeof *s->scope)) ||
                (nex && !(s->excludes = calloc(nex, sizeof *s->excludes))))
                return -1;
            for (const xmlNode *e = c->children; e; e = e->next) {
                if (xml_is(e, NS, "scope") && !(s->scope[s->n_scope++] = xml_text(e)))
                    return -1;
                if (xml_is(e, NS, "exclude")) {
                    struct prof_exclude *x = &s->excludes[s->n_excludes++];
                    x->reason = xml_attr(e, "reason");
                    if (!(x->target = xml_text(e)))
                        return -1;
                }
            }
        } else if (xml_is(c, NS, "asset-group")) {
            struct prof_group *g = &p->groups[p->n_groups++];
            g->id = xml_attr(c, "id");
            g->name = xml_attr(c, "name");
            g->owner = xml_attr(c, "owner");
            char *cr = xml_attr(c, "criticality");
            int bad = !cr || criticality_parse(cr, &g->criticality) < 0;
            free(cr);
            size_t nm2 = count(c, "member");
            if (bad || !g->id || !g->name || !g->owner ||
                !(g->members = calloc(nm2 ? nm2 : 1, sizeof *g->members)))
                return -1;
            for (const xmlNode *e = c->children; e; e = e->next) {
                if (!xml_is(e, NS, "member"))
                    continue;
                int r = load_member(e, &g->members[g->n_members++], label, d);
                if (r == -1)
                    return -1;
                if (r == -2)
                    status = -2;
            }
        } else if (xml_is(c, NS, "backup")) {
            struct prof_backup *b = &p->backups[p->n_backups++];
            b->name = xml_attr(c, "name");
            b->type = xml_attr(c, "type");
            b->location = xml_attr(c, "location");
            b->asset = xml_attr(c, "asset");
            b->pattern = xml_attr(c, "pattern");
            char *rpo = xml_attr(c, "rpo-hours"), *ret = xml_attr(c, "retention-min");
            b->rpo_hours = rpo ? strtod(rpo, NULL) : 0;
            b->retention_min = ret ? strtol(ret, NULL, 10) : -1;
            free(rpo);
            free(ret);
            b->offsite = attr_bool(c, "offsite");
            b->immutable = attr_bool(c, "immutable");
            if (!b->name || !b->type || !b->location || !b->asset ||
                !(b->opts = calloc(sizeof backup_opts / sizeof backup_opts[0], sizeof *b->opts)))
                return -1;
            for (size_t k = 0; k < sizeof backup_opts / sizeof backup_opts[0]; k++) {
                char *v = xml_attr(c, backup_opts[k].attr);
                if (!v)
                    continue;
                struct prof_kv *kv = &b->opts[b->n_opts++];
                kv->value = v;
                if (!(kv->key = strdup(backup_opts[k].key)))
                    return -1;
            }
        } else if (xml_is(c, NS, "inventory")) {
            struct prof_inventory *iv = &p->inventories[p->n_inventories++];
            iv->host = xml_attr(c, "host");
            iv->file = xml_attr(c, "file");
            iv->format = xml_attr(c, "format");
            iv->os = xml_attr(c, "os");
            iv->build = xml_attr(c, "build");
            if (!iv->host || !iv->file)
                return -1;
        } else if (xml_is(c, NS, "ca-bundle")) {
            if (!(p->ca_bundle = xml_attr(c, "path")))
                return -1;
        } else if (xml_is(c, NS, "objective")) {
            if (load_objective(c, p) < 0)
                return -1;
        } else if (xml_is(c, NS, "roadmap")) {
            char *v = xml_attr(c, "quarter-capacity-hours");
            p->quarter_capacity_hours = v ? strtod(v, NULL) : 0;
            free(v);
        } else if (xml_is(c, NS, "branding")) {
            p->msp_name = xml_attr(c, "msp-name");
            p->logo = xml_attr(c, "logo");
            p->color = xml_attr(c, "color");
            if (!p->msp_name)
                return -1;
        }
    }
    for (const xmlNode *c = pols ? pols->children : NULL; c; c = c->next)
        if (xml_is(c, NS, "policy") && !(p->policies[p->n_policies++] = xml_attr(c, "ref")))
            return -1;
    for (const xmlNode *c = tl ? tl->children : NULL; c; c = c->next) {
        if (xml_is(c, NS, "disable")) {
            struct prof_disable *x = &p->disables[p->n_disables++];
            x->rule = xml_attr(c, "rule");
            x->policy = xml_attr(c, "policy");
            if (!x->rule || !(x->reason = xml_text(c)))
                return -1;
        } else if (xml_is(c, NS, "threshold")) {
            struct prof_threshold *x = &p->thresholds[p->n_thresholds++];
            x->name = xml_attr(c, "name");
            x->rule = xml_attr(c, "rule");
            x->policy = xml_attr(c, "policy");
            char *v = xml_attr(c, "value");
            x->value = v ? strtod(v, NULL) : 0;
            free(v);
            if (!x->name)
                return -1;
        } else if (xml_is(c, NS, "accept")) {
            struct prof_accept *x = &p->accepts[p->n_accepts++];
            x->rule = xml_attr(c, "rule");
            x->policy = xml_attr(c, "policy");
            x->asset = xml_attr(c, "asset");
            x->fingerprint = xml_attr(c, "fingerprint");
            x->owner = xml_attr(c, "owner");
            copy_date(c, "expires", x->expires);
            const xmlNode *r = child(c, "reason");
            if (!x->rule || !x->owner || !r || !(x->reason = xml_text(r)))
                return -1;
        } else if (xml_is(c, NS, "answer")) {
            struct prof_answer *x = &p->answers[p->n_answers++];
            x->control = xml_attr(c, "control");
            x->policy = xml_attr(c, "policy");
            x->by = xml_attr(c, "by");
            x->result = xml_attr(c, "result");
            copy_date(c, "date", x->date);
            const xmlNode *note = child(c, "note");
            size_t ne = count(c, "evidence");
            if (!x->control || !x->by || !x->result || (note && !(x->note = xml_text(note))) ||
                (ne && !(x->evidence = calloc(ne, sizeof *x->evidence))))
                return -1;
            for (const xmlNode *e = c->children; e; e = e->next) {
                if (!xml_is(e, NS, "evidence"))
                    continue;
                struct prof_evidence *ev = &x->evidence[x->n_evidence++];
                char *sum = xml_attr(e, "sha256");
                snprintf(ev->sha256, sizeof ev->sha256, "%s", sum ? sum : "");
                free(sum);
                if (!(ev->path = xml_attr(e, "path")))
                    return -1;
            }
        }
    }
    return status;
}

static int finish(xmlDoc *doc, const char *label, struct profile **out, struct diags *d)
{
    struct profile *p = calloc(1, sizeof *p);
    int r = p ? load_tree(doc, label, p, d) : -1;
    xmlFreeDoc(doc);
    if (r == 0) {
        *out = p;
        return 0;
    }
    if (r == -1)
        diags_addf(d, "%s:0: cannot build the profile model (out of memory or a schema/loader "
                      "mismatch)", label);
    profile_free(p);
    return -1;
}

int profile_load_buffer(const char *buf, size_t len, const char *label, struct profile **out,
                        struct diags *d)
{
    xmlDoc *doc = NULL;
    *out = NULL;
    if (xmlload_buffer(buf, len, label, XML_PROFILE, &doc, NULL, d) < 0)
        return -1;
    return finish(doc, label, out, d);
}

int profile_load_file(const char *path, struct profile **out, struct diags *d)
{
    xmlDoc *doc = NULL;
    *out = NULL;
    if (xmlload_file(path, XML_PROFILE, &doc, NULL, d) < 0)
        return -1;
    return finish(doc, path, out, d);
}

int profile_backup_spec(const struct prof_backup *b, char **out)
{
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    bool comma = strchr(b->location, ',') || strchr(b->name, ',') || strchr(b->asset, ',') ||
                 (b->pattern && strchr(b->pattern, ','));
    fprintf(f, "%s:%s,name=%s,asset=%s,rpo=%llds", b->type, b->location, b->name, b->asset,
            (long long)(b->rpo_hours * 3600 + 0.5));
    if (b->retention_min >= 0)
        fprintf(f, ",retention=%ld", b->retention_min);
    fprintf(f, ",offsite=%s,immutable=%s", b->offsite ? "yes" : "no",
            b->immutable ? "yes" : "no");
    if (b->pattern)
        fprintf(f, ",pattern=%s", b->pattern);
    for (size_t i = 0; i < b->n_opts; i++) {
        if (strcmp(b->opts[i].key, "sep") == 0 && strcmp(b->opts[i].value, ",") == 0)
            continue; /* the default, and a ',' the spec could not carry */
        comma |= strchr(b->opts[i].value, ',') != NULL;
        fprintf(f, ",%s=%s", b->opts[i].key, b->opts[i].value);
    }
    if (fclose(f) != 0 || comma) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

const char *profile_policy_ref(const struct profile *p, size_t i, char *buf, size_t len)
{
    const char *ref = p->policies[i];
    size_t n = strlen(ref);
    bool path = strchr(ref, '/') || (n > 4 && strcmp(ref + n - 4, ".xml") == 0);
    const char *slash = strrchr(p->source, '/');
    if (path && ref[0] != '/' && slash)
        snprintf(buf, len, "%.*s/%s", (int)(slash - p->source), p->source, ref);
    else
        snprintf(buf, len, "%s", ref);
    return buf;
}

/* ---- matching --------------------------------------------------------------------------- */

static bool in_net(const struct prof_member *m, const struct rm_addr *a)
{
    if (m->net.family != a->family)
        return false;
    unsigned full = m->prefix / 8, rest = m->prefix % 8;
    if (memcmp(m->net.bytes, a->bytes, full) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (m->net.bytes[full] & mask) == (a->bytes[full] & mask);
}

static bool member_matches(const struct prof_member *m, const struct rm_addr *a,
                           const char *hostname)
{
    if (m->is_net)
        return in_net(m, a);
    return hostname && strcasecmp(m->text, hostname) == 0;
}

const struct prof_group *profile_group_of(const struct profile *p, const struct rm_addr *a,
                                          const char *hostname)
{
    for (size_t g = 0; p && g < p->n_groups; g++)
        for (size_t m = 0; m < p->groups[g].n_members; m++)
            if (member_matches(&p->groups[g].members[m], a, hostname))
                return &p->groups[g];
    return NULL;
}

bool profile_asset_matches(const struct profile *p, const char *spec, const struct rm_addr *a,
                           const char *hostname)
{
    for (size_t g = 0; p && g < p->n_groups; g++)
        if (strcmp(p->groups[g].id, spec) == 0) {
            for (size_t m = 0; m < p->groups[g].n_members; m++)
                if (member_matches(&p->groups[g].members[m], a, hostname))
                    return true;
            return false;
        }
    struct prof_member m = {0};
    if (parse_net(spec, &m) == 0)
        return in_net(&m, a);
    return hostname && strcasecmp(spec, hostname) == 0;
}

/* ---- release ---------------------------------------------------------------------------- */

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void profile_free(struct profile *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_sites; i++) {
        struct prof_site *s = &p->sites[i];
        free(s->id);
        free(s->name);
        free_strv(s->scope, s->n_scope);
        for (size_t k = 0; k < s->n_excludes; k++) {
            free(s->excludes[k].target);
            free(s->excludes[k].reason);
        }
        free(s->excludes);
    }
    for (size_t i = 0; i < p->n_groups; i++) {
        struct prof_group *g = &p->groups[i];
        free(g->id);
        free(g->name);
        free(g->owner);
        for (size_t k = 0; k < g->n_members; k++)
            free(g->members[k].text);
        free(g->members);
    }
    for (size_t i = 0; i < p->n_backups; i++) {
        struct prof_backup *b = &p->backups[i];
        free(b->name);
        free(b->type);
        free(b->location);
        free(b->asset);
        free(b->pattern);
        for (size_t k = 0; k < b->n_opts; k++) {
            free(b->opts[k].key);
            free(b->opts[k].value);
        }
        free(b->opts);
    }
    for (size_t i = 0; i < p->n_inventories; i++) {
        struct prof_inventory *iv = &p->inventories[i];
        free(iv->host);
        free(iv->file);
        free(iv->format);
        free(iv->os);
        free(iv->build);
    }
    free(p->inventories);
    for (size_t i = 0; i < p->n_disables; i++) {
        free(p->disables[i].rule);
        free(p->disables[i].policy);
        free(p->disables[i].reason);
    }
    for (size_t i = 0; i < p->n_thresholds; i++) {
        free(p->thresholds[i].name);
        free(p->thresholds[i].rule);
        free(p->thresholds[i].policy);
    }
    for (size_t i = 0; i < p->n_accepts; i++) {
        struct prof_accept *x = &p->accepts[i];
        free(x->rule);
        free(x->policy);
        free(x->asset);
        free(x->fingerprint);
        free(x->owner);
        free(x->reason);
    }
    for (size_t i = 0; i < p->n_answers; i++) {
        struct prof_answer *x = &p->answers[i];
        free(x->control);
        free(x->policy);
        free(x->by);
        free(x->note);
        free(x->result);
        for (size_t k = 0; k < x->n_evidence; k++)
            free(x->evidence[k].path);
        free(x->evidence);
    }
    for (size_t i = 0; i < p->n_objectives; i++) {
        struct prof_objective *o = &p->objectives[i];
        free(o->id);
        free(o->title);
        free(o->target_quarter);
        free_strv(o->serves, o->n_serves);
    }
    free(p->objectives);
    free(p->sites);
    free(p->groups);
    free(p->backups);
    free_strv(p->policies, p->n_policies);
    free(p->disables);
    free(p->thresholds);
    free(p->accepts);
    free(p->answers);
    free(p->source);
    free(p->client_id);
    free(p->client_name);
    free(p->contact);
    free(p->ca_bundle);
    free(p->msp_name);
    free(p->logo);
    free(p->color);
    free(p);
}
