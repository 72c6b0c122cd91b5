/* libFuzzer target for the version comparators. The first byte picks the scheme; the rest is
 * up to three versions separated by NUL bytes. Besides the sanitizers, it checks the order
 * laws checks/vercmp.h promises: every result in {-1, 0, 1}, reflexivity, antisymmetry, and
 * (for every scheme but rpm, whose rpmvercmp is reproduced oddities included) transitivity of
 * both "<=" and "==". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/vercmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(int scheme, const char *a, const char *b)
{
    switch (scheme) {
    case 0:
        return vercmp_upstream(a, b);
    case 1:
        return vercmp_dpkg(a, b);
    case 2:
        return vercmp_rpm(a, b);
    case 3:
        return vercmp_rpm_evr(a, b);
    default:
        return vercmp_semver(a, b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    int scheme = data[0] % 5;
    /* A NUL-terminated copy; missing versions are empty strings. */
    char *buf = malloc(size + 3);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    memset(buf + size - 1, 0, 4);
    const char *v[3];
    const char *p = buf, *end = buf + size - 1;
    for (int i = 0; i < 3; i++) {
        v[i] = p;
        p += strlen(p);
        if (p < end)
            p++;
    }

    for (int i = 0; i < 3; i++) {
        if (cmp(scheme, v[i], v[i]) != 0)
            abort();
        struct dpkg_version d;
        struct rm_err e;
        (void)dpkg_version_parse(v[i], &d, &e);
        (void)semver_check(v[i], &e);
        (void)upstream_valid(v[i]);
        (void)rpm_evr_valid(v[i]);
        /* A portable release sorts after its release, and is never its own. */
        if (upstream_portable_of(v[i], v[(i + 1) % 3]) &&
            vercmp_upstream(v[i], v[(i + 1) % 3]) <= 0)
            abort();
        if (upstream_portable_of(v[i], v[i]))
            abort();
    }
    int r[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            r[i][j] = cmp(scheme, v[i], v[j]);
            if (r[i][j] < -1 || r[i][j] > 1)
                abort();
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (r[i][j] != -r[j][i])
                abort();
    if (scheme != 2 && scheme != 3) {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++) {
                    if (r[i][j] <= 0 && r[j][k] <= 0 && r[i][k] > 0)
                        abort();
                    if (r[i][j] == 0 && r[j][k] == 0 && r[i][k] != 0)
                        abort();
                }
    }
    free(buf);
    return 0;
}
