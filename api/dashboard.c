/*
 * dashboard.c - GET /dashboard and its assets: the static page of web/, embedded in the
 * binary at build time (web/embed.cmake), so the service and its dashboard ship as one
 * file. The page itself polls GET /bars and GET /zones (web/app.js).
 *
 *   GET /dashboard                  -> web/index.html
 *   GET /dashboard/app.js           -> web/app.js
 *   GET /dashboard/vendor/X.js      -> web/vendor/X.js (lightweight-charts, vendored)
 */
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "web/embedded.h"

static const struct web_file *web_find(const char *name)
{
    for (int i = 0; i < WEB_FILE_COUNT; i++)
        if (strcmp(WEB_FILES[i].path, name) == 0)
            return &WEB_FILES[i];
    return NULL;
}

void dashboard_get(struct request *rq, struct reply *rp)
{
    static const char prefix[] = "/dashboard/";
    const char *name = "index.html";
    if (strncmp(rq->path, prefix, sizeof prefix - 1) == 0)
        name = rq->path + sizeof prefix - 1;
    const struct web_file *f = web_find(name);
    if (f == NULL) {
        reply_error(rp, 404, "not_found", "no such dashboard file",
                    json_pack("{s:s}", "path", rq->path));
        return;
    }
    /* The reply owns a malloc'd body (freed by MHD's completion callback); the copy is
     * the price of one ownership rule for every reply. */
    char *body = malloc(f->len ? f->len : 1);
    if (body == NULL) {
        reply_oom(rp);
        return;
    }
    memcpy(body, f->data, f->len);
    reply_body(rp, 200, f->content_type, body, f->len);
}
