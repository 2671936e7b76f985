/*
 * config_values.c - the settings whose values are words (config.h): the list of sources and
 * the exit method.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "domain/exits.h"
#include "domain/zone.h"
#include "service/config.h"

int config_parse_sources(const char *text, uint32_t *out, char *err, size_t errlen)
{
    uint32_t mask = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        enum liq_source src;
        if (strcmp(tok, "ALL") == 0) {
            mask = SRC_ALL;
        } else if (source_parse(tok, &src) == 0) {
            mask |= 1u << src;
        } else {
            snprintf(err, errlen, "setting 'liquidity_sources': unknown source '%s'", tok);
            return -1;
        }
    }
    *out = mask;
    return 0;
}

int config_parse_exit(const char *text, int *out, char *err, size_t errlen)
{
    enum exit_method m;
    if (exit_method_parse(text, &m) != 0) {
        snprintf(err, errlen, "setting 'exit_method': must be auto, zones or geometry");
        return -1;
    }
    *out = (int)m;
    return 0;
}
