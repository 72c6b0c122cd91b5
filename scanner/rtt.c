#include "rtt.h"

void rtt_sample(struct rtt_est *r, double ms)
{
    if (ms < 0)
        ms = 0;
    if (r->samples == 0) {
        r->srtt_ms = ms;
        r->rttvar_ms = ms / 2;
    } else {
        double diff = r->srtt_ms - ms;
        if (diff < 0)
            diff = -diff;
        r->rttvar_ms = 0.75 * r->rttvar_ms + 0.25 * diff;
        r->srtt_ms = 0.875 * r->srtt_ms + 0.125 * ms;
    }
    r->samples++;
}

double rtt_timeout(const struct rtt_est *r, double initial, double lo, double hi)
{
    double t = r->samples ? r->srtt_ms + 4 * r->rttvar_ms : initial;
    if (t < lo)
        t = lo;
    if (t > hi)
        t = hi;
    return t;
}
