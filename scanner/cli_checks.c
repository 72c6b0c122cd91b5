/* `riskmap checks [--kinds]`: the registry, without running a scan. */
#include <stdio.h>
#include <string.h>

#include "checks/check.h"
#include "scanner/cli.h"
#include "scanner/help.h"

static const char *target_name(enum check_target t)
{
    switch (t) {
    case CHECK_SITE:
        return "site";
    case CHECK_HOST:
        return "host";
    case CHECK_SERVICE:
        return "service";
    }
    return "?";
}

int cmd_checks(int argc, char **argv, struct rm_err *e)
{
    int kinds = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--kinds") == 0)
            kinds = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return help_print(stdout, "checks"), EXIT_DONE;
        else {
            rm_errf(e, "checks: unknown argument \"%s\" (see riskmap help checks)", argv[i]);
            return EXIT_USAGE;
        }
    }
    for (size_t i = 0; check_registry[i]; i++) {
        const struct check *c = check_registry[i];
        printf("%-12s %-8s %s\n", c->id, target_name(c->applies_to), c->summary);
        for (size_t k = 0; kinds && k < c->n_kinds; k++)
            printf("    %-28s %-8s %s%s\n", c->kinds[k].id, severity_name(c->kinds[k].severity),
                   c->kinds[k].summary, c->kinds[k].intrusive ? " [intrusive]" : "");
    }
    return EXIT_DONE;
}
