/* RDP's CredSSP answer and the NTLM CHALLENGE in it (scanner/probe_credssp.h, scanner/ntlm.h):
 * the TSRequest FreeRDP 2.11.7's shadow server sent riskmap's probe (captured, see the
 * fixtures' README), then that answer with a Windows server's flags and version written in
 * (no Windows here to capture from: said so), and hand-made TSRequests for what the capture
 * lacks (an errorCode, malformed DER). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/err.h"
#include "scanner/ntlm.h"
#include "scanner/probe_credssp.h"
#include "scanner/atomic.h"
#include "tests/unit/banner_fixture.h"

#define FREERDP "freerdp-credssp-challenge.credssp"

/* The NTLM message inside a TSRequest's bytes (the fixture is edited through it). */
static unsigned char *ntlm_in(unsigned char *d, size_t n)
{
    unsigned char *m = memmem(d, n, "NTLMSSP\0\2\0\0\0", 12);
    assert_non_null(m);
    return m;
}

static void freerdp_answer_parsed(void **state)
{
    (void)state;
    size_t len;
    unsigned char *d = load(FREERDP, &len);
    assert_int_equal(len, 162);
    assert_true(credssp_complete(d, len));
    struct credssp_answer a;
    assert_int_equal(credssp_parse(d, len, &a), 1);
    assert_int_equal(a.version, 6);
    assert_false(a.have_error);
    assert_ptr_equal(a.token, ntlm_in(d, len));
    assert_int_equal(a.token_len, 108);
    struct ntlm_challenge ch = {9, 9, 9, true};
    assert_int_equal(ntlm_find_challenge(a.token, a.token_len, &ch), 1);
    assert_int_equal(ch.major, 6);
    assert_int_equal(ch.minor, 1);
    assert_int_equal(ch.build, 7601);
    assert_false(ch.target_type); /* winpr's: flags 0xe2888297 */
    char text[96];
    size_t tl = ntlm_describe(&ch, text, sizeof text);
    assert_string_equal(text, "NTLM 6.1 build 7601, no target type (not Windows)");
    assert_int_equal(tl, strlen(text));
    /* Every truncation: never complete, never a TSRequest, inside its bounds (ASan watches). */
    for (size_t n = 0; n < len; n++) {
        assert_false(credssp_complete(d, n));
        assert_int_equal(credssp_parse(d, n, &a), 0);
    }
    free(d);
}

/* Windows names its target type and its own build: FreeRDP's answer with TARGET_TYPE_SERVER
 * and Windows Server 2019's (10.0.17763) and 2012 R2's (6.3.9600) versions written in. */
static void windows_answer_named(void **state)
{
    (void)state;
    size_t len;
    unsigned char *d = load(FREERDP, &len);
    unsigned char *m = ntlm_in(d, len);
    m[22] |= 0x02; /* NTLMSSP_TARGET_TYPE_SERVER */
    static const struct {
        unsigned char v[4];
        const char *text;
    } cases[] = {
        {{10, 0, 0x63, 0x45}, "Windows 10.0 build 17763"},
        {{6, 3, 0x80, 0x25}, "Windows 6.3 build 9600"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(m + 48, cases[i].v, 4);
        struct credssp_answer a;
        struct ntlm_challenge ch;
        char text[96];
        assert_int_equal(credssp_parse(d, len, &a), 1);
        assert_int_equal(ntlm_find_challenge(a.token, a.token_len, &ch), 1);
        assert_true(ch.target_type);
        ntlm_describe(&ch, text, sizeof text);
        assert_string_equal(text, cases[i].text);
        /* Cut short of the text: still terminated. */
        assert_int_equal(ntlm_describe(&ch, text, 8), 7);
        assert_string_equal(text, "Windows");
    }
    m[50] = m[51] = 0; /* build 0 (Samba's): nothing to say */
    struct ntlm_challenge ch;
    char text[8] = "x";
    assert_int_equal(ntlm_find_challenge(m, 108, &ch), 1);
    assert_int_equal(ntlm_describe(&ch, text, sizeof text), 0);
    assert_string_equal(text, "");
    m[23] &= (unsigned char)~0x02; /* no NTLMSSP_NEGOTIATE_VERSION: the bytes are no version */
    assert_int_equal(ntlm_find_challenge(m, 108, &ch), 0);
    m[23] |= 0x02;
    assert_int_equal(ntlm_find_challenge(m, 55, &ch), 0); /* shorter than its version field */
    m[8] = 3;                                             /* an AUTHENTICATE */
    assert_int_equal(ntlm_find_challenge(m, 108, &ch), 0);
    free(d);
}

/* What riskmap sends: the bytes FreeRDP answered above, a TSRequest it reads back itself. */
static void request_well_formed(void **state)
{
    (void)state;
    static const unsigned char want[] = {
        0x30, 0x37, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa1, 0x30, 0x30, 0x2e, 0x30, 0x2c, 0xa0,
        0x2a, 0x04, 0x28, 'N',  'T',  'L',  'M',  'S',  'S',  'P',  0x00, 0x01, 0x00, 0x00,
        0x00, 0x97, 0x82, 0x08, 0xe2, 0,    0,    0,    0,    0,    0,    0,    0,    0,
        0,    0,    0,    0,    0,    0,    0,    0x06, 0x01, 0xb1, 0x1d, 0x00, 0x00, 0x00,
        0x0f};
    unsigned char b[128];
    size_t n = credssp_request(b, sizeof b);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(b, want, sizeof want);
    assert_int_equal(credssp_request(b, n - 1), 0);
    struct credssp_answer a;
    assert_int_equal(credssp_parse(b, n, &a), 1);
    assert_int_equal(a.version, 6);
    assert_int_equal(a.token_len, NTLM_NEGOTIATE_LEN);
    struct ntlm_challenge ch;
    assert_int_equal(ntlm_find_challenge(a.token, a.token_len, &ch), 0); /* a NEGOTIATE */
}

/* Hand-made: a server's refusal (errorCode, an NTSTATUS, negative in DER or with a leading
 * zero), TSRequests that are not, and long-form lengths. */
static void errors_and_malformed(void **state)
{
    (void)state;
    struct credssp_answer a;
    static const unsigned char err4[] = {0x30, 0x0d, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4,
                                         0x06, 0x02, 0x04, 0xc0, 0x00, 0x00, 0x6d};
    assert_true(credssp_complete(err4, sizeof err4));
    assert_int_equal(credssp_parse(err4, sizeof err4, &a), 1);
    assert_true(a.have_error);
    assert_int_equal(a.error, 0xc000006du);
    assert_null(a.token);
    static const unsigned char err5[] = {0x30, 0x0e, 0xa0, 0x03, 0x02, 0x01, 0x03, 0xa4, 0x07,
                                         0x02, 0x05, 0x00, 0xc0, 0x00, 0x00, 0x22};
    assert_int_equal(credssp_parse(err5, sizeof err5, &a), 1);
    assert_int_equal(a.version, 3);
    assert_int_equal(a.error, 0xc0000022u);
    /* No version: not a TSRequest. A negoTokens of the wrong shape: no token. */
    static const unsigned char nover[] = {0x30, 0x08, 0xa4, 0x06, 0x02, 0x04, 0xc0, 0, 0, 0x6d};
    assert_int_equal(credssp_parse(nover, sizeof nover, &a), 0);
    static const unsigned char badtok[] = {0x30, 0x0b, 0xa0, 0x03, 0x02, 0x01, 0x06,
                                           0xa1, 0x04, 0x04, 0x02, 'N', 'T'};
    assert_int_equal(credssp_parse(badtok, sizeof badtok, &a), 1);
    assert_null(a.token);
    /* Not DER at all, or an indefinite or 5-byte length: nothing to wait for. */
    assert_true(credssp_complete((const unsigned char *)"\x15\x03\x03", 3));
    assert_true(credssp_complete((const unsigned char *)"\x30\x80", 2));
    assert_true(credssp_complete((const unsigned char *)"\x30\x85\x01", 3));
    assert_false(credssp_complete((const unsigned char *)"\x30\x82\x01", 3));
    assert_false(credssp_complete((const unsigned char *)"\x30\x82\x01\x00", 4));
    assert_false(credssp_complete((const unsigned char *)"\x30", 1));
    assert_false(credssp_complete(NULL, 0));
    assert_int_equal(credssp_parse((const unsigned char *)"\x30\x84\xff\xff\xff\xff", 6, &a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(freerdp_answer_parsed),
        cmocka_unit_test(windows_answer_named),
        cmocka_unit_test(request_well_formed),
        cmocka_unit_test(errors_and_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
