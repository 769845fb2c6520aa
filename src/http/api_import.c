/*
 * api_import.c: POST /api/v1/import/<res> — a CSV upload into the registry through the same
 * engine as `envgov import` (registry/registry.h): UTF-8 (with or without BOM) or GBK, Chinese or
 * English headers, all or nothing, ?dry_run=1 to check only. Scope is the registry's: each row
 * is created as the logged-in user, so an enterprise user can import only its own outlets.
 *
 * Answers: 200 {"report":{…}} when every row was accepted (written unless dry run); 422
 * {"error":{"code":"rows_rejected",…},"report":{…,"errors":[{"line","field","code","message"}]}}
 * when any row was rejected (nothing written); other failures as the usual error envelope.
 */
#include "http/http_internal.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *report_json(const struct eg_import_report *rep, int dry_run)
{
    json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:b,s:b}", "encoding",
                          rep->encoding ? rep->encoding : "unknown", "rows", (json_int_t)rep->rows,
                          "accepted", (json_int_t)rep->accepted, "rejected",
                          (json_int_t)rep->rejected, "written", rep->written, "dry_run", dry_run);
    json_object_set(j, "errors", rep->errors ? rep->errors : json_array());
    if (!rep->errors)
        json_decref(json_object_get(j, "errors"));
    return j;
}

static int h_import(struct eg_http_req *rq)
{
    const struct eg_resource *res = eg_http_resource(rq);
    const char *dr = eg_http_query(rq, "dry_run");
    int dry_run = dr && (!strcmp(dr, "1") || !strcmp(dr, "true") || !*dr);
    if (dr && !dry_run && strcmp(dr, "0") && strcmp(dr, "false"))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_query", -1,
                          "dry_run must be 1/true or 0/false");
    size_t len;
    const char *body = eg_http_body(rq, &len);
    if (!len)
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_csv", -1,
                          "the request body must be the CSV file");
    struct eg_db *st;
    int rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    struct eg_import_opts opts = {.dry_run = dry_run, .max_bytes = len + 1};
    struct eg_import_report rep = {0};
    rc = eg_import_csv(st, res, eg_http_principal(rq), body, len, &opts, &rep, eg_http_err(rq));
    if (rc == EG_EINVAL && rep.rejected > 0) {
        json_t *j = json_pack("{s:{s:s,s:s+},s:o}", "error", "code", "rows_rejected", "message",
                              "rows were rejected; nothing was written", " (see report.errors)",
                              "report", report_json(&rep, dry_run));
        eg_import_report_free(&rep);
        return eg_http_reply_json(rq, 422, j);
    }
    if (rc) {
        eg_import_report_free(&rep);
        return rc;
    }
    json_t *j = json_pack("{s:o}", "report", report_json(&rep, dry_run));
    eg_import_report_free(&rep);
    return eg_http_reply_json(rq, 200, j);
}

struct imp_spec {
    struct eg_http_route_spec spec;
    char pattern[112], summary[256], summary_zh[192];
};

int eg_http_api_import_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (const struct eg_resource *const *r = eg_registry_resources; *r; r++) {
        const struct eg_resource *res = *r;
        int writable = 0;
        for (int i = 0; i < res->nfields; i++)
            writable |= !(res->fields[i].flags & EG_FF_READONLY);
        if (!writable) /* the audit log */
            continue;
        char path[112], summary[256];
        snprintf(path, sizeof path, "/api/v1/import/%s", res->name);
        snprintf(summary, sizeof summary,
                 "Import %s (%s) from CSV: UTF-8 or GBK, Chinese or English headers, all or "
                 "nothing; ?dry_run=1 only reports rejected rows",
                 res->name, res->label_zh);
        struct imp_spec *b = eg_calloc(1, sizeof *b);
        snprintf(b->pattern, sizeof b->pattern, "%s", path);
        snprintf(b->summary, sizeof b->summary, "%s", summary);
        snprintf(b->summary_zh, sizeof b->summary_zh, "批量导入%s (CSV, 全部成功才写入)",
                 res->label_zh);
        b->spec = (struct eg_http_route_spec){
            .method = "POST",
            .pattern = b->pattern,
            .fn = h_import,
            .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_CSV,
            .summary = b->summary,
            .summary_zh = b->summary_zh,
            .res = res,
            .answer_schema =
                "{\"type\":\"object\",\"properties\":{\"report\":{\"type\":\"object\","
                "\"properties\":{\"rows\":{\"type\":\"integer\"},\"accepted\":{\"type\":"
                "\"integer\"},\"rejected\":{\"type\":\"integer\"},\"written\":{\"type\":"
                "\"integer\"},\"dry_run\":{\"type\":\"boolean\"},\"errors\":{\"type\":"
                "\"array\",\"items\":{\"type\":\"object\"}}}}}}",
            .access = "the roles that may create rows of the resource, within their scope",
        };
        int r1 = eg_http_route_add_spec(srv, &b->spec);
        if (r1)
            free(b);
        else
            eg__http_server_keep(srv, b);
        rc |= r1;
    }
    return rc ? EG_EINVAL : 0;
}
