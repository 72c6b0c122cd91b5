/* The command line: parsing, defaults, errors, and that every option is documented in the
 * man page and in --help (one table feeds both; this test catches a page left behind). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/finding.h"
#include "scanner/atomic.h"
#include "scanner/help.h"
#include "scanner/options.h"

static int parse(struct scan_opts *o, struct rm_err *e, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"scan";
    va_list ap;
    va_start(ap, e);
    for (char *a; (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return scan_opts_parse(argc, argv, o, e);
}

static void defaults_are_in_force(void **state)
{
    (void)state;
    struct scan_opts o;
    struct rm_err e = {{0}};
    assert_int_equal(parse(&o, &e, "127.0.0.1", NULL), 0);
    assert_int_equal(o.n_targets, 1);
    assert_string_equal(o.targets[0], "127.0.0.1");
    assert_null(o.ports);
    assert_int_equal(o.top_ports, 1000);
    assert_true(o.rate == DEF_RATE && o.rate_is_default);
    assert_int_equal(o.max_concurrency, DEF_CONCURRENCY);
    assert_int_equal(o.retries, DEF_RETRIES);
    assert_int_equal(o.fail_on, -1);
    assert_false(o.allow_large);
    scan_opts_free(&o);
}

static void nmap_spellings_and_repeats(void **state)
{
    (void)state;
    struct scan_opts o;
    struct rm_err e = {{0}};
    assert_int_equal(parse(&o, &e, "-iL", "a.txt", "-p-", "--exclude", "127.0.0.2",
                           "--exclude", "127.0.0.3,127.0.0.4", "--excludefile", "x.txt",
                           "-iL", "b.txt", "--fail-on", "HIGH", "-vv", "-q", "--seed", "0x10",
                           "127.0.0.1", "--rate", "0", NULL), 0);
    assert_int_equal(o.n_target_files, 2);
    assert_string_equal(o.target_files[1], "b.txt");
    assert_string_equal(o.ports, "-");
    assert_int_equal(o.n_excludes, 2);
    assert_int_equal(o.n_exclude_files, 1);
    assert_int_equal(o.fail_on, SEV_HIGH);
    assert_int_equal(o.verbose, 2);
    assert_true(o.quiet);
    assert_true(o.seed_set && o.seed == 16);
    assert_true(o.rate == 0 && !o.rate_is_default);
    assert_int_equal(o.n_targets, 1);
    scan_opts_free(&o);
}

static void errors_name_the_option(void **state)
{
    (void)state;
    struct scan_opts o;
    struct rm_err e = {{0}};
    assert_int_equal(parse(&o, &e, "--rate", "fast", NULL), -1);
    assert_string_equal(e.msg, "option --rate: \"fast\" is not a number");
    assert_int_equal(parse(&o, &e, "--max-concurrency", "0", NULL), -1);
    assert_string_equal(e.msg, "option --max-concurrency: 0 is out of range (1 to 60000)");
    assert_int_equal(parse(&o, &e, "--retries", "1.5", NULL), -1);
    assert_string_equal(e.msg, "option --retries: \"1.5\" is not a whole number");
    assert_int_equal(parse(&o, &e, "--fail-on", "dire", NULL), -1);
    assert_non_null(strstr(e.msg, "--fail-on: \"dire\" is not a severity"));
    assert_int_equal(parse(&o, &e, "--frobnicate", NULL), -1);
    assert_string_equal(e.msg, "unknown option \"--frobnicate\" (see riskmap help scan)");
    assert_int_equal(parse(&o, &e, "-p", NULL), -1);
    assert_string_equal(e.msg, "option -p needs an argument");
    assert_int_equal(parse(&o, &e, "--min-timeout", "500", "--max-timeout", "100", NULL), -1);
    assert_non_null(strstr(e.msg, "--min-timeout"));
    assert_int_equal(parse(&o, &e, "--seed", "-1", NULL), -1);
}

static void every_option_is_documented(void **state)
{
    (void)state;
    char *man = NULL, *help = NULL;
    size_t len = 0;
    struct rm_err e = {{0}};
    if (read_file_bounded("contrib/riskmap.1", 1 << 20, &man, &len, &e) < 0)
        fail_msg("%s (run the tests from the repository root)", e.msg);
    FILE *m = open_memstream(&help, &len);
    help_print(m, "scan");
    fclose(m);
    for (size_t i = 0; i < scan_n_optdefs; i++) {
        char want[64];
        snprintf(want, sizeof want, "\\-\\-%s", scan_optdefs[i].name);
        /* The man page spells dashes as \- ; the option must be followed by a non-name char. */
        const char *p = man;
        int found = 0;
        while ((p = strstr(p, want)) != NULL) {
            char next = p[strlen(want)];
            if (!(next == '-' || (next >= 'a' && next <= 'z'))) {
                found = 1;
                break;
            }
            p++;
        }
        if (!found)
            fail_msg("contrib/riskmap.1 does not document --%s", scan_optdefs[i].name);
        snprintf(want, sizeof want, "--%s", scan_optdefs[i].name);
        if (!strstr(help, want))
            fail_msg("riskmap help scan does not show --%s", scan_optdefs[i].name);
        if (scan_optdefs[i].alias && !strstr(help, scan_optdefs[i].alias))
            fail_msg("riskmap help scan does not show %s", scan_optdefs[i].alias);
    }
    free(man);
    free(help);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_in_force),
        cmocka_unit_test(nmap_spellings_and_repeats),
        cmocka_unit_test(errors_name_the_option),
        cmocka_unit_test(every_option_is_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
