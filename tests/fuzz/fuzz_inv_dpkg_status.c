/* libFuzzer target for the dpkg_status inventory reader (checks/inventory.h). Besides the
 * sanitizers, it checks what the reader promises: every entry kept has a name (or KB id) and a
 * version of 1..INV_MAX_FIELD printable bytes, and detection never crashes on the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > INV_MAX_FIELD)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    (void)inv_detect((const char *)data, size);
    if (inv_parse_dpkg_status((const char *)data, size, &inv, &e) == 0) {
        for (size_t i = 0; i < inv.n_pkgs; i++) {
            printable(inv.pkgs[i].name);
            printable(inv.pkgs[i].version);
            if (inv.pkgs[i].source)
                printable(inv.pkgs[i].source);
        }
        for (size_t i = 0; i < inv.n_fixes; i++)
            if (strncmp(inv.fixes[i].id, "KB", 2) != 0 ||
                (inv.fixes[i].installed[0] && strlen(inv.fixes[i].installed) != 10))
                abort();
    }
    inventory_free(&inv);
    return 0;
}
