/*
 * test_helpers.c - the shared small helpers of domain/: the growable array (grow.h) and the
 * binary search (lower_bound.h) that the decoders, the engine, the state and the API use.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "domain/bar.h"
#include "domain/grow.h"
#include "domain/lower_bound.h"
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
