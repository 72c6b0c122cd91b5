/* Shared by the unit tests that run the patch check on detected services (test_patch.c,
 * test_feed_shipped.c): a temporary RISKMAP_DATA_DIR with the built-in signatures as a cmocka
 * group fixture, services added the way service detection adds them, and lookups of the
 * findings. Each test binary includes it once; functions are static inline so that an unused
 * one is no warning. Include after <cmocka.h>; define PATCH_FIXTURE_DIR (a mkdtemp template)
 * first. */
#ifndef RISKMAP_PATCH_FIXTURE_H
#define RISKMAP_PATCH_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/checkrun.h"
#include "scanner/model.h"
#include "scanner/sigs.h"

static char datadir[64];
static struct sig_table *sigs;

static inline int patch_group_setup(void **state)
{
    (void)state;
    snprintf(datadir, sizeof datadir, "%s", PATCH_FIXTURE_DIR);
    if (!mkdtemp(datadir))
        return -1;
    setenv("RISKMAP_DATA_DIR", datadir, 1);
    struct rm_err e = {{0}};
    return sigs_load_builtin(&sigs, &e);
}

static inline int patch_group_teardown(void **state)
{
    (void)state;
    sigs_free(sigs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", datadir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A service identified the way detection does it: the response matched against the embedded
 * signatures for probe. */
static inline void add_detected(struct scan_result *r, struct host *h, uint16_t port,
                                const char *probe, const void *data, size_t len)
{
    struct sig_match m = {0};
    assert_int_equal(sigs_match(sigs, probe, data, len, &m), 1);
    struct service *s = host_add_service(h, port, PORT_OPEN, m.service, "syn-ack", 0.1);
    assert_non_null(s);
    struct evidence *ev = scan_add_evidence(r, "application/octet-stream", "detection", data, len);
    assert_non_null(ev);
    char method[32];
    snprintf(method, sizeof method, "probe:%s", probe);
    assert_int_equal(service_set(&s->method, method), 0);
    assert_int_equal(service_set(&s->product, m.product), 0);
    assert_int_equal(service_set(&s->version, m.version), 0);
    assert_int_equal(service_set(&s->info, m.info), 0);
    assert_int_equal(service_set(&s->cpe, m.cpe), 0);
    assert_int_equal(service_set(&s->evidence_id, ev->id), 0);
    sig_match_clear(&m);
}

/* The same for a response captured in tests/fixtures/banners/NAME. */
static inline void add_fixture(struct scan_result *r, struct host *h, uint16_t port,
                               const char *probe, const char *name)
{
    char path[200];
    snprintf(path, sizeof path, "tests/fixtures/banners/%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    add_detected(r, h, port, probe, buf, n);
}

static inline struct scan_result *run_patch(struct scan_result *r)
{
    struct checkrun_opts o = {.only = "patch"};
    struct rm_err e = {{0}};
    if (checkrun(r, &o, &e) != 0)
        fail_msg("checkrun: %s", e.msg);
    return r;
}

static inline struct host *one_host(struct scan_result *r, const char *addr)
{
    struct rm_addr a;
    assert_int_equal(addr_parse(addr, &a), 0);
    return scan_add_host(r, &a);
}

/* The patch.cve finding for port, or NULL. */
static inline const struct finding *cve_finding(const struct scan_result *r, uint16_t port)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i]->kind, "patch.cve") == 0 && r->findings[i]->port == port)
            return r->findings[i];
    return NULL;
}

#define BANNER(s) s, sizeof(s) - 1

#endif
