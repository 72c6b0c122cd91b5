/* Reading one large JSON document a piece at a time: the readers of scan results
 * (scanner/result_read.c) and of advisory feeds (checks/feed_db.c) walk the top-level object
 * or array here and let cJSON parse each member or element on its own, so the tree of the
 * whole document (some 64 bytes a value and a malloc a string, about ten times the text)
 * never exists. A document comes from memory or through a window onto a file descriptor.
 *
 * It only ever accepts: on any surprise (a syntax error, a bound passed, a read error) the
 * calls answer "fall back" and the caller reads the document whole with cJSON, whose
 * acceptance and messages are the reference. What it accepts it reads as cJSON would: every
 * byte of a member or element by cJSON's own parser, the punctuation between them by cJSON's
 * rules, the depth bound keeping cJSON's nesting limit out of reach.
 *
 * Ownership: a json_src owns its window (json_src_free); it never owns or closes the
 * descriptor or the memory it reads. Trees handed to callbacks die when the callback returns.
 */
#ifndef RISKMAP_JSON_STREAM_H
#define RISKMAP_JSON_STREAM_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Values outside strings (each comma, colon or opening bracket starts at most one more) and
 * the deepest nesting, counted over bytes fed in pieces. Start from {.n = 1}. */
struct json_vcount {
    size_t n, depth, deepest;
    bool in_str, esc; /* inside a string; the next byte is escaped */
};
void json_vcount_feed(struct json_vcount *c, const char *s, size_t len);

struct json_limits {
    size_t max_bytes;  /* the document */
    size_t max_values; /* 0: no bound */
    size_t max_depth;  /* streaming refuses deeper documents (keep it far below 1000) */
};

/* The bytes not yet read; the fields are the module's. */
struct json_src {
    const char *p, *end;
    char *buf; /* the window (owned), when reading a descriptor */
    size_t cap;
    int fd;
    bool eof;    /* nothing more to read: [p, end) is the rest of the document */
    bool failed; /* read error or a bound passed: fall back */
    size_t total;
    struct json_vcount vc;
    struct json_limits lim;
};

/* A document in memory, counted at once (s->vc): over a bound, every read answers "end". */
void json_src_mem(struct json_src *s, const char *data, size_t len, const struct json_limits *lim);
/* A descriptor read through a window of `window` bytes that grows for a larger piece; bounds
 * are checked as bytes arrive. 0, or -1 when out of memory. */
int json_src_fd(struct json_src *s, int fd, size_t window, const struct json_limits *lim);
void json_src_free(struct json_src *s);

/* The next byte (not consumed), or -1 at the end of the document or on failure. */
int json_peek(struct json_src *s);
void json_skip_ws(struct json_src *s);
/* At the start of the document: skips a UTF-8 BOM (as cJSON does) and whitespace. */
void json_skip_start(struct json_src *s);
/* After the top-level value: true when only the whitespace cJSON allows follows, to the end. */
bool json_at_end(struct json_src *s);

/* One value starting at the next byte, parsed with cJSON's allocator; the caller owns it.
 * NULL when there is none (fall back). */
cJSON *json_piece(struct json_src *s);

/* Each element of the array at the next byte, in order: fn(ctx, item, index), where item
 * lives until fn returns (its nodes come from an arena reset after each element). fn returns
 * 0 to go on, anything else to stop. Answers 0 when the whole array was read, fn's value when
 * it stopped, 1 on a surprise. cJSON's allocation hooks are process-wide: they are swapped
 * while the array is read (see json_stream.c); fn may use cJSON as usual. */
typedef int (*json_elem_fn)(void *ctx, const cJSON *item, size_t index);
int json_each(struct json_src *s, json_elem_fn fn, void *ctx);

/* The members of the object at the next byte. The first member named keys[k] is handed to
 * fn(ctx, k, s) with s at its value, which fn reads (json_each) and answers 0, or stops with
 * anything else; seen[k] says which came. A later member of such a name is only checked to
 * be JSON. Every other member is appended to top (which keeps duplicates, as cJSON does).
 * Answers 0 when the object was read to its '}', fn's value, or 1 on a surprise. */
typedef int (*json_member_fn)(void *ctx, size_t k, struct json_src *s);
int json_walk_object(struct json_src *s, cJSON *top, const char *const keys[], size_t nkeys,
                     bool seen[], json_member_fn fn, void *ctx);

/* The JSON path of a member or element, for messages: "path.key", "path.key[index]",
 * "key[index]" when path is "", "path[index]" when key is "" (truncated to fit size, always
 * terminated). Without snprintf: readers build one for every element they read. */
void json_path_join(char *buf, size_t size, const char *path, const char *key, size_t index,
                    bool indexed);

#endif
