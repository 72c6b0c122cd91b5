/* The scope of a scan: target specifications minus exclusions, in nmap's syntax.
 *
 * Specifications are kept as ranges and iterated, never expanded into lists, so a /8 costs a
 * few bytes. Every in-scope address has a "raw index" in the concatenation of all target
 * specifications; scope_at() maps a raw index to its address and says whether that index is
 * to be scanned (not excluded, and not already named by an earlier specification, so that
 * duplicates are scanned once). The port scanner permutes raw indices.
 *
 * Syntax accepted (one token per specification):
 *   IPv4 address          192.0.2.7
 *   IPv4 CIDR             192.0.2.0/24            (/0 .. /32)
 *   IPv4 octet ranges     192.0.2.1-40  192.0.2-3.1-254  192.0.2.1,5,9-12  192.0.2.*  192.0.2.-9
 *   IPv6 address          2001:db8::1
 *   IPv6 prefix           2001:db8::/112          (/112 .. /128: at most 65,536 addresses)
 *   (IPv4-mapped IPv6, ::ffff:a.b.c.d, is refused: it would reach an IPv4 host past IPv4
 *   exclusions; a name resolving only to a mapped address is scoped as the IPv4 host.)
 *   hostname              localhost  host.example/28  (resolved once at add time; recorded)
 * A token made only of digits and . , - * / is always IPv4 syntax, never a hostname.
 * Exclusions take the same syntax, except that any IPv6 prefix is allowed (they are only
 * tested against, never walked).
 * Target files (-iL) and exclusion files hold specifications separated by whitespace;
 * '#' starts a comment to the end of the line; a token may be at most 1024 bytes and a file
 * at most 16 MiB. Exclusion lists on the command line are separated by commas; a piece with
 * no dot made of digits, '-' and '*' continues the IPv4 octet list before it, so
 * "192.0.2.1,5,9-12,198.51.100.7" is two exclusions, as in a file.
 *
 * A scope is not locked: build it from one thread; after scope_finalize() the const calls
 * (scope_at, scope_is_excluded, iterators on separate scope_iter structs) may run in many.
 */
#ifndef RISKMAP_SCOPE_H
#define RISKMAP_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"

/* Scans larger than this many addresses need --allow-large. */
#define SCOPE_DEFAULT_LIMIT 65536u

struct scope;

struct scope *scope_new(void);
void scope_free(struct scope *s);

/* Each of these parses one specification (or a file or list of them) and adds it. On bad
 * input it returns -1 with a message naming the token and the reason, in the form
 *   target "192.0.2.300": octet out of range
 * and leaves the scope as it was before the call. Hostnames are resolved here, once. */
int scope_add_target(struct scope *s, const char *spec, struct rm_err *e);
int scope_add_target_file(struct scope *s, const char *path, struct rm_err *e); /* "-" = stdin */
int scope_add_exclude(struct scope *s, const char *spec, struct rm_err *e);
int scope_add_exclude_list(struct scope *s, const char *comma_list, struct rm_err *e);
int scope_add_exclude_file(struct scope *s, const char *path, struct rm_err *e);

/* The file loaders' parser, on bytes already in memory (so fuzzers need no files): the
 * specifications in buf[0..len), in file syntax. `label` names the source in messages, as in
 *   targets.txt:3: target "10.0.0.999": octet out of range
 * All or nothing, like the calls above. buf need not be NUL-terminated; a NUL byte is an
 * invalid character. */
int scope_add_target_buffer(struct scope *s, const char *buf, size_t len, const char *label,
                            struct rm_err *e);
int scope_add_exclude_buffer(struct scope *s, const char *buf, size_t len, const char *label,
                             struct rm_err *e);

/* How hostnames become addresses. The default (resolve == NULL) is getaddrinfo(), taking the
 * first IPv4 result, else the first IPv6 one. An installed resolver fills *out and returns 0,
 * or returns an EAI_* code (EAI_NONAME, EAI_FAIL, ...) whose gai_strerror() text goes into
 * the error message. Fuzzers and tests install one so that parsing never sends DNS traffic.
 * `arg` is passed through and stays owned by the caller. Affects later adds only. */
typedef int scope_resolve_fn(const char *name, struct rm_addr *out, void *arg);
void scope_set_resolver(struct scope *s, scope_resolve_fn *resolve, void *arg);

/* Counts the unique in-scope addresses. Fails when there are no targets, or when the count
 * exceeds `limit` (0 = no limit), naming the count and --allow-large. The count stops early
 * once over the limit, so a refused /0 costs no time. Must be called before scope_count(). */
int scope_finalize(struct scope *s, uint64_t limit, struct rm_err *e);

/* Unique in-scope addresses (after scope_finalize). */
uint64_t scope_count(const struct scope *s);
/* Size of the raw index space: the sum of all target specifications' sizes. */
uint64_t scope_raw_size(const struct scope *s);

/* Maps raw index i (< scope_raw_size) to its address. Returns true when that address is to
 * be scanned from this index: false when excluded or a duplicate of an earlier index. */
bool scope_at(const struct scope *s, uint64_t i, struct rm_addr *out);

/* True when the address is covered by some exclusion. */
bool scope_is_excluded(const struct scope *s, const struct rm_addr *a);

/* Iterates the unique in-scope addresses in specification order. */
struct scope_iter {
    const struct scope *s;
    uint64_t next;
};
void scope_iter_init(struct scope_iter *it, const struct scope *s);
bool scope_iter_next(struct scope_iter *it, struct rm_addr *out);

/* The specifications as given, for the scan result document. Strings are owned by the
 * scope and live as long as it does. */
size_t scope_n_targets(const struct scope *s);
const char *scope_target(const struct scope *s, size_t i);
size_t scope_n_excludes(const struct scope *s);
const char *scope_exclude(const struct scope *s, size_t i);

/* Hostnames resolved while adding specifications, with the address each resolved to. */
size_t scope_n_names(const struct scope *s);
const char *scope_name(const struct scope *s, size_t i, struct rm_addr *addr);
/* The hostname whose resolution produced exactly this address, or NULL. */
const char *scope_name_for(const struct scope *s, const struct rm_addr *a);

#endif
