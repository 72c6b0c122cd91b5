/* Every check module, in the order they run. Adding a check: one file, one line here. */
#include <string.h>

#include "check.h"

extern const struct check check_services;
extern const struct check check_exposure;
extern const struct check check_patch;
extern const struct check check_backup;
extern const struct check check_tls;

const struct check *const check_registry[] = {
    &check_services,
    &check_exposure,
    &check_patch,
    &check_backup,
    &check_tls,
    NULL,
};

const struct check *check_find(const char *id)
{
    for (size_t i = 0; check_registry[i]; i++)
        if (strcmp(check_registry[i]->id, id) == 0)
            return check_registry[i];
    return NULL;
}
