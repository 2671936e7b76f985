/*
 * handlers.h - the handlers of every resource file, referenced by the route table.
 */
#ifndef LIQ_HANDLERS_H
#define LIQ_HANDLERS_H

#include "api/http.h"

void bars_post(struct request *rq, struct reply *rp);
void zones_list(struct request *rq, struct reply *rp);
void zones_nearest(struct request *rq, struct reply *rp);
void zones_get(struct request *rq, struct reply *rp);
void ops_health(struct request *rq, struct reply *rp);
void ops_metrics(struct request *rq, struct reply *rp);
void ops_symbols(struct request *rq, struct reply *rp);
void symbols_delete(struct request *rq, struct reply *rp);
void symbols_evidence(struct request *rq, struct reply *rp);
void setups_post(struct request *rq, struct reply *rp);
void trades_trail(struct request *rq, struct reply *rp);
void trades_close(struct request *rq, struct reply *rp);
void trades_get(struct request *rq, struct reply *rp);
void trades_list(struct request *rq, struct reply *rp);
void reports_liquidity(struct request *rq, struct reply *rp);
void bars_get(struct request *rq, struct reply *rp);
void dashboard_get(struct request *rq, struct reply *rp);

#endif
