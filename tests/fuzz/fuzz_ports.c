/* libFuzzer target for ports_parse(): arbitrary bytes as a -p spec. Besides the sanitizers,
 * it checks the contract on every accepted spec: ports strictly ascending, none zero, and
 * a failed parse leaves the output untouched with a message set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* ports_parse takes a C string; bytes after an embedded NUL are simply not seen. */
    char *spec = malloc(size + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';

    struct portlist pl = {0};
    struct rm_err e = {{0}};
    if (ports_parse(spec, &pl, &e) == 0) {
        if (pl.n == 0 || pl.n > 65535 || !pl.ports)
            abort();
        for (size_t i = 0; i < pl.n; i++) {
            if (pl.ports[i] == 0 || (i > 0 && pl.ports[i - 1] >= pl.ports[i]))
                abort();
            (void)ports_service_name(pl.ports[i]);
        }
        ports_free(&pl);
    } else {
        if (pl.ports || pl.n || strncmp(e.msg, "ports", 5) != 0 ||
            strnlen(e.msg, sizeof e.msg) == sizeof e.msg)
            abort();
    }
    free(spec);
    return 0;
}
