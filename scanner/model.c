#include "model.h"

#include <stdio.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

char *rm_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static const char *const port_state_names[] = {
    [PORT_OPEN] = "open", [PORT_CLOSED] = "closed", [PORT_FILTERED] = "filtered",
};

const char *port_state_name(enum port_state s)
{
    return (unsigned)s <= PORT_FILTERED ? port_state_names[s] : "unknown";
}

int port_state_parse(const char *s, enum port_state *out)
{
    for (unsigned i = 0; i <= PORT_FILTERED; i++) {
        if (strcmp(s, port_state_names[i]) == 0) {
            *out = (enum port_state)i;
            return 0;
        }
    }
    return -1;
}

const char *svc_proto_name(enum svc_proto p)
{
    return p == SVC_UDP ? "udp" : "tcp";
}

int svc_proto_parse(const char *s, enum svc_proto *out)
{
    if (strcmp(s, "tcp") == 0)
        *out = SVC_TCP;
    else if (strcmp(s, "udp") == 0)
        *out = SVC_UDP;
    else
        return -1;
    return 0;
}

/* Grows an array to hold at least need elements; doubling keeps appends amortised O(1). */
static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

struct scan_result *scan_result_new(void)
{
    return calloc(1, sizeof(struct scan_result));
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int service_set(char **field, const char *value)
{
    char *copy = rm_strdup(value);
    if (value && !copy)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

void service_clear(struct service *s)
{
    free(s->name);
    free(s->reason);
    free(s->method);
    free(s->product);
    free(s->version);
    free(s->info);
    free(s->cpe);
    free(s->evidence_id);
    free(s->detect_note);
}

static void host_clear(struct host *h)
{
    free(h->hostname);
    free(h->reason);
    free(h->mac);
    for (size_t i = 0; i < h->n_services; i++)
        service_clear(&h->services[i]);
    free(h->services);
}

void scan_result_free(struct scan_result *r)
{
    if (!r)
        return;
    struct scan_meta *m = &r->meta;
    free(m->id);
    free(m->incomplete_reason);
    free(m->riskmap_version);
    free(m->started_utc);
    free(m->finished_utc);
    free(m->operator_name);
    free(m->scanner_host);
    free_strv(m->command_line, m->n_command_line);
    free_strv(m->targets, m->n_targets);
    free_strv(m->excludes, m->n_excludes);
    for (size_t i = 0; i < m->n_names; i++)
        free(m->names[i].name);
    free(m->names);
    free(m->settings.ports_spec);
    free(m->settings.ports_scanned);
    free(m->settings.scan_type);
    free(m->settings.discovery);
    free(m->settings.alive_ports);
    for (size_t i = 0; i < r->n_hosts; i++)
        host_clear(&r->hosts[i]);
    free(r->hosts);
    cJSON_Delete(r->evaluation);
    for (size_t i = 0; i < r->n_findings; i++)
        finding_free(r->findings[i]);
    free(r->findings);
    for (size_t i = 0; i < r->n_evidence; i++)
        evidence_free(r->evidence[i]);
    free(r->evidence);
    free(r);
}

struct host *scan_add_host(struct scan_result *r, const struct rm_addr *addr)
{
    if (grow((void **)&r->hosts, &r->cap_hosts, r->n_hosts + 1, sizeof *r->hosts) < 0)
        return NULL;
    struct host *h = &r->hosts[r->n_hosts++];
    memset(h, 0, sizeof *h);
    h->addr = *addr;
    h->rtt_ms = -1;
    return h;
}

static int host_cmp(const void *a, const void *b)
{
    return addr_cmp(&((const struct host *)a)->addr, &((const struct host *)b)->addr);
}

static int service_cmp(const void *a, const void *b)
{
    const struct service *x = a, *y = b;
    if (x->port != y->port)
        return (x->port > y->port) - (x->port < y->port);
    return (x->proto > y->proto) - (x->proto < y->proto);
}

static bool hosts_sorted(const struct scan_result *r)
{
    for (size_t i = 1; i < r->n_hosts; i++)
        if (addr_cmp(&r->hosts[i - 1].addr, &r->hosts[i].addr) > 0)
            return false;
    return true;
}

void scan_sort_hosts(struct scan_result *r)
{
    if (r->n_hosts > 1)
        qsort(r->hosts, r->n_hosts, sizeof *r->hosts, host_cmp);
    for (size_t i = 0; i < r->n_hosts; i++)
        if (r->hosts[i].n_services > 1)
            qsort(r->hosts[i].services, r->hosts[i].n_services, sizeof(struct service), service_cmp);
}

struct host *scan_find_host(struct scan_result *r, const struct rm_addr *addr)
{
    if (r->n_hosts > 16 && hosts_sorted(r)) {
        struct host key = {.addr = *addr};
        return bsearch(&key, r->hosts, r->n_hosts, sizeof *r->hosts, host_cmp);
    }
    for (size_t i = 0; i < r->n_hosts; i++)
        if (addr_eq(&r->hosts[i].addr, addr))
            return &r->hosts[i];
    return NULL;
}

struct service *host_add_service(struct host *h, uint16_t port, enum port_state state,
                                 const char *name, const char *reason, double rtt_ms)
{
    if (grow((void **)&h->services, &h->cap_services, h->n_services + 1, sizeof *h->services) < 0)
        return NULL;
    struct service *s = &h->services[h->n_services];
    memset(s, 0, sizeof *s);
    s->port = port;
    s->state = state;
    s->rtt_ms = rtt_ms;
    s->name = rm_strdup(name);
    s->reason = rm_strdup(reason);
    if ((name && !s->name) || (reason && !s->reason)) {
        service_clear(s);
        return NULL;
    }
    h->n_services++;
    return s;
}

int scan_add_finding(struct scan_result *r, struct finding *f)
{
    if (grow((void **)&r->findings, &r->cap_findings, r->n_findings + 1, sizeof *r->findings) < 0) {
        finding_free(f);
        return -1;
    }
    r->findings[r->n_findings++] = f;
    return 0;
}

int scan_adopt_evidence(struct scan_result *r, struct evidence *ev)
{
    if (grow((void **)&r->evidence, &r->cap_evidence, r->n_evidence + 1, sizeof *r->evidence) < 0) {
        evidence_free(ev);
        return -1;
    }
    r->evidence[r->n_evidence++] = ev;
    return 0;
}

struct evidence *scan_add_evidence(struct scan_result *r, const char *media_type,
                                   const char *description, const void *data, size_t len)
{
    char id[32];
    snprintf(id, sizeof id, "E%zu", r->n_evidence + 1);
    struct evidence *ev = evidence_new(id, media_type, description, data, len);
    if (!ev || scan_adopt_evidence(r, ev) < 0)
        return NULL;
    return ev;
}
