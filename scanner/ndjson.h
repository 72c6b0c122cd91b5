/* The NDJSON event stream (--ndjson FILE|-): one JSON object per line, written whole as
 * things happen (scan start, host up, port open, finding, scan end), for pipelines and SIEMs.
 * Safe to call from several threads: each line is one write(2) under a lock. */
#ifndef RISKMAP_NDJSON_H
#define RISKMAP_NDJSON_H

#include <cjson/cJSON.h>

#include "scanner/err.h"

struct ndjson;

/* Opens path for appending events ("-" = standard output). NULL with e set on failure. */
struct ndjson *ndjson_open(const char *path, struct rm_err *e);
/* Flushes and closes; NULL is fine. Returns -1 when some write failed during the stream. */
int ndjson_close(struct ndjson *s);

/* Writes {"event": event, "time": now UTC, ...fields of payload}. Takes ownership of payload
 * (may be NULL). Does nothing when s is NULL. */
void ndjson_emit(struct ndjson *s, const char *event, cJSON *payload);

#endif
