/* Tests for scanner/ports.c: nmap -p syntax, its error messages, the top-ports table and
 * service names. Expected top-ports values were checked against nmap 7.93 itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scanner/ports.h"
#include "scanner/top_ports.h"

/* Parses spec and asserts the result is exactly want[0, n). */
static void expect_ports(const char *spec, const uint16_t *want, size_t n)
{
    struct portlist pl = {0};
    struct rm_err e = {{0}};
    int rc = ports_parse(spec, &pl, &e);
    if (rc != 0)
        fail_msg("ports_parse(\"%s\") failed: %s", spec, e.msg);
    assert_int_equal(pl.n, n);
    assert_memory_equal(pl.ports, want, n * sizeof *want);
    ports_free(&pl);
    assert_null(pl.ports);
    assert_int_equal(pl.n, 0);
}

/* Parses spec, asserts it fails with exactly msg and leaves the output untouched. */
static void expect_error(const char *spec, const char *msg)
{
    uint16_t sentinel = 7;
    struct portlist pl = {.ports = &sentinel, .n = 99};
    struct rm_err e = {{0}};
    assert_int_equal(ports_parse(spec, &pl, &e), -1);
    assert_string_equal(e.msg, msg);
    assert_ptr_equal(pl.ports, &sentinel);
    assert_int_equal(pl.n, 99);
}

/* Checks a parse yields the contiguous range [lo, hi]. */
static void expect_range(const char *spec, unsigned lo, unsigned hi)
{
    struct portlist pl = {0};
    struct rm_err e = {{0}};
    if (ports_parse(spec, &pl, &e) != 0)
        fail_msg("ports_parse(\"%s\") failed: %s", spec, e.msg);
    assert_int_equal(pl.n, hi - lo + 1);
    for (size_t i = 0; i < pl.n; i++)
        assert_int_equal(pl.ports[i], lo + i);
    ports_free(&pl);
}

static void test_single_and_list(void **state)
{
    (void)state;
    expect_ports("22", (const uint16_t[]){22}, 1);
    expect_ports("1", (const uint16_t[]){1}, 1);
    expect_ports("65535", (const uint16_t[]){65535}, 1);
    expect_ports("22,80,443", (const uint16_t[]){22, 80, 443}, 3);
    expect_ports("0080", (const uint16_t[]){80}, 1);
    expect_ports("8000-8003", (const uint16_t[]){8000, 8001, 8002, 8003}, 4);
    expect_ports("22,80,443,8000-8002",
                 (const uint16_t[]){22, 80, 443, 8000, 8001, 8002}, 6);
    expect_ports("5-5", (const uint16_t[]){5}, 1);
}

static void test_open_ranges(void **state)
{
    (void)state;
    expect_range("-", 1, 65535);
    expect_range("-1024", 1, 1024);
    expect_range("60000-", 60000, 65535);
    expect_range("65535-", 65535, 65535);
    expect_range("-1", 1, 1);
    expect_range("1-65535", 1, 65535);
    expect_range("T:-", 1, 65535);
}

static void test_prefix_and_whitespace(void **state)
{
    (void)state;
    expect_ports("T:22,80", (const uint16_t[]){22, 80}, 2);
    expect_ports("t:443", (const uint16_t[]){443}, 1);
    expect_ports("T:22,T:80", (const uint16_t[]){22, 80}, 2);
    expect_ports(" 22 , 80 ,\t443 ", (const uint16_t[]){22, 80, 443}, 3);
    expect_ports("22,\n80", (const uint16_t[]){22, 80}, 2);
    expect_ports("T:8000-8001 , 21", (const uint16_t[]){21, 8000, 8001}, 3);
}

static void test_word_boundaries(void **state)
{
    (void)state;
    /* Ranges are marked 64 ports at a time: check cuts on and around word edges. */
    expect_range("63-64", 63, 64);
    expect_range("64-127", 64, 127);
    expect_range("127-129", 127, 129);
    expect_range("1-63", 1, 63);
    expect_range("128-128", 128, 128);
    expect_range("65472-65535", 65472, 65535);
    expect_range("65471-65534", 65471, 65534);
    expect_ports("63,64,191-192", (const uint16_t[]){63, 64, 191, 192}, 4);
}

static void test_many_full_ranges(void **state)
{
    (void)state;
    /* The costliest spec under the size limit, "-,-,...,-": every entry is the whole port
     * space. It must still give each port once (and, since ranges are marked by word, fast). */
    size_t len = 65535;
    char *spec = malloc(len + 1);
    assert_non_null(spec);
    for (size_t i = 0; i < len; i++)
        spec[i] = i % 2 ? ',' : '-';
    spec[len] = '\0';
    expect_range(spec, 1, 65535);
    free(spec);
}

static void test_dedupe_and_sort(void **state)
{
    (void)state;
    expect_ports("443,22,80,22", (const uint16_t[]){22, 80, 443}, 3);
    expect_ports("10-12,11-14,13,1", (const uint16_t[]){1, 10, 11, 12, 13, 14}, 6);
    expect_ports("80,80,80", (const uint16_t[]){80}, 1);
    expect_ports("65535,1,-3", (const uint16_t[]){1, 2, 3, 65535}, 4);
    expect_range("-,22,60000-", 1, 65535);
    expect_range("100-200,150-300", 100, 300);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("80-70", "ports \"80-70\": range is reversed");
    expect_error("22,80-70", "ports \"80-70\": range is reversed");
    expect_error("70000", "ports \"70000\": port out of range (1-65535)");
    expect_error("65536", "ports \"65536\": port out of range (1-65535)");
    expect_error("99999999999999999999999", /* saturates instead of overflowing */
                 "ports \"99999999999999999999999\": port out of range (1-65535)");
    /* 2^64 + 80: a parser that wraps instead of saturating would read port 80. */
    expect_error("18446744073709551696",
                 "ports \"18446744073709551696\": port out of range (1-65535)");
    expect_error("0", "ports \"0\": port out of range (1-65535)");
    expect_error("0-100", "ports \"0-100\": port out of range (1-65535)");
    expect_error("-0", "ports \"-0\": port out of range (1-65535)");
    expect_error("60000-70000", "ports \"60000-70000\": port out of range (1-65535)");
    expect_error("", "ports \"\": empty port list");
    expect_error(" \t ", "ports \" \\x09 \": empty port list");
    expect_error(NULL, "ports \"\": empty port list");
    expect_error("U:53", "ports \"U:53\": only TCP ports are supported");
    expect_error("22, U:53", "ports \"U:53\": only TCP ports are supported");
    expect_error("S:80", "ports \"S:80\": only TCP ports are supported");
    expect_error("P:6", "ports \"P:6\": only TCP ports are supported");
    expect_error("22,,80", "ports \"22,,80\": empty entry in port list");
    expect_error("22,", "ports \"22,\": empty entry in port list");
    expect_error(",22", "ports \",22\": empty entry in port list");
    expect_error("http", "ports \"http\": not a port or range");
    expect_error("22,ssh", "ports \"ssh\": not a port or range");
    expect_error("1-2-3", "ports \"1-2-3\": not a port or range");
    expect_error("--5", "ports \"--5\": not a port or range");
    expect_error("8 0", "ports \"8 0\": not a port or range");
    expect_error("+80", "ports \"+80\": not a port or range");
    expect_error("T:", "ports \"T:\": not a port or range");
    expect_error("X:80", "ports \"X:80\": not a port or range");
    expect_error("T:T:80", "ports \"T:T:80\": not a port or range");
    /* Hostile bytes are escaped so an error cannot drive a terminal. */
    expect_error("8\"\\\x1b", "ports \"8\\\"\\\\\\x1b\": not a port or range");
}

static void test_long_token_is_truncated(void **state)
{
    (void)state;
    char spec[201];
    memset(spec, '9', 200);
    spec[200] = '\0';
    char want[128];
    memcpy(want, "ports \"", 7);
    memset(want + 7, '9', 64);
    strcpy(want + 71, "...\": port out of range (1-65535)");
    expect_error(spec, want);
}

static void test_length_limit(void **state)
{
    (void)state;
    /* "1,1,...,1,11": exactly 65536 bytes is accepted; one byte more is refused. */
    size_t max = 65536;
    char *spec = malloc(max + 2);
    assert_non_null(spec);
    for (size_t i = 0; i < max; i++)
        spec[i] = i % 2 ? ',' : '1';
    spec[max - 1] = '1';
    spec[max] = '\0';
    expect_ports(spec, (const uint16_t[]){1, 11}, 2);

    spec[max] = ',';
    spec[max + 1] = '\0';
    /* The message quotes the first 64 bytes of the spec, then "...". */
    char want[160] = "ports \"";
    for (int i = 0; i < 32; i++)
        strcat(want, "1,");
    strcat(want, "...\": port list is longer than 65536 bytes");
    expect_error(spec, want);
    free(spec);
}

static void test_top_1000(void **state)
{
    (void)state;
    struct portlist pl = {0};
    struct rm_err e = {{0}};
    assert_int_equal(ports_top(PORTS_DEFAULT_TOP, &pl, &e), 0);
    assert_int_equal(pl.n, 1000);
    /* nmap's own order: http, telnet, https, ftp, ssh, smtp, ms-wbt-server. */
    static const uint16_t head[] = {80, 23, 443, 21, 22, 25, 3389};
    assert_memory_equal(pl.ports, head, sizeof head);

    unsigned char seen[65536] = {0};
    for (size_t i = 0; i < pl.n; i++) {
        assert_int_not_equal(pl.ports[i], 0);
        assert_int_equal(seen[pl.ports[i]], 0);
        seen[pl.ports[i]] = 1;
    }
    /* Spot checks of the set nmap --top-ports 1000 scans: the last well-known entries and
     * ones inside the long run of equal frequencies (sorted by port at the cut). */
    assert_true(seen[3389] && seen[8080] && seen[1092] && seen[3013]);
    assert_false(seen[3050]); /* first port after the cut, same frequency as 3013 */
    assert_false(seen[2]);    /* compressnet, rarely open */
    ports_free(&pl);
}

static void test_top_bounds(void **state)
{
    (void)state;
    struct portlist pl = {0};
    struct rm_err e = {{0}};
    size_t max = ports_top_max();
    assert_int_equal(max, top_ports_by_freq_len);
    assert_true(max >= 4000 && max <= 65535);

    assert_int_equal(ports_top(0, &pl, &e), -1);
    assert_string_equal(e.msg, "top ports: 0 is out of range (1-4257)");
    assert_int_equal(ports_top(max + 1, &pl, &e), -1);
    assert_string_equal(e.msg, "top ports: 4258 is out of range (1-4257)");
    assert_null(pl.ports);

    assert_int_equal(ports_top(1, &pl, &e), 0);
    assert_int_equal(pl.n, 1);
    assert_int_equal(pl.ports[0], 80);
    ports_free(&pl);

    assert_int_equal(ports_top(max, &pl, &e), 0);
    assert_int_equal(pl.n, max);
    assert_memory_equal(pl.ports, top_ports_by_freq, max * sizeof *pl.ports);
    ports_free(&pl);
}

static void test_tables_well_formed(void **state)
{
    (void)state;
    /* bsearch needs strictly ascending ports; the frequency list must hold distinct ports. */
    assert_true(top_port_names_len > 1000);
    for (size_t i = 0; i < top_port_names_len; i++) {
        assert_int_not_equal(top_port_names[i].port, 0);
        assert_non_null(top_port_names[i].name);
        assert_true(strlen(top_port_names[i].name) > 0);
        assert_string_not_equal(top_port_names[i].name, "unknown");
        if (i > 0)
            assert_true(top_port_names[i - 1].port < top_port_names[i].port);
    }
    unsigned char seen[65536] = {0};
    for (size_t i = 0; i < top_ports_by_freq_len; i++) {
        assert_int_not_equal(top_ports_by_freq[i], 0);
        assert_int_equal(seen[top_ports_by_freq[i]], 0);
        seen[top_ports_by_freq[i]] = 1;
    }
}

static void test_service_names(void **state)
{
    (void)state;
    assert_string_equal(ports_service_name(22), "ssh");
    assert_string_equal(ports_service_name(80), "http");
    assert_string_equal(ports_service_name(443), "https");
    assert_string_equal(ports_service_name(3389), "ms-wbt-server");
    assert_string_equal(ports_service_name(1), "tcpmux");          /* first entry */
    assert_string_equal(ports_service_name(65301), "pcanywhere");  /* last entry */
    assert_null(ports_service_name(0));
    assert_null(ports_service_name(36));    /* absent from nmap-services */
    assert_null(ports_service_name(4));     /* listed as "unknown" */
    assert_null(ports_service_name(65535)); /* past the last entry */
    /* Every table entry is found by its own port. */
    for (size_t i = 0; i < top_port_names_len; i++)
        assert_ptr_equal(ports_service_name(top_port_names[i].port), top_port_names[i].name);
}

static void test_free_is_safe(void **state)
{
    (void)state;
    ports_free(NULL);
    struct portlist pl = {0};
    ports_free(&pl);
    ports_free(&pl);
    assert_null(pl.ports);
    assert_int_equal(pl.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_and_list),
        cmocka_unit_test(test_open_ranges),
        cmocka_unit_test(test_prefix_and_whitespace),
        cmocka_unit_test(test_word_boundaries),
        cmocka_unit_test(test_many_full_ranges),
        cmocka_unit_test(test_dedupe_and_sort),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_token_is_truncated),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_top_1000),
        cmocka_unit_test(test_top_bounds),
        cmocka_unit_test(test_tables_well_formed),
        cmocka_unit_test(test_service_names),
        cmocka_unit_test(test_free_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
