/* Tests for the target-scope room (scanner/addr.c, scanner/scope*.c): every accepted syntax
 * with exact counts and first/last addresses, duplicates, exclusions, every error message,
 * target files, IPv6, names, and the walk's big skips checked against a brute-force model.
 *
 * Network safety: addresses come from 127.0.0.0/8 and the documentation ranges only, and are
 * parsed, never contacted. The only name given to getaddrinfo is "localhost" (answered from
 * /etc/hosts); every other name goes to fake_resolve below, which never touches the network.
 * No test opens a socket. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/addr.h"
#include "scanner/scope.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static int fake_calls;

/* "lab.test" and "lab6.test" resolve; every other name fails as unknown. */
static int fake_resolve(const char *name, struct rm_addr *out, void *arg)
{
    (void)arg;
    fake_calls++;
    if (strcmp(name, "lab.test") == 0)
        return addr_parse("198.18.0.5", out);
    if (strcmp(name, "lab6.test") == 0)
        return addr_parse("2001:db8::5", out);
    if (strcmp(name, "mapped.test") == 0) /* inet_pton, as a resolver would hand it over */
        return inet_pton(AF_INET6, "::ffff:198.18.0.9", out->bytes) == 1
                   ? (out->family = AF_INET6, 0) : EAI_FAIL;
    return EAI_NONAME;
}

/* A scope whose name lookups never leave the process. */
static struct scope *new_scope(void)
{
    struct scope *s = scope_new();
    assert_non_null(s);
    scope_set_resolver(s, fake_resolve, NULL);
    fake_calls = 0;
    return s;
}

static void add_ok(struct scope *s, const char *spec)
{
    struct rm_err e = {{0}};
    int rc = scope_add_target(s, spec, &e);
    if (rc != 0)
        fail_msg("scope_add_target(\"%s\"): %s", spec, e.msg);
}

static void excl_ok(struct scope *s, const char *spec)
{
    struct rm_err e = {{0}};
    int rc = scope_add_exclude(s, spec, &e);
    if (rc != 0)
        fail_msg("scope_add_exclude(\"%s\"): %s", spec, e.msg);
}

static void finalize_ok(struct scope *s, uint64_t limit)
{
    struct rm_err e = {{0}};
    int rc = scope_finalize(s, limit, &e);
    if (rc != 0)
        fail_msg("scope_finalize: %s", e.msg);
}

/* The text form of the address at raw index i; *scan says whether it is to be scanned. */
static const char *at(const struct scope *s, uint64_t i, bool *scan)
{
    static char buf[RM_ADDRSTRLEN];
    struct rm_addr a;
    bool ok = scope_at(s, i, &a);
    if (scan)
        *scan = ok;
    return addr_str(&a, buf, sizeof buf);
}

/* One target spec alone: exact count, first and last address in iteration order. */
static void check_spec(const char *spec, uint64_t count, const char *first, const char *last)
{
    struct scope *s = new_scope();
    add_ok(s, spec);
    assert_int_equal(scope_raw_size(s), count);
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), count);
    assert_string_equal(at(s, 0, NULL), first);
    assert_string_equal(at(s, count - 1, NULL), last);
    assert_int_equal(scope_n_targets(s), 1);
    assert_string_equal(scope_target(s, 0), spec);
    scope_free(s);
}

/* Adding spec as a target fails with exactly this message and changes nothing. */
static void check_target_error(const char *spec, const char *msg)
{
    struct scope *s = new_scope();
    add_ok(s, "192.0.2.1");
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_target(s, spec, &e), -1);
    assert_string_equal(e.msg, msg);
    assert_int_equal(scope_n_targets(s), 1);
    assert_int_equal(scope_raw_size(s), 1);
    assert_int_equal(scope_n_names(s), 0);
    scope_free(s);
}

static void check_exclude_error(const char *spec, const char *msg)
{
    struct scope *s = new_scope();
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_exclude(s, spec, &e), -1);
    assert_string_equal(e.msg, msg);
    assert_int_equal(scope_n_excludes(s), 0);
    scope_free(s);
}

/* Writes content to a new temporary file; the caller unlinks path. */
static void write_temp(char path[64], const char *content, size_t len)
{
    strcpy(path, "/tmp/riskmap_scope_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, content + off, len - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
    assert_int_equal(close(fd), 0);
}

/* ---- addr ------------------------------------------------------------------------------- */

static void test_addr_basics(void **state)
{
    (void)state;
    struct rm_addr a, b;
    char buf[RM_ADDRSTRLEN];
    assert_int_equal(addr_parse("192.0.2.7", &a), 0);
    assert_int_equal(a.family, AF_INET);
    assert_int_equal(addr_v4(&a), 0xC0000207u);
    b = addr_from_v4(0xC0000207u);
    assert_true(addr_eq(&a, &b));
    assert_memory_equal(&a, &b, sizeof a); /* comparable with memcmp */
    assert_int_equal(addr_hash(&a), addr_hash(&b));
    assert_string_equal(addr_str(&a, buf, sizeof buf), "192.0.2.7");

    assert_int_equal(addr_parse("2001:DB8::1", &b), 0);
    assert_int_equal(b.family, AF_INET6);
    assert_string_equal(addr_str(&b, buf, sizeof buf), "2001:db8::1");
    assert_true(addr_cmp(&a, &b) < 0); /* AF_INET sorts before AF_INET6 */
    assert_false(addr_eq(&a, &b));

    struct rm_addr c = addr_from_v4(0xC0000208u);
    assert_true(addr_cmp(&a, &c) < 0);
    assert_true(addr_hash(&a) != addr_hash(&c));

    assert_int_equal(addr_parse("127.1", &c), -1); /* no inet_aton shorthand */
    assert_int_equal(addr_parse("localhost", &c), -1);
    assert_int_equal(addr_parse("192.0.2.0/24", &c), -1);
    assert_int_equal(addr_parse("", &c), -1);
}

static void test_addr_sockaddr(void **state)
{
    (void)state;
    struct rm_addr a;
    struct sockaddr_storage ss;
    assert_int_equal(addr_parse("127.0.0.1", &a), 0);
    socklen_t len = addr_sockaddr(&a, 8080, &ss);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    struct sockaddr_in sin;
    memcpy(&sin, &ss, sizeof sin);
    assert_int_equal(sin.sin_family, AF_INET);
    assert_int_equal(ntohs(sin.sin_port), 8080);
    assert_int_equal(ntohl(sin.sin_addr.s_addr), 0x7f000001u);

    assert_int_equal(addr_parse("::1", &a), 0);
    len = addr_sockaddr(&a, 443, &ss);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    struct sockaddr_in6 sin6;
    memcpy(&sin6, &ss, sizeof sin6);
    assert_int_equal(sin6.sin6_family, AF_INET6);
    assert_int_equal(ntohs(sin6.sin6_port), 443);
    assert_memory_equal(&sin6.sin6_addr, &in6addr_loopback, 16);
}

/* ---- syntax forms ----------------------------------------------------------------------- */

static void test_single_and_cidr(void **state)
{
    (void)state;
    check_spec("192.0.2.7", 1, "192.0.2.7", "192.0.2.7");
    check_spec("192.0.2.7/32", 1, "192.0.2.7", "192.0.2.7");
    check_spec("192.0.2.7/31", 2, "192.0.2.6", "192.0.2.7");
    check_spec("192.0.2.0/24", 256, "192.0.2.0", "192.0.2.255");
    check_spec("192.0.2.77/24", 256, "192.0.2.0", "192.0.2.255"); /* host bits dropped */
    check_spec("198.18.0.0/15", 131072, "198.18.0.0", "198.19.255.255");
    check_spec("127.0.0.1", 1, "127.0.0.1", "127.0.0.1");
}

static void test_cidr_huge_not_walked(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    add_ok(s, "192.0.2.0/0");
    assert_int_equal(scope_raw_size(s), UINT64_C(1) << 32);
    assert_string_equal(at(s, 0, NULL), "0.0.0.0");
    assert_string_equal(at(s, (UINT64_C(1) << 32) - 1, NULL), "255.255.255.255");
    assert_string_equal(at(s, 0xC0000201u, NULL), "192.0.2.1");
    scope_free(s);

    s = new_scope();
    add_ok(s, "192.0.2.0/8");
    assert_int_equal(scope_raw_size(s), 16777216);
    assert_string_equal(at(s, 0, NULL), "192.0.0.0");
    assert_string_equal(at(s, 16777215, NULL), "192.255.255.255");
    scope_free(s);
}

static void test_octet_ranges(void **state)
{
    (void)state;
    check_spec("192.0.2.1-40", 40, "192.0.2.1", "192.0.2.40");
    check_spec("192.0.2.*", 256, "192.0.2.0", "192.0.2.255");
    check_spec("192.0.2.-9", 10, "192.0.2.0", "192.0.2.9");
    check_spec("192.0.2.250-", 6, "192.0.2.250", "192.0.2.255");
    check_spec("192.0.2.-", 256, "192.0.2.0", "192.0.2.255");
    check_spec("192.0.2.1,5,9-12", 6, "192.0.2.1", "192.0.2.12");
    check_spec("192.0.2.9,1", 2, "192.0.2.1", "192.0.2.9"); /* ascending, as nmap */
    check_spec("192.0.2.1,1,1-2", 2, "192.0.2.1", "192.0.2.2");
    check_spec("198.18-19.0.1,3", 4, "198.18.0.1", "198.19.0.3");
    check_spec("198.18.*.7", 256, "198.18.0.7", "198.18.255.7");
    check_spec("198.18.0-3.*", 1024, "198.18.0.0", "198.18.3.255");

    struct scope *s = new_scope();
    add_ok(s, "192.0.2.1,5,9-12");
    static const char *const want[] = {"192.0.2.1", "192.0.2.5", "192.0.2.9",
                                       "192.0.2.10", "192.0.2.11", "192.0.2.12"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(at(s, i, NULL), want[i]);
    scope_free(s);
}

static void test_octet_two_ranges_order(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    add_ok(s, "192.0.2-3.1-254");
    assert_int_equal(scope_raw_size(s), 508);
    finalize_ok(s, SCOPE_DEFAULT_LIMIT);
    assert_int_equal(scope_count(s), 508);
    assert_string_equal(at(s, 0, NULL), "192.0.2.1");
    assert_string_equal(at(s, 253, NULL), "192.0.2.254");
    assert_string_equal(at(s, 254, NULL), "192.0.3.1");
    assert_string_equal(at(s, 507, NULL), "192.0.3.254");

    /* The iterator gives the same 508 addresses, strictly ascending, no .0 or .255. */
    struct scope_iter it;
    struct rm_addr a;
    uint32_t prev = 0;
    uint64_t n = 0;
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a)) {
        uint32_t x = addr_v4(&a);
        assert_true(x > prev);
        assert_true((x & 0xff) >= 1 && (x & 0xff) <= 254);
        prev = x;
        n++;
    }
    assert_int_equal(n, 508);
    assert_false(scope_iter_next(&it, &a)); /* stays finished */
    scope_free(s);
}

/* ---- duplicates ------------------------------------------------------------------------- */

static void test_duplicates_scanned_once(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    add_ok(s, "127.0.0.1");
    add_ok(s, "127.0.0.0/30");
    assert_int_equal(scope_raw_size(s), 5);
    finalize_ok(s, SCOPE_DEFAULT_LIMIT);
    assert_int_equal(scope_count(s), 4);

    bool scan;
    assert_string_equal(at(s, 0, &scan), "127.0.0.1");
    assert_true(scan);
    assert_string_equal(at(s, 1, &scan), "127.0.0.0");
    assert_true(scan);
    assert_string_equal(at(s, 2, &scan), "127.0.0.1"); /* the duplicate */
    assert_false(scan);
    assert_string_equal(at(s, 3, &scan), "127.0.0.2");
    assert_true(scan);

    static const char *const want[] = {"127.0.0.1", "127.0.0.0", "127.0.0.2", "127.0.0.3"};
    struct scope_iter it;
    struct rm_addr a;
    char buf[RM_ADDRSTRLEN];
    size_t n = 0;
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a)) {
        assert_true(n < 4);
        assert_string_equal(addr_str(&a, buf, sizeof buf), want[n]);
        n++;
    }
    assert_int_equal(n, 4);
    scope_free(s);

    s = new_scope();
    add_ok(s, "192.0.2.1-10");
    add_ok(s, "192.0.2.5-20");
    add_ok(s, "192.0.2.0/24");
    add_ok(s, "192.0.2.3");
    finalize_ok(s, 0);
    assert_int_equal(scope_raw_size(s), 10 + 16 + 256 + 1);
    assert_int_equal(scope_count(s), 256);
    assert_string_equal(at(s, 10 + 16 + 256, &scan), "192.0.2.3");
    assert_false(scan);
    scope_free(s);
}

/* A later spec that repeats a big earlier one is skipped in one step, not address by
 * address: 1000 copies of a /8 would otherwise be 16 billion probes. */
static void test_many_large_specs(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    for (int i = 0; i < 1000; i++)
        add_ok(s, "198.18.0.0/8");
    assert_int_equal(scope_n_targets(s), 1000);
    assert_int_equal(scope_raw_size(s), UINT64_C(1000) << 24);
    bool scan;
    assert_string_equal(at(s, (UINT64_C(999) << 24) + 5, &scan), "198.0.0.5");
    assert_false(scan);
    assert_string_equal(at(s, 5, &scan), "198.0.0.5");
    assert_true(scan);
    struct rm_err e = {{0}};
    assert_int_equal(scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e), -1);
    scope_free(s);

    s = new_scope();
    add_ok(s, "198.18.0.0/15");
    add_ok(s, "198.18.0.0/15");
    add_ok(s, "198.18.0-255.*");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 131072);
    scope_free(s);
}

/* ---- limits and finalize ---------------------------------------------------------------- */

static void test_finalize_limits(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    struct scope *s = new_scope();
    add_ok(s, "192.0.2.0/0");
    assert_int_equal(scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e), -1);
    assert_string_equal(e.msg, "target scope has 4294967296 addresses (192.0.2.0/0); use "
                               "--allow-large to scan it");
    assert_int_equal(scope_count(s), 0);
    scope_free(s);

    s = new_scope();
    add_ok(s, "192.0.2.0/8");
    add_ok(s, "198.51.100.1");
    assert_int_equal(scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e), -1);
    assert_string_equal(e.msg, "target scope has more than 65536 addresses (192.0.2.0/8 and "
                               "others); use --allow-large to scan it");
    scope_free(s);

    /* Exactly at the limit passes; one more address fails. */
    s = new_scope();
    add_ok(s, "198.18.0.0/16");
    finalize_ok(s, 65536);
    assert_int_equal(scope_count(s), 65536);
    add_ok(s, "198.19.0.0");
    assert_int_equal(scope_count(s), 0); /* adding invalidates the count */
    assert_int_equal(scope_finalize(s, 65536, &e), -1);
    assert_string_equal(e.msg, "target scope has more than 65536 addresses (198.18.0.0/16 and "
                               "others); use --allow-large to scan it");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 65537);
    scope_free(s);

    /* Exclusions make the count unknown in advance, so "more than". */
    s = new_scope();
    add_ok(s, "198.18.0.0/15");
    excl_ok(s, "198.18.0.0/24");
    assert_int_equal(scope_finalize(s, 1000, &e), -1);
    assert_string_equal(e.msg, "target scope has more than 1000 addresses (198.18.0.0/15); "
                               "use --allow-large to scan it");
    scope_free(s);
}

static void test_finalize_empty(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    struct scope *s = new_scope();
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "no targets given");
    excl_ok(s, "192.0.2.0/24");
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "no targets given");
    add_ok(s, "192.0.2.1-9");
    add_ok(s, "192.0.2.200");
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "every target is excluded");
    assert_int_equal(scope_count(s), 0);
    scope_free(s);
}

/* ---- exclusions ------------------------------------------------------------------------- */

static void test_exclusions(void **state)
{
    (void)state;
    struct rm_addr a;
    struct scope *s = new_scope();
    add_ok(s, "192.0.2.0/24");
    excl_ok(s, "192.0.2.0/25");      /* CIDR: .0-.127 */
    excl_ok(s, "192.0.2.130");       /* single */
    excl_ok(s, "192.0.2.200-209");   /* range */
    excl_ok(s, "192.0.2.250,252,253-"); /* a list with an open range: 250, 252-255 */
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 256 - 128 - 1 - 10 - 5);
    assert_int_equal(scope_n_excludes(s), 4);
    assert_string_equal(scope_exclude(s, 2), "192.0.2.200-209");

    bool scan;
    assert_string_equal(at(s, 127, &scan), "192.0.2.127");
    assert_false(scan);
    assert_string_equal(at(s, 128, &scan), "192.0.2.128");
    assert_true(scan);
    assert_string_equal(at(s, 130, &scan), "192.0.2.130");
    assert_false(scan);

    assert_int_equal(addr_parse("192.0.2.205", &a), 0);
    assert_true(scope_is_excluded(s, &a));
    assert_int_equal(addr_parse("192.0.2.210", &a), 0);
    assert_false(scope_is_excluded(s, &a));
    assert_int_equal(addr_parse("2001:db8::1", &a), 0);
    assert_false(scope_is_excluded(s, &a));

    struct scope_iter it;
    scope_iter_init(&it, s);
    assert_true(scope_iter_next(&it, &a));
    assert_int_equal(addr_v4(&a), 0xC0000280u); /* 192.0.2.128 is the first one left */
    scope_free(s);
}

static void test_exclude_localhost(void **state)
{
    (void)state;
    struct scope *s = scope_new(); /* the real resolver: "localhost" only */
    assert_non_null(s);
    add_ok(s, "127.0.0.0/30");
    excl_ok(s, "localhost");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 3);
    bool scan;
    assert_string_equal(at(s, 1, &scan), "127.0.0.1");
    assert_false(scan);
    assert_int_equal(scope_n_names(s), 0); /* names are recorded for targets only */
    scope_free(s);
}

static void test_exclude_list(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    struct scope *s = new_scope();
    add_ok(s, "192.0.2.0/24");
    add_ok(s, "198.51.100.0/30");
    assert_int_equal(scope_add_exclude_list(s, "192.0.2.1,5,9-12, 198.51.100.2 ,192.0.2.128/25",
                                            &e), 0);
    assert_int_equal(scope_n_excludes(s), 3);
    assert_string_equal(scope_exclude(s, 0), "192.0.2.1,5,9-12"); /* octet list kept whole */
    assert_string_equal(scope_exclude(s, 1), "198.51.100.2");
    assert_string_equal(scope_exclude(s, 2), "192.0.2.128/25");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 128 - 6 + 3);

    /* A bad element rejects the whole list. */
    assert_int_equal(scope_add_exclude_list(s, "198.51.100.0,,198.51.100.1", &e), -1);
    assert_string_equal(e.msg, "exclude \"\": empty specification");
    assert_int_equal(scope_add_exclude_list(s, "198.51.100.0,198.51.100.300", &e), -1);
    assert_string_equal(e.msg, "exclude \"198.51.100.300\": octet out of range");
    assert_int_equal(scope_add_exclude_list(s, "", &e), -1);
    assert_string_equal(e.msg, "exclude \"\": empty specification");
    assert_int_equal(scope_n_excludes(s), 3);
    assert_int_equal(scope_count(s), 128 - 6 + 3); /* still finalized: nothing changed */
    scope_free(s);
}

/* Exclusions and duplicates over octet ranges, checked against a model written out by hand
 * over the whole universe the specs can touch. This exercises every kind of skip. */
static bool model_target(uint32_t x)
{
    uint32_t o3 = x & 0xff, o2 = x >> 8 & 0xff, hi = x >> 16;
    if (hi == (192u << 8 | 0) && (o2 == 2 || o2 == 3))
        return (o2 == 2) || (o3 == 0 || o3 == 2 || (o3 >= 4 && o3 <= 9) || o3 >= 100);
    return hi == (198u << 8 | 51) && o2 == 100;
}

static bool model_excluded(uint32_t x)
{
    uint32_t o3 = x & 0xff, o2 = x >> 8 & 0xff;
    if (o3 == 8) /* *.*.*.8 */
        return true;
    if (x >> 16 == (192u << 8 | 0)) {
        if (o2 == 2 && o3 >= 5 && o3 <= 7)
            return true;
        if (o2 == 3 && o3 == 4)
            return true;
        if ((o2 == 2 || o2 == 3) && o3 >= 150 && o3 <= 199) /* 192.0.2-3.150-199 */
            return true;
    }
    return x >> 8 == (198u << 16 | 51u << 8 | 100) && o3 < 64;
}

static void test_walk_matches_model(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    add_ok(s, "192.0.2.1-3,200-210");
    add_ok(s, "192.0.2.0/24");
    add_ok(s, "192.0.2-3.0,2,4-9");
    add_ok(s, "192.0.3.100-");
    add_ok(s, "192.0.2.0-9,20-255"); /* every address already named before */
    add_ok(s, "198.51.100.*");
    add_ok(s, "198.51.100.0,9,20-30");
    excl_ok(s, "192.0.2.5-7");
    excl_ok(s, "192.0.3.4");
    excl_ok(s, "198.51.100.0/26");
    excl_ok(s, "*.*.*.8");
    excl_ok(s, "192.0.2-3.150-199");
    finalize_ok(s, 0);

    /* 192.0.2.0 - 192.0.3.255 and 198.51.100.0/24, as one 768-slot bitmap */
    bool seen[768] = {false};
    uint64_t expect = 0;
    for (uint32_t k = 0; k < 768; k++) {
        uint32_t x = k < 512 ? 0xC0000200u + k : 0xC6336400u + (k - 512);
        expect += model_target(x) && !model_excluded(x);
    }
    assert_int_equal(scope_count(s), expect);

    struct scope_iter it;
    struct rm_addr a;
    uint64_t n = 0;
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a)) {
        uint32_t x = addr_v4(&a);
        size_t k = x >= 0xC6336400u ? 512 + (x - 0xC6336400u) : x - 0xC0000200u;
        assert_true(k < 768);
        assert_false(seen[k]);
        seen[k] = true;
        assert_true(model_target(x));
        assert_false(model_excluded(x));
        n++;
    }
    assert_int_equal(n, expect);

    /* scope_at agrees with the iterator, index by index. */
    uint64_t m = 0;
    for (uint64_t i = 0; i < scope_raw_size(s); i++)
        m += scope_at(s, i, &a);
    assert_int_equal(m, expect);
    assert_false(scope_at(s, scope_raw_size(s), &a));
    assert_int_equal(a.family, 0);
    scope_free(s);
}

/* Octet targets against exclusions and earlier targets that cover them whole: every kind of
 * block skip ends the walk in a few steps. These would take minutes address by address. */
static void test_big_skips(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    struct scope *s = new_scope();
    add_ok(s, "*.*.*.0,2"); /* 2^25 addresses, not contiguous */
    excl_ok(s, "192.0.2.0/0");
    assert_int_equal(scope_raw_size(s), UINT64_C(1) << 25);
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "every target is excluded");
    scope_free(s);

    s = new_scope();
    add_ok(s, "*.*.*.0-3,7");
    add_ok(s, "*.*.*.1,3"); /* all named by the spec before: one step for 2^25 indices */
    excl_ok(s, "0-254.*.*.*");
    assert_int_equal(scope_finalize(s, 0, &e), 0);
    assert_int_equal(scope_count(s), 5 * 65536); /* 255.*.*.{0-3,7} */
    scope_free(s);

    s = new_scope();
    add_ok(s, "192.0.2.0/8");
    excl_ok(s, "192.0-127.*.*");
    excl_ok(s, "192.128.0.0/9");
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "every target is excluded");
    scope_free(s);
}

/* Skips that end one address short of a block, or exactly on it, must not eat a neighbour. */
static void test_skip_boundaries(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    add_ok(s, "192.0.2-3.10,255");
    excl_ok(s, "192.0.2.10-254"); /* a plain range, ends one short of 192.0.2.255 */
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 3);
    bool scan;
    assert_string_equal(at(s, 1, &scan), "192.0.2.255");
    assert_true(scan);
    scope_free(s);

    s = new_scope();
    add_ok(s, "192.0.2-3.10,255");
    excl_ok(s, "192.0.2.10-255"); /* covers the rest of the block exactly */
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 2);
    assert_string_equal(at(s, 2, &scan), "192.0.3.10");
    assert_true(scan);
    scope_free(s);

    s = new_scope();
    add_ok(s, "192.0.2-3.10,254-255");
    add_ok(s, "192.0.2-3.10,254"); /* all duplicates, but 255 is not in it */
    add_ok(s, "192.0.2-3.10,255");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 6);
    scope_free(s);

    s = new_scope();
    add_ok(s, "2001:db8::/120");
    excl_ok(s, "2001:db8::/121");
    excl_ok(s, "2001:db8::fe/127");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 126);
    assert_string_equal(at(s, 0x7f, &scan), "2001:db8::7f");
    assert_false(scan);
    assert_string_equal(at(s, 0x80, &scan), "2001:db8::80");
    assert_true(scan);
    assert_string_equal(at(s, 0xfd, &scan), "2001:db8::fd");
    assert_true(scan);
    scope_free(s);
}

/* Blockers that only cover a stretch together: the walk steps a block of 256 at a time, or a
 * whole /16, /8 or spec when octet exclusions share it out by the last octet. */
static void test_union_skips(void **state)
{
    (void)state;
    char even[600], even_but_last[600];
    size_t o = 0;
    for (int v = 0; v < 256; v += 2)
        o += (size_t)snprintf(even + o, sizeof even - o, "%s%d", v ? "," : "", v);
    memcpy(even_but_last, even, sizeof even);
    even_but_last[strlen(even_but_last) - 4] = '\0'; /* drop ",254" */
    char spec[700];
    struct rm_err e = {{0}};

    /* 2^31 addresses, covered only by the two exclusions together. */
    struct scope *s = new_scope();
    snprintf(spec, sizeof spec, "*.*.*.%s", even);
    add_ok(s, spec);
    snprintf(spec, sizeof spec, "*.*.*.%s", even_but_last);
    excl_ok(s, spec);
    excl_ok(s, "*.*.*.254");
    assert_int_equal(scope_raw_size(s), UINT64_C(1) << 31);
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "every target is excluded");
    scope_free(s);

    /* The same with a range target. */
    s = new_scope();
    add_ok(s, "192.0.2.0/0");
    excl_ok(s, "*.*.*.0-127");
    excl_ok(s, "*.*.*.128-255");
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "every target is excluded");
    scope_free(s);

    /* One gap per /24 is found in one step per /24. */
    s = new_scope();
    add_ok(s, "198.18.0.0/15");
    excl_ok(s, "*.*.*.0-127");
    excl_ok(s, "*.*.*.128-254");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 512);
    struct scope_iter it;
    struct rm_addr a;
    scope_iter_init(&it, s);
    assert_true(scope_iter_next(&it, &a));
    assert_int_equal(addr_v4(&a), 0xC61200FFu); /* 198.18.0.255 */
    assert_true(scope_iter_next(&it, &a));
    assert_int_equal(addr_v4(&a), 0xC61201FFu); /* 198.18.1.255 */
    scope_free(s);

    /* Octet target, a range and an octet exclusion sharing one /24. */
    s = new_scope();
    add_ok(s, "198.18.0-3.0,2,4,6,8,9");
    excl_ok(s, "198.18.0-3.0-4");
    excl_ok(s, "198.18.1.5-8");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 3 + 1 + 3 + 3);
    scope_free(s);

    /* Near misses, where a big step would be wrong. A range target: the first exclusion
     * lacks x.x.255.x, so it does not apply to every /24. */
    s = new_scope();
    add_ok(s, "198.18.0.0/15");
    excl_ok(s, "*.*.0-254.0-127");
    excl_ok(s, "*.*.*.128-255");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 256); /* 198.18-19.255.0-127 */
    scope_free(s);

    /* An octet target: the first exclusion lacks 198.18.255.1. */
    s = new_scope();
    add_ok(s, "198.18.0-255.1,3");
    excl_ok(s, "198.18.0-254.1");
    excl_ok(s, "198.18.*.3");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 1);
    bool scan;
    assert_string_equal(at(s, 510, &scan), "198.18.255.1");
    assert_true(scan);
    scope_free(s);

    /* The second exclusion only applies under 198.19, not 198.18. */
    s = new_scope();
    add_ok(s, "198.18-19.*.1,3");
    excl_ok(s, "198.18-19.*.1");
    excl_ok(s, "198.19.*.3");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 256); /* 198.18.*.3 */
    scope_free(s);

    /* IPv6: exclusions and earlier targets tiling a /120. */
    s = new_scope();
    add_ok(s, "2001:db8::/120");
    excl_ok(s, "2001:db8::/121");
    excl_ok(s, "2001:db8::80/122");
    excl_ok(s, "2001:db8::c0/123");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 32);
    scope_iter_init(&it, s);
    assert_true(scope_iter_next(&it, &a));
    assert_int_equal(a.bytes[15], 0xe0);
    scope_free(s);

    s = new_scope();
    add_ok(s, "2001:db8::/121");
    add_ok(s, "2001:db8::80/122");
    add_ok(s, "2001:db8::/120");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 256);
    scope_free(s);
}

/* Blockers that tile whole /24s between them: the plane of the last two octets steps over
 * every covered /24, /16, /8 or spec at once, and never over an address still in scope. */
static void test_plane_skips(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    struct scope *s;
    bool scan;

    /* Blockers that tile whole /16s between them, split along the third octet. */
    s = new_scope();
    add_ok(s, "192.0.2.0/0");
    excl_ok(s, "*.*.0-127.0-254");
    excl_ok(s, "*.*.128-255.*");
    excl_ok(s, "*.*.*.255");
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "every target is excluded");
    scope_free(s);

    s = new_scope();
    add_ok(s, "198.18.0.0/15");
    excl_ok(s, "*.*.0-127.0-254");
    excl_ok(s, "*.*.128-254.*");
    excl_ok(s, "*.*.*.255");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 2 * 255); /* 198.18-19.255.0-254 */
    scope_free(s);

    s = new_scope();
    add_ok(s, "198.18-19.*.0,2");
    excl_ok(s, "*.*.0-127.0,2");
    excl_ok(s, "*.*.128-255.0");
    excl_ok(s, "*.*.128-255.2");
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "every target is excluded");
    scope_free(s);

    s = new_scope();
    add_ok(s, "198.18.0-9.0,2");
    excl_ok(s, "198.18.0-4.0");
    excl_ok(s, "198.18.*.2");
    excl_ok(s, "198.18.6-9.0");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 1);
    assert_string_equal(at(s, 10, &scan), "198.18.5.0");
    assert_true(scan);
    scope_free(s);

    /* A plane row is covered only by all 256 values, and only where each blocker applies. */
    s = new_scope();
    add_ok(s, "198.18.0.0/16");
    excl_ok(s, "198.18.0.0-127");
    excl_ok(s, "198.18.0.128-255");
    excl_ok(s, "198.18.1.0");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 65536 - 257);
    scope_free(s);

    s = new_scope();
    add_ok(s, "198.18.0.0/15");
    excl_ok(s, "198.18.0.0-127");
    excl_ok(s, "198.18.0.128-255");
    excl_ok(s, "198.19.1,3.*"); /* not under 198.18 */
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 131072 - 768);
    scope_free(s);

    s = new_scope();
    add_ok(s, "198.18.0.0/15");
    excl_ok(s, "198.18.*.0-127");
    excl_ok(s, "198.18.*.128-255"); /* all of 198.18, but not of the /15 */
    excl_ok(s, "199.*.*.0-127");
    excl_ok(s, "199.*.*.128-255"); /* all of 199, which is outside the target */
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 65536);
    scope_free(s);

    /* Blockers that cover 198/8 whole step over it, and not over 199/8 after it. */
    s = new_scope();
    add_ok(s, "198.0.0.0/7");
    excl_ok(s, "198.*.*.0-127");
    excl_ok(s, "198.*.*.128-255");
    assert_int_equal(scope_finalize(s, 1000, &e), -1);
    assert_string_equal(e.msg, "target scope has more than 1000 addresses (198.0.0.0/7); use "
                               "--allow-large to scan it");
    struct scope_iter it;
    struct rm_addr a;
    scope_iter_init(&it, s);
    assert_true(scope_iter_next(&it, &a));
    assert_int_equal(addr_v4(&a), 0xC7000000u); /* 199.0.0.0 */
    scope_free(s);

    /* Rows outside an octet target's third-octet set take no index steps. */
    s = new_scope();
    add_ok(s, "198.18.0,2,4.0,2");
    excl_ok(s, "198.18.0-1.0");
    excl_ok(s, "198.18.0-1.2");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 4);
    assert_string_equal(at(s, 2, &scan), "198.18.2.0");
    assert_true(scan);
    scope_free(s);

    /* The covered /24s run on past the end of the first target: the step stops at its end. */
    s = new_scope();
    add_ok(s, "198.18.0-2.*");
    add_ok(s, "198.51.100.1");
    excl_ok(s, "198.18.*.0-127");
    excl_ok(s, "198.18.0-5.128-255");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 1);
    assert_string_equal(at(s, 768, &scan), "198.51.100.1");
    assert_true(scan);
    scope_free(s);

}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_errors_ipv4(void **state)
{
    (void)state;
    check_target_error("192.0.2.300", "target \"192.0.2.300\": octet out of range");
    check_target_error("192.0.2.1-256", "target \"192.0.2.1-256\": octet out of range");
    check_target_error("192.0.2.99999999999999999999",
                       "target \"192.0.2.99999999999999999999\": octet out of range");
    check_target_error("192.0.2.40-1", "target \"192.0.2.40-1\": range is reversed");
    check_target_error("192.0.2.0/33", "target \"192.0.2.0/33\": prefix length out of range "
                                        "(0-32)");
    check_target_error("192.0.2.0/", "target \"192.0.2.0/\": invalid prefix length");
    check_target_error("192.0.2.0/2/4", "target \"192.0.2.0/2/4\": invalid prefix length");
    check_target_error("", "target \"\": empty specification");
    check_target_error("192.0.2.1.5", "target \"192.0.2.1.5\": too many octets");
    check_target_error("192.0.2", "target \"192.0.2\": too few octets");
    check_target_error("127.1", "target \"127.1\": too few octets");
    check_target_error("192..2.1", "target \"192..2.1\": empty octet");
    check_target_error("192.0.2.", "target \"192.0.2.\": empty octet");
    check_target_error("192.0.2.1,,3", "target \"192.0.2.1,,3\": empty octet range");
    check_target_error("192.0.2.1,", "target \"192.0.2.1,\": empty octet range");
    check_target_error("192.0.2.1-2-3", "target \"192.0.2.1-2-3\": invalid octet range");
    check_target_error("192.0.2.1*", "target \"192.0.2.1*\": invalid octet range");
    check_target_error("192.0.2.1-5/24", "target \"192.0.2.1-5/24\": a prefix length cannot "
                                          "be combined with octet ranges");
    check_target_error("/24", "target \"/24\": missing address");
}

static void test_errors_garbage(void **state)
{
    (void)state;
    check_target_error("192.0.2.1$", "target \"192.0.2.1$\": invalid character '$'");
    check_target_error("192.0.2.1 ", "target \"192.0.2.1 \": invalid character '\\x20'");
    check_target_error("a\"b", "target \"a\\\"b\": invalid character '\"'");
    check_target_error("\x01", "target \"\\x01\": invalid character '\\x01'");
    check_target_error("caf\xc3\xa9", "target \"caf\\xc3\\xa9\": invalid character '\\xc3'");
    check_target_error("a..b", "target \"a..b\": invalid hostname");
    check_target_error("-lab.test", "target \"-lab.test\": invalid hostname");
    check_target_error("lab.test/", "target \"lab.test/\": invalid prefix length");
    check_target_error("lab.test/129", "target \"lab.test/129\": prefix length out of range "
                                        "(0-128)");
    check_target_error("lab.test/33", "target \"lab.test/33\": prefix length out of range "
                                       "(0-32)");

    /* A long token is cut in the message, which stays well inside the buffer. */
    char big[600];
    memset(big, 'a', sizeof big - 2);
    big[sizeof big - 2] = '!';
    big[sizeof big - 1] = '\0';
    struct scope *s = new_scope();
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_target(s, big, &e), -1);
    assert_non_null(strstr(e.msg, "...\": invalid character '!'"));
    assert_int_equal(strncmp(e.msg, "target \"aaaa", 12), 0);
    /* Binary bytes grow four-fold when escaped; the reason must still fit. */
    memset(big, 1, sizeof big - 1);
    assert_int_equal(scope_add_target(s, big, &e), -1);
    assert_non_null(strstr(e.msg, "...\": invalid character '\\x01'"));
    scope_free(s);
}

static void test_errors_names(void **state)
{
    (void)state;
    char want[256];
    snprintf(want, sizeof want, "target \"nosuch.test\": cannot resolve: %s",
             gai_strerror(EAI_NONAME));
    check_target_error("nosuch.test", want);

    struct scope *s = new_scope();
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_target(s, "bad..name", &e), -1);
    assert_int_equal(fake_calls, 0); /* bad syntax never reaches the resolver */
    assert_int_equal(scope_add_target(s, "lab.test/99", &e), -1);
    assert_int_equal(fake_calls, 1); /* only 33..128 needs the answer to be refused */
    scope_free(s);

    char name[300];
    memset(name, 'a', sizeof name);
    for (size_t i = 50; i < sizeof name; i += 50)
        name[i] = '.';
    name[299] = '\0';
    s = new_scope();
    assert_int_equal(scope_add_target(s, name, &e), -1);
    assert_non_null(strstr(e.msg, "\": hostname longer than 253 bytes"));
    assert_int_equal(fake_calls, 0);
    scope_free(s);

    check_exclude_error("192.0.2.256", "exclude \"192.0.2.256\": octet out of range");
    snprintf(want, sizeof want, "exclude \"192.0.2.x\": cannot resolve: %s",
             gai_strerror(EAI_NONAME));
    check_exclude_error("192.0.2.x", want);
    check_exclude_error("", "exclude \"\": empty specification");
}

/* A client's asset list: thousands of single addresses, some named twice, some excluded one
 * by one or by a range. The lookup index must give exactly what testing every spec gives. */
static void test_many_single_addresses(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    struct rm_err e = {{0}};
    char tok[32];
    for (unsigned i = 0; i < 3000; i++) {
        snprintf(tok, sizeof tok, "198.18.%u.%u", i / 256, i % 256);
        assert_int_equal(scope_add_target(s, tok, &e), 0);
    }
    for (unsigned i = 0; i < 3000; i += 3) { /* 1000 duplicates */
        snprintf(tok, sizeof tok, "198.18.%u.%u", i / 256, i % 256);
        assert_int_equal(scope_add_target(s, tok, &e), 0);
    }
    assert_int_equal(scope_add_target(s, "198.18.0.0/30", &e), 0); /* a range, all dups */
    for (unsigned i = 1; i < 3000; i += 100) { /* 30 single exclusions */
        snprintf(tok, sizeof tok, "198.18.%u.%u", i / 256, i % 256);
        assert_int_equal(scope_add_exclude(s, tok, &e), 0);
    }
    assert_int_equal(scope_add_exclude(s, "198.18.5.0/24", &e), 0); /* 256 more, 3 of them above */
    assert_int_equal(scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e), 0);
    /* 3000 unique, minus 30 single exclusions, minus the /24's 256, plus the 3 (1301, 1401,
     * 1501) counted twice. */
    assert_int_equal(scope_count(s), 3000 - 30 - 256 + 3);
    struct rm_addr a;
    assert_true(scope_at(s, 0, &a));      /* 198.18.0.0, first naming */
    assert_false(scope_at(s, 1, &a));     /* 198.18.0.1: excluded */
    assert_false(scope_at(s, 3000, &a));  /* the first duplicate of 198.18.0.0 */
    assert_false(scope_at(s, 4000, &a));  /* 198.18.0.0/30 again */
    assert_true(scope_at(s, 1279, &a));   /* 198.18.4.255 */
    assert_false(scope_at(s, 1280, &a));  /* 198.18.5.0: in the excluded /24 */
    /* Every unique address comes once from the iterator. */
    struct scope_iter it;
    uint64_t n = 0;
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a))
        n++;
    assert_int_equal(n, scope_count(s));
    scope_free(s);
}

/* ::ffff:a.b.c.d reaches an IPv4 host; it must not slip past IPv4 exclusions. */
static void test_ipv4_mapped(void **state)
{
    (void)state;
    check_target_error("::ffff:127.0.27.1", "target \"::ffff:127.0.27.1\": IPv4-mapped IPv6 "
                                            "address; give the IPv4 address (127.0.27.1) instead");
    check_target_error("::ffff:198.18.0.0/112", "target \"::ffff:198.18.0.0/112\": IPv4-mapped "
                                                "IPv6 address; give the IPv4 address (198.18.0.0) "
                                                "instead");
    /* A name resolving to a mapped address is scoped as the IPv4 host, so an IPv4
     * exclusion removes it. */
    struct scope *s = new_scope();
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_target(s, "mapped.test", &e), 0);
    assert_int_equal(scope_add_target(s, "198.18.0.1", &e), 0);
    assert_int_equal(scope_add_exclude(s, "198.18.0.9", &e), 0);
    assert_int_equal(scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e), 0);
    assert_int_equal(scope_count(s), 1);
    struct rm_addr a;
    assert_false(scope_at(s, 0, &a));
    assert_int_equal(a.family, AF_INET);
    scope_free(s);
}

static void test_errors_ipv6(void **state)
{
    (void)state;
    check_target_error("2001:db8::/64", "target \"2001:db8::/64\": IPv6 prefix /64 is too "
                                         "large to scan; use /112 to /128 (at most 65536 "
                                         "addresses)");
    check_target_error("2001:db8::/111", "target \"2001:db8::/111\": IPv6 prefix /111 is too "
                                          "large to scan; use /112 to /128 (at most 65536 "
                                          "addresses)");
    check_target_error("2001:db8::/129", "target \"2001:db8::/129\": prefix length out of "
                                          "range (0-128)");
    check_target_error("2001:db8:::1", "target \"2001:db8:::1\": invalid IPv6 address");
    check_target_error("2001:db8::g", "target \"2001:db8::g\": invalid character 'g'");
    check_target_error("fe80::1%lo", "target \"fe80::1%lo\": IPv6 zone indexes are not "
                                      "supported");
    check_target_error("lab6.test/100", "target \"lab6.test/100\": IPv6 prefix /100 is too "
                                         "large to scan; use /112 to /128 (at most 65536 "
                                         "addresses)");
}

/* ---- IPv6 ------------------------------------------------------------------------------- */

static void test_ipv6(void **state)
{
    (void)state;
    check_spec("::1", 1, "::1", "::1");
    check_spec("2001:db8::/112", 65536, "2001:db8::", "2001:db8::ffff");
    check_spec("2001:db8::1234/120", 256, "2001:db8::1200", "2001:db8::12ff");
    check_spec("2001:db8::7/128", 1, "2001:db8::7", "2001:db8::7");
    check_spec("2001:db8::abcd/127", 2, "2001:db8::abcc", "2001:db8::abcd");

    struct scope *s = new_scope();
    add_ok(s, "2001:db8::/112");
    finalize_ok(s, SCOPE_DEFAULT_LIMIT); /* exactly at the default limit */
    assert_int_equal(scope_count(s), 65536);
    scope_free(s);

    s = new_scope();
    add_ok(s, "2001:db8::5");
    add_ok(s, "2001:db8::/120");
    add_ok(s, "2001:db8::0:5");
    add_ok(s, "lab6.test");
    finalize_ok(s, 0);
    assert_int_equal(scope_raw_size(s), 259);
    assert_int_equal(scope_count(s), 256);
    bool scan;
    assert_string_equal(at(s, 1 + 5, &scan), "2001:db8::5");
    assert_false(scan);
    assert_string_equal(at(s, 258, &scan), "2001:db8::5");
    assert_false(scan);
    scope_free(s);

    /* Exclusions may be any prefix, they are never walked. */
    s = new_scope();
    add_ok(s, "2001:db8::/112");
    excl_ok(s, "2001:db8::/32");
    struct rm_err e = {{0}};
    assert_int_equal(scope_finalize(s, 0, &e), -1);
    assert_string_equal(e.msg, "every target is excluded");
    scope_free(s);

    s = new_scope();
    add_ok(s, "2001:db8::/112");
    excl_ok(s, "2001:db8::8000/113");
    excl_ok(s, "2001:db8::5");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 32767);
    scope_free(s);
}

static void test_mixed_families(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    add_ok(s, "192.0.2.1");
    add_ok(s, "::1");
    add_ok(s, "127.0.0.1");
    add_ok(s, "2001:db8::c000:201"); /* IPv6, not the IPv4 address again */
    add_ok(s, "192.0.2.0/31");
    excl_ok(s, "::");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 5);
    static const char *const want[] = {"192.0.2.1", "::1", "127.0.0.1", "2001:db8::c000:201",
                                       "192.0.2.0"};
    struct scope_iter it;
    struct rm_addr a;
    char buf[RM_ADDRSTRLEN];
    size_t n = 0;
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a)) {
        assert_true(n < 5);
        assert_string_equal(addr_str(&a, buf, sizeof buf), want[n]);
        n++;
    }
    assert_int_equal(n, 5);
    scope_free(s);
}

/* ---- names ------------------------------------------------------------------------------ */

static void test_names_localhost(void **state)
{
    (void)state;
    struct scope *s = scope_new(); /* the real resolver: "localhost" only */
    assert_non_null(s);
    add_ok(s, "localhost");
    add_ok(s, "localhost/30");
    add_ok(s, "localhost"); /* same name, same answer: recorded once */
    assert_int_equal(scope_n_names(s), 1);
    struct rm_addr a, b;
    assert_string_equal(scope_name(s, 0, &a), "localhost");
    assert_int_equal(addr_parse("127.0.0.1", &b), 0);
    assert_true(addr_eq(&a, &b));
    assert_string_equal(scope_name_for(s, &b), "localhost");
    assert_int_equal(addr_parse("127.0.0.2", &b), 0);
    assert_null(scope_name_for(s, &b));
    assert_null(scope_name(s, 1, &a));

    finalize_ok(s, 0);
    assert_int_equal(scope_raw_size(s), 1 + 4 + 1);
    assert_int_equal(scope_count(s), 4);
    assert_string_equal(at(s, 1, NULL), "127.0.0.0");
    assert_string_equal(scope_target(s, 1), "localhost/30");
    assert_null(scope_target(s, 3));
    scope_free(s);
}

static void test_names_resolved_once(void **state)
{
    (void)state;
    struct scope *s = new_scope();
    add_ok(s, "lab.test/24");
    assert_int_equal(fake_calls, 1);
    assert_int_equal(scope_raw_size(s), 256);
    finalize_ok(s, 0);
    struct scope_iter it;
    struct rm_addr a;
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a))
        ;
    assert_int_equal(fake_calls, 1); /* walking never resolves again */
    assert_string_equal(at(s, 0, NULL), "198.18.0.0");
    assert_int_equal(scope_n_names(s), 1);
    assert_string_equal(scope_name(s, 0, &a), "lab.test");
    assert_int_equal(addr_v4(&a), 0xC6120005u); /* the answer, not the block */
    scope_free(s);
}

/* ---- files ------------------------------------------------------------------------------ */

static void test_target_file(void **state)
{
    (void)state;
    static const char content[] =
        "# lab targets\n"
        "\n"
        "192.0.2.1 192.0.2.2\t192.0.2.10-12 # trailing comment\r\n"
        "   \n"
        "198.51.100.0/30#comment right after\n"
        "lab.test\n"
        "2001:db8::1";
    char path[64];
    write_temp(path, content, sizeof content - 1);
    struct scope *s = new_scope();
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_target_file(s, path, &e), 0);
    assert_int_equal(scope_n_targets(s), 6);
    assert_string_equal(scope_target(s, 2), "192.0.2.10-12");
    assert_string_equal(scope_target(s, 3), "198.51.100.0/30");
    assert_string_equal(scope_target(s, 5), "2001:db8::1");
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 2 + 3 + 4 + 1 + 1);
    assert_int_equal(scope_n_names(s), 1);
    scope_free(s);

    /* "-" reads standard input, and names it so in messages. */
    assert_non_null(freopen(path, "r", stdin));
    s = new_scope();
    assert_int_equal(scope_add_target_file(s, "-", &e), 0);
    assert_int_equal(scope_n_targets(s), 6);
    scope_free(s);
    static const char bad[] = "192.0.2.1\n192.0.2.1-0\n";
    unlink(path);
    write_temp(path, bad, sizeof bad - 1);
    assert_non_null(freopen(path, "r", stdin));
    s = new_scope();
    assert_int_equal(scope_add_target_file(s, "-", &e), -1);
    assert_string_equal(e.msg, "stdin:2: target \"192.0.2.1-0\": range is reversed");
    assert_int_equal(scope_n_targets(s), 0);
    scope_free(s);
    unlink(path);
}

static void test_target_file_errors(void **state)
{
    (void)state;
    char path[64], want[300];
    struct rm_err e = {{0}};
    static const char bad[] = "127.0.0.1\nlab.test\n192.0.2.1 192.0.2.999\n";
    write_temp(path, bad, sizeof bad - 1);
    struct scope *s = new_scope();
    add_ok(s, "198.51.100.1");
    assert_int_equal(scope_add_target_file(s, path, &e), -1);
    snprintf(want, sizeof want, "%s:3: target \"192.0.2.999\": octet out of range", path);
    assert_string_equal(e.msg, want);
    /* All or nothing: the good lines before the bad one are gone too, names included. */
    assert_int_equal(scope_n_targets(s), 1);
    assert_int_equal(scope_raw_size(s), 1);
    assert_int_equal(scope_n_names(s), 0);
    unlink(path);

    /* A token over 1024 bytes is refused by length, on its own line number. */
    char *big = malloc(2000);
    assert_non_null(big);
    strcpy(big, "# header\n192.0.2.1\n");
    size_t off = strlen(big);
    memset(big + off, '1', 1025);
    big[off + 1025] = '\n';
    write_temp(path, big, off + 1026);
    assert_int_equal(scope_add_target_file(s, path, &e), -1);
    snprintf(want, sizeof want, "%s:3: token longer than 1024 bytes", path);
    assert_string_equal(e.msg, want);
    unlink(path);
    free(big);

    /* Over 16 MiB: refused before parsing (a sparse file, so this is cheap). */
    strcpy(path, "/tmp/riskmap_scope_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 16 * 1024 * 1024 + 1), 0);
    close(fd);
    assert_int_equal(scope_add_target_file(s, path, &e), -1);
    snprintf(want, sizeof want, "%s: file is larger than 16 MiB", path);
    assert_string_equal(e.msg, want);
    unlink(path);

    assert_int_equal(scope_add_target_file(s, "/nonexistent/riskmap/targets.txt", &e), -1);
    assert_string_equal(e.msg, "/nonexistent/riskmap/targets.txt: cannot open: No such file "
                               "or directory");
    assert_int_equal(scope_n_targets(s), 1);
    scope_free(s);
}

static void test_exclude_file_and_buffer(void **state)
{
    (void)state;
    char path[64];
    struct rm_err e = {{0}};
    static const char ex[] = "# keep the printers out\n192.0.2.0/25\n192.0.2.200-255 # dhcp\n";
    write_temp(path, ex, sizeof ex - 1);
    struct scope *s = new_scope();
    add_ok(s, "192.0.2.0/24");
    assert_int_equal(scope_add_exclude_file(s, path, &e), 0);
    assert_int_equal(scope_n_excludes(s), 2);
    finalize_ok(s, 0);
    assert_int_equal(scope_count(s), 256 - 128 - 56);
    unlink(path);

    /* Buffers need no NUL: the bytes after len are never read as a token. */
    static const char buf[] = "203.0.113.1 203.0.113.2garbage";
    assert_int_equal(scope_add_target_buffer(s, buf, 23, "inline", &e), 0);
    assert_int_equal(scope_n_targets(s), 3);
    assert_string_equal(scope_target(s, 2), "203.0.113.2");

    static const char nul[] = "203.0.113.3\n203.0\0.113.4\n";
    assert_int_equal(scope_add_target_buffer(s, nul, sizeof nul - 1, "inline", &e), -1);
    assert_string_equal(e.msg, "inline:2: target \"203.0\\x00.113.4\": invalid character "
                               "'\\x00'");
    assert_int_equal(scope_add_exclude_buffer(s, "x..y", 4, "ex.txt", &e), -1);
    assert_string_equal(e.msg, "ex.txt:1: exclude \"x..y\": invalid hostname");
    assert_int_equal(scope_n_targets(s), 3);
    assert_int_equal(scope_n_excludes(s), 2);
    assert_int_equal(scope_add_target_buffer(s, "", 0, "empty", &e), 0);
    scope_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_basics),
        cmocka_unit_test(test_addr_sockaddr),
        cmocka_unit_test(test_single_and_cidr),
        cmocka_unit_test(test_cidr_huge_not_walked),
        cmocka_unit_test(test_octet_ranges),
        cmocka_unit_test(test_octet_two_ranges_order),
        cmocka_unit_test(test_duplicates_scanned_once),
        cmocka_unit_test(test_many_large_specs),
        cmocka_unit_test(test_finalize_limits),
        cmocka_unit_test(test_finalize_empty),
        cmocka_unit_test(test_exclusions),
        cmocka_unit_test(test_exclude_localhost),
        cmocka_unit_test(test_exclude_list),
        cmocka_unit_test(test_walk_matches_model),
        cmocka_unit_test(test_big_skips),
        cmocka_unit_test(test_skip_boundaries),
        cmocka_unit_test(test_union_skips),
        cmocka_unit_test(test_plane_skips),
        cmocka_unit_test(test_errors_ipv4),
        cmocka_unit_test(test_errors_garbage),
        cmocka_unit_test(test_errors_names),
        cmocka_unit_test(test_errors_ipv6),
        cmocka_unit_test(test_ipv4_mapped),
        cmocka_unit_test(test_many_single_addresses),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_mixed_families),
        cmocka_unit_test(test_names_localhost),
        cmocka_unit_test(test_names_resolved_once),
        cmocka_unit_test(test_target_file),
        cmocka_unit_test(test_target_file_errors),
        cmocka_unit_test(test_exclude_file_and_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
