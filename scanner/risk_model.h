/* The risk model: what the register stores, the roadmap plans and the reports show.
 *
 * A risk is one finding (keyed by its fingerprint, stable from scan to scan) that an
 * evaluation found failing at least one control. A struct risk carries both what the scan says
 * (kind, asset, controls, scores, remediation), filled by scoring (reports/risk.h), and the
 * register's state (status, owner, due date, treatment, first/last seen), which the register
 * store (scanner/register.h) keeps across scans.
 *
 * Ownership: a struct risk owns every string and array it points to; a struct risk_set owns
 * its risks. risk_set_free() releases everything. The controls and the refs are each one
 * allocation holding the array and its strings, made by risk_set_lists() (80,000 risks of a
 * dozen controls and framework items each were a million small allocations).
 *
 * A pooled set (risk_set_pool(), as scoring makes it) owns instead its risks' scan fields -
 * kind, title, asset, address, policy_id, rule_id, controls, refs, remediation,
 * initiative_id, initiative_title - in one pool, each distinct string once (100,000 findings
 * name a few hundred titles, a dozen rules, a few thousand hosts) and risks with the same
 * controls sharing one list; its risks own only their register state (owner, due, treatment,
 * accept_expires, exception_kind), which the register changes one at a time. Members of a
 * pooled set are dropped with risk_set_clear(), never risk_clear().
 */
#ifndef RISKMAP_RISK_MODEL_H
#define RISKMAP_RISK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/finding.h"
#include "policies/policy.h" /* enum criticality, enum cost_band */

enum risk_status {
    RISK_OPEN = 0,
    RISK_REOPENED,   /* was resolved, came back */
    RISK_MITIGATING, /* treatment under way: counts, at a reduced likelihood */
    RISK_ACCEPTED,   /* accepted until a date (register or profile): visible, not counted */
    RISK_EXCEPTION,  /* false positive or compensating control: visible with its reason,
                      * out of every score */
    RISK_RESOLVED,   /* the last scan no longer found it */
};
#define RISK_STATUS_COUNT 6
/* "open", "reopened", "mitigating", "accepted", "exception", "resolved". */
const char *risk_status_name(enum risk_status s);
int risk_status_parse(const char *s, enum risk_status *out);
/* Open, reopened and mitigating risks count in the headline figures. */
bool risk_status_counts(enum risk_status s);

/* One framework item a risk's controls reference: framework id and the framework's own
 * identifier ("hipaa", "164.312(e)(1)"). */
struct risk_ref {
    char *framework;
    char *id;
};

struct risk {
    char fingerprint[FINGERPRINT_HEX_LEN + 1]; /* the register key */
    char *kind;
    char *title;
    char *asset;     /* the host's name when the scan resolved one, else its address */
    char *address;   /* the host's address, text */
    uint16_t port;   /* 0: about the host */
    enum severity severity;    /* the finding's, raised to the scoring rule's when higher */
    enum criticality criticality; /* of the asset, from the profile (medium without one) */

    /* The rule that gave the highest score; every control any failing rule maps to. */
    char *policy_id, *rule_id;
    char **controls; /* "POLICY:CONTROL", sorted, unique */
    size_t n_controls;
    struct risk_ref *refs; /* sorted by framework then id, unique */
    size_t n_refs;

    int rule_likelihood, rule_impact; /* as the policy rule says, 1..5 */
    int likelihood, impact;           /* after adjustment, 1..5 */
    int inherent;                     /* likelihood x impact, 1..25 */
    int residual;                     /* after treatment (see risk_residual()), 0..25 */
    double cvss;                      /* highest CVSS of a CVE finding, -1 when none */
    bool kev;                         /* a CVE of it is in CISA's KEV catalog */

    /* Remediation of the scoring rule (initiative NULL when the rule names none). */
    char *remediation;
    char *initiative_id, *initiative_title;
    double effort_hours;
    enum cost_band cost;

    /* Register state. Scoring sets status OPEN (ACCEPTED when the profile accepts every
     * failing rule of it, with accept_* filled) and first_seen = last_seen = the scan date. */
    enum risk_status status;
    char *owner;       /* may be NULL */
    char *due;         /* YYYY-MM-DD or NULL */
    char *treatment;   /* what is being done / why accepted; may be NULL */
    char *accept_expires; /* YYYY-MM-DD, for ACCEPTED; may be NULL */
    char *exception_kind; /* for EXCEPTION: "false-positive" or "compensating-control" */
    char first_seen[11], last_seen[11]; /* YYYY-MM-DD */
};

struct risk_pool; /* risk_model.c */

struct risk_set {
    char scan_id[64];
    char date[11];  /* the scan's date, YYYY-MM-DD */
    struct risk *v;
    size_t n, cap;
    struct risk_pool *pool; /* NULL: each risk owns all its strings */
};

/* The residual score for r's status: open and reopened keep the inherent score; mitigating
 * lowers likelihood by 2 (not below 1); accepted keeps the inherent score (the risk remains,
 * it is only not counted); exception and resolved are 0. */
int risk_residual(const struct risk *r);

/* The two headline figures: the worst single residual score and the total of the residual
 * scores of every risk whose status counts. */
struct risk_headline {
    int worst;
    long total;
    size_t n_counted;
    size_t worst_index; /* into the set; meaningless when n_counted is 0 */
};
struct risk_headline risk_headline(const struct risk_set *s);

/* Appends an empty risk (zeroed, cvss -1) and returns it (borrowed until the next append);
 * NULL on allocation failure. For the register reading rows back. */
struct risk *risk_set_add(struct risk_set *s);
/* Replaces r's controls and framework items with copies of these lists, in this order:
 * controls[0..n_controls), and refs as n_refs framework, id pairs (refs[2i], refs[2i+1]).
 * 0, or -1 on allocation failure with both lists left empty. */
int risk_set_lists(struct risk *r, const char *const *controls, size_t n_controls,
                   const char *const *refs, size_t n_refs);
void risk_clear(struct risk *r);
void risk_set_free(struct risk_set *s);

/* Room for n risks in all (risk_set_add moves nothing until then): 0, or -1 on allocation
 * failure. */
int risk_set_reserve(struct risk_set *s, size_t n);

/* Makes s (empty, not pooled) a pooled set: 0, or -1 on allocation failure. */
int risk_set_pool(struct risk_set *s);
/* The copy of str in s's pool, the same pointer for every equal string (NULL for NULL, and on
 * allocation failure: tell the two apart by str). */
char *risk_set_intern(struct risk_set *s, const char *str);
/* As risk_set_lists, the lists made in s's pool; r may share them with other risks of s
 * (copy the four fields). */
int risk_set_pool_lists(struct risk_set *s, struct risk *r, const char *const *controls,
                        size_t n_controls, const char *const *refs, size_t n_refs);
/* Releases what r owns as a member of s (with a pool, only its register state) and zeroes
 * it. */
void risk_set_clear(struct risk_set *s, struct risk *r);
/* Moves r, which owns all its strings (the register's reader made it), into s as a new
 * member; with a pool, its scan fields are copied into it and freed. r is left zeroed: 0, or
 * -1 (out of memory) with r cleared. */
int risk_set_adopt(struct risk_set *s, struct risk *r);

/* One scan in a client's history, as the register records it when the scan updates it:
 * the headline figures, the register's movement and compliance per framework. */
struct trend_framework {
    char id[48];          /* framework id: "hipaa" */
    unsigned pass, fail, partial, not_checked; /* framework items per status */
};

struct trend_point {
    char scan_id[64];
    char date[11];        /* YYYY-MM-DD */
    int worst;            /* risk_headline().worst after the update */
    long total;
    unsigned n_counted;   /* risks counted in the headline */
    unsigned n_new, n_resolved, n_reopened; /* what this scan changed */
    struct trend_framework *fw;
    size_t n_fw;
};

/* Oldest first. Owns its points and their fw arrays. */
struct trend {
    struct trend_point *v;
    size_t n;
};
void trend_free(struct trend *t);

#endif
