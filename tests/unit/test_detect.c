/* Service detection: the shipped signature table against responses captured from real
 * servers (tests/fixtures/banners/, see README there), malformed signature files, hostile
 * responses, and the engine end to end against in-process listeners on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scanner/atomic.h"
#include "tests/unit/banner_fixture.h"
#include "scanner/detect.h"
#include "scanner/model.h"
#include "scanner/ntlm.h"
#include "scanner/probe_proto.h"
#include "scanner/sigs.h"

static struct sig_table *builtin;

static int setup(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    if (sigs_load_builtin(&builtin, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sigs_free(builtin);
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void shipped_table_loads(void **state)
{
    (void)state;
    assert_true(sigs_count(builtin) >= 40);
    /* The embedded copy is the file in the repository, byte for byte. */
    char *text = NULL;
    size_t len = 0;
    struct rm_err e = {{0}};
    assert_int_equal(read_file_bounded(SIGS_BUILTIN_LABEL, 1 << 20, &text, &len, &e), 0);
    assert_int_equal(len, riskmap_sigs_len);
    assert_memory_equal(text, riskmap_sigs_data, len);
    free(text);
}

struct expect {
    const char *file; /* under tests/fixtures/banners/; the extension names the probe */
    const char *service, *product, *version, *info, *cpe;
};

/* Captured from the lab's real servers unless the name starts with "synthetic-". */
static const struct expect fixtures[] = {
    {"openssh-debian.banner", "ssh", "OpenSSH", "9.2p1", "Debian 2+deb12u10; protocol 2.0",
     "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"},
    {"nginx.http", "http", "nginx", "1.22.1", NULL, "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"},
    {"redis.redis", "redis", "Redis key-value store", "7.0.15", "mode standalone",
     "cpe:2.3:a:redis:redis:7.0.15:*:*:*:*:*:*:*"},
    {"memcached.memcached", "memcached", "memcached", "1.6.18", NULL,
     "cpe:2.3:a:memcached:memcached:1.6.18:*:*:*:*:*:*:*"},
    {"vsftpd.banner", "ftp", "vsftpd", "3.0.3", NULL, "cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*"},
    {"openssl-s_server-tls.http", "http", "OpenSSL s_server -www httpd", NULL, NULL,
     "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"},
    {"synthetic-openssh-ubuntu.banner", "ssh", "OpenSSH", "8.9p1",
     "Ubuntu 3ubuntu0.6; protocol 2.0", "cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*"},
    {"synthetic-apache.http", "http", "Apache httpd", "2.4.62", "Debian",
     "cpe:2.3:a:apache:http_server:2.4.62:*:*:*:*:*:*:*"},
    {"synthetic-proftpd.banner", "ftp", "ProFTPD", NULL, NULL,
     "cpe:2.3:a:proftpd:proftpd:*:*:*:*:*:*:*:*"},
    {"synthetic-pureftpd.banner", "ftp", "Pure-FTPd", NULL, NULL,
     "cpe:2.3:a:pureftpd:pure-ftpd:*:*:*:*:*:*:*:*"},
    {"synthetic-postfix.banner", "smtp", "Postfix smtpd", NULL, "Debian/GNU",
     "cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*"},
    {"synthetic-exim.banner", "smtp", "Exim smtpd", "4.96", NULL,
     "cpe:2.3:a:exim:exim:4.96:*:*:*:*:*:*:*"},
    {"synthetic-dovecot-pop3.banner", "pop3", "Dovecot pop3d", NULL, "Debian",
     "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"},
    {"synthetic-dovecot-imap.banner", "imap", "Dovecot imapd", NULL, "Debian",
     "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"},
    {"synthetic-mariadb.banner", "mysql", "MariaDB", "10.11.6", "0+deb12u1",
     "cpe:2.3:a:mariadb:mariadb:10.11.6:*:*:*:*:*:*:*"},
    {"synthetic-mysql.banner", "mysql", "MySQL", "8.0.36", NULL,
     "cpe:2.3:a:oracle:mysql:8.0.36:*:*:*:*:*:*:*"},
    {"synthetic-postgresql.postgres", "postgresql", NULL, NULL, "SSL not supported", NULL},
    /* SMB: the signature names the service; dialect, signing and SMB1 are parsed (below). */
    {"samba-nt1.smb", "microsoft-ds", NULL, NULL, NULL, NULL},
    {"samba-default.smb", "microsoft-ds", NULL, NULL, NULL, NULL},
    {"samba-signing.smb", "microsoft-ds", NULL, NULL, NULL, NULL},
    {"xrdp-negotiate.rdp", "ms-wbt-server", NULL, NULL, NULL, NULL},
    {"xrdp-rdp-security.rdp", "ms-wbt-server", NULL, NULL, NULL, NULL},
    /* The further requests that name the product: Samba's SMB1 answer (accepting it, with its
     * workgroup and host; refusing it, with "no dialect"), xrdp's answer to a bare
     * ClientHello. */
    {"samba-nt1.smb1", "microsoft-ds", "Samba smbd", NULL, "workgroup: WORKGROUP; host: VM",
     "cpe:2.3:a:samba:samba:*:*:*:*:*:*:*:*"},
    {"samba-default.smb1", "microsoft-ds", "Samba smbd", NULL, NULL,
     "cpe:2.3:a:samba:samba:*:*:*:*:*:*:*:*"},
    {"xrdp-negotiate.rdp-hello", "ms-wbt-server", "xrdp", NULL, NULL,
     "cpe:2.3:a:neutrinolabs:xrdp:*:*:*:*:*:*:*:*"},
};

static void assert_str_or_null(const char *got, const char *want, const char *what,
                               const char *file)
{
    if (!want && !got)
        return;
    if (!want || !got || strcmp(want, got) != 0)
        fail_msg("%s: %s is \"%s\", expected \"%s\"", file, what, got ? got : "(null)",
                 want ? want : "(null)");
}

static void captured_responses_identify(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        const struct expect *x = &fixtures[i];
        char path[256], probe[32];
        snprintf(path, sizeof path, "tests/fixtures/banners/%s", x->file);
        snprintf(probe, sizeof probe, "%s", strrchr(x->file, '.') + 1);
        char *data = NULL;
        size_t len = 0;
        struct rm_err e = {{0}};
        if (read_file_bounded(path, 1 << 20, &data, &len, &e) < 0)
            fail_msg("%s (run the tests from the repository root)", e.msg);
        struct sig_match m;
        if (sigs_match(builtin, probe, (const unsigned char *)data, len, &m) != 1)
            fail_msg("%s: no signature matched", x->file);
        assert_str_or_null(m.service, x->service, "service", x->file);
        assert_str_or_null(m.product, x->product, "product", x->file);
        assert_str_or_null(m.version, x->version, "version", x->file);
        assert_str_or_null(m.info, x->info, "info", x->file);
        assert_str_or_null(m.cpe, x->cpe, "cpe", x->file);
        sig_match_clear(&m);
        free(data);
    }
}

static void generic_fallbacks(void **state)
{
    (void)state;
    struct sig_match m;
    static const char ssh[] = "SSH-2.0-SomethingElse_1.0\r\n";
    assert_int_equal(sigs_match(builtin, "banner", (const unsigned char *)ssh, strlen(ssh), &m), 1);
    assert_string_equal(m.service, "ssh");
    assert_null(m.product);
    sig_match_clear(&m);
    /* An HTTP answer to a probe that was not HTTP still says HTTP. */
    static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(sigs_match(builtin, "redis", (const unsigned char *)http, strlen(http), &m), 1);
    assert_string_equal(m.service, "http");
    sig_match_clear(&m);
    static const char none[] = "hello there\r\n";
    assert_int_equal(sigs_match(builtin, "banner", (const unsigned char *)none, strlen(none), &m), 0);
    assert_null(m.service);
}

struct bad {
    const char *text, *msg;
};

static void malformed_files_name_file_and_line(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {"# ok\nmatch banner ssh m|^SSH-(|\n", "t.txt:2: regex error at offset 6: missing closing parenthesis"},
        {"matc banner ssh m|x|\n", "t.txt:1: expected \"match PROBE SERVICE m/REGEX/ ...\""},
        {"match banner\n", "t.txt:1: missing service name"},
        {"match banner ssh p/x/\n", "t.txt:1: missing m/REGEX/"},
        {"\n\nmatch banner ssh m|x| q/y/\n", "t.txt:3: unknown field \"q\""},
        {"match banner ssh m|x| p/y\n", "t.txt:1: malformed field at column 23 (KEY/TEXT/ expected)"},
        {"match banner ssh m|(x)| v/$2/\n", "t.txt:1: template refers to $2 but the regex has 1 group(s)"},
        {"match banner ssh m|x| v/$a/\n", "t.txt:1: \"$\" must be followed by 1-9 or $"},
        {"match banner ssh m|x| p/a/ p/b/\n", "t.txt:1: field \"p\" given twice"},
        {"match banner ssh m|x|p/a/\n", "t.txt:1: expected a space after field \"m\""},
        {"match banner ssh m|x| m|y|\n", "t.txt:1: more than one m// field"},
        {"match banner ssh m|(1)(2)(3)(4)(5)(6)(7)(8)(9)(10)|\n", "t.txt:1: more than 9 capture groups"},
        {"# nothing\n\n", "t.txt: no signatures"},
        {"match banner SSH m|x|\n", "t.txt:1: missing service name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sig_table *t = NULL;
        struct rm_err e = {{0}};
        if (sigs_load(bad[i].text, strlen(bad[i].text), "t.txt", &t, &e) != -1)
            fail_msg("accepted: %s", bad[i].text);
        assert_null(t);
        if (strcmp(e.msg, bad[i].msg) != 0)
            fail_msg("for %s\n got \"%s\"\nwant \"%s\"", bad[i].text, e.msg, bad[i].msg);
    }
    /* A NUL byte and an overlong line. */
    static const char nul[] = "match banner ssh m|a\0b|\n";
    struct sig_table *t = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(sigs_load(nul, sizeof nul - 1, "t.txt", &t, &e), -1);
    assert_non_null(strstr(e.msg, "t.txt:1: NUL byte"));
    char *longl = malloc(10000);
    memset(longl, 'a', 9999);
    longl[9999] = '\n';
    assert_int_equal(sigs_load(longl, 10000, "t.txt", &t, &e), -1);
    assert_string_equal(e.msg, "t.txt:1: line longer than 4096 bytes");
    free(longl);
}

static void templates_are_sanitised(void **state)
{
    (void)state;
    static const char text[] =
        "match banner x m|^V(.*)\\r\\n|s p/p $1/ v/$1/ cpe|cpe:2.3:a:x:y:$1:*:*:*:*:*:*:*| i/$$5/\n";
    struct sig_table *t = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(sigs_load(text, strlen(text), "t.txt", &t, &e), 0);
    struct sig_match m;
    static const unsigned char in[] = "V1.0:b*c\x01\x7f\xff\t\tz\r\n";
    assert_int_equal(sigs_match(t, "banner", in, sizeof in - 1, &m), 1);
    assert_string_equal(m.version, "1.0:b*c z"); /* control and 8-bit bytes dropped, tabs folded */
    assert_string_equal(m.cpe, "cpe:2.3:a:x:y:1.0\\:b\\*c_z:*:*:*:*:*:*:*");
    assert_string_equal(m.info, "$5");
    sig_match_clear(&m);
    /* A huge group is cut at SIGS_MAX_FIELD. */
    size_t n = 100000;
    unsigned char *big = malloc(n);
    big[0] = 'V';
    memset(big + 1, 'a', n - 3);
    big[n - 2] = '\r';
    big[n - 1] = '\n';
    assert_int_equal(sigs_match(t, "banner", big, n, &m), 1);
    assert_true(strlen(m.version) < SIGS_MAX_FIELD);
    sig_match_clear(&m);
    free(big);
    sigs_free(t);
}

static void hostile_responses_are_bounded(void **state)
{
    (void)state;
    /* A regex that backtracks catastrophically must hit the match limit, not hang. */
    static const char text[] = "match banner x m|^(a+)+$|\n";
    struct sig_table *t = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(sigs_load(text, strlen(text), "t.txt", &t, &e), 0);
    unsigned char evil[64];
    memset(evil, 'a', sizeof evil);
    evil[sizeof evil - 1] = '!';
    struct sig_match m;
    double t0 = now_ms();
    assert_int_equal(sigs_match(t, "banner", evil, sizeof evil, &m), 0);
    assert_true(now_ms() - t0 < 2000);
    sigs_free(t);

    /* Every probe of the shipped table over 1 MiB of binary noise and of repeated
     * near-misses: no crash, bounded time, printable results. */
    size_t n = 1 << 20;
    unsigned char *noise = malloc(n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise[i] = (unsigned char)x;
    }
    unsigned char *near = malloc(n);
    for (size_t i = 0; i < n; i++)
        near[i] = (unsigned char)"HTTP/1.1 200 OK\r\nServer: \r\nSSH-2.0-\x00\n"[i % 38];
    static const char *const probes[] = {"banner", "http", "redis", "memcached", "postgres"};
    t0 = now_ms();
    for (size_t p = 0; p < 5; p++) {
        const unsigned char *inputs[] = {noise, near};
        for (size_t k = 0; k < 2; k++) {
            int rc = sigs_match(builtin, probes[p], inputs[k], n, &m);
            assert_true(rc == 0 || rc == 1);
            const char *fields[] = {m.product, m.version, m.info, m.cpe};
            for (size_t f = 0; f < 4; f++)
                for (const char *c = fields[f]; c && *c; c++)
                    assert_true(*c >= 0x20 && *c <= 0x7e);
            sig_match_clear(&m);
        }
    }
    assert_true(now_ms() - t0 < 20000);
    free(noise);
    free(near);
}

static void plans_follow_the_port(void **state)
{
    (void)state;
    assert_string_equal(detect_plan_str(22), "banner,http");
    assert_string_equal(detect_plan_str(80), "http,banner,tls:http");
    assert_string_equal(detect_plan_str(443), "tls:http,http");
    assert_string_equal(detect_plan_str(993), "tls:banner,banner");
    assert_string_equal(detect_plan_str(6379), "redis,banner");
    assert_string_equal(detect_plan_str(11211), "memcached");
    assert_string_equal(detect_plan_str(5432), "postgres");
    assert_string_equal(detect_plan_str(40000), "banner,http,tls:http,lines");
    assert_string_equal(detect_plan_str(445), "smb");
    assert_string_equal(detect_plan_str(3389), "rdp");
    assert_string_equal(detect_plan_str(1433), "mssql");
    assert_string_equal(detect_plan_str(27017), "mongodb");
    assert_string_equal(detect_plan_str(389), "ldap");
    assert_string_equal(detect_plan_str(636), "tls:ldap");
}

/* The captured answers of Samba 4.17 (see the fixtures' README): SMB2 NEGOTIATE response,
 * then the answer (if any) to an SMB1 NEGOTIATE, both NetBIOS-framed. */
static void smb_negotiate_parsed(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        uint16_t dialect;
        bool signing_required, smb1;
    } want[] = {
        {"samba-nt1.smb", 0x0311, false, true},     /* server min protocol = NT1 */
        {"samba-default.smb", 0x0311, false, false},
        {"samba-signing.smb", 0x0311, true, false}, /* server signing = mandatory */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t len;
        unsigned char *d = load(want[i].file, &len);
        assert_true(nbss_complete(d, len));
        struct smb2_neg neg;
        assert_int_equal(smb2_parse_negotiate(d, len, &neg), 1);
        assert_int_equal(neg.dialect, want[i].dialect);
        assert_string_equal(smb2_dialect_str(neg.dialect), "3.1.1");
        assert_true(neg.security_mode & SMB2_SIGNING_ENABLED);
        assert_int_equal(!!(neg.security_mode & SMB2_SIGNING_REQUIRED), want[i].signing_required);
        size_t first = 4 + ((size_t)d[1] << 16 | (size_t)d[2] << 8 | d[3]);
        assert_true(first <= len);
        assert_int_equal(first < len && smb1_parse_negotiate(d + first, len - first), want[i].smb1);
        /* An SMB2 answer is not an SMB1 acceptance, and an SMB1 one is not SMB2. */
        assert_int_equal(smb1_parse_negotiate(d, first), 0);
        if (first < len)
            assert_int_equal(smb2_parse_negotiate(d + first, len - first, &neg), 0);
        /* Every truncation is refused or parsed inside its bounds (ASan watches). */
        for (size_t n = 0; n < first; n++) {
            int rc = smb2_parse_negotiate(d, n, &neg);
            assert_true(n >= 4 + 64 + 8 || rc == 0);
        }
        for (size_t n = first; n < len; n++)
            (void)smb1_parse_negotiate(d + first, n - first);
        free(d);
    }
    /* An SMB1 refusal: status STATUS_NOT_SUPPORTED, or DialectIndex 0xffff. */
    unsigned char r[4 + 32 + 1 + 2 + 2] = {0, 0, 0, 39, 0xff, 'S', 'M', 'B', 0x72};
    r[36] = 1; /* WordCount */
    assert_int_equal(smb1_parse_negotiate(r, sizeof r), 1);
    r[37] = r[38] = 0xff;
    assert_int_equal(smb1_parse_negotiate(r, sizeof r), 0);
    r[37] = r[38] = 0;
    r[9] = 0xbb; /* status */
    assert_int_equal(smb1_parse_negotiate(r, sizeof r), 0);
}

static void smb_requests_are_well_formed(void **state)
{
    (void)state;
    unsigned char b[512];
    size_t n = smb2_negotiate_request(b, sizeof b);
    assert_int_equal(n, 4 + 112 + 8 + 38);
    assert_int_equal((size_t)b[2] << 8 | b[3], n - 4);
    assert_memory_equal(b + 4, "\xfeSMB", 4);
    assert_int_equal(b[4 + 64 + 2], 5);          /* DialectCount */
    assert_int_equal(b[4 + 64 + 28], 112);       /* NegotiateContextOffset */
    assert_int_equal(b[4 + 64 + 36 + 8], 0x11);  /* the last dialect, 0x0311 */
    assert_int_equal(b[4 + 64 + 36 + 9], 0x03);
    assert_int_equal(smb2_negotiate_request(b, n - 1), 0);
    n = smb1_negotiate_request(b, sizeof b);
    assert_int_equal(n, 4 + 32 + 3 + 12);
    assert_memory_equal(b + 4, "\xffSMB\x72", 5);
    assert_memory_equal(b + 4 + 35, "\x02NT LM 0.12", 12);
}

/* NTLM's CHALLENGE in an SMB2 SESSION_SETUP answer: Samba's, captured (see the README), names
 * 6.1 build 0; a Windows one is that answer with Windows Server 2012 R2's version bytes written
 * in (6.3 build 9600) - no Windows here to capture from, said so. */
static void smb_ntlm_challenge_parsed(void **state)
{
    (void)state;
    size_t len;
    unsigned char *d = load("samba-ntlm-challenge.smb", &len);
    assert_true(nbss_complete(d, len));
    struct ntlm_challenge v = {9, 9, 9, false};
    assert_int_equal(smb2_parse_ntlm_challenge(d, len, &v), 1);
    assert_int_equal(v.major, 6);
    assert_int_equal(v.minor, 1);
    assert_int_equal(v.build, 0);
    assert_true(v.target_type); /* TARGET_TYPE_SERVER, as Windows */
    char text[64] = "x";
    assert_int_equal(ntlm_describe(&v, text, sizeof text), 0); /* build 0: nothing said */
    assert_string_equal(text, "");
    /* Not a negotiate answer, nor SMB1. */
    struct smb2_neg neg;
    assert_int_equal(smb2_parse_negotiate(d, len, &neg), 0);
    assert_int_equal(smb1_parse_negotiate(d, len), 0);
    for (size_t n = 0; n < len; n++) /* every truncation inside its bounds (ASan watches) */
        (void)smb2_parse_ntlm_challenge(d, n, &v);
    unsigned char *w = malloc(len);
    assert_non_null(w);
    memcpy(w, d, len);
    unsigned char *m = memmem(w, len, "NTLMSSP\0", 8);
    assert_non_null(m);
    m[48] = 6, m[49] = 3, m[50] = 0x80, m[51] = 0x25; /* 6.3, build 9600 */
    assert_int_equal(smb2_parse_ntlm_challenge(w, len, &v), 1);
    assert_int_equal(v.major, 6);
    assert_int_equal(v.minor, 3);
    assert_int_equal(v.build, 9600);
    ntlm_describe(&v, text, sizeof text);
    assert_string_equal(text, "Windows 6.3 build 9600"); /* the words SMB and RDP write */
    m[23] &= (unsigned char)~0x02; /* no NTLMSSP_NEGOTIATE_VERSION: the bytes are not a version */
    assert_int_equal(smb2_parse_ntlm_challenge(w, len, &v), 0);
    m[23] |= 0x02;
    m[8] = 3; /* an AUTHENTICATE, not a CHALLENGE */
    assert_int_equal(smb2_parse_ntlm_challenge(w, len, &v), 0);
    free(w);
    free(d);

    unsigned char b[512];
    size_t n = smb2_session_setup_request(b, sizeof b);
    assert_int_equal(n, 4 + 64 + 24 + 40);
    assert_int_equal((size_t)b[2] << 8 | b[3], n - 4);
    assert_int_equal(b[4 + 12], 1);                  /* SESSION_SETUP */
    assert_int_equal(b[4 + 24], 1);                  /* MessageId 1 */
    assert_int_equal(b[4 + 64], 25);                 /* StructureSize */
    assert_int_equal(b[4 + 64 + 12], 64 + 24);       /* SecurityBufferOffset */
    assert_memory_equal(b + 4 + 64 + 24, "NTLMSSP\0\1", 9);
    assert_true(b[4 + 64 + 24 + 15] & 0x02);         /* asks for the version */
    assert_int_equal(smb2_session_setup_request(b, n - 1), 0);
}

/* RDP: xrdp's real Connection Confirms (captured, see the README), then the answers xrdp
 * cannot give (CredSSP, failures, no negotiation data), built here after MS-RDPBCGR 2.2.1.2
 * (the byte layout of its 4.1.2 example), not captured. */
static void rdp_confirm_parsed(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        uint32_t selected;
    } real[] = {{"xrdp-negotiate.rdp", RDP_PROTO_SSL}, {"xrdp-rdp-security.rdp", RDP_PROTO_RDP}};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        unsigned char *d = load(real[i].file, &len);
        struct rdp_cc c;
        assert_int_equal(len, 19);
        assert_true(tpkt_complete(d, len));
        assert_int_equal(rdp_parse_cc(d, len, &c), 1);
        assert_int_equal(c.kind, RDP_CC_SELECTED);
        assert_int_equal(c.value, real[i].selected);
        free(d);
    }
    unsigned char req[64];
    assert_int_equal(rdp_request(RDP_PROTO_SSL | RDP_PROTO_HYBRID, req, sizeof req), 19);
    static const unsigned char want_req[] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0, 0, 0, 0,
                                             0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0, 0, 0};
    assert_memory_equal(req, want_req, sizeof want_req);
    struct rdp_cc cc;
    static const unsigned char hybrid[] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34,
                                           0x00, 0x02, 0x1f, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00};
    assert_true(tpkt_complete(hybrid, sizeof hybrid));
    assert_false(tpkt_complete(hybrid, sizeof hybrid - 1));
    assert_int_equal(rdp_parse_cc(hybrid, sizeof hybrid, &cc), 1);
    assert_int_equal(cc.kind, RDP_CC_SELECTED);
    assert_int_equal(cc.value, RDP_PROTO_HYBRID);
    /* Windows 8.1 and later (flags 0x1f) are named by the confirm alone; xrdp's (flags 0 or
     * 1, fixtures above) names no product and leads to the bare ClientHello. */
    struct sig_match wm;
    assert_int_equal(sigs_match(builtin, "rdp", hybrid, sizeof hybrid, &wm), 1);
    assert_string_equal(wm.product, "Microsoft Terminal Services");
    sig_match_clear(&wm);
    /* The ClientHello: a TLS handshake record holding exactly one ClientHello, TLS 1.2, no
     * TPKT around it (its first byte is what xrdp trips over). */
    unsigned char hello[128];
    size_t hl = rdp_tls_hello(hello, sizeof hello);
    assert_true(hl > 9);
    assert_int_equal(rdp_tls_hello(hello, hl - 1), 0);
    assert_int_equal(hello[0], 0x16);
    assert_int_equal((size_t)(hello[3] << 8 | hello[4]), hl - 5);
    assert_int_equal(hello[5], 0x01);
    assert_int_equal((size_t)(hello[6] << 16 | hello[7] << 8 | hello[8]), hl - 9);
    assert_int_equal(hello[9], 0x03);
    assert_int_equal(hello[10], 0x03);
    assert_int_equal(hello[hl - 2], 0x01); /* one compression method, null */
    assert_int_equal(hello[hl - 1], 0x00);
    static const unsigned char fail5[] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34,
                                          0x00, 0x03, 0x00, 0x08, 0x00, 0x05, 0x00, 0x00, 0x00};
    assert_int_equal(rdp_parse_cc(fail5, sizeof fail5, &cc), 1);
    assert_int_equal(cc.kind, RDP_CC_FAILURE);
    assert_int_equal(cc.value, 5);
    static const unsigned char old[] = {0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00};
    assert_int_equal(rdp_parse_cc(old, sizeof old, &cc), 1);
    assert_int_equal(cc.kind, RDP_CC_NONE);
    for (size_t n = 0; n < sizeof hybrid; n++)
        assert_int_equal(rdp_parse_cc(hybrid, n, &cc), 0);
    unsigned char bad[sizeof hybrid];
    memcpy(bad, hybrid, sizeof bad);
    bad[5] = 0xe0; /* a request, not a confirm */
    assert_int_equal(rdp_parse_cc(bad, sizeof bad, &cc), 0);
    struct sig_match m;
    assert_int_equal(sigs_match(builtin, "rdp", hybrid, sizeof hybrid, &m), 1);
    assert_string_equal(m.service, "ms-wbt-server");
    sig_match_clear(&m);
}

static void telnet_vnc_http_details(void **state)
{
    (void)state;
    static const unsigned char tn[] = "\xff\xfd\x18\xff\xfd\x20\xff\xfa\x18\x01\xff\xf0"
                                      "\xff\xfb\x01\xff\xf1" "Debian GNU/Linux 12\r\nlab \xff\xff login: ";
    unsigned char out[128], reply[16];
    size_t rl = 0;
    unsigned iac = 0;
    size_t n = telnet_strip(tn, sizeof tn - 1, out, sizeof out, &iac, reply, sizeof reply, &rl);
    static const char text[] = "Debian GNU/Linux 12\r\nlab \xff login: ";
    assert_int_equal(n, sizeof text - 1);
    assert_memory_equal(out, text, n);
    assert_int_equal(iac, 5);
    assert_int_equal(rl, 9);
    assert_memory_equal(reply, "\xff\xfc\x18\xff\xfc\x20\xff\xfe\x01", 9);
    /* Bounded output; a reply buffer too small for all refusals holds whole ones only. */
    n = telnet_strip(tn, sizeof tn - 1, out, 4, &iac, reply, 4, &rl);
    assert_int_equal(n, 4);
    assert_int_equal(rl, 3);
    struct sig_match m;
    assert_int_equal(sigs_match(builtin, "telnet", out, 0, &m), 1);
    assert_string_equal(m.service, "telnet");
    sig_match_clear(&m);
    static const char deb[] = "\r\nDebian GNU/Linux 12\r\nlab login: ";
    assert_int_equal(sigs_match(builtin, "telnet", (const unsigned char *)deb, sizeof deb - 1, &m), 1);
    assert_string_equal(m.info, "Debian GNU/Linux 12");
    sig_match_clear(&m);

    static const char rfb[] = "RFB 003.008\n";
    assert_int_equal(sigs_match(builtin, "banner", (const unsigned char *)rfb, sizeof rfb - 1, &m), 1);
    assert_string_equal(m.service, "vnc");
    assert_string_equal(m.product, "VNC");
    assert_null(m.version); /* the protocol's version is not the server's */
    assert_string_equal(m.info, "protocol 3.8");
    sig_match_clear(&m);

    /* RFB: the version a client answers with, and the security types offered. */
    assert_string_equal(rfb_client_version((const unsigned char *)rfb, 12), "RFB 003.008\n");
    assert_string_equal(rfb_client_version((const unsigned char *)"RFB 003.007\n", 12), "RFB 003.007\n");
    assert_string_equal(rfb_client_version((const unsigned char *)"RFB 003.889\n", 12), "RFB 003.008\n");
    assert_string_equal(rfb_client_version((const unsigned char *)"RFB 003.005\n", 12), "RFB 003.003\n");
    assert_null(rfb_client_version((const unsigned char *)"RFB 003.00x\n", 12));
    assert_null(rfb_client_version((const unsigned char *)rfb, 11));
    char types[40];
    assert_true(rfb_security_types((const unsigned char *)"\x03\x01\x02\x63", 4, 8, types, sizeof types));
    assert_string_equal(types, "None, VNC Authentication, type 99");
    assert_false(rfb_security_types((const unsigned char *)"\x03\x01\x02", 3, 8, types, sizeof types));
    assert_true(rfb_security_types((const unsigned char *)"\x00", 1, 7, types, sizeof types));
    assert_string_equal(types, "none (connection refused)");
    assert_true(rfb_security_types((const unsigned char *)"\x00\x00\x00\x02", 4, 3, types, sizeof types));
    assert_string_equal(types, "VNC Authentication");
    assert_true(rfb_security_types((const unsigned char *)"\x04\x12\x13\x10\x02", 5, 8, types, 20));
    assert_string_equal(types, "TLS, VeNCrypt"); /* cut at a whole name */

    static const char page[] = "HTTP/1.1 302 Found\r\nServer: x\r\nlocation:  https://h.test/"
                               "login \r\n\r\n<HTML><Title lang=en>\n  Router\t\x01Log  in\n"
                               "</TITLE>Location: nope\r\n";
    char t[16];
    assert_true(http_title((const unsigned char *)page, sizeof page - 1, t, sizeof t));
    assert_string_equal(t, "Router Log in");
    assert_true(http_location((const unsigned char *)page, sizeof page - 1, t, sizeof t));
    assert_string_equal(t, "https://h.test/"); /* cut at 15 bytes */
    static const char none[] = "HTTP/1.1 200 OK\r\n\r\n<title></title>";
    assert_false(http_title((const unsigned char *)none, sizeof none - 1, t, sizeof t));
    assert_false(http_location((const unsigned char *)none, sizeof none - 1, t, sizeof t));
    for (size_t k = 0; k < sizeof page; k++) {
        (void)http_title((const unsigned char *)page, k, t, sizeof t);
        (void)http_location((const unsigned char *)page, k, t, sizeof t);
    }
}

/* ---- the engine against in-process listeners ------------------------------------------- */

struct listener {
    int fd;
    uint16_t port;
    const unsigned char *payload; /* sent on accept; NULL = silent */
    size_t len;
    size_t repeat;                /* payload sent this many times */
    const char *reply;            /* sent once whenever the client has said something */
    size_t reply_len;             /* of reply; 0 = strlen(reply) */
    unsigned delay_ms;            /* before the payload */
    size_t chunk;                 /* payload sent this many bytes at a time; 0 = whole */
    unsigned interval_ms;         /* between chunks */
    volatile int stop;
    pthread_t tid;
};

static void *serve(void *arg)
{
    struct listener *l = arg;
    double end = now_ms() + 20000; /* bounded whatever happens */
    while (!l->stop && now_ms() < end) {
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(l->fd, NULL, NULL);
        if (c < 0)
            continue;
        if (l->delay_ms)
            usleep(l->delay_ms * 1000u);
        for (size_t off = 0; l->chunk && l->payload && off < l->len; off += l->chunk) {
            if (off)
                usleep(l->interval_ms * 1000u);
            size_t k = l->len - off < l->chunk ? l->len - off : l->chunk;
            if (send(c, l->payload + off, k, MSG_NOSIGNAL) < 0)
                break;
        }
        for (size_t i = 0; !l->chunk && l->payload && i < l->repeat; i++)
            if (send(c, l->payload, l->len, MSG_NOSIGNAL) < 0)
                break;
        /* Hold the connection until the client closes it or the test ends. */
        char buf[512];
        while (!l->stop && now_ms() < end) {
            struct pollfd q = {.fd = c, .events = POLLIN};
            if (poll(&q, 1, 50) <= 0)
                continue;
            if (recv(c, buf, sizeof buf, 0) <= 0)
                break;
            if (l->reply)
                send(c, l->reply, l->reply_len ? l->reply_len : strlen(l->reply), MSG_NOSIGNAL);
        }
        close(c);
    }
    return NULL;
}

static void listener_start(struct listener *l)
{
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l->fd, 16), 0);
    socklen_t sl = sizeof a;
    getsockname(l->fd, (struct sockaddr *)&a, &sl);
    l->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&l->tid, NULL, serve, l), 0);
}

/* On a given loopback address and port (one the engine's plans know); false when it cannot
 * be bound (taken, or not allowed). */
static bool listener_start_at(struct listener *l, const char *addr, uint16_t port)
{
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    int one = 1;
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, addr, &a.sin_addr);
    if (bind(l->fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(l->fd, 16) < 0) {
        close(l->fd);
        return false;
    }
    l->port = port;
    assert_int_equal(pthread_create(&l->tid, NULL, serve, l), 0);
    return true;
}

static void listener_stop(struct listener *l)
{
    l->stop = 1;
    pthread_join(l->tid, NULL);
    close(l->fd);
}

static void engine_identifies_and_bounds(void **state)
{
    (void)state;
    static const unsigned char ftp[] = "220 (vsFTPd 3.0.3)\r\n";
    static const unsigned char junk[] = "0123456789abcdef";
    struct listener ls[3] = {
        {.payload = ftp, .len = sizeof ftp - 1, .repeat = 1},
        {.payload = NULL},                                  /* silent */
        {.payload = junk, .len = sizeof junk - 1, .repeat = 4096}, /* 64 KiB of noise */
    };
    for (int i = 0; i < 3; i++)
        listener_start(&ls[i]);
    struct scan_result *r = scan_result_new();
    assert_non_null(r);
    struct host *h = scan_add_host(r, &(struct rm_addr){0});
    assert_int_equal(addr_parse("127.0.0.1", &h->addr), 0);
    for (int i = 0; i < 3; i++)
        assert_non_null(host_add_service(h, ls[i].port, PORT_OPEN, "unknown-guess", "syn-ack", 0.1));
    /* A closed port: refused at once, nothing kept. */
    assert_non_null(host_add_service(h, 1, PORT_OPEN, NULL, "syn-ack", 0.1));

    struct detect_opts o = {.timeout_ms = 300, .max_concurrency = 4, .max_bytes = 1000};
    struct rm_err e = {{0}};
    double t0 = now_ms();
    assert_int_equal(detect_services(r, &o, &e), 0);
    double took = now_ms() - t0;
    /* The silent port costs at most banner (150) + http (300) + tls (300) ms, plus slack. */
    assert_true(took < 3000);

    struct service *s = &h->services[0];
    assert_string_equal(s->name, "ftp");
    assert_string_equal(s->method, "banner");
    assert_string_equal(s->product, "vsftpd");
    assert_string_equal(s->version, "3.0.3");
    assert_non_null(s->evidence_id);
    struct evidence *ev = NULL;
    for (size_t i = 0; i < r->n_evidence; i++)
        if (strcmp(r->evidence[i]->id, s->evidence_id) == 0)
            ev = r->evidence[i];
    assert_non_null(ev);
    assert_int_equal(ev->len, sizeof ftp - 1);
    assert_memory_equal(ev->data, ftp, ev->len);

    s = &h->services[1]; /* silent: the guess stays, marked as such */
    assert_string_equal(s->name, "unknown-guess");
    assert_string_equal(s->method, "port");
    assert_null(s->product);
    assert_null(s->evidence_id);

    s = &h->services[2]; /* noise: not identified, but what it said is kept, bounded */
    assert_string_equal(s->method, "port");
    assert_non_null(s->evidence_id);
    for (size_t i = 0; i < r->n_evidence; i++)
        if (strcmp(r->evidence[i]->id, s->evidence_id) == 0)
            assert_true(r->evidence[i]->len <= 1000);

    s = &h->services[3];
    assert_null(s->name);
    assert_null(s->evidence_id);

    scan_result_free(r);
    for (int i = 0; i < 3; i++)
        listener_stop(&ls[i]);
}

/* SMTP: after the banner, EHLO shows whether STARTTLS is offered; both answers are evidence. */
static void engine_smtp_ehlo(void **state)
{
    (void)state;
    static const unsigned char banner[] = "220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n";
    struct listener l = {.payload = banner, .len = sizeof banner - 1, .repeat = 1,
                         .reply = "250-mail.example.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
                                  "250 8BITMIME\r\n"};
    listener_start(&l);
    struct scan_result *r = scan_result_new();
    struct host *h = scan_add_host(r, &(struct rm_addr){0});
    assert_int_equal(addr_parse("127.0.0.1", &h->addr), 0);
    host_add_service(h, l.port, PORT_OPEN, NULL, "syn-ack", 0.1);
    struct detect_opts o = {.timeout_ms = 1000};
    struct rm_err e = {{0}};
    assert_int_equal(detect_services(r, &o, &e), 0);
    struct service *s = &h->services[0];
    assert_string_equal(s->name, "smtp");
    assert_string_equal(s->product, "Postfix smtpd");
    assert_string_equal(s->info, "Debian/GNU; STARTTLS offered");
    assert_int_equal(r->n_evidence, 1);
    assert_non_null(memmem(r->evidence[0]->data, r->evidence[0]->len, "250 8BITMIME", 12));
    scan_result_free(r);
    listener_stop(&l);
}

/* Servers that make a scanner wait, on 2121 (a port whose server speaks first) with a 1 s
 * timeout: a greeting after 1.5 s (inside the 2 x timeout banner wait) and one trickled in
 * 5-byte pieces every 200 ms (each gap longer than the 100 ms quiet gap that ends a read).
 * Both must be read whole and named; in-process stand-ins for tests/lab/tarpit.py, which
 * test_parity.sh runs against, so that this holds without root too. */
static void engine_slow_and_trickled_banners(void **state)
{
    (void)state;
    static const unsigned char ftp[] = "220 (vsFTPd 3.0.3)\r\n";
    struct listener late = {.payload = ftp, .len = sizeof ftp - 1, .repeat = 1, .delay_ms = 1500};
    struct listener drip = {.payload = ftp, .len = sizeof ftp - 1, .chunk = 5, .interval_ms = 200};
    if (!listener_start_at(&late, "127.0.70.62", 2121))
        skip();
    if (!listener_start_at(&drip, "127.0.70.63", 2121)) {
        listener_stop(&late);
        skip();
    }
    struct scan_result *r = scan_result_new();
    const char *addrs[] = {"127.0.70.62", "127.0.70.63"};
    struct host *hs[2];
    for (int i = 0; i < 2; i++) {
        hs[i] = scan_add_host(r, &(struct rm_addr){0});
        assert_int_equal(addr_parse(addrs[i], &hs[i]->addr), 0);
        host_add_service(hs[i], 2121, PORT_OPEN, "ftp", "syn-ack", 0.1);
    }
    struct detect_opts o = {.timeout_ms = 1000};
    struct rm_err e = {{0}};
    double t0 = now_ms();
    assert_int_equal(detect_services(r, &o, &e), 0);
    assert_true(now_ms() - t0 < 2500); /* in parallel, each within its banner wait */
    for (int i = 0; i < 2; i++) {
        struct service *s = &hs[i]->services[0];
        if (!s->product || strcmp(s->product, "vsftpd") != 0)
            fail_msg("%s:2121: product %s (%s)", addrs[i], s->product ? s->product : "(none)",
                     s->detect_note ? s->detect_note : "");
        assert_string_equal(s->version, "3.0.3");
        assert_string_equal(s->method, "banner");
    }
    assert_int_equal(r->n_evidence, 2);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(r->evidence[i]->len, sizeof ftp - 1);
    scan_result_free(r);
    listener_stop(&late);
    listener_stop(&drip);
}

/* Telnet: options refused, the greeting read after them, IAC stripped before matching. HTTP:
 * title and redirect in info. VNC: version and the security types offered. */
static void engine_telnet_and_http(void **state)
{
    (void)state;
    static const unsigned char iac[] = "\xff\xfd\x18\xff\xfd\x20\xff\xfb\x01";
    struct listener tl = {.payload = iac, .len = sizeof iac - 1, .repeat = 1,
                          .reply = "\r\nDebian GNU/Linux 12\r\nlab login: "};
    struct listener hl = {.payload = NULL,
                          .reply = "HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: /login\r\n"
                                   "\r\n<title>Admin</title>"};
    static const unsigned char rfb[] = "RFB 003.008\n";
    struct listener vl = {.payload = rfb, .len = 12, .repeat = 1, .reply = "\x02\x01\x02",
                          .reply_len = 3};
    listener_start(&tl);
    listener_start(&hl);
    listener_start(&vl);
    struct scan_result *r = scan_result_new();
    struct host *h = scan_add_host(r, &(struct rm_addr){0});
    assert_int_equal(addr_parse("127.0.0.1", &h->addr), 0);
    host_add_service(h, tl.port, PORT_OPEN, NULL, "syn-ack", 0.1);
    host_add_service(h, hl.port, PORT_OPEN, NULL, "syn-ack", 0.1);
    host_add_service(h, vl.port, PORT_OPEN, NULL, "syn-ack", 0.1);
    struct detect_opts o = {.timeout_ms = 600};
    struct rm_err e = {{0}};
    assert_int_equal(detect_services(r, &o, &e), 0);
    struct service *s = &h->services[0];
    assert_string_equal(s->name, "telnet");
    assert_string_equal(s->info, "Debian GNU/Linux 12; IAC negotiation seen");
    s = &h->services[1];
    assert_string_equal(s->name, "http");
    assert_string_equal(s->product, "nginx");
    assert_string_equal(s->info, "title: Admin; redirect: /login");
    s = &h->services[2];
    assert_string_equal(s->name, "vnc");
    assert_string_equal(s->product, "VNC");
    assert_null(s->version);
    assert_string_equal(s->info, "protocol 3.8; security: None, VNC Authentication");
    scan_result_free(r);
    listener_stop(&tl);
    listener_stop(&hl);
    listener_stop(&vl);
}

/* An RDP server with CredSSP that refuses TLS alone ("NLA required"): answers each X.224
 * Connection Request after its requestedProtocols. Built after MS-RDPBCGR 2.2.1.2, not captured
 * (xrdp has no CredSSP). Port 3389 is where the engine sends its RDP probe, so this needs a
 * loopback address free on 3389. */
struct rdp_srv {
    int fd;
    volatile int stop;
    pthread_t tid;
};

static void *rdp_serve(void *arg)
{
    struct rdp_srv *sv = arg;
    double end = now_ms() + 20000;
    while (!sv->stop && now_ms() < end) {
        struct pollfd p = {.fd = sv->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(sv->fd, NULL, NULL);
        if (c < 0)
            continue;
        unsigned char req[64];
        size_t n = 0;
        while (n < 19 && now_ms() < end) {
            struct pollfd q = {.fd = c, .events = POLLIN};
            if (poll(&q, 1, 50) <= 0)
                continue;
            ssize_t got = recv(c, req + n, sizeof req - n, 0);
            if (got <= 0)
                break;
            n += (size_t)got;
        }
        unsigned char cc[19] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34,
                                0x00, 0x02, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00};
        if (n >= 19 && !(req[15] & RDP_PROTO_HYBRID)) {
            cc[11] = 0x03; /* RDP_NEG_FAILURE: HYBRID_REQUIRED_BY_SERVER */
            cc[15] = 0x05;
        }
        if (n >= 19)
            send(c, cc, sizeof cc, MSG_NOSIGNAL);
        close(c);
    }
    return NULL;
}

static void engine_rdp_nla_required(void **state)
{
    (void)state;
    struct rdp_srv sv = {.fd = socket(AF_INET, SOCK_STREAM, 0)};
    assert_true(sv.fd >= 0);
    int one = 1;
    setsockopt(sv.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(3389),
                            .sin_addr.s_addr = htonl(0x7f001a3d)}; /* 127.0.26.61 */
    if (bind(sv.fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(sv.fd, 8) < 0) {
        close(sv.fd);
        skip(); /* 3389 needs root, or is taken on that address */
    }
    assert_int_equal(pthread_create(&sv.tid, NULL, rdp_serve, &sv), 0);
    struct scan_result *r = scan_result_new();
    struct host *h = scan_add_host(r, &(struct rm_addr){0});
    assert_int_equal(addr_parse("127.0.26.61", &h->addr), 0);
    host_add_service(h, 3389, PORT_OPEN, "ms-wbt-server", "syn-ack", 0.1);
    struct detect_opts o = {.timeout_ms = 1000};
    struct rm_err e = {{0}};
    assert_int_equal(detect_services(r, &o, &e), 0);
    struct service *s = &h->services[0];
    assert_string_equal(s->name, "ms-wbt-server");
    assert_string_equal(s->method, "probe:rdp");
    assert_string_equal(s->info, "RDP; NLA required");
    /* Evidence: both Connection Confirms, then the one this server (which names no product)
     * sends to the bare ClientHello too, one after the other. */
    assert_int_equal(r->n_evidence, 1);
    assert_int_equal(r->evidence[0]->len, 57);
    assert_null(s->product);
    scan_result_free(r);
    sv.stop = 1;
    pthread_join(sv.tid, NULL);
    close(sv.fd);
}

static void engine_honours_cancel(void **state)
{
    (void)state;
    struct listener l = {.payload = NULL};
    listener_start(&l);
    struct scan_result *r = scan_result_new();
    struct host *h = scan_add_host(r, &(struct rm_addr){0});
    assert_int_equal(addr_parse("127.0.0.1", &h->addr), 0);
    for (int i = 0; i < 20; i++)
        host_add_service(h, l.port, PORT_OPEN, NULL, "syn-ack", 0.1);
    atomic_int cancel = 1;
    struct detect_opts o = {.timeout_ms = 5000, .max_concurrency = 2, .cancel = &cancel};
    struct rm_err e = {{0}};
    double t0 = now_ms();
    assert_int_equal(detect_services(r, &o, &e), 0);
    assert_true(now_ms() - t0 < 1000);
    scan_result_free(r);
    listener_stop(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_table_loads),
        cmocka_unit_test(captured_responses_identify),
        cmocka_unit_test(generic_fallbacks),
        cmocka_unit_test(malformed_files_name_file_and_line),
        cmocka_unit_test(templates_are_sanitised),
        cmocka_unit_test(hostile_responses_are_bounded),
        cmocka_unit_test(plans_follow_the_port),
        cmocka_unit_test(engine_identifies_and_bounds),
        cmocka_unit_test(engine_smtp_ehlo),
        cmocka_unit_test(engine_slow_and_trickled_banners),
        cmocka_unit_test(engine_honours_cancel),
        cmocka_unit_test(smb_negotiate_parsed),
        cmocka_unit_test(smb_requests_are_well_formed),
        cmocka_unit_test(smb_ntlm_challenge_parsed),
        cmocka_unit_test(rdp_confirm_parsed),
        cmocka_unit_test(telnet_vnc_http_details),
        cmocka_unit_test(engine_telnet_and_http),
        cmocka_unit_test(engine_rdp_nla_required),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
