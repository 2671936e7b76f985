/*
 * bars.c - POST /bars: JSON (one bar or an array) or a bar file (text/csv,
 * text/tab-separated-values or text/plain) with ?symbol=&timeframe=[&tz=][&inconsistent=]
 * (the route table, api/router.c, takes those with a file only, and ?replace= with both).
 *
 * Decode and validate everything first (api/decode_json.c, api/decode_csv.c); any bad item
 * -> 422 listing them, nothing applied. Then the service applies and commits
 * (service/ingest.c) before we answer {"accepted":N,"duplicates":N}.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/app.h"
#include "api/decode.h"
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/reply_status.h"
#include "service/tzdb.h"

static void reply_decode_errors(struct reply *rp, const struct bar_batch *b, const char *where)
{
    if (b->message[0] && b->nerrors == 0 && b->param != NULL) { /* as the route table's */
        reply_error(rp, 422, "invalid_parameter", b->message,
                    json_pack("{s:s}", "parameter", b->param));
        return;
    }
    if (b->message[0] && b->nerrors == 0) {
        reply_error(rp, 422, "invalid_request", b->message, NULL);
        return;
    }
    json_t *items = json_array();
    size_t shown = b->nerrors < DECODE_MAX_ERRORS ? b->nerrors : DECODE_MAX_ERRORS;
    for (size_t i = 0; items && i < shown; i++)
        json_array_append_new(items, json_pack("{s:I, s:s}", where, (json_int_t)b->errors[i].where,
                                               "reason", b->errors[i].reason));
    char msg[160];
    snprintf(msg, sizeof msg, "%zu invalid bar(s); nothing was applied", b->nerrors);
    reply_error(rp, 422, "invalid_bars", msg,
                json_pack("{s:o, s:I}", "items", items ? items : json_array(), "invalid",
                          (json_int_t)b->nerrors));
}

/* ?inconsistent=repair|skip and ?tz= of a CSV upload into b (the route table checked them;
 * the zone's name is looked up here); 0, or -1 with the reply written */
static int csv_options(struct request *rq, struct reply *rp, struct bar_batch *b)
{
    if (rq_param_is(rq, "inconsistent", "repair"))
        b->inconsistent = DECODE_REPAIR;
    else if (rq_param_is(rq, "inconsistent", "skip"))
        b->inconsistent = DECODE_SKIP;
    const char *tz = rq_param(rq, "tz");
    if (tz == NULL)
        return 0;
    char why[160] = "";
    int rc = tzdb_get(tz, &b->tz, why, sizeof why);
    if (rc == -2) {
        reply_oom(rp);
        return -1;
    }
    if (rc != 0) {
        reply_error(rp, 422, "invalid_parameter", why, json_pack("{s:s}", "parameter", "tz"));
        return -1;
    }
    return 0;
}

/* What ?inconsistent= did: {"action":"repaired","count":250,"first_lines":[...]}. */
static json_t *fixed_report(const struct bar_batch *b)
{
    json_t *lines = json_array();
    size_t shown = b->fixed < DECODE_FIXED_SHOWN ? b->fixed : DECODE_FIXED_SHOWN;
    for (size_t i = 0; lines != NULL && i < shown; i++)
        json_array_append_new(lines, json_integer(b->fixed_where[i]));
    return json_pack("{s:s, s:I, s:o}", "action",
                     b->inconsistent == DECODE_SKIP ? "skipped" : "repaired", "count",
                     (json_int_t)b->fixed, "first_lines", lines ? lines : json_array());
}

/* {"accepted":N,"duplicates":N}: the answer, and what an Idempotency-Key stores */
static json_t *ingest_answer(int64_t accepted, int64_t duplicates)
{
    return json_pack("{s:I, s:I}", "accepted", (json_int_t)accepted, "duplicates",
                     (json_int_t)duplicates);
}

static int render_answer(void *ctx, int64_t accepted, int64_t duplicates, int *status,
                         char **body)
{
    (void)ctx;
    return idem_render_json(ingest_answer(accepted, duplicates), 200, status, body);
}

static void reply_ingest(struct request *rq, struct reply *rp, enum liq_status st,
                         const struct ingest_result *r, const struct bar_batch *b)
{
    if (st != LIQ_OK) {
        /* order errors name the bar by its position among the decoded bars */
        reply_status(rq, rp, st, &(struct status_reply){
            .message = r->message, .symbol = b->symbol, .owner = r->owner,
            .items = r->errors, .nitems = r->nerrors, .where = "index"});
        return;
    }
    json_t *j = ingest_answer((int64_t)r->accepted, (int64_t)r->duplicates);
    if (j != NULL && r->replaced > 0)
        json_object_set_new(j, "replaced", json_integer((json_int_t)r->replaced));
    if (j != NULL && b->inconsistent != DECODE_REJECT)
        json_object_set_new(j, "inconsistent", fixed_report(b));
    reply_json(rp, 200, j);
}

void bars_post(struct request *rq, struct reply *rp)
{
    struct app *a = rq->app;
    /* brokers' exports come as CSV or TSV, and tools send them as text/plain */
    int csv = rq_content_type_is(rq, "text/csv") ||
              rq_content_type_is(rq, "text/tab-separated-values") ||
              rq_content_type_is(rq, "text/plain");
    if (!csv && !rq_content_type_is(rq, "application/json")) {
        reply_error(rp, 415, "unsupported_media_type",
                    "POST /bars takes application/json, or a bar file (MT5/MT4 export or CSV) "
                    "as text/csv, text/tab-separated-values or text/plain",
                    NULL);
        return;
    }
    struct bar_batch b = {.symbol = ""};
    int64_t now = (int64_t)time(NULL);
    int rc;
    if (csv && csv_options(rq, rp, &b) != 0)
        return;
    if (csv) {
        rc = decode_bars_csv(rq->body ? rq->body : "", rq->len, rq_param(rq, "symbol"),
                             rq_param(rq, "timeframe"), now, &b);
    } else {
        /* the common shape without a jansson tree; anything else through jansson as before */
        rc = decode_bars_json_text(rq->body ? rq->body : "", rq->len, now, &b);
        if (rc == DECODE_USE_JANSSON) {
            json_t *j = rq_json(rq, rp);
            if (j == NULL)
                return;
            rc = decode_bars_json(j, now, &b);
            json_decref(j);
        }
    }
    const char *where = csv ? "line" : "index";
    if (rc == -2) {
        reply_oom(rp);
    } else if (rc != 0) {
        reply_decode_errors(rp, &b, where);
    } else {
        struct idem id;
        if (idem_begin(rq, rp, "bars", b.symbol, render_answer, NULL, &id) == 0) {
            struct ingest_result r;
            enum liq_status st = state_ingest_mode(&a->st, b.symbol, b.tf, b.bars, b.n,
                                                  rq_param_is(rq, "replace", "true"),
                                                  idem_pending(&id), &r);
            reply_ingest(rq, rp, st, &r, &b);
            idem_end(rq, rp, &id, st == LIQ_OK);
        }
    }
    bar_batch_free(&b);
}
