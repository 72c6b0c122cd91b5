/* The body the package inventory readers' libFuzzer targets share (fuzz_inv_dpkg.c,
 * fuzz_inv_dpkg_status.c, fuzz_inv_rpm.c, fuzz_inv_hotfix.c): arbitrary bytes read by one
 * reader (checks/inventory.h). Besides the sanitizers, it checks what the readers promise:
 * every entry kept has a name (or KB id) and a version of 1..INV_MAX_FIELD printable bytes, a
 * hotfix's date is a whole YYYY-MM-DD, and detection never crashes on the same bytes.
 * Included by exactly one target per binary. */
#ifndef RISKMAP_FUZZ_INV_H
#define RISKMAP_FUZZ_INV_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/inventory.h"

typedef int inv_reader(const char *buf, size_t len, struct inventory *inv, struct rm_err *e);

static void inv_fuzz_printable(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > INV_MAX_FIELD)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            abort();
}

static int inv_fuzz_one(inv_reader *read, const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    (void)inv_detect((const char *)data, size);
    if (read((const char *)data, size, &inv, &e) == 0) {
        for (size_t i = 0; i < inv.n_pkgs; i++) {
            inv_fuzz_printable(inv.pkgs[i].name);
            inv_fuzz_printable(inv.pkgs[i].version);
            if (inv.pkgs[i].source)
                inv_fuzz_printable(inv.pkgs[i].source);
        }
        for (size_t i = 0; i < inv.n_fixes; i++)
            if (strncmp(inv.fixes[i].id, "KB", 2) != 0 ||
                (inv.fixes[i].installed[0] && strlen(inv.fixes[i].installed) != 10))
                abort();
    }
    inventory_free(&inv);
    return 0;
}

#endif
