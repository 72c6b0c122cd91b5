#include "checkrun.h"

#include <string.h>

bool checkrun_selected(const char *only, const char *id)
{
    if (!only)
        return true;
    size_t len = strlen(id);
    for (const char *p = only; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, id, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

int checkrun_validate(const char *only, struct rm_err *e)
{
    if (!only)
        return 0;
    char tok[64];
    for (const char *p = only;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || n >= sizeof tok)
            return rm_errf(e, "checks \"%s\": empty or overlong check id", only);
        memcpy(tok, p, n);
        tok[n] = '\0';
        if (!check_find(tok))
            return rm_errf(e, "checks \"%s\": no check named \"%s\" (see riskmap checks)", only, tok);
        if (!end)
            return 0;
        p = end + 1;
    }
}

static void notify(struct scan_result *r, size_t from, const struct checkrun_opts *o)
{
    if (!o->on_finding)
        return;
    for (size_t i = from; i < r->n_findings; i++)
        o->on_finding(r->findings[i], i, o->cb_arg);
}

int checkrun(struct scan_result *r, const struct checkrun_opts *o, struct rm_err *e)
{
    int rc = 0;
    for (size_t c = 0; check_registry[c]; c++) {
        const struct check *chk = check_registry[c];
        if (!checkrun_selected(o->only, chk->id))
            continue;
        struct check_ctx ctx = {.result = r, .timeout_ms = o->timeout_ms, .cancel = o->cancel,
                                .intrusive = o->intrusive, .tls_quick = o->tls_quick,
                                .tls_ca_pem = o->tls_ca_pem, .tls_expiry_days = o->tls_expiry_days,
                                .allowed_ports = o->allowed_ports,
                                .n_allowed_ports = o->n_allowed_ports, .backup = o->backup,
                                .inventories = o->inventories};
        struct rm_err ce = {{0}};
        if (chk->init && chk->init(&ctx, &ce) < 0) {
            if (rc == 0)
                rm_errf(e, "check %s: %s", chk->id, ce.msg);
            rc = -1;
            continue;
        }
        int failed = 0;
        size_t before = r->n_findings;
        switch (chk->applies_to) {
        case CHECK_SITE:
            failed = chk->run(&ctx, NULL, NULL, &ce) < 0;
            break;
        case CHECK_HOST:
            /* Hosts are addressed by index: a check appending findings never moves hosts. */
            for (size_t h = 0; h < r->n_hosts && !failed; h++) {
                if (o->cancel && *o->cancel)
                    break;
                failed = chk->run(&ctx, &r->hosts[h], NULL, &ce) < 0;
            }
            break;
        case CHECK_SERVICE:
            for (size_t h = 0; h < r->n_hosts && !failed; h++) {
                for (size_t s = 0; s < r->hosts[h].n_services && !failed; s++) {
                    if (o->cancel && *o->cancel)
                        break;
                    const struct service *svc = &r->hosts[h].services[s];
                    if (svc->state != PORT_OPEN)
                        continue;
                    failed = chk->run(&ctx, &r->hosts[h], svc, &ce) < 0;
                }
            }
            break;
        }
        /* A module that failed half-way (out of memory) may leave a finding without its
         * fingerprint; give it one so that the document stays readable. */
        for (size_t i = before; i < r->n_findings; i++)
            if (!r->findings[i]->fingerprint[0])
                finding_fingerprint(r->findings[i]);
        notify(r, before, o);
        if (chk->cleanup)
            chk->cleanup(&ctx);
        if (failed) {
            if (rc == 0)
                rm_errf(e, "check %s: %s", chk->id, ce.msg);
            rc = -1;
        }
    }
    return rc;
}
