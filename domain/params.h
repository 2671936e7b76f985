/*
 * params.h - every tunable of the domain, in one plain struct.
 *
 * The service fills it from the libconfig file and LIQ_* environment overrides
 * (service/config.c); tests and the replay tool fill it with params_defaults()
 * and change what they need. Distances are in pips and converted with the
 * symbol's pip size by the engine, so one config serves 1.05 and 22500.
 */
#ifndef LIQ_PARAMS_H
#define LIQ_PARAMS_H

#include <stdint.h>

struct liq_params {
    int liquidity_enabled;
    uint32_t liquidity_sources;       /* bitmask of 1u << enum liq_source */
    double min_liquidity_strength;    /* 0.60 */
    int max_level_touches;            /* 10 */
    double round_level_step;          /* pips, 50 */
    int round_levels_each_side;       /* 3 */
    int runner_enabled;               /* 1 */
    double runner_min_confidence;     /* 0.65 */
    double min_rr_ratio;              /* 1.5 */
    double weak_liquidity_factor;     /* 0.80 */
    double transition_buffer_factor;  /* 1.5 */
    double zone_history_hours;        /* 24 */
    int liquidity_learning_enabled;   /* 1 */
    int liquidity_db_persist;         /* 1 (used by the service, kept here for one table) */
    double default_buffer_pips;       /* 20 */
    double fallback_stop_pips;        /* 30 */
    int swing_length;                 /* 5 */
    double merge_distance_pips;       /* 2 */
    double zone_min_width_pips;       /* 1 */
    double equal_level_tolerance_pips;/* 3 */
    /* per-source parameters (docs/sources.md) */
    int wyckoff_min_bars;             /* 20 M15 bars */
    double wyckoff_atr_multiple;      /* 2.0 x ATR14 */
    double cluster_bin_pips;          /* 2 */
    int gann_levels;                  /* 4 (k = 1..4), at most 8 */
    int equal_level_lookback;         /* 10 confirmed swings of each kind compared */
    double cluster_interval_hours;    /* 4: the volume profile is recomputed this often */
    double cluster_value_area;        /* 0.70 of the window's volume */
    /* the drawn (SMC) sources (docs/sources.md "Drawn sources") */
    double fvg_mitigation;            /* 0: a touch ends an FVG, 0.5 half fill, 1 full fill */
    int fvg_join_consecutive;         /* 0; 1: a gap right after one of the same side joins it */
    int smc_timeframe_minutes;        /* 15: FVG / ORDER_BLOCK / STRUCTURE / PREMIUM_DISCOUNT
                                       * bars: 15 (M15), 60 (H1) or 240 (H4) */
    int order_block_candle;           /* 0: the last opposite candle; 1: the extreme candle
                                       * since the swing (smartmoneyconcepts') */
    int session_asia_start, session_asia_end;         /* UTC hours, 0 and 9 */
    int session_london_start, session_london_end;     /* 7 and 16 */
    int session_new_york_start, session_new_york_end; /* 13 and 22 */
    /* zone tests and calibration (docs/sources.md "Statistics") */
    double test_hold_atr;             /* X 1.0: hold barrier beyond the near edge, in ATR */
    double test_break_atr;            /* Y 1.0: break barrier beyond the far edge, in ATR */
    int test_horizon_bars;            /* H 8: bars of the ATR's timeframe (M15 or coarser base) */
    double test_rearm_atr;            /* 0.5: price leaves the band this far before a new test */
    double zone_prior_tests;          /* m: weight of the pool against a zone's own history */
    double zone_pool_half_life;       /* resolved tests after which the pool halves a test's
                                       * weight (0: all tests weigh the same) */
    double zone_calib_half_life;      /* resolved tests after which a residual of the
                                       * calibration in the large halves (0: off) */
    /* ATR-scaled setup distances (docs/trading.md); 0 = the pip settings alone */
    double buffer_atr;                /* 0.1 x ATR14 beyond the stop zone */
    double fallback_stop_atr;         /* 1.0 x ATR14 when no zone qualifies */
    double stop_sweep_quantile;       /* the zone stop's buffer is at least the symbol's
                                       * measured sweep depth at this quantile (zone_stats.h
                                       * zone_stats_pierce_quantile; 0: buffer_atr alone) */
    double target_stall_quantile;     /* a zone target sits in front of its zone by at least
                                       * the symbol's stall distance at this quantile
                                       * (stall.h; 0: the fixed front offset alone) */
    /* which exit, and the setups refused (domain/exits.h, docs/trading.md "Which exit") */
    int exit_method;                  /* enum exit_method: 0 auto, 1 zones, 2 geometry */
    double min_expected_r;            /* refuse a setup whose expected_r is below this */
    double max_entry_atr;             /* refuse an entry further than this x ATR14 from the
                                       * last close (0: no limit) */
};

/* The defaults of DESIGN.md section 5. */
void params_defaults(struct liq_params *p);

#endif
