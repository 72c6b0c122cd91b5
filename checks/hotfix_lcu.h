/* Windows cumulative updates riskmap knows, by build, and the judgement of a hotfix inventory
 * (checks/inventory.h) against them: is the newest known monthly cumulative update for the
 * host's build, or a later one, installed? The list is data with a date (HOTFIX_LCU_AS_OF):
 * updates released after it are unknown to riskmap, so a host is never reported for missing
 * an update riskmap does not know, and a KB it does not know installed on or after the
 * required update's release date leaves the question open rather than failing it. */
#ifndef RISKMAP_HOTFIX_LCU_H
#define RISKMAP_HOTFIX_LCU_H

#include "inventory.h"

struct hotfix_lcu {
    const char *build; /* "19045" */
    const char *kb;    /* "KB5078885" */
    const char *date;  /* release, YYYY-MM-DD */
    bool monthly;      /* a Patch Tuesday release (not out-of-band) */
};

extern const struct hotfix_lcu hotfix_lcus[];
extern const size_t hotfix_n_lcus;
extern const char HOTFIX_LCU_AS_OF[]; /* the newest release date in the list */

enum hotfix_state {
    HOTFIX_NO_BUILD,      /* the inventory names no build (build=) */
    HOTFIX_UNKNOWN_BUILD, /* the list holds nothing for that build */
    HOTFIX_CURRENT,       /* the required update or a later known one is installed */
    HOTFIX_UNDECIDED,     /* not installed, but an unknown KB installed since its release */
    HOTFIX_MISSING,       /* not installed, and nothing installed since its release */
};

struct hotfix_verdict {
    enum hotfix_state state;
    const struct hotfix_lcu *required;  /* the newest monthly update of the build */
    const struct hotfix_lcu *installed; /* the newest known update installed, or NULL */
    const struct inv_hotfix *unknown;   /* HOTFIX_UNDECIDED: the unknown KB that leaves it open */
};

void hotfix_judge(const struct inventory *inv, struct hotfix_verdict *v);
/* "current", "missing", ... */
const char *hotfix_state_name(enum hotfix_state s);

#endif
