/*
 * test_helpers.c - the shared small helpers of base/: the growable array (grow.h), the
 * binary search (lower_bound.h), the hash (hash.h), the symbol table (symtab.h) and the
 * text buffer (textbuf.h) that the decoders, the engine, the state, the leases and the API
 * use.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/hash.h"
#include "base/lower_bound.h"
#include "base/symtab.h"
#include "base/textbuf.h"
#include "domain/bar.h"
#include "domain/zone.h"

Test(grow, doubles_from_first_and_keeps_the_contents)
{
    size_t cap = 0;
    int *v = NULL;
    for (int i = 0; i < 1000; i++) {
        int *g = grow_array(v, &cap, (size_t)i + 1, sizeof *g, 16);
        cr_assert_not_null(g);
        v = g;
        v[i] = i;
    }
    cr_assert_eq(cap, 1024); /* 16, 32, ... 1024 */
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(v[i], i);
    cr_assert_eq(grow_array(v, &cap, 10, sizeof *v, 16), v, "room enough: no realloc");
    free(v);
}

Test(grow, refuses_an_overflowing_size_and_leaves_the_array_as_it_was)
{
    size_t cap = 4;
    char *v = malloc(4);
    cr_assert_not_null(v);
    cr_assert_null(grow_array(v, &cap, SIZE_MAX / 2 + 2, 1, 4));
    cr_assert_null(grow_array(v, &cap, SIZE_MAX / 8, 16, 4));
    cr_assert_eq(cap, 4);
    v[3] = 'x'; /* still ours */
    free(v);
}

Test(lower_bound, finds_the_first_key_at_or_above_in_keys_and_in_structs)
{
    double keys[] = {1.0, 2.0, 2.0, 3.5};
    cr_assert_eq(lower_bound_f64(keys, 4, sizeof keys[0], 0.5), 0);
    cr_assert_eq(lower_bound_f64(keys, 4, sizeof keys[0], 2.0), 1);
    cr_assert_eq(lower_bound_f64(keys, 4, sizeof keys[0], 2.5), 3);
    cr_assert_eq(lower_bound_f64(keys, 4, sizeof keys[0], 9.0), 4);
    cr_assert_eq(lower_bound_f64(keys, 0, sizeof keys[0], 1.0), 0);
    struct zone zs[3] = {{.price = 1.05}, {.price = 1.10}, {.price = 1.20}};
    cr_assert_eq(lower_bound_f64(&zs[0].price, 3, sizeof zs[0], 1.10), 1);
    cr_assert_eq(lower_bound_f64(&zs[0].price, 3, sizeof zs[0], 1.11), 2);
    struct bar log[4] = {{.ts = 100}, {.ts = 200}, {.ts = 300}, {.ts = 400}};
    cr_assert_eq(lower_bound_i64(&log[0].ts, 4, sizeof log[0], 250), 2);
    cr_assert_eq(lower_bound_i64(&log[0].ts, 4, sizeof log[0], 400), 3);
    cr_assert_eq(lower_bound_i64(&log[0].ts, 4, sizeof log[0], 401), 4);
}

Test(hash, keeps_its_values_over_bytes_and_strings_alike)
{
    /* owned_symbols "K of N" depends on the values: these are the ones every release had
     * (FNV-1a's mixing from the offset basis base/hash.h names) */
    cr_assert_eq(hash_str(""), 0x14650fb0739d0383ull);
    cr_assert_eq(hash_str("a"), 0x44bd8ad473cd9906ull);
    cr_assert_eq(hash_str("foobar"), 0x88fad7c0a8ff07f2ull);
    cr_assert_eq(hash_str("EURUSD") % 3, 1);
    cr_assert_eq(hash_bytes("foobar", 6), hash_str("foobar"));
    cr_assert_eq(hash_bytes(NULL, 0), hash_str(""));
}

struct named {
    int value;
    char name[16];
};

Test(symtab, finds_what_was_added_and_refuses_past_half_full)
{
    struct symtab t;
    cr_assert_eq(symtab_init(&t, 12, offsetof(struct named, name)), -1, "not a power of two");
    symtab_free(&t);
    cr_assert_eq(symtab_init(&t, 1, offsetof(struct named, name)), -1, "too small");
    cr_assert_eq(symtab_init(&t, 0, offsetof(struct named, name)), -1, "empty");
    cr_assert_null(symtab_find(&t, "SYM0"), "a table that failed to start finds nothing");
    symtab_free(&t);
    cr_assert_eq(symtab_init(&t, 16, offsetof(struct named, name)), 0);
    struct named e[9];
    for (int i = 0; i < 9; i++) {
        e[i].value = i;
        snprintf(e[i].name, sizeof e[i].name, "SYM%d", i);
    }
    for (int i = 0; i < 8; i++) {
        cr_assert_null(symtab_find(&t, e[i].name));
        cr_assert_eq(symtab_add(&t, &e[i]), 0, "%d", i);
        cr_assert_eq(symtab_find(&t, e[i].name), &e[i]);
    }
    cr_assert(symtab_full(&t));
    cr_assert_eq(symtab_add(&t, &e[8]), -1, "cap / 2 entries at most");
    cr_assert_null(symtab_find(&t, "SYM8"));
    cr_assert_eq(symtab_count(&t), 8);
    int seen = 0;
    for (size_t i = 0; i < t.cap; i++) {
        struct named *n = symtab_slot(&t, i);
        if (n != NULL)
            seen |= 1 << n->value;
    }
    cr_assert_eq(seen, 0xff, "a walk of the slots meets every entry once");
    for (int i = 0; i < 8; i++)
        cr_assert_eq(((struct named *)symtab_find(&t, e[i].name))->value, i);
    symtab_free(&t);
    cr_assert_null(symtab_find(&t, "SYM0"), "a freed table finds nothing");
}

Test(textbuf, grows_past_what_one_printf_reserves_and_hands_the_text_over)
{
    struct textbuf b = {0};
    size_t len = 99;
    char *s = textbuf_take(&b, &len);
    cr_assert_not_null(s, "an empty buffer hands over an empty string");
    cr_assert_eq(len, 0);
    cr_assert_str_eq(s, "");
    free(s);
    /* one printf longer than the 64 bytes it reserves first, at every offset of a page */
    char long_text[300];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    for (int i = 0; i < 40; i++)
        textbuf_printf(&b, "%d:%s;", i, long_text);
    cr_assert_eq(b.oom, 0);
    s = textbuf_take(&b, &len);
    cr_assert_not_null(s);
    cr_assert_eq(len, strlen(s));
    size_t want = 0;
    for (int i = 0; i < 40; i++)
        want += (size_t)snprintf(NULL, 0, "%d:", i) + strlen(long_text) + 1;
    cr_assert_eq(len, want, "nothing cut where a printf had to grow the buffer");
    cr_assert_eq(strncmp(s + len - 303, "39:", 3), 0, "%s", s + len - 303);
    cr_assert_null(b.s, "taking empties the buffer");
    free(s);
}

Test(textbuf, escapes_json_and_a_failed_allocation_sticks)
{
    struct textbuf b = {0};
    textbuf_json_string(&b, "a\"b\\c\n\x01");
    size_t len = 0;
    char *s = textbuf_take(&b, &len);
    cr_assert_str_eq(s, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    free(s);
    textbuf_append(&b, "kept", 4);
    b.oom = 1; /* as after a failed allocation */
    textbuf_append(&b, "lost", 4);
    textbuf_printf(&b, "%s", "lost");
    cr_assert_eq(b.len, 4, "appends after a failure do nothing");
    cr_assert_null(textbuf_take(&b, &len), "and the text is refused as a whole");
    cr_assert_null(b.s, "its memory freed");
    cr_assert_eq(b.oom, 0, "an emptied buffer starts again");
    textbuf_free(&b);
}
