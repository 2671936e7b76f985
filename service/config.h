/*
 * config.h - the service's settings: the domain's liq_params plus the server's own.
 *
 * Read in three layers, each overriding the one before: built-in defaults, the libconfig
 * file given with --config, then environment variables named LIQ_ + the key in capitals
 * (LIQ_MIN_RR_RATIO=2.0, LIQ_PORT=9000). Every value is range-checked; a bad one stops the
 * start with a message naming the key (exit 2).
 */
#ifndef LIQ_CONFIG_H
#define LIQ_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "domain/params.h"

#define CONFIG_MAX_INSTRUMENTS 64

struct instrument {
    char symbol[33];
    double pip_size;
};

struct app_config {
    struct liq_params params;
    int port;
    int threads;
    long body_limit_bytes;
    char api_key[128];
    int protect_reads;
    char database_url[512];
    char log_level[8];
    int connection_limit;
    int per_ip_connection_limit;
    int connection_timeout_s;
    int retry_after_s;
    struct instrument instruments[CONFIG_MAX_INSTRUMENTS];
    int ninstruments;
};

void config_defaults(struct app_config *c);
/* Reads path (NULL: none) then the environment. Returns 0, or -1 with err naming the key. */
int config_load(struct app_config *c, const char *path, char *err, size_t errlen);
/* Writes every setting as "key = value" lines (for --check-config). */
void config_print(const struct app_config *c, FILE *out);

#endif
