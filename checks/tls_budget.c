/* The shared budget of extra connections (tls_budget.h). */
#include "checks/tls_budget.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The answers of a window, as multiples of their endpoint's fastest: when three in four are
 * below GROW_BELOW, the connections wait on the network (a round trip does not grow with the
 * connections in flight; a busy server or a busy client answers in several times its idle
 * time, and unevenly); when the median is above SHRINK_ABOVE they queue. Between the two the
 * budget holds, so that noise does not make it swing. */
#define GROW_BELOW 1.5
#define SHRINK_ABOVE 2.5
/* Below this an answer time is a local one (loopback, a thread switch): no round trip to
 * speak of, the floor of what "the fastest" may be. */
#define MIN_FASTEST_MS 0.05
#define WARM_UP 3 /* answers per endpoint before its answers count */
#define HOLD_WINDOWS 8 /* after a step up that did not pay */
/* The first step needs two windows in a row that ask for it: on loopback, the first window
 * after the warm-up sometimes did (against a fastest learnt under the load of every
 * endpoint's first connections), and the extras it let in held their connections for whole
 * tasks after the check took the step back. */

enum { STEADY, SETTLING, CHECKING };

int tls_budget_init(struct tls_budget *b, unsigned base, unsigned max)
{
    memset(b, 0, sizeof *b);
    b->base = base ? base : 1;
    b->max = max;
    if (pthread_mutex_init(&b->mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&b->cv, NULL) != 0) {
        pthread_mutex_destroy(&b->mu);
        return -1;
    }
    return 0;
}

void tls_budget_destroy(struct tls_budget *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A window is complete: decide. */
static void decide(struct tls_budget *b)
{
    qsort(b->win, TLS_BUDGET_WINDOW, sizeof b->win[0], cmp_double);
    double median = (b->win[TLS_BUDGET_WINDOW / 2 - 1] + b->win[TLS_BUDGET_WINDOW / 2]) / 2;
    double upper = b->win[TLS_BUDGET_WINDOW * 3 / 4 - 1];
    b->n_win = 0;
    if (b->state == SETTLING) {
        /* Half of this window's answers were on their way before the step. */
        b->state = CHECKING;
        return;
    }
    if (b->state == CHECKING) {
        /* Answers per second are the connections open over the time an answer takes
         * (Little's law): the step paid when that time grew by less than half as much as
         * the connections did. */
        b->state = STEADY;
        double more = (double)(b->base + b->limit) / (double)(b->base + b->prev_limit);
        if (median > b->prev_median * (1 + (more - 1) / 2)) {
            b->limit = b->prev_limit;
            b->hold = HOLD_WINDOWS;
            return;
        }
    }
    b->calm = upper < GROW_BELOW ? b->calm + 1 : 0;
    if (b->hold) {
        b->hold--;
    } else if (upper < GROW_BELOW && b->limit < b->max && (b->limit > 0 || b->calm >= 2)) {
        /* Half again the connections open in all, at least a few. */
        unsigned step = (b->base + b->limit) / 2 > 4 ? (b->base + b->limit) / 2 : 4;
        b->prev_limit = b->limit;
        b->prev_median = median;
        b->limit = b->max - b->limit > step ? b->limit + step : b->max;
        if (b->limit > b->peak)
            b->peak = b->limit;
        b->state = SETTLING;
        pthread_cond_broadcast(&b->cv);
        return;
    }
    if (median > SHRINK_ABOVE)
        b->limit /= 2;
}

void tls_budget_answer(struct tls_budget *b, struct tls_budget_ep *ep, double ms)
{
    if (!(ms >= 0))
        return;
    pthread_mutex_lock(&b->mu);
    if (ep->answers++ == 0 || ms < ep->fastest_ms)
        ep->fastest_ms = ms;
    /* An endpoint's first answers set its fastest: against them, the next ones tell little
     * (measured on loopback: the first answers came while all the endpoints' first
     * connections were queueing at once, and the next ones looked like no queue at all). */
    if (ep->answers > WARM_UP && b->max > 0) {
        double fastest = ep->fastest_ms > MIN_FASTEST_MS ? ep->fastest_ms : MIN_FASTEST_MS;
        b->win[b->n_win++] = ms / fastest;
        if (b->n_win == TLS_BUDGET_WINDOW)
            decide(b);
    }
    pthread_mutex_unlock(&b->mu);
}

bool tls_budget_take(struct tls_budget *b, bool (*stop)(void *), void *arg, atomic_int *cancel)
{
    pthread_mutex_lock(&b->mu);
    bool got = false;
    for (;;) {
        if ((cancel && atomic_load(cancel)) || stop(arg)) {
            /* The wake-up a give meant for a waiter goes on to the next one. */
            if (b->used < b->limit)
                pthread_cond_signal(&b->cv);
            break;
        }
        if (b->used < b->limit) {
            b->used++;
            got = true;
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000 * 1000 * 1000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000 * 1000 * 1000;
        }
        pthread_cond_timedwait(&b->cv, &b->mu, &ts);
    }
    pthread_mutex_unlock(&b->mu);
    return got;
}

void tls_budget_give(struct tls_budget *b)
{
    pthread_mutex_lock(&b->mu);
    b->used--;
    if (b->used < b->limit)
        pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

void tls_budget_wake(struct tls_budget *b)
{
    pthread_mutex_lock(&b->mu);
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

bool tls_budget_room(struct tls_budget *b)
{
    pthread_mutex_lock(&b->mu);
    bool room = b->used < b->limit;
    pthread_mutex_unlock(&b->mu);
    return room;
}

unsigned tls_budget_limit(struct tls_budget *b)
{
    pthread_mutex_lock(&b->mu);
    unsigned l = b->limit;
    pthread_mutex_unlock(&b->mu);
    return l;
}

unsigned tls_budget_peak(struct tls_budget *b)
{
    pthread_mutex_lock(&b->mu);
    unsigned p = b->peak;
    pthread_mutex_unlock(&b->mu);
    return p;
}
