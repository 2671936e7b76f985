/*
 * json_count.h - how many values a JSON text holds, counted before anything is parsed.
 *
 * The one idea: a jansson tree costs 40-240 bytes per value (a number in an array about 42,
 * an empty object about 235; measured with jansson 2.14), far more than the one to three
 * bytes the value takes in the text, so a body under body_limit_bytes can still cost
 * gigabytes once parsed. Counting the values first - one pass, no allocation, no stack -
 * lets a caller refuse such a body before it costs anything.
 *
 * The count of a valid JSON text is exact: 1 for the root, plus 1 per comma outside strings
 * (each separates two array elements or two object members, and a member has one value),
 * plus 1 per non-empty array or object (its first element). Keys are not values. Text that
 * is not JSON gets a count too (commas and brackets are counted as they come); the parser
 * then refuses it, so the count only decides whether it is parsed at all.
 */
#ifndef LIQ_JSON_COUNT_H
#define LIQ_JSON_COUNT_H

#include <stddef.h>

/*
 * The values of the JSON text (len bytes, NUL not needed), or stop + 1 as soon as there are
 * more than stop (the rest of the text is not read). Whitespace only: 0.
 * json_count_values("[1,2,[]]", 8, 100) == 4; json_count_values("{\"a,[\":\"\\\"]\"}", ..)
 * == 2 (commas, brackets and escaped quotes inside strings are text, not structure);
 * json_count_values("[1,2,3]", 7, 2) == 3.
 */
size_t json_count_values(const char *text, size_t len, size_t stop);

#endif
