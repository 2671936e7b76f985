/*
 * query_keys.c - a request's query parameters checked against the names its route takes:
 * an unknown one is a 400 naming it, so a typo (?form= for ?from=) is never silently
 * ignored. The route table's query tables (api/router.c, checked by guard_query before any
 * handler) already refuse unknown names; what this adds is the narrower list of one content
 * type (bars.c: CSV or JSON); evidence.c's call repeats its route's table.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "base/utf8.h"

struct key_scan {
    const char *const *allowed;
    const char *unknown;
};

static enum MHD_Result scan_key(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    (void)value;
    struct key_scan *s = cls;
    for (size_t i = 0; s->allowed[i] != NULL; i++)
        if (strcmp(s->allowed[i], key) == 0)
            return MHD_YES;
    s->unknown = key;
    return MHD_NO;
}

int rq_query_only(const struct request *rq, struct reply *rp, const char *const *allowed)
{
    struct key_scan s = {allowed, NULL};
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, scan_key, &s);
    if (s.unknown == NULL)
        return 0;
    json_t *names = json_array();
    for (size_t i = 0; names != NULL && allowed[i] != NULL; i++)
        json_array_append_new(names, json_string(allowed[i]));
    char shown[61], msg[160]; /* the client's name, cut on a character (base/utf8.h) */
    utf8_clip(shown, sizeof shown, s.unknown, sizeof shown - 1);
    snprintf(msg, sizeof msg, "unknown query parameter '%s'", shown);
    reply_error(rp, 400, "unknown_parameter", msg,
                json_pack("{s:s, s:o}", "parameter", shown, "known",
                          names ? names : json_array()));
    return -1;
}
