/*
 * smc_main.c - the drawn sources' FVG and order-block lists over a bar file, for the parity
 * check against smartmoneyconcepts (tools/smc_parity.py) and the worked examples of
 * docs/sources.md "Drawn sources".
 *
 *   build-report/research/smc FILE [MITIGATION [JOIN [CANDLE_RULE [SWING_LENGTH]]]]
 *   build-report/research/smc --first-half FILE
 *
 * Runs the pure generators of domain/sources/smc.h on the file's own bars (no higher
 * timeframe), exactly as the engine feeds them: a box is checked for mitigation from the
 * bar after the one that confirmed it. Prints one CSV line per box:
 *   type,dir,origin,confirmed,lo,hi,mitigated,kind,vol_share
 * origin / confirmed / mitigated are bar indices (mitigated -1 while it stands); for
 * STRUCTURE lines lo = hi = the broken swing's level and origin its bar.
 *
 * --first-half: the evidence the defaults were decided on (docs/sources.md "Drawn sources",
 * "On or off"): the engine with the default sources plus the drawn ones over the file's first
 * half, the drawn sources' rows of evidence_row (tests, bounce at zones, at controls, lift
 * with the engine's interval).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/instrument.h"
#include "domain/sources/smc.h"
#include "research/barfile.h"

struct rec {
    char type;                 /* 'F' FVG, 'O' order block */
    struct box b;
    uint64_t confirmed;
    int64_t mitigated;
};

static struct rec *recs;
static size_t nrec, caprec;

static int add(char type, const struct box *b, uint64_t confirmed)
{
    if (nrec == caprec) {
        size_t cap = caprec ? 2 * caprec : 1024;
        struct rec *v = realloc(recs, cap * sizeof *v);
        if (v == NULL)
            return -1;
        recs = v;
        caprec = cap;
    }
    recs[nrec] = (struct rec){.type = type, .b = *b, .confirmed = confirmed, .mitigated = -1};
    recs[nrec].b.zone = (uint32_t)nrec; /* the record, to find it back when mitigated */
    nrec++;
    return 0;
}

static void mitigate(struct box_book *k, const struct bar *b, size_t i)
{
    struct box x;
    while (box_book_pop(k, b, &x))
        recs[x.zone].mitigated = (int64_t)i;
}

static int first_half(const char *path)
{
    struct barfile f;
    if (barfile_load(path, &f) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources |= SRC_DRAWN;
    struct engine *e = engine_new(&p, instrument_infer_pip(f.bars[0].close), f.tf);
    if (e == NULL)
        return 1;
    for (size_t i = 0; i < f.n / 2; i++)
        engine_push(e, &f.bars[i], NULL);
    printf("%s first half (%zu bars)\n", path, f.n / 2);
    for (int src = 0; src < SRC_COUNT; src++) {
        if (!((SRC_DRAWN >> src) & 1u))
            continue;
        struct evidence_row r;
        evidence_row(engine_tally(e), src, &r);
        printf("  %-16s tests %5u bounce %.3f controls %.3f lift %+.3f [%+.3f, %+.3f]\n",
               source_name((enum liq_source)src), r.tests, r.rate, r.ctl_rate, r.lift, r.lift_lo,
               r.lift_hi);
    }
    engine_free(e);
    barfile_free(&f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--first-half") == 0)
        return first_half(argv[2]);
    if (argc < 2) {
        fprintf(stderr, "usage: smc FILE [MITIGATION [JOIN [CANDLE_RULE [SWING_LENGTH]]]]\n");
        return 2;
    }
    double m = argc > 2 ? atof(argv[2]) : 0.0;
    int join = argc > 3 ? atoi(argv[3]) : 0;
    int rule = argc > 4 ? atoi(argv[4]) : 0;
    int len = argc > 5 ? atoi(argv[5]) : 5;
    struct barfile f;
    if (barfile_load(argv[1], &f) != 0) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    struct fvg g = {0};
    static struct structure st;
    structure_init(&st, len, rule);
    struct box_book fup, fdn, oup, odn;
    box_book_init(&fup, 1, 0);
    box_book_init(&fdn, -1, 0);
    box_book_init(&oup, 1, 1);
    box_book_init(&odn, -1, 1);
    uint32_t last_zone = UINT32_MAX;
    uint64_t last_idx = 0;
    int last_dir = 0;
    printf("type,dir,origin,confirmed,lo,hi,mitigated,kind,vol_share\n");
    for (size_t i = 0; i < f.n; i++) {
        const struct bar *b = &f.bars[i];
        mitigate(&fup, b, i);
        mitigate(&fdn, b, i);
        mitigate(&oup, b, i);
        mitigate(&odn, b, i);
        struct box x, prev;
        if (fvg_push(&g, b, m, &x)) {
            struct box_book *k = x.dir > 0 ? &fup : &fdn;
            if (join && last_zone != UINT32_MAX && last_dir == x.dir && x.idx == last_idx + 1 &&
                box_book_take(k, last_zone, &prev)) {
                fvg_join(&x, &prev, m);
                recs[prev.zone].mitigated = -2; /* joined into the next: not a box of its own */
            }
            if (add('F', &x, i) != 0 || box_book_add(k, &recs[nrec - 1].b) != 0)
                return 1;
            last_zone = (uint32_t)(nrec - 1);
            last_idx = x.idx;
            last_dir = x.dir;
        }
        struct structure_event se;
        structure_push(&st, b, &se);
        if (se.broke != 0) {
            printf("S,%d,%llu,%zu,%.5f,%.5f,-1,%s,0\n", se.broke,
                   (unsigned long long)se.swing.idx, i, se.swing.level, se.swing.level,
                   drawn_kind_name((enum drawn_kind)se.kind));
            if (se.have_ob && (add('O', &se.ob, i) != 0 ||
                               box_book_add(se.broke > 0 ? &oup : &odn, &recs[nrec - 1].b) != 0))
                return 1;
        }
    }
    for (size_t r = 0; r < nrec; r++) {
        const struct rec *x = &recs[r];
        if (x->mitigated == -2)
            continue;
        printf("%c,%d,%llu,%llu,%.5f,%.5f,%lld,%s,%.4f\n", x->type, x->b.dir,
               (unsigned long long)x->b.idx, (unsigned long long)x->confirmed, x->b.lo, x->b.hi,
               (long long)x->mitigated, drawn_kind_name((enum drawn_kind)x->b.kind),
               (double)x->b.vol_share);
    }
    box_book_free(&fup);
    box_book_free(&fdn);
    box_book_free(&oup);
    box_book_free(&odn);
    free(recs);
    barfile_free(&f);
    return 0;
}
