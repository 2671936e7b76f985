/*
 * trading.h - small steps the API tests that trade share: posting a range of bars in
 * batches, opening a trade at a price (BUY, else SELL), one trail update from a bar.
 */
#ifndef LIQ_SUPPORT_TRADING_H
#define LIQ_SUPPORT_TRADING_H

#include <stddef.h>

#include "domain/bar.h"
#include "tests/support/harness.h"

/* POST /bars of bars[from..to) as symbol M15, 2,000 a request; each must answer 200. */
void support_post_bars(const struct app *a, const char *symbol, const struct bar *bars,
                       size_t from, size_t to);
/* POST /setups at entry (trend 0.9, NORMAL): BUY, or SELL when BUY is refused. The trade id,
 * 0 when both are refused (422); anything else fails the test. */
long support_open_trade(const struct app *a, const char *symbol, double entry);
/* PATCH /trades/{id}/trail from bar b (close, high, low; ts when ts > 0). */
struct http_reply support_trail(const struct app *a, long id, const struct bar *b, long ts);

#endif
