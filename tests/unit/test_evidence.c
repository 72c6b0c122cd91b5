/* The evidence room's parsers and keys (reports/manifest.h, reports/sign.h): MANIFEST text
 * that is valid, and each way it can be malformed or hostile (wrong magic, unsafe paths,
 * duplicate or unsorted entries, bad hashes and sizes, missing newline); Ed25519 keys made
 * on first use with safe modes, refused when loose, signatures that verify and that do not.
 * Whole bundles are exported, verified and tampered with in tests/integration/test_evidence.sh. */
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

#include "reports/evidence.h"
#include "reports/manifest.h"
#include "reports/sign.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int parse(const char *text, struct manifest *m, struct rm_err *e)
{
    return manifest_parse(text, strlen(text), m, e);
}

static void manifest_valid(void **state)
{
    (void)state;
    struct manifest m;
    struct rm_err e = {{0}};
    const char *t = MANIFEST_MAGIC "\nbundle: riskmap-evidence-x\nscan_id: abc\n\n"
                    H64 "  12  a.txt\n" H64 "  0  evidence/E1.txt\n";
    assert_int_equal(parse(t, &m, &e), 0);
    assert_int_equal(m.n_meta, 2);
    assert_string_equal(manifest_get(&m, "scan_id"), "abc");
    assert_null(manifest_get(&m, "nope"));
    assert_int_equal(m.n_files, 2);
    assert_string_equal(m.files[1].path, "evidence/E1.txt");
    assert_int_equal(m.files[0].size, 12);
    manifest_free(&m);
}

static void manifest_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"riskmap-evidence-manifest 2\n\n", "MANIFEST:1"},
        {MANIFEST_MAGIC "\nk: v\n", "no file list"},
        {MANIFEST_MAGIC "\nnocolon\n\n", ":2: expected"},
        {MANIFEST_MAGIC "\n\n" H64 "  1  ../etc/passwd\n", "unsafe path"},
        {MANIFEST_MAGIC "\n\n" H64 "  1  /abs\n", "unsafe path"},
        {MANIFEST_MAGIC "\n\n" H64 "  1  a//b\n", "unsafe path"},
        {MANIFEST_MAGIC "\n\n" H64 "  1  a/./b\n", "unsafe path"},
        {MANIFEST_MAGIC "\n\n" H64 "  1  b\n" H64 "  1  a\n", "ascending"},
        {MANIFEST_MAGIC "\n\n" H64 "  1  a\n" H64 "  1  a\n", "ascending"},
        {MANIFEST_MAGIC "\n\n" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef  1  a\n", ":3:"},
        {MANIFEST_MAGIC "\n\n" H64 "  x  a\n", "bad size"},
        {MANIFEST_MAGIC "\n\n" H64 "  1  a", "no newline"},
        {MANIFEST_MAGIC "\n\n" H64 "  1  a\r\n", "control"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct manifest m;
        struct rm_err e = {{0}};
        assert_int_equal(parse(bad[i].text, &m, &e), -1);
        if (!strstr(e.msg, bad[i].why))
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, e.msg, bad[i].why);
        assert_int_equal(m.n_files, 0); /* freed on failure */
    }
    char nul[] = MANIFEST_MAGIC "\n\n" H64 "  1  a\n";
    nul[strlen(MANIFEST_MAGIC) + 3] = '\0';
    struct manifest m;
    struct rm_err e = {{0}};
    assert_int_equal(manifest_parse(nul, sizeof nul - 1, &m, &e), -1);
}

static void keys_and_signatures(void **state)
{
    (void)state;
    char dir[] = "/tmp/riskmap-test-keys.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/keys/k.pem", dir);
    struct rm_err e = {{0}};
    bool created = false;
    /* Not created unless asked. */
    assert_null(sign_key_load(path, false, &created, &e));
    struct sign_key *k = sign_key_load(path, true, &created, &e);
    assert_non_null(k);
    assert_true(created);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char kd[256];
    snprintf(kd, sizeof kd, "%s/keys", dir);
    assert_int_equal(stat(kd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    const char msg[] = "riskmap-evidence-manifest 1\n\n";
    uint8_t sig[SIGN_SIG_LEN];
    assert_int_equal(sign_message(k, msg, sizeof msg - 1, sig, &e), 0);
    assert_int_equal(sign_verify(k, msg, sizeof msg - 1, sig, &e), 1);
    assert_int_equal(sign_verify(k, msg, sizeof msg - 2, sig, &e), 0);
    sig[5] ^= 1;
    assert_int_equal(sign_verify(k, msg, sizeof msg - 1, sig, &e), 0);
    sig[5] ^= 1;

    /* The public half, parsed back, verifies the same signature and cannot sign. */
    char *pem = sign_pubkey_pem(k);
    assert_non_null(pem);
    struct sign_key *pub = sign_pubkey_parse(pem, strlen(pem), &e);
    assert_non_null(pub);
    assert_int_equal(sign_verify(pub, msg, sizeof msg - 1, sig, &e), 1);
    assert_int_equal(sign_message(pub, msg, sizeof msg - 1, sig, &e), -1);
    char f1[SIGN_FP_HEX_LEN + 1], f2[SIGN_FP_HEX_LEN + 1];
    assert_int_equal(sign_fingerprint(k, f1), 0);
    assert_int_equal(sign_fingerprint(pub, f2), 0);
    assert_string_equal(f1, f2);
    assert_int_equal(strlen(f1), 64);

    /* Loading again gives the same key; a loose mode is refused. */
    struct sign_key *again = sign_key_load(path, true, &created, &e);
    assert_non_null(again);
    assert_false(created);
    assert_int_equal(sign_fingerprint(again, f2), 0);
    assert_string_equal(f1, f2);
    chmod(path, 0640);
    assert_null(sign_key_load(path, true, &created, &e));
    assert_non_null(strstr(e.msg, "readable by others"));
    assert_null(sign_pubkey_parse("garbage", 7, &e));

    free(pem);
    sign_key_free(k);
    sign_key_free(pub);
    sign_key_free(again);
    unlink(path);
    rmdir(kd);
    rmdir(dir);
}

/* Files a caller adds (a profile's names among them) cannot leave the bundle's top or take
 * one of its own names: the export is refused and no bundle is written. */
static void extra_paths_stay_inside(void **state)
{
    (void)state;
    char dir[] = "/tmp/riskmap-test-extra.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char key[300], out[300], written[600];
    snprintf(key, sizeof key, "%s/k.pem", dir);
    snprintf(out, sizeof out, "%s/b.tar.gz", dir);
    struct rm_err e = {{0}};
    bool created;
    struct sign_key *k = sign_key_load(key, true, &created, &e);
    assert_non_null(k);
    static const char *const bad[] = {"../escape.txt", "/etc/passwd", "a/../../b", "..",
                                      "x/./../../y", "MANIFEST", "scan.json", "a b", "a\\b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct evidence_extra x = {bad[i], "x", 1};
        struct evidence_export_opts o = {.scan_path = "tests/fixtures/policies/scan-dental.json",
                                          .out_path = out, .key = k, .exported_by = "t",
                                          .exported_on = "h", .extra = &x, .n_extra = 1};
        size_t n = 0;
        memset(&e, 0, sizeof e);
        if (evidence_export(&o, &n, written, sizeof written, &e) == 0)
            fail_msg("extra path \"%s\" was accepted", bad[i]);
        assert_int_not_equal(access(out, F_OK), 0);
    }
    /* A plain relative path is fine. */
    struct evidence_extra ok = {"policy/notes.txt", "x", 1};
    struct evidence_export_opts o = {.scan_path = "tests/fixtures/policies/scan-dental.json",
                                      .out_path = out, .key = k, .exported_by = "t",
                                      .exported_on = "h", .extra = &ok, .n_extra = 1};
    size_t n = 0;
    assert_int_equal(evidence_export(&o, &n, written, sizeof written, &e), 0);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    unlink(out);
    unlink(key);
    rmdir(dir);
    sign_key_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(manifest_valid),
        cmocka_unit_test(manifest_rejects),
        cmocka_unit_test(keys_and_signatures),
        cmocka_unit_test(extra_paths_stay_inside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
