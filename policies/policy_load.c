/* From a validated policy tree to struct policy. The schema has already checked structure,
 * types, ranges and cross-references; this file still checks what it relies on, so a schema
 * change can never turn into a NULL dereference here. */
#include <stdlib.h>
#include <string.h>

#include "policies/policy.h"
#include "policies/shipped.h"

#define NS POLICY_NS

/* This schema's namespace, named once. */
static size_t count(const xmlNode *parent, const char *name)
{
    return xml_count(parent, NS, name);
}

static const xmlNode *child(const xmlNode *parent, const char *name)
{
    return xml_child(parent, NS, name);
}

static char *child_text(const xmlNode *parent, const char *name)
{
    const xmlNode *c = child(parent, name);
    return c ? xml_text(c) : NULL;
}

/* Splits a space-separated list into a new array of copies. */
static int split_words(const char *s, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s)
        return 0;
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ' ';
    char **v = calloc(cap, sizeof *v);
    if (!v)
        return -1;
    const char *p = s;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e > p && !(v[(*n)++] = strndup(p, (size_t)(e - p))))
            return *out = v, -1;
        p = e;
    }
    *out = v;
    return 0;
}

static int parse_op(const char *s, enum cmp_op *op)
{
    static const char *const names[] = {"gt", "ge", "lt", "le"};
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return *op = (enum cmp_op)i, 0;
    return -1;
}

static int parse_cost(const char *s, enum cost_band *c)
{
    for (int i = COST_MINIMAL; s && i <= COST_VERY_HIGH; i++)
        if (strcmp(s, cost_band_name((enum cost_band)i)) == 0)
            return *c = (enum cost_band)i, 0;
    return -1;
}

static int load_control(struct policy *p, const xmlNode *n, struct pol_control *c)
{
    (void)p;
    c->id = xml_attr(n, "id");
    c->title = child_text(n, "title");
    c->description = child_text(n, "description");
    if (!c->id || !c->title)
        return -1;
    size_t nr = count(n, "ref");
    if (nr && !(c->refs = calloc(nr, sizeof *c->refs)))
        return -1;
    for (const xmlNode *r = n->children; r; r = r->next) {
        if (!xml_is(r, NS, "ref"))
            continue;
        struct pol_ref *ref = &c->refs[c->n_refs++];
        ref->framework = xml_attr(r, "framework");
        ref->id = xml_attr(r, "id");
        ref->title = xml_attr(r, "title");
        char *ig = xml_attr(r, "ig");
        ref->ig = ig ? atoi(ig) : 0;
        free(ig);
        if (!ref->framework || !ref->id || !policy_framework(p, ref->framework))
            return -1;
    }
    const xmlNode *m = child(n, "manual");
    if (m && !(c->manual_question = child_text(m, "question")))
        return -1;
    return 0;
}

static ptrdiff_t control_index(const struct policy *p, const char *id)
{
    for (size_t i = 0; id && i < p->n_controls; i++)
        if (strcmp(p->controls[i].id, id) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static ptrdiff_t initiative_index(const struct policy *p, const char *id)
{
    for (size_t i = 0; id && i < p->n_initiatives; i++)
        if (strcmp(p->initiatives[i].id, id) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static int load_rule(struct policy *p, const xmlNode *n, struct pol_rule *r)
{
    r->id = xml_attr(n, "id");
    char *control = xml_attr(n, "control"), *sev = xml_attr(n, "severity");
    char *lik = xml_attr(n, "likelihood"), *imp = xml_attr(n, "impact");
    char *fb = xml_attr(n, "fallback");
    ptrdiff_t ci = control_index(p, control);
    int bad = !r->id || ci < 0 || !sev || severity_parse(sev, &r->severity) < 0 || !lik || !imp;
    if (!bad) {
        r->control = (size_t)ci;
        r->likelihood = atoi(lik);
        r->impact = atoi(imp);
        r->fallback = fb && (strcmp(fb, "true") == 0 || strcmp(fb, "1") == 0);
    }
    free(control);
    free(sev);
    free(lik);
    free(imp);
    free(fb);
    if (bad)
        return -1;

    size_t nk = count(n, "match"), nt = count(n, "threshold");
    if (!(r->kinds = calloc(nk ? nk : 1, sizeof *r->kinds)) ||
        (nt && !(r->thresholds = calloc(nt, sizeof *r->thresholds))))
        return -1;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (xml_is(c, NS, "match")) {
            if (!(r->kinds[r->n_kinds++] = xml_attr(c, "kind")))
                return -1;
        } else if (xml_is(c, NS, "when")) {
            char *crit = xml_attr(c, "criticality-min"), *svc = xml_attr(c, "service");
            int e = (crit && criticality_parse(crit, &r->criticality_min) < 0) ||
                    split_words(svc, &r->services, &r->n_services) < 0;
            free(crit);
            free(svc);
            if (e)
                return -1;
        } else if (xml_is(c, NS, "threshold")) {
            struct pol_threshold *t = &r->thresholds[r->n_thresholds++];
            t->name = xml_attr(c, "name");
            t->fact = xml_attr(c, "fact");
            t->unit = xml_attr(c, "unit");
            char *op = xml_attr(c, "op"), *v = xml_attr(c, "value"), *sc = xml_attr(c, "scale");
            int e = !t->name || !t->fact || parse_op(op, &t->op) < 0 || !v;
            if (!e) {
                t->value = strtod(v, NULL);
                t->scale = sc ? strtod(sc, NULL) : 1.0;
                e = !(t->scale > 0);
            }
            free(op);
            free(v);
            free(sc);
            if (e)
                return -1;
        } else if (xml_is(c, NS, "rationale")) {
            if (!(r->rationale = xml_text(c)))
                return -1;
        } else if (xml_is(c, NS, "remediation")) {
            struct pol_remediation *m = &r->remediation;
            r->has_remediation = true;
            m->text = xml_text(c);
            char *eh = xml_attr(c, "effort-hours"), *cost = xml_attr(c, "cost");
            char *ini = xml_attr(c, "initiative");
            m->initiative = ini ? initiative_index(p, ini) : -1;
            int e = !m->text || !eh || parse_cost(cost, &m->cost) < 0 || (ini && m->initiative < 0);
            if (!e)
                m->effort_hours = strtod(eh, NULL);
            free(eh);
            free(cost);
            free(ini);
            if (e)
                return -1;
        }
    }
    return r->n_kinds ? 0 : -1;
}

static int load_tree(const xmlDoc *doc, const char *label, struct policy **out, struct diags *d)
{
    const xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    struct policy *p = calloc(1, sizeof *p);
    if (!p)
        goto fail;
    p->id = xml_attr(root, "id");
    p->version = xml_attr(root, "version");
    p->title = child_text(root, "title");
    p->description = child_text(root, "description");
    p->source = strdup(label);
    if (!p->id || !p->version || !p->title || !p->source)
        goto fail;
    size_t nf = count(root, "framework"), ni = count(root, "initiative");
    size_t nc = count(root, "control"), nr = count(root, "rule");
    if ((nf && !(p->frameworks = calloc(nf, sizeof *p->frameworks))) ||
        (ni && !(p->initiatives = calloc(ni, sizeof *p->initiatives))) ||
        (nc && !(p->controls = calloc(nc, sizeof *p->controls))) ||
        (nr && !(p->rules = calloc(nr, sizeof *p->rules))))
        goto fail;
    /* Frameworks and initiatives first: controls and rules refer to them. */
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (xml_is(c, NS, "framework")) {
            struct pol_framework *f = &p->frameworks[p->n_frameworks++];
            f->id = xml_attr(c, "id");
            f->title = xml_attr(c, "title");
            f->version = xml_attr(c, "version");
            if (!f->id || !f->title)
                goto fail;
        } else if (xml_is(c, NS, "initiative")) {
            struct pol_initiative *in = &p->initiatives[p->n_initiatives++];
            in->id = xml_attr(c, "id");
            in->category = xml_attr(c, "category");
            in->title = child_text(c, "title");
            in->rationale = child_text(c, "rationale");
            if (!in->id || !in->category || !in->title || !in->rationale)
                goto fail;
        }
    }
    for (const xmlNode *c = root->children; c; c = c->next)
        if (xml_is(c, NS, "control") && load_control(p, c, &p->controls[p->n_controls++]) < 0)
            goto fail;
    for (const xmlNode *c = root->children; c; c = c->next)
        if (xml_is(c, NS, "rule") && load_rule(p, c, &p->rules[p->n_rules++]) < 0)
            goto fail;
    *out = p;
    return 0;
fail:
    diags_addf(d, "%s:0: cannot build the policy model (out of memory or a schema/loader mismatch)",
               label);
    policy_free(p);
    return -1;
}

int policy_load_buffer(const char *buf, size_t len, const char *label, struct policy **out,
                       struct diags *d)
{
    xmlDoc *doc = NULL;
    *out = NULL;
    if (xmlload_buffer(buf, len, label, XML_POLICY, &doc, NULL, d) < 0)
        return -1;
    int r = load_tree(doc, label, out, d);
    xmlFreeDoc(doc);
    return r;
}

int policy_load_file(const char *path, struct policy **out, struct diags *d)
{
    xmlDoc *doc = NULL;
    *out = NULL;
    if (xmlload_file(path, XML_POLICY, &doc, NULL, d) < 0)
        return -1;
    int r = load_tree(doc, path, out, d);
    xmlFreeDoc(doc);
    return r;
}

int policy_load_ref(const char *ref, struct policy **out, struct diags *d)
{
    size_t n = strlen(ref);
    if (strchr(ref, '/') || (n > 4 && strcmp(ref + n - 4, ".xml") == 0))
        return policy_load_file(ref, out, d);
    const struct embedded_file *f = shipped_policy(ref);
    if (!f) {
        diags_addf(d, "%s:0: no shipped policy of that name (riskmap policy list) and not a file "
                      "path", ref);
        return -1;
    }
    char label[128];
    snprintf(label, sizeof label, "shipped:%s", f->name);
    return policy_load_buffer((const char *)f->data, f->len, label, out, d);
}
