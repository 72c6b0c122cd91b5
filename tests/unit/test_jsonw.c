/* The streaming JSON writer must write exactly what cJSON prints for the same tree (the
 * evaluation document switched from a cJSON tree to it without changing a byte): each test
 * builds one document both ways, pretty and compact, and compares the texts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/jsonw.h"

/* Builds the document into tree (when w is NULL) or writes it to w. */
static void document(cJSON *tree, struct jsonw *w)
{
    static const char nasty[] = "q\" b\\ \b\f\n\r\t \x01\x1f \x7f / \xc3\xa9 \xff <&>";
    static const double nums[] = {0, 1, -3, 2.5, 0.1, 1.0 / 3, 1e20, -1e-7, 123456789012.0,
                                  999999999999999.0, 1e15, 9007199254740993.0, 4.35};
    if (w) {
        jw_object(w, NULL);
        jw_str(w, "format", "x");
        jw_int(w, "version", 1);
        jw_str(w, "absent", NULL);          /* cJSON adds no member for a NULL string */
        jw_str_or_null(w, "none", NULL);
        jw_str(w, nasty, nasty);
        jw_bool(w, "t", true);
        jw_bool(w, "f", false);
        jw_object(w, "empty_object");
        jw_end(w);
        jw_array(w, "empty_array");
        jw_end(w);
        jw_array(w, "numbers");
        for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
            jw_num(w, NULL, nums[i]);
        jw_int(w, NULL, 1000000000000000LL);
        jw_int(w, NULL, -42);
        jw_int(w, NULL, 0);
        jw_int(w, NULL, 999999999999999LL);
        jw_int(w, NULL, -999999999999999LL);
        jw_int(w, NULL, 65535);
        jw_end(w);
        jw_array(w, "objects");
        for (int i = 0; i < 3; i++) {
            jw_object(w, NULL);
            jw_int(w, "i", i);
            jw_object(w, "inner");
            jw_array(w, "list");
            jw_str(w, NULL, "a");
            jw_str(w, NULL, NULL);
            jw_null(w, NULL);
            jw_object(w, NULL);
            jw_end(w);
            jw_end(w);
            jw_end(w);
            jw_end(w);
        }
        jw_end(w);
        jw_end(w);
        return;
    }
    cJSON_AddStringToObject(tree, "format", "x");
    cJSON_AddNumberToObject(tree, "version", 1);
    cJSON_AddStringToObject(tree, "absent", NULL);
    cJSON_AddNullToObject(tree, "none");
    cJSON_AddStringToObject(tree, nasty, nasty);
    cJSON_AddBoolToObject(tree, "t", 1);
    cJSON_AddBoolToObject(tree, "f", 0);
    cJSON_AddObjectToObject(tree, "empty_object");
    cJSON_AddArrayToObject(tree, "empty_array");
    cJSON *a = cJSON_AddArrayToObject(tree, "numbers");
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(nums[i]));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(1000000000000000.0));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(-42));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(0));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(999999999999999.0));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(-999999999999999.0));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(65535));
    cJSON *objs = cJSON_AddArrayToObject(tree, "objects");
    for (int i = 0; i < 3; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "i", i);
        cJSON *in = cJSON_AddObjectToObject(o, "inner");
        cJSON *l = cJSON_AddArrayToObject(in, "list");
        cJSON_AddItemToArray(l, cJSON_CreateString("a"));
        cJSON_AddItemToArray(l, cJSON_CreateString(NULL));
        cJSON_AddItemToArray(l, cJSON_CreateNull());
        cJSON_AddItemToArray(l, cJSON_CreateObject());
        cJSON_AddItemToArray(objs, o);
    }
}

static void same_as(bool pretty)
{
    cJSON *tree = cJSON_CreateObject();
    assert_non_null(tree);
    document(tree, NULL);
    char *want = pretty ? cJSON_Print(tree) : cJSON_PrintUnformatted(tree);
    cJSON_Delete(tree);
    assert_non_null(want);

    struct jsonw w;
    jw_init(&w, pretty);
    document(NULL, &w);
    size_t len = 0;
    char *got = jw_finish(&w, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(got));
    assert_string_equal(got, want);
    free(got);
    free(want);
}

static void pretty_equals_cjson_print(void **state)
{
    (void)state;
    same_as(true);
}

static void compact_equals_cjson_print_unformatted(void **state)
{
    (void)state;
    same_as(false);
}

static void unbalanced_or_bare_gives_null(void **state)
{
    (void)state;
    struct jsonw w;
    size_t len = 7;
    jw_init(&w, true);
    jw_object(&w, NULL);
    jw_array(&w, "open");
    assert_null(jw_finish(&w, &len)); /* containers still open */
    assert_int_equal(len, 7);
    jw_init(&w, true);
    jw_end(&w); /* nothing to close */
    assert_null(jw_finish(&w, &len));
    jw_init(&w, false);
    for (int i = 0; i < JW_MAX_DEPTH + 1; i++)
        jw_array(&w, NULL);
    for (int i = 0; i < JW_MAX_DEPTH + 1; i++)
        jw_end(&w);
    assert_null(jw_finish(&w, &len)); /* too deep: refused, not corrupted */
    jw_init(&w, false);
    jw_int(&w, NULL, 5); /* a bare root value is a document too */
    char *p = jw_finish(&w, &len);
    assert_non_null(p);
    assert_string_equal(p, "5");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pretty_equals_cjson_print),
        cmocka_unit_test(compact_equals_cjson_print_unformatted),
        cmocka_unit_test(unbalanced_or_bare_gives_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
