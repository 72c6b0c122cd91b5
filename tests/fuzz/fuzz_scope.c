/* libFuzzer target for the scope room: arbitrary bytes as target-file content, as one target
 * spec, as an --exclude list and as exclusion-file content; then the walk, checked against
 * the invariants the port scanner relies on.
 *
 * Input: TARGETS [ '|' EXCLUDES ]. '|' is never valid in a spec, so splitting on it costs no
 * coverage.
 *
 * Network safety: a resolver that never leaves the process is installed before anything is
 * parsed, so no input can cause a DNS query. Nothing here opens a socket. */
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/addr.h"
#include "scanner/scope.h"

#define ITER_MAX 1000

/* Names starting with 'x' fail; names of even length become 127.0.0.1, odd ones ::1, so both
 * families and the error path are reachable. */
static int offline_resolve(const char *name, struct rm_addr *out, void *arg)
{
    (void)arg;
    if (name[0] == 'x' || name[0] == 'X')
        return EAI_NONAME;
    return addr_parse(strlen(name) % 2 ? "::1" : "127.0.0.1", out);
}

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

/* A failed add must leave the scope exactly as it was. */
struct shape {
    size_t targets, excludes, names;
    uint64_t raw;
};

static struct shape shape_of(const struct scope *s)
{
    struct shape sh = {scope_n_targets(s), scope_n_excludes(s), scope_n_names(s),
                       scope_raw_size(s)};
    return sh;
}

static void after_add(const struct scope *s, int rc, const struct shape *before,
                      const struct rm_err *e)
{
    struct shape now = shape_of(s);
    if (rc != 0) {
        check(e->msg[0] != '\0', "a failure has a message");
        check(memcmp(&now, before, sizeof now) == 0, "a failed add changes nothing");
    }
    check(now.raw >= before->raw, "raw size never shrinks on success");
}

static char *dup_z(const uint8_t *p, size_t n)
{
    char *z = malloc(n + 1);
    if (!z)
        abort();
    memcpy(z, p, n);
    z[n] = '\0';
    return z;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *bar = memchr(data, '|', size);
    size_t tlen = bar ? (size_t)(bar - data) : size;
    const uint8_t *ex = bar ? bar + 1 : NULL;
    size_t xlen = bar ? size - tlen - 1 : 0;

    struct scope *s = scope_new();
    if (!s)
        return 0;
    scope_set_resolver(s, offline_resolve, NULL);
    struct rm_err e;
    struct shape before;
    int rc;

    memset(&e, 0, sizeof e);
    before = shape_of(s);
    rc = scope_add_target_buffer(s, (const char *)data, tlen, "fuzz", &e);
    after_add(s, rc, &before, &e);

    char *one = dup_z(data, tlen); /* as a single spec, up to the first NUL */
    memset(&e, 0, sizeof e);
    before = shape_of(s);
    rc = scope_add_target(s, one, &e);
    after_add(s, rc, &before, &e);
    free(one);

    if (ex) {
        char *list = dup_z(ex, xlen);
        memset(&e, 0, sizeof e);
        before = shape_of(s);
        rc = scope_add_exclude_list(s, list, &e);
        after_add(s, rc, &before, &e);
        free(list);

        memset(&e, 0, sizeof e);
        before = shape_of(s);
        rc = scope_add_exclude_buffer(s, (const char *)ex, xlen, "fuzz-ex", &e);
        after_add(s, rc, &before, &e);
    }

    for (size_t i = 0; i < scope_n_targets(s); i++)
        check(scope_target(s, i) != NULL, "every target has its text");

    rc = scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e);
    uint64_t count = scope_count(s);
    if (rc == 0)
        check(count >= 1 && count <= SCOPE_DEFAULT_LIMIT && count <= scope_raw_size(s),
              "count within limit and raw size");
    else
        check(count == 0, "no count after a failed finalize");

    /* The iterator yields distinct, non-excluded addresses; when the whole scope fits in
     * ITER_MAX it yields exactly count of them. */
    struct scope_iter it;
    struct rm_addr a, seen[64];
    size_t n = 0;
    scope_iter_init(&it, s);
    while (n < ITER_MAX && scope_iter_next(&it, &a)) {
        check(!scope_is_excluded(s, &a), "iterated address is not excluded");
        check(a.family == AF_INET || a.family == AF_INET6, "address has a family");
        for (size_t k = 0; k < n && k < 64; k++)
            check(!addr_eq(&seen[k], &a), "no address twice");
        if (n < 64)
            seen[n] = a;
        n++;
    }
    if (rc == 0 && count < ITER_MAX)
        check(n == count, "iterator agrees with the count");

    /* scope_at on the first raw indices agrees with the exclusions. */
    uint64_t raw = scope_raw_size(s);
    for (uint64_t i = 0; i < raw && i < 256; i++)
        if (scope_at(s, i, &a))
            check(!scope_is_excluded(s, &a), "scope_at never offers an excluded address");

    scope_free(s);
    return 0;
}
