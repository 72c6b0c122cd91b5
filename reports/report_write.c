/* The report files a run writes into its directory: report.html, and on request roadmap.json
 * with register.json (json) and register.csv (csv), each written atomically, 0600. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/register_csv.h"
#include "reports/register_json.h"
#include "reports/report.h"
#include "reports/roadmap.h"
#include "scanner/atomic.h"

/* A JSON text (cJSON's, NUL-terminated) as a file ending in a newline. */
static int write_text(const char *path, char *txt, struct diags *written, struct rm_err *e)
{
    size_t len = strlen(txt);
    txt[len] = '\n'; /* cJSON's terminator becomes the final newline */
    if (atomic_write(path, txt, len + 1, 0600, e) < 0)
        return -1;
    if (written)
        diags_addf(written, "%s", path);
    return 0;
}

int report_formats_parse(const char *s, unsigned *out)
{
    *out = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 4 && strncmp(s, "html", 4) == 0)
            *out |= REPORT_HTML;
        else if (n == 4 && strncmp(s, "json", 4) == 0)
            *out |= REPORT_JSON;
        else if (n == 3 && strncmp(s, "csv", 3) == 0)
            *out |= REPORT_CSV;
        else
            return -1;
        s += n;
        if (*s == ',')
            s++;
    }
    return *out ? 0 : -1;
}

int report_write(const struct report_input *in, const char *dir, unsigned formats,
                 struct diags *written, struct rm_err *e)
{
    if (make_dirs(dir, 0700, e) < 0)
        return -1;
    struct roadmap *own = NULL;
    struct report_input use = *in;
    if (!use.roadmap) {
        if (roadmap_build(in->risks, in->scan, in->pols, in->n_pols, in->prof, NULL, &own, e) < 0)
            return -1;
        use.roadmap = own;
    }
    char path[4096];
    int rc = 0;
    if (formats & REPORT_HTML) {
        char *html = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "%s/report.html", dir);
        rc = report_html(&use, &html, &len, e);
        if (rc == 0)
            rc = atomic_write(path, html, len, 0600, e);
        free(html);
        if (rc == 0 && written)
            diags_addf(written, "%s", path);
    }
    if (rc == 0 && (formats & REPORT_JSON)) {
        snprintf(path, sizeof path, "%s/roadmap.json", dir);
        cJSON *j = roadmap_json(use.roadmap, in->risks, in->prof);
        char *txt = j ? cJSON_Print(j) : NULL;
        cJSON_Delete(j);
        rc = txt ? write_text(path, txt, written, e) : rm_errf(e, "report: out of memory");
        free(txt);
    }
    if (rc == 0 && (formats & REPORT_JSON)) {
        snprintf(path, sizeof path, "%s/register.json", dir);
        cJSON *j = register_json(in->risks, in->trend);
        /* A data file for other tools, often tens of MB: no indentation. */
        char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        rc = txt ? write_text(path, txt, written, e) : rm_errf(e, "report: out of memory");
        free(txt);
    }
    if (rc == 0 && (formats & REPORT_CSV)) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m) {
            rc = rm_errf(e, "report: out of memory");
        } else {
            /* With a BOM, Excel opens the UTF-8 file as UTF-8 rather than the ANSI code page. */
            rc = register_csv_write(in->risks, m, true, e);
            if (fclose(m) != 0 && rc == 0)
                rc = rm_errf(e, "report: out of memory");
            snprintf(path, sizeof path, "%s/register.csv", dir);
            if (rc == 0)
                rc = atomic_write(path, buf, len, 0600, e);
            if (rc == 0 && written)
                diags_addf(written, "%s", path);
        }
        free(buf);
    }
    roadmap_free(own);
    return rc;
}
