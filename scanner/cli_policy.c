/* `riskmap policy validate|show|list|eval`: the policies room on the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policies/eval.h"
#include "policies/policy.h"
#include "policies/policy_set.h"
#include "policies/profile.h"
#include "policies/shipped.h"
#include "policies/xccdf.h"
#include "scanner/atomic.h"
#include "scanner/cli.h"
#include "scanner/help.h"
#include "scanner/result.h"

#define MAX_POLICIES 32

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void print_diags(const struct diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "%s\n", d->msg[i]);
    if (d->dropped)
        fprintf(stderr, "(%zu more messages not shown)\n", d->dropped);
}

/* ---- validate --------------------------------------------------------------------------- */

/* Validates one file; its problems are added to d (the caller prints them). */
static int validate_one(const char *path, struct diags *dp)
{
    struct diags d = *dp;
    xmlDoc *doc = NULL;
    enum xml_kind kind = XML_ANY;
    int ok = 0;
    if (xmlload_file(path, XML_ANY, &doc, &kind, &d) == 0) {
        xmlFreeDoc(doc);
        if (kind == XML_POLICY) {
            struct policy *p = NULL;
            if (policy_load_file(path, &p, &d) == 0) {
                printf("%s: valid policy \"%s\" version %s: %zu controls, %zu rules, %zu "
                       "frameworks\n", path, p->id, p->version, p->n_controls, p->n_rules,
                       p->n_frameworks);
                ok = 1;
            }
            policy_free(p);
        } else {
            struct profile *p = NULL;
            if (profile_load_file(path, &p, &d) == 0) {
                ok = 1;
                /* The policies it names must load, and its tailoring must name something. */
                struct policy *pols[MAX_POLICIES];
                size_t n = 0;
                for (size_t i = 0; i < p->n_policies && i < MAX_POLICIES; i++) {
                    char ref[4096];
                    if (policy_load_ref(profile_policy_ref(p, i, ref, sizeof ref), &pols[n], &d) == 0)
                        n++;
                    else
                        ok = 0;
                }
                if (ok) {
                    struct scan_result *empty = scan_result_new();
                    struct evaluation *ev = NULL;
                    struct rm_err e;
                    if (empty && evaluate(empty, pols, n, p, NULL, &ev, &e) == 0) {
                        for (size_t i = 0; i < ev->warnings.n; i++)
                            fprintf(stderr, "warning: %s\n", ev->warnings.msg[i]);
                        evaluation_free(ev);
                    }
                    struct diags w = {0};
                    profile_check_objectives(p, pols, n, &w);
                    profile_verify_evidence(p, &w);
                    for (size_t i = 0; i < w.n; i++)
                        fprintf(stderr, "warning: %s\n", w.msg[i]);
                    diags_free(&w);
                    scan_result_free(empty);
                    printf("%s: valid client profile \"%s\" (%s): %zu sites, %zu asset groups, "
                           "%zu backup sources, %zu policies\n", path, p->client_id,
                           p->client_name, p->n_sites, p->n_groups, p->n_backups, n);
                }
                for (size_t i = 0; i < n; i++)
                    policy_free(pols[i]);
            }
            profile_free(p);
        }
    }
    *dp = d;
    return ok;
}

static int cmd_validate(int argc, char **argv, struct rm_err *e)
{
    if (argc < 2)
        return rm_errf(e, "policy validate: name at least one file"), EXIT_USAGE;
    int bad = 0;
    struct diags d = {0};
    for (int i = 1; i < argc; i++)
        bad += !validate_one(argv[i], &d);
    if (bad && diags_take_one(&d, e) < 0)
        return EXIT_USAGE; /* one file, one problem: that is the whole answer */
    print_diags(&d);
    diags_free(&d);
    if (bad)
        return rm_errf(e, "policy validate: %d of %d files invalid", bad, argc - 1), EXIT_USAGE;
    return EXIT_DONE;
}

/* ---- show and list ---------------------------------------------------------------------- */

static void show_policy(const struct policy *p)
{
    printf("%s (id %s, version %s)\n", p->title, p->id, p->version);
    printf("source: %s\n", p->source);
    if (p->description)
        printf("%s\n", p->description);
    printf("\nFRAMEWORKS\n");
    for (size_t i = 0; i < p->n_frameworks; i++)
        printf("  %-16s %s%s%s\n", p->frameworks[i].id, p->frameworks[i].title,
               p->frameworks[i].version ? " " : "",
               p->frameworks[i].version ? p->frameworks[i].version : "");
    printf("\nCONTROLS\n");
    for (size_t c = 0; c < p->n_controls; c++) {
        const struct pol_control *ct = &p->controls[c];
        printf("  %s  %s%s\n", ct->id, ct->title, ct->manual_question ? "  [manual]" : "");
        for (size_t r = 0; r < ct->n_refs; r++) {
            printf("      %-16s %s", ct->refs[r].framework, ct->refs[r].id);
            if (ct->refs[r].ig)
                printf(" (IG%d)", ct->refs[r].ig);
            if (ct->refs[r].title)
                printf("  %s", ct->refs[r].title);
            printf("\n");
        }
        if (ct->manual_question)
            printf("      ask: %s\n", ct->manual_question);
        for (size_t r = 0; r < p->n_rules; r++) {
            const struct pol_rule *ru = &p->rules[r];
            if (ru->control != c)
                continue;
            printf("      rule %s: ", ru->id);
            for (size_t k = 0; k < ru->n_kinds; k++)
                printf("%s%s", k ? ", " : "", ru->kinds[k]);
            printf("  %s L%d I%d%s", severity_name(ru->severity), ru->likelihood, ru->impact,
                   ru->fallback ? " fallback" : "");
            if (ru->criticality_min)
                printf(" if criticality >= %s", criticality_name(ru->criticality_min));
            for (size_t s = 0; s < ru->n_services; s++)
                printf("%s%s", s ? "," : " if service ", ru->services[s]);
            for (size_t t = 0; t < ru->n_thresholds; t++) {
                static const char *const ops[] = {">", ">=", "<", "<="};
                const struct pol_threshold *th = &ru->thresholds[t];
                if (th->scale != 1.0)
                    printf(" if %s/%g %s %g (%s)", th->fact, th->scale, ops[th->op], th->value,
                           th->name);
                else
                    printf(" if %s %s %g (%s)", th->fact, ops[th->op], th->value, th->name);
            }
            if (ru->has_remediation)
                printf("\n          fix: %gh, cost %s%s%s: %s", ru->remediation.effort_hours,
                       cost_band_name(ru->remediation.cost),
                       ru->remediation.initiative >= 0 ? ", initiative " : "",
                       ru->remediation.initiative >= 0
                           ? p->initiatives[ru->remediation.initiative].id : "",
                       ru->remediation.text);
            printf("\n");
        }
    }
    if (p->n_initiatives)
        printf("\nINITIATIVES\n");
    for (size_t i = 0; i < p->n_initiatives; i++)
        printf("  %-28s %-16s %s\n", p->initiatives[i].id, p->initiatives[i].category,
               p->initiatives[i].title);
}

static int cmd_show(int argc, char **argv, struct rm_err *e)
{
    if (argc != 2)
        return rm_errf(e, "policy show: name one policy file or shipped id"), EXIT_USAGE;
    struct diags d = {0};
    struct policy *p = NULL;
    if (policy_load_ref(argv[1], &p, &d) < 0) {
        if (diags_take_one(&d, e) < 0)
            return EXIT_USAGE;
        print_diags(&d);
        diags_free(&d);
        return rm_errf(e, "policy show: %s is not a valid policy", argv[1]), EXIT_USAGE;
    }
    show_policy(p);
    policy_free(p);
    return EXIT_DONE;
}

static int cmd_list(int argc, char **argv, struct rm_err *e)
{
    (void)argv;
    if (argc != 1)
        return rm_errf(e, "policy list takes no arguments"), EXIT_USAGE;
    printf("%-10s %-7s %8s %6s  %s\n", "ID", "VERSION", "CONTROLS", "RULES", "TITLE (FRAMEWORKS)");
    for (size_t i = 0; shipped_policy_at(i); i++) {
        const struct embedded_file *f = shipped_policy_at(i);
        struct diags d = {0};
        struct policy *p = NULL;
        if (policy_load_buffer((const char *)f->data, f->len, f->name, &p, &d) < 0) {
            print_diags(&d);
            diags_free(&d);
            return rm_errf(e, "shipped policy %s does not load (a build defect)", f->name),
                   EXIT_RUNTIME;
        }
        printf("%-10s %-7s %8zu %6zu  %s (", p->id, p->version, p->n_controls, p->n_rules,
               p->title);
        for (size_t k = 0; k < p->n_frameworks; k++)
            printf("%s%s", k ? ", " : "", p->frameworks[k].id);
        printf(")\n");
        policy_free(p);
    }
    return EXIT_DONE;
}

/* ---- eval ------------------------------------------------------------------------------- */

static void print_text(const struct evaluation *ev, const struct scan_result *scan,
                       const struct profile *prof, struct policy *const *pols, size_t n)
{
    printf("Policy evaluation of scan %s, judged at %s%s%s\n",
           scan->meta.id ? scan->meta.id : "(no id)", ev->date, prof ? ", client " : "",
           prof ? prof->client_name : "");
    printf("Policies:");
    for (size_t i = 0; i < n; i++)
        printf(" %s %s%s", pols[i]->id, pols[i]->version, i + 1 < n ? "," : "\n");
    if (!scan->meta.complete)
        printf("The scan is incomplete: nothing can pass.\n");
    printf("\n%-52s %5s %7s %5s %5s %7s %4s %11s\n", "FRAMEWORK", "ITEMS", "CHECKED", "PASS",
           "FAIL", "PARTIAL", "N/A", "NOT-CHECKED");
    for (size_t f = 0; f < ev->n_frameworks; f++) {
        const struct eval_framework *fw = &ev->frameworks[f];
        char name[96];
        snprintf(name, sizeof name, "%s%s%s", fw->title, fw->version ? " " : "",
                 fw->version ? fw->version : "");
        printf("%-52.52s %5zu %7zu %5zu %5zu %7zu %4zu %11zu\n", name, fw->n_items,
               fw->count[ST_PASS] + fw->count[ST_FAIL] + fw->count[ST_PARTIAL],
               fw->count[ST_PASS], fw->count[ST_FAIL], fw->count[ST_PARTIAL],
               fw->count[ST_NOT_APPLICABLE], fw->count[ST_NOT_CHECKED]);
    }
    size_t failing = evaluation_count(ev, ST_FAIL);
    printf("\nControls: %zu fail, %zu partial, %zu pass, %zu not checked, %zu not applicable\n",
           failing, evaluation_count(ev, ST_PARTIAL), evaluation_count(ev, ST_PASS),
           evaluation_count(ev, ST_NOT_CHECKED), evaluation_count(ev, ST_NOT_APPLICABLE));
    for (size_t i = 0; i < ev->n_controls; i++) {
        const struct eval_control *c = &ev->controls[i];
        if (c->status != ST_FAIL)
            continue;
        const struct pol_control *pc = &c->policy->controls[c->control];
        printf("\nFAIL %s/%s  %s\n", c->policy->id, pc->id, pc->title);
        if (!c->n_failing) {
            printf("     answered \"fail\" by %s on %s\n", c->answer->by, c->answer->date);
            continue;
        }
        size_t shown = 0;
        for (size_t h = 0; h < c->n_hits; h++) {
            const struct eval_hit *hit = &c->hits[h];
            const struct pol_rule *r = &c->policy->rules[hit->rule];
            if (r->severity == SEV_INFO || hit->accepted == ACC_ACCEPTED)
                continue;
            if (shown++ == 5) {
                printf("     ... %zu more\n", c->n_failing - 5);
                break;
            }
            const struct finding *f = scan->findings[hit->finding];
            char addr[RM_ADDRSTRLEN];
            printf("     %-28s %s:%u  %s L%d I%d, %s asset%s\n", f->kind,
                   finding_asset_label(f, addr, sizeof addr), (unsigned)f->port,
                   severity_name(r->severity), r->likelihood, r->impact,
                   criticality_name(hit->criticality),
                   hit->accepted == ACC_EXPIRED ? ", risk acceptance expired" : "");
        }
        if (c->n_accepted)
            printf("     (%zu more findings covered by accepted risks)\n", c->n_accepted);
    }
    if (ev->n_unmapped)
        printf("\n%zu findings match no rule of these policies.\n", ev->n_unmapped);
    for (size_t i = 0; i < ev->warnings.n; i++)
        printf("warning: %s\n", ev->warnings.msg[i]);
}

static int cmd_eval(int argc, char **argv, struct rm_err *e)
{
    const char *refs[MAX_POLICIES], *profile_path = NULL, *date = NULL, *scan_path = NULL;
    const char *out_path = NULL, *xccdf_path = NULL, *arf_path = NULL;
    size_t n_refs = 0;
    int json = 0, stats = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if ((strcmp(a, "--policy") == 0 || strcmp(a, "-p") == 0) && more) {
            if (n_refs == MAX_POLICIES)
                return rm_errf(e, "policy eval: at most %d policies", MAX_POLICIES), EXIT_USAGE;
            refs[n_refs++] = argv[++i];
        } else if ((strcmp(a, "--profile") == 0 || strcmp(a, "--client") == 0 ||
                    strcmp(a, "-c") == 0) && more) {
            profile_path = argv[++i];
        } else if (strcmp(a, "--date") == 0 && more) {
            date = argv[++i];
            int y, m, d2;
            char tail;
            if (strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d2, &tail) != 3 ||
                m < 1 || m > 12 || d2 < 1 || d2 > 31)
                return rm_errf(e, "policy eval: --date wants YYYY-MM-DD, not \"%s\"", date),
                       EXIT_USAGE;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && more) {
            out_path = argv[++i];
        } else if (strcmp(a, "--xccdf") == 0 && more) {
            xccdf_path = argv[++i];
        } else if (strcmp(a, "--arf") == 0 && more) {
            arf_path = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--stats") == 0) {
            stats = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help_print(stdout, "policy");
            return EXIT_DONE;
        } else if (a[0] == '-' && a[1]) {
            return rm_errf(e, "policy eval: unknown option or missing argument \"%s\" (see "
                              "riskmap help policy)", a), EXIT_USAGE;
        } else if (!scan_path) {
            scan_path = a;
        } else {
            return rm_errf(e, "policy eval: one scan result at a time (\"%s\")", a), EXIT_USAGE;
        }
    }
    if (!scan_path)
        return rm_errf(e, "policy eval: name the scan result (scan.json)"), EXIT_USAGE;

    int rc = EXIT_USAGE;
    struct diags d = {0};
    struct policy_set ps = {0};
    struct scan_result *scan = NULL;
    struct evaluation *ev = NULL;
    double t0 = now_ms();
    if (policy_set_load(&ps, refs, n_refs, profile_path, "policy eval", &d, e) < 0)
        goto out;
    struct profile *prof = ps.prof;
    struct policy *const *pols = ps.pols;
    size_t n = ps.n;
    double t1 = now_ms();
    if (result_load(scan_path, &scan, e) < 0)
        goto out;
    double t2 = now_ms();
    rc = EXIT_RUNTIME;
    if (evaluate(scan, pols, n, prof, date, &ev, e) < 0)
        goto out;
    double t3 = now_ms();
    if (prof) {
        struct diags w = {0};
        profile_verify_evidence(prof, &w);
        for (size_t i = 0; i < w.n; i++)
            diags_addf(&ev->warnings, "%s", w.msg[i]);
        diags_free(&w);
    }
    if (json || out_path) {
        struct jsonw jw;
        jw_init(&jw, true);
        size_t len = 0;
        char *txt = evaluation_write(&jw, ev, scan, prof, pols, n) == 0 ? jw_finish(&jw, &len)
                                                                        : NULL;
        jw_free(&jw);
        if (!txt) {
            rm_errf(e, "policy eval: out of memory");
            goto out;
        }
        txt[len] = '\n'; /* the terminator becomes the document's final newline */
        int w = 0;
        if (out_path)
            w = atomic_write(out_path, txt, len + 1, 0600, e);
        if (w == 0 && json && fwrite(txt, 1, len + 1, stdout) != len + 1)
            w = rm_errf(e, "stdout: write failed");
        free(txt);
        if (w < 0)
            goto out;
    }
    for (int k = 0; k < 2; k++) {
        const char *path = k ? arf_path : xccdf_path;
        if (!path)
            continue;
        char *x = NULL;
        size_t xlen = 0;
        int w = (k ? arf_export : xccdf_export)(ev, scan, prof, pols, n, &x, &xlen, e);
        if (w == 0)
            w = atomic_write(path, x, xlen, 0600, e);
        free(x);
        if (w < 0)
            goto out;
    }
    if (!json && !quiet)
        print_text(ev, scan, prof, pols, n);
    if (stats)
        fprintf(stderr, "stats: policies+profile load and validate %.1f ms, scan result load "
                        "%.1f ms (%zu hosts, %zu findings), evaluate %.1f ms, output %.1f ms\n",
                t1 - t0, t2 - t1, scan->n_hosts, scan->n_findings, t3 - t2, now_ms() - t3);
    rc = evaluation_count(ev, ST_FAIL) ? EXIT_FINDINGS : EXIT_DONE;
out:
    print_diags(&d);
    diags_free(&d);
    evaluation_free(ev);
    scan_result_free(scan);
    policy_set_free(&ps);
    return rc;
}

int cmd_evaluate(int argc, char **argv, struct rm_err *e)
{
    return cmd_eval(argc, argv, e);
}

int cmd_export_scap(int argc, char **argv, struct rm_err *e)
{
    const char *what = argc > 1 ? argv[1] : NULL;
    bool xccdf = what && strcmp(what, "xccdf") == 0, arf = what && strcmp(what, "arf") == 0;
    if (!xccdf && !arf) {
        help_print(what ? stderr : stdout, "policy");
        return rm_errf(e, "export: xccdf or arf (riskmap export xccdf SCAN.json -o FILE)"),
               EXIT_USAGE;
    }
    /* `policy eval` with -o FILE meaning the XCCDF (or ARF) file, and no text. */
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args)
        return rm_errf(e, "out of memory"), EXIT_RUNTIME;
    static char a_eval[] = "eval", a_quiet[] = "--quiet", a_xccdf[] = "--xccdf", a_arf[] = "--arf";
    int n = 0, have_out = 0;
    args[n++] = a_eval;
    args[n++] = a_quiet;
    for (int i = 2; i < argc; i++) {
        if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc) {
            args[n++] = xccdf ? a_xccdf : a_arf;
            have_out = 1;
        } else {
            args[n++] = argv[i];
        }
    }
    int rc = have_out ? cmd_eval(n, args, e)
                      : (rm_errf(e, "export %s: name the file to write (-o FILE)", what), EXIT_USAGE);
    free(args);
    /* Failing controls are the content of the export, not an error of it. */
    return rc == EXIT_FINDINGS ? EXIT_DONE : rc;
}

int cmd_policy(int argc, char **argv, struct rm_err *e)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (!sub || strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        help_print(sub ? stdout : stderr, "policy");
        return sub ? EXIT_DONE : EXIT_USAGE;
    }
    if (strcmp(sub, "validate") == 0)
        return cmd_validate(argc - 1, argv + 1, e);
    if (strcmp(sub, "show") == 0)
        return cmd_show(argc - 1, argv + 1, e);
    if (strcmp(sub, "list") == 0)
        return cmd_list(argc - 1, argv + 1, e);
    if (strcmp(sub, "eval") == 0)
        return cmd_eval(argc - 1, argv + 1, e);
    rm_errf(e, "policy: unknown subcommand \"%s\" (validate, show, list, eval)", sub);
    return EXIT_USAGE;
}
