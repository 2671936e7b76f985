/*
 * json_count.c - the values of a JSON text without parsing it (json_count.h).
 *
 * One pass with two bits of state: inside a string or not (a backslash there skips the
 * byte after it, so \" does not end the string), and "a container was just opened" (the
 * next byte outside whitespace says whether it is empty). Nothing is allocated and nothing
 * nests, so a deep or hostile text costs one read of its bytes.
 */
#include "base/json_count.h"

static int json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t json_count_values(const char *text, size_t len, size_t stop)
{
    size_t count = 0;
    int in_string = 0;
    int opened = 0; /* the last structural byte was '[' or '{' */
    size_t i = 0;
    while (i < len && json_space(text[i]))
        i++;
    if (i == len)
        return 0;
    count = 1; /* the root */
    for (; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++; /* the escaped byte is text, whatever it is */
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (json_space(c))
            continue;
        if (opened && c != ']' && c != '}')
            count++; /* the first element of a non-empty container */
        opened = 0;
        if (c == '"')
            in_string = 1;
        else if (c == '[' || c == '{')
            opened = 1;
        else if (c == ',')
            count++;
        if (count > stop)
            return stop + 1;
    }
    return count;
}
