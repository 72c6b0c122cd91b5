/* The cumulative updates riskmap knows (checks/hotfix_lcu.h).
 *
 * Source: Microsoft's update history pages (https://aka.ms/WindowsUpdateHistory,
 * https://aka.ms/Windows11UpdateHistory and the Windows Server update histories), whose entry
 * titles read "March 10, 2026—KB5078885 (OS Builds 19045.7058 and 19044.7058)"; read through the
 * compilation of those titles in github.com/altrhombus/DataForGeeks
 * (content/ms/mswin/buildnumbers.json, updated 2026-03-10), and KB5073724, KB5078885,
 * KB5078883, KB5079473, KB5079466 and KB5078938 checked against independent reports of the
 * same releases. Only January to March 2026 is listed: enough to tell a host one to three
 * months behind, and every entry checked. Preview (non-security) releases are left out.
 * Update HOTFIX_LCU_AS_OF with the list. */
#include <string.h>

#include "hotfix_lcu.h"

const char HOTFIX_LCU_AS_OF[] = "2026-03-10";

const struct hotfix_lcu hotfix_lcus[] = {
    /* Windows 10 22H2 and 21H2 (ESU / LTSC): one update for both builds. */
    {"19045", "KB5073724", "2026-01-13", true},  {"19044", "KB5073724", "2026-01-13", true},
    {"19045", "KB5077796", "2026-01-17", false}, {"19044", "KB5077796", "2026-01-17", false},
    {"19045", "KB5078129", "2026-01-24", false}, {"19044", "KB5078129", "2026-01-24", false},
    {"19045", "KB5075912", "2026-02-10", true},  {"19044", "KB5075912", "2026-02-10", true},
    {"19045", "KB5078885", "2026-03-10", true},  {"19044", "KB5078885", "2026-03-10", true},
    /* Windows 11 23H2. */
    {"22631", "KB5073455", "2026-01-13", true},  {"22631", "KB5077797", "2026-01-17", false},
    {"22631", "KB5078132", "2026-01-24", false}, {"22631", "KB5075941", "2026-02-10", true},
    {"22631", "KB5078883", "2026-03-10", true},
    /* Windows 11 24H2 and 25H2 (one update for both), Windows Server 2025. */
    {"26100", "KB5074109", "2026-01-13", true},  {"26200", "KB5074109", "2026-01-13", true},
    {"26100", "KB5077744", "2026-01-17", false}, {"26200", "KB5077744", "2026-01-17", false},
    {"26100", "KB5078127", "2026-01-24", false}, {"26200", "KB5078127", "2026-01-24", false},
    {"26100", "KB5077181", "2026-02-10", true},  {"26200", "KB5077181", "2026-02-10", true},
    {"26100", "KB5079473", "2026-03-10", true},  {"26200", "KB5079473", "2026-03-10", true},
    /* The 26100.32xxx line Microsoft lists separately (OS Build 26100.32230 ...). */
    {"26100", "KB5073379", "2026-01-13", true},  {"26100", "KB5077793", "2026-01-17", false},
    {"26100", "KB5078135", "2026-01-24", false}, {"26100", "KB5075899", "2026-02-10", true},
    {"26100", "KB5078740", "2026-03-10", true},
    /* Windows 11 26H1 (build 28000). */
    {"28000", "KB5077179", "2026-02-10", true},  {"28000", "KB5079466", "2026-03-10", true},
    /* Windows Server 2022. */
    {"20348", "KB5073457", "2026-01-13", true},  {"20348", "KB5077800", "2026-01-17", false},
    {"20348", "KB5078136", "2026-01-24", false}, {"20348", "KB5075906", "2026-02-10", true},
    {"20348", "KB5082314", "2026-03-02", false}, {"20348", "KB5078766", "2026-03-10", true},
    /* Windows Server, version 23H2. */
    {"25398", "KB5073450", "2026-01-13", true},  {"25398", "KB5077792", "2026-01-17", false},
    {"25398", "KB5078133", "2026-01-24", false}, {"25398", "KB5075897", "2026-02-10", true},
    {"25398", "KB5078734", "2026-03-10", true},
    /* Windows 10 1809 LTSC / Windows Server 2019. */
    {"17763", "KB5073723", "2026-01-13", true},  {"17763", "KB5077795", "2026-01-17", false},
    {"17763", "KB5078131", "2026-01-24", false}, {"17763", "KB5075904", "2026-02-10", true},
    {"17763", "KB5078752", "2026-03-10", true},
    /* Windows 10 1607 LTSB / Windows Server 2016. */
    {"14393", "KB5073722", "2026-01-13", true},  {"14393", "KB5075999", "2026-02-10", true},
    {"14393", "KB5078938", "2026-03-10", true},
};
const size_t hotfix_n_lcus = sizeof hotfix_lcus / sizeof hotfix_lcus[0];

const char *hotfix_state_name(enum hotfix_state s)
{
    static const char *const names[] = {"no-build", "unknown-build", "current", "undecided",
                                        "missing"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static const struct inv_hotfix *installed(const struct inventory *inv, const char *kb)
{
    for (size_t i = 0; i < inv->n_fixes; i++)
        if (strcmp(inv->fixes[i].id, kb) == 0)
            return &inv->fixes[i];
    return NULL;
}

static bool known(const char *kb)
{
    for (size_t i = 0; i < hotfix_n_lcus; i++)
        if (strcmp(hotfix_lcus[i].kb, kb) == 0)
            return true;
    return false;
}

void hotfix_judge(const struct inventory *inv, struct hotfix_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (!inv->os_build[0]) {
        v->state = HOTFIX_NO_BUILD;
        return;
    }
    for (size_t i = 0; i < hotfix_n_lcus; i++) {
        const struct hotfix_lcu *l = &hotfix_lcus[i];
        if (strcmp(l->build, inv->os_build) != 0)
            continue;
        if (l->monthly && (!v->required || strcmp(l->date, v->required->date) > 0))
            v->required = l;
        if (installed(inv, l->kb) && (!v->installed || strcmp(l->date, v->installed->date) > 0))
            v->installed = l;
    }
    if (!v->required) {
        v->state = HOTFIX_UNKNOWN_BUILD;
        return;
    }
    if (v->installed && strcmp(v->installed->date, v->required->date) >= 0) {
        v->state = HOTFIX_CURRENT;
        return;
    }
    /* A KB riskmap does not know, installed since the required update came out, may be a
     * later cumulative update (which replaces the earlier ones in Get-HotFix's list). */
    for (size_t i = 0; i < inv->n_fixes; i++)
        if (!known(inv->fixes[i].id) && inv->fixes[i].installed[0] &&
            strcmp(inv->fixes[i].installed, v->required->date) >= 0) {
            v->unknown = &inv->fixes[i];
            v->state = HOTFIX_UNDECIDED;
            return;
        }
    v->state = HOTFIX_MISSING;
}
