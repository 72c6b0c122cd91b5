#include "shipped.h"

#include <stdio.h>
#include <string.h>

const struct embedded_file *shipped_file(const char *name)
{
    for (size_t i = 0; i < policy_n_embedded; i++)
        if (strcmp(policy_embedded[i].name, name) == 0)
            return &policy_embedded[i];
    return NULL;
}

static int is_policy(const struct embedded_file *f)
{
    size_t n = strlen(f->name);
    return strchr(f->name, '/') == NULL && n > 4 && strcmp(f->name + n - 4, ".xml") == 0;
}

const struct embedded_file *shipped_policy(const char *id)
{
    char name[96];
    if (strlen(id) > 64 || strchr(id, '/'))
        return NULL;
    snprintf(name, sizeof name, "%s.xml", id);
    const struct embedded_file *f = shipped_file(name);
    return f && is_policy(f) ? f : NULL;
}

const struct embedded_file *shipped_policy_at(size_t i)
{
    for (size_t k = 0; k < policy_n_embedded; k++)
        if (is_policy(&policy_embedded[k]) && i-- == 0)
            return &policy_embedded[k];
    return NULL;
}
