/* Evidence bundles for auditors: one tar.gz holding a scan result exactly as it was written,
 * the raw evidence behind every finding as separate files, an index from each finding to its
 * evidence files, a README on how to check the bundle, and a MANIFEST (manifest.h) with the
 * SHA-256 and size of every file and chain-of-custody metadata, signed with Ed25519 (sign.h).
 *
 * Layout, under one top directory riskmap-evidence-SCANID/:
 *   scan.json              the scan result, byte for byte
 *   evidence/ID.EXT        each evidence item's raw bytes (.txt, .pem or .bin by media type)
 *   index/findings.json    every finding: kind, severity, asset, fingerprint, and its evidence
 *                          files with their SHA-256
 *   policy-results.json    the policy results (the scan's own evaluation, or one made for the
 *                          export), when there are any
 *   index/framework-ID.json  with a framework: each of its items, its status, and the findings
 *                          and evidence files that contradict or support it (evidence_index.h)
 *   other files the caller adds, under their own names: `riskmap evidence export` adds
 *                          reports/report.html and register/register.{csv,json}
 *   README.txt             what is here and the commands that verify it without riskmap
 *   MANIFEST, MANIFEST.sig (64 raw bytes), signer.pub.pem
 */
#ifndef RISKMAP_EVIDENCE_H
#define RISKMAP_EVIDENCE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "reports/sign.h"
#include "scanner/err.h"

struct evidence_export_opts {
    const char *scan_path;   /* a scan.json */
    const char *out_path;    /* the bundle to write (atomically); NULL: riskmap-evidence-SCANID.tar.gz
                              * in out_dir */
    const char *out_dir;     /* NULL: the current directory */
    const struct sign_key *key;
    const char *exported_by; /* the operator exporting */
    const char *exported_on; /* this host's name */
    const cJSON *evaluation; /* policy results to include; NULL: the scan result's own, if any */
    const char *framework;   /* a framework id for index/framework-ID.json, or NULL */
    const struct evidence_extra *extra; /* more files for the bundle, borrowed */
    size_t n_extra;
};

/* A file the caller adds: path relative to the bundle's top ([A-Za-z0-9._/-], no "..", not
 * one of the bundle's own names). */
struct evidence_extra {
    const char *path;
    const void *data;
    size_t len;
};

/* Writes the bundle. On success *n_files is the number of files listed in the MANIFEST and
 * written (path_cap bytes) names the bundle. */
int evidence_export(const struct evidence_export_opts *o, size_t *n_files, char *written,
                    size_t path_cap, struct rm_err *e);

struct evidence_report {
    size_t n_files;
    char fingerprint[SIGN_FP_HEX_LEN + 1]; /* of the key that signed */
    bool key_pinned;                         /* the caller's key, not the one inside */
    char *scan_id, *scan_operator, *scan_host, *scan_finished, *created;
};
void evidence_report_free(struct evidence_report *r);

/* Verifies a bundle: the MANIFEST's signature (with `trusted` when given, else the key the
 * bundle carries, which proves integrity but not who signed), every listed file's size and
 * SHA-256, and that the archive holds nothing unlisted, nothing twice and no unsafe path.
 * Returns 1 verified, 0 not (e says why: the first file or check that failed), -1 with e set
 * when the bundle cannot be read at all. */
int evidence_verify(const char *bundle, const struct sign_key *trusted,
                    struct evidence_report *rep, struct rm_err *e);

#endif
