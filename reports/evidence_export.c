#include "evidence.h"

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/finding.h"
#include "reports/evidence_index.h"
#include "reports/manifest.h"
#include "scanner/atomic.h"
#include "scanner/result.h"

struct bfile {
    char path[MANIFEST_PATH_MAX + 1];
    const unsigned char *data;
    size_t len;
    char *owned; /* freed with the list */
    char sha256[65];
};

struct blist {
    struct bfile *v;
    size_t n, cap;
};

static void blist_free(struct blist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].owned);
    free(l->v);
}

/* Adds a file; with own, the list takes data (a malloc'd buffer) and frees it. */
static int add_file(struct blist *l, const char *path, const void *data, size_t len, bool own)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct bfile *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            if (own)
                free((void *)data);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    struct bfile *f = &l->v[l->n++];
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    f->data = data;
    f->len = len;
    f->owned = own ? (char *)data : NULL;
    sha256_hex(data, len, f->sha256);
    return 0;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(((const struct bfile *)a)->path, ((const struct bfile *)b)->path);
}

/* A framework id as a file name part: [A-Za-z0-9._-], not starting with a dot. */
static int safe_component(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '.')
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
            return -1;
    return 0;
}

/* A caller's file: relative, components safe, none of the bundle's own names. */
static int safe_path(const char *p)
{
    static const char *const own[] = {"scan.json", "README.txt", "MANIFEST", "MANIFEST.sig",
                                      "signer.pub.pem", "policy-results.json"};
    if (strlen(p) > MANIFEST_PATH_MAX || strncmp(p, "evidence/", 9) == 0 ||
        strncmp(p, "index/", 6) == 0)
        return -1;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(p, own[i]) == 0)
            return -1;
    char part[MANIFEST_PATH_MAX + 1];
    for (const char *s = p;;) {
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        memcpy(part, s, n);
        part[n] = 0;
        if (safe_component(part) < 0)
            return -1;
        if (!slash)
            return 0;
        s = slash + 1;
    }
}

/* What the scan says of the advisory feed its patch check used (patch.feed findings). */
static void feed_line(const struct scan_result *r, char *out, size_t cap)
{
    snprintf(out, cap, "none recorded in this scan result (the patch check did not run)");
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct finding *f = r->findings[i];
        if (strcmp(f->kind, "patch.feed") == 0) {
            const char *newest = finding_fact(f, "feed_newest"), *age = finding_fact(f, "feed_age_days"),
                       *recs = finding_fact(f, "feed_records");
            snprintf(out, cap, "%s records, newest advisory %s, %s days before the scan",
                     recs ? recs : "?", newest ? newest : "?", age ? age : "?");
            return;
        }
        if (strcmp(f->kind, "patch.feed.missing") == 0)
            snprintf(out, cap, "none: the scan had no advisory feed (patch levels not assessed)");
    }
}

static const char README_FMT[] =
    "riskmap evidence bundle for scan %s\n"
    "\n"
    "scan.json            the scan result document exactly as riskmap wrote it\n"
    "evidence/            the raw evidence behind the findings (banners, handshakes, ...)\n"
    "index/findings.json  each finding with the evidence files it rests on and their SHA-256\n"
    "MANIFEST             chain of custody, and SHA-256 + size of every file listed\n"
    "MANIFEST.sig         Ed25519 signature of MANIFEST (64 raw bytes)\n"
    "signer.pub.pem       the public key that made it; fingerprint %s\n"
    "\n"
    "Verify without riskmap, in this directory:\n"
    "\n"
    "  openssl pkeyutl -verify -pubin -inkey signer.pub.pem -rawin -in MANIFEST -sigfile MANIFEST.sig\n"
    "  sed '1,/^$/d' MANIFEST | awk '{print $1 \"  \" $3}' | sha256sum -c\n"
    "\n"
    "and compare the key's fingerprint with the one the assessor published:\n"
    "\n"
    "  openssl pkey -pubin -in signer.pub.pem -outform DER | tail -c 32 | sha256sum\n"
    "\n"
    "With riskmap: riskmap evidence verify BUNDLE --pubkey KNOWN-KEY.pem\n";

/* One line of metadata: control characters become '?', so a value cannot forge a line. */
static void meta(char **buf, size_t *len, size_t *cap, const char *key, const char *value)
{
    if (!*buf && *len)
        return;
    const char *v = value ? value : "";
    size_t need = *len + strlen(key) + strlen(v) + 4;
    if (need > *cap) {
        size_t c = *cap ? *cap * 2 : 4096;
        while (c < need)
            c *= 2;
        char *b = realloc(*buf, c);
        if (!b) {
            free(*buf);
            *buf = NULL;
            *len = 1;
            return;
        }
        *buf = b;
        *cap = c;
    }
    *len += (size_t)sprintf(*buf + *len, "%s: ", key);
    for (; *v; v++)
        (*buf)[(*len)++] = ((unsigned char)*v < 0x20 || *v == 0x7f) ? '?' : *v;
    (*buf)[(*len)++] = '\n';
    (*buf)[*len] = '\0';
}

static char *now_utc(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static char *build_manifest(const struct scan_result *r, const struct evidence_export_opts *o,
                            const char *top, const char *fp, const struct blist *l)
{
    char *b = NULL, when[32];
    size_t len = 0, cap = 0;
    const struct scan_meta *m = &r->meta;
    meta(&b, &len, &cap, "format", "riskmap evidence bundle");
    meta(&b, &len, &cap, "bundle", top);
    meta(&b, &len, &cap, "created_utc", now_utc(when, sizeof when));
    meta(&b, &len, &cap, "exported_by", o->exported_by);
    meta(&b, &len, &cap, "exported_on", o->exported_on);
    meta(&b, &len, &cap, "exporter_version", "riskmap " RISKMAP_VERSION);
    meta(&b, &len, &cap, "scan_id", m->id);
    meta(&b, &len, &cap, "scan_operator", m->operator_name);
    meta(&b, &len, &cap, "scan_host", m->scanner_host);
    meta(&b, &len, &cap, "scan_riskmap_version", m->riskmap_version);
    meta(&b, &len, &cap, "scan_started_utc", m->started_utc);
    meta(&b, &len, &cap, "scan_finished_utc", m->finished_utc);
    meta(&b, &len, &cap, "scan_complete", m->complete ? "true" : "false");
    if (!m->complete)
        meta(&b, &len, &cap, "scan_incomplete_reason", m->incomplete_reason);
    char count[64];
    snprintf(count, sizeof count, "%zu hosts, %zu findings, %zu evidence items", r->n_hosts,
             r->n_findings, r->n_evidence);
    meta(&b, &len, &cap, "scan_contents", count);
    char feed[200];
    feed_line(r, feed, sizeof feed);
    meta(&b, &len, &cap, "advisory_feed", feed);
    char fpv[SIGN_FP_HEX_LEN + 8];
    snprintf(fpv, sizeof fpv, "sha256:%s", fp);
    meta(&b, &len, &cap, "signer_fingerprint", fpv);
    if (!b)
        return NULL;
    size_t mlen = strlen(MANIFEST_MAGIC) + 1 + len + 1 + l->n * (64 + 2 + 20 + 2 + MANIFEST_PATH_MAX + 1) + 1;
    char *out = malloc(mlen);
    if (!out) {
        free(b);
        return NULL;
    }
    size_t k = (size_t)sprintf(out, "%s\n%s\n", MANIFEST_MAGIC, b);
    free(b);
    for (size_t i = 0; i < l->n; i++)
        k += (size_t)sprintf(out + k, "%s  %zu  %s\n", l->v[i].sha256, l->v[i].len, l->v[i].path);
    return out;
}

static int tar_add(struct archive *a, const char *top, const char *path, const void *data,
                   size_t len, time_t mtime, struct rm_err *e)
{
    char full[MANIFEST_PATH_MAX + 128];
    snprintf(full, sizeof full, "%s/%s", top, path);
    struct archive_entry *en = archive_entry_new();
    if (!en)
        return rm_errf(e, "out of memory");
    archive_entry_set_pathname(en, full);
    archive_entry_set_size(en, (la_int64_t)len);
    archive_entry_set_filetype(en, AE_IFREG);
    archive_entry_set_perm(en, 0644);
    archive_entry_set_mtime(en, mtime, 0);
    archive_entry_set_uname(en, "riskmap");
    archive_entry_set_gname(en, "riskmap");
    int rc = 0;
    if (archive_write_header(a, en) != ARCHIVE_OK ||
        (len && archive_write_data(a, data, len) != (la_ssize_t)len))
        rc = rm_errf(e, "writing %s: %s", full, archive_error_string(a));
    archive_entry_free(en);
    return rc;
}

static int write_bundle(const char *out_path, const char *top, const struct blist *l,
                        const char *manifest, const uint8_t sig[SIGN_SIG_LEN], struct rm_err *e)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", out_path) >= sizeof tmp)
        return rm_errf(e, "%s: path too long", out_path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return rm_errf(e, "%s: %s", out_path, strerror(errno));
    fchmod(fd, 0600);
    struct archive *a = archive_write_new();
    int rc = -1;
    time_t mtime = time(NULL);
    if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_open_fd(a, fd) != ARCHIVE_OK) {
        rm_errf(e, "%s: %s", out_path, a ? archive_error_string(a) : "out of memory");
        goto out;
    }
    if (tar_add(a, top, "MANIFEST", manifest, strlen(manifest), mtime, e) < 0 ||
        tar_add(a, top, "MANIFEST.sig", sig, SIGN_SIG_LEN, mtime, e) < 0)
        goto out;
    for (size_t i = 0; i < l->n; i++)
        if (tar_add(a, top, l->v[i].path, l->v[i].data, l->v[i].len, mtime, e) < 0)
            goto out;
    if (archive_write_close(a) != ARCHIVE_OK) {
        rm_errf(e, "%s: %s", out_path, archive_error_string(a));
        goto out;
    }
    if (fsync(fd) < 0) {
        rm_errf(e, "%s: %s", out_path, strerror(errno));
        goto out;
    }
    if (rename(tmp, out_path) < 0) {
        rm_errf(e, "%s: %s", out_path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (a)
        archive_write_free(a);
    close(fd);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int evidence_export(const struct evidence_export_opts *o, size_t *n_files, char *written,
                    size_t path_cap, struct rm_err *e)
{
    char *json = NULL;
    size_t jlen = 0;
    struct scan_result *r = NULL;
    struct blist l = {0};
    char *manifest = NULL;
    int rc = -1;
    if (read_file_bounded(o->scan_path, RESULT_MAX_BYTES, &json, &jlen, e) < 0)
        return -1;
    if (result_parse(json, jlen, o->scan_path, &r, e) < 0)
        goto out;
    char top[128];
    snprintf(top, sizeof top, "riskmap-evidence-%.64s", r->meta.id ? r->meta.id : "unknown");
    for (char *p = top; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            *p = '_';
    char fp[SIGN_FP_HEX_LEN + 1];
    char *pub = sign_pubkey_pem(o->key);
    if (!pub || sign_fingerprint(o->key, fp) < 0) {
        free(pub);
        rm_errf(e, "reading the signing key's public half failed");
        goto out;
    }
    if (add_file(&l, "signer.pub.pem", pub, strlen(pub), true) < 0 ||
        add_file(&l, "scan.json", json, jlen, false) < 0)
        goto oom;
    char path[MANIFEST_PATH_MAX + 1];
    for (size_t i = 0; i < r->n_evidence; i++) {
        const struct evidence *ev = r->evidence[i];
        if (evidence_file_name(ev, path, sizeof path) < 0) {
            rm_errf(e, "%s: evidence id \"%.40s\" cannot name a file", o->scan_path, ev->id);
            goto out;
        }
        if (add_file(&l, path, ev->data, ev->len, false) < 0)
            goto oom;
    }
    char *idx = evidence_findings_index(r);
    if (!idx || add_file(&l, "index/findings.json", idx, strlen(idx), true) < 0)
        goto oom;
    const cJSON *evaluation = o->evaluation ? o->evaluation : r->evaluation;
    if (evaluation) {
        char *pr = cJSON_Print(evaluation);
        if (!pr || add_file(&l, "policy-results.json", pr, strlen(pr), true) < 0)
            goto oom;
    }
    if (o->framework) {
        if (!evaluation) {
            rm_errf(e, "%s holds no policy results to index by framework: scan with policies "
                       "(the default), or name them (--policy, --client)", o->scan_path);
            goto out;
        }
        if (safe_component(o->framework) < 0) {
            rm_errf(e, "framework id \"%.60s\" cannot name a file", o->framework);
            goto out;
        }
        char *fi = evidence_framework_index(r, evaluation, o->framework, e);
        if (!fi)
            goto out;
        snprintf(path, sizeof path, "index/framework-%s.json", o->framework);
        if (add_file(&l, path, fi, strlen(fi), true) < 0)
            goto oom;
    }
    for (size_t i = 0; i < o->n_extra; i++) {
        const struct evidence_extra *x = &o->extra[i];
        if (safe_path(x->path) < 0) {
            rm_errf(e, "\"%.100s\" cannot be a file of the bundle", x->path);
            goto out;
        }
        if (add_file(&l, x->path, x->data, x->len, false) < 0)
            goto oom;
    }
    size_t rlen = sizeof README_FMT + 200;
    char *readme = malloc(rlen);
    if (!readme)
        goto oom;
    snprintf(readme, rlen, README_FMT, r->meta.id ? r->meta.id : "?", fp);
    if (add_file(&l, "README.txt", readme, strlen(readme), true) < 0)
        goto oom;
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, cmp_path);
    for (size_t i = 1; i < l.n; i++)
        if (strcmp(l.v[i - 1].path, l.v[i].path) == 0) {
            rm_errf(e, "%s: two evidence items would be %s", o->scan_path, l.v[i].path);
            goto out;
        }
    manifest = build_manifest(r, o, top, fp, &l);
    if (!manifest)
        goto oom;
    uint8_t sig[SIGN_SIG_LEN];
    if (sign_message(o->key, manifest, strlen(manifest), sig, e) < 0)
        goto out;
    if (o->out_path)
        snprintf(written, path_cap, "%s", o->out_path);
    else if (o->out_dir)
        snprintf(written, path_cap, "%s/%s.tar.gz", o->out_dir, top);
    else
        snprintf(written, path_cap, "%s.tar.gz", top);
    if (write_bundle(written, top, &l, manifest, sig, e) < 0)
        goto out;
    *n_files = l.n;
    rc = 0;
    goto out;
oom:
    rm_errf(e, "out of memory");
out:
    free(manifest);
    blist_free(&l);
    scan_result_free(r);
    free(json);
    return rc;
}
