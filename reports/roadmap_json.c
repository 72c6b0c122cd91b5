/* The roadmap as a JSON document for other tools ("riskmap-roadmap", version 1). */
#include <math.h>

#include "reports/roadmap.h"

static double round1(double x)
{
    return floor(x * 10 + 0.5) / 10;
}

static int add_num(cJSON *o, const char *k, double v)
{
    return cJSON_AddNumberToObject(o, k, round1(v)) ? 0 : -1;
}

static int add_str(cJSON *o, const char *k, const char *v)
{
    return (v ? cJSON_AddStringToObject(o, k, v) : cJSON_AddNullToObject(o, k)) ? 0 : -1;
}

static cJSON *initiative_json(const struct roadmap *r, const struct rm_initiative *in,
                              const struct risk_set *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int bad = add_str(o, "id", in->id) | add_str(o, "title", in->title) |
              add_str(o, "category", in->category) | add_str(o, "rationale", in->rationale) |
              !cJSON_AddBoolToObject(o, "from_policy", in->from_policy) |
              add_num(o, "risk_reduction", (double)in->reduction) |
              add_num(o, "worst", in->worst) | !cJSON_AddBoolToObject(o, "kev", in->kev) |
              add_num(o, "assets", (double)in->n_assets) |
              add_num(o, "effort_hours", in->effort_hours) |
              add_str(o, "cost_band", cost_band_name(in->cost)) |
              add_num(o, "budget", in->budget) |
              !cJSON_AddNumberToObject(o, "priority", floor(in->priority * 1000 + 0.5) / 1000) |
              add_str(o, "driver", rm_driver_name(in->driver)) |
              add_str(o, "deadline", in->deadline[0] ? in->deadline : NULL) |
              add_str(o, "deadline_kind", !in->deadline[0] ? NULL
                                          : in->deadline_eol ? "end-of-life" : "objective") |
              add_str(o, "first_quarter", in->first >= 0 ? r->q[in->first].label : NULL) |
              add_str(o, "last_quarter", in->last >= 0 ? r->q[in->last].label : NULL) |
              add_num(o, "later_hours", in->later_hours) |
              !cJSON_AddBoolToObject(o, "over_capacity", in->over_capacity);
    cJSON *qh = cJSON_AddArrayToObject(o, "quarter_hours");
    cJSON *obj = cJSON_AddArrayToObject(o, "objectives");
    cJSON *risks = cJSON_AddArrayToObject(o, "risks");
    bad |= !qh || !obj || !risks;
    for (int k = 0; !bad && k < ROADMAP_QUARTERS; k++)
        bad |= !cJSON_AddItemToArray(qh, cJSON_CreateNumber(round1(in->q_hours[k])));
    for (size_t i = 0; !bad && i < in->n_objectives; i++)
        bad |= !cJSON_AddItemToArray(obj, cJSON_CreateString(in->objectives[i]));
    for (size_t i = 0; !bad && i < in->n_risks; i++)
        bad |= !cJSON_AddItemToArray(risks, cJSON_CreateString(s->v[in->risks[i]].fingerprint));
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *roadmap_json(const struct roadmap *r, const struct risk_set *s, const struct profile *prof)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    int bad = add_str(root, "format", "riskmap-roadmap") |
              !cJSON_AddNumberToObject(root, "format_version", 1) |
              add_str(root, "scan_id", s->scan_id) | add_str(root, "date", r->date) |
              add_str(root, "client", prof ? prof->client_id : NULL) |
              add_num(root, "capacity_hours", r->capacity) |
              add_num(root, "risk_reduction", (double)r->total_reduction) |
              add_num(root, "effort_hours", r->total_hours) |
              add_num(root, "budget", r->total_budget) |
              add_num(root, "later_hours", r->later_hours) |
              add_num(root, "later_budget", r->later_budget) |
              add_num(root, "risks_not_planned", (double)r->n_not_planned);
    cJSON *bands = cJSON_AddObjectToObject(root, "cost_band_amounts");
    for (int c = COST_MINIMAL; bands && c <= COST_VERY_HIGH; c++)
        bad |= add_num(bands, cost_band_name((enum cost_band)c), cost_band_amount((enum cost_band)c));
    cJSON *qs = cJSON_AddArrayToObject(root, "quarters");
    cJSON *ins = cJSON_AddArrayToObject(root, "initiatives");
    cJSON *objs = cJSON_AddArrayToObject(root, "objectives");
    cJSON *warn = cJSON_AddArrayToObject(root, "warnings");
    bad |= !bands || !qs || !ins || !objs || !warn;
    for (int k = 0; !bad && k < ROADMAP_QUARTERS; k++) {
        const struct rm_quarter *q = &r->q[k];
        cJSON *o = cJSON_CreateObject();
        bad |= !o || !cJSON_AddItemToArray(qs, o);
        if (bad)
            break;
        bad |= add_str(o, "quarter", q->label) | add_str(o, "start", q->start) |
               add_str(o, "end", q->end) | add_num(o, "capacity_hours", q->capacity) |
               add_num(o, "effort_hours", q->hours) | add_num(o, "budget", q->budget) |
               add_num(o, "risk_reduction", (double)q->reduction) |
               add_num(o, "initiatives", (double)q->n_initiatives);
    }
    for (size_t i = 0; !bad && i < r->n; i++) {
        cJSON *o = initiative_json(r, &r->v[i], s);
        bad |= !o || !cJSON_AddItemToArray(ins, o);
    }
    for (size_t i = 0; !bad && prof && i < prof->n_objectives; i++) {
        const struct prof_objective *ob = &prof->objectives[i];
        cJSON *o = cJSON_CreateObject();
        bad |= !o || !cJSON_AddItemToArray(objs, o);
        if (bad)
            break;
        bad |= add_str(o, "id", ob->id) | add_str(o, "title", ob->title) |
               add_str(o, "target_quarter", ob->target_quarter) |
               add_str(o, "target_date", ob->target_date[0] ? ob->target_date : NULL);
    }
    for (size_t i = 0; !bad && i < r->warnings.n; i++)
        bad |= !cJSON_AddItemToArray(warn, cJSON_CreateString(r->warnings.msg[i]));
    if (bad) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
