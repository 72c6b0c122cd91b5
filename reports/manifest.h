/* The MANIFEST of an evidence bundle: a signed, line-oriented text that an auditor can read
 * and check with standard tools (sha256sum-style lines, an Ed25519 signature over the exact
 * bytes, verifiable with `openssl pkeyutl -verify -rawin`).
 *
 *   riskmap-evidence-manifest 1
 *   KEY: VALUE                      chain-of-custody metadata, one per line (see evidence.h)
 *   (empty line)
 *   SHA256-HEX  SIZE  PATH          one line per file in the bundle, paths relative to the
 *                                   bundle's top directory, sorted; two spaces between fields
 */
#ifndef RISKMAP_MANIFEST_H
#define RISKMAP_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/err.h"

#define MANIFEST_MAGIC "riskmap-evidence-manifest 1"
#define MANIFEST_MAX_BYTES (16u << 20)
#define MANIFEST_MAX_FILES 1000000u
#define MANIFEST_PATH_MAX 255u

struct manifest_meta {
    char *key, *value;
};

struct manifest_file {
    char *path;
    uint64_t size;
    char sha256[65];
};

struct manifest {
    struct manifest_meta *meta;
    size_t n_meta;
    struct manifest_file *files;
    size_t n_files;
};

/* Parses MANIFEST text (untrusted: bounded, every line checked). 0, or -1 with e naming the
 * line. *out is filled; free it with manifest_free. */
int manifest_parse(const char *text, size_t len, struct manifest *out, struct rm_err *e);
void manifest_free(struct manifest *m);
/* The value of a metadata key, or NULL. */
const char *manifest_get(const struct manifest *m, const char *key);
/* A safe relative path: printable ASCII, no leading '/', no "." or ".." component, no "//",
 * at most MANIFEST_PATH_MAX bytes. */
int manifest_path_ok(const char *path);

#endif
