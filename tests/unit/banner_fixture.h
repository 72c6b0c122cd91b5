/* A recorded answer from tests/fixtures/banners/ (at most 1 MiB), for the unit tests that
 * parse what servers sent. The caller frees it. Include after <cmocka.h>. */
#ifndef RISKMAP_BANNER_FIXTURE_H
#define RISKMAP_BANNER_FIXTURE_H

#include <stdio.h>

#include "scanner/atomic.h"
#include "scanner/err.h"

static inline unsigned char *load(const char *file, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/banners/%s", file);
    char *data = NULL;
    struct rm_err e = {{0}};
    if (read_file_bounded(path, 1 << 20, &data, len, &e) < 0)
        fail_msg("%s", e.msg);
    return (unsigned char *)data;
}

#endif
