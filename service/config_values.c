/*
 * config_values.c - the settings whose values are words or lists (config.h): the list of
 * sources, the exit method and the instruments.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/exits.h"
#include "domain/instrument.h"
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

static int bad(char *err, size_t errlen, const char *key, const char *what)
{
    snprintf(err, errlen, "setting '%s': %s", key, what);
    return -1;
}

int config_add_instrument(struct app_config *c, const char *symbol, double pip,
                          double round_step, char *err, size_t errlen)
{
    if (!isfinite(round_step) || round_step < 0)
        return bad(err, errlen, "instruments", "round_step must be a number >= 0");
    if (!instrument_valid_symbol(symbol))
        return bad(err, errlen, "instruments",
                   "symbol must match " INSTRUMENT_SYMBOL_RULE);
    if (!isfinite(pip) || pip <= 0)
        return bad(err, errlen, "instruments", "pip_size must be a number > 0");
    for (int i = 0; i < c->ninstruments; i++) {
        if (strcmp(c->instruments[i].symbol, symbol) == 0) {
            c->instruments[i].pip_size = pip;
            c->instruments[i].round_step = round_step;
            return 0;
        }
    }
    if (c->ninstruments == CONFIG_MAX_INSTRUMENTS)
        return bad(err, errlen, "instruments", "too many instruments");
    struct instrument *in = &c->instruments[c->ninstruments++];
    snprintf(in->symbol, sizeof in->symbol, "%s", symbol);
    in->pip_size = pip;
    in->round_step = round_step;
    return 0;
}

/* LIQ_INSTRUMENTS="EURUSD:0.0001,NIFTY:0.05:50" (SYMBOL:PIP[:ROUND_STEP]) */
int config_instruments_env(struct app_config *c, const char *text, char *err, size_t errlen)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (colon == NULL)
            return bad(err, errlen, "instruments",
                   "LIQ_INSTRUMENTS entries are SYMBOL:PIP[:ROUND_STEP]");
        *colon = '\0';
        char *end = NULL;
        double pip = strtod(colon + 1, &end), round_step = 0;
        if (end != colon + 1 && *end == ':') {
            char *r = end + 1;
            round_step = strtod(r, &end);
            if (end == r)
                return bad(err, errlen, "instruments", "round step must be a number");
        }
        if (end == colon + 1 || *end)
            return bad(err, errlen, "instruments", "pip size must be a number");
        if (config_add_instrument(c, tok, pip, round_step, err, errlen))
            return -1;
    }
    return 0;
}
