/* The check room: findings, fingerprints, the registry, the services and exposure modules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "checks/check.h"
#include "checks/finding.h"
#include "scanner/checkrun.h"
#include "scanner/model.h"

static struct finding *mk(const char *kind, const char *addr, uint16_t port, const char *key,
                          const char *val)
{
    struct rm_addr a;
    assert_int_equal(addr_parse(addr, &a), 0);
    struct finding *f = finding_new(kind, "test", SEV_LOW, "title", &a, port);
    assert_non_null(f);
    if (key) {
        assert_int_equal(finding_add_fact(f, key, val), 0);
        assert_int_equal(finding_set_key_fact(f, key), 0);
    }
    finding_fingerprint(f);
    return f;
}

static void fingerprint_is_stable_and_known(void **state)
{
    (void)state;
    struct finding *f = mk("svc.open", "127.0.20.1", 22, NULL, NULL);
    /* Pinned: a change here changes every fingerprint in every client's register. The value
     * is SHA-256 of "v1\x1fsvc.open\x1f127.0.20.1\x1ftcp\x1f22\x1f\x1f" (sha256sum agrees). */
    assert_string_equal(f->fingerprint,
                        "36db7a0a25eb08e1dca46049b142c19901acf1367638f4af099578f8f703fb6f");
    finding_free(f);
}

static void fingerprint_depends_on_identity_only(void **state)
{
    (void)state;
    struct finding *a = mk("tls.protocol", "192.0.2.1", 443, "version", "TLSv1.0");
    struct finding *b = mk("tls.protocol", "192.0.2.1", 443, "version", "TLSv1.0");
    /* Title, severity, detail and other facts are not identity. */
    finding_set_detail(b, "different words");
    finding_add_fact(b, "note", "x");
    b->severity = SEV_CRITICAL;
    finding_fingerprint(b);
    assert_string_equal(a->fingerprint, b->fingerprint);

    const struct {
        const char *kind, *addr;
        uint16_t port;
        const char *val;
    } other[] = {
        {"tls.protocolx", "192.0.2.1", 443, "TLSv1.0"},
        {"tls.protocol", "192.0.2.2", 443, "TLSv1.0"},
        {"tls.protocol", "192.0.2.1", 444, "TLSv1.0"},
        {"tls.protocol", "192.0.2.1", 443, "TLSv1.1"},
        {"tls.protocol", "2001:db8::1", 443, "TLSv1.0"},
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        struct finding *c = mk(other[i].kind, other[i].addr, other[i].port, "version", other[i].val);
        assert_string_not_equal(a->fingerprint, c->fingerprint);
        finding_free(c);
    }
    finding_free(a);
    finding_free(b);
}

static void severity_names_round_trip(void **state)
{
    (void)state;
    for (int s = SEV_INFO; s <= SEV_CRITICAL; s++) {
        enum severity back;
        assert_int_equal(severity_parse(severity_name((enum severity)s), &back), 0);
        assert_int_equal(back, s);
    }
    enum severity x;
    assert_int_equal(severity_parse("HIGH", &x), 0);
    assert_int_equal(x, SEV_HIGH);
    assert_int_equal(severity_parse("severe", &x), -1);
}

static void registry_is_well_formed(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; check_registry[i]; i++, n++) {
        const struct check *c = check_registry[i];
        assert_non_null(c->id);
        assert_non_null(c->summary);
        assert_non_null(c->run);
        assert_true(c->n_kinds > 0);
        assert_ptr_equal(check_find(c->id), c);
        for (size_t k = 0; k < c->n_kinds; k++) {
            /* Kind ids are dotted lower-case, and unique across modules. */
            assert_non_null(strchr(c->kinds[k].id, '.'));
            for (size_t j = 0; check_registry[j]; j++)
                for (size_t m = 0; m < check_registry[j]->n_kinds; m++)
                    if (j != i || m != k)
                        assert_string_not_equal(c->kinds[k].id, check_registry[j]->kinds[m].id);
        }
    }
    assert_true(n >= 1);
    assert_non_null(check_find("services"));
    assert_non_null(check_find("exposure"));
    assert_null(check_find("nope"));
}

static void services_check_records_each_open_port(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct rm_addr a;
    addr_parse("127.0.20.5", &a);
    struct host *h = scan_add_host(r, &a);
    h->hostname = strdup("lab5");
    host_add_service(h, 22, PORT_OPEN, "ssh", "syn-ack", 0.1);
    host_add_service(h, 8081, PORT_OPEN, NULL, "syn-ack", 0.1);
    host_add_service(h, 25, PORT_CLOSED, "smtp", "conn-refused", 0.1);

    struct checkrun_opts o = {.only = "services"};
    struct rm_err e = {{0}};
    assert_int_equal(checkrun(r, &o, &e), 0);
    assert_int_equal(r->n_findings, 2); /* the closed port is not a finding */
    const struct finding *f = r->findings[0];
    assert_string_equal(f->kind, "svc.open");
    assert_string_equal(f->check, "services");
    assert_int_equal(f->severity, SEV_INFO);
    assert_int_equal(f->port, 22);
    assert_string_equal(f->hostname, "lab5");
    assert_string_equal(finding_fact(f, "service"), "ssh");
    assert_string_equal(finding_fact(r->findings[1], "service"), "unknown");
    assert_int_equal(f->n_evidence, 1);
    assert_int_equal(r->n_evidence, 2);
    assert_string_equal(f->evidence_ids[0], r->evidence[0]->id);
    assert_non_null(strstr((const char *)r->evidence[0]->data, "tcp connect to 127.0.20.5 port 22"));
    assert_int_equal(strlen(f->fingerprint), FINGERPRINT_HEX_LEN);

    /* The same observation in another scan gives the same fingerprint. */
    char fp[FINGERPRINT_HEX_LEN + 1];
    memcpy(fp, f->fingerprint, sizeof fp);
    struct scan_result *r2 = scan_result_new();
    struct host *h2 = scan_add_host(r2, &a);
    host_add_service(h2, 22, PORT_OPEN, "ssh", "syn-ack", 9.9);
    assert_int_equal(checkrun(r2, &o, &e), 0);
    assert_string_equal(r2->findings[0]->fingerprint, fp);
    scan_result_free(r2);
    scan_result_free(r);
}

/* ---- exposure -------------------------------------------------------------------------- */

/* A fixture from tests/fixtures/banners/ (captured from real servers, see README there). */
static unsigned char *fixture(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/banners/%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(8192);
    assert_non_null(buf);
    *len = fread(buf, 1, 8192, f);
    fclose(f);
    return buf;
}

/* A service as detection leaves it: name, method, product, version, info and the evidence
 * bytes it rests on (NULL data: no evidence). */
static struct service *svc_as_detected(struct scan_result *r, struct host *h, uint16_t port,
                                       const char *name, const char *method, const char *product,
                                       const char *version, const char *info, const void *data,
                                       size_t len)
{
    struct service *s = host_add_service(h, port, PORT_OPEN, name, "syn-ack", 0.1);
    assert_non_null(s);
    assert_int_equal(service_set(&s->method, method), 0);
    assert_int_equal(service_set(&s->product, product), 0);
    assert_int_equal(service_set(&s->version, version), 0);
    assert_int_equal(service_set(&s->info, info), 0);
    if (data) {
        struct evidence *ev = scan_add_evidence(r, "text/plain", "service detection", data, len);
        assert_non_null(ev);
        assert_int_equal(service_set(&s->evidence_id, ev->id), 0);
    }
    return s;
}

static void svc_fixture(struct scan_result *r, struct host *h, uint16_t port, const char *name,
                        const char *product, const char *version, const char *info,
                        const char *file)
{
    size_t len;
    unsigned char *d = fixture(file, &len);
    svc_as_detected(r, h, port, name, "banner", product, version, info, d, len);
    free(d);
}

/* The lab of services judged from detection alone (no conversation of the check's own). */
static struct scan_result *passive_lab(void)
{
    struct scan_result *r = scan_result_new();
    struct rm_addr a;
    assert_int_equal(addr_parse("127.0.25.200", &a), 0);
    struct host *h = scan_add_host(r, &a);
    size_t n;
    unsigned char *d;

    svc_fixture(r, h, 22, "ssh", "OpenSSH", "9.2p1", "Debian 2+deb12u10; protocol 2.0",
                "openssh-debian.banner");
    /* Postfix: banner, then the EHLO answer detection appends (without, then with STARTTLS). */
    static const char smtp_plain[] = "220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n"
                                     "250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                                     "250 8BITMIME\r\n";
    static const char smtp_tls[] = "220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n"
                                   "250-mail.example.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
    svc_as_detected(r, h, 25, "smtp", "banner", "Postfix smtpd", NULL, "Debian/GNU", smtp_plain,
                    sizeof smtp_plain - 1);
    svc_as_detected(r, h, 587, "smtp", "banner", "Postfix smtpd", NULL,
                    "Debian/GNU; STARTTLS offered", smtp_tls, sizeof smtp_tls - 1);
    /* Telnet, rlogin, rsh and RDP are known by their port (identified_by=port). */
    svc_as_detected(r, h, 23, "telnet", "port", NULL, NULL, NULL, NULL, 0);
    svc_as_detected(r, h, 513, "login", "port", NULL, NULL, NULL, NULL, 0);
    svc_as_detected(r, h, 514, "shell", "port", NULL, NULL, NULL, NULL, 0);
    svc_as_detected(r, h, 3389, "ms-wbt-server", "port", NULL, NULL, NULL, NULL, 0);
    svc_fixture(r, h, 3306, "mysql", "MariaDB", "10.11.6", "0+deb12u1", "synthetic-mariadb.banner");
    /* MySQL refusing this address is not "reachable". */
    static const char refused[] = "F\x00\x00\x00\xff\x6a\x04Host '127.0.0.9' is not allowed to "
                                  "connect to this MariaDB server";
    svc_as_detected(r, h, 3307, "mysql", "banner", "MariaDB", NULL,
                    "connections from this address refused", refused, sizeof refused - 1);
    svc_as_detected(r, h, 5432, "postgresql", "probe:postgres", NULL, NULL, "SSL supported", "S", 1);
    d = fixture("redis.redis", &n);
    svc_as_detected(r, h, 6379, "redis", "probe:redis", "Redis key-value store", "7.0.15",
                    "mode standalone", d, n);
    free(d);
    d = fixture("redis-requirepass.redis", &n);
    svc_as_detected(r, h, 6380, "redis", "probe:redis", "Redis key-value store", NULL,
                    "authentication required", d, n);
    free(d);
    d = fixture("memcached.memcached", &n);
    svc_as_detected(r, h, 11211, "memcached", "probe:memcached", "memcached", "1.6.18", NULL, d, n);
    free(d);
    /* nginx's own page: safe on 80, a console port on 8080. */
    d = fixture("nginx.http", &n);
    svc_as_detected(r, h, 80, "http", "probe:http", "nginx", "1.22.1", NULL, d, n);
    svc_as_detected(r, h, 8080, "http", "probe:http", "nginx", "1.22.1", NULL, d, n);
    free(d);
    static const char router[] = "HTTP/1.1 200 OK\r\nServer: lighttpd/1.4.59\r\n\r\n"
                                 "<html><head><TITLE> Router Login </TITLE></head></html>";
    svc_as_detected(r, h, 81, "http", "probe:http", "lighttpd", "1.4.59", NULL, router,
                    sizeof router - 1);
    static const char basic[] = "HTTP/1.1 401 Unauthorized\r\nServer: nginx\r\n"
                                "WWW-Authenticate: Basic realm=\"Printer Setup\"\r\n\r\n";
    svc_as_detected(r, h, 591, "http", "probe:http", "nginx", NULL, NULL, basic, sizeof basic - 1);
    /* A console port that only redirects to HTTPS is not a cleartext console. */
    static const char to_tls[] = "HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\n"
                                 "Location: https://127.0.25.200:10443/\r\n\r\n";
    svc_as_detected(r, h, 10000, "http", "probe:http", "nginx", NULL, NULL, to_tls,
                    sizeof to_tls - 1);
    /* Over TLS the same port is not cleartext. */
    svc_as_detected(r, h, 8443, "https", "probe:http", "nginx", "1.22.1", "TLSv1.3", NULL, 0);
    scan_sort_hosts(r);
    return r;
}

static const struct finding *only_finding(const struct scan_result *r, const char *kind,
                                          uint16_t port)
{
    const struct finding *got = NULL;
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i]->kind, kind) == 0 && r->findings[i]->port == port) {
            assert_null(got); /* exactly one */
            got = r->findings[i];
        }
    assert_non_null(got);
    return got;
}

static const struct service *svc_at(const struct scan_result *r, uint16_t port)
{
    for (size_t i = 0; i < r->hosts[0].n_services; i++)
        if (r->hosts[0].services[i].port == port)
            return &r->hosts[0].services[i];
    fail();
    return NULL;
}

static void exposure_judges_what_detection_recorded(void **state)
{
    (void)state;
    struct scan_result *r = passive_lab();
    struct checkrun_opts o = {.only = "exposure", .timeout_ms = 500};
    struct rm_err e = {{0}};
    assert_int_equal(checkrun(r, &o, &e), 0);

    /* Exactly these, in port order; ssh, smtp with STARTTLS, refused MySQL, Redis with a
     * password, nginx on 80, a redirect to HTTPS and https are safe. */
    const struct {
        uint16_t port;
        const char *kind;
        enum severity sev;
        const char *fact, *value;
    } want[] = {
        {23, "svc.telnet.open", SEV_HIGH, "identified_by", "port"},
        {25, "svc.smtp.no-starttls", SEV_LOW, "starttls", "not offered"},
        {81, "svc.http.admin-cleartext", SEV_MEDIUM, "page_title", "Router Login"},
        {513, "svc.rlogin.open", SEV_HIGH, "service", "login"},
        {514, "svc.rsh.open", SEV_HIGH, "service", "shell"},
        {591, "svc.http.admin-cleartext", SEV_MEDIUM, "realm", "Printer Setup"},
        {3306, "svc.db.exposed", SEV_MEDIUM, "database", "MySQL/MariaDB"},
        {3389, "svc.rdp.exposed", SEV_MEDIUM, "port", "3389"},
        {5432, "svc.db.exposed", SEV_MEDIUM, "database", "PostgreSQL"},
        {6379, "svc.redis.noauth", SEV_CRITICAL, "version", "7.0.15"},
        {8080, "svc.http.admin-cleartext", SEV_MEDIUM, "reason",
         "port customarily used by administration consoles"},
        {11211, "svc.memcached.exposed", SEV_HIGH, "authentication", "none"},
    };
    size_t nw = sizeof want / sizeof want[0];
    assert_int_equal(r->n_findings, nw);
    for (size_t i = 0; i < nw; i++) {
        const struct finding *f = r->findings[i];
        assert_string_equal(f->kind, want[i].kind);
        assert_string_equal(f->check, "exposure");
        assert_int_equal(f->port, want[i].port);
        assert_int_equal(f->severity, want[i].sev);
        assert_string_equal(finding_fact(f, want[i].fact), want[i].value);
        assert_string_equal(finding_fact(f, "protocol"), "tcp");
        assert_non_null(f->title);
        assert_non_null(f->detail);
        assert_int_equal(strlen(f->fingerprint), FINGERPRINT_HEX_LEN);
        /* The evidence is the service's own: no bytes of the module's own were exchanged. */
        const struct service *s = svc_at(r, f->port);
        if (s->evidence_id) {
            assert_int_equal(f->n_evidence, 1);
            assert_string_equal(f->evidence_ids[0], s->evidence_id);
        } else {
            assert_int_equal(f->n_evidence, 0);
        }
    }
    assert_string_equal(finding_fact(r->findings[2], "reason"), "page title names a console or log-in");
    assert_string_equal(finding_fact(r->findings[6], "product"), "MariaDB");
    assert_string_equal(r->findings[6]->key_fact, "database");
    assert_null(r->findings[0]->key_fact);

    /* Identity: kind, asset, port (and the database family). The telnet fingerprint is the
     * pinned format of finding.c over exactly that. */
    char fp[FINGERPRINT_HEX_LEN + 1];
    static const char id_telnet[] = "v1\x1fsvc.telnet.open\x1f" "127.0.25.200\x1ftcp\x1f" "23\x1f\x1f";
    sha256_hex(id_telnet, sizeof id_telnet - 1, fp);
    assert_string_equal(r->findings[0]->fingerprint, fp);
    static const char id_db[] = "v1\x1fsvc.db.exposed\x1f" "127.0.25.200\x1ftcp\x1f" "3306\x1f"
                                "database\x1fMySQL/MariaDB";
    sha256_hex(id_db, sizeof id_db - 1, fp);
    assert_string_equal(r->findings[6]->fingerprint, fp);

    /* Another scan of the same services, with other versions: same fingerprints. */
    struct scan_result *r2 = passive_lab();
    assert_int_equal(service_set(&r2->hosts[0].services[0].version, "9.9"), 0);
    assert_int_equal(checkrun(r2, &o, &e), 0);
    assert_int_equal(r2->n_findings, nw);
    for (size_t i = 0; i < nw; i++)
        assert_string_equal(r2->findings[i]->fingerprint, r->findings[i]->fingerprint);
    scan_result_free(r2);
    scan_result_free(r);
}

/* SMB (and RDP's NLA fact), judged from the answers of real Samba 4.17 servers (fixtures captured by detection):
 * server min protocol = NT1 (SMB1 accepted, signing not required), the defaults (signing not
 * required), server signing = mandatory (nothing to report). */
static void exposure_smb(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct rm_addr a;
    assert_int_equal(addr_parse("127.0.27.1", &a), 0);
    struct host *h = scan_add_host(r, &a);
    svc_fixture(r, h, 445, "microsoft-ds", NULL, NULL,
                "SMB 3.1.1; signing not required; SMB1 accepted", "samba-nt1.smb");
    svc_fixture(r, h, 1445, "microsoft-ds", NULL, NULL,
                "SMB 3.1.1; signing not required; SMB1 refused", "samba-default.smb");
    svc_fixture(r, h, 2445, "microsoft-ds", NULL, NULL,
                "SMB 3.1.1; signing required; SMB1 refused", "samba-signing.smb");
    /* Only guessed from the port: nothing is judged. */
    svc_as_detected(r, h, 3445, "microsoft-ds", "port", NULL, NULL, NULL, NULL, 0);
    /* RDP as detection names it from xrdp's real answer: NLA not required, a fact. */
    size_t n;
    unsigned char *d = fixture("xrdp-negotiate.rdp", &n);
    svc_as_detected(r, h, 3389, "ms-wbt-server", "probe:rdp", NULL, NULL,
                    "RDP; TLS; NLA not required", d, n);
    free(d);
    struct checkrun_opts o = {.only = "exposure", .timeout_ms = 500};
    struct rm_err e = {{0}};
    assert_int_equal(checkrun(r, &o, &e), 0);
    assert_int_equal(r->n_findings, 4);
    const struct finding *f = only_finding(r, "svc.rdp.exposed", 3389);
    assert_string_equal(finding_fact(f, "nla"), "not required");
    f = only_finding(r, "svc.smb.v1", 445);
    assert_int_equal(f->severity, SEV_HIGH);
    assert_string_equal(finding_fact(f, "smb1"), "accepted");
    assert_int_equal(f->n_evidence, 1);
    f = only_finding(r, "svc.smb.signing-off", 445);
    assert_int_equal(f->severity, SEV_MEDIUM);
    assert_string_equal(finding_fact(f, "signing"), "not required");
    assert_string_equal(finding_fact(f, "dialect"), "3.1.1");
    f = only_finding(r, "svc.smb.signing-off", 1445);
    assert_string_equal(finding_fact(f, "service"), "microsoft-ds");
    for (size_t i = 0; i < r->n_findings; i++)
        assert_true(r->findings[i]->port == 445 || r->findings[i]->port == 1445 ||
                    r->findings[i]->port == 3389);
    scan_result_free(r);
}

/* The services the new probes name, as detection and the UDP stage record them (their info
 * exactly as the signature lines give it for the captured and synthetic answers, see
 * tests/unit/test_probe_db.c and test_probe_udp.c). */
static void exposure_db_directory_and_udp(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct rm_addr a;
    assert_int_equal(addr_parse("127.0.28.200", &a), 0);
    struct host *h = scan_add_host(r, &a);
    size_t n;
    unsigned char *d = fixture("synthetic-mssql-2019.mssql", &n);
    svc_as_detected(r, h, 1433, "ms-sql-s", "probe:mssql", "Microsoft SQL Server", "15.0.2000",
                    "SQL Server 2019; encryption off", d, n);
    free(d);
    d = fixture("synthetic-mongodb-auth.mongodb", &n);
    svc_as_detected(r, h, 27017, "mongodb", "probe:mongodb", "MongoDB", "6.0.5",
                    "wire version 17; authentication required", d, n);
    free(d);
    d = fixture("synthetic-mongodb-noauth.mongodb", &n);
    svc_as_detected(r, h, 27018, "mongodb", "probe:mongodb", "MongoDB", "6.0.5",
                    "wire version 17; authentication none", d, n);
    free(d);
    d = fixture("slapd-rootdse.ldap", &n);
    svc_as_detected(r, h, 389, "ldap", "probe:ldap", "OpenLDAP", NULL,
                    "LDAP versions 3; naming context dc=example,dc=org; anonymous read yes", d, n);
    svc_as_detected(r, h, 1389, "ldap", "probe:ldap", "OpenLDAP", NULL,
                    "LDAP versions 3; naming context dc=example,dc=org; anonymous read no", d, n);
    free(d);
    struct service *s;
    d = fixture("snmpd-public.snmp", &n);
    s = svc_as_detected(r, h, 161, "snmp", "probe:snmp", "net-snmp", NULL,
                        "SNMP 1,2c; community public; sysDescr Linux vm", d, n);
    s->proto = SVC_UDP;
    free(d);
    d = fixture("dnsmasq-version.dns", &n);
    s = svc_as_detected(r, h, 53, "domain", "probe:dns", "dnsmasq", "2.90",
                        "version.bind: dnsmasq-2.90", d, n);
    s->proto = SVC_UDP;
    s = svc_as_detected(r, h, 5353, "domain", "probe:dns", NULL, NULL,
                        "version.bind not answered (REFUSED)", d, n);
    s->proto = SVC_UDP;
    free(d);
    /* A TCP DNS server on 53 too: no version asked there, nothing judged. */
    svc_as_detected(r, h, 53, "domain", "port", NULL, NULL, NULL, NULL, 0);
    scan_sort_hosts(r);
    /* The allow-list is TCP: UDP services are judged by their own kinds only. */
    static const uint16_t allowed[] = {53, 389, 1389, 1433, 27017, 27018};
    struct checkrun_opts o = {.only = "exposure", .timeout_ms = 500, .allowed_ports = allowed,
                              .n_allowed_ports = 6};
    struct rm_err e = {{0}};
    assert_int_equal(checkrun(r, &o, &e), 0);
    assert_int_equal(r->n_findings, 9);
    const struct finding *f = only_finding(r, "svc.db.exposed", 1433);
    assert_string_equal(finding_fact(f, "database"), "Microsoft SQL Server");
    assert_string_equal(finding_fact(f, "version"), "15.0.2000");
    f = only_finding(r, "svc.db.exposed", 27017);
    assert_string_equal(finding_fact(f, "database"), "MongoDB");
    only_finding(r, "svc.db.exposed", 27018);
    f = only_finding(r, "svc.mongodb.noauth", 27018);
    assert_int_equal(f->severity, SEV_CRITICAL);
    assert_string_equal(finding_fact(f, "authentication"), "none");
    f = only_finding(r, "svc.ldap.rootdse", 389);
    assert_int_equal(f->severity, SEV_INFO);
    assert_string_equal(finding_fact(f, "naming_context"), "dc=example,dc=org");
    only_finding(r, "svc.ldap.rootdse", 1389);
    f = only_finding(r, "svc.ldap.anonymous-read", 389);
    assert_int_equal(f->severity, SEV_LOW);
    f = only_finding(r, "svc.snmp.default-community", 161);
    assert_int_equal(f->severity, SEV_HIGH);
    assert_string_equal(f->protocol, "udp");
    assert_string_equal(finding_fact(f, "protocol"), "udp");
    assert_string_equal(finding_fact(f, "community"), "public");
    assert_string_equal(finding_fact(f, "snmp_versions"), "1,2c");
    assert_string_equal(f->title, "SNMP default community \"public\" accepted (UDP port 161)");
    f = only_finding(r, "svc.dns.version-disclosed", 53);
    assert_int_equal(f->severity, SEV_LOW);
    assert_string_equal(f->protocol, "udp");
    assert_string_equal(finding_fact(f, "version_bind"), "dnsmasq-2.90");
    assert_string_equal(f->title, "DNS server discloses its version (UDP port 53)");
    scan_result_free(r);
}

static void exposure_allow_list(void **state)
{
    (void)state;
    struct scan_result *r = passive_lab();
    static const uint16_t allow[] = {22, 25, 80, 443, 587, 8443};
    struct checkrun_opts o = {.only = "exposure", .timeout_ms = 500, .allowed_ports = allow,
                              .n_allowed_ports = sizeof allow / sizeof allow[0]};
    struct rm_err e = {{0}};
    assert_int_equal(checkrun(r, &o, &e), 0);
    size_t unexpected = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct finding *f = r->findings[i];
        if (strcmp(f->kind, "svc.port.unexpected") != 0)
            continue;
        unexpected++;
        assert_int_equal(f->severity, SEV_MEDIUM);
        for (size_t k = 0; k < sizeof allow / sizeof allow[0]; k++)
            assert_int_not_equal(f->port, allow[k]);
    }
    /* 19 open services, 5 of them on the list (443 is listed but not open). */
    assert_int_equal(r->hosts[0].n_services, 19);
    assert_int_equal(unexpected, 14);
    const struct finding *f = only_finding(r, "svc.port.unexpected", 6380);
    assert_string_equal(finding_fact(f, "service"), "redis");
    scan_result_free(r);

    /* An empty allow-list (given, holding nothing) makes every open port unexpected. */
    r = passive_lab();
    o.allowed_ports = allow;
    o.n_allowed_ports = 0;
    assert_int_equal(checkrun(r, &o, &e), 0);
    unexpected = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        unexpected += strcmp(r->findings[i]->kind, "svc.port.unexpected") == 0;
    assert_int_equal(unexpected, 19);
    scan_result_free(r);
}

/* A scripted server on 127.0.0.1 (an ephemeral port) for the conversations the module holds
 * itself. FTP replies are those of vsftpd 3.0.3 (tests/fixtures/banners/vsftpd-feat.ftp and
 * vsftpd-anonymous.ftp); RFB follows the protocol's handshake up to the security types. */
enum fake_mode { FAKE_FTP, FAKE_RFB };
struct fake {
    enum fake_mode mode;
    const char *greeting;
    const char *feat;               /* FTP: reply to FEAT */
    const unsigned char *types;     /* RFB: bytes sent after the client's version */
    size_t n_types;
    int lfd;
    uint16_t port;
    volatile int stop;
    int accepted;
    char got[2048]; /* what clients sent */
    size_t n_got;
    pthread_t th;
};

static void fake_send(int fd, const void *d, size_t n)
{
    assert_int_equal(send(fd, d, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void fake_conn(struct fake *fk, int fd)
{
    fake_send(fd, fk->greeting, strlen(fk->greeting));
    char line[512];
    size_t ln = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 2000) <= 0)
            return;
        ssize_t n = recv(fd, line + ln, sizeof line - ln - 1, 0);
        if (n <= 0)
            return;
        if (fk->n_got + (size_t)n < sizeof fk->got) {
            memcpy(fk->got + fk->n_got, line + ln, (size_t)n);
            fk->n_got += (size_t)n;
        }
        ln += (size_t)n;
        if (fk->mode == FAKE_RFB) {
            if (ln >= 12) {
                fake_send(fd, fk->types, fk->n_types);
                ln = 0;
            }
            continue;
        }
        char *nl;
        while ((nl = memchr(line, '\n', ln))) {
            size_t l = (size_t)(nl - line) + 1;
            const char *reply = "500 Unknown command.\r\n";
            if (strncmp(line, "FEAT", 4) == 0)
                reply = fk->feat;
            else if (strncmp(line, "USER ", 5) == 0)
                reply = "331 Please specify the password.\r\n";
            else if (strncmp(line, "PASS ", 5) == 0)
                reply = "230 Login successful.\r\n";
            else if (strncmp(line, "QUIT", 4) == 0)
                reply = "221 Goodbye.\r\n";
            fake_send(fd, reply, strlen(reply));
            if (strncmp(line, "QUIT", 4) == 0)
                return;
            memmove(line, line + l, ln - l);
            ln -= l;
        }
    }
}

static void *fake_main(void *arg)
{
    struct fake *fk = arg;
    while (!fk->stop) {
        struct pollfd p = {.fd = fk->lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(fk->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        fk->accepted++;
        fake_conn(fk, fd);
        close(fd);
    }
    return NULL;
}

static void fake_start(struct fake *fk)
{
    fk->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fk->lfd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fk->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fk->lfd, 8), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(fk->lfd, (struct sockaddr *)&sa, &sl), 0);
    fk->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&fk->th, NULL, fake_main, fk), 0);
}

static void fake_stop(struct fake *fk)
{
    fk->stop = 1;
    pthread_join(fk->th, NULL);
    close(fk->lfd);
    fk->got[fk->n_got] = '\0';
}

/* One host 127.0.0.1 with one service on the fake's port, as detection names it. */
static struct scan_result *fake_lab(const struct fake *fk, const char *name, const char *method)
{
    struct scan_result *r = scan_result_new();
    struct rm_addr a;
    assert_int_equal(addr_parse("127.0.0.1", &a), 0);
    struct host *h = scan_add_host(r, &a);
    svc_as_detected(r, h, fk->port, name, method, NULL, NULL, NULL, fk->greeting,
                    strlen(fk->greeting));
    return r;
}

static char *vsftpd_feat(void)
{
    size_t n;
    unsigned char *d = fixture("vsftpd-feat.ftp", &n);
    /* The capture is the banner then the FEAT reply: keep the reply. */
    const char *banner = "220 (vsFTPd 3.0.3)\r\n";
    assert_memory_equal(d, banner, strlen(banner));
    char *feat = calloc(1, n - strlen(banner) + 1);
    memcpy(feat, d + strlen(banner), n - strlen(banner));
    free(d);
    return feat;
}

static void exposure_ftp_feat_and_intrusive_login(void **state)
{
    (void)state;
    char *feat = vsftpd_feat();
    struct fake fk = {.mode = FAKE_FTP, .greeting = "220 (vsFTPd 3.0.3)\r\n", .feat = feat};
    fake_start(&fk);
    struct rm_err e = {{0}};

    /* Without --intrusive: FEAT only, no log-in, svc.ftp.cleartext with a transcript. */
    struct scan_result *r = fake_lab(&fk, "ftp", "banner");
    struct checkrun_opts o = {.only = "exposure", .timeout_ms = 2000};
    assert_int_equal(checkrun(r, &o, &e), 0);
    assert_int_equal(r->n_findings, 1);
    const struct finding *f = r->findings[0];
    assert_string_equal(f->kind, "svc.ftp.cleartext");
    assert_int_equal(f->severity, SEV_MEDIUM);
    assert_string_equal(finding_fact(f, "auth_tls"), "not offered");
    assert_string_equal(finding_fact(f, "feat_reply"), "211");
    assert_int_equal(f->n_evidence, 2);
    assert_string_equal(f->evidence_ids[0], r->hosts[0].services[0].evidence_id);
    const struct evidence *ev = r->evidence[r->n_evidence - 1];
    assert_string_equal(f->evidence_ids[1], ev->id);
    assert_non_null(memmem(ev->data, ev->len, "C: FEAT\n", 8));
    assert_non_null(memmem(ev->data, ev->len, "S: 211 End\n", 11));
    assert_null(memmem(ev->data, ev->len, "USER", 4));
    char fp[FINGERPRINT_HEX_LEN + 1];
    memcpy(fp, f->fingerprint, sizeof fp);
    scan_result_free(r);

    /* With --intrusive: the log-in too, and svc.ftp.anonymous; cleartext keeps its identity. */
    r = fake_lab(&fk, "ftp", "banner");
    o.intrusive = true;
    assert_int_equal(checkrun(r, &o, &e), 0);
    assert_int_equal(r->n_findings, 2);
    assert_string_equal(r->findings[0]->kind, "svc.ftp.cleartext");
    assert_string_equal(r->findings[0]->fingerprint, fp);
    f = r->findings[1];
    assert_string_equal(f->kind, "svc.ftp.anonymous");
    assert_int_equal(f->severity, SEV_HIGH);
    assert_string_equal(finding_fact(f, "user"), "anonymous");
    /* One transcript for both findings. */
    assert_string_equal(f->evidence_ids[1], r->findings[0]->evidence_ids[1]);
    ev = r->evidence[r->n_evidence - 1];
    assert_non_null(memmem(ev->data, ev->len, "C: PASS riskmap@\nS: 230 Login successful.\n", 42));
    scan_result_free(r);
    fake_stop(&fk);
    assert_int_equal(fk.accepted, 2);
    assert_non_null(strstr(fk.got, "FEAT\r\nQUIT\r\nFEAT\r\nUSER anonymous\r\nPASS riskmap@\r\nQUIT\r\n"));
    free(feat);

    /* A server offering AUTH TLS: no cleartext finding. */
    struct fake tls = {.mode = FAKE_FTP, .greeting = "220 (vsFTPd 3.0.3)\r\n",
                       .feat = "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n"};
    fake_start(&tls);
    r = fake_lab(&tls, "ftp", "banner");
    o.intrusive = false;
    assert_int_equal(checkrun(r, &o, &e), 0);
    assert_int_equal(r->n_findings, 0);
    scan_result_free(r);

    /* Only guessed from the port (no detection): the module sends nothing at all. */
    r = fake_lab(&tls, "ftp", "port");
    o.intrusive = true;
    assert_int_equal(checkrun(r, &o, &e), 0);
    assert_int_equal(r->n_findings, 0);
    scan_result_free(r);
    fake_stop(&tls);
    assert_int_equal(tls.accepted, 1);
}

static void exposure_vnc_security_types(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    struct checkrun_opts o = {.only = "exposure", .timeout_ms = 2000};
    const struct {
        const char *greeting;
        const unsigned char *types;
        size_t n;
        const char *expect; /* security_types fact, NULL = no finding */
    } cases[] = {
        {"RFB 003.008\n", (const unsigned char *)"\x02\x01\x02", 3, "1 (None), 2 (VNC Authentication)"},
        {"RFB 003.008\n", (const unsigned char *)"\x01\x02", 2, NULL},
        {"RFB 003.007\n", (const unsigned char *)"\x01\x01", 2, "1 (None)"},
        {"RFB 003.003\n", (const unsigned char *)"\x00\x00\x00\x01", 4, "1 (None)"},
        {"RFB 003.003\n", (const unsigned char *)"\x00\x00\x00\x02", 4, NULL},
        {"RFB 003.008\n", (const unsigned char *)"\x00\x00\x00\x00\x03bye", 8, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fake fk = {.mode = FAKE_RFB, .greeting = cases[i].greeting,
                          .types = cases[i].types, .n_types = cases[i].n};
        fake_start(&fk);
        struct scan_result *r = fake_lab(&fk, "vnc", "banner");
        assert_int_equal(checkrun(r, &o, &e), 0);
        fake_stop(&fk);
        /* The client answered with the server's version and sent nothing more. */
        char want[16];
        snprintf(want, sizeof want, "%s", cases[i].greeting);
        assert_string_equal(fk.got, want);
        if (!cases[i].expect) {
            assert_int_equal(r->n_findings, 0);
        } else {
            assert_int_equal(r->n_findings, 1);
            const struct finding *f = r->findings[0];
            assert_string_equal(f->kind, "svc.vnc.noauth");
            assert_int_equal(f->severity, SEV_CRITICAL);
            assert_string_equal(finding_fact(f, "security_types"), cases[i].expect);
            assert_int_equal(f->n_evidence, 2);
            const struct evidence *ev = r->evidence[r->n_evidence - 1];
            assert_non_null(memmem(ev->data, ev->len, "# security types: ", 18));
        }
        scan_result_free(r);
    }
}

static void checks_list_is_validated(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    assert_int_equal(checkrun_validate(NULL, &e), 0);
    assert_int_equal(checkrun_validate("services", &e), 0);
    assert_int_equal(checkrun_validate("services,bogus", &e), -1);
    assert_string_equal(e.msg, "checks \"services,bogus\": no check named \"bogus\" (see riskmap checks)");
    assert_int_equal(checkrun_validate("services,", &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fingerprint_is_stable_and_known),
        cmocka_unit_test(fingerprint_depends_on_identity_only),
        cmocka_unit_test(severity_names_round_trip),
        cmocka_unit_test(registry_is_well_formed),
        cmocka_unit_test(services_check_records_each_open_port),
        cmocka_unit_test(checks_list_is_validated),
        cmocka_unit_test(exposure_judges_what_detection_recorded),
        cmocka_unit_test(exposure_allow_list),
        cmocka_unit_test(exposure_smb),
        cmocka_unit_test(exposure_db_directory_and_udp),
        cmocka_unit_test(exposure_ftp_feat_and_intrusive_login),
        cmocka_unit_test(exposure_vnc_security_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
