/*
 * config_instruments.c - the instruments of the configuration (service/config_internal.h):
 * the file's `instruments` list and LIQ_INSTRUMENTS, each entry checked as it is added.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/instrument.h"
#include "service/config_internal.h"

static int bad(char *err, size_t errlen, const char *key, const char *what)
{
    snprintf(err, errlen, "setting '%s': %s", key, what);
    return -1;
}

static int add_instrument(struct app_config *c, const char *symbol, double pip,
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

int config_instruments_file(struct app_config *c, config_t *cfg, char *err, size_t errlen)
{
    config_setting_t *list = config_lookup(cfg, "instruments");
    if (list == NULL)
        return 0;
    for (int i = 0; i < config_setting_length(list); i++) {
        config_setting_t *it = config_setting_get_elem(list, (unsigned)i);
        const char *sym = NULL;
        double pip = 0, round_step = 0;
        if (!config_setting_lookup_string(it, "symbol", &sym) ||
            !config_setting_lookup_float(it, "pip_size", &pip))
            return bad(err, errlen, "instruments",
                       "each entry needs symbol (string) and pip_size (float)");
        if (config_setting_get_member(it, "round_step") != NULL &&
            !config_setting_lookup_float(it, "round_step", &round_step))
            return bad(err, errlen, "instruments", "round_step must be a float (50.0)");
        if (add_instrument(c, sym, pip, round_step, err, errlen))
            return -1;
    }
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
        if (add_instrument(c, tok, pip, round_step, err, errlen))
            return -1;
    }
    return 0;
}
