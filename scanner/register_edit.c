/* People's changes to one risk: assign, accept, mitigate, note, false positive, exception.
 * Each in one transaction; each field changed is a history row with who and when. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/register_impl.h"

static bool valid_date(const char *s)
{
    int y, m, d;
    char tail;
    return s && strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
           s[4] == '-' && s[7] == '-' && y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

struct edit_ctx {
    struct register_db *db;
    const struct register_edit *ed;
    const char *at;
    sqlite3_int64 rid; /* the risk row changed */
    struct rm_err *e;
};

static int change(struct edit_ctx *c, const char *field, char **slot,
                  const char *v, const char *note)
{
    if (reg_streq(*slot, v))
        return 0;
    if (reg_history_add(c->db, c->rid, 0, c->at, c->ed->who, field, *slot, v, note, c->e) < 0)
        return -1;
    return reg_set_str(slot, v) < 0 ? rm_errf(c->e, "register: out of memory") : 0;
}

static int change_status(struct edit_ctx *c, struct risk *r, enum risk_status to,
                         const char *note)
{
    if (r->status == to)
        return 0;
    if (reg_history_add(c->db, c->rid, 0, c->at, c->ed->who, "status",
                        risk_status_name(r->status), risk_status_name(to), note, c->e) < 0)
        return -1;
    r->status = to;
    return 0;
}

static int need(const char *v, const char *what, struct rm_err *e)
{
    return v && *v ? 0 : rm_errf(e, "register: %s is required", what);
}

static int check_edit(const struct register_edit *ed, struct rm_err *e)
{
    if (need(ed->who, "who made the change", e) < 0)
        return -1;
    switch (ed->action) {
    case REG_ASSIGN:
        if (need(ed->owner, "an owner", e) < 0)
            return -1;
        if (ed->due && !valid_date(ed->due))
            return rm_errf(e, "register: --due wants YYYY-MM-DD, not \"%s\"", ed->due);
        return 0;
    case REG_ACCEPT:
        if (!valid_date(ed->until))
            return rm_errf(e, "register: accept needs --until YYYY-MM-DD");
        return need(ed->reason, "a reason (--reason)", e);
    case REG_MITIGATE:
    case REG_NOTE:
        return need(ed->note, "a note (--note)", e);
    case REG_FALSE_POSITIVE:
    case REG_EXCEPTION:
        return need(ed->reason, "a reason (--reason)", e);
    }
    return rm_errf(e, "register: unknown change");
}

static int apply(struct edit_ctx *c, struct risk *r)
{
    const struct register_edit *ed = c->ed;
    bool treats = ed->action == REG_ACCEPT || ed->action == REG_MITIGATE;
    if (treats && r->status == RISK_RESOLVED)
        return rm_errf(c->e, "register: %.12s is resolved (the last scan did not find it): "
                             "nothing to treat", r->fingerprint);
    switch (ed->action) {
    case REG_ASSIGN:
        if (change(c, "owner", &r->owner, ed->owner, NULL) < 0)
            return -1;
        return ed->due ? change(c, "due", &r->due, ed->due, NULL) : 0;
    case REG_ACCEPT:
        if (change_status(c, r, RISK_ACCEPTED, ed->reason) < 0 ||
            change(c, "accept_expires", &r->accept_expires, ed->until, NULL) < 0 ||
            change(c, "treatment", &r->treatment, ed->reason, NULL) < 0)
            return -1;
        return change(c, "exception_kind", &r->exception_kind, NULL, NULL);
    case REG_MITIGATE:
        if (change_status(c, r, RISK_MITIGATING, ed->note) < 0 ||
            change(c, "treatment", &r->treatment, ed->note, NULL) < 0)
            return -1;
        return change(c, "exception_kind", &r->exception_kind, NULL, NULL);
    case REG_NOTE:
        return reg_history_add(c->db, c->rid, 0, c->at, ed->who, "note", NULL, NULL, ed->note,
                               c->e);
    case REG_FALSE_POSITIVE:
    case REG_EXCEPTION: {
        const char *kind =
            ed->action == REG_FALSE_POSITIVE ? "false-positive" : "compensating-control";
        if (change_status(c, r, RISK_EXCEPTION, ed->reason) < 0 ||
            change(c, "exception_kind", &r->exception_kind, kind, NULL) < 0 ||
            change(c, "treatment", &r->treatment, ed->reason, NULL) < 0)
            return -1;
        return 0;
    }
    }
    return -1;
}

int register_edit(struct register_db *db, const struct register_edit *ed, struct rm_err *e)
{
    if (check_edit(ed, e) < 0)
        return -1;
    char now[21];
    struct edit_ctx c = {.db = db, .ed = ed, .at = ed->when_utc, .e = e};
    if (!c.at) {
        register_now_utc(now);
        c.at = now;
    }
    if (reg_begin(db, e) < 0)
        return -1;
    struct risk r = {0};
    int g = reg_get(db, ed->fingerprint, &r, &c.rid, e);
    if (g == 1)
        rm_errf(e, "register: no risk %s", ed->fingerprint);
    if (g != 0 || apply(&c, &r) < 0)
        goto fail;
    r.residual = risk_residual(&r);
    if (reg_put(db, &r, &c.rid, e) < 0 || reg_commit(db, e) < 0)
        goto fail;
    risk_clear(&r);
    return 0;
fail:
    reg_rollback(db);
    risk_clear(&r);
    return -1;
}
