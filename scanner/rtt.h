/* Round-trip estimation and the timeout derived from it (RFC 6298: srtt + 4 * rttvar). */
#ifndef RISKMAP_RTT_H
#define RISKMAP_RTT_H

struct rtt_est {
    double srtt_ms;
    double rttvar_ms;
    unsigned samples;
};

void rtt_sample(struct rtt_est *r, double ms);

/* The timeout for the next attempt: `initial` before any sample, otherwise
 * srtt + 4 * rttvar clamped to [lo, hi]. */
double rtt_timeout(const struct rtt_est *r, double initial, double lo, double hi);

#endif
