/* `riskmap feed import FILE...`, `riskmap feed info` and `riskmap feed match FILE...`: fill,
 * describe and query the advisory feed store the patch check reads (checks/feed.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks/feed.h"
#include "checks/feed_eol.h"
#include "checks/feed_match.h"
#include "checks/feed_shipped.h"
#include "scanner/cli.h"
#include "scanner/help.h"

/* "133 d", "5 h", "12 min": how long ago t was. */
static void age_str(time_t now, time_t t, char *out, size_t n)
{
    if (t == (time_t)-1) {
        snprintf(out, n, "-");
        return;
    }
    long long s = (long long)(now - t);
    if (s < 0)
        s = 0;
    if (s >= 86400)
        snprintf(out, n, "%lld d", s / 86400);
    else if (s >= 3600)
        snprintf(out, n, "%lld h", s / 3600);
    else
        snprintf(out, n, "%lld min", s / 60);
}

static int feed_import(const char *path, bool shipped, char **files, int n, struct rm_err *e)
{
    struct feed_db *db;
    if (feed_open(path, true, &db, e) < 0)
        return EXIT_RUNTIME;
    int rc = EXIT_DONE;
    /* The shipped data first (end of life, NVD, KEV: checks/feed_shipped.h), then the files. */
    int ns = shipped ? (int)feed_n_shipped : 0;
    for (int i = 0; i < ns + n; i++) {
        struct feed_import_result r;
        const struct feed_shipped *sf = i < ns ? &feed_shipped_files[i] : NULL;
        char name[300];
        if (sf)
            snprintf(name, sizeof name, "shipped:%s", sf->path);
        else
            snprintf(name, sizeof name, "%s", files[i - ns]);
        if ((sf ? feed_import_shipped(db, sf, time(NULL), &r, e)
                : feed_import_file(db, files[i - ns], time(NULL), &r, e)) < 0) {
            /* Files before this one stay imported: each is its own transaction. */
            rc = sf ? EXIT_RUNTIME : EXIT_USAGE;
            break;
        }
        printf("%s: %s, %zu %s%s", name, r.format, r.records,
               strcmp(r.format, "eol") == 0 ? "release cycle" : "record",
               r.records == 1 ? "" : "s");
        if (r.skipped)
            printf(" (%zu withdrawn or rejected)", r.skipped);
        printf(", newest %s\n", r.newest[0] ? r.newest : "-");
    }
    feed_close(db);
    return rc;
}

static int feed_show(const char *path, struct rm_err *e)
{
    struct feed_db *db;
    struct rm_err oe = {{0}};
    if (feed_open(path, false, &db, &oe) < 0) {
        if (strncmp(oe.msg, "no feed", 7) == 0) {
            printf("feed %s: nothing loaded (riskmap feed import FILE...)\n", path);
            return EXIT_DONE;
        }
        *e = oe;
        return EXIT_RUNTIME;
    }
    struct feed_source_info info[8];
    size_t n, eol_products, eol_cycles;
    char eol[2048];
    if (feed_info(db, info, 8, &n, e) < 0 ||
        feed_eol_summary(db, eol, sizeof eol, &eol_products, &eol_cycles, e) < 0) {
        feed_close(db);
        return EXIT_RUNTIME;
    }
    feed_close(db);
    time_t now = time(NULL);
    printf("feed %s\n", path);
    if (n == 0) {
        printf("nothing loaded (riskmap feed import FILE...)\n");
        return EXIT_DONE;
    }
    printf("%-6s %8s  %-20s %7s  %-20s %7s\n", "source", "records", "newest record", "age",
           "imported", "imports");
    for (size_t i = 0; i < n; i++) {
        char age[32];
        age_str(now, info[i].newest[0] ? feed_time_parse(info[i].newest) : (time_t)-1, age,
                sizeof age);
        printf("%-6s %8lld  %-20s %7s  %-20s %7lld\n", info[i].source, info[i].records,
               info[i].newest[0] ? info[i].newest : "-", age,
               info[i].imported[0] ? info[i].imported : "-", info[i].imports);
    }
    if (eol_products)
        printf("end of life: %zu product%s, %zu release cycles: %s\n", eol_products,
               eol_products == 1 ? "" : "s", eol_cycles, eol);
    return EXIT_DONE;
}

/* "eol PRODUCT VERSION": the release cycle and its end of life. */
static int match_eol(struct feed_db *db, const char *product, const char *version,
                     struct rm_err *e)
{
    struct eol_cycle c;
    int rc = feed_eol_find(db, product, version, &c, e);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        printf("eol %s %s: -\n", product, version);
        return 0;
    }
    printf("eol %s %s: cycle %s, end of life %s, latest %s\n", product, version, c.cycle,
           c.eol_date[0] ? c.eol_date : c.eol_flag == 1 ? "yes (no date)"
                                      : c.eol_flag == 0 ? "none announced" : "not said",
           c.latest[0] ? c.latest : "-");
    return 0;
}

/* One query line: "cpe VENDOR:PRODUCT VERSION", "pkg ECOSYSTEM PACKAGE VERSION" or "eol
 * PRODUCT VERSION". Prints "QUERY: CVE,CVE (N)" or "QUERY: -" (the cycle for eol). 0, 1 for a
 * malformed line, -1 for a feed error. */
static int match_line(struct feed_db *db, struct feed_matcher *m, char *line, struct rm_err *e)
{
    char *f[5];
    int n = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && n < 5; tok = strtok(NULL, " \t\r\n"))
        f[n++] = tok;
    struct feed_hits hits = {0};
    int rc;
    if (n == 3 && strcmp(f[0], "eol") == 0)
        return match_eol(db, f[1], f[2], e) < 0 ? -1 : 0;
    if (n == 3 && strcmp(f[0], "cpe") == 0 && strchr(f[1], ':')) {
        char *colon = strchr(f[1], ':');
        *colon = '\0';
        rc = feed_match_cpe(m, f[1], colon + 1, f[2], &hits, e);
        *colon = ':';
    } else if (n == 4 && strcmp(f[0], "pkg") == 0) {
        rc = feed_match_package(m, f[1], f[2], f[3], &hits, e);
    } else {
        return 1;
    }
    if (rc < 0)
        return -1;
    printf("%s %s %s%s%s:", f[0], f[1], f[2], n == 4 ? " " : "", n == 4 ? f[3] : "");
    size_t k = 0;
    for (size_t i = 0; i < hits.n; i++)
        if (hits.v[i].affected)
            printf("%s%s", k++ ? "," : " ", hits.v[i].cve);
    printf(k ? " (%zu)\n" : " -\n", k);
    feed_hits_free(&hits);
    return 0;
}

static int feed_match(const char *path, char **files, int n, struct rm_err *e)
{
    struct feed_db *db;
    struct feed_matcher *m;
    if (feed_open_ro(path, &db, e) < 0)
        return EXIT_RUNTIME;
    if (feed_matcher_new(db, &m, e) < 0) {
        feed_close(db);
        return EXIT_RUNTIME;
    }
    int rc = EXIT_DONE;
    for (int i = 0; i < n && rc == EXIT_DONE; i++) {
        FILE *in = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
        if (!in) {
            rm_errf(e, "%s: cannot open: %s", files[i], strerror(errno));
            rc = EXIT_USAGE;
            break;
        }
        char line[1024];
        unsigned no = 0, queries = 0;
        while (fgets(line, sizeof line, in)) {
            no++;
            if (!strchr(line, '\n') && !feof(in)) {
                rc = EXIT_USAGE, rm_errf(e, "%s:%u: line longer than %zu bytes", files[i], no,
                                         sizeof line - 2);
                break;
            }
            char *p = line + strspn(line, " \t");
            if (*p == '#' || *p == '\n' || *p == '\0')
                continue;
            queries++;
            int r = match_line(db, m, p, e);
            if (r != 0) {
                if (r > 0)
                    rm_errf(e, "%s:%u: expected \"cpe VENDOR:PRODUCT VERSION\", \"pkg "
                            "ECOSYSTEM PACKAGE VERSION\" or \"eol PRODUCT VERSION\"", files[i], no);
                rc = r > 0 ? EXIT_USAGE : EXIT_RUNTIME;
                break;
            }
        }
        if (rc == EXIT_DONE && ferror(in))
            rc = EXIT_USAGE, rm_errf(e, "%s: cannot read: %s", files[i], strerror(errno));
        else if (rc == EXIT_DONE && !queries)
            rc = EXIT_USAGE, rm_errf(e, "%s: no queries in the file (only blanks and comments)", files[i]);
        if (in != stdin)
            fclose(in);
    }
    feed_matcher_free(m);
    feed_close(db);
    return rc;
}

int cmd_feed(int argc, char **argv, struct rm_err *e)
{
    const char *db = NULL, *sub = NULL;
    bool shipped = false;
    char **files = NULL;
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return help_print(stdout, "feed"), EXIT_DONE;
        if (strcmp(argv[i], "--feed-db") == 0 || strncmp(argv[i], "--feed-db=", 10) == 0) {
            if (argv[i][9] == '=')
                db = argv[i] + 10;
            else if (i + 1 < argc)
                db = argv[++i];
            if (!db || !*db) {
                rm_errf(e, "feed: --feed-db needs a path");
                return EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--shipped") == 0) {
            shipped = true;
        } else if (!sub) {
            sub = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            rm_errf(e, "feed: unknown option \"%s\" (see riskmap help feed)", argv[i]);
            return EXIT_USAGE;
        } else {
            /* FILE arguments: argv outlives the command, so point into it. */
            if (!files)
                files = argv + i;
            if (files + nfiles != argv + i) {
                rm_errf(e, "feed: options go before the files (see riskmap help feed)");
                return EXIT_USAGE;
            }
            nfiles++;
        }
    }
    char def[4096];
    if (!db) {
        if (feed_default_path(def, sizeof def, e) < 0)
            return EXIT_USAGE;
        db = def;
    }
    if (shipped && !(sub && strcmp(sub, "import") == 0)) {
        rm_errf(e, "feed: --shipped goes with import (riskmap feed import --shipped)");
        return EXIT_USAGE;
    }
    if (sub && strcmp(sub, "import") == 0) {
        if (nfiles == 0 && !shipped) {
            rm_errf(e, "feed import: no FILE given, nor --shipped (see riskmap help feed)");
            return EXIT_USAGE;
        }
        return feed_import(db, shipped, files, nfiles, e);
    }
    if (sub && strcmp(sub, "match") == 0) {
        if (nfiles == 0) {
            rm_errf(e, "feed match: no FILE given (\"-\" reads standard input)");
            return EXIT_USAGE;
        }
        return feed_match(db, files, nfiles, e);
    }
    if (sub && strcmp(sub, "info") == 0) {
        if (nfiles) {
            rm_errf(e, "feed info: takes no files");
            return EXIT_USAGE;
        }
        return feed_show(db, e);
    }
    rm_errf(e, "feed: expected \"import FILE...\", \"info\" or \"match FILE...\" (see riskmap "
            "help feed)");
    return EXIT_USAGE;
}
