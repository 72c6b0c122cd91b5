/* STARTTLS preambles (tls_conn.h): what a client says in plain text before the ClientHello on
 * SMTP, IMAP, POP3, FTP, LDAP and PostgreSQL. Each answer is read with the connection's
 * deadline into a small buffer; what does not fit is an answer riskmap does not expect. */
#include "checks/tls_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define PRE_CAP 4096 /* a greeting or an EHLO answer is far smaller */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

const char *tls_starttls_name(enum tls_starttls p)
{
    static const char *const names[] = {NULL, "smtp", "imap", "pop3", "ftp", "ldap", "postgres"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : NULL;
}

int tls_starttls_parse(const char *s, enum tls_starttls *out)
{
    if (strcmp(s, "none") == 0) {
        *out = STARTTLS_NONE;
        return 0;
    }
    for (int p = STARTTLS_SMTP; p <= STARTTLS_POSTGRES; p++)
        if (strcmp(s, tls_starttls_name((enum tls_starttls)p)) == 0) {
            *out = (enum tls_starttls)p;
            return 0;
        }
    return -1;
}

enum tls_starttls tls_starttls_for_port(uint16_t port)
{
    switch (port) {
    case 25:
    case 587:
        return STARTTLS_SMTP;
    case 143:
        return STARTTLS_IMAP;
    case 110:
        return STARTTLS_POP3;
    case 21:
        return STARTTLS_FTP;
    case 389:
        return STARTTLS_LDAP;
    case 5432:
        return STARTTLS_POSTGRES;
    default:
        return STARTTLS_NONE;
    }
}

struct line_reader {
    int fd;
    double deadline;
    atomic_int *cancel;
    char buf[PRE_CAP + 1];
    size_t n;
};

/* Reads more bytes; false on close, error, deadline, cancellation or a full buffer. */
static bool more(struct line_reader *lr)
{
    while (lr->n < PRE_CAP) {
        if (lr->cancel && atomic_load(lr->cancel))
            return false;
        double left = lr->deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = lr->fd, .events = POLLIN};
        int r = poll(&p, 1, left > 100 ? 100 : (int)left + 1);
        if (r < 0 && errno != EINTR)
            return false;
        if (r <= 0)
            continue;
        ssize_t got = recv(lr->fd, lr->buf + lr->n, PRE_CAP - lr->n, 0);
        if (got <= 0)
            return false;
        lr->n += (size_t)got;
        lr->buf[lr->n] = '\0';
        return true;
    }
    return false;
}

/* Reads until a complete line starts with `final` (case-insensitive); the line must be the
 * last one received so far. Returns true when found; the buffer is emptied for the next
 * answer. Lines starting with one of the `fail` prefixes end the wait with false. */
static bool await_line(struct line_reader *lr, const char *final, const char *fail)
{
    size_t start = 0;
    for (;;) {
        char *nl;
        while ((nl = memchr(lr->buf + start, '\n', lr->n - start)) != NULL) {
            const char *line = lr->buf + start;
            size_t len = (size_t)(nl - line);
            start += len + 1;
            if (len >= strlen(final) && strncasecmp(line, final, strlen(final)) == 0) {
                lr->n = 0;
                return true;
            }
            if (fail && len >= strlen(fail) && strncasecmp(line, fail, strlen(fail)) == 0)
                return false;
        }
        if (!more(lr))
            return false;
    }
}

static bool say(int fd, const void *d, size_t n)
{
    return send(fd, d, n, MSG_NOSIGNAL) == (ssize_t)n; /* a few bytes on a fresh socket */
}

/* LDAP: the ExtendedResponse to the StartTLS request, resultCode success. */
static bool ldap_ok(struct line_reader *lr)
{
    for (;;) {
        /* A response is SEQUENCE { messageID, [APPLICATION 24] { ENUMERATED resultCode ... } }. */
        for (size_t i = 0; i + 4 < lr->n; i++)
            if ((uint8_t)lr->buf[i] == 0x78) {
                size_t j = i + 2;
                if ((uint8_t)lr->buf[i + 1] & 0x80)
                    j += (uint8_t)lr->buf[i + 1] & 0x7f;
                if (j + 2 < lr->n && lr->buf[j] == 0x0a && lr->buf[j + 1] == 1)
                    return lr->buf[j + 2] == 0;
            }
        if (!more(lr))
            return false;
    }
}

int tls_starttls_preamble(int fd, enum tls_starttls p, double deadline, atomic_int *cancel)
{
    struct line_reader lr = {.fd = fd, .deadline = deadline, .cancel = cancel};
    bool ok = false;
    switch (p) {
    case STARTTLS_NONE:
        return 0;
    case STARTTLS_SMTP:
        ok = await_line(&lr, "220 ", "5") && say(fd, "EHLO riskmap.invalid\r\n", 22) &&
             await_line(&lr, "250 ", "5") && say(fd, "STARTTLS\r\n", 10) &&
             await_line(&lr, "220", "4");
        break;
    case STARTTLS_IMAP:
        ok = await_line(&lr, "* OK", "* BYE") && say(fd, "a1 STARTTLS\r\n", 13) &&
             await_line(&lr, "a1 OK", "a1 ");
        break;
    case STARTTLS_POP3:
        ok = await_line(&lr, "+OK", "-ERR") && say(fd, "STLS\r\n", 6) && await_line(&lr, "+OK", "-ERR");
        break;
    case STARTTLS_FTP:
        ok = await_line(&lr, "220 ", "4") && say(fd, "AUTH TLS\r\n", 10) && await_line(&lr, "234", "5");
        break;
    case STARTTLS_LDAP: {
        static const uint8_t req[] = {0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16,
                                      '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.',
                                      '1', '4', '6', '6', '.', '2', '0', '0', '3', '7'};
        ok = say(fd, req, sizeof req) && ldap_ok(&lr);
        break;
    }
    case STARTTLS_POSTGRES:
        ok = say(fd, "\x00\x00\x00\x08\x04\xd2\x16\x2f", 8) && more(&lr) && lr.n == 1 && lr.buf[0] == 'S';
        break;
    }
    return ok ? 0 : -1;
}
