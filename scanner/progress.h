/* The one updating progress line on a terminal's standard error. */
#ifndef RISKMAP_PROGRESS_H
#define RISKMAP_PROGRESS_H

#include <stdio.h>

#include "scanner/portscan.h"

struct progress_line {
    FILE *out;        /* NULL: progress disabled */
    double start_ms;
    int drawn;        /* something is on the line and must be cleared */
    int discovery;    /* host discovery is running: hosts up and probes, not ports */
};

void progress_draw(struct progress_line *pl, const struct portscan_progress *p, double now_ms);
/* Erases the line so that ordinary output can follow. */
void progress_clear(struct progress_line *pl);

#endif
