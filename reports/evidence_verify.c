#include "evidence.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/manifest.h"

/* Bounds for a bundle read from anywhere: per file, in all, and in entries. */
#define FILE_MAX ((uint64_t)1 << 31)
#define TOTAL_MAX ((uint64_t)1 << 34)
#define SMALL_MAX (64u << 10) /* MANIFEST.sig and signer.pub.pem are tiny */

struct seen {
    char *path;
    uint64_t size;
    char sha256[65];
};

struct vstate {
    struct seen *v;
    size_t n, cap;
    char top[MANIFEST_PATH_MAX + 1];
    char *manifest;
    size_t manifest_len;
    unsigned char *sig;
    size_t sig_len;
    char *pub;
    size_t pub_len;
};

static void vstate_free(struct vstate *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].path);
    free(s->v);
    free(s->manifest);
    free(s->sig);
    free(s->pub);
}

void evidence_report_free(struct evidence_report *r)
{
    free(r->scan_id);
    free(r->scan_operator);
    free(r->scan_host);
    free(r->scan_finished);
    free(r->created);
    memset(r, 0, sizeof *r);
}

static int cmp_seen(const void *a, const void *b)
{
    return strcmp(((const struct seen *)a)->path, ((const struct seen *)b)->path);
}

/* Reads one entry's data, hashing it, and keeping it when keep (bounded by keep_max). */
static int read_entry(struct archive *a, const char *path, uint64_t *size, char hex[65],
                      char **kept, size_t *kept_len, size_t keep_max, uint64_t *total,
                      struct rm_err *e)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return rm_errf(e, "out of memory");
    }
    unsigned char buf[65536];
    uint64_t n = 0;
    int rc = 0;
    for (;;) {
        la_ssize_t got = archive_read_data(a, buf, sizeof buf);
        if (got < 0) {
            rc = rm_errf(e, "%s: %s", path, archive_error_string(a));
            break;
        }
        if (got == 0)
            break;
        n += (uint64_t)got;
        *total += (uint64_t)got;
        if (n > FILE_MAX || *total > TOTAL_MAX) {
            rc = rm_errf(e, "%s: larger than this reader accepts", path);
            break;
        }
        EVP_DigestUpdate(md, buf, (size_t)got);
        if (kept) {
            if (n > keep_max) {
                rc = rm_errf(e, "%s: larger than %zu bytes", path, keep_max);
                break;
            }
            char *k = realloc(*kept, (size_t)n + 1);
            if (!k) {
                rc = rm_errf(e, "out of memory");
                break;
            }
            memcpy(k + *kept_len, buf, (size_t)got);
            *kept = k;
            *kept_len = (size_t)n;
            k[n] = '\0';
        }
    }
    unsigned char dg[32];
    unsigned dl = 0;
    if (rc == 0 && EVP_DigestFinal_ex(md, dg, &dl) == 1)
        for (unsigned i = 0; i < dl; i++)
            snprintf(hex + 2 * i, 3, "%02x", dg[i]);
    EVP_MD_CTX_free(md);
    *size = n;
    return rc;
}

static int read_bundle(const char *bundle, struct vstate *s, struct rm_err *e)
{
    struct archive *a = archive_read_new();
    if (!a)
        return rm_errf(e, "out of memory");
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    int rc = -1;
    if (archive_read_open_filename(a, bundle, 65536) != ARCHIVE_OK) {
        rm_errf(e, "%s: %s", bundle, archive_error_string(a));
        goto out;
    }
    struct archive_entry *en;
    uint64_t total = 0;
    int r;
    while ((r = archive_read_next_header(a, &en)) == ARCHIVE_OK) {
        const char *full = archive_entry_pathname(en);
        /* Directory entries carry nothing (tar adds them when a bundle is repacked). */
        if (full && archive_entry_filetype(en) == AE_IFDIR && !strstr(full, "..")) {
            archive_read_data_skip(a);
            continue;
        }
        if (!full || archive_entry_filetype(en) != AE_IFREG) {
            rm_errf(e, "%s: an entry that is not a regular file (%s)", bundle, full ? full : "?");
            goto out;
        }
        const char *slash = strchr(full, '/');
        if (!slash || slash == full || (size_t)(slash - full) > MANIFEST_PATH_MAX) {
            rm_errf(e, "%s: entry outside the bundle's directory: %.80s", bundle, full);
            goto out;
        }
        size_t tl = (size_t)(slash - full);
        if (!s->top[0]) {
            memcpy(s->top, full, tl);
            s->top[tl] = '\0';
        } else if (strlen(s->top) != tl || memcmp(s->top, full, tl) != 0) {
            rm_errf(e, "%s: entries in two top directories (%s, %.80s)", bundle, s->top, full);
            goto out;
        }
        const char *path = slash + 1;
        if (!manifest_path_ok(path)) {
            rm_errf(e, "%s: unsafe path %.80s", bundle, full);
            goto out;
        }
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 64;
            struct seen *v = realloc(s->v, cap * sizeof *v);
            if (!v) {
                rm_errf(e, "out of memory");
                goto out;
            }
            s->v = v;
            s->cap = cap;
        }
        struct seen *x = &s->v[s->n];
        memset(x, 0, sizeof *x);
        if (!(x->path = strdup(path))) {
            rm_errf(e, "out of memory");
            goto out;
        }
        s->n++;
        char **kept = NULL;
        size_t *kl = NULL, km = 0;
        if (strcmp(path, "MANIFEST") == 0) {
            kept = &s->manifest, kl = &s->manifest_len, km = MANIFEST_MAX_BYTES;
        } else if (strcmp(path, "MANIFEST.sig") == 0) {
            kept = (char **)&s->sig, kl = &s->sig_len, km = SMALL_MAX;
        } else if (strcmp(path, "signer.pub.pem") == 0) {
            kept = &s->pub, kl = &s->pub_len, km = SMALL_MAX;
        }
        if (kept && *kept) {
            rm_errf(e, "%s: %s appears twice", bundle, path);
            goto out;
        }
        if (read_entry(a, path, &x->size, x->sha256, kept, kl, km, &total, e) < 0)
            goto out;
    }
    if (r != ARCHIVE_EOF) {
        rm_errf(e, "%s: %s", bundle, archive_error_string(a));
        goto out;
    }
    rc = 0;
out:
    archive_read_free(a);
    return rc;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int evidence_verify(const char *bundle, const struct sign_key *trusted,
                    struct evidence_report *rep, struct rm_err *e)
{
    memset(rep, 0, sizeof *rep);
    struct vstate s = {0};
    struct manifest m = {0};
    struct sign_key *inner = NULL;
    int rc = -1;
    if (read_bundle(bundle, &s, e) < 0)
        goto out;
    rc = 0; /* readable: from here on, a failure means "does not verify" */
    if (!s.manifest || !s.sig) {
        rm_errf(e, "%s: no MANIFEST or MANIFEST.sig", bundle);
        goto out;
    }
    if (s.sig_len != SIGN_SIG_LEN) {
        rm_errf(e, "MANIFEST.sig: %zu bytes, an Ed25519 signature has 64", s.sig_len);
        goto out;
    }
    const struct sign_key *k = trusted;
    if (!k) {
        if (!s.pub) {
            rm_errf(e, "%s: no signer.pub.pem, and no --pubkey given", bundle);
            goto out;
        }
        if (!(inner = sign_pubkey_parse(s.pub, s.pub_len, e)))
            goto out;
        k = inner;
    }
    if (sign_fingerprint(k, rep->fingerprint) < 0) {
        rm_errf(e, "cannot read the key's fingerprint");
        goto out;
    }
    rep->key_pinned = trusted != NULL;
    int v = sign_verify(k, s.manifest, s.manifest_len, s.sig, e);
    if (v <= 0) {
        if (v == 0)
            rm_errf(e, "MANIFEST: the signature does not match%s",
                    trusted ? " the given public key" : "");
        rc = v < 0 ? -1 : 0;
        goto out;
    }
    if (manifest_parse(s.manifest, s.manifest_len, &m, e) < 0)
        goto out;
    /* The listed files, and the archive's, must be the same set with the same bytes. */
    if (s.n > 1)
        qsort(s.v, s.n, sizeof *s.v, cmp_seen);
    for (size_t i = 1; i < s.n; i++)
        if (strcmp(s.v[i - 1].path, s.v[i].path) == 0) {
            rm_errf(e, "%s: appears twice in the archive", s.v[i].path);
            goto out;
        }
    size_t i = 0, j = 0;
    while (i < m.n_files || j < s.n) {
        const char *ap = j < s.n ? s.v[j].path : NULL;
        if (ap && (strcmp(ap, "MANIFEST") == 0 || strcmp(ap, "MANIFEST.sig") == 0)) {
            j++;
            continue;
        }
        int c = i >= m.n_files ? 1 : !ap ? -1 : strcmp(m.files[i].path, ap);
        if (c < 0) {
            rm_errf(e, "%s: listed in the MANIFEST but missing from the bundle", m.files[i].path);
            goto out;
        }
        if (c > 0) {
            rm_errf(e, "%s: in the bundle but not listed in the MANIFEST", ap);
            goto out;
        }
        if (m.files[i].size != s.v[j].size || strcmp(m.files[i].sha256, s.v[j].sha256) != 0) {
            rm_errf(e, "%s: content differs from the MANIFEST (size %llu, sha256 %.16s...; "
                       "listed %llu, %.16s...)", ap, (unsigned long long)s.v[j].size,
                    s.v[j].sha256, (unsigned long long)m.files[i].size, m.files[i].sha256);
            goto out;
        }
        i++;
        j++;
    }
    const char *b = manifest_get(&m, "bundle");
    if (!b || strcmp(b, s.top) != 0) {
        rm_errf(e, "MANIFEST names bundle %s, the archive holds %s", b ? b : "(none)", s.top);
        goto out;
    }
    rep->n_files = m.n_files;
    rep->scan_id = dup_or_null(manifest_get(&m, "scan_id"));
    rep->scan_operator = dup_or_null(manifest_get(&m, "scan_operator"));
    rep->scan_host = dup_or_null(manifest_get(&m, "scan_host"));
    rep->scan_finished = dup_or_null(manifest_get(&m, "scan_finished_utc"));
    rep->created = dup_or_null(manifest_get(&m, "created_utc"));
    rc = 1;
out:
    manifest_free(&m);
    sign_key_free(inner);
    vstate_free(&s);
    return rc;
}
