/* The roadmap: counted risks grouped into the policies' initiatives, each with its risk
 * reduction, effort, cost and priority, placed in the next four calendar quarters from the
 * scan date. The method is written down in docs/roadmap.md and implemented only here
 * (roadmap.c); roadmap_json.c gives it as JSON.
 *
 * Ownership: a struct roadmap owns its arrays and strings; it borrows nothing from its inputs
 * once built. roadmap_free() releases it.
 */
#ifndef RISKMAP_ROADMAP_H
#define RISKMAP_ROADMAP_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "policies/policy.h"
#include "policies/profile.h"
#include "scanner/err.h"
#include "scanner/model.h"
#include "scanner/risk_model.h"

#define ROADMAP_QUARTERS 4
#define ROADMAP_DEFAULT_CAPACITY_HOURS 80.0

/* Budget figure of one cost band, for one remediation on one asset (docs/roadmap.md). */
double cost_band_amount(enum cost_band c);

/* Why an initiative is where it is. */
enum rm_driver {
    DRIVER_PRIORITY = 0, /* ordinary: by risk reduced per effort hour */
    DRIVER_URGENT,       /* holds a very high, critical or known-exploited (KEV) risk */
    DRIVER_EOL,          /* an end-of-life date pulls it forward */
    DRIVER_OBJECTIVE,    /* a business objective's target pulls it forward */
};
/* "priority", "urgent", "end-of-life", "objective". */
const char *rm_driver_name(enum rm_driver d);

struct rm_quarter {
    char label[16];          /* "Q1 2027" */
    char start[11], end[11]; /* YYYY-MM-DD, inclusive */
    double capacity;         /* effort hours available (the first quarter pro rata) */
    double hours;            /* effort hours planned */
    double budget;
    long reduction;          /* risk reduction of the initiatives finished in it */
    size_t n_initiatives;    /* initiatives with work in it */
};

struct rm_initiative {
    char *id;        /* the policy's initiative id, or "rule:POLICY:RULE" for a remediation
                      * no initiative names */
    char *title;
    char *category;  /* may be NULL */
    char *rationale; /* may be NULL */
    bool from_policy;
    size_t *risks;   /* indices into the risk set, highest residual first */
    size_t n_risks;
    size_t n_assets; /* distinct assets */
    long reduction;  /* sum of the residual scores of its risks */
    int worst;       /* highest residual score among them */
    bool kev;
    double effort_hours;
    enum cost_band cost; /* the highest band of its remediations */
    double budget;
    double priority;     /* reduction / effort hours */
    enum rm_driver driver;
    char deadline[11];   /* the end-of-life date or objective target it must meet, or "" */
    bool deadline_eol;   /* the deadline is an end-of-life date */
    /* Placement: hours per quarter; later = hours beyond the fourth quarter. first/last are
     * quarter indices (0..3), -1 when nothing falls in the plan. */
    double q_hours[ROADMAP_QUARTERS];
    double later_hours;
    int first, last;
    bool over_capacity;  /* forced into a full quarter by its deadline */
    char **objectives;   /* ids of the profile objectives it serves */
    size_t n_objectives;
};

struct roadmap {
    char date[11];       /* the scan date the plan starts from */
    double capacity;     /* hours per quarter */
    struct rm_quarter q[ROADMAP_QUARTERS];
    struct rm_initiative *v; /* in plan order: first quarter first, then by priority */
    size_t n;
    double later_hours, later_budget;
    long total_reduction;
    double total_hours, total_budget;
    size_t n_not_planned; /* risks left out: accepted, exceptions, resolved */
    struct diags warnings;
};

struct roadmap_options {
    double capacity_hours; /* per quarter; 0: the profile's, else the default */
};

/* Plans the counted risks of s. scan (may be NULL) gives the findings' facts (eol_date);
 * pols name the initiatives; prof (may be NULL) the objectives and capacity; opts may be
 * NULL. On success *out is owned by the caller; -1 with e set on failure. */
int roadmap_build(const struct risk_set *s, const struct scan_result *scan,
                  struct policy *const *pols, size_t n_pols, const struct profile *prof,
                  const struct roadmap_options *opts, struct roadmap **out, struct rm_err *e);
void roadmap_free(struct roadmap *r);

/* The calendar quarter (0..3) of the plan holding date, -1 before the plan, 4 after it. */
int roadmap_quarter_of(const struct roadmap *r, const char *date);

/* Where a business objective stands in the plan: its target quarter (as roadmap_quarter_of;
 * -2 when it names none), the initiatives serving it, and the quarter the last of them
 * finishes in (-1 when none has work, ROADMAP_QUARTERS when some work is beyond the plan). */
struct rm_objective_status {
    int target;
    size_t n_initiatives;
    int done;
};
struct rm_objective_status roadmap_objective(const struct roadmap *r,
                                             const struct prof_objective *o);

/* The roadmap as JSON ("riskmap-roadmap", version 1); the risk set gives each initiative's
 * risks by fingerprint. New tree owned by the caller; NULL on allocation failure. */
cJSON *roadmap_json(const struct roadmap *r, const struct risk_set *s,
                    const struct profile *prof);

#endif
