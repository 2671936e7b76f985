/*
 * engine_snap.h - an engine's whole state as bytes (a checkpoint), and an engine back from
 * them: pure functions, no I/O.
 *
 * The one idea: a restored engine is the engine that was saved, bit for bit - every zone,
 * every source's window, the outcome tallies, the deadline wheel - so pushing the bars after
 * the checkpoint gives what a replay of every bar gives (tests/unit/test_engine_snap.c
 * compares them). The service stores a checkpoint per symbol (service/checkpoint.c) and at
 * start replays only the bars after it.
 *
 * Format (little-endian, this build's layout): a 32-byte header - magic "LIQSNAP1", the
 * format version (ENGINE_SNAP_VERSION), a layout code (the sizes of the structures carried:
 * a build whose structures differ reads another code), the payload's length and its FNV-1a
 * checksum - then the payload: the parameters the engine was made with (field by field),
 * pip, base timeframe, the engine structure's bytes and its arrays. A checkpoint of another
 * version or layout is refused (SNAP_VERSION) and the caller replays every bar; one made
 * with other parameters, pip or timeframe is refused (SNAP_MISMATCH); a damaged one
 * (SNAP_CORRUPT) likewise. None of them is ever half-used.
 */
#ifndef LIQ_ENGINE_SNAP_H
#define LIQ_ENGINE_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* Bumped by any change of what the payload carries or how. */
#define ENGINE_SNAP_VERSION 5u

enum snap_result {
    SNAP_OK = 0,
    SNAP_NOMEM = -1,     /* out of memory */
    SNAP_CORRUPT = -2,   /* not a checkpoint, truncated, or its checksum does not match */
    SNAP_VERSION = -3,   /* another format version or structure layout: ignore it */
    SNAP_MISMATCH = -4,  /* made with other parameters, pip or timeframe: ignore it */
};

/* "ok", "out of memory", "corrupt", "other format version", "other parameters". */
const char *engine_snap_result_name(enum snap_result r);

/* e's state as bytes in *buf (malloc'd, the caller frees) of *len bytes. 0, or -1 on
 * ENOMEM (*buf NULL). */
int engine_snap_save(const struct engine *e, uint8_t **buf, size_t *len);

/*
 * The engine saved in buf[0..len) for an engine_new(params, pip, base_tf): a new engine
 * (engine_free it), or NULL with *why. Example: save after 1,000 bars, load, push bars
 * 1,001.. -> the same zones, events and fingerprint as pushing every bar to one engine.
 */
struct engine *engine_snap_load(const struct liq_params *params, double pip,
                                enum timeframe base_tf, const uint8_t *buf, size_t len,
                                enum snap_result *why);

#endif
