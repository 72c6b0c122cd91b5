/* `riskmap diff A B`: what changed between two scans (reports/scan_diff.h). A and B are scan
 * result files, scan directories, or - with --data-dir - a scan directory's name under
 * DIR/scans, "latest" or "previous". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/scan_diff.h"
#include "scanner/cli.h"
#include "scanner/datadir.h"
#include "scanner/help.h"
#include "scanner/result.h"

/* The name of the scan directory before `latest` (names sort by time: STAMP-ID8). */
static int previous_name(const char *dir, char *out, size_t cap, struct rm_err *e)
{
    char link[4096], target[4096];
    snprintf(link, sizeof link, "%s/latest", dir);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return rm_errf(e, "diff: %s has no latest scan", dir);
    target[n] = 0;
    const char *latest = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    char scans[4096];
    snprintf(scans, sizeof scans, "%s/scans", dir);
    DIR *d = opendir(scans);
    if (!d)
        return rm_errf(e, "diff: cannot read %s", scans);
    char *best = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, latest) >= 0)
            continue;
        char p[8192];
        if ((size_t)snprintf(p, sizeof p, "%s/%s/scan.json", scans, de->d_name) >= sizeof p ||
            access(p, R_OK) != 0) /* a scan killed before it committed */
            continue;
        if (!best || strcmp(de->d_name, best) > 0) {
            free(best);
            best = strdup(de->d_name);
        }
    }
    closedir(d);
    if (!best)
        return rm_errf(e, "diff: %s holds no scan before the latest", dir);
    snprintf(out, cap, "%s", best);
    free(best);
    return 0;
}

/* Where the scan result named by arg is. */
static int resolve(const char *arg, const char *dir, char *out, size_t cap, struct rm_err *e)
{
    struct stat st;
    bool is_name = dir && (strcmp(arg, "latest") == 0 || strcmp(arg, "previous") == 0 ||
                           !strchr(arg, '/'));
    if (!is_name || stat(arg, &st) == 0) {
        if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
            snprintf(out, cap, "%s/scan.json", arg);
        else
            snprintf(out, cap, "%s", arg);
        return 0;
    }
    if (strcmp(arg, "latest") == 0) {
        if (datadir_latest(dir, out, cap) < 0)
            return rm_errf(e, "diff: %s has no latest scan", dir);
        return 0;
    }
    char name[256];
    if (strcmp(arg, "previous") == 0) {
        if (previous_name(dir, name, sizeof name, e) < 0)
            return -1;
    } else {
        snprintf(name, sizeof name, "%s", arg);
    }
    if ((size_t)snprintf(out, cap, "%s/scans/%s/scan.json", dir, name) >= cap)
        return rm_errf(e, "diff: path too long");
    return 0;
}

static void print_items(const char *head, const struct diff_item *v, size_t n, bool changed)
{
    if (!n)
        return;
    printf("\n%s\n", head);
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = v[i].b ? v[i].b : v[i].a;
        char addr[RM_ADDRSTRLEN], sev[32];
        if (changed)
            snprintf(sev, sizeof sev, "%s -> %s", severity_name(v[i].a->severity),
                     severity_name(v[i].b->severity));
        else
            snprintf(sev, sizeof sev, "%s", severity_name(f->severity));
        char where[RM_ADDRSTRLEN + 40];
        snprintf(where, sizeof where, "%s:%u", finding_asset_label(f, addr, sizeof addr),
                 (unsigned)f->port);
        printf("  %-18s %-24s %-21s %.12s  %s\n", sev, f->kind, where, f->fingerprint,
               f->title ? f->title : "");
    }
}

int cmd_diff(int argc, char **argv, struct rm_err *e)
{
    const char *dir = NULL, *pos[2] = {0};
    int n_pos = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--data-dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help_print(stdout, "diff");
            return EXIT_DONE;
        } else if (a[0] == '-' && a[1]) {
            return rm_errf(e, "diff: unknown option or missing argument \"%s\" (see riskmap "
                              "help diff)", a), EXIT_USAGE;
        } else if (n_pos < 2) {
            pos[n_pos++] = a;
        } else {
            return rm_errf(e, "diff: two scans, A and B"), EXIT_USAGE;
        }
    }
    if (n_pos == 0 && dir) {
        pos[0] = "previous";
        pos[1] = "latest";
    } else if (n_pos != 2) {
        return rm_errf(e, "diff: name two scans, A (older) and B (newer)"), EXIT_USAGE;
    }
    char pa[4096], pb[4096];
    if (resolve(pos[0], dir, pa, sizeof pa, e) < 0 || resolve(pos[1], dir, pb, sizeof pb, e) < 0)
        return EXIT_USAGE;
    struct scan_result *a = NULL, *b = NULL;
    struct scan_diff d = {0};
    int rc = EXIT_USAGE;
    if (result_load(pa, &a, e) < 0 || result_load(pb, &b, e) < 0)
        goto out;
    rc = EXIT_RUNTIME;
    if (scan_diff(a, b, &d, e) < 0)
        goto out;
    if (json) {
        cJSON *j = scan_diff_json(&d, a, b);
        char *txt = j ? cJSON_Print(j) : NULL;
        cJSON_Delete(j);
        if (!txt) {
            rm_errf(e, "diff: out of memory");
            goto out;
        }
        printf("%s\n", txt);
        free(txt);
    } else {
        printf("Diff of scan %.12s (%.10s) -> %.12s (%.10s)\n", a->meta.id ? a->meta.id : "?",
               a->meta.started_utc ? a->meta.started_utc : "?", b->meta.id ? b->meta.id : "?",
               b->meta.started_utc ? b->meta.started_utc : "?");
        printf("%zu new, %zu resolved, %zu changed severity, %zu unchanged\n", d.n_added,
               d.n_resolved, d.n_changed, d.n_unchanged);
        if (!b->meta.complete)
            printf("Scan B is incomplete: a finding missing from it may not have been looked "
                   "for.\n");
        print_items("NEW", d.added, d.n_added, false);
        print_items(b->meta.complete ? "RESOLVED" : "NOT FOUND IN B (an incomplete scan)",
                    d.resolved, d.n_resolved, false);
        print_items("CHANGED SEVERITY", d.changed, d.n_changed, true);
    }
    rc = EXIT_DONE;
out:
    scan_diff_free(&d);
    scan_result_free(a);
    scan_result_free(b);
    return rc;
}
