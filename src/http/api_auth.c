/*
 * api_auth.c: POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me, and the bearer-token
 * check the server runs before every handler — all over auth/auth.h, which owns passwords
 * (Argon2id), tokens (only their hash is stored), expiry and the failed-login rate limit.
 * Passwords and tokens pass through here in memory only: never logged, wiped after use.
 */
#include "auth/auth.h"
#include "http/http_internal.h"

#include <string.h>

json_t *eg__http_principal_json(const struct eg_principal *who)
{
    json_t *u = json_object();
    json_object_set_new(u, "id", json_integer(who->user_id));
    json_object_set_new(u, "username", json_string(who->username));
    json_object_set_new(u, "role", json_string(eg_role_name(who->role)));
    json_object_set_new(u, "region", who->region[0] ? json_string(who->region) : json_null());
    json_object_set_new(u, "unit_id", who->unit_id ? json_integer(who->unit_id) : json_null());
    return u;
}

/* The login body: exactly {"username": string, "password": string}. */
static int login_body(struct eg_http_req *rq, const char **user, const char **pw)
{
    json_t *body, *v;
    const char *k;
    int rc = eg_http_body_json(rq, &body);
    if (rc)
        return rc;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "username") && strcmp(k, "password"))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "unknown_field", -1,
                              "unknown field '%.64s' (login takes username and password)", k);
        if (!json_is_string(v))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_type", -1,
                              "field '%s' must be a string", k);
        /* an embedded NUL would make the C string differ from what was sent */
        if (strlen(json_string_value(v)) != json_string_length(v))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_type", -1,
                              "field '%s' contains a NUL character", k);
    }
    *user = json_string_value(json_object_get(body, "username"));
    *pw = json_string_value(json_object_get(body, "password"));
    if (!*user || !*pw)
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "missing_field", -1,
                          "login needs both username and password");
    return 0;
}

static int h_login(struct eg_http_req *rq)
{
    const char *user = NULL, *pw = NULL;
    struct eg_db *st;
    int rc = login_body(rq, &user, &pw);
    if (!rc)
        rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    char token[EG_AUTH_TOKEN_LEN + 1];
    struct eg_principal who;
    int64_t ttl = eg__http_server_token_ttl(eg_http_req_server(rq));
    rc = eg_auth_login(st, user, pw, eg_http_client_addr(rq), ttl, token, &who, eg_http_err(rq));
    /* the password is in the parsed body; wipe it now that it has been checked */
    json_t *body;
    if (!eg_http_body_json(rq, &body))
        json_object_del(body, "password");
    if (rc)
        return rc;
    char when[40];
    struct eg_civil c;
    eg_time_to_beijing(eg_time_now() + (ttl > 0 ? ttl : EG_AUTH_SESSION_SECONDS), &c);
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", c.year, c.month, c.day,
             c.hour, c.minute, c.second);
    json_t *j = json_pack("{s:s,s:s,s:o}", "token", token, "expires_at", when, "user",
                          eg__http_principal_json(&who));
    memset(token, 0, sizeof token);
    return eg_http_reply_json(rq, 200, j);
}

static int h_logout(struct eg_http_req *rq)
{
    struct eg_db *st;
    int rc = eg_http_store(rq, &st);
    if (!rc)
        rc = eg_auth_logout(st, eg_http_token(rq), eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_raw(rq, 204, NULL, NULL, 0);
}

static int h_me(struct eg_http_req *rq)
{
    return eg_http_reply_json(
        rq, 200, json_pack("{s:o}", "user", eg__http_principal_json(eg_http_principal(rq))));
}

#define USER_SCHEMA                                                                                \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"username\":{\"type\":"   \
    "\"string\"},\"role\":{\"type\":\"string\",\"enum\":[\"admin\",\"bureau\",\"street\","         \
    "\"enterprise\",\"steward\"]},\"region\":{\"type\":\"string\",\"nullable\":true},"             \
    "\"unit_id\":{\"type\":\"integer\",\"nullable\":true}}}"

static const struct eg_http_route_spec auth_specs[] = {
    {.method = "POST",
     .pattern = "/api/v1/login",
     .fn = h_login,
     .flags = EG_ROUTE_BODY_JSON,
     .summary = "Log in with a user name and password; returns a bearer token",
     .summary_zh = "登录: 用户名和密码换取访问令牌",
     .body_schema = "{\"type\":\"object\",\"required\":[\"username\",\"password\"],"
                    "\"additionalProperties\":false,\"properties\":{\"username\":{\"type\":"
                    "\"string\"},\"password\":{\"type\":\"string\",\"format\":\"password\"}}}",
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"token\":{\"type\":\"string\","
                      "\"description\":\"send as Authorization: Bearer TOKEN\"},\"expires\":{"
                      "\"type\":\"string\"},\"user\":" USER_SCHEMA "}}",
     .access = "everyone; failed logins are limited per user and address (429)"},
    {.method = "POST",
     .pattern = "/api/v1/logout",
     .fn = h_logout,
     .flags = EG_ROUTE_AUTH,
     .summary = "End the session of the bearer token",
     .summary_zh = "退出登录 (令牌作废)",
     .status = 204,
     .access = "a logged-in user"},
    {.method = "GET",
     .pattern = "/api/v1/me",
     .fn = h_me,
     .flags = EG_ROUTE_AUTH,
     .summary = "The logged-in user: name, role and scope",
     .summary_zh = "当前用户: 用户名、角色、管辖范围",
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"user\":" USER_SCHEMA "}}",
     .access = "a logged-in user"},
};

int eg_http_api_auth_routes(struct eg_http_server *srv)
{
    int rc = 0;
    eg__http_server_set_auth(srv, eg_auth_check);
    for (size_t i = 0; i < EG_ARRAY_LEN(auth_specs); i++)
        rc |= eg_http_route_add_spec(srv, &auth_specs[i]);
    return rc ? EG_EINVAL : 0;
}
