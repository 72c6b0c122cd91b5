/* The HTML report's register, roadmap and controls sections. */
#include <string.h>

#include "reports/report_html.h"
#include "reports/svg.h"

/* Framework references shown in one register row; the rest are counted. Past
 * COMPACT_ROWS risks a row names its frameworks only, and the table body comes in chunks the
 * browser may skip laying out until they scroll into view, so that a register of 100,000
 * risks stays complete and the file opens smoothly. */
#define ROW_REFS 6
#define COMPACT_ROWS 5000
#define CHUNK_ROWS 500

static void refs_compact(struct hbuf *b, const struct risk *k)
{
    /* refs are sorted by framework: one name per run. */
    for (size_t r = 0; r < k->n_refs; r++) {
        if (r && strcmp(k->refs[r].framework, k->refs[r - 1].framework) == 0)
            continue;
        hb_put(b, r ? ", " : "");
        hb_esc(b, k->refs[r].framework);
    }
}

static void opt(struct hbuf *b, const char *s)
{
    if (s)
        hb_esc(b, s);
}

void rh_register(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct risk_set *s = c->in->risks;
    hb_put(b, "<section id=\"register\"><h2>Risk register</h2><p>Every risk of this scan, "
              "highest residual score first. Accepted risks and exceptions stay listed with "
              "their reason but do not count in the figures.</p>");
    if (!s->n) {
        hb_put(b, "<p>No risk.</p></section>");
        return;
    }
    if (s->n > COMPACT_ROWS) {
        hb_put(b, "<p class=\"note\">");
        hb_int(b, (long long)s->n);
        hb_put(b, " risks: each row names the frameworks it touches; the items are in the "
                  "controls section and in the register export.</p>");
    }
    hb_put(b, "<table class=\"register\"><thead><tr><th class=\"n\">#</th><th>Score</th>"
              "<th>Risk</th><th>Asset</th><th class=\"n\">Port</th><th>L&#215;I</th>"
              "<th>Status</th><th>Owner</th><th>Due</th><th>First seen</th>"
              "<th>Frameworks</th><th>Initiative</th></tr></thead><tbody>");
    bool compact = s->n > COMPACT_ROWS;
    for (size_t i = 0; i < s->n; i++) {
        const struct risk *k = &s->v[i];
        if (compact && i && i % CHUNK_ROWS == 0)
            hb_put(b, "</tbody><tbody class=\"chunk\">");
        hb_put(b, "<tr><td class=\"n\">");
        hb_dec(b, (long long)(i + 1));
        hb_put(b, "</td><td>");
        rh_badge(b, k->residual);
        if (k->residual != k->inherent) {
            hb_put(b, " <small>(");
            hb_dec(b, k->inherent);
            hb_put(b, ")</small>");
        }
        hb_put(b, "</td><td>");
        hb_esc(b, k->title);
        if (k->kev)
            hb_put(b, " <b>KEV</b>");
        hb_put(b, "</td><td>");
        hb_esc(b, k->asset);
        hb_put(b, "</td><td class=\"n\">");
        if (k->port)
            hb_dec(b, k->port);
        hb_put(b, "</td><td>");
        hb_dec(b, k->likelihood);
        hb_put(b, "&#215;");
        hb_dec(b, k->impact);
        hb_put(b, "</td><td>");
        hb_put(b, risk_status_name(k->status));
        if (k->status == RISK_RESOLVED && k->last_seen[0]) {
            hb_put(b, ", last seen ");
            hb_esc(b, k->last_seen);
        }
        if (k->status == RISK_ACCEPTED && k->accept_expires) {
            hb_put(b, " until ");
            hb_esc(b, k->accept_expires);
        }
        if (k->treatment && k->status != RISK_OPEN) {
            hb_put(b, "<br><small>");
            hb_esc(b, k->treatment);
            hb_put(b, "</small>");
        }
        hb_put(b, "</td><td>");
        opt(b, k->owner);
        hb_put(b, "</td><td>");
        opt(b, k->due);
        hb_put(b, "</td><td>");
        hb_esc(b, k->first_seen);
        hb_put(b, "</td><td>");
        if (compact)
            refs_compact(b, k);
        for (size_t r = 0; !compact && r < k->n_refs && r < ROW_REFS; r++) {
            hb_put(b, r ? "; " : "");
            hb_esc(b, k->refs[r].framework);
            hb_put(b, " ");
            hb_esc(b, k->refs[r].id);
        }
        if (!compact && k->n_refs > ROW_REFS)
            hb_printf(b, "; +%zu more", k->n_refs - ROW_REFS);
        hb_put(b, "</td><td>");
        opt(b, k->initiative_title);
        hb_put(b, "</td></tr>\n");
    }
    hb_put(b, "</tbody></table></section>");
}

static const struct prof_objective *objective(const struct profile *p, const char *id)
{
    for (size_t i = 0; p && i < p->n_objectives; i++)
        if (strcmp(p->objectives[i].id, id) == 0)
            return &p->objectives[i];
    return NULL;
}

static void quarters_of(struct hbuf *b, const struct roadmap *r, const struct rm_initiative *in)
{
    if (in->first >= 0) {
        hb_put(b, r->q[in->first].label);
        if (in->last > in->first) {
            hb_put(b, " &#8211; ");
            hb_put(b, r->q[in->last].label);
        }
    }
    if (in->later_hours > 0) {
        hb_put(b, in->first >= 0 ? ", then " : "");
        hb_int(b, (long long)(in->later_hours + 0.5));
        hb_put(b, " h later");
    }
}

static void objectives(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct profile *p = c->in->prof;
    if (!p || !p->n_objectives)
        return;
    hb_put(b, "<h3>Business objectives</h3><table><thead><tr><th>Objective</th><th>Target</th>"
              "<th>Served by</th></tr></thead><tbody>");
    for (size_t i = 0; i < p->n_objectives; i++) {
        const struct prof_objective *o = &p->objectives[i];
        hb_put(b, "<tr><td>");
        hb_esc(b, o->title);
        hb_put(b, "</td><td>");
        opt(b, o->target_quarter);
        if (o->target_date[0])
            hb_esc(b, o->target_date);
        hb_put(b, "</td><td>");
        size_t shown = 0;
        for (size_t k = 0; k < c->rm->n; k++) {
            const struct rm_initiative *in = &c->rm->v[k];
            for (size_t j = 0; j < in->n_objectives; j++)
                if (strcmp(in->objectives[j], o->id) == 0) {
                    hb_put(b, shown++ ? "; " : "");
                    hb_esc(b, in->title);
                    hb_put(b, " (");
                    quarters_of(b, c->rm, in);
                    hb_put(b, ")");
                }
        }
        if (!shown)
            hb_put(b, "<span class=\"note\">no open risk calls for work on it</span>");
        hb_put(b, "</td></tr>");
    }
    hb_put(b, "</tbody></table>");
}

void rh_roadmap(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct roadmap *r = c->rm;
    hb_put(b, "<section id=\"roadmap\"><h2>Roadmap</h2><p>The open risks grouped into "
              "initiatives, planned over the next four quarters at ");
    hb_int(b, (long long)(r->capacity + 0.5));
    hb_put(b, " hours of work a quarter: urgent ones (very high, critical or exploited now) "
              "first, replacements before the end of life of what they replace, work for the "
              "business's objectives by their target, the rest by risk reduced per hour.</p>");
    svg_timeline(b, r);
    objectives(c);
    hb_put(b, "<h3>Initiatives</h3><table><thead><tr><th>Initiative</th><th>Serves</th>"
              "<th>Why now</th><th>When</th><th class=\"n\">Risks</th><th class=\"n\">Assets</th>"
              "<th class=\"n\">Risk reduction</th><th class=\"n\">Effort (h)</th><th>Cost band</th>"
              "<th class=\"n\">Budget</th><th class=\"n\">Priority</th></tr></thead><tbody>");
    for (size_t i = 0; i < r->n; i++) {
        const struct rm_initiative *in = &r->v[i];
        hb_put(b, "<tr><td>");
        rh_badge(b, in->worst);
        hb_put(b, " <b>");
        hb_esc(b, in->title);
        hb_put(b, "</b>");
        if (in->rationale) {
            hb_put(b, "<br><small>");
            hb_esc(b, in->rationale);
            hb_put(b, "</small>");
        }
        hb_put(b, "</td><td>");
        for (size_t j = 0; j < in->n_objectives; j++) {
            const struct prof_objective *o = objective(c->in->prof, in->objectives[j]);
            hb_put(b, j ? "; " : "");
            hb_esc(b, o ? o->title : in->objectives[j]);
        }
        hb_printf(b, "</td><td>%s", rm_driver_name(in->driver));
        if (in->deadline[0]) {
            hb_put(b, in->deadline_eol ? " (end of life " : " (target ");
            hb_esc(b, in->deadline);
            hb_put(b, ")");
        }
        if (in->over_capacity)
            hb_put(b, "<br><small>over the quarter's capacity: the date does not wait</small>");
        hb_put(b, "</td><td>");
        quarters_of(b, r, in);
        hb_printf(b, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">",
                  in->n_risks, in->n_assets);
        hb_int(b, in->reduction);
        hb_put(b, "</td><td class=\"n\">");
        hb_int(b, (long long)(in->effort_hours + 0.5));
        hb_printf(b, "</td><td>%s</td><td class=\"n\">", cost_band_name(in->cost));
        hb_int(b, (long long)(in->budget + 0.5));
        hb_printf(b, "</td><td class=\"n\">%.2f</td></tr>", in->priority);
    }
    hb_put(b, "</tbody></table><p class=\"note\">Budget figures per remediation and asset: ");
    for (int k = COST_MINIMAL; k <= COST_VERY_HIGH; k++) {
        hb_printf(b, "%s%s ", k ? ", " : "", cost_band_name((enum cost_band)k));
        hb_int(b, (long long)cost_band_amount((enum cost_band)k));
    }
    hb_put(b, ". Staff time is the effort column.");
    if (r->n_not_planned)
        hb_printf(b, " %zu accepted, excepted or resolved risks are not planned.",
                  r->n_not_planned);
    hb_put(b, "</p>");
    for (size_t i = 0; i < r->warnings.n; i++) {
        hb_put(b, "<p class=\"note\">Note: ");
        hb_esc(b, r->warnings.msg[i]);
        hb_put(b, "</p>");
    }
    hb_put(b, "</section>");
}

void rh_controls(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct evaluation *ev = c->in->ev;
    hb_put(b, "<section id=\"controls\"><h2>Controls by framework</h2>");
    for (size_t f = 0; f < ev->n_frameworks; f++) {
        const struct eval_framework *fw = &ev->frameworks[f];
        hb_printf(b, "<h3 id=\"fw-%zu\">", f);
        hb_esc(b, fw->title);
        if (fw->version) {
            hb_put(b, " ");
            hb_esc(b, fw->version);
        }
        hb_printf(b, "</h3><p>%zu items: %zu pass, %zu partial, %zu fail, %zu not checked, %zu "
                     "not applicable.</p><table><thead><tr><th>Item</th><th>Title</th>"
                     "<th>Status</th><th>Controls</th></tr></thead><tbody>",
                  fw->n_items, fw->count[ST_PASS], fw->count[ST_PARTIAL], fw->count[ST_FAIL],
                  fw->count[ST_NOT_CHECKED], fw->count[ST_NOT_APPLICABLE]);
        for (size_t i = 0; i < fw->n_items; i++) {
            const struct eval_item *it = &fw->items[i];
            hb_put(b, "<tr><td>");
            hb_esc(b, it->id);
            hb_put(b, "</td><td>");
            opt(b, it->title);
            hb_printf(b, "</td><td class=\"st-%s\">%s</td><td>", ctl_status_name(it->status),
                      ctl_status_name(it->status));
            for (size_t k = 0; k < it->n_controls; k++) {
                const struct eval_control *ec = &ev->controls[it->controls[k]];
                const struct pol_control *pc = &ec->policy->controls[ec->control];
                hb_put(b, k ? "<br>" : "");
                hb_esc(b, pc->title);
                hb_printf(b, " <small>(%s", ctl_status_name(ec->status));
                if (ec->n_failing)
                    hb_printf(b, ", %zu failing", ec->n_failing);
                hb_put(b, ")</small>");
            }
            hb_put(b, "</td></tr>");
        }
        hb_put(b, "</tbody></table>");
    }
    hb_put(b, "</section>");
}
