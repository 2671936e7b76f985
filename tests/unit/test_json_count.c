/*
 * test_json_count.c - the values of a JSON text counted without parsing it
 * (base/json_count.h): exact on valid JSON whatever its shape (every count checked against
 * the jansson tree of the same text), blind to commas, brackets and escaped quotes inside
 * strings, and it stops reading once past the limit it was given.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_count.h"

/* The values of a jansson tree: itself and everything under it (keys are not values). */
static size_t tree_values(const json_t *j)
{
    size_t n = 1;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            n += tree_values(json_array_get(j, i));
    } else if (json_is_object(j)) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)j, key, v)
            n += tree_values(v);
    }
    return n;
}

static size_t count(const char *text)
{
    return json_count_values(text, strlen(text), (size_t)-2);
}

Test(json_count, counts_what_jansson_builds_on_valid_json)
{
    static const char *const TEXTS[] = {
        "1", "\"a\"", "true", " null ", "[]", "{}", "[[]]", "[{}]", "[1,2,3]", "[ 1 , [ ] , { } ]",
        "{\"a\":1}", "{\"a\":[1,2],\"b\":{},\"c\":{\"d\":null}}", "[[[[[[1]]]]]]",
        "[\"a,b\",\"[\",\"]\",\"{\",\"}\",\"\\\"\",\"\\\\\"]",
        "{\"k,\":\"v:[\",\"\\\"q\\\"\":[ \"\\\\\",{\"x\":\"\\u0022,\"} ]}",
        "\n[\t{\"symbol\":\"EURUSD\",\"timeframe\":\"M15\",\"ts\":1,\"open\":1.0,\"high\":1.1,"
        "\"low\":0.9,\"close\":1.05,\"volume\":10}\r\n]\n",
        "{\"a\":[{\"b\":[[],[{}],\"],\"]}],\"c\":-1.5e3,\"d\":false}",
    };
    for (size_t i = 0; i < sizeof TEXTS / sizeof TEXTS[0]; i++) {
        json_error_t e;
        json_t *j = json_loads(TEXTS[i], JSON_DECODE_ANY, &e);
        cr_assert_not_null(j, "text %zu is valid JSON: %s", i, e.text);
        cr_expect_eq(count(TEXTS[i]), tree_values(j), "text %zu: %s", i, TEXTS[i]);
        json_decref(j);
    }
}

Test(json_count, strings_are_text_whatever_they_hold)
{
    /* a comma, brackets and braces, an escaped quote, an escaped backslash before the
     * closing quote: one string, one value */
    cr_expect_eq(count("\"a,b]c[d}e{f\\\"g,h\""), 1);
    cr_expect_eq(count("[\"\\\\\",1]"), 3);     /* ["\\",1]: the quote after \\ closes */
    cr_expect_eq(count("[\"\\\",1]\"]"), 2);    /* ["\",1]"]: one string */
    cr_expect_eq(count("{\"a,b,c\":\"[1,2,3]\"}"), 2);
}

Test(json_count, whitespace_is_nothing_and_the_limit_stops_the_count)
{
    cr_expect_eq(count(""), 0);
    cr_expect_eq(count(" \n\t\r"), 0);
    cr_expect_eq(json_count_values("[1,2,3]", 7, 4), 4);
    cr_expect_eq(json_count_values("[1,2,3]", 7, 3), 4);   /* past 3: 3 + 1 */
    cr_expect_eq(json_count_values("[1,2,3]", 7, 0), 1);
    cr_expect_eq(json_count_values("[1,2,3]", 2, 100), 2); /* only len bytes are read */
    /* a million commas is refused after reading a few */
    size_t n = 1000000;
    char *big = malloc(n + 2);
    cr_assert_not_null(big);
    big[0] = '[';
    memset(big + 1, ',', n);
    big[n + 1] = ']';
    cr_expect_eq(json_count_values(big, n + 2, 10), 11);
    cr_expect_eq(json_count_values(big, n + 2, (size_t)-2), n + 2);
    free(big);
}

Test(json_count, malformed_text_is_counted_without_harm)
{
    /* the parser refuses these afterwards; the count only must not crash or read past len */
    cr_expect_eq(count("[1,2"), 3);
    cr_expect_eq(count("\"open"), 1);
    cr_expect_eq(count("\"ends with a backslash\\"), 1);
    cr_expect_eq(count("]]],,"), 3);
}
