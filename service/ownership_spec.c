/*
 * ownership_spec.c - owned_symbols, the symbols this instance may own: "all", "K of N" (a
 * hash range) or a list of names; parsed once per configuration (own_spec_parse) and asked
 * per symbol (own_spec_has). Pure. See ownership.h.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "service/ownership.h"

static int parse_range(const char *text, struct own_spec *out)
{
    unsigned k = 0, n = 0;
    int used = 0;
    if (sscanf(text, " %u of %u %n", &k, &n, &used) != 2 || text[used] != '\0')
        return -1;
    if (n == 0 || n > 4096 || k >= n)
        return -1;
    out->kind = OWN_RANGE;
    out->k = k;
    out->n = n;
    return 0;
}

static int valid_symbol(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

int own_spec_parse(const char *text, struct own_spec *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", text);
    char *p = buf;
    while (*p == ' ')
        p++;
    if (strcmp(p, "all") == 0 || strcmp(p, "") == 0) {
        out->kind = OWN_ALL;
        return 0;
    }
    if (strstr(p, " of ") != NULL) {
        if (parse_range(p, out) == 0)
            return 0;
        snprintf(why, whylen, "a hash range is 'K of N' with 0 <= K < N <= 4096, e.g. '0 of 3'");
        return -1;
    }
    out->kind = OWN_LIST;
    char *save = NULL;
    for (char *tok = strtok_r(p, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (!valid_symbol(tok) || out->nlist == OWN_MAX_LIST) {
            snprintf(why, whylen, "'all', 'K of N' or up to %d symbols (A-Z a-z 0-9 . _ -, "
                                  "at most 32 characters) separated by commas", OWN_MAX_LIST);
            return -1;
        }
        snprintf(out->list[out->nlist++], sizeof out->list[0], "%s", tok);
    }
    return 0;
}

int own_spec_has(const struct own_spec *spec, const char *symbol)
{
    switch (spec->kind) {
    case OWN_ALL:
        return 1;
    case OWN_RANGE:
        return hash_str(symbol) % spec->n == spec->k;
    case OWN_LIST:
        for (int i = 0; i < spec->nlist; i++)
            if (strcmp(spec->list[i], symbol) == 0)
                return 1;
        return 0;
    }
    return 0;
}
