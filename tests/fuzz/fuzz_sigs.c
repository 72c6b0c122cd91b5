/* libFuzzer target for the signature matcher: arbitrary bytes as a server's response to one
 * of the probes (the first byte picks which), matched against the shipped table. Besides the
 * sanitizers it checks the contract: a match names a service, and every templated field is
 * non-empty printable ASCII shorter than SIGS_MAX_FIELD. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/sigs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (n == 0 || n >= SIGS_MAX_FIELD)
        abort();
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sig_table *t;
    static const char *const probes[] = {"banner", "http",  "redis", "memcached", "postgres",
                                         "smb",    "smb1",  "rdp",   "rdp-hello"};
    if (!t) {
        struct rm_err e;
        if (sigs_load_builtin(&t, &e) < 0)
            abort();
    }
    if (size == 0)
        return 0;
    const char *probe = probes[data[0] % (sizeof probes / sizeof probes[0])];
    struct sig_match m;
    int rc = sigs_match(t, probe, data + 1, size - 1, &m);
    if (rc == 1) {
        if (!m.service || !*m.service)
            abort();
        check_field(m.product);
        check_field(m.version);
        check_field(m.info);
        check_field(m.cpe);
    } else if (rc != 0 || m.service) {
        abort();
    }
    sig_match_clear(&m);
    return 0;
}
