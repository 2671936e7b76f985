/* utf8_clip and utf8_seq_len (issue 13 item 3): cuts on character boundaries, and what
 * comes out is valid UTF-8 without control characters whatever goes in. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/utf8.h"

Test(utf8, sequences_are_judged_as_rfc_3629_says)
{
    cr_assert_eq(utf8_seq_len("a", 1), 1);
    cr_assert_eq(utf8_seq_len("\xc3\xa9", 2), 2);
    cr_assert_eq(utf8_seq_len("\xe2\x82\xac", 3), 3);
    cr_assert_eq(utf8_seq_len("\xf0\x9f\x98\x80", 4), 4);
    cr_assert_eq(utf8_seq_len("\xc3", 1), 0, "cut");
    cr_assert_eq(utf8_seq_len("\x80", 1), 0, "stray continuation");
    cr_assert_eq(utf8_seq_len("\xc0\xaf", 2), 0, "overlong");
    cr_assert_eq(utf8_seq_len("\xe0\x80\xaf", 3), 0, "overlong");
    cr_assert_eq(utf8_seq_len("\xed\xa0\x80", 3), 0, "surrogate");
    cr_assert_eq(utf8_seq_len("\xf4\x90\x80\x80", 4), 0, "above U+10FFFF");
    cr_assert_eq(utf8_seq_len("\xff", 1), 0);
}

Test(utf8, a_cut_never_splits_a_character)
{
    static const char *const CHARS[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    char src[64], dst[64];
    for (size_t c = 0; c < 3; c++) {
        size_t cl = strlen(CHARS[c]);
        for (size_t pre = 0; pre < 8; pre++) {
            memset(src, 'a', pre);
            memcpy(src + pre, CHARS[c], cl + 1);
            for (size_t max = 0; max <= pre + cl; max++) {
                size_t n = utf8_clip(dst, sizeof dst, src, max);
                size_t want = max >= pre + cl ? pre + cl : (max < pre ? max : pre);
                cr_assert_eq(n, want, "char %zu pre %zu max %zu", c, pre, max);
                cr_assert_eq(strlen(dst), n);
                cr_assert_eq(memcmp(dst, src, n), 0);
            }
        }
    }
    cr_assert_eq(utf8_clip(dst, 4, "abcdef", 100), 3, "dst's size bounds it too");
}

Test(utf8, invalid_bytes_and_controls_become_question_marks)
{
    char dst[64];
    utf8_clip(dst, sizeof dst, "a\xff\nb\x7f\"c\xc3", 63);
    cr_assert_str_eq(dst, "a??b?\"c?");
    utf8_clip(dst, sizeof dst, "x\",\"lvl\":\"FORGED\r\n", 63);
    cr_assert_str_eq(dst, "x\",\"lvl\":\"FORGED??", "quotes stay (JSON escapes them)");
}
