/* The policy model: what a policy XML file (policies/schema/policy.xsd) says, in memory.
 *
 * A policy names frameworks (CIS Controls v8, HIPAA...), initiatives (projects for the
 * roadmap), controls (each with references into frameworks, or a question for the vCIO when no
 * scan can see it) and rules that bind finding kinds to a control with severity, likelihood,
 * impact, conditions, thresholds and remediation.
 *
 * Ownership: a struct policy owns every string and array it points to; policy_free() releases
 * them. Indices (rule.control, remediation.initiative) point into the same policy's arrays.
 */
#ifndef RISKMAP_POLICY_H
#define RISKMAP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/finding.h"
#include "policies/xmlload.h"
#include "scanner/err.h"

enum criticality {
    CRIT_LOW = 1,
    CRIT_MEDIUM,
    CRIT_HIGH,
    CRIT_CRITICAL,
};
/* "low", "medium", "high", "critical". */
const char *criticality_name(enum criticality c);
int criticality_parse(const char *s, enum criticality *out);

enum cost_band {
    COST_MINIMAL = 0, /* staff time only */
    COST_LOW,         /* under about 1,000 */
    COST_MEDIUM,      /* 1,000 to 10,000 */
    COST_HIGH,        /* 10,000 to 50,000 */
    COST_VERY_HIGH,   /* above */
};
const char *cost_band_name(enum cost_band c);

struct pol_framework {
    char *id;      /* "cis-v8" */
    char *title;   /* "CIS Critical Security Controls" */
    char *version; /* "8.0"; may be NULL */
};

struct pol_ref {
    char *framework; /* a framework id of this policy */
    char *id;        /* the framework's own identifier: "164.312(e)(1)" */
    char *title;     /* may be NULL */
    int ig;          /* CIS implementation group 1-3; 0 when not given */
};

struct pol_control {
    char *id;
    char *title;
    char *description;    /* may be NULL */
    struct pol_ref *refs;
    size_t n_refs;
    char *manual_question; /* non-NULL: a manual control, answered in the client profile */
};

struct pol_initiative {
    char *id;
    char *title;
    char *category;
    char *rationale; /* why it matters to the business */
};

enum cmp_op { OP_GT, OP_GE, OP_LT, OP_LE };

struct pol_threshold {
    char *name;  /* "rpo-hours": what a profile overrides */
    char *fact;  /* "age_hours": the finding fact compared */
    enum cmp_op op;
    double value;
    double scale; /* the fact is divided by it before comparing (age_s / 3600 = hours) */
    char *unit;  /* may be NULL */
};

struct pol_remediation {
    char *text;
    double effort_hours;
    enum cost_band cost;
    ptrdiff_t initiative; /* index into policy.initiatives, or -1 */
};

struct pol_rule {
    char *id;
    size_t control; /* index into policy.controls */
    char **kinds;   /* exact kinds or prefixes ending in ".*" */
    size_t n_kinds;
    enum severity severity;
    int likelihood, impact; /* 1..5 */
    bool fallback;          /* only for findings no other rule of the policy takes */
    enum criticality criticality_min; /* 0: any asset */
    char **services;        /* empty: any service */
    size_t n_services;
    struct pol_threshold *thresholds;
    size_t n_thresholds;
    char *rationale;        /* may be NULL */
    bool has_remediation;
    struct pol_remediation remediation;
};

struct policy {
    char *id;
    char *version;
    char *title;
    char *description; /* may be NULL */
    char *source;      /* file path or "shipped:NAME" */
    struct pol_framework *frameworks;
    size_t n_frameworks;
    struct pol_initiative *initiatives;
    size_t n_initiatives;
    struct pol_control *controls;
    size_t n_controls;
    struct pol_rule *rules;
    size_t n_rules;
};

/* Loads and validates a policy from a file. On success *out is owned by the caller. On
 * failure returns -1; every problem is in d as "file:line: message". */
int policy_load_file(const char *path, struct policy **out, struct diags *d);
/* The same from memory (label names it in messages). */
int policy_load_buffer(const char *buf, size_t len, const char *label, struct policy **out,
                       struct diags *d);
/* A shipped policy id ("hipaa") or a file path (anything with a '/' or ending in .xml). */
int policy_load_ref(const char *ref, struct policy **out, struct diags *d);

void policy_free(struct policy *p);

/* Does pattern (exact kind or "prefix.*") match kind? */
bool kind_matches(const char *pattern, const char *kind);
/* Does any rule of p match kind (fallback rules included)? */
bool policy_covers(const struct policy *p, const char *kind);

/* Framework and control by id; NULL when absent. */
const struct pol_framework *policy_framework(const struct policy *p, const char *id);
const struct pol_control *policy_control(const struct policy *p, const char *id);

#endif
