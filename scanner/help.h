/* The help texts: `riskmap --help`, `riskmap help [COMMAND]`, `riskmap COMMAND --help`. */
#ifndef RISKMAP_HELP_H
#define RISKMAP_HELP_H

#include <stdio.h>

/* Prints help for command (NULL = overview) to out. Returns 0, or -1 for an unknown command. */
int help_print(FILE *out, const char *command);

#endif
