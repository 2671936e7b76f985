/*
 * config_check.c - a configuration as a whole: its defaults (config_defaults), and the checks
 * made at start, by --check-config and before a reload replaces anything (config_check_whole,
 * config_check_reload; config.h). Reading one setting is config.c's table.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "domain/params.h"
#include "service/config.h"
#include "service/ownership.h"

void config_defaults(struct app_config *c)
{
    memset(c, 0, sizeof *c);
    params_defaults(&c->params);
    c->port = 8080;
    snprintf(c->listen_address, sizeof c->listen_address, "0.0.0.0");
    c->threads = 4;
    c->body_limit_bytes = 64L * 1024 * 1024;
    c->json_max_values = 524288; /* a calendar month of M1 bars (43,200 x 9 values) */
    snprintf(c->database_url, sizeof c->database_url, "postgresql:///liquidity");
    snprintf(c->log_level, sizeof c->log_level, "info");
    c->connection_limit = 1024;
    c->per_ip_connection_limit = 128;
    c->connection_timeout_s = 60;
    c->header_timeout_s = 10;
    c->retry_after_s = 2;
    c->max_symbols = 2048;
    c->checkpoint_every_bars = 20000;
    c->connection_memory_limit_bytes = 256L * 1024;
    snprintf(c->owned_symbols, sizeof c->owned_symbols, "all");
    c->lease_ttl_ms = 10000;
    c->handover_idle_ms = 2000;
    c->database_connect_timeout_ms = 2000;
    c->database_timeout_ms = 5000;
    c->database_statement_timeout_ms = 4000;
    c->database_lock_timeout_ms = 2000;
    c->database_group_commit = 1;
}


int config_check_whole(const struct app_config *c, char *err, size_t errlen)
{
    if (strcmp(c->log_level, "debug") && strcmp(c->log_level, "info") &&
        strcmp(c->log_level, "warn") && strcmp(c->log_level, "error")) {
        snprintf(err, errlen, "setting 'log_level': must be debug, info, warn or error");
        return -1;
    }
    unsigned char addr[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, c->listen_address, addr) != 1 &&
        inet_pton(AF_INET6, c->listen_address, addr) != 1) {
        snprintf(err, errlen, "setting 'listen_address': must be an IPv4 or IPv6 address "
                              "(0.0.0.0, 127.0.0.1, ::, ::1), not a host name");
        return -1;
    }
    for (const char *p = c->api_key; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x21 || ch > 0x7e) {
            snprintf(err, errlen, "setting 'api_key': must be visible ASCII (byte %ld is 0x%02x:"
                                  " no space, newline or control character)",
                     (long)(p - c->api_key), ch);
            return -1;
        }
    }
    struct own_spec spec;
    char why[160];
    if (own_spec_parse(c->owned_symbols, &spec, why, sizeof why) != 0) {
        snprintf(err, errlen, "setting 'owned_symbols': %s", why);
        return -1;
    }
    return 0;
}

int config_check_reload(const struct app_config *running, const struct app_config *fresh,
                        char *err, size_t errlen)
{
    size_t k = 0;
    while (k < CONFIG_FILE_SLOTS && !(running->file_keys[k] && !fresh->file_keys[k]))
        k++;
    if (k == CONFIG_FILE_SLOTS)
        return 0;
    const char *name = k == CONFIG_FILE_INSTRUMENTS ? "instruments" : config_key_at(k);
    snprintf(err, errlen, "setting '%s' is in the running file but not in the new one (a file "
                          "cut short?): write it to change it%s", name,
             strcmp(name, "api_key") == 0 ? " (api_key = \"\" removes the key)" : "");
    return -1;
}
