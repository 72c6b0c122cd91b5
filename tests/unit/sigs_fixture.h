/* Shared by the unit tests that check signature matches on recorded answers
 * (test_probe_db.c, test_probe_udp.c): the built-in signature table as a cmocka group fixture,
 * fixtures from tests/fixtures/banners/, and one assertion on a whole match. Each test binary
 * includes it once; functions are static inline so that an unused one is no warning. Include
 * after <cmocka.h>. */
#ifndef RISKMAP_SIGS_FIXTURE_H
#define RISKMAP_SIGS_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "scanner/atomic.h"
#include "scanner/sigs.h"
#include "tests/unit/banner_fixture.h"

static struct sig_table *builtin;

static inline int setup(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    return sigs_load_builtin(&builtin, &e);
}

static inline int teardown(void **state)
{
    (void)state;
    sigs_free(builtin);
    return 0;
}

static inline void expect_match(const char *probe, const char *text, const char *service,
                         const char *product, const char *version, const char *info)
{
    struct sig_match m;
    assert_int_equal(sigs_match(builtin, probe, (const unsigned char *)text, strlen(text), &m), 1);
    assert_string_equal(m.service, service);
    if (product)
        assert_string_equal(m.product, product);
    else
        assert_null(m.product);
    if (version)
        assert_string_equal(m.version, version);
    else
        assert_null(m.version);
    if (info)
        assert_string_equal(m.info, info);
    else
        assert_null(m.info);
    sig_match_clear(&m);
}

#endif
