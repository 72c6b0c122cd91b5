/* libFuzzer target for the TLS server-flight parser (checks/tls_wire.h): arbitrary bytes as a
 * server's answer to a ClientHello. The sanitizers watch every read; the contract checked
 * here: the result is -1, 0 or 1, every certificate span lies inside the kept handshake
 * bytes, the counts stay within their arrays, and a prefix of an answer is never "done" with
 * a different hello than the whole. The bytes are also read as the head of an HTTPS answer
 * (the HSTS header). Seeds: answers recorded from openssl s_server. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/tls_conn.h"
#include "checks/tls_probe.h"
#include "checks/tls_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct tls_flight *f, int rc)
{
    if (rc < -1 || rc > 1 || (rc == 1) != f->done)
        abort();
    if (f->hs_len > TLS_MAX_HS || f->n_certs > TLS_MAX_CERTS || f->n_v2_kinds > TLS_MAX_V2_KINDS)
        abort();
    for (uint32_t i = 0; i < f->n_certs; i++)
        if (f->certs[i].len == 0 || f->certs[i].off > f->hs_len ||
            f->certs[i].len > f->hs_len - f->certs[i].off)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tls_flight whole, part;
    int rc = tls_parse_flight(data, size, &whole);
    check(&whole, rc);
    int pr = tls_parse_flight(data, size / 2, &part);
    check(&part, pr);
    /* What a prefix calls a ServerHello, the whole stream calls the same one. */
    if (pr >= 0 && part.answer == TLS_A_HELLO && rc >= 0 &&
        (whole.answer != TLS_A_HELLO || whole.suite != part.suite || whole.version != part.version))
        abort();
    /* The same bytes as the head of an HTTPS answer (HSTS). */
    struct tls_http h;
    tls_parse_http_head((const char *)data, size, &h);
    if (h.hsts && (strnlen(h.hsts_value, sizeof h.hsts_value) >= sizeof h.hsts_value ||
                   tls_hsts_max_age(h.hsts_value) < -1))
        abort();
    return 0;
}
