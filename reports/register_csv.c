/* The register as CSV (reports/register_csv.h). */
#include <stdlib.h>
#include <string.h>

#include "reports/register_csv.h"
#include "reports/risk.h"

static const char *const header[] = {
    "fingerprint", "status", "residual", "inherent", "inherent_level", "likelihood", "impact",
    "severity", "title", "kind", "asset", "address", "port", "criticality", "cvss", "kev",
    "controls", "frameworks", "owner", "due", "treatment", "accept_expires", "exception",
    "initiative", "remediation", "effort_hours", "cost", "first_seen", "last_seen",
};
#define N_COLS (sizeof header / sizeof header[0])

struct csv {
    FILE *out;
    int col;
};

/* One field: quoted only when it must be. guard: a text field from outside that a
 * spreadsheet could read as a formula gets a leading '. */
static void field(struct csv *c, const char *v, bool guard)
{
    if (c->col++)
        fputc(',', c->out);
    if (!v)
        return;
    bool formula = guard && v[0] && strchr("=+-@\t\r", v[0]);
    bool quote = strpbrk(v, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', c->out);
    if (formula)
        fputc('\'', c->out);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            fputc('"', c->out);
        fputc(*p, c->out);
    }
    if (quote)
        fputc('"', c->out);
}

static void field_int(struct csv *c, long v)
{
    char b[32];
    snprintf(b, sizeof b, "%ld", v);
    field(c, b, false);
}

/* Numbers with a fraction: "%g" gives 7.5 and 2, never 2.000000. */
static void field_num(struct csv *c, double v)
{
    char b[32];
    snprintf(b, sizeof b, "%g", v);
    field(c, b, false);
}

static void end_row(struct csv *c)
{
    fputs("\r\n", c->out);
    c->col = 0;
}

/* "a; b; c" into a new string (NULL on ENOMEM). */
static char *join_controls(const struct risk *r)
{
    size_t len = 1;
    for (size_t i = 0; i < r->n_controls; i++)
        len += strlen(r->controls[i]) + 2;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    *p = 0;
    for (size_t i = 0; i < r->n_controls; i++)
        p += sprintf(p, "%s%s", i ? "; " : "", r->controls[i]);
    return s;
}

static char *join_refs(const struct risk *r)
{
    size_t len = 1;
    for (size_t i = 0; i < r->n_refs; i++)
        len += strlen(r->refs[i].framework) + strlen(r->refs[i].id) + 3;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    *p = 0;
    for (size_t i = 0; i < r->n_refs; i++)
        p += sprintf(p, "%s%s %s", i ? "; " : "", r->refs[i].framework, r->refs[i].id);
    return s;
}

int register_csv_write(const struct risk_set *s, FILE *out, bool bom, struct rm_err *e)
{
    struct csv c = {.out = out};
    if (bom)
        fputs("\xEF\xBB\xBF", out);
    for (size_t i = 0; i < N_COLS; i++)
        field(&c, header[i], false);
    end_row(&c);
    for (size_t i = 0; i < s->n; i++) {
        const struct risk *r = &s->v[i];
        char *controls = join_controls(r), *refs = join_refs(r);
        if (!controls || !refs) {
            free(controls);
            free(refs);
            return rm_errf(e, "csv: out of memory");
        }
        field(&c, r->fingerprint, false);
        field(&c, risk_status_name(r->status), false);
        field_int(&c, (long)r->residual);
        field_int(&c, (long)r->inherent);
        field(&c, risk_level_name(risk_level_of(r->inherent)), false);
        field_int(&c, (long)r->likelihood);
        field_int(&c, (long)r->impact);
        field(&c, severity_name(r->severity), false);
        field(&c, r->title, true);
        field(&c, r->kind, true);
        field(&c, r->asset, true);
        field(&c, r->address, false);
        field_int(&c, (long)r->port);
        field(&c, criticality_name(r->criticality), false);
        if (r->cvss >= 0)
            field_num(&c, r->cvss);
        else
            field(&c, NULL, false);
        field(&c, r->kev ? "yes" : "no", false);
        field(&c, controls, true);
        field(&c, refs, true);
        field(&c, r->owner, true);
        field(&c, r->due, false);
        field(&c, r->treatment, true);
        field(&c, r->accept_expires, false);
        field(&c, r->exception_kind, false);
        field(&c, r->initiative_title ? r->initiative_title : r->initiative_id, true);
        field(&c, r->remediation, true);
        field_num(&c, r->effort_hours);
        field(&c, cost_band_name(r->cost), false);
        field(&c, r->first_seen, false);
        field(&c, r->last_seen, false);
        end_row(&c);
        free(controls);
        free(refs);
    }
    if (fflush(out) != 0 || ferror(out))
        return rm_errf(e, "csv: write failed");
    return 0;
}
