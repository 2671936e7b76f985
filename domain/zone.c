/*
 * zone.c - names of the liquidity sources as they appear on the wire and in config.
 */
#include "zone.h"

#include <string.h>

static const char *const SOURCE_NAMES[SRC_COUNT] = {
    [SRC_VWAP_DAILY] = "VWAP_DAILY",   [SRC_VWAP_WEEKLY] = "VWAP_WEEKLY",
    [SRC_PIVOT_M5] = "PIVOT_M5",       [SRC_PIVOT_M15] = "PIVOT_M15",
    [SRC_FLOOR_PIVOT] = "FLOOR_PIVOT", [SRC_HIGH_DAILY] = "HIGH_DAILY",
    [SRC_LOW_DAILY] = "LOW_DAILY",     [SRC_HIGH_WEEKLY] = "HIGH_WEEKLY",
    [SRC_LOW_WEEKLY] = "LOW_WEEKLY",   [SRC_PREVIOUS_CLOSE] = "PREVIOUS_CLOSE",
    [SRC_ROUND] = "ROUND",             [SRC_GANN] = "GANN",
    [SRC_WYCKOFF] = "WYCKOFF",         [SRC_CLUSTER] = "CLUSTER",
    [SRC_EQUAL_LEVELS] = "EQUAL_LEVELS", [SRC_ORDER_BLOCK] = "ORDER_BLOCK",
    [SRC_FVG] = "FVG",                 [SRC_STRUCTURE] = "STRUCTURE",
    [SRC_SESSION_HIGH] = "SESSION_HIGH", [SRC_SESSION_LOW] = "SESSION_LOW",
    [SRC_PREMIUM_DISCOUNT] = "PREMIUM_DISCOUNT",
};

static const char *const KIND_NAMES[DK_COUNT] = {
    [DK_NONE] = "none",         [DK_BULLISH] = "bullish",   [DK_BEARISH] = "bearish",
    [DK_BOS_UP] = "bos_up",     [DK_BOS_DOWN] = "bos_down", [DK_CHOCH_UP] = "choch_up",
    [DK_CHOCH_DOWN] = "choch_down", [DK_ASIA] = "asia",     [DK_LONDON] = "london",
    [DK_NEW_YORK] = "new_york", [DK_EQUILIBRIUM] = "equilibrium",
};

const char *drawn_kind_name(enum drawn_kind k)
{
    return k < DK_COUNT ? KIND_NAMES[k] : "none";
}

const char *source_name(enum liq_source s)
{
    return s < SRC_COUNT ? SOURCE_NAMES[s] : "UNKNOWN";
}

int source_parse(const char *name, enum liq_source *out)
{
    for (int s = 0; s < SRC_COUNT; s++) {
        if (strcmp(name, SOURCE_NAMES[s]) == 0) {
            *out = (enum liq_source)s;
            return 0;
        }
    }
    return -1;
}
