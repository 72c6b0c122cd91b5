#include "ratelimit.h"

void tb_init(struct tokenbucket *tb, double rate_per_s, double now_ms)
{
    tb->rate = rate_per_s > 0 ? rate_per_s : 0;
    tb->burst = tb->rate * 0.010;
    if (tb->burst < 1)
        tb->burst = 1;
    tb->tokens = 1;
    tb->last_ms = now_ms;
}

static void refill(struct tokenbucket *tb, double now_ms)
{
    if (now_ms > tb->last_ms) {
        tb->tokens += (now_ms - tb->last_ms) * tb->rate / 1000.0;
        if (tb->tokens > tb->burst)
            tb->tokens = tb->burst;
        tb->last_ms = now_ms;
    }
}

bool tb_take(struct tokenbucket *tb, double now_ms)
{
    if (tb->rate == 0)
        return true;
    refill(tb, now_ms);
    if (tb->tokens < 1)
        return false;
    tb->tokens -= 1;
    return true;
}

double tb_wait_ms(struct tokenbucket *tb, double now_ms)
{
    if (tb->rate == 0)
        return 0;
    refill(tb, now_ms);
    return tb->tokens >= 1 ? 0 : (1 - tb->tokens) * 1000.0 / tb->rate;
}
