/* The scan result document: one versioned JSON file (docs/scan-result.schema.json) holding the
 * scan metadata, hosts, services, findings and the evidence they rest on. It is the seam of the
 * pipeline: `riskmap scan` writes it, and every later stage can run offline from it.
 */
#ifndef RISKMAP_RESULT_H
#define RISKMAP_RESULT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "scanner/err.h"
#include "scanner/model.h"

/* Readers refuse documents larger than this, or with more JSON values than that (cJSON
 * needs some 64 bytes a value: 8 Mi values stay under about 1 GiB of tree). */
#define RESULT_MAX_BYTES (512u * 1024 * 1024)
#define RESULT_MAX_VALUES (8u * 1024 * 1024)

/* The whole document as JSON text (pretty-printed). Caller frees with free(). NULL on ENOMEM. */
char *result_to_json(const struct scan_result *r);

/* Writes the document atomically (temporary file, fsync, rename) with mode 0600. */
int result_write(const struct scan_result *r, const char *path, struct rm_err *e);

/* Parses a document. On success *out is a new scan_result owned by the caller. Errors name
 * the JSON path: `hosts[3].address: not an IP address`. `label` prefixes messages (a file
 * name). Input is untrusted: every field is type- and range-checked. */
int result_parse(const char *json, size_t len, const char *label, struct scan_result **out,
                 struct rm_err *e);
int result_load(const char *path, struct scan_result **out, struct rm_err *e);

/* The JSON forms of single objects, as they appear in the document; used by the NDJSON stream
 * too. New cJSON trees owned by the caller. */
cJSON *result_host_json(const struct host *h, int with_services);
cJSON *result_service_json(const struct service *s);
cJSON *result_finding_json(const struct finding *f, size_t index);

#endif
