/* The connections that endpoints probed in parallel may open beyond their fixed share.
 *
 * Each endpoint always has its share of TLS_MAX_CONNS_TOTAL (at least one connection), and
 * up to --tls-conns-per-host in all. The connections above the share are "extra" and come from
 * this shared budget, whose size follows what the connections measure: the time from connect
 * to the server's answer, against the fastest that endpoint has answered (its round trip with
 * nothing queued). When answers come about as fast as the fastest, the connections wait on
 * the network, and more of them cost nothing: the budget grows. When answers take several
 * times the fastest, they queue for CPU (this machine's, or servers sharing it, as in a
 * loopback lab) and more connections only add to the queue: the budget shrinks, down to no
 * extras, the fixed shares alone. A step up is kept only when the answers then take not much
 * longer than before it (less than half as much longer as there are more connections, so
 * that the answers per second grow at least half as much): where they do, the answers had
 * only looked fast against a slow start, the connections did not wait on the network after
 * all, and the step is taken back and not tried again for a while.
 */
#ifndef RISKMAP_TLS_BUDGET_H
#define RISKMAP_TLS_BUDGET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define TLS_BUDGET_WINDOW 16u /* answers per decision */

struct tls_budget {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned base;         /* the fixed shares together: the scale of a step */
    unsigned max;          /* the most extras at once */
    unsigned limit;        /* extras allowed now */
    unsigned used;         /* extras open now */
    unsigned peak;         /* the most extras ever allowed */
    double win[TLS_BUDGET_WINDOW]; /* answer time / that endpoint's fastest, this window */
    unsigned n_win;
    int state;             /* steady, or settling after a step up, or checking it */
    unsigned prev_limit;   /* before the step up being checked */
    double prev_median;    /* the median of the window that asked for it */
    unsigned hold;         /* windows to wait before the next step up */
    unsigned calm;         /* windows in a row that asked for a step up */
};

/* Per endpoint: its fastest answer so far. */
struct tls_budget_ep {
    double fastest_ms;
    unsigned answers;
};

/* base: the connections the fixed shares allow together; max: the most extras (0: none
 * ever). Returns 0, or -1 when the mutex or condition cannot be made. */
int tls_budget_init(struct tls_budget *b, unsigned base, unsigned max);
void tls_budget_destroy(struct tls_budget *b);

/* One answer of endpoint ep, ms after its connect began. */
void tls_budget_answer(struct tls_budget *b, struct tls_budget_ep *ep, double ms);

/* Waits for an extra connection. Returns true with one taken (give it back with
 * tls_budget_give), false once stop(arg) is true or cancel is set; stop is asked again after
 * every tls_budget_wake and at least every 100 ms. */
bool tls_budget_take(struct tls_budget *b, bool (*stop)(void *), void *arg, atomic_int *cancel);
void tls_budget_give(struct tls_budget *b);

/* Something a waiter's stop() looks at has changed (a phase ran out of tasks). */
void tls_budget_wake(struct tls_budget *b);

/* Whether an extra connection could be taken now without waiting. */
bool tls_budget_room(struct tls_budget *b);

/* Extras allowed now, and the most ever allowed. */
unsigned tls_budget_limit(struct tls_budget *b);
unsigned tls_budget_peak(struct tls_budget *b);

#endif
