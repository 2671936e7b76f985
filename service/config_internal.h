/*
 * config_internal.h - what service/config.c shares with config_instruments.c (service/ only).
 */
#ifndef LIQ_CONFIG_INTERNAL_H
#define LIQ_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stddef.h>

#include "service/config.h"

/* The file's `instruments` list ({symbol, pip_size[, round_step]} entries) into c: 0, or -1
 * with err. */
int config_instruments_file(struct app_config *c, config_t *cfg, char *err, size_t errlen);
/* LIQ_INSTRUMENTS="EURUSD:0.0001,NIFTY:0.05:50" (SYMBOL:PIP[:ROUND_STEP]) into c: 0, or -1
 * with err. */
int config_instruments_env(struct app_config *c, const char *text, char *err, size_t errlen);

#endif
