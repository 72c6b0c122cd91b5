/* The scan result document: write -> read -> write gives the same bytes; the reader refuses
 * malformed documents with the JSON path of the problem; evidence survives in both encodings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/finding.h"
#include "scanner/model.h"
#include "scanner/result.h"

static struct scan_result *sample(void)
{
    struct scan_result *r = scan_result_new();
    struct scan_meta *m = &r->meta;
    m->complete = true;
    m->id = strdup("0123456789abcdef0123456789abcdef");
    m->riskmap_version = strdup("0.1.0");
    m->started_utc = strdup("2026-11-22T10:00:00Z");
    m->finished_utc = strdup("2026-11-22T10:00:05Z");
    m->operator_name = strdup("alice");
    m->scanner_host = strdup("audit-laptop");
    m->command_line = calloc(2, sizeof(char *));
    m->command_line[0] = strdup("riskmap");
    m->command_line[1] = strdup("scan");
    m->n_command_line = 2;
    m->targets = calloc(1, sizeof(char *));
    m->targets[0] = strdup("127.0.20.0/24");
    m->n_targets = 1;
    m->excludes = calloc(1, sizeof(char *));
    m->excludes[0] = strdup("127.0.20.200");
    m->n_excludes = 1;
    m->names = calloc(1, sizeof *m->names);
    m->names[0].name = strdup("localhost");
    addr_parse("127.0.0.1", &m->names[0].addr);
    m->n_names = 1;
    m->settings.ports_spec = strdup("top:100");
    m->settings.ports_scanned = strdup("1-3,22,80");
    m->settings.port_count = 5;
    m->settings.address_count = 255;
    m->settings.rate = 2000;
    m->settings.max_concurrency = 512;
    m->settings.retries = 1;
    m->settings.threads = 2;
    m->settings.initial_timeout_ms = 1000;
    m->settings.min_timeout_ms = 10;
    m->settings.max_timeout_ms = 1500;
    m->settings.seed = 0xfedcba9876543210ULL;
    m->settings.scan_type = strdup("syn");
    m->stats = (struct scan_stats){.probes_sent = 1280, .ports_done = 1275, .open = 2,
                                   .closed = 1270, .filtered = 3, .hosts_up = 2, .duration_s = 1.25};

    struct rm_addr a, b;
    addr_parse("127.0.20.1", &a);
    addr_parse("::1", &b);
    struct host *h = scan_add_host(r, &a);
    h->reason = strdup("syn-ack");
    h->rtt_ms = 0.125;
    h->n_open = 2;
    h->n_closed = 3;
    struct service *sv = host_add_service(h, 22, PORT_OPEN, "ssh", "syn-ack", 0.25);
    service_set(&sv->method, "banner");
    service_set(&sv->product, "OpenSSH");
    service_set(&sv->version, "9.2p1");
    service_set(&sv->info, "Debian 2+deb12u3");
    service_set(&sv->cpe, "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*");
    service_set(&sv->evidence_id, "E1");
    host_add_service(h, 80, PORT_OPEN, "http", "syn-ack", 0.5);
    sv = host_add_service(h, 161, PORT_OPEN, "snmp", "udp-response", 0.75);
    sv->proto = SVC_UDP;
    h = scan_add_host(r, &b);
    h->hostname = strdup("localhost");
    h->reason = strdup("conn-refused");
    h->n_closed = 5;

    struct evidence *ev = scan_add_evidence(r, "text/plain", "banner", "SSH-2.0-OpenSSH_9.2\r\n", 21);
    static const unsigned char bin[] = {0x16, 0x03, 0x01, 0x00, 0x00, 0xff, 0x00};
    struct evidence *ev2 = scan_add_evidence(r, "application/octet-stream", "handshake", bin, sizeof bin);
    assert_non_null(ev);
    assert_non_null(ev2);

    struct finding *f = finding_new("svc.open", "services", SEV_INFO, "Open TCP port 22 (ssh)", &a, 22);
    finding_add_fact(f, "port", "22");
    finding_add_fact(f, "service", "ssh");
    finding_add_ref(f, "https://www.cisecurity.org/controls/v8");
    finding_add_evidence_id(f, ev->id);
    finding_add_evidence_id(f, ev2->id);
    finding_set_detail(f, "detail with \"quotes\" and \\ and \n newline and ünïcödé");
    finding_set_key_fact(f, "port");
    finding_fingerprint(f);
    scan_add_finding(r, f);
    f = finding_new("svc.open", "services", SEV_INFO, "Open UDP port 161 (snmp)", &a, 161);
    finding_set_protocol(f, "udp");
    finding_add_fact(f, "port", "161");
    finding_fingerprint(f);
    scan_add_finding(r, f);
    f = finding_new("site.note", "services", SEV_HIGH, "Site-wide", &b, 0);
    finding_fingerprint(f);
    scan_add_finding(r, f);
    /* About no address at all: a backup's asset, by name. */
    f = finding_new("backup.missing", "backup", SEV_HIGH, "No backup: crm", NULL, 0);
    finding_set_site_asset(f, "crm");
    finding_add_fact(f, "asset", "crm");
    finding_set_key_fact(f, "asset");
    finding_fingerprint(f);
    scan_add_finding(r, f);
    return r;
}

static void round_trip_is_identical(void **state)
{
    (void)state;
    struct scan_result *r = sample();
    char *one = result_to_json(r);
    assert_non_null(one);
    struct scan_result *back = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(result_parse(one, strlen(one), "t", &back, &e), 0);
    char *two = result_to_json(back);
    assert_string_equal(one, two);

    /* Spot-check typed fields survived, not only the text. */
    assert_int_equal(back->n_hosts, 2);
    assert_int_equal(back->hosts[0].n_services, 3);
    assert_int_equal(back->hosts[0].services[1].port, 80);
    assert_int_equal(back->hosts[0].services[1].proto, SVC_TCP);
    assert_int_equal(back->hosts[0].services[2].proto, SVC_UDP);
    assert_string_equal(back->findings[1]->protocol, "udp");
    /* The same port over another protocol is another finding. */
    assert_string_not_equal(back->findings[1]->fingerprint, r->findings[0]->fingerprint);
    assert_string_equal(back->hosts[1].hostname, "localhost");
    assert_string_equal(back->hosts[0].services[0].product, "OpenSSH");
    assert_string_equal(back->hosts[0].services[0].cpe, "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*");
    assert_null(back->hosts[0].services[1].product);
    assert_int_equal(back->meta.settings.seed, 0xfedcba9876543210ULL);
    assert_string_equal(back->meta.settings.scan_type, "syn");
    assert_int_equal(back->n_evidence, 2);
    assert_int_equal(back->evidence[1]->len, 7);
    assert_memory_equal(back->evidence[1]->data, r->evidence[1]->data, 7);
    assert_string_equal(back->findings[0]->fingerprint, r->findings[0]->fingerprint);
    assert_string_equal(finding_fact(back->findings[0], "service"), "ssh");
    assert_int_equal(back->findings[2]->severity, SEV_HIGH);
    /* A site-wide finding is written with its asset's name and no address, and read back
     * as such; its fingerprint is the one riskmap always gave it (0.0.0.0 hashed). */
    assert_non_null(strstr(one, "\"asset\":\t{\n\t\t\t\t\"name\":\t\"crm\"\n\t\t\t}"));
    assert_null(strstr(one, "0.0.0.0"));
    assert_int_equal(back->findings[3]->addr.family, 0);
    assert_string_equal(back->findings[3]->site_asset, "crm");
    char label[RM_ADDRSTRLEN];
    assert_string_equal(finding_asset_label(back->findings[3], label, sizeof label), "crm");
    assert_string_equal(finding_asset_label(back->findings[0], label, sizeof label), "127.0.20.1");
    char fp[FINGERPRINT_HEX_LEN + 1];
    static const char pre[] = "v1\x1f" "backup.missing\x1f" "0.0.0.0\x1f\x1f" "0\x1f" "asset\x1f" "crm";
    sha256_hex(pre, sizeof pre - 1, fp);
    assert_string_equal(back->findings[3]->fingerprint, fp);
    free(one);
    free(two);
    scan_result_free(back);
    scan_result_free(r);
}

static void evidence_encodings(void **state)
{
    (void)state;
    struct scan_result *r = sample();
    char *json = result_to_json(r);
    assert_non_null(strstr(json, "\"encoding\":\t\"utf-8\""));
    assert_non_null(strstr(json, "\"encoding\":\t\"base64\""));
    assert_non_null(strstr(json, "FgMBAAD/AA=="));
    free(json);
    scan_result_free(r);
}

static void expect_error(const char *doc, const char *msg_part)
{
    struct scan_result *r = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(result_parse(doc, strlen(doc), "x.json", &r, &e), -1);
    assert_null(r);
    if (!strstr(e.msg, msg_part))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, msg_part);
}

/* Replaces the first occurrence of from with to in a sample document and expects msg. */
static void mutated(const char *from, const char *to, const char *msg)
{
    struct scan_result *r = sample();
    char *json = result_to_json(r);
    char *at = strstr(json, from);
    if (!at)
        fail_msg("sample lacks \"%s\"", from);
    size_t n = strlen(json) + strlen(to) + 1;
    char *doc = malloc(n);
    snprintf(doc, n, "%.*s%s%s", (int)(at - json), json, to, at + strlen(from));
    expect_error(doc, msg);
    free(doc);
    free(json);
    scan_result_free(r);
}

static void reader_refuses_bad_documents(void **state)
{
    (void)state;
    expect_error("", "not valid JSON");
    expect_error("[1,2]", "not a JSON object");
    expect_error("{\"format\":\"other\"}", "format: not a riskmap scan result");
    expect_error("{\"format\":\"riskmap-scan-result\",\"format_version\":2}", "format_version 2 is not supported");
    mutated("\"127.0.20.1\"", "\"127.0.20.300\"", "hosts[0].address: not an IP address");
    mutated("\"port\":\t22", "\"port\":\t70000", "hosts[0].services[0].port: out of range");
    mutated("\"state\":\t\"open\"", "\"state\":\t\"ajar\"", "hosts[0].services[0]: state is not open");
    mutated("\"protocol\":\t\"tcp\",\n\t\t\t\t\t\"state\"", "\"protocol\":\t\"sctp\",\n\t\t\t\t\t\"state\"",
            "hosts[0].services[0]: protocol is not tcp or udp");
    mutated("\"severity\":\t\"info\"", "\"severity\":\t\"dire\"", "findings[0].severity");
    mutated("\"name\":\t\"crm\"", "\"nom\":\t\"crm\"", "findings[3].asset.name: missing");
    mutated("\"name\":\t\"crm\"", "\"name\":\t7", "findings[3].asset.name: not a string");
    mutated("\"fingerprint\":\t\"", "\"fingerprint\":\t\"zz", "findings[0].fingerprint: not a SHA-256");
    mutated("\"FgMBAAD/AA==\"", "\"FgMBAAD/AQ==\"", "evidence[1].sha256: does not match");
    mutated("\"FgMBAAD/AA==\"", "\"F!!\"", "evidence[1].data: invalid base64");
    mutated("\"hosts\":", "\"hostz\":", "hosts: missing");
    mutated("\"seed\":\t\"fedcba9876543210\"", "\"seed\":\t\"xyz\"", "scan.settings.seed");
    mutated("\"complete\":\ttrue", "\"complete\":\t1", "scan.complete: not a boolean");
    mutated("\"length\":\t7", "\"length\":\t8", "evidence[1].length: does not match");
    mutated("\"port\":\t22,\n\t\t\t\"protocol\"", "\"port\":\t22.5,\n\t\t\t\"protocol\"",
            "findings[0].port: not an integer");
    /* Trailing data after a valid document is refused, not silently ignored. */
    struct scan_result *r = sample();
    char *json = result_to_json(r);
    size_t n = strlen(json);
    char *doc = malloc(n + 8);
    snprintf(doc, n + 8, "%s {}", json);
    expect_error(doc, "trailing data after the document");
    /* So is a document with more values than a reader should build a tree for. */
    size_t big = 9u * 1024 * 1024;
    char *many = malloc(2 * big + 3);
    many[0] = '[';
    for (size_t i = 0; i < big; i++) {
        many[1 + 2 * i] = '0';
        many[2 + 2 * i] = ',';
    }
    many[2 * big] = ']';
    many[2 * big + 1] = '\0';
    expect_error(many, "too many JSON values");
    free(many);
    free(doc);
    free(json);
    scan_result_free(r);
}

/* The reader streams the lists of a document it can (result_read.c's parse_stream) and falls
 * back to one cJSON tree (parse_tree) otherwise; a member nested deeper than the streaming
 * reader goes forces the tree. Both must read every document to the same model. */
static char *with_deep_member(const char *doc)
{
    const char *brace = strchr(doc, '{');
    size_t n = strlen(doc) + 200;
    char *out = malloc(n);
    char deep[160];
    memset(deep, '[', 70);
    memset(deep + 70, ']', 70);
    deep[140] = '\0';
    snprintf(out, n, "%.*s{\"deep\":%s,%s", (int)(brace - doc), doc, deep, brace + 1);
    return out;
}

/* Parses doc both ways; both succeed with the same model, whose text is returned. */
static char *read_both_ways(const char *doc)
{
    struct rm_err e = {{0}};
    struct scan_result *a = NULL, *b = NULL;
    if (result_parse(doc, strlen(doc), "s", &a, &e) < 0)
        fail_msg("streaming: %s", e.msg);
    char *deep = with_deep_member(doc);
    if (result_parse(deep, strlen(deep), "t", &b, &e) < 0)
        fail_msg("tree: %s", e.msg);
    char *ja = result_to_json(a), *jb = result_to_json(b);
    assert_string_equal(ja, jb);
    free(jb);
    free(deep);
    scan_result_free(a);
    scan_result_free(b);
    return ja;
}

static void streaming_reads_as_the_tree_does(void **state)
{
    (void)state;
    struct scan_result *r = sample();
    r->evaluation = cJSON_Parse("{\"format\":\"riskmap-policy-evaluation\",\"frameworks\":[]}");
    char *one = result_to_json(r);
    char *got = read_both_ways(one);
    assert_string_equal(got, one);
    free(got);

    /* Compact, with a BOM and odd whitespace, lists before the header and in reverse order. */
    cJSON *doc = cJSON_Parse(one);
    cJSON *hosts = cJSON_DetachItemFromObject(doc, "hosts");
    cJSON *evidence = cJSON_DetachItemFromObject(doc, "evidence");
    cJSON *reordered = cJSON_CreateObject();
    cJSON_AddItemToObject(reordered, "evidence", evidence);
    cJSON_AddItemToObject(reordered, "findings", cJSON_DetachItemFromObject(doc, "findings"));
    cJSON_AddItemToObject(reordered, "hosts", hosts);
    cJSON *m;
    while ((m = doc->child)) {
        cJSON_DetachItemViaPointer(doc, m);
        cJSON_AddItemToObject(reordered, m->string, m);
    }
    char *compact = cJSON_PrintUnformatted(reordered);
    size_t n = strlen(compact) + 16;
    char *odd = malloc(n);
    snprintf(odd, n, "\xEF\xBB\xBF \x01\t%s \r\n", compact);
    got = read_both_ways(odd);
    assert_string_equal(got, one);
    free(got);

    /* A second member of a list's name is ignored (cJSON_GetObjectItem takes the first) but
     * must still be valid JSON. */
    char *last = strrchr(compact, '}');
    *last = '\0';
    n = strlen(compact) + 64;
    char *dup = malloc(n);
    snprintf(dup, n, "%s,\"findings\":[{\"x\":1}],\"format\":7}", compact);
    got = read_both_ways(dup);
    assert_string_equal(got, one);
    free(got);
    snprintf(dup, n, "%s,\"findings\":[{\"x\":1]}", compact);
    expect_error(dup, "not valid JSON");

    /* A failed check early does not hide a syntax error later: the syntax error is reported,
     * as when the whole tree is parsed first. */
    char *bad = strdup(one);
    char *sev = strstr(bad, "\"severity\":\t\"info\"");
    memcpy(sev + 13, "dire", 4);
    expect_error(bad, "findings[0].severity");
    bad[strlen(bad) - 2] = ',';
    expect_error(bad, "not valid JSON");
    /* Empty lists are lists; a list that is not an array is refused with its name. */
    mutated("\"evidence\":\t[", "\"evidence\":\t7,\"x\":[", "evidence: not an array");
    free(bad);
    free(dup);
    free(odd);
    free(compact);
    cJSON_Delete(reordered);
    cJSON_Delete(doc);
    free(one);
    scan_result_free(r);
}

static void only_valid_utf8_is_stored_as_text(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        const char *encoding;
    } cases[] = {
        {"SSH-2.0-OpenSSH_9.2\r\n", "utf-8"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "utf-8"}, /* 2, 3 and 4 byte forms */
        {"SSH-2.0-\xed\xa0\x80x", "base64"},                      /* surrogate */
        {"\xe0\x80\xafx", "base64"},                              /* overlong */
        {"\xc0\xafx", "base64"},                                  /* overlong */
        {"\xf4\x90\x80\x80x", "base64"},                          /* above U+10FFFF */
        {"abc\xe2\x82", "base64"},                                /* truncated */
        {"bell\a", "base64"},                                     /* control character */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scan_result *r = scan_result_new();
        r->meta.riskmap_version = strdup("0");
        r->meta.started_utc = strdup("2026-11-22T10:00:00Z");
        assert_non_null(scan_add_evidence(r, "text/plain", "x", cases[i].bytes, strlen(cases[i].bytes)));
        char *json = result_to_json(r);
        char want[64];
        snprintf(want, sizeof want, "\"encoding\":\t\"%s\"", cases[i].encoding);
        if (!strstr(json, want))
            fail_msg("case %zu: expected %s", i, cases[i].encoding);
        struct scan_result *back = NULL;
        struct rm_err e = {{0}};
        assert_int_equal(result_parse(json, strlen(json), "t", &back, &e), 0);
        assert_int_equal(back->evidence[0]->len, strlen(cases[i].bytes));
        assert_memory_equal(back->evidence[0]->data, cases[i].bytes, strlen(cases[i].bytes));
        scan_result_free(back);
        free(json);
        scan_result_free(r);
    }
}

/* result_load streams a file through a window (256 KiB, growing for a larger element) and
 * falls back to reading it whole. A file of many windows, with an element (evidence) larger
 * than the first window, reads as the whole document does; errors in it are the
 * whole-document reader's. */
static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void files_stream_as_documents_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/riskmap-result-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], deep_path[256];
    snprintf(path, sizeof path, "%s/scan.json", dir);
    snprintf(deep_path, sizeof deep_path, "%s/deep.json", dir);
    struct scan_result *r = sample();
    /* 3,000 more findings (about 2 MB) and 600 KiB of evidence in one element. */
    struct rm_addr a;
    assert_int_equal(addr_parse("198.18.3.4", &a), 0);
    for (unsigned i = 0; i < 3000; i++) {
        char title[64];
        snprintf(title, sizeof title, "Finding %u \"quoted\" \\ slash", i);
        struct finding *f = finding_new("svc.open", "services", (enum severity)(i % 5), title, &a,
                                        (uint16_t)(1 + i));
        char v[32];
        snprintf(v, sizeof v, "%u", i * 7919);
        finding_add_fact(f, "n", v);
        finding_set_key_fact(f, "n");
        finding_fingerprint(f);
        scan_add_finding(r, f);
    }
    size_t big = 600 * 1024;
    unsigned char *blob = malloc(big);
    for (size_t i = 0; i < big; i++)
        blob[i] = (unsigned char)(i * 31 + 7);
    assert_non_null(scan_add_evidence(r, "application/octet-stream", "big", blob, big));
    free(blob);
    char *one = result_to_json(r);
    write_text(path, one);
    char *deep = with_deep_member(one);
    write_text(deep_path, deep);

    struct rm_err e = {{0}};
    struct scan_result *streamed = NULL, *whole = NULL;
    assert_int_equal(result_load(path, &streamed, &e), 0);
    assert_int_equal(result_load(deep_path, &whole, &e), 0);
    assert_int_equal(streamed->n_findings, 3004);
    assert_int_equal(streamed->n_evidence, 3);
    assert_int_equal(streamed->evidence[2]->len, big);
    char *a_json = result_to_json(streamed), *b_json = result_to_json(whole);
    assert_string_equal(a_json, one);
    assert_string_equal(b_json, one);
    free(a_json);
    free(b_json);
    scan_result_free(streamed);
    scan_result_free(whole);

    /* An error far into the file: the same message as from memory. */
    char *at = strstr(one, "Finding 2999 ");
    assert_non_null(at);
    char *sev = NULL; /* that finding's severity, the last before its title */
    for (char *q = one; (q = strstr(q, "\"severity\":\t\"")) && q < at; q++)
        sev = q;
    assert_non_null(sev);
    char saved[3];
    memcpy(saved, sev + 13, 3);
    memcpy(sev + 13, "zzz", 3);
    write_text(path, one);
    struct rm_err from_file = {{0}}, from_memory = {{0}};
    assert_int_equal(result_load(path, &streamed, &from_file), -1);
    assert_int_equal(result_parse(one, strlen(one), path, &whole, &from_memory), -1);
    assert_string_equal(from_file.msg, from_memory.msg);
    assert_non_null(strstr(from_file.msg, "findings[3003].severity"));
    /* Cut short inside the big evidence: not valid JSON, at the byte the tree reader says. */
    memcpy(sev + 13, saved, 3);
    char *ev = strstr(one, "\"description\":\t\"big\"");
    assert_non_null(ev);
    ev[100] = '\0';
    write_text(path, one);
    assert_int_equal(result_load(path, &streamed, &from_file), -1);
    assert_int_equal(result_parse(one, strlen(one), path, &whole, &from_memory), -1);
    assert_string_equal(from_file.msg, from_memory.msg);
    assert_non_null(strstr(from_file.msg, "not valid JSON"));
    /* A number cut by the end of the first window (256 KiB) is read whole: format_version
     * 10 is refused, not read as 1. */
    struct scan_result *plain = sample();
    char *text = result_to_json(plain);
    const char *head = "{\"pad\":\"", *mid = "\",\"format_version\":";
    size_t pad = 256 * 1024 - 1 - strlen(head) - strlen(mid);
    size_t n = strlen(text) + pad + 64;
    char *cut = malloc(n);
    snprintf(cut, n, "%s%*s%s10,%s", head, (int)pad, "", mid, text + 1);
    assert_int_equal(cut[256 * 1024 - 1], '1');
    write_text(path, cut);
    assert_int_equal(result_load(path, &streamed, &from_file), -1);
    assert_non_null(strstr(from_file.msg, "format_version 10 is not supported"));
    free(cut);
    free(text);
    scan_result_free(plain);
    /* A missing file says so. */
    unlink(path);
    assert_int_equal(result_load(path, &streamed, &from_file), -1);
    assert_non_null(strstr(from_file.msg, "No such file"));

    unlink(deep_path);
    rmdir(dir);
    free(deep);
    free(one);
    scan_result_free(r);
}

static void write_is_atomic_and_private(void **state)
{
    (void)state;
    char dir[] = "/tmp/riskmap-result-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/scan.json", dir);
    struct scan_result *r = sample();
    struct rm_err e = {{0}};
    assert_int_equal(result_write(r, path, &e), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    struct scan_result *back = NULL;
    assert_int_equal(result_load(path, &back, &e), 0);
    assert_int_equal(back->n_findings, 4);
    /* A failed write (directory gone) leaves no partial file behind and says why. */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/missing/scan.json", dir);
    assert_int_equal(result_write(r, bad, &e), -1);
    assert_non_null(strstr(e.msg, "missing/scan.json"));
    unlink(path);
    rmdir(dir);
    scan_result_free(back);
    scan_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_is_identical),
        cmocka_unit_test(evidence_encodings),
        cmocka_unit_test(reader_refuses_bad_documents),
        cmocka_unit_test(streaming_reads_as_the_tree_does),
        cmocka_unit_test(only_valid_utf8_is_stored_as_text),
        cmocka_unit_test(write_is_atomic_and_private),
        cmocka_unit_test(files_stream_as_documents_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
