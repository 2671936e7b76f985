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
    double round_step; /* price units between ROUND levels; 0: round_level_step pips */
};

#define CONFIG_FILE_SLOTS 128
#define CONFIG_FILE_INSTRUMENTS (CONFIG_FILE_SLOTS - 1)

struct app_config {
    struct liq_params params;
    int port;
    char listen_address[64]; /* the IPv4 or IPv6 address to listen on: 0.0.0.0 all IPv4,
                              * :: all, 127.0.0.1 / ::1 this machine only */
    int threads;
    long body_limit_bytes;
    long json_max_values;         /* a JSON body holding more values gets 413 json_too_large
                                   * before it is parsed (api/http.c, base/json_count.h) */
    char api_key[128];
    int protect_reads;
    char database_url[512];
    char log_level[8];
    int connection_limit;
    int per_ip_connection_limit;
    int connection_timeout_s;
    int header_timeout_s;
    int retry_after_s;
    int max_symbols;              /* more symbols get 507 too_many_symbols (<= 2048) */
    int checkpoint_every_bars;    /* an engine checkpoint per symbol this often (0: none) */
    long connection_memory_limit_bytes; /* libmicrohttpd's per-connection memory pool */
    struct instrument instruments[CONFIG_MAX_INSTRUMENTS];
    int ninstruments;
    /* symbol ownership (service/ownership.h, docs/scaling.md) */
    char owned_symbols[1024];     /* "all", "K of N" or "EURUSD, GBPUSD"; SIGHUP reloads it */
    char instance_name[64];       /* names this instance in 421 answers and lease rows */
    int lease_ttl_ms;             /* a lease not renewed for this long may be taken over */
    int handover_idle_ms;         /* a wanted symbol is handed over after this long unwritten */
    /* database deadlines (storage/pg.h struct pg_limits, docs/operations.md) */
    int database_connect_timeout_ms;   /* per host of the URL */
    int database_timeout_ms;           /* one round trip; then cancelled, 503 */
    int database_statement_timeout_ms; /* server-side statement_timeout (0: none) */
    int database_lock_timeout_ms;      /* server-side lock_timeout (0: none) */
    int database_group_commit;         /* concurrent writes share WAL flushes (pg_group.c) */
    /* 1 where the file set setting k (config_key_at(k)); [CONFIG_FILE_INSTRUMENTS]: its
     * instruments */
    unsigned char file_keys[CONFIG_FILE_SLOTS];
};

/* The name of setting i (file key, lower case) in the settings table, NULL past its end. */
const char *config_key_at(size_t i);
void config_defaults(struct app_config *c);
/* Reads path (NULL: none) then the environment. Returns 0, or -1 with err naming the key. */
int config_load(struct app_config *c, const char *path, char *err, size_t errlen);
/*
 * The settings SIGHUP reloads (docs/reliability.md): log_level, api_key, protect_reads,
 * retry_after_s and the parameters of setups and trailing (min_liquidity_strength,
 * min_rr_ratio, runner_enabled, runner_min_confidence, weak_liquidity_factor,
 * transition_buffer_factor, default_buffer_pips, fallback_stop_pips,
 * liquidity_learning_enabled) and owned_symbols (a handover: service/ownership.h). Copies
 * them from src into dst and leaves everything else (port, threads, database, limits, the
 * zone engine's parameters, instruments) as dst has it: those shape state built since the
 * start, so they change only with a restart.
 * Returns how many live settings changed; names[] (may be NULL) gets their keys.
 */
int config_apply_live(struct app_config *dst, const struct app_config *src,
                      const char **names, int maxnames);
/* 1 if key is a setting SIGHUP reloads. */
int config_is_live(const char *key);

/* Values of the settings that are words (config_values.c): "VWAP_DAILY, ROUND" or "ALL"
 * -> a bitmask of sources; "auto" | "zones" | "geometry" -> enum exit_method. 0, or -1 with
 * "setting 'KEY': ..." in err. */
int config_parse_sources(const char *text, uint32_t *out, char *err, size_t errlen);
int config_parse_exit(const char *text, int *out, char *err, size_t errlen);
/* One instrument (a symbol again replaces its pip and round step), and the list of
 * LIQ_INSTRUMENTS="EURUSD:0.0001,NIFTY:0.05:50" (SYMBOL:PIP[:ROUND_STEP]). 0 / -1 + err. */
int config_add_instrument(struct app_config *c, const char *symbol, double pip,
                          double round_step, char *err, size_t errlen);
int config_instruments_env(struct app_config *c, const char *text, char *err, size_t errlen);
/* The known setting nearest to name by edit distance ("min_rr_raito" -> "min_rr_ratio"). */
const char *config_closest_key(const char *name);
/*
 * Counts the LIQ_* variables of env (NULL-terminated "NAME=value" strings, like environ)
 * that name no setting and no tool's variable (LIQ_URL, LIQ_PGBIN, ...): a typo such as
 * LIQ_MIN_LIQUIDTY_STRENGTH would otherwise be silently ignored. Each is written to out
 * (may be NULL) as a JSON warning line naming the closest known variable.
 */
int config_env_typos(char *const *env, FILE *out);
/* The checks of a whole configuration once read (service/config_check.c): log_level,
 * owned_symbols, and an api_key of visible ASCII only (a newline or control character could
 * never be sent in a header: refused at start, by --check-config and by a reload). 0, or -1
 * with err naming the key. */
int config_check_whole(const struct app_config *c, char *err, size_t errlen);
/*
 * A reload is taken as a whole or not at all (service/config_check.c): 0 when fresh (read
 * from the file for a SIGHUP) may replace running, -1 with err when the new file lacks a
 * setting the running file set - a file cut short by a writer, or a key removed by mistake:
 * a setting returns to its default only when written (api_key = "" removes the key). An
 * empty or unparsable file never gets here (config_load refuses it).
 */
int config_check_reload(const struct app_config *running, const struct app_config *fresh,
                        char *err, size_t errlen);
/* Writes every setting as "key = value" lines (for --check-config). */
void config_print(const struct app_config *c, FILE *out);

#endif
