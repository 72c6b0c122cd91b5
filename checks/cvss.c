/* CVSS v3.0/v3.1 base score from a vector string (FIRST's CVSS v3.1 specification, section 7
 * and Appendix A), for OSV records, which carry the vector but not the score. */
#include <math.h>
#include <string.h>

#include "feed_impl.h"

/* Appendix A's Roundup: the smallest one-decimal number >= x, immune to binary fractions. */
static double roundup(double x)
{
    long long i = llround(x * 100000.0);
    if (i % 10000 == 0)
        return (double)i / 100000.0;
    return (double)(i / 10000 + 1) / 10.0;
}

double cvss3_base_score(const char *vector)
{
    if (!vector || (strncmp(vector, "CVSS:3.1/", 9) != 0 && strncmp(vector, "CVSS:3.0/", 9) != 0))
        return -1;
    /* AV AC PR UI S C I A, each exactly once. */
    char val[8] = {0};
    static const char *const keys[8] = {"AV", "AC", "PR", "UI", "S", "C", "I", "A"};
    const char *p = vector + 9;
    while (*p) {
        const char *colon = strchr(p, ':');
        if (!colon)
            return -1;
        size_t kl = (size_t)(colon - p);
        const char *v = colon + 1;
        const char *slash = strchr(v, '/');
        size_t vl = slash ? (size_t)(slash - v) : strlen(v);
        if (kl == 0 || vl != 1)
            return -1;
        for (int k = 0; k < 8; k++)
            if (strlen(keys[k]) == kl && strncmp(keys[k], p, kl) == 0) {
                if (val[k])
                    return -1; /* repeated */
                val[k] = *v;
            }
        /* Temporal and environmental metrics may follow; they do not change the base score. */
        p = slash ? slash + 1 : v + vl;
    }
    for (int k = 0; k < 8; k++)
        if (!val[k])
            return -1;
    bool changed;
    switch (val[4]) {
    case 'U': changed = false; break;
    case 'C': changed = true; break;
    default: return -1;
    }
    double av, ac, pr, ui, cia[3];
    switch (val[0]) {
    case 'N': av = 0.85; break;
    case 'A': av = 0.62; break;
    case 'L': av = 0.55; break;
    case 'P': av = 0.2; break;
    default: return -1;
    }
    switch (val[1]) {
    case 'L': ac = 0.77; break;
    case 'H': ac = 0.44; break;
    default: return -1;
    }
    switch (val[2]) {
    case 'N': pr = 0.85; break;
    case 'L': pr = changed ? 0.68 : 0.62; break;
    case 'H': pr = changed ? 0.5 : 0.27; break;
    default: return -1;
    }
    switch (val[3]) {
    case 'N': ui = 0.85; break;
    case 'R': ui = 0.62; break;
    default: return -1;
    }
    for (int k = 0; k < 3; k++) {
        switch (val[5 + k]) {
        case 'H': cia[k] = 0.56; break;
        case 'L': cia[k] = 0.22; break;
        case 'N': cia[k] = 0; break;
        default: return -1;
        }
    }
    double iss = 1 - (1 - cia[0]) * (1 - cia[1]) * (1 - cia[2]);
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
    double expl = 8.22 * av * ac * pr * ui;
    if (impact <= 0)
        return 0;
    double base = changed ? 1.08 * (impact + expl) : impact + expl;
    return roundup(base < 10 ? base : 10);
}
