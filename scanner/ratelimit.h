/* A token bucket: `rate` tokens per second, holding at most `burst`. Time is passed in, so the
 * bucket is a pure value and tests need no clock. */
#ifndef RISKMAP_RATELIMIT_H
#define RISKMAP_RATELIMIT_H

#include <stdbool.h>

struct tokenbucket {
    double rate;   /* per second; 0 = unlimited */
    double burst;
    double tokens;
    double last_ms;
};

/* The bucket starts with one token so the first probe leaves at once. The burst is 10 ms
 * worth of tokens (at least one): smooth on the wire, cheap in wake-ups. */
void tb_init(struct tokenbucket *tb, double rate_per_s, double now_ms);
/* Takes one token if available. */
bool tb_take(struct tokenbucket *tb, double now_ms);
/* Milliseconds until a token will be available (0 when one is). */
double tb_wait_ms(struct tokenbucket *tb, double now_ms);

#endif
