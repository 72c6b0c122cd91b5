/* Evidence behind the answers to manual controls: each file named with its SHA-256 is read
 * back and hashed, so a report can say the training roster on file is the one the vCIO saw. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policies/profile.h"

const char *evidence_state_name(enum evidence_state s)
{
    static const char *const names[] = {"unchecked", "ok", "missing", "changed"};
    return (unsigned)s <= EVIDENCE_CHANGED ? names[s] : "?";
}

/* Hex SHA-256 of the file at path; 0, or -1 with errno-style text in why. */
static int hash_file(const char *path, char out[65], char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK); /* a FIFO must not hang */
    if (fd < 0)
        return snprintf(why, whylen, "%s", strerror(errno)), -1;
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
        (unsigned long long)sb.st_size > PROFILE_EVIDENCE_MAX) {
        close(fd);
        return snprintf(why, whylen, "not a regular file of at most 1 GiB"), -1;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    unsigned char buf[65536];
    unsigned long long total = 0;
    while (ok) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        total += (unsigned long long)n;
        ok = total <= PROFILE_EVIDENCE_MAX && EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    close(fd);
    if (!ok)
        return snprintf(why, whylen, "read or hash failed"), -1;
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

size_t profile_verify_evidence(struct profile *p, struct diags *d)
{
    size_t bad = 0;
    /* Relative paths are relative to the profile's own directory. */
    const char *slash = strrchr(p->source, '/');
    int dirlen = slash ? (int)(slash - p->source) : 0;
    for (size_t a = 0; a < p->n_answers; a++)
        for (size_t i = 0; i < p->answers[a].n_evidence; i++) {
            struct prof_evidence *ev = &p->answers[a].evidence[i];
            char path[4096], sum[65], why[128];
            if (ev->path[0] == '/' || !slash)
                snprintf(path, sizeof path, "%s", ev->path);
            else
                snprintf(path, sizeof path, "%.*s/%s", dirlen, p->source, ev->path);
            if (hash_file(path, sum, why, sizeof why) < 0) {
                ev->state = EVIDENCE_MISSING;
                diags_addf(d, "%s: evidence %s for the answer to %s: %s", p->source, path,
                           p->answers[a].control, why);
            } else if (strcmp(sum, ev->sha256) != 0) {
                ev->state = EVIDENCE_CHANGED;
                diags_addf(d, "%s: evidence %s for the answer to %s has SHA-256 %s, not the %s "
                              "recorded: the file changed since the answer", p->source, path,
                           p->answers[a].control, sum, ev->sha256);
            } else {
                ev->state = EVIDENCE_OK;
                continue;
            }
            bad++;
        }
    return bad;
}
