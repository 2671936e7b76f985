/*
 * engine_internal.h - struct engine, for engine.c and its checkpoint (engine_snap.c) only.
 *
 * A field added here (or to a structure it holds) is a field engine_snap.c must carry: a
 * plain value travels with the structure's bytes, a pointer needs its array written and
 * read there. engine_snap.c's size checks fail the build until it is looked at.
 */
#ifndef LIQ_ENGINE_INTERNAL_H
#define LIQ_ENGINE_INTERNAL_H

#include "engine.h"
#include "series.h"
#include "stall.h"
#include "sources/smc.h"
#include "sources/sources.h"

struct pivot_source {
    struct swing_detector sd;
    enum liq_source src;
    uint32_t zone;          /* zone of the last surviving pivot */
    int bit_was_new;        /* that pivot gave the zone its source bit */
};

struct live_vwap {
    struct vwap w;
    enum liq_source src;
    uint32_t zone;          /* live zone id, 0 none */
    size_t pos;             /* its sorted index when last moved (a hint, checked) */
    double reported;        /* price of the last ZEV_MOVED / ZEV_CREATED */
    int shared;             /* weekly only: rides on the daily live zone (the week's first
                             * day, when both VWAPs are the same number: one band, one zone) */
};

struct engine {
    struct liq_params p;
    double pip;
    enum timeframe base_tf;
    enum timeframe work_tf;     /* M15, or the base when coarser: ATR14 and WYCKOFF */
    uint32_t active;
    uint64_t bars;
    int64_t last_ts;
    double last_close;
    int64_t hist_sec;
    int64_t cluster_every;      /* cluster_interval_hours in seconds */

    struct series_agg agg[TF_COUNT];
    uint8_t agg_on[TF_COUNT];
    uint8_t agg_list[TF_COUNT];  /* the tfs with agg_on, ascending */
    int nagg;
    int64_t base_sec;
    struct bar last_closed[TF_COUNT];
    uint8_t have_closed[TF_COUNT];

    struct atr atr;
    struct live_vwap vw_day, vw_week;
    struct pivot_source piv_m5, piv_m15;
    struct round_levels round;
    struct equal_levels equal;
    struct wyckoff wyckoff;
    struct cluster cluster;
    struct smc_state *smc;      /* the drawn sources (engine_smc.h), NULL when none runs */

    struct zone_map map;
    struct stall_book stall;    /* turns short of zones: the targets' front offset */
    struct levels lv;           /* scratch for one source call */
    struct bar cur;             /* the bar being pushed (the last one between pushes) */
    struct geo_book geo;        /* target-before-stop history (geometry.h) */
    struct exit_book xb;        /* zone exits against geometry exits (exit_record.h) */
    struct zone *xz;            /* a trial's zones: active, near the close, strength now */
    uint32_t *xids;             /* the active zones' ids (zone_map_active_ids) */
    double *xkeys;              /* their P(bounce) keys, ascending (zone_stats_bounce_key) */
    uint32_t *xcand;            /* the ids of a trial's zones, by price */
    size_t xz_cap, xids_cap;
    double *scratch;            /* engine_refresh's sort buffer */
    size_t scratch_cap;
};

/* The drawn sources' state (engine_smc.c). */
struct smc_state {
    uint32_t active;
    enum timeframe tf;
    int64_t base_sec;
    double m;                       /* fvg_mitigation */
    int join;                       /* fvg_join_consecutive */
    struct fvg fvg;
    struct box_book fvg_up, fvg_dn, ob_up, ob_dn;
    struct structure st;
    struct sessions ses;
    uint32_t structure_zone, pd_zone;
    uint32_t session_zone[SMC_SESSIONS][2];   /* [session][0 high, 1 low] */
    uint64_t last_fvg_idx;          /* middle candle of the last gap */
    uint32_t last_fvg_zone;
    int last_fvg_dir;
    uint32_t *pending;              /* ended while in a test: deactivated when it resolves */
    size_t npending, pending_cap;
};

#endif
