/*
 * routes.c: the table of API modules. Each module is a file src/http/api_<x>.c with one
 * function that registers its routes; adding an API is that file, its declaration in
 * http_internal.h and its entry in the table here. Order matters only for the OpenAPI document.
 */
#include "http/http_internal.h"

static int (*const modules[])(struct eg_http_server *srv) = {
    eg_http_api_meta_routes,    eg_http_api_auth_routes,    eg_http_api_registry_routes,
    eg_http_api_import_routes,  eg_http_api_devices_routes, eg_http_api_series_routes,
    eg_http_api_quality_routes, eg_http_api_plans_routes,   eg_http_api_docs_routes,
    eg_http_api_profile_routes, eg_http_api_flow_routes,    eg_http_api_alerts_routes,
    eg_http_api_intake_routes,  eg_http_api_open311_routes, eg_http_api_credit_routes,
    eg_http_api_cases_routes,   eg_http_api_draws_routes,   eg_http_web_routes,
};

int eg_http_server_add_api(struct eg_http_server *srv, struct eg_err *err)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(modules); i++) {
        int rc = modules[i](srv);
        if (rc)
            return eg_err_set(err, rc, "route_table", -1,
                              "registering API module %zu failed (duplicate or bad route)", i);
    }
    return 0;
}
