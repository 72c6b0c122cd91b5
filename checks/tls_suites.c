/* Lookups in the generated cipher suite table. */
#include "checks/tls_suites.h"

#include <stdio.h>

static const struct tls_suite *find(const struct tls_suite *t, size_t n, uint32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].id == id)
            return &t[mid];
        if (t[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct tls_suite *tls_suite_find(uint16_t id)
{
    return find(tls_suites, tls_n_suites, id);
}

const struct tls_suite *tls_sslv2_suite_find(uint32_t id)
{
    return find(tls_sslv2_suites, tls_n_sslv2_suites, id);
}

const char *tls_suite_name(uint16_t id, char *buf, size_t len)
{
    const struct tls_suite *s = tls_suite_find(id);
    if (s)
        return s->openssl ? s->openssl : s->iana;
    snprintf(buf, len, "0x%04X", (unsigned)id);
    return buf;
}
