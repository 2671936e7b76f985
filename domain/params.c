/*
 * params.c - the defaults of every domain setting (DESIGN.md section 5).
 */
#include "params.h"

#include "zone.h"

void params_defaults(struct liq_params *p)
{
    *p = (struct liq_params){
        .liquidity_enabled = 1,
        /* the specification's ten sources */
        .liquidity_sources = (1u << SRC_VWAP_DAILY) | (1u << SRC_VWAP_WEEKLY) |
                             (1u << SRC_PIVOT_M5) | (1u << SRC_PIVOT_M15) |
                             (1u << SRC_HIGH_DAILY) | (1u << SRC_LOW_DAILY) |
                             (1u << SRC_WYCKOFF) | (1u << SRC_CLUSTER) |
                             (1u << SRC_ROUND) | (1u << SRC_PREVIOUS_CLOSE),
        .min_liquidity_strength = 0.60,
        .max_level_touches = 10,
        .round_level_step = 50,
        .round_levels_each_side = 3,
        .runner_enabled = 1,
        .runner_min_confidence = 0.65,
        .min_rr_ratio = 1.5,
        .weak_liquidity_factor = 0.80,
        .transition_buffer_factor = 1.5,
        .zone_history_hours = 24,
        .liquidity_learning_enabled = 1,
        .liquidity_db_persist = 1,
        .default_buffer_pips = 20,
        .fallback_stop_pips = 30,
        .swing_length = 5,
        .merge_distance_pips = 2,
        .zone_min_width_pips = 1,
        .equal_level_tolerance_pips = 3,
        .wyckoff_min_bars = 20,
        .wyckoff_atr_multiple = 2.0,
        .cluster_bin_pips = 2,
        .gann_levels = 4,
        .equal_level_lookback = 10,
        .cluster_interval_hours = 4,
        .cluster_value_area = 0.70,
        .fvg_mitigation = 0.0,
        .fvg_join_consecutive = 0,
        .smc_timeframe_minutes = 15,
        .order_block_candle = 0,
        .session_asia_start = 0,
        .session_asia_end = 9,
        .session_london_start = 7,
        .session_london_end = 16,
        .session_new_york_start = 13,
        .session_new_york_end = 22,
        .test_hold_atr = 1.0,
        .test_break_atr = 1.0,
        .test_horizon_bars = 8,
        .test_rearm_atr = 0.5,
        .zone_prior_tests = 100.0,
        .zone_pool_half_life = 500,
        .zone_calib_half_life = 1000,
        .buffer_atr = 0.1,
        .fallback_stop_atr = 1.0,
        .exit_method = 0,
        .stop_sweep_quantile = 0.0,
        .target_stall_quantile = 0.0,
        .min_expected_r = -0.25,
        .max_entry_atr = 3.0,
    };
}
