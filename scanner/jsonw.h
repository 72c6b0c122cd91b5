/* A streaming JSON writer for documents too large to build as a cJSON tree first (a policy
 * evaluation of 100,000 findings is millions of nodes: most of its time and memory). It writes
 * the same bytes cJSON_Print (pretty) or cJSON_PrintUnformatted would for the same tree, so
 * switching a writer over changes no output: tab indentation, "key":<TAB>value, arrays on one
 * line with ", ", numbers and string escapes as cJSON 1.7 prints them.
 *
 * Like cJSON's Add functions, a NULL string value writes nothing (not even its key); use
 * jw_null for an explicit null. Keys are ignored inside arrays. An allocation failure sticks:
 * later calls do nothing and jw_finish says so.
 *
 * Ownership: the writer owns its buffer until jw_finish hands it over (or jw_free drops it).
 */
#ifndef RISKMAP_JSONW_H
#define RISKMAP_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#define JW_MAX_DEPTH 64

struct jsonw {
    char *p;
    size_t n, cap;
    bool oom, pretty;
    int depth;                       /* open containers */
    bool is_array[JW_MAX_DEPTH];
    bool has_items[JW_MAX_DEPTH];
};

/* pretty: cJSON_Print's layout; else cJSON_PrintUnformatted's. */
void jw_init(struct jsonw *w, bool pretty);

/* The root value is written with key NULL. */
void jw_object(struct jsonw *w, const char *key);
void jw_array(struct jsonw *w, const char *key);
void jw_end(struct jsonw *w);

void jw_str(struct jsonw *w, const char *key, const char *v);
/* v, or null when v is NULL. */
void jw_str_or_null(struct jsonw *w, const char *key, const char *v);
void jw_num(struct jsonw *w, const char *key, double v);
/* An integer, as jw_num prints one that fits a double exactly (|v| < 2^53). */
void jw_int(struct jsonw *w, const char *key, long long v);
void jw_bool(struct jsonw *w, const char *key, bool v);
void jw_null(struct jsonw *w, const char *key);

/* The document, NUL-terminated (*len excludes the NUL), owned by the caller; NULL when an
 * allocation failed or a container is still open. The writer is emptied either way. */
char *jw_finish(struct jsonw *w, size_t *len);
void jw_free(struct jsonw *w);

#endif
