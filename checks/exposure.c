/* exposure: open services a small business should not expose — cleartext remote administration
 * (Telnet, rlogin/rsh, FTP, VNC without a password, HTTP consoles without TLS), databases and
 * caches reachable from the network, mail without STARTTLS, and ports outside an allow-list.
 *
 * Most judgements read what service detection already recorded (name, product, info and the
 * evidence bytes), UDP services included (SNMP, DNS: scanner/udpprobe.h). SMB is judged from detection's evidence, its answers to an SMB2 NEGOTIATE
 * (signing required or not) and to an SMB1 NEGOTIATE (SMB1 accepted or not), parsed with
 * scanner/probe_proto.h; RDP findings carry whether detection saw NLA required. Two need a conversation of their own, each one connection with a deadline of
 * ctx->timeout_ms and at most EXPO_MAX_READ bytes read, recorded as new evidence:
 *   - FTP: the banner, then FEAT (read-only) to see whether AUTH TLS is offered; with
 *     ctx->intrusive, USER anonymous / PASS riskmap@ then QUIT (a log-in: intrusive).
 *   - VNC: the RFB version, the same version sent back, the list of security types (the
 *     conversation ends before any authentication).
 * Each conversation is kept as one text evidence item, a transcript with "C: " (sent) and "S: "
 * (received) lines; a CR right before an LF is left out, other bytes outside printable ASCII
 * (and the backslash) are written as \xNN: what was exchanged reads back from it, line ends
 * aside.
 * Both talk only to services that detection identified by their own answer: a scan run with
 * --no-service-detection sends nothing beyond the port scan's connect from this module either.
 * Nothing here writes, configures or stores anything on the target.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "scanner/probe_proto.h"

#define EXPO_MAX_READ 4096 /* bytes read per conversation, at most */

enum {
    K_TELNET,
    K_RLOGIN,
    K_RSH,
    K_FTP_CLEAR,
    K_FTP_ANON,
    K_VNC_NOAUTH,
    K_RDP,
    K_DB,
    K_REDIS,
    K_MEMCACHED,
    K_HTTP_ADMIN,
    K_SMTP_NOTLS,
    K_UNEXPECTED,
    K_SMB_V1,
    K_SMB_SIGNING,
    K_MONGO_NOAUTH,
    K_SNMP_PUBLIC,
    K_LDAP_ANON_READ,
    K_LDAP_ROOTDSE,
    K_DNS_VERSION,
};

static const struct finding_kind exposure_kinds[] = {
    [K_TELNET] = {.id = "svc.telnet.open", .severity = SEV_HIGH,
                  .summary = "Telnet is open: remote administration with passwords in cleartext"},
    [K_RLOGIN] = {.id = "svc.rlogin.open", .severity = SEV_HIGH,
                  .summary = "rlogin (TCP 513) is open: cleartext, address-trusting remote login"},
    [K_RSH] = {.id = "svc.rsh.open", .severity = SEV_HIGH,
               .summary = "rsh (TCP 514) is open: cleartext, address-trusting remote commands"},
    [K_FTP_CLEAR] = {.id = "svc.ftp.cleartext", .severity = SEV_MEDIUM,
                     .summary = "FTP without AUTH TLS: passwords and files cross the network in cleartext"},
    [K_FTP_ANON] = {.id = "svc.ftp.anonymous", .severity = SEV_HIGH, .intrusive = true,
                    .summary = "FTP accepts an anonymous log-in (found by logging in)"},
    [K_VNC_NOAUTH] = {.id = "svc.vnc.noauth", .severity = SEV_CRITICAL,
                      .summary = "VNC offers the security type None: the screen is open to anyone"},
    [K_RDP] = {.id = "svc.rdp.exposed", .severity = SEV_MEDIUM,
               .summary = "Remote Desktop (RDP) is reachable: a favourite entry point of ransomware"},
    [K_DB] = {.id = "svc.db.exposed", .severity = SEV_MEDIUM,
              .summary = "A database server (MySQL/MariaDB, PostgreSQL, MS SQL, MongoDB) is reachable"},
    [K_REDIS] = {.id = "svc.redis.noauth", .severity = SEV_CRITICAL,
                 .summary = "Redis answers commands without authentication"},
    [K_MEMCACHED] = {.id = "svc.memcached.exposed", .severity = SEV_HIGH,
                     .summary = "memcached answers without authentication"},
    [K_HTTP_ADMIN] = {.id = "svc.http.admin-cleartext", .severity = SEV_MEDIUM,
                      .summary = "An HTTP administration console without TLS (admin port, title or realm)"},
    [K_SMTP_NOTLS] = {.id = "svc.smtp.no-starttls", .severity = SEV_LOW,
                      .summary = "SMTP does not offer STARTTLS: mail and log-ins cross in cleartext"},
    [K_UNEXPECTED] = {.id = "svc.port.unexpected", .severity = SEV_MEDIUM,
                      .summary = "An open port outside the allow-list (--allowed-ports)"},
    [K_SMB_V1] = {.id = "svc.smb.v1", .severity = SEV_HIGH,
                  .summary = "SMB server accepts SMB1 (NT LM 0.12): the protocol of EternalBlue and WannaCry"},
    [K_SMB_SIGNING] = {.id = "svc.smb.signing-off", .severity = SEV_MEDIUM,
                       .summary = "SMB signing is not required: sessions can be relayed or tampered with"},
    [K_MONGO_NOAUTH] = {.id = "svc.mongodb.noauth", .severity = SEV_CRITICAL,
                        .summary = "MongoDB lists its databases without authentication"},
    [K_SNMP_PUBLIC] = {.id = "svc.snmp.default-community", .severity = SEV_HIGH,
                       .summary = "SNMP answers the default community \"public\" (UDP 161)"},
    [K_LDAP_ANON_READ] = {.id = "svc.ldap.anonymous-read", .severity = SEV_LOW,
                          .summary = "LDAP lets anonymous clients read the directory's entries"},
    [K_LDAP_ROOTDSE] = {.id = "svc.ldap.rootdse", .severity = SEV_INFO,
                        .summary = "LDAP root DSE readable without a bind (naming contexts, versions)"},
    [K_DNS_VERSION] = {.id = "svc.dns.version-disclosed", .severity = SEV_LOW,
                       .summary = "DNS server discloses its software and version (version.bind)"},
};

extern const struct check check_exposure;

/* ---- small helpers --------------------------------------------------------------------- */

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool has(const unsigned char *d, size_t n, const char *s)
{
    size_t l = strlen(s);
    for (size_t i = 0; l <= n && i <= n - l; i++)
        if (memcmp(d + i, s, l) == 0)
            return true;
    return false;
}

static bool has_ci(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

/* The evidence item the service's identification rests on, or NULL. Borrowed. */
static const struct evidence *svc_evidence(const struct check_ctx *ctx, const struct service *svc)
{
    if (!svc->evidence_id)
        return NULL;
    for (size_t i = 0; i < ctx->result->n_evidence; i++)
        if (strcmp(ctx->result->evidence[i]->id, svc->evidence_id) == 0)
            return ctx->result->evidence[i];
    return NULL;
}

/* Detection spoke with the port and named it (not only the port-number guess). */
static bool detected(const struct service *svc)
{
    return svc->method && strcmp(svc->method, "port") != 0;
}

/* A finding of kind k about svc with the common facts (port, protocol, service, product,
 * version) and the detection evidence; NULL on allocation failure. */
static struct finding *emit(struct check_ctx *ctx, int k, const struct host *host,
                            const struct service *svc, const char *title, const char *detail)
{
    struct finding *f = check_emit(ctx, &check_exposure, &exposure_kinds[k], host, svc->port, title);
    if (!f)
        return NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)svc->port);
    if ((svc->proto == SVC_UDP && finding_set_protocol(f, "udp") < 0) ||
        finding_set_detail(f, detail) < 0 || finding_add_fact(f, "port", port) < 0 ||
        finding_add_fact(f, "protocol", svc_proto_name(svc->proto)) < 0 ||
        finding_add_fact(f, "service", svc->name ? svc->name : "unknown") < 0)
        return NULL;
    if (svc->product && finding_add_fact(f, "product", svc->product) < 0)
        return NULL;
    if (svc->version && finding_add_fact(f, "version", svc->version) < 0)
        return NULL;
    /* How sure: "port" means the service was only guessed from the port number. */
    if (finding_add_fact(f, "identified_by", svc->method ? svc->method : "port") < 0)
        return NULL;
    if (svc->evidence_id && finding_add_evidence_id(f, svc->evidence_id) < 0)
        return NULL;
    return f;
}

/* ---- a bounded conversation ------------------------------------------------------------ */

struct talk {
    int fd;
    char ev_id[16]; /* the transcript's evidence id once stored, "" before */
    double deadline;
    atomic_int *cancel;
    unsigned char in[EXPO_MAX_READ]; /* everything read, in order */
    size_t n_in;
    char log[2 * EXPO_MAX_READ + 512]; /* transcript kept as evidence: "S: ..." / "C: ..." */
    size_t n_log;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* 1 ready, 0 deadline passed or cancelled, -1 error; waits in slices to see cancellation. */
static int talk_wait(struct talk *t, short events)
{
    for (;;) {
        if (t->cancel && *t->cancel)
            return 0;
        double left = t->deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = t->fd, .events = events};
        int n = poll(&p, 1, left > 100 ? 100 : (int)left + 1);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* Appends bytes to the transcript, each line prefixed with who said it (see the top of the
 * file for the escaping). Truncated silently at the transcript's bound. */
static void talk_log(struct talk *t, char who, const unsigned char *d, size_t n)
{
    bool bol = true;
    for (size_t i = 0; i < n; i++) {
        char tmp[8];
        int w;
        if (bol) {
            w = snprintf(tmp, sizeof tmp, "%c: ", who);
            bol = false;
            if (t->n_log + (size_t)w >= sizeof t->log)
                return;
            memcpy(t->log + t->n_log, tmp, (size_t)w);
            t->n_log += (size_t)w;
        }
        unsigned char c = d[i];
        if (c == '\n') {
            w = 1, tmp[0] = '\n';
            bol = true;
        } else if (c == '\r' && i + 1 < n && d[i + 1] == '\n') {
            continue;
        } else if (c >= 0x20 && c < 0x7f && c != '\\') {
            w = 1, tmp[0] = (char)c;
        } else {
            w = snprintf(tmp, sizeof tmp, "\\x%02x", c);
        }
        if (t->n_log + (size_t)w >= sizeof t->log)
            return;
        memcpy(t->log + t->n_log, tmp, (size_t)w);
        t->n_log += (size_t)w;
    }
    if (!bol && t->n_log + 1 < sizeof t->log)
        t->log[t->n_log++] = '\n';
}

static int talk_open(struct talk *t, const struct check_ctx *ctx, const struct host *host,
                     uint16_t port)
{
    t->n_in = t->n_log = 0;
    t->ev_id[0] = '\0';
    t->cancel = ctx->cancel;
    t->deadline = now_ms() + (ctx->timeout_ms > 0 ? ctx->timeout_ms : 3000);
    struct sockaddr_storage ss;
    socklen_t sl = addr_sockaddr(&host->addr, port, &ss);
    t->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0)
        return -1;
    if (connect(t->fd, (struct sockaddr *)&ss, sl) == 0)
        return 0;
    int err = 0;
    socklen_t el = sizeof err;
    if (errno == EINPROGRESS && talk_wait(t, POLLOUT) == 1 &&
        getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
        return 0;
    close(t->fd);
    t->fd = -1;
    return -1;
}

static void talk_close(struct talk *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

static int talk_send(struct talk *t, const void *d, size_t n)
{
    talk_log(t, 'C', d, n);
    const unsigned char *p = d;
    while (n > 0) {
        ssize_t w = send(t->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (talk_wait(t, POLLOUT) != 1)
                return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

/* Reads until done(t->in + from, len, want) says the answer is complete, the peer closes, the
 * deadline passes or the read bound is reached. Returns the bytes of this answer (0: none). */
static size_t talk_recv(struct talk *t, bool (*done)(const unsigned char *, size_t, size_t),
                        size_t want)
{
    size_t from = t->n_in;
    while (t->n_in < sizeof t->in) {
        if (t->n_in > from && done(t->in + from, t->n_in - from, want))
            break;
        ssize_t r = recv(t->fd, t->in + t->n_in, sizeof t->in - t->n_in, 0);
        if (r > 0) {
            t->n_in += (size_t)r;
            continue;
        }
        if (r == 0)
            break;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (talk_wait(t, POLLIN) != 1)
                break;
            continue;
        }
        break;
    }
    talk_log(t, 'S', t->in + from, t->n_in - from);
    return t->n_in - from;
}

/* Keeps the transcript as evidence (once per conversation) and names it on f. 0 or -1
 * (allocation). */
static int talk_evidence(struct check_ctx *ctx, struct talk *t, struct finding *f,
                         const char *what, const struct host *host, uint16_t port)
{
    if (!t->ev_id[0]) {
        char addr[RM_ADDRSTRLEN], desc[160];
        addr_str(&host->addr, addr, sizeof addr);
        snprintf(desc, sizeof desc, "exposure check: %s with %s port %u", what, addr,
                 (unsigned)port);
        struct evidence *ev = scan_add_evidence(ctx->result, "text/plain", desc, t->log, t->n_log);
        if (!ev)
            return -1;
        snprintf(t->ev_id, sizeof t->ev_id, "%s", ev->id);
    }
    return finding_add_evidence_id(f, t->ev_id);
}

/* ---- FTP ------------------------------------------------------------------------------- */

/* A complete FTP reply: its last complete line is "DDD " (the final line of a multi-line
 * reply, or a single line). */
static bool ftp_done(const unsigned char *d, size_t n, size_t want)
{
    (void)want;
    if (n < 2 || d[n - 1] != '\n')
        return false;
    size_t start = n - 1;
    while (start > 0 && d[start - 1] != '\n')
        start--;
    return n - start >= 4 && d[start] >= '0' && d[start] <= '9' && d[start + 1] >= '0' &&
           d[start + 1] <= '9' && d[start + 2] >= '0' && d[start + 2] <= '9' && d[start + 3] == ' ';
}

/* The reply code of the answer that starts at d (its first three digits), or 0. */
static int ftp_code(const unsigned char *d, size_t n)
{
    if (n < 3)
        return 0;
    for (int i = 0; i < 3; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

static int ftp_cmd(struct talk *t, const char *cmd)
{
    char line[64];
    int n = snprintf(line, sizeof line, "%s\r\n", cmd);
    if (talk_send(t, line, (size_t)n) < 0)
        return 0;
    size_t from = t->n_in;
    size_t got = talk_recv(t, ftp_done, 0);
    return ftp_code(t->in + from, got);
}

#define FAIL_OOM() rm_errf(e, "exposure: out of memory")

static int check_ftp(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                     struct rm_err *e)
{
    struct talk *t = malloc(sizeof *t);
    if (!t)
        return FAIL_OOM();
    int rc = 0;
    if (talk_open(t, ctx, host, svc->port) < 0)
        goto out; /* closed since the scan, or silent: nothing to judge */
    size_t got = talk_recv(t, ftp_done, 0);
    if (ftp_code(t->in, got) != 220) /* not an FTP server ready for us */
        goto out;

    /* FEAT (RFC 2389) lists AUTH TLS (RFC 4217) when the server can encrypt. A server
     * without FEAT (500/502) offers no extension at all. */
    size_t feat_from = t->n_in;
    int feat = ftp_cmd(t, "FEAT");
    size_t feat_len = t->n_in - feat_from;
    bool auth_tls = feat == 211 && (has(t->in + feat_from, feat_len, " AUTH TLS") ||
                                    has(t->in + feat_from, feat_len, " AUTH SSL"));
    int anon = 0;
    if (ctx->intrusive && feat != 0) {
        /* A log-in is a change of state on the target (a session, a log line): --intrusive. */
        int user = ftp_cmd(t, "USER anonymous");
        if (user == 230)
            anon = 230; /* no password asked at all */
        else if (user == 331)
            anon = ftp_cmd(t, "PASS riskmap@");
    }
    if (feat != 0)
        ftp_cmd(t, "QUIT");
    talk_close(t);
    if (feat == 0)
        goto out; /* no answer to FEAT in time: cannot tell */

    char title[160], detail[512];
    const char *ftp_what = anon ? "FTP banner, FEAT and anonymous log-in (--intrusive)"
                                : "FTP banner and FEAT";
    if (!auth_tls) {
        snprintf(title, sizeof title, "FTP without encryption (port %u)", (unsigned)svc->port);
        snprintf(detail, sizeof detail,
                 "This FTP server does not offer AUTH TLS, so every password and file sent to it "
                 "can be read by anyone on the network path. Replace it with SFTP or enable "
                 "FTPS (AUTH TLS) and refuse cleartext log-ins.");
        struct finding *f = emit(ctx, K_FTP_CLEAR, host, svc, title, detail);
        if (!f || finding_add_fact(f, "auth_tls", "not offered") < 0 ||
            finding_add_fact(f, "feat_reply", feat == 211 ? "211" : feat >= 500 ? "not supported" : "other") < 0 ||
            talk_evidence(ctx, t, f, ftp_what, host, svc->port) < 0) {
            rc = FAIL_OOM();
            goto out;
        }
        finding_fingerprint(f);
    }
    if (anon == 230) {
        snprintf(title, sizeof title, "Anonymous FTP log-in accepted (port %u)", (unsigned)svc->port);
        snprintf(detail, sizeof detail,
                 "Anyone can log in to this FTP server as \"anonymous\" without a password and "
                 "read whatever it publishes. Disable anonymous access unless the server is a "
                 "deliberate public download site holding nothing confidential.");
        struct finding *f = emit(ctx, K_FTP_ANON, host, svc, title, detail);
        if (!f || finding_add_fact(f, "user", "anonymous") < 0 ||
            finding_add_fact(f, "reply", "230") < 0 ||
            talk_evidence(ctx, t, f, ftp_what, host, svc->port) < 0) {
            rc = FAIL_OOM();
            goto out;
        }
        finding_fingerprint(f);
    }
out:
    talk_close(t);
    free(t);
    return rc;
}

/* ---- VNC (RFB) ------------------------------------------------------------------------- */

/* Fixed-size answers: complete once `want` bytes are in. */
static bool rfb_done(const unsigned char *d, size_t n, size_t want)
{
    (void)d;
    return n >= want;
}


static const char *rfb_type_name(unsigned t)
{
    switch (t) {
    case 1:
        return "None";
    case 2:
        return "VNC Authentication";
    case 5:
        return "RA2";
    case 6:
        return "RA2ne";
    case 16:
        return "Tight";
    case 18:
        return "TLS";
    case 19:
        return "VeNCrypt";
    case 30:
        return "Apple Remote Desktop";
    default:
        return "other";
    }
}

static int check_vnc(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                     struct rm_err *e)
{
    struct talk *t = malloc(sizeof *t);
    if (!t)
        return FAIL_OOM();
    int rc = 0;
    if (talk_open(t, ctx, host, svc->port) < 0)
        goto out;
    if (talk_recv(t, rfb_done, 12) < 12 || memcmp(t->in, "RFB ", 4) != 0 || t->in[11] != '\n')
        goto out;
    unsigned major = 0, minor = 0;
    if (sscanf((const char *)t->in + 4, "%3u.%3u", &major, &minor) != 2)
        goto out;
    /* The client answers with the highest version it speaks that the server offers; 3.8,
     * 3.7 and 3.3 are the ones the RFB specification defines. */
    const char *reply = major > 3 || (major == 3 && minor >= 8) ? "RFB 003.008\n"
                        : minor == 7                           ? "RFB 003.007\n"
                                                               : "RFB 003.003\n";
    if (talk_send(t, reply, 12) < 0)
        goto out;
    unsigned types[64];
    size_t n_types = 0;
    size_t from = t->n_in;
    if (reply[10] == '3') {
        /* 3.3: the server chooses, as a 32-bit type (0 = failure). */
        if (talk_recv(t, rfb_done, 4) < 4)
            goto out;
        const unsigned char *p = t->in + from;
        types[n_types++] = (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
    } else {
        /* 3.7 and 3.8: a count, then that many one-byte types (count 0 = failure + reason). */
        if (talk_recv(t, rfb_done, 1) < 1)
            goto out;
        unsigned count = t->in[from];
        if (count && t->n_in - from < 1 + (size_t)count)
            talk_recv(t, rfb_done, 1 + (size_t)count - (t->n_in - from));
        if (t->n_in - from < 1 + (size_t)count)
            goto out;
        for (unsigned i = 0; i < count && n_types < 64; i++)
            types[n_types++] = t->in[from + 1 + i];
    }
    talk_close(t);

    bool none = false;
    char list[512] = "";
    size_t ll = 0;
    for (size_t i = 0; i < n_types; i++) {
        if (types[i] == 1)
            none = true;
        int w = snprintf(list + ll, sizeof list - ll, "%s%u (%s)", i ? ", " : "", types[i],
                         rfb_type_name(types[i]));
        if (w < 0 || (size_t)w >= sizeof list - ll)
            break;
        ll += (size_t)w;
    }
    if (!none)
        goto out;
    /* The transcript is text; add what the type bytes mean. */
    int w = snprintf(t->log + t->n_log, sizeof t->log - t->n_log, "# security types: %s\n", list);
    if (w > 0 && (size_t)w < sizeof t->log - t->n_log)
        t->n_log += (size_t)w;
    char title[160], detail[512], ver[16];
    snprintf(title, sizeof title, "VNC without a password (port %u)", (unsigned)svc->port);
    snprintf(detail, sizeof detail,
             "This VNC server lets anyone who can reach it see and control the desktop without "
             "a password (RFB security type None). Require authentication, and reach remote "
             "desktops only through a VPN.");
    snprintf(ver, sizeof ver, "%u.%u", major, minor);
    struct finding *f = emit(ctx, K_VNC_NOAUTH, host, svc, title, detail);
    if (!f || finding_add_fact(f, "rfb_version", ver) < 0 ||
        finding_add_fact(f, "security_types", list) < 0 ||
        talk_evidence(ctx, t, f, "RFB handshake up to the security types", host, svc->port) < 0) {
        rc = FAIL_OOM();
        goto out;
    }
    finding_fingerprint(f);
out:
    talk_close(t);
    free(t);
    return rc;
}

/* ---- HTTP consoles ----------------------------------------------------------------------- */

/* Ports where web administration consoles customarily listen (Tomcat/Jenkins 8080/8081,
 * development servers 8000/8888, Webmin 10000, Cockpit 9090, cPanel/WHM 2082/2086). */
static const uint16_t admin_ports[] = {8080, 8000, 8888, 10000, 9090, 2082, 2086, 8081, 0};

static const char *const console_words[] = {
    "admin", "console", "login", "log in", "sign in", "management", "manager", "dashboard",
    "control panel", "configuration", "router", "webmin", "cpanel", "whm", "phpmyadmin",
    "jenkins", "tomcat", "grafana", "kibana", "portainer", "cockpit", "setup", NULL,
};

/* Copies the text between an opening marker (case-insensitive) and a closing character set,
 * printable ASCII only, trimmed, bounded. Returns out, or NULL when absent. */
static char *extract(const struct evidence *ev, const char *open, const char *close, char *out,
                     size_t cap)
{
    const unsigned char *d = ev->data;
    size_t n = ev->len, ol = strlen(open);
    for (size_t i = 0; ol <= n && i <= n - ol; i++) {
        if (strncasecmp((const char *)d + i, open, ol) != 0)
            continue;
        size_t j = i + ol, k = 0;
        while (j < n && d[j] == ' ')
            j++;
        for (; j < n && !strchr(close, d[j]) && k + 1 < cap; j++)
            if (d[j] >= 0x20 && d[j] < 0x7f)
                out[k++] = (char)d[j];
        while (k > 0 && out[k - 1] == ' ')
            k--;
        out[k] = '\0';
        return out;
    }
    return NULL;
}

static bool console_text(const char *s)
{
    for (size_t i = 0; s && console_words[i]; i++)
        if (has_ci(s, console_words[i]))
            return true;
    return false;
}

static int check_http(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                      struct rm_err *e)
{
    const struct evidence *ev = svc_evidence(ctx, svc);
    char title_buf[128], realm_buf[128];
    const char *page_title = NULL, *realm = NULL;
    if (ev && ev->len > 0) {
        /* Only the response's own headers and body: detection keeps the first 4 KiB. */
        page_title = extract(ev, "<title>", "<\r\n", title_buf, sizeof title_buf);
        if (page_title && !page_title[0])
            page_title = NULL;
        char www[200];
        if (extract(ev, "\nWWW-Authenticate:", "\r\n", www, sizeof www)) {
            const char *r = strcasestr(www, "realm=\"");
            if (r) {
                snprintf(realm_buf, sizeof realm_buf, "%s", r + 7);
                char *q = strchr(realm_buf, '"');
                if (q)
                    *q = '\0';
                realm = realm_buf;
            } else {
                realm = "";
            }
        }
    }
    /* A server that only sends visitors on to HTTPS serves no console in cleartext. */
    char loc[16];
    if (ev && ev->len > 12 && memcmp(ev->data, "HTTP/1.", 7) == 0 && ev->data[9] == '3' &&
        extract(ev, "\nLocation:", "\r\n", loc, sizeof loc) && strncasecmp(loc, "https://", 8) == 0)
        return 0;
    const char *reason = NULL;
    bool on_admin_port = false;
    for (const uint16_t *p = admin_ports; *p; p++)
        on_admin_port |= *p == svc->port;
    if (realm)
        reason = "password prompt (HTTP authentication) without TLS";
    else if (console_text(page_title))
        reason = "page title names a console or log-in";
    else if (on_admin_port)
        reason = "port customarily used by administration consoles";
    if (!reason)
        return 0;

    char title[200], detail[512];
    snprintf(title, sizeof title, "Web console without encryption (port %u%s%s%s)",
             (unsigned)svc->port, page_title ? ", \"" : "", page_title ? page_title : "",
             page_title ? "\"" : "");
    snprintf(detail, sizeof detail,
             "A web service that looks like an administration console (%s) is served over plain "
             "HTTP, so the passwords typed into it can be captured on the network. Serve it over "
             "HTTPS only and restrict who can reach it.", reason);
    struct finding *f = emit(ctx, K_HTTP_ADMIN, host, svc, title, detail);
    if (!f || finding_add_fact(f, "reason", reason) < 0 ||
        (page_title && finding_add_fact(f, "page_title", page_title) < 0) ||
        (realm && finding_add_fact(f, "realm", realm) < 0))
        return FAIL_OOM();
    finding_fingerprint(f);
    return 0;
}

/* ---- the rest: judged from what detection recorded ---------------------------------------- */

static int simple(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                  int kind, const char *what, const char *detail, const char *k1,
                  const char *v1, const char *key_fact, struct rm_err *e)
{
    char title[200];
    snprintf(title, sizeof title, "%s (%sport %u)", what, svc->proto == SVC_UDP ? "UDP " : "",
             (unsigned)svc->port);
    struct finding *f = emit(ctx, kind, host, svc, title, detail);
    if (!f || (k1 && v1 && finding_add_fact(f, k1, v1) < 0) ||
        (key_fact && finding_set_key_fact(f, key_fact) < 0))
        return FAIL_OOM();
    finding_fingerprint(f);
    return 0;
}

/* The database family a service name stands for, or NULL. */
static const char *db_family(const struct service *svc)
{
    static const char *const map[][2] = {
        {"mysql", "MySQL/MariaDB"}, {"postgresql", "PostgreSQL"}, {"ms-sql-s", "Microsoft SQL Server"},
        {"ms-sql", "Microsoft SQL Server"}, {"mssql", "Microsoft SQL Server"},
        {"mongod", "MongoDB"}, {"mongodb", "MongoDB"},
    };
    for (size_t i = 0; svc->name && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(svc->name, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* The text after `key` in info up to the next ';' (trimmed, bounded) into out; NULL if absent. */
static const char *info_field(const char *info, const char *key, char *out, size_t cap)
{
    const char *p = info ? strstr(info, key) : NULL;
    if (!p || cap == 0)
        return NULL;
    p += strlen(key);
    size_t k = 0;
    while (*p && *p != ';' && k + 1 < cap)
        out[k++] = *p++;
    out[k] = '\0';
    return out;
}

/* MongoDB: reachable is a database exposure; detection's listDatabases, answered without
 * credentials (info "authentication none"), is the data itself open to anyone. */
static int check_mongodb(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                         struct rm_err *e)
{
    if (simple(ctx, host, svc, K_DB, "Database server reachable",
               "A database accepts connections from this network, so its data is one "
               "stolen or weak password away from being copied. Let only the "
               "application servers that need it connect, through a firewall rule.",
               "database", "MongoDB", "database", e) < 0)
        return -1;
    if (!has_ci(svc->info, "authentication none"))
        return 0;
    return simple(ctx, host, svc, K_MONGO_NOAUTH, "MongoDB open without authentication",
                  "This MongoDB server lists its databases to anyone who connects, without a "
                  "user or password: every document in it can be read, changed or deleted (and "
                  "is routinely held to ransom). Enable authorization (security.authorization) "
                  "and let only the application servers connect.",
                  "authentication", "none", NULL, e);
}

/* SNMP: the UDP stage asked with the community "public"; an answer means it was accepted. */
static int check_snmp(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                      struct rm_err *e)
{
    char comm[64], vers[16];
    if (!info_field(svc->info, "community ", comm, sizeof comm) || strcmp(comm, "public") != 0)
        return 0;
    char title[200];
    snprintf(title, sizeof title, "SNMP default community \"public\" accepted (UDP port %u)",
             (unsigned)svc->port);
    struct finding *f = emit(ctx, K_SNMP_PUBLIC, host, svc, title,
                             "This device answers SNMP requests made with the factory-default "
                             "community \"public\", which works like a published password: "
                             "anyone on the network can read its configuration, interfaces, "
                             "routes and often the software it runs, and a read-write default "
                             "lets them change it. Change the community to a long secret, or "
                             "better, use SNMPv3 with authentication, and allow only the "
                             "monitoring server.");
    if (!f || finding_add_fact(f, "community", "public") < 0 ||
        (info_field(svc->info, "SNMP ", vers, sizeof vers) &&
         finding_add_fact(f, "snmp_versions", vers) < 0) ||
        finding_set_key_fact(f, "community") < 0)
        return FAIL_OOM();
    finding_fingerprint(f);
    return 0;
}

/* LDAP: detection searched the root DSE anonymously, then the first naming context. */
static int check_ldap(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                      struct rm_err *e)
{
    char naming[128], read[8], detail[640];
    bool ctxs = info_field(svc->info, "naming context ", naming, sizeof naming) && naming[0];
    if (ctxs && simple(ctx, host, svc, K_LDAP_ROOTDSE, "LDAP root DSE readable without a bind",
                       "The directory's root entry answers anonymous clients with its naming "
                       "contexts and supported versions. That is normal for LDAP and useful "
                       "to an attacker mapping the network; it is recorded for the inventory.",
                       "naming_context", naming, NULL, e) < 0)
        return -1;
    if (info_field(svc->info, "anonymous read ", read, sizeof read) && strcmp(read, "yes") == 0) {
        snprintf(detail, sizeof detail,
                 "Anyone who can reach this LDAP server can read the directory under %s without "
                 "logging in: user names, groups and whatever else it holds, the first step of "
                 "most password-guessing attacks. Require a bind for reads (e.g. \"olcRequires: "
                 "authc\" or an access rule \"by anonymous auth\").", ctxs ? naming : "its base");
        return simple(ctx, host, svc, K_LDAP_ANON_READ, "LDAP directory readable anonymously",
                      detail, "naming_context", ctxs ? naming : NULL, NULL, e);
    }
    return 0;
}

/* DNS: detection asked version.bind (CHAOS TXT); an answer names the server software. */
static int check_dns(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                     struct rm_err *e)
{
    char ver[128];
    if (!info_field(svc->info, "version.bind: ", ver, sizeof ver) || !ver[0])
        return 0;
    char detail[400];
    snprintf(detail, sizeof detail,
             "This DNS server tells anyone who asks for version.bind that it runs \"%s\", which "
             "lets an attacker pick the exploits for that exact version. Hide it (dnsmasq: "
             "--no-ident; BIND: version \"none\"; Unbound: hide-version: yes).", ver);
    return simple(ctx, host, svc, K_DNS_VERSION, "DNS server discloses its version", detail,
                  "version_bind", ver, NULL, e);
}

/* SMB: judged from detection's evidence, the answer to SMB2 NEGOTIATE followed by the answer
 * to an SMB1 NEGOTIATE offering only NT LM 0.12 (both NetBIOS-framed, see scanner/detect.c). */
static int check_smb(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                     const struct evidence *ev, struct rm_err *e)
{
    if (!ev || ev->len < 4)
        return 0;
    const unsigned char *d = ev->data;
    size_t first = 4 + ((size_t)(d[1] & 1) << 16 | (size_t)d[2] << 8 | d[3]);
    if (first > ev->len)
        first = ev->len;
    struct smb2_neg neg;
    bool smb2 = smb2_parse_negotiate(d, first, &neg) == 1;
    bool v1 = smb1_parse_negotiate(d, first) == 1 ||
              (first < ev->len && smb1_parse_negotiate(d + first, ev->len - first) == 1);
    if (v1 && simple(ctx, host, svc, K_SMB_V1, "SMB1 enabled",
                     "This file server still accepts SMB version 1, the protocol abused by "
                     "EternalBlue, WannaCry and NotPetya to spread across networks without a "
                     "password. Disable SMB1 on the server (and on the clients).",
                     "smb1", "accepted", NULL, e) < 0)
        return -1;
    if (smb2 && !(neg.security_mode & SMB2_SIGNING_REQUIRED)) {
        char title[200], detail[400];
        snprintf(title, sizeof title, "SMB signing not required (port %u)", (unsigned)svc->port);
        snprintf(detail, sizeof detail,
                 "This SMB server (dialect %s) does not require signed messages, so an attacker "
                 "on the network can relay captured log-ins to it (NTLM relay) or alter traffic. "
                 "Require SMB signing on the server (\"server signing = mandatory\" in Samba, "
                 "\"Digitally sign communications (always)\" in Windows policy).",
                 smb2_dialect_str(neg.dialect));
        struct finding *f = emit(ctx, K_SMB_SIGNING, host, svc, title, detail);
        if (!f || finding_add_fact(f, "signing", "not required") < 0 ||
            finding_add_fact(f, "dialect", smb2_dialect_str(neg.dialect)) < 0)
            return FAIL_OOM();
        finding_fingerprint(f);
    }
    return 0;
}

static bool allowed(const struct check_ctx *ctx, uint16_t port)
{
    for (size_t i = 0; i < ctx->n_allowed_ports; i++)
        if (ctx->allowed_ports[i] == port)
            return true;
    return false;
}

static int exposure_run(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                        struct rm_err *e)
{
    const char *name = svc->name ? svc->name : "";
    const struct evidence *ev = svc_evidence(ctx, svc);
    int rc = 0;

    /* The allow-list is in -p syntax: TCP ports. UDP services have kinds of their own. */
    if (ctx->allowed_ports && svc->proto == SVC_TCP && !allowed(ctx, svc->port)) {
        char detail[400];
        snprintf(detail, sizeof detail,
                 "Port %u (%s) is open but is not on the list of ports this network is meant to "
                 "expose. Find out what runs there and close it, or add it to the allow-list "
                 "with the reason it is needed.", (unsigned)svc->port, svc->name ? name : "unknown");
        if (simple(ctx, host, svc, K_UNEXPECTED, "Open port not on the allow-list", detail,
                   NULL, NULL, NULL, e) < 0)
            return -1;
    }

    if (strcmp(name, "telnet") == 0) {
        rc = simple(ctx, host, svc, K_TELNET, "Telnet remote administration open",
                    "Telnet sends administrator passwords and whole sessions in cleartext, so "
                    "anyone on the network path can take over the device. Disable Telnet and "
                    "manage the device over SSH.", NULL, NULL, NULL, e);
    } else if ((svc->port == 513 || svc->port == 514) &&
               (!detected(svc) || streq(svc->name, "login") || streq(svc->name, "shell"))) {
        bool rlogin = svc->port == 513;
        rc = simple(ctx, host, svc, rlogin ? K_RLOGIN : K_RSH,
                    rlogin ? "rlogin remote log-in open" : "rsh remote shell open",
                    "This 1980s remote-access service trusts the caller's address and sends "
                    "everything in cleartext, so it can be abused to run commands without a "
                    "password. Disable it and use SSH instead.", NULL, NULL, NULL, e);
    } else if (strcmp(name, "ftp") == 0 && detected(svc)) {
        rc = check_ftp(ctx, host, svc, e);
    } else if (strncmp(name, "vnc", 3) == 0 && strcmp(name, "vnc-http") != 0 && detected(svc)) {
        rc = check_vnc(ctx, host, svc, e);
    } else if ((strcmp(name, "microsoft-ds") == 0 || strcmp(name, "smb") == 0) && detected(svc)) {
        rc = check_smb(ctx, host, svc, ev, e);
    } else if (strcmp(name, "ms-wbt-server") == 0 || strcmp(name, "rdp") == 0) {
        /* Detection's RDP probe says whether Network Level Authentication is required. */
        const char *nla = has_ci(svc->info, "NLA required")       ? "required"
                          : has_ci(svc->info, "NLA not required") ? "not required"
                          : has_ci(svc->info, "NLA supported, not required") ? "not required"
                                                                  : NULL;
        rc = simple(ctx, host, svc, K_RDP, "Remote Desktop (RDP) reachable",
                    "Remote Desktop open to the network is among the most common ways ransomware "
                    "gets in, through guessed or stolen passwords. Put it behind a VPN or a "
                    "remote-access gateway with multi-factor authentication.", "nla", nla, NULL,
                    e);
    } else if (svc->proto == SVC_UDP) {
        /* UDP services come from the UDP stage, identified by their own answer. */
        if (strcmp(name, "snmp") == 0 && detected(svc))
            rc = check_snmp(ctx, host, svc, e);
        else if (strcmp(name, "domain") == 0 && detected(svc))
            rc = check_dns(ctx, host, svc, e);
    } else if (strcmp(name, "mongodb") == 0 && detected(svc)) {
        rc = check_mongodb(ctx, host, svc, e);
    } else if ((strcmp(name, "ldap") == 0 || strcmp(name, "ldaps") == 0) && detected(svc)) {
        rc = check_ldap(ctx, host, svc, e);
    } else if (db_family(svc)) {
        if (!has_ci(svc->info, "connections from this address refused"))
            rc = simple(ctx, host, svc, K_DB, "Database server reachable",
                        "A database accepts connections from this network, so its data is one "
                        "stolen or weak password away from being copied. Let only the "
                        "application servers that need it connect, through a firewall rule.",
                        "database", db_family(svc), "database", e);
    } else if (strcmp(name, "redis") == 0) {
        /* Detection sent PING + INFO server: redis_version in the answer means it answered
         * without AUTH; -NOAUTH or -DENIED (protected mode) means it refused. */
        if (ev && has(ev->data, ev->len, "redis_version:") && !has(ev->data, ev->len, "-NOAUTH") &&
            !has(ev->data, ev->len, "-DENIED"))
            rc = simple(ctx, host, svc, K_REDIS, "Redis answers without a password",
                        "Anyone who can reach this Redis server can read and change all its "
                        "data, and unauthenticated Redis is routinely used to take over the "
                        "machine. Set a password (requirepass or ACLs) and bind it to localhost "
                        "or a private interface.", "authentication", "none", NULL, e);
    } else if (strcmp(name, "memcached") == 0) {
        if (ev && ev->len >= 8 && memcmp(ev->data, "VERSION ", 8) == 0)
            rc = simple(ctx, host, svc, K_MEMCACHED, "memcached answers without a password",
                        "memcached has no log-in by default, so anyone who can reach it can read "
                        "and change cached data (often sessions) or use it to amplify attacks. "
                        "Bind it to localhost or a private interface, or enable SASL.",
                        "authentication", "none", NULL, e);
    } else if (strcmp(name, "http") == 0 && detected(svc)) {
        rc = check_http(ctx, host, svc, e);
    } else if (strcmp(name, "smtp") == 0 && detected(svc)) {
        /* Detection sent EHLO after the banner; judge only when that EHLO was answered. */
        if (ev && has(ev->data, ev->len, "\n250") && !has_ci(svc->info, "STARTTLS offered"))
            rc = simple(ctx, host, svc, K_SMTP_NOTLS, "Mail server without STARTTLS",
                        "This mail server cannot encrypt connections, so e-mail and any "
                        "passwords sent to it cross the network in cleartext. Enable STARTTLS "
                        "with a valid certificate.", "starttls", "not offered", NULL, e);
    }
    return rc;
}

const struct check check_exposure = {
    .id = "exposure",
    .summary = "Risky exposed services: cleartext admin, open databases, consoles, allow-list",
    .applies_to = CHECK_SERVICE,
    .kinds = exposure_kinds,
    .n_kinds = sizeof exposure_kinds / sizeof exposure_kinds[0],
    .run = exposure_run,
};
