#include "progress.h"

static void fmt_eta(char *buf, size_t n, double s)
{
    if (s < 0 || s > 360000) {
        snprintf(buf, n, "--:--");
        return;
    }
    unsigned t = (unsigned)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%u:%02u", t / 60, t % 60);
}

void progress_draw(struct progress_line *pl, const struct portscan_progress *p, double now_ms)
{
    if (!pl->out)
        return;
    unsigned long long done = atomic_load(&p->pairs_done);
    unsigned long long probes = atomic_load(&p->probes_sent);
    unsigned long long open = atomic_load(&p->open);
    double el = (now_ms - pl->start_ms) / 1000.0;
    double rate = el > 0 ? (double)probes / el : 0;
    double pair_rate = el > 0 ? (double)done / el : 0;
    if (pl->discovery) {
        fprintf(pl->out, "\r\033[Khost discovery: %llu of %llu hosts up, %llu probes sent, %.0f/s",
                (unsigned long long)atomic_load(&p->hosts_up), (unsigned long long)p->hosts_total,
                probes, rate);
        fflush(pl->out);
        pl->drawn = 1;
        return;
    }
    char eta[16];
    fmt_eta(eta, sizeof eta, pair_rate > 0 ? (double)(p->pairs_total - done) / pair_rate : -1);
    char hosts[48];
    if (p->hosts_tracked)
        snprintf(hosts, sizeof hosts, "%llu/%llu hosts",
                 (unsigned long long)atomic_load(&p->hosts_done), (unsigned long long)p->hosts_total);
    else
        snprintf(hosts, sizeof hosts, "%llu hosts", (unsigned long long)p->hosts_total);
    /* \r and erase-to-end-of-line: one line, redrawn in place. */
    fprintf(pl->out, "\r\033[K%s, %llu/%llu ports probed (%.0f%%), %llu open, %.0f/s, ETA %s", hosts,
            done, (unsigned long long)p->pairs_total,
            p->pairs_total ? 100.0 * (double)done / (double)p->pairs_total : 100.0, open, rate, eta);
    fflush(pl->out);
    pl->drawn = 1;
}

void progress_clear(struct progress_line *pl)
{
    if (pl->out && pl->drawn) {
        fputs("\r\033[K", pl->out);
        fflush(pl->out);
        pl->drawn = 0;
    }
}
