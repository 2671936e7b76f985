/*
 * config.c - libconfig file + LIQ_* environment overrides, table-driven.
 *
 * One table lists every setting with its type, where it lives in struct app_config and
 * its valid range, so reading, environment overrides, validation and --check-config
 * cannot drift apart.
 */
#include "service/config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/exits.h"
#include "domain/zone.h"

enum kind { K_BOOL, K_INT, K_LONG, K_DOUBLE, K_STRING, K_SOURCES, K_EXIT };

struct setting {
    const char *key;
    enum kind kind;
    size_t offset;
    size_t size;   /* K_STRING: buffer size */
    double min, max;
};

#define P(field) offsetof(struct app_config, params.field)
#define S(field) offsetof(struct app_config, field)

static const struct setting SETTINGS[] = {
    {"liquidity_enabled", K_BOOL, P(liquidity_enabled), 0, 0, 1},
    {"liquidity_sources", K_SOURCES, P(liquidity_sources), 0, 0, 0},
    {"min_liquidity_strength", K_DOUBLE, P(min_liquidity_strength), 0, 0, 1},
    {"max_level_touches", K_INT, P(max_level_touches), 0, 1, 1000},
    {"round_level_step", K_DOUBLE, P(round_level_step), 0, 0.01, 1e6},
    {"round_levels_each_side", K_INT, P(round_levels_each_side), 0, 1, 50},
    {"runner_enabled", K_BOOL, P(runner_enabled), 0, 0, 1},
    {"runner_min_confidence", K_DOUBLE, P(runner_min_confidence), 0, 0, 1},
    {"min_rr_ratio", K_DOUBLE, P(min_rr_ratio), 0, 0.1, 100},
    {"weak_liquidity_factor", K_DOUBLE, P(weak_liquidity_factor), 0, 0, 1},
    {"transition_buffer_factor", K_DOUBLE, P(transition_buffer_factor), 0, 1, 10},
    {"zone_history_hours", K_DOUBLE, P(zone_history_hours), 0, 0.25, 24 * 365},
    {"liquidity_learning_enabled", K_BOOL, P(liquidity_learning_enabled), 0, 0, 1},
    {"liquidity_db_persist", K_BOOL, P(liquidity_db_persist), 0, 0, 1},
    {"default_buffer_pips", K_DOUBLE, P(default_buffer_pips), 0, 0, 1e6},
    {"fallback_stop_pips", K_DOUBLE, P(fallback_stop_pips), 0, 0.1, 1e6},
    {"swing_length", K_INT, P(swing_length), 0, 1, 100},
    {"merge_distance_pips", K_DOUBLE, P(merge_distance_pips), 0, 0, 1e6},
    {"zone_min_width_pips", K_DOUBLE, P(zone_min_width_pips), 0, 0.01, 1e6},
    {"equal_level_tolerance_pips", K_DOUBLE, P(equal_level_tolerance_pips), 0, 0, 1e6},
    {"wyckoff_min_bars", K_INT, P(wyckoff_min_bars), 0, 3, 10000},
    {"wyckoff_atr_multiple", K_DOUBLE, P(wyckoff_atr_multiple), 0, 0.1, 100},
    {"cluster_bin_pips", K_DOUBLE, P(cluster_bin_pips), 0, 0.01, 1e6},
    {"gann_levels", K_INT, P(gann_levels), 0, 1, 16},
    {"equal_level_lookback", K_INT, P(equal_level_lookback), 0, 2, 32},
    {"cluster_interval_hours", K_DOUBLE, P(cluster_interval_hours), 0, 0.25, 24 * 7},
    {"cluster_value_area", K_DOUBLE, P(cluster_value_area), 0, 0.1, 1},
    {"fvg_mitigation", K_DOUBLE, P(fvg_mitigation), 0, 0, 1},
    {"fvg_join_consecutive", K_BOOL, P(fvg_join_consecutive), 0, 0, 1},
    {"smc_timeframe_minutes", K_INT, P(smc_timeframe_minutes), 0, 15, 240},
    {"order_block_candle", K_INT, P(order_block_candle), 0, 0, 1},
    {"session_asia_start", K_INT, P(session_asia_start), 0, 0, 23},
    {"session_asia_end", K_INT, P(session_asia_end), 0, 0, 24},
    {"session_london_start", K_INT, P(session_london_start), 0, 0, 23},
    {"session_london_end", K_INT, P(session_london_end), 0, 0, 24},
    {"session_new_york_start", K_INT, P(session_new_york_start), 0, 0, 23},
    {"session_new_york_end", K_INT, P(session_new_york_end), 0, 0, 24},
    {"test_hold_atr", K_DOUBLE, P(test_hold_atr), 0, 0.05, 100},
    {"test_break_atr", K_DOUBLE, P(test_break_atr), 0, 0.05, 100},
    {"test_horizon_bars", K_INT, P(test_horizon_bars), 0, 1, 10000},
    {"test_rearm_atr", K_DOUBLE, P(test_rearm_atr), 0, 0, 100},
    {"zone_prior_tests", K_DOUBLE, P(zone_prior_tests), 0, 0, 1e6},
    {"zone_pool_half_life", K_DOUBLE, P(zone_pool_half_life), 0, 0, 1e9},
    {"zone_calib_half_life", K_DOUBLE, P(zone_calib_half_life), 0, 0, 1e9},
    {"buffer_atr", K_DOUBLE, P(buffer_atr), 0, 0, 100},
    {"fallback_stop_atr", K_DOUBLE, P(fallback_stop_atr), 0, 0, 100},
    {"stop_sweep_quantile", K_DOUBLE, P(stop_sweep_quantile), 0, 0, 0.99},
    {"target_stall_quantile", K_DOUBLE, P(target_stall_quantile), 0, 0, 0.99},
    {"exit_method", K_EXIT, P(exit_method), 0, 0, 0},
    {"min_expected_r", K_DOUBLE, P(min_expected_r), 0, -100, 100},
    {"max_entry_atr", K_DOUBLE, P(max_entry_atr), 0, 0, 1e6},
    {"port", K_INT, S(port), 0, 0, 65535},
    {"listen_address", K_STRING, S(listen_address),
     sizeof(((struct app_config *)0)->listen_address), 0, 0},
    {"threads", K_INT, S(threads), 0, 1, 256},
    {"body_limit_bytes", K_LONG, S(body_limit_bytes), 0, 1024, 1e10},
    {"json_max_values", K_LONG, S(json_max_values), 0, 64, 1e8},
    {"api_key", K_STRING, S(api_key), sizeof(((struct app_config *)0)->api_key), 0, 0},
    {"protect_reads", K_BOOL, S(protect_reads), 0, 0, 1},
    {"database_url", K_STRING, S(database_url),
     sizeof(((struct app_config *)0)->database_url), 0, 0},
    {"log_level", K_STRING, S(log_level), sizeof(((struct app_config *)0)->log_level), 0, 0},
    {"connection_limit", K_INT, S(connection_limit), 0, 1, 100000},
    {"per_ip_connection_limit", K_INT, S(per_ip_connection_limit), 0, 0, 100000},
    {"connection_timeout_s", K_INT, S(connection_timeout_s), 0, 1, 3600},
    {"header_timeout_s", K_INT, S(header_timeout_s), 0, 1, 600},
    {"retry_after_s", K_INT, S(retry_after_s), 0, 1, 3600},
    {"max_symbols", K_INT, S(max_symbols), 0, 1, 2048},
    {"checkpoint_every_bars", K_INT, S(checkpoint_every_bars), 0, 0, 100000000},
    {"connection_memory_limit_bytes", K_LONG, S(connection_memory_limit_bytes), 0, 8192,
     64.0 * 1024 * 1024},
    {"owned_symbols", K_STRING, S(owned_symbols),
     sizeof(((struct app_config *)0)->owned_symbols), 0, 0},
    {"instance_name", K_STRING, S(instance_name),
     sizeof(((struct app_config *)0)->instance_name), 0, 0},
    {"lease_ttl_ms", K_INT, S(lease_ttl_ms), 0, 300, 600000},
    {"handover_idle_ms", K_INT, S(handover_idle_ms), 0, 50, 600000},
    {"database_connect_timeout_ms", K_INT, S(database_connect_timeout_ms), 0, 100, 600000},
    {"database_timeout_ms", K_INT, S(database_timeout_ms), 0, 100, 600000},
    {"database_statement_timeout_ms", K_INT, S(database_statement_timeout_ms), 0, 0, 600000},
    {"database_lock_timeout_ms", K_INT, S(database_lock_timeout_ms), 0, 0, 600000},
    {"database_group_commit", K_BOOL, S(database_group_commit), 0, 0, 1},
};
#define NSETTINGS (sizeof SETTINGS / sizeof SETTINGS[0])
_Static_assert(NSETTINGS < CONFIG_FILE_SLOTS, "file_keys: a slot per setting + instruments");

static const char *const LIVE_KEYS[] = {
    "log_level", "api_key", "protect_reads", "retry_after_s", "min_liquidity_strength",
    "min_rr_ratio", "runner_enabled", "runner_min_confidence", "weak_liquidity_factor",
    "transition_buffer_factor", "default_buffer_pips", "fallback_stop_pips",
    "liquidity_learning_enabled", "buffer_atr", "fallback_stop_atr", "owned_symbols",
    "exit_method", "min_expected_r", "max_entry_atr",
};
#define NLIVE (sizeof LIVE_KEYS / sizeof LIVE_KEYS[0])

int config_is_live(const char *key)
{
    for (size_t i = 0; i < NLIVE; i++)
        if (strcmp(LIVE_KEYS[i], key) == 0)
            return 1;
    return 0;
}

static void *field(struct app_config *c, const struct setting *s)
{
    return (char *)c + s->offset;
}

static int bad(char *err, size_t errlen, const char *key, const char *what)
{
    snprintf(err, errlen, "setting '%s': %s", key, what);
    return -1;
}

static int check_range(const struct setting *s, double v, char *err, size_t errlen)
{
    if (!isfinite(v) || v < s->min || v > s->max) {
        char msg[128];
        snprintf(msg, sizeof msg, "must be between %g and %g", s->min, s->max);
        return bad(err, errlen, s->key, msg);
    }
    return 0;
}

/* Applies one textual value (from the environment) to setting s. */
static int set_from_text(struct app_config *c, const struct setting *s, const char *text,
                         char *err, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    switch (s->kind) {
    case K_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "yes"))
            *(int *)field(c, s) = 1;
        else if (!strcmp(text, "false") || !strcmp(text, "0") || !strcmp(text, "no"))
            *(int *)field(c, s) = 0;
        else
            return bad(err, errlen, s->key, "must be true or false");
        return 0;
    case K_INT:
    case K_LONG: {
        long long v = strtoll(text, &end, 10);
        if (errno || end == text || *end)
            return bad(err, errlen, s->key, "must be an integer");
        if (check_range(s, (double)v, err, errlen))
            return -1;
        if (s->kind == K_INT)
            *(int *)field(c, s) = (int)v;
        else
            *(long *)field(c, s) = (long)v;
        return 0;
    }
    case K_DOUBLE: {
        double v = strtod(text, &end);
        if (errno || end == text || *end)
            return bad(err, errlen, s->key, "must be a number");
        if (check_range(s, v, err, errlen))
            return -1;
        *(double *)field(c, s) = v;
        return 0;
    }
    case K_STRING:
        if (strlen(text) >= s->size)
            return bad(err, errlen, s->key, "is too long");
        snprintf(field(c, s), s->size, "%s", text);
        return 0;
    case K_SOURCES:
        return config_parse_sources(text, field(c, s), err, errlen);
    case K_EXIT:
        return config_parse_exit(text, field(c, s), err, errlen);
    }
    return -1;
}

static int set_from_file(struct app_config *c, const struct setting *s, config_setting_t *cs,
                         char *err, size_t errlen)
{
    int type = config_setting_type(cs);
    switch (s->kind) {
    case K_BOOL:
        if (type != CONFIG_TYPE_BOOL)
            return bad(err, errlen, s->key, "must be true or false");
        *(int *)field(c, s) = config_setting_get_bool(cs);
        return 0;
    case K_INT:
    case K_LONG: {
        if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
            return bad(err, errlen, s->key, "must be an integer");
        long long v = config_setting_get_int64(cs);
        if (check_range(s, (double)v, err, errlen))
            return -1;
        if (s->kind == K_INT)
            *(int *)field(c, s) = (int)v;
        else
            *(long *)field(c, s) = (long)v;
        return 0;
    }
    case K_DOUBLE: {
        double v;
        if (type == CONFIG_TYPE_FLOAT)
            v = config_setting_get_float(cs);
        else if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
            v = (double)config_setting_get_int64(cs);
        else
            return bad(err, errlen, s->key, "must be a number");
        if (check_range(s, v, err, errlen))
            return -1;
        *(double *)field(c, s) = v;
        return 0;
    }
    case K_STRING:
    case K_EXIT:
        if (type != CONFIG_TYPE_STRING)
            return bad(err, errlen, s->key, "must be a string");
        return set_from_text(c, s, config_setting_get_string(cs), err, errlen);
    case K_SOURCES: {
        if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
            return bad(err, errlen, s->key, "must be a list of source names");
        uint32_t mask = 0;
        for (int i = 0; i < config_setting_length(cs); i++) {
            const char *name = config_setting_get_string_elem(cs, i);
            enum liq_source src;
            if (name == NULL || source_parse(name, &src) != 0) {
                char msg[128];
                snprintf(msg, sizeof msg, "unknown source '%s'", name ? name : "(not a string)");
                return bad(err, errlen, s->key, msg);
            }
            mask |= 1u << src;
        }
        *(uint32_t *)field(c, s) = mask;
        return 0;
    }
    }
    return -1;
}

static int read_instruments_file(struct app_config *c, config_t *cfg, char *err, size_t errlen)
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
        if (config_add_instrument(c, sym, pip, round_step, err, errlen))
            return -1;
    }
    return 0;
}

static int load_file(struct app_config *c, const char *path, char *err, size_t errlen)
{
    config_t cfg;
    config_init(&cfg);
    int rc = 0;
    if (!config_read_file(&cfg, path)) {
        if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
            snprintf(err, errlen, "cannot read config file '%s'", path);
        else
            snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
                     config_error_text(&cfg));
        config_destroy(&cfg);
        return -1;
    }
    config_setting_t *root = config_root_setting(&cfg);
    if (config_setting_length(root) == 0) /* a file being written, or the wrong one */
        rc = bad(err, errlen, path, "the file holds no setting (without --config: defaults)");
    for (int i = 0; rc == 0 && i < config_setting_length(root); i++) {
        config_setting_t *cs = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(cs);
        const struct setting *s = NULL;
        for (size_t k = 0; k < NSETTINGS; k++)
            if (strcmp(SETTINGS[k].key, name) == 0)
                s = &SETTINGS[k];
        c->file_keys[s != NULL ? (size_t)(s - SETTINGS) : CONFIG_FILE_INSTRUMENTS] = 1;
        if (strcmp(name, "instruments") == 0)
            continue;
        if (s == NULL) {
            char what[120];
            snprintf(what, sizeof what, "unknown setting (did you mean '%s'?)",
                     config_closest_key(name));
            rc = bad(err, errlen, name, what);
        }
        else
            rc = set_from_file(c, s, cs, err, errlen);
    }
    if (rc == 0)
        rc = read_instruments_file(c, &cfg, err, errlen);
    config_destroy(&cfg);
    return rc;
}

int config_load(struct app_config *c, const char *path, char *err, size_t errlen)
{
    if (path != NULL && load_file(c, path, err, errlen) != 0)
        return -1;
    for (size_t k = 0; k < NSETTINGS; k++) {
        char env[96] = "LIQ_";
        size_t n = strlen(env);
        for (const char *p = SETTINGS[k].key; *p && n + 1 < sizeof env; p++)
            env[n++] = (char)toupper((unsigned char)*p);
        env[n] = '\0';
        const char *v = getenv(env);
        if (v != NULL && set_from_text(c, &SETTINGS[k], v, err, errlen) != 0)
            return -1;
    }
    const char *inst = getenv("LIQ_INSTRUMENTS");
    if (inst != NULL && config_instruments_env(c, inst, err, errlen) != 0)
        return -1;
    return config_check_whole(c, err, errlen);
}

const char *config_key_at(size_t i)
{
    return i < NSETTINGS ? SETTINGS[i].key : NULL;
}

static size_t setting_size(const struct setting *s)
{
    switch (s->kind) {
    case K_BOOL:
    case K_INT:
    case K_EXIT: return sizeof(int);
    case K_LONG: return sizeof(long);
    case K_DOUBLE: return sizeof(double);
    case K_STRING: return s->size;
    case K_SOURCES: return sizeof(uint32_t);
    }
    return 0;
}

int config_apply_live(struct app_config *dst, const struct app_config *src,
                      const char **names, int maxnames)
{
    int changed = 0;
    for (size_t k = 0; k < NSETTINGS; k++) {
        const struct setting *s = &SETTINGS[k];
        if (!config_is_live(s->key))
            continue;
        void *d = (char *)dst + s->offset;
        const void *v = (const char *)src + s->offset;
        size_t n = setting_size(s);
        if (memcmp(d, v, n) == 0)
            continue;
        memcpy(d, v, n);
        if (names != NULL && changed < maxnames)
            names[changed] = s->key;
        changed++;
    }
    return changed;
}

void config_print(const struct app_config *c, FILE *out)
{
    for (size_t k = 0; k < NSETTINGS; k++) {
        const struct setting *s = &SETTINGS[k];
        const void *f = (const char *)c + s->offset;
        fprintf(out, "%s = ", s->key);
        switch (s->kind) {
        case K_BOOL: fprintf(out, "%s\n", *(const int *)f ? "true" : "false"); break;
        case K_INT: fprintf(out, "%d\n", *(const int *)f); break;
        case K_LONG: fprintf(out, "%ld\n", *(const long *)f); break;
        case K_DOUBLE: fprintf(out, "%g\n", *(const double *)f); break;
        case K_EXIT: fprintf(out, "\"%s\"\n", exit_method_name(*(const int *)f)); break;
        case K_STRING:
            fprintf(out, "\"%s\"\n", strcmp(s->key, "api_key") == 0 && *(const char *)f
                                         ? "(set)" : (const char *)f);
            break;
        case K_SOURCES: {
            uint32_t m = *(const uint32_t *)f;
            fputc('[', out);
            for (int i = 0, first = 1; i < SRC_COUNT; i++)
                if (m & (1u << i)) {
                    fprintf(out, "%s\"%s\"", first ? "" : ", ", source_name((enum liq_source)i));
                    first = 0;
                }
            fputs("]\n", out);
            break;
        }
        }
    }
    for (int i = 0; i < c->ninstruments; i++)
        fprintf(out, "instrument %s pip_size = %g round_step = %g\n",
                c->instruments[i].symbol, c->instruments[i].pip_size,
                c->instruments[i].round_step);
}
