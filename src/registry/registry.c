/*
 * registry.c: the generic engine behind registry.h — list, get, create, update, delete for any
 * resource described in resources.c, with validation, scope and audit.
 *
 * Scope is applied in one place, scope_sql(): every query a principal runs gets the same
 * predicate over the row alias t (region subtree, own unit, contracted units, public flag), so
 * a list, a get, and the before/after checks of a write can never disagree.
 *
 * Out-of-scope reads of one row return EG_ENOTFOUND, exactly as a missing row, so a caller
 * cannot learn that a row exists. Writes: a role without the action at all gets EG_EPERM (or
 * EG_EAUTH when anonymous); a write whose target row exists but lies outside the writer's scope,
 * or whose result would leave it (e.g. moving a unit to another street), gets EG_EPERM. That
 * tells a logged-in user that the id exists; ids are sequential, so this leaks little, and it
 * keeps "forbidden" distinguishable from "no such row" for operators (the brief's rule).
 *
 * Every change writes its audit row (who, when, resource, id, action, before/after JSON without
 * secrets) in the same transaction as the change. Inside a transaction the caller opened (the
 * importer), a change runs in a SAVEPOINT so one rejected row rolls back alone.
 */
#include "auth/auth.h"
#include "base/csv.h"
#include "registry/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct eg_resource *eg_registry_find(const char *name)
{
    for (int i = 0; eg_registry_resources[i]; i++)
        if (name && !strcmp(eg_registry_resources[i]->name, name))
            return eg_registry_resources[i];
    return NULL;
}

const struct eg_field *eg_registry_field(const struct eg_resource *res, const char *name)
{
    for (int i = 0; i < res->nfields; i++)
        if (!strcmp(res->fields[i].name, name))
            return &res->fields[i];
    return NULL;
}

/* ---- GB 32100-2015 统一社会信用代码 ---- */

/* §4 code characters: digits and upper-case letters except I, O, S, V, Z (value = position). */
static const char credit_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int eg_credit_code_valid(const char *s, size_t n)
{
    /* §5 check character: C18 = 31 - MOD(Σ Ci·Wi, 31), Wi = 3^(i-1) mod 31; 31 maps to 0. */
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (!s || n != 18)
        return 0;
    int sum = 0;
    for (int i = 0; i < 18; i++) {
        if (!s[i])
            return 0;
        const char *p = strchr(credit_chars, s[i]);
        if (!p)
            return 0;
        int v = (int)(p - credit_chars);
        /* §4.3: characters 3-8 are the 行政区划码 of the registering authority, digits only. */
        if (i >= 2 && i <= 7 && v > 9)
            return 0;
        if (i < 17)
            sum += v * w[i];
        else
            return v == (31 - sum % 31) % 31;
    }
    return 0;
}

/* ---- small helpers ---- */

static int impl_allowed(const struct eg__res_impl *im, const struct eg_principal *who,
                        enum eg_action act)
{
    static const unsigned bits[] = {EG_P_R, EG_P_C, EG_P_U, EG_P_D};
    if ((unsigned)who->role < 6 && (im->policy[who->role] & bits[act]))
        return 0;
    return who->role == EG_ROLE_ANON ? EG_EAUTH : EG_EPERM;
}

int eg_registry_allowed(const struct eg_principal *who, const struct eg_resource *res,
                        enum eg_action act)
{
    const struct eg__res_impl *im = eg__registry_impl(res);
    if (!im)
        return EG_EPERM;
    return impl_allowed(im, who, act);
}

static int deny(const struct eg_principal *who, const struct eg_resource *res, enum eg_action act,
                struct eg_err *err)
{
    static const char *const verbs[] = {"read", "create", "update", "delete"};
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "login_required", -1, "log in to %s %s", verbs[act],
                          res->name);
    return eg_err_set(err, EG_EPERM, "forbidden", -1, "role %s may not %s %s",
                      eg_role_name(who->role), verbs[act], res->name);
}

/* ---- parameter lists for generated SQL ---- */

#define MAX_BINDS 64
struct bindv {
    int kind; /* 0 int, 1 text, 2 double, 3 null */
    int64_t i;
    double d;
    const char *s;
    size_t len;
};
struct binds {
    int n;
    struct bindv v[MAX_BINDS];
    char today[16]; /* YYYY-MM-DD, Beijing, for contract validity */
};

static void bind_i(struct binds *b, int64_t i)
{
    if (b->n < MAX_BINDS)
        b->v[b->n++] = (struct bindv){.kind = 0, .i = i};
}

static void bind_s(struct binds *b, const char *s, size_t n)
{
    if (b->n < MAX_BINDS)
        b->v[b->n++] = (struct bindv){.kind = 1, .s = s, .len = n};
}

static void bind_json(struct binds *b, json_t *v)
{
    if (b->n >= MAX_BINDS)
        return;
    if (json_is_string(v))
        bind_s(b, json_string_value(v), json_string_length(v));
    else if (json_is_integer(v))
        bind_i(b, (int64_t)json_integer_value(v));
    else if (json_is_real(v))
        b->v[b->n++] = (struct bindv){.kind = 2, .d = json_real_value(v)};
    else if (json_is_boolean(v))
        bind_i(b, json_is_true(v));
    else
        b->v[b->n++] = (struct bindv){.kind = 3};
}

static void apply_binds(struct eg_stmt *s, const struct binds *b)
{
    for (int i = 0; i < b->n; i++) {
        switch (b->v[i].kind) {
        case 0:
            eg_stmt_bind_int(s, i + 1, b->v[i].i);
            break;
        case 1:
            eg_stmt_bind_text(s, i + 1, b->v[i].s, b->v[i].len);
            break;
        case 2:
            eg_stmt_bind_double(s, i + 1, b->v[i].d);
            break;
        default:
            eg_stmt_bind_null(s, i + 1);
            break;
        }
    }
}

/* Prepares the SQL built in SQL (then freed) with the parameters B. */
static int prepare_built(struct eg_db *st, struct eg_buf *sql, const struct binds *b,
                         struct eg_stmt **s, struct eg_err *err)
{
    int r = eg_db_prepare(st, sql->data, s, err);
    eg_buf_free(sql);
    if (r == 0)
        apply_binds(*s, b);
    return r;
}

/* The scope of audit rows: a row is read only by a role that may read the resource it records,
   with the same rows (a role that may not read users reads neither their audit rows nor the
   logins and logouts, which auth records as resource "sessions" with the user's id). The roles
   that read the whole of a resource (admin, bureau) get the rows of every resource their policy
   lets them read; any other role, should the policy ever let it read the audit log, gets none
   (its row scope cannot follow a deleted row). A resource name no policy knows is not shown. */
static void audit_scope_sql(const struct eg_principal *who, struct eg_buf *sql, struct binds *b)
{
    int n = 0;
    eg_buf_puts(sql, "(");
    if (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU) {
        for (int i = 0; eg_registry_resources[i]; i++) {
            const struct eg_resource *r = eg_registry_resources[i];
            const struct eg__res_impl *ri = eg__registry_impl(r);
            if (!ri || !strcmp(r->name, "audit") || impl_allowed(ri, who, EG_ACT_READ) < 0)
                continue;
            eg_buf_puts(sql, n++ ? ", ?" : "t.resource IN (?");
            bind_s(b, r->name, strlen(r->name));
            if (!strcmp(r->name, "users")) {
                eg_buf_puts(sql, ", ?");
                bind_s(b, "sessions", 8);
            }
        }
    }
    eg_buf_puts(sql, n ? "))" : "0 = 1)");
}

/* The row-scope predicate for who over alias t. write: only the rows who may change (no public
   widening). */
static void scope_sql(const struct eg__res_impl *im, const struct eg_principal *who, int write,
                      struct eg_buf *sql, struct binds *b)
{
    if (!strcmp(im->res->name, "audit")) {
        audit_scope_sql(who, sql, b);
        return;
    }
    if (who->role == EG_ROLE_STEWARD) {
        struct eg_civil c;
        eg_time_to_beijing(eg_time_now(), &c);
        snprintf(b->today, sizeof b->today, "%04d-%02d-%02d", c.year % 10000, c.month % 100,
                 c.day % 100);
    }
    eg_buf_puts(sql, "(");
    switch (who->role) {
    case EG_ROLE_ADMIN:
    case EG_ROLE_BUREAU:
        eg_buf_puts(sql, "1 = 1");
        break;
    case EG_ROLE_STREET:
        if (im->region_expr) {
            /* the street's own region, its children (grids) and their children */
            eg_buf_printf(
                sql,
                "%s IN (SELECT r.id FROM regions r WHERE r.code = ? UNION "
                "SELECT c.id FROM regions c JOIN regions p ON c.parent_id = p.id "
                "WHERE p.code = ? UNION SELECT g.id FROM regions g JOIN regions c ON "
                "g.parent_id = c.id JOIN regions p ON c.parent_id = p.id WHERE p.code = ?)",
                im->region_expr);
            for (int i = 0; i < 3; i++)
                bind_s(b, who->region, strlen(who->region));
        } else {
            eg_buf_puts(sql, "0 = 1");
        }
        break;
    case EG_ROLE_ENTERPRISE:
        if (im->unit_expr && who->unit_id) {
            eg_buf_printf(sql, "%s = ?", im->unit_expr);
            bind_i(b, who->unit_id);
        } else {
            eg_buf_puts(sql, "0 = 1");
        }
        break;
    case EG_ROLE_STEWARD:
        if (im->unit_expr) {
            /* contracts in force today (Beijing calendar day); open ends allowed */
            eg_buf_printf(sql,
                          "%s IN (SELECT sc.unit_id FROM steward_contracts sc WHERE "
                          "sc.user_id = ? AND (sc.valid_from IS NULL OR sc.valid_from <= ?) "
                          "AND (sc.valid_to IS NULL OR sc.valid_to >= ?))",
                          im->unit_expr);
            bind_i(b, who->user_id);
            bind_s(b, b->today, 10);
            bind_s(b, b->today, 10);
        } else {
            eg_buf_puts(sql, "0 = 1");
        }
        if (im->self_expr) {
            eg_buf_printf(sql, " OR %s = ?", im->self_expr);
            bind_i(b, who->user_id);
        }
        break;
    default:
        eg_buf_puts(sql, "0 = 1");
        break;
    }
    /* Every reader sees at least what the public sees. */
    if (!write && im->public_expr)
        eg_buf_printf(sql, " OR %s", im->public_expr);
    eg_buf_puts(sql, ")");
}

/* Appended piece by piece, not with printf: built on every read, and printf measures then
   writes each piece (bench/api: a tenth of a GET one went to this text). */
static void select_cols(const struct eg_resource *res, struct eg_buf *sql)
{
    eg_buf_puts(sql, "SELECT t.id");
    for (int i = 0; i < res->nfields; i++)
        if (!(res->fields[i].flags & EG_FF_SECRET)) {
            eg_buf_puts(sql, ", t.");
            eg_buf_puts(sql, res->fields[i].name);
        }
    eg_buf_puts(sql, " FROM ");
    eg_buf_puts(sql, res->table);
    eg_buf_puts(sql, " t");
}

/* Column col of the current row of s as the JSON value of field f. */
static json_t *col_json(const struct eg_field *f, struct eg_stmt *s, int col)
{
    if (eg_stmt_is_null(s, col))
        return json_null();
    switch (f->type) {
    case EG_FT_INT:
    case EG_FT_REF:
        return json_integer(eg_stmt_int(s, col));
    case EG_FT_REAL:
        return json_real(eg_stmt_double(s, col));
    case EG_FT_BOOL:
        return json_boolean(eg_stmt_int(s, col) != 0);
    default: {
        size_t n;
        const char *t = eg_stmt_text(s, col, &n);
        return json_stringn_nocheck(t ? t : "", t ? n : 0);
    }
    }
}

static json_t *row_from_stmt(const struct eg_resource *res, struct eg_stmt *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_int(s, 0)));
    int col = 1;
    for (int i = 0; i < res->nfields; i++) {
        const struct eg_field *f = &res->fields[i];
        if (f->flags & EG_FF_SECRET)
            continue;
        json_object_set_new(o, f->name, col_json(f, s, col));
        col++;
    }
    return o;
}

/* The JSON keys of a resource's rows, written once per list: ",\"name\":" for each column. */
struct row_keys {
    int n;
    struct {
        char text[72];
        unsigned char len;
        unsigned char type;
    } k[64];
};

static void row_keys_make(const struct eg_resource *res, struct row_keys *rk)
{
    rk->n = 0;
    for (int i = 0; i < res->nfields && rk->n < 64; i++) {
        const struct eg_field *f = &res->fields[i];
        if (f->flags & EG_FF_SECRET)
            continue;
        int len = snprintf(rk->k[rk->n].text, sizeof rk->k[rk->n].text, ",\"%s\":", f->name);
        rk->k[rk->n].len = (unsigned char)(len < 72 ? len : 71);
        rk->k[rk->n].type = (unsigned char)f->type;
        rk->n++;
    }
}

/* Appends n bytes without the NUL eg_buf_append writes each time (out is terminated at the end
   by an eg_buf_append). */
static inline void put(struct eg_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap)
        eg_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* The same row as JSON text, straight into out: the same keys in the same order and the same
   bytes as row_from_stmt written by the HTTP serializer (both use base/json_num.c). */
static void row_text(const struct row_keys *rk, struct eg_stmt *s, struct eg_buf *out)
{
    put(out, "{\"id\":", 6);
    eg_buf_json_int(out, (long long)eg_stmt_int(s, 0));
    for (int c = 0; c < rk->n; c++) {
        put(out, rk->k[c].text, rk->k[c].len);
        int col = c + 1;
        if (eg_stmt_is_null(s, col)) {
            put(out, "null", 4);
            continue;
        }
        switch (rk->k[c].type) {
        case EG_FT_INT:
        case EG_FT_REF:
            eg_buf_json_int(out, (long long)eg_stmt_int(s, col));
            break;
        case EG_FT_REAL:
            eg_buf_json_real(out, eg_stmt_double(s, col));
            break;
        case EG_FT_BOOL:
            if (eg_stmt_int(s, col))
                put(out, "true", 4);
            else
                put(out, "false", 5);
            break;
        default: {
            size_t n;
            const char *t = eg_stmt_text(s, col, &n);
            eg_buf_json_text(out, t ? t : "", t ? n : 0);
            break;
        }
        }
    }
    put(out, "}", 1);
}

/* Reads row id; scoped when who is not NULL. *row NULL when absent or out of scope. */
static int load_row(struct eg_db *st, const struct eg__res_impl *im, const struct eg_principal *who,
                    int write, int64_t id, json_t **row, struct eg_err *err)
{
    struct eg_buf sql = {0};
    struct binds b = {0};
    select_cols(im->res, &sql);
    eg_buf_puts(&sql, " WHERE t.id = ?");
    bind_i(&b, id);
    if (who) {
        eg_buf_puts(&sql, " AND ");
        scope_sql(im, who, write, &sql, &b);
    }
    struct eg_stmt *s;
    int r = prepare_built(st, &sql, &b, &s, err);
    if (r < 0)
        return r;
    r = eg_stmt_step(s, err);
    *row = r == 1 ? row_from_stmt(im->res, s) : NULL;
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

/* ---- validation ---- */

static int valid_date(const char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    int64_t y, m, d;
    if (eg_parse_int64(s, 4, &y) || eg_parse_int64(s + 5, 2, &m) || eg_parse_int64(s + 8, 2, &d))
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    struct eg_civil c = {(int)y, (int)m, (int)d, 0, 0, 0, 0};
    return eg_civil_valid(&c);
}

static int enum_index(const char *list, const char *s, size_t n)
{
    int idx = 0;
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !memcmp(p, s, n))
            return idx;
        idx++;
        p = e ? e + 1 : NULL;
    }
    return -1;
}

/* The enum value number idx of list, copied into out. */
static void enum_value(const char *list, int idx, char *out, size_t outsz)
{
    const char *p = list;
    for (int i = 0; i < idx && p; i++) {
        p = strchr(p, '|');
        if (p)
            p++;
    }
    if (!p) {
        out[0] = '\0';
        return;
    }
    const char *e = strchr(p, '|');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    snprintf(out, outsz, "%.*s", (int)len, p);
}

static int check_value(const struct eg_field *f, json_t *v, struct eg_err *err)
{
    const char *name = f->name;
    if (json_is_null(v)) {
        if (f->flags & EG_FF_REQUIRED)
            return eg_err_set(err, EG_EINVAL, name, -1, "%s is required", name);
        return 0;
    }
    switch (f->type) {
    case EG_FT_TEXT: {
        if (!json_is_string(v))
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must be a string", name);
        size_t n = json_string_length(v), max = f->max_len ? (size_t)f->max_len : 256;
        const char *s = json_string_value(v);
        if (n > max)
            return eg_err_set(err, EG_EINVAL, name, -1, "%s is longer than %zu bytes", name, max);
        if (!eg_utf8_valid(s, n))
            return eg_err_set(err, EG_EINVAL, name, -1, "%s is not valid UTF-8", name);
        if (n == 0 && (f->flags & EG_FF_REQUIRED))
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must not be empty", name);
        if ((f->flags & EG_FF_CREDIT_CODE) && !eg_credit_code_valid(s, n))
            return eg_err_set(err, EG_EINVAL, name, -1,
                              "%s is not a valid 统一社会信用代码 (GB 32100-2015: 18 characters, "
                              "check character)",
                              name);
        if ((f->flags & EG_FF_SECRET) && n < 1)
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must not be empty", name);
        return 0;
    }
    case EG_FT_INT:
    case EG_FT_REF:
        if (!json_is_integer(v))
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must be an integer", name);
        if (f->type == EG_FT_REF && json_integer_value(v) <= 0)
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must be a positive id", name);
        return 0;
    case EG_FT_REAL: {
        if (!json_is_number(v))
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must be a number", name);
        double d = json_number_value(v);
        if (!strcmp(name, "lon") && (d < -180 || d > 180))
            return eg_err_set(err, EG_EINVAL, name, -1, "lon must be within -180..180");
        if (!strcmp(name, "lat") && (d < -90 || d > 90))
            return eg_err_set(err, EG_EINVAL, name, -1, "lat must be within -90..90");
        return 0;
    }
    case EG_FT_BOOL:
        if (!json_is_boolean(v))
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must be true or false", name);
        return 0;
    case EG_FT_DATE:
        if (!json_is_string(v) || !valid_date(json_string_value(v), json_string_length(v)))
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must be a date YYYY-MM-DD", name);
        return 0;
    case EG_FT_ENUM:
        if (!json_is_string(v) ||
            enum_index(f->enum_values, json_string_value(v), json_string_length(v)) < 0)
            return eg_err_set(err, EG_EINVAL, name, -1, "%s must be one of %s", name,
                              f->enum_values);
        return 0;
    }
    return 0;
}

static int validate_input(const struct eg_resource *res, json_t *in, int creating,
                          struct eg_err *err)
{
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "body", -1, "the body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v)
    {
        const struct eg_field *f = eg_registry_field(res, key);
        if (!strcmp(key, "id"))
            return eg_err_set(err, EG_EINVAL, "id", -1, "id is set by the system");
        if (!f)
            return eg_err_set(err, EG_EINVAL, "unknown_field", -1, "unknown field \"%.64s\" for %s",
                              key, res->name);
        if (f->flags & EG_FF_READONLY)
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s is read-only", f->name);
        int r = check_value(f, v, err);
        if (r < 0)
            return r;
    }
    if (creating) {
        for (int i = 0; i < res->nfields; i++) {
            const struct eg_field *f = &res->fields[i];
            json_t *x = json_object_get(in, f->name);
            if ((f->flags & EG_FF_REQUIRED) && (!x || json_is_null(x)))
                return eg_err_set(err, EG_EINVAL, f->name, -1, "%s is required", f->name);
        }
    }
    return 0;
}

/* Every reference set in in names an existing row. */
static int check_refs(struct eg_db *st, const struct eg_resource *res, json_t *in,
                      struct eg_err *err)
{
    for (int i = 0; i < res->nfields; i++) {
        const struct eg_field *f = &res->fields[i];
        json_t *v = json_object_get(in, f->name);
        if (f->type != EG_FT_REF || !json_is_integer(v))
            continue;
        const struct eg_resource *ref = eg_registry_find(f->ref);
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = ?", ref->table);
        int64_t n = 0;
        int found = 0;
        int r = eg_db_query_int(st, sql, (int64_t)json_integer_value(v), NULL, &n, &found, err);
        if (r < 0)
            return r;
        if (!n)
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s: no %s with id %lld", f->name,
                              ref->name, (long long)json_integer_value(v));
    }
    return 0;
}

/* Hashes the secret fields of in, outside any transaction (Argon2id is slow by design).
   hashed gets name -> hash string. */
static int hash_secrets(const struct eg__res_impl *im, json_t *in, json_t *hashed,
                        struct eg_err *err)
{
    for (int i = 0; i < im->res->nfields; i++) {
        const struct eg_field *f = &im->res->fields[i];
        json_t *v = json_object_get(in, f->name);
        if (!(f->flags & EG_FF_SECRET) || !json_is_string(v))
            continue;
        if (im->secret_cost == 0 && json_string_length(v) < EG_AUTH_PASSWORD_MIN)
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s must be at least %d bytes", f->name,
                              EG_AUTH_PASSWORD_MIN);
        char h[128];
        int r = eg_auth_hash_password(json_string_value(v), json_string_length(v), im->secret_cost,
                                      h, err);
        if (r < 0)
            return r;
        json_object_set_new(hashed, f->name, json_string(h));
    }
    return 0;
}

/* ---- transactions: own one, or a savepoint inside the caller's ---- */

static int tx_begin(struct eg_db *st, int *own, struct eg_err *err)
{
    *own = !eg_db_in_tx(st);
    return *own ? eg_db_begin(st, err) : eg_db_exec(st, "SAVEPOINT eg_registry", err);
}

static int tx_commit(struct eg_db *st, int own, struct eg_err *err)
{
    return own ? eg_db_commit(st, err) : eg_db_exec(st, "RELEASE eg_registry", err);
}

static void tx_abort(struct eg_db *st, int own)
{
    if (own)
        eg_db_rollback(st);
    else
        eg_db_exec(st, "ROLLBACK TO eg_registry; RELEASE eg_registry", NULL);
}

/* ---- audit ---- */

/* Rows never hold secrets (select_cols leaves them out); a secret that was set is recorded as
   "(set)" so the log shows that a password changed, never the password or its hash. */
static int audit_change(struct eg_db *st, const struct eg_principal *who,
                        const struct eg_resource *res, int64_t id, const char *action,
                        json_t *before, json_t *after, json_t *hashed, struct eg_err *err)
{
    json_t *a = after ? json_copy(after) : NULL;
    if (a && hashed) {
        const char *k;
        json_t *v;
        json_object_foreach(hashed, k, v) json_object_set_new(a, k, json_string("(set)"));
    }
    int r = eg_audit_append(st, who, res->name, id, action, before, a, err);
    json_decref(a);
    return r;
}

/* ---- CRUD ---- */

static const struct eg__res_impl *impl_of(const struct eg_resource *res, struct eg_err *err)
{
    const struct eg__res_impl *im = res ? eg__registry_impl(res) : NULL;
    if (!im)
        eg_err_set(err, EG_ENOTFOUND, "no_resource", -1, "no such resource");
    return im;
}

int eg_registry_get(struct eg_db *st, const struct eg_resource *res, const struct eg_principal *who,
                    int64_t id, json_t **row, struct eg_err *err)
{
    *row = NULL;
    const struct eg__res_impl *im = impl_of(res, err);
    if (!im)
        return EG_ENOTFOUND;
    if (impl_allowed(im, who, EG_ACT_READ) < 0)
        return deny(who, res, EG_ACT_READ, err);
    int r = load_row(st, im, who, 0, id, row, err);
    if (r < 0)
        return r;
    if (!*row)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no %s with id %lld", res->name,
                          (long long)id);
    return 0;
}

/* Rewrites the store's duplicate error as the field(s) and value(s) that already exist, e.g.
   "credit_code 91310115MA1K3YJ5X8 already exists" or "unit_id 3 with code DA001 already
   exists" (409): the columns from the store's message ("the same unit_id, code already
   exists", sqlite.c), else the EG_FF_UNIQUE fields given; the values from the input (a field
   the input does not carry, as in a partial update, is named without its value). */
static int duplicate_msg(const struct eg_resource *res, json_t *in, struct eg_err *err)
{
    char cols[160];
    size_t n = 0;
    const char *a = strstr(err->msg, "the same "), *b = a ? strstr(a, " already exist") : NULL;
    if (a && b) {
        a += 9;
        n = (size_t)(b - a) < sizeof cols ? (size_t)(b - a) : sizeof cols - 1;
        memcpy(cols, a, n);
    } else {
        for (int i = 0; i < res->nfields; i++) {
            const char *f = res->fields[i].name;
            size_t fl = strlen(f);
            if (!(res->fields[i].flags & EG_FF_UNIQUE) || !json_object_get(in, f) ||
                n + fl + 3 > sizeof cols)
                continue;
            if (n) {
                memcpy(cols + n, ", ", 2);
                n += 2;
            }
            memcpy(cols + n, f, fl);
            n += fl;
        }
    }
    cols[n] = '\0';
    struct eg_buf m = {0};
    for (char *c = cols; *c;) {
        char *end = c + strcspn(c, ",");
        char more = *end;
        *end = '\0';
        json_t *v = json_object_get(in, c);
        eg_buf_printf(&m, "%s%s", m.len ? " with " : "", c);
        if (json_is_string(v))
            eg_buf_printf(&m, " %.64s", json_string_value(v));
        else if (json_is_integer(v))
            eg_buf_printf(&m, " %lld", (long long)json_integer_value(v));
        if (!more)
            break;
        for (c = end + 1; *c == ' ';)
            c++;
    }
    int r = eg_err_set(err, EG_ECONFLICT, "duplicate", -1, "%s already exists",
                       m.len ? m.data : "a row with the same unique value");
    eg_buf_free(&m);
    return r;
}

static int write_values(struct eg_db *st, const struct eg__res_impl *im, json_t *in, json_t *hashed,
                        int64_t id, struct eg_err *err)
{
    const struct eg_resource *res = im->res;
    struct eg_buf sql = {0};
    struct binds b = {0};
    int n = 0;
    if (!id) {
        eg_buf_printf(&sql, "INSERT INTO %s (", res->table);
        for (int i = 0; i < res->nfields; i++) {
            json_t *v = json_object_get(in, res->fields[i].name);
            if (!v)
                continue;
            eg_buf_printf(&sql, "%s%s", n++ ? ", " : "", res->fields[i].name);
            json_t *h = json_object_get(hashed, res->fields[i].name);
            bind_json(&b, h ? h : v);
        }
        eg_buf_puts(&sql, ") VALUES (");
        for (int i = 0; i < n; i++)
            eg_buf_puts(&sql, i ? ", ?" : "?");
        eg_buf_puts(&sql, ")");
        if (n == 0) {
            eg_buf_free(&sql);
            return eg_err_set(err, EG_EINVAL, "body", -1, "nothing to create");
        }
    } else {
        eg_buf_printf(&sql, "UPDATE %s SET ", res->table);
        for (int i = 0; i < res->nfields; i++) {
            json_t *v = json_object_get(in, res->fields[i].name);
            if (!v)
                continue;
            eg_buf_printf(&sql, "%s%s = ?", n++ ? ", " : "", res->fields[i].name);
            json_t *h = json_object_get(hashed, res->fields[i].name);
            /* a boolean set to null means false (the columns are NOT NULL DEFAULT 0) */
            if (res->fields[i].type == EG_FT_BOOL && json_is_null(v))
                bind_i(&b, 0);
            else
                bind_json(&b, h ? h : v);
        }
        eg_buf_puts(&sql, " WHERE id = ?");
        bind_i(&b, id);
        if (n == 0) {
            eg_buf_free(&sql);
            return 0;
        }
    }
    struct eg_stmt *s;
    int r = prepare_built(st, &sql, &b, &s, err);
    if (r < 0)
        return r;
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r == EG_ECONFLICT && err && !strcmp(err->code, "duplicate"))
        r = duplicate_msg(res, in, err);
    return r < 0 ? r : 0;
}

/* Booleans given as null on create are false; drop them so the column default applies. */
static void drop_null_bools(const struct eg_resource *res, json_t *in)
{
    for (int i = 0; i < res->nfields; i++)
        if (res->fields[i].type == EG_FT_BOOL &&
            json_is_null(json_object_get(in, res->fields[i].name)))
            json_object_del(in, res->fields[i].name);
}

/* The checks before a create or update: the resource exists, the role may ACT on it, the input
   is valid (all required fields on create). *ROW is cleared first. */
static int write_checks(const struct eg_resource *res, const struct eg_principal *who,
                        enum eg_action act, json_t *in, json_t **row,
                        const struct eg__res_impl **im, struct eg_err *err)
{
    if (row)
        *row = NULL;
    *im = impl_of(res, err);
    if (!*im)
        return EG_ENOTFOUND;
    if (impl_allowed(*im, who, act) < 0)
        return deny(who, res, act, err);
    return validate_input(res, in, act == EG_ACT_CREATE, err);
}

/* Ends a create or update: commits when R is 0, else rolls back; the row after the write goes
   to *ROW (NULL on failure) or is dropped. Returns R, or the commit's error. */
static int end_write(struct eg_db *st, int own, int r, json_t *after, json_t **row,
                     struct eg_err *err)
{
    if (r == 0)
        r = tx_commit(st, own, err);
    if (r < 0) {
        tx_abort(st, own);
        json_decref(after);
        after = NULL;
    }
    if (row)
        *row = after;
    else
        json_decref(after);
    return r;
}

/* Whether ROW (every field it sets; id 0 on create) would lie in who's write scope, evaluated over
   the values before anything is looked up or written: so that an out-of-scope write is refused
   with the same 403 whether or not its references exist or its unique values are taken (no
   existence oracle). The scope is checked again on the row as written. */
static int prospective_in_scope(struct eg_db *st, const struct eg__res_impl *im,
                                const struct eg_principal *who, json_t *row, int64_t id,
                                struct eg_err *err)
{
    if (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU)
        return 0; /* their scope is everything */
    const struct eg_resource *res = im->res;
    struct eg_buf sql = {0};
    struct binds b = {0};
    eg_buf_puts(&sql, "SELECT 1 FROM (SELECT ? AS id");
    bind_i(&b, id);
    for (int i = 0; i < res->nfields; i++) {
        json_t *v = json_object_get(row, res->fields[i].name);
        eg_buf_printf(&sql, ", ? AS \"%s\"", res->fields[i].name);
        bind_json(&b, res->fields[i].flags & EG_FF_SECRET ? NULL : v);
    }
    eg_buf_puts(&sql, ") t WHERE ");
    scope_sql(im, who, 1, &sql, &b);
    struct eg_stmt *s;
    int r = prepare_built(st, &sql, &b, &s, err);
    if (r < 0)
        return r;
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    if (r == 0)
        return eg_err_set(err, EG_EPERM, "out_of_scope", -1,
                          "%s may not write this %s: it lies outside the user's scope",
                          eg_role_name(who->role), res->name);
    return 0;
}

int eg__registry_create_check(const struct eg_resource *res, const struct eg_principal *who,
                              json_t *in, json_t *hashed, struct eg_err *err)
{
    const struct eg__res_impl *im;
    int r = write_checks(res, who, EG_ACT_CREATE, in, NULL, &im, err);
    if (r < 0)
        return r;
    json_t *body = json_copy(in);
    drop_null_bools(res, body);
    r = hash_secrets(im, body, hashed, err);
    json_decref(body);
    return r;
}

/* The create, with the secrets hashed already (pre_hashed) or hashed here (NULL). */
static int create_row(struct eg_db *st, const struct eg_resource *res,
                      const struct eg_principal *who, json_t *in, json_t *pre_hashed, json_t **row,
                      struct eg_err *err)
{
    const struct eg__res_impl *im;
    int r = write_checks(res, who, EG_ACT_CREATE, in, row, &im, err);
    if (r < 0)
        return r;
    json_t *body = json_copy(in);
    drop_null_bools(res, body);
    if (im->authorize && (r = im->authorize(who, body, NULL, err)) < 0) {
        json_decref(body);
        return r;
    }
    json_t *hashed = pre_hashed ? json_incref(pre_hashed) : json_object();
    if (!pre_hashed)
        r = hash_secrets(im, body, hashed, err);
    int own = 0;
    if (r == 0)
        r = tx_begin(st, &own, err);
    if (r < 0) {
        json_decref(body);
        json_decref(hashed);
        return r;
    }
    r = prospective_in_scope(st, im, who, body, 0, err);
    if (r == 0)
        r = check_refs(st, res, body, err);
    if (r == 0 && im->check)
        r = im->check(st, body, 0, err);
    if (r == 0)
        r = write_values(st, im, body, hashed, 0, err);
    int64_t id = r == 0 ? eg_db_last_id(st) : 0;
    json_t *after = NULL;
    if (r == 0) {
        /* the new row must lie in the creator's scope (e.g. a street user's own region) */
        r = load_row(st, im, who, 1, id, &after, err);
        if (r == 0 && !after)
            r = eg_err_set(err, EG_EPERM, "out_of_scope", -1,
                           "%s may not create this %s: it lies outside the user's scope",
                           eg_role_name(who->role), res->name);
    }
    if (r == 0)
        r = audit_change(st, who, res, id, "create", NULL, after, hashed, err);
    json_decref(body);
    json_decref(hashed);
    return end_write(st, own, r, after, row, err);
}

int eg_registry_create(struct eg_db *st, const struct eg_resource *res,
                       const struct eg_principal *who, json_t *in, json_t **row, struct eg_err *err)
{
    return create_row(st, res, who, in, NULL, row, err);
}

int eg__registry_create_hashed(struct eg_db *st, const struct eg_resource *res,
                               const struct eg_principal *who, json_t *in, json_t *hashed,
                               struct eg_err *err)
{
    return create_row(st, res, who, in, hashed, NULL, err);
}

/* Loads the row for a write: EG_ENOTFOUND when absent, EG_EPERM when outside who's scope. */
static int load_for_write(struct eg_db *st, const struct eg__res_impl *im,
                          const struct eg_principal *who, int64_t id, json_t **before,
                          struct eg_err *err)
{
    int r = load_row(st, im, NULL, 1, id, before, err);
    if (r < 0)
        return r;
    if (!*before)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no %s with id %lld", im->res->name,
                          (long long)id);
    json_t *scoped = NULL;
    r = load_row(st, im, who, 1, id, &scoped, err);
    if (r == 0 && !scoped)
        r = eg_err_set(err, EG_EPERM, "out_of_scope", -1, "%s %lld lies outside the user's scope",
                       im->res->name, (long long)id);
    json_decref(scoped);
    return r;
}

/* A user whose password or role changed, or who was disabled, loses every session at once (in
   the same transaction): an old token must not come back when the user is enabled again. */
static int revokes_sessions(const struct eg_resource *res, json_t *before, json_t *after,
                            json_t *hashed)
{
    if (strcmp(res->table, "users") || !before || !after)
        return 0;
    if (json_object_get(hashed, "password"))
        return 1;
    if (!json_equal(json_object_get(before, "role"), json_object_get(after, "role")))
        return 1;
    json_t *d = json_object_get(after, "disabled");
    return json_is_true(d) || (json_is_integer(d) && json_integer_value(d) != 0);
}

int eg_registry_update(struct eg_db *st, const struct eg_resource *res,
                       const struct eg_principal *who, int64_t id, json_t *patch, json_t **row,
                       struct eg_err *err)
{
    const struct eg__res_impl *im;
    int r = write_checks(res, who, EG_ACT_UPDATE, patch, row, &im, err);
    if (r < 0)
        return r;
    json_t *hashed = json_object();
    r = hash_secrets(im, patch, hashed, err);
    int own = 0;
    if (r == 0)
        r = tx_begin(st, &own, err);
    if (r < 0) {
        json_decref(hashed);
        return r;
    }
    json_t *before = NULL, *after = NULL, *merged = NULL, *body = json_copy(patch);
    r = load_for_write(st, im, who, id, &before, err);
    if (r == 0 && im->authorize)
        r = im->authorize(who, body, before, err);
    if (r == 0) {
        merged = json_copy(before);
        json_object_update(merged, body);
        r = prospective_in_scope(st, im, who, merged, id, err);
        if (r == 0)
            r = check_refs(st, res, body, err);
    }
    if (r == 0 && im->check)
        r = im->check(st, merged, id, err);
    if (r == 0)
        r = write_values(st, im, body, hashed, id, err);
    if (r == 0) {
        r = load_row(st, im, who, 1, id, &after, err);
        if (r == 0 && !after)
            r = eg_err_set(err, EG_EPERM, "out_of_scope", -1,
                           "this change would move %s %lld outside the user's scope", res->name,
                           (long long)id);
    }
    if (r == 0 && revokes_sessions(res, before, after, hashed))
        r = eg_auth_revoke_user(st, id, err);
    if (r == 0 && (!json_equal(before, after) || json_object_size(hashed)))
        r = audit_change(st, who, res, id, "update", before, after, hashed, err);
    json_decref(before);
    json_decref(merged);
    json_decref(body);
    json_decref(hashed);
    return end_write(st, own, r, after, row, err);
}

int eg_registry_delete(struct eg_db *st, const struct eg_resource *res,
                       const struct eg_principal *who, int64_t id, struct eg_err *err)
{
    const struct eg__res_impl *im = impl_of(res, err);
    if (!im)
        return EG_ENOTFOUND;
    if (impl_allowed(im, who, EG_ACT_DELETE) < 0)
        return deny(who, res, EG_ACT_DELETE, err);
    int own = 0;
    int r = tx_begin(st, &own, err);
    if (r < 0)
        return r;
    json_t *before = NULL;
    r = load_for_write(st, im, who, id, &before, err);
    if (r == 0) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = ?", res->table);
        struct eg_stmt *s;
        r = eg_db_prepare(st, sql, &s, err);
        if (r == 0) {
            eg_stmt_bind_int(s, 1, id);
            r = eg_stmt_step(s, err);
            eg_stmt_done(s);
            if (r == EG_ECONFLICT)
                r = eg_err_set(err, EG_ECONFLICT, "referenced", -1,
                               "%s %lld is still referenced by other records; delete or move "
                               "those first",
                               res->name, (long long)id);
        }
    }
    if (r == 0)
        r = audit_change(st, who, res, id, "delete", before, NULL, NULL, err);
    if (r == 0)
        r = tx_commit(st, own, err);
    if (r < 0)
        tx_abort(st, own);
    json_decref(before);
    return r < 0 ? r : 0;
}

int eg_registry_source_readable(struct eg_db *st, const struct eg_principal *who,
                                const char *source, struct eg_err *err)
{
    const struct eg__res_impl *stations = eg__registry_impl(eg_registry_find("stations"));
    const struct eg__res_impl *devices = eg__registry_impl(eg_registry_find("devices"));
    size_t n = source ? strlen(source) : 0;
    if (!n || n > 64)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no such source");
    struct eg_buf sql = {0};
    struct binds b = {0};
    /* a station by its code */
    eg_buf_puts(&sql, "SELECT 1 FROM stations t WHERE t.code = ? AND ");
    bind_s(&b, source, n);
    scope_sql(stations, who, 0, &sql, &b);
    /* a device that measures a readable station */
    eg_buf_puts(&sql, " UNION ALL SELECT 1 FROM devices d JOIN stations t ON t.id = d.station_id "
                      "WHERE d.mn = ? AND ");
    bind_s(&b, source, n);
    scope_sql(stations, who, 0, &sql, &b);
    /* a device the principal may read (its own outlets, its region, its contracts) */
    if (impl_allowed(devices, who, EG_ACT_READ) == 0) {
        eg_buf_puts(&sql, " UNION ALL SELECT 1 FROM devices t WHERE t.mn = ? AND ");
        bind_s(&b, source, n);
        scope_sql(devices, who, 0, &sql, &b);
    }
    eg_buf_puts(&sql, " LIMIT 1");
    struct eg_stmt *s;
    int r = prepare_built(st, &sql, &b, &s, err);
    if (r < 0)
        return r;
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    return r == 1 ? 0 : eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no such source");
}

/* ---- list: filters, search, sort, keyset cursor ---- */

/* The cursor is base64url(JSON ["sort", last value, last id]): opaque to clients, and checked
   against the sort it was made for. */
static char *cursor_make(const char *sort, json_t *value, int64_t id)
{
    json_t *a = json_pack("[sOI]", sort, value ? value : json_null(), (json_int_t)id);
    char *s = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(a);
    size_t n = strlen(s);
    size_t outn = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = eg_malloc(outn);
    sodium_bin2base64(out, outn, (const unsigned char *)s, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(s);
    return out;
}

static int cursor_parse(const char *cur, const char *sort, json_t **value, int64_t *id,
                        struct eg_err *err)
{
    size_t n = strlen(cur);
    if (n == 0 || n > 2048)
        return eg_err_set(err, EG_EINVAL, "cursor", -1, "invalid cursor");
    unsigned char *bin = eg_malloc(n);
    size_t blen = 0;
    if (sodium_base642bin(bin, n, cur, n, NULL, &blen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        free(bin);
        return eg_err_set(err, EG_EINVAL, "cursor", -1, "invalid cursor");
    }
    json_t *a = json_loadb((const char *)bin, blen, JSON_DECODE_ANY, NULL);
    free(bin);
    if (!json_is_array(a) || json_array_size(a) != 3 || !json_is_string(json_array_get(a, 0)) ||
        strcmp(json_string_value(json_array_get(a, 0)), sort) ||
        !json_is_integer(json_array_get(a, 2))) {
        json_decref(a);
        return eg_err_set(err, EG_EINVAL, "cursor", -1,
                          "invalid cursor (or made for another sort)");
    }
    *value = json_incref(json_array_get(a, 1));
    *id = (int64_t)json_integer_value(json_array_get(a, 2));
    json_decref(a);
    return 0;
}

static void like_pattern(struct eg_buf *out, const char *q)
{
    eg_buf_puts(out, "%");
    for (const char *p = q; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            eg_buf_append(out, "\\", 1);
        eg_buf_append(out, p, 1);
    }
    eg_buf_puts(out, "%");
}

static int ref_lookup(struct eg_db *st, const struct eg_field *f, const char *s, size_t n,
                      int64_t *id, struct eg_err *err);

/* A filter by a reference the reader may not read answers as one that names nothing: by a
   natural key (a credit code, a region code) the same 400 "no units ..." as an unknown key; by
   an id no rows, as an unknown id gets. So the answer never tells whether an out-of-scope
   record exists. */
static int ref_filter_readable(struct eg_db *st, const struct eg_field *f,
                               const struct eg_principal *who, const char *text, int64_t id,
                               struct eg_buf *sql, struct eg_err *err)
{
    const struct eg_resource *ref = eg_registry_find(f->ref);
    const struct eg__res_impl *rim = ref ? eg__registry_impl(ref) : NULL;
    if (!rim || who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU)
        return 0;
    json_t *row = NULL;
    int r = impl_allowed(rim, who, EG_ACT_READ) < 0 ? 0 : load_row(st, rim, who, 0, id, &row, err);
    if (r < 0 || row) {
        json_decref(row);
        return r;
    }
    int64_t as_int;
    if (eg_parse_int64(text, strlen(text), &as_int) == 0) {
        eg_buf_puts(sql, " AND 0 = 1");
        return 0;
    }
    return eg_err_set(err, EG_EINVAL, f->name, -1, "%s: no %s \"%.64s\"", f->name, f->ref, text);
}

static const struct eg_registry_xfilter xf_region_unit[] = {
    {"in_region", "所在区域 (含下级街镇、网格)",
     "a region code or id: rows in it or in any region under it (a street with its grids)"},
    {"unit_id", "所属单位 (经排口或许可证)",
     "a unit id: the rows of that enterprise (through their outlet or permit)"},
    {NULL, NULL, NULL}};
static const struct eg_registry_xfilter xf_region_only[] = {
    {"in_region", "所在区域 (含下级街镇、网格)",
     "a region code or id: rows in it or in any region under it (a street with its grids)"},
    {NULL, NULL, NULL}};
static const struct eg_registry_xfilter xf_none[] = {{NULL, NULL, NULL}};

/* unit_id as an extra filter: the resource has a unit only through another row */
static int xf_has_unit(const struct eg__res_impl *im)
{
    return im->unit_expr && strncmp(im->unit_expr, "t.", 2) != 0;
}

const struct eg_registry_xfilter *eg_registry_extra_filters(const struct eg_resource *res)
{
    const struct eg__res_impl *im = res ? eg__registry_impl(res) : NULL;
    if (!im || !im->region_expr)
        return xf_none;
    return xf_has_unit(im) ? xf_region_unit : xf_region_only;
}

/* Appends the SQL of an extra filter (eg_registry_extra_filters): 0 applied, 1 when name is
   not one of res's, or a negative EG_E*. */
static int xfilter_sql(struct eg_db *st, const struct eg__res_impl *im, const char *name,
                       const char *value, struct eg_buf *sql, struct binds *b, struct eg_err *err)
{
    if (!strcmp(name, "in_region") && im->region_expr) {
        int64_t as_id = 0, rid = 0;
        int numeric = eg_parse_int64(value, strlen(value), &as_id) == 0;
        struct eg_stmt *s;
        int r = eg_db_prepare(st,
                              "SELECT id FROM regions WHERE code = ? OR id = ? ORDER BY code = ? "
                              "DESC LIMIT 1",
                              &s, err);
        if (r)
            return r;
        eg_stmt_bind_text(s, 1, value, strlen(value));
        eg_stmt_bind_int(s, 2, numeric ? as_id : -1);
        eg_stmt_bind_text(s, 3, value, strlen(value));
        r = eg_stmt_step(s, err);
        if (r == 1)
            rid = eg_stmt_int(s, 0);
        eg_stmt_done(s);
        if (r < 0)
            return r;
        if (!rid)
            return eg_err_set(err, EG_EINVAL, "bad_filter", -1,
                              "in_region: no region \"%.64s\" (give a region code such as "
                              "310115005, or its id)",
                              value);
        eg_buf_printf(sql,
                      " AND %s IN (WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT c.id "
                      "FROM regions c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub)",
                      im->region_expr);
        bind_i(b, rid);
        return 0;
    }
    if (!strcmp(name, "unit_id") && xf_has_unit(im)) {
        int64_t uid;
        if (eg_parse_int64(value, strlen(value), &uid) || uid <= 0)
            return eg_err_set(err, EG_EINVAL, "bad_filter", -1,
                              "unit_id must be a unit id (a positive integer)");
        eg_buf_printf(sql, " AND %s = ?", im->unit_expr);
        bind_i(b, uid);
        return 0;
    }
    return 1;
}

/* A list query made ready: its statement prepared and bound, and what reading it needs. */
struct list_plan {
    struct eg_stmt *s;
    int limit, desc;
    const char *sort;          /* as given ("-name"), "id" when none: the cursor names it */
    const struct eg_field *sf; /* the sort field, NULL for id */
    int sort_col;              /* its column in the SELECT */
    json_t *filter_vals, *cur_val;
    struct eg_buf sql, like;
};

static void list_plan_free(struct list_plan *p)
{
    if (p->s)
        eg_stmt_done(p->s);
    json_decref(p->cur_val);
    json_decref(p->filter_vals);
    eg_buf_free(&p->sql);
    eg_buf_free(&p->like);
}

/* ids_only: the statement reads t.id (and the sort field) only, the rows' text coming from a
   row cache (eg_registry_list_json); otherwise every column, as select_cols. */
static int list_prepare(struct eg_db *st, const struct eg_resource *res,
                        const struct eg_principal *who, const struct eg_list_query *q, int ids_only,
                        struct list_plan *p, struct eg_err *err)
{
    memset(p, 0, sizeof *p);
    const struct eg__res_impl *im = impl_of(res, err);
    if (!im)
        return EG_ENOTFOUND;
    if (impl_allowed(im, who, EG_ACT_READ) < 0)
        return deny(who, res, EG_ACT_READ, err);
    static const struct eg_list_query none = {0};
    if (!q)
        q = &none;
    int limit = q->limit ? q->limit : 50;
    if (limit < 1 || limit > 1000)
        return eg_err_set(err, EG_EINVAL, "limit", -1, "limit must be 1 to 1000");
    p->limit = limit;

    /* sort */
    const char *sort = q->sort && q->sort[0] ? q->sort : "id";
    int desc = sort[0] == '-';
    const char *sname = desc ? sort + 1 : sort;
    const struct eg_field *sf = NULL;
    if (strcmp(sname, "id")) {
        sf = eg_registry_field(res, sname);
        if (!sf || (sf->flags & EG_FF_SECRET))
            return eg_err_set(err, EG_EINVAL, "sort", -1, "cannot sort %s by \"%.64s\"", res->name,
                              sname);
        p->sort_col = 1;
        for (const struct eg_field *f = res->fields; f != sf && !ids_only; f++)
            p->sort_col += !(f->flags & EG_FF_SECRET);
    }
    p->sort = sort;
    p->desc = desc;
    p->sf = sf;

    struct eg_buf *sqlb = &p->sql, *like = &p->like;
    struct binds b = {0};
    p->filter_vals = json_array();
    int r = 0;
    if (ids_only) {
        eg_buf_puts(sqlb, "SELECT t.id");
        if (sf) {
            eg_buf_puts(sqlb, ", t.");
            eg_buf_puts(sqlb, sf->name);
        }
        eg_buf_puts(sqlb, " FROM ");
        eg_buf_puts(sqlb, res->table);
        eg_buf_puts(sqlb, " t");
    } else {
        select_cols(res, sqlb);
    }
    eg_buf_puts(sqlb, " WHERE ");
    scope_sql(im, who, 0, sqlb, &b);
    for (int i = 0; i < q->nfilters && r == 0; i++) {
        const struct eg_field *f = eg_registry_field(res, q->filter_names[i]);
        if (!strcmp(q->filter_names[i], "id")) {
            int64_t v;
            const char *s = q->filter_values[i];
            if (eg_parse_int64(s, strlen(s), &v))
                r = eg_err_set(err, EG_EINVAL, "id", -1, "id must be an integer");
            else {
                eg_buf_puts(sqlb, " AND t.id = ?");
                bind_i(&b, v);
            }
            continue;
        }
        if (!f && (r = xfilter_sql(st, im, q->filter_names[i], q->filter_values[i], sqlb, &b,
                                   err)) != 1) {
            if (r < 0)
                break;
            continue;
        }
        r = 0;
        if (!f || !(f->flags & EG_FF_FILTER)) {
            r = eg_err_set(err, EG_EINVAL, "unknown_filter", -1,
                           "%s cannot be filtered by \"%.64s\"", res->name, q->filter_names[i]);
            break;
        }
        json_t *v = NULL;
        r = eg_registry_value_from_text(st, f, q->filter_values[i], strlen(q->filter_values[i]), &v,
                                        err);
        if (r == 0 && f->type == EG_FT_REF && json_is_integer(v))
            r = ref_filter_readable(st, f, who, q->filter_values[i], json_integer_value(v), sqlb,
                                    err);
        if (r < 0) {
            json_decref(v);
            break;
        }
        json_array_append_new(p->filter_vals, v); /* keeps v alive while bound */
        eg_buf_puts(sqlb, " AND t.");
        eg_buf_puts(sqlb, f->name);
        if (json_is_null(v)) {
            eg_buf_puts(sqlb, " IS NULL");
        } else {
            eg_buf_puts(sqlb, " = ?");
            bind_json(&b, v);
        }
    }

    if (r == 0 && q->q && q->q[0]) {
        if (strlen(q->q) > 256 || !eg_utf8_valid(q->q, strlen(q->q)))
            r = eg_err_set(err, EG_EINVAL, "q", -1, "q must be valid UTF-8 of at most 256 bytes");
        else {
            like_pattern(like, q->q);
            int n = 0;
            eg_buf_puts(sqlb, " AND (");
            for (int i = 0; i < res->nfields; i++) {
                if (!(res->fields[i].flags & EG_FF_SEARCH))
                    continue;
                eg_buf_printf(sqlb, "%st.%s LIKE ? ESCAPE '\\'", n++ ? " OR " : "",
                              res->fields[i].name);
                bind_s(&b, like->data, like->len);
            }
            if (!n)
                eg_buf_puts(sqlb, "0 = 1");
            eg_buf_puts(sqlb, ")");
        }
    }

    char col[80];
    snprintf(col, sizeof col, "t.%s", sname);
    int64_t cur_id = 0;
    if (r == 0 && q->cursor && q->cursor[0]) {
        r = cursor_parse(q->cursor, sort, &p->cur_val, &cur_id, err);
        if (r == 0 && !sf) {
            eg_buf_puts(sqlb, desc ? " AND t.id < ?" : " AND t.id > ?");
            bind_i(&b, cur_id);
        } else if (r == 0) {
            /* Keyset after (value, id), with NULLs first ascending and last descending (written
               out, since SQLite and PostgreSQL place NULLs differently by default). */
            int vnull = json_is_null(p->cur_val);
            if (!desc && vnull) {
                eg_buf_printf(sqlb, " AND ((%s IS NULL AND t.id > ?) OR %s IS NOT NULL)", col, col);
                bind_i(&b, cur_id);
            } else if (!desc) {
                eg_buf_printf(sqlb, " AND (%s > ? OR (%s = ? AND t.id > ?))", col, col);
                bind_json(&b, p->cur_val);
                bind_json(&b, p->cur_val);
                bind_i(&b, cur_id);
            } else if (vnull) {
                eg_buf_printf(sqlb, " AND (%s IS NULL AND t.id < ?)", col);
                bind_i(&b, cur_id);
            } else {
                eg_buf_printf(sqlb, " AND (%s IS NULL OR %s < ? OR (%s = ? AND t.id < ?))", col,
                              col, col);
                bind_json(&b, p->cur_val);
                bind_json(&b, p->cur_val);
                bind_i(&b, cur_id);
            }
        }
    }
    if (r == 0 && b.n >= MAX_BINDS - 1)
        r = eg_err_set(err, EG_EINVAL, "query", -1, "too many filters");
    if (r == 0) {
        if (!sf)
            eg_buf_puts(sqlb, desc ? " ORDER BY t.id DESC" : " ORDER BY t.id ASC");
        else if (!desc)
            eg_buf_printf(sqlb, " ORDER BY (%s IS NULL) DESC, %s ASC, t.id ASC", col, col);
        else
            eg_buf_printf(sqlb, " ORDER BY (%s IS NULL) ASC, %s DESC, t.id DESC", col, col);
        eg_buf_puts(sqlb, " LIMIT ?");
        bind_i(&b, limit + 1);
    }
    if (r == 0)
        r = eg_db_prepare(st, sqlb->data, &p->s, err);
    if (r == 0)
        apply_binds(p->s, &b);
    return r < 0 ? r : 0;
}

/* The cursor after the last row returned (id and, sorted by a field, its value). */
static char *list_cursor(const struct list_plan *p, json_t *last_value, int64_t last_id)
{
    return cursor_make(p->sort, p->sf ? last_value : NULL, last_id);
}

int eg_registry_list(struct eg_db *st, const struct eg_resource *res,
                     const struct eg_principal *who, const struct eg_list_query *q, json_t **rows,
                     char **next_cursor, struct eg_err *err)
{
    *rows = NULL;
    if (next_cursor)
        *next_cursor = NULL;
    struct list_plan p;
    int r = list_prepare(st, res, who, q, 0, &p, err);
    if (r == 0) {
        json_t *out = json_array();
        int n = 0;
        while ((r = eg_stmt_step(p.s, err)) == 1) {
            if (n == p.limit) {
                /* one more row exists: the cursor points after the last row returned */
                json_t *last = json_array_get(out, (size_t)n - 1);
                if (next_cursor)
                    *next_cursor =
                        list_cursor(&p, p.sf ? json_object_get(last, p.sf->name) : NULL,
                                    (int64_t)json_integer_value(json_object_get(last, "id")));
                r = 0;
                break;
            }
            json_array_append_new(out, row_from_stmt(res, p.s));
            n++;
        }
        if (r < 0)
            json_decref(out);
        else
            *rows = out;
    }
    list_plan_free(&p);
    return r < 0 ? r : 0;
}

/* ---- rows' JSON text kept across lists (issue 11 §8) ----
 *
 * A row's JSON text depends on that row alone (secrets are never written), not on who reads it
 * or which page it is on: scope, filters, sort and cursor only choose which rows. So one
 * thread keeps the text of the rows it wrote, valid while the registry version is the one it
 * was read under (eg_registry_version: a new value with every committed change to any registry
 * table). A page whose rows are kept is then a SELECT of ids through the index and a copy of
 * each row's text. Direct-mapped by (resource, id): a collision replaces the older row. */
#define ROWS_SLOTS 4096u

struct rows_slot {
    const struct eg_resource *res;
    int64_t id;
    char *text;
    size_t len;
};
struct eg_registry_rows {
    int64_t version;
    int has_version;
    size_t bytes, max_bytes;
    unsigned nrows;
    struct rows_slot s[ROWS_SLOTS];
};

struct eg_registry_rows *eg_registry_rows_new(size_t max_bytes)
{
    struct eg_registry_rows *c = eg_calloc(1, sizeof *c);
    c->max_bytes = max_bytes;
    return c;
}

static void rows_empty(struct eg_registry_rows *c)
{
    for (unsigned i = 0; i < ROWS_SLOTS && c->nrows; i++)
        if (c->s[i].text) {
            free(c->s[i].text);
            c->s[i] = (struct rows_slot){.res = NULL};
            c->nrows--;
        }
    c->nrows = 0;
    c->bytes = 0;
}

void eg_registry_rows_free(struct eg_registry_rows *c)
{
    if (!c)
        return;
    rows_empty(c);
    free(c);
}

void eg_registry_rows_version(struct eg_registry_rows *c, int64_t version)
{
    if (c->has_version && c->version == version)
        return;
    rows_empty(c);
    c->version = version;
    c->has_version = 1;
}

static struct rows_slot *rows_slot(struct eg_registry_rows *c, const struct eg_resource *res,
                                   int64_t id)
{
    uint64_t h = ((uint64_t)(uintptr_t)res >> 4) * 0x9E3779B97F4A7C15ull ^ (uint64_t)id;
    h *= 0xff51afd7ed558ccdull;
    return &c->s[(h >> 32) % ROWS_SLOTS];
}

static void rows_put(struct eg_registry_rows *c, const struct eg_resource *res, int64_t id,
                     const char *text, size_t len)
{
    struct rows_slot *sl = rows_slot(c, res, id);
    if (sl->text) {
        c->bytes -= sl->len;
        c->nrows--;
        free(sl->text);
        *sl = (struct rows_slot){.res = NULL};
    }
    if (c->bytes + len > c->max_bytes)
        return;
    sl->text = eg_malloc(len);
    memcpy(sl->text, text, len);
    sl->len = len;
    sl->res = res;
    sl->id = id;
    c->bytes += len;
    c->nrows++;
}

/* Writes row id of res (no scope: the caller's statement chose it) from the row cache, or reads
   it with a point query (inside the caller's read, which is still stepping) and keeps it. */
static int row_text_by_id(struct eg_db *st, const struct eg_resource *res,
                          const struct row_keys *rk, struct eg_registry_rows *c, int64_t id,
                          struct eg_buf *one, struct eg_buf *out, struct eg_err *err)
{
    struct rows_slot *sl = rows_slot(c, res, id);
    if (sl->text && sl->res == res && sl->id == id) {
        put(out, sl->text, sl->len);
        return 0;
    }
    if (!one->len) {
        select_cols(res, one);
        eg_buf_puts(one, " WHERE t.id = ?");
    }
    struct eg_stmt *s;
    int r = eg_db_prepare(st, one->data, &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, id);
    r = eg_stmt_step(s, err);
    if (r == 1) {
        size_t start = out->len;
        row_text(rk, s, out);
        rows_put(c, res, id, out->data + start, out->len - start);
    }
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

int eg_registry_list_json(struct eg_db *st, const struct eg_resource *res,
                          const struct eg_principal *who, const struct eg_list_query *q,
                          struct eg_buf *out, char **next_cursor, struct eg_err *err)
{
    if (next_cursor)
        *next_cursor = NULL;
    struct eg_registry_rows *rc = q && q->rows && q->rows->has_version ? q->rows : NULL;
    /* rows kept already: read ids only; none kept (first list of this version): every column,
       keeping each row's text */
    int ids_only = rc && rc->nrows > 0;
    struct list_plan p;
    int r = list_prepare(st, res, who, q, ids_only, &p, err);
    if (r < 0) {
        list_plan_free(&p);
        return r;
    }
    size_t start = out->len;
    eg_buf_reserve(out, (size_t)p.limit * 512 + 2); /* a registry row is a few hundred bytes */
    eg_buf_append(out, "[", 1);
    int n = 0;
    int64_t last_id = 0;
    json_t *last_value = NULL;
    struct row_keys rk;
    row_keys_make(res, &rk);
    struct eg_buf one = {0};
    while ((r = eg_stmt_step(p.s, err)) == 1) {
        if (n == p.limit) {
            if (next_cursor)
                *next_cursor = list_cursor(&p, last_value, last_id);
            r = 0;
            break;
        }
        if (n)
            put(out, ",", 1);
        last_id = eg_stmt_int(p.s, 0);
        if (ids_only) {
            if ((r = row_text_by_id(st, res, &rk, rc, last_id, &one, out, err)) < 0)
                break;
        } else {
            size_t row_start = out->len;
            row_text(&rk, p.s, out);
            if (rc)
                rows_put(rc, res, last_id, out->data + row_start, out->len - row_start);
        }
        if (p.sf) {
            json_decref(last_value);
            last_value = col_json(p.sf, p.s, p.sort_col);
        }
        n++;
    }
    eg_buf_free(&one);
    json_decref(last_value);
    list_plan_free(&p);
    if (r < 0) {
        out->len = start;
        return r;
    }
    eg_buf_append(out, "]", 1);
    return 0;
}

/* ---- the version of the rows, for caches of lists ---- */

/* The tables whose every change sets registry_version.v (triggers of migration 003). A resource
   added later is cached only once its table has the triggers and is listed here. */
static const char *const versioned_tables[] = {
    "regions",  "units",   "outlets", "permits",           "permit_limits",
    "stations", "devices", "users",   "steward_contracts",
};

int eg_registry_version(struct eg_db *st, const struct eg_resource *res, int64_t *version,
                        int *cacheable, struct eg_err *err)
{
    *cacheable = 0;
    *version = 0;
    const char *const *t = versioned_tables;
    while (t < versioned_tables + EG_ARRAY_LEN(versioned_tables) && strcmp(*t, res->table))
        t++;
    if (t == versioned_tables + EG_ARRAY_LEN(versioned_tables))
        return 0;
    int found = 0;
    int r = eg_db_query_int(st, "SELECT v FROM registry_version WHERE id = ?", 1, NULL, version,
                            &found, err);
    if (r < 0)
        return r;
    *cacheable = found;
    return 0;
}

/* ---- display names of references, for exports ---- */

/* How a row of each resource is named to a person (SQL over alias t). */
static const struct {
    const char *res, *expr;
} display_names[] = {
    {"regions", "t.name"},
    {"units", "t.name"},
    {"outlets", "t.code || COALESCE(' ' || t.name, '')"},
    {"permits", "t.number"},
    {"permit_limits", "COALESCE(t.pollutant_name, t.pollutant)"},
    {"stations", "t.name"},
    {"devices", "COALESCE(t.name, t.mn)"},
    {"users", "COALESCE(t.display_name, t.username)"},
};

void eg_registry_ref_name_key(const struct eg_field *f, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s_name", f->name);
}

#define NAME_BATCH 32 /* ids per query: one statement text, whatever the number */

/* The names of the ids in ids[0..n) (distinct, sorted) of resource rim into names (id text ->
   name), as who may read them. */
static int names_of(struct eg_db *st, const struct eg__res_impl *rim, const char *expr,
                    const struct eg_principal *who, const int64_t *ids, size_t n, json_t *names,
                    struct eg_err *err)
{
    for (size_t at = 0; at < n; at += NAME_BATCH) {
        struct eg_buf sql = {0};
        struct binds b = {0};
        eg_buf_printf(&sql, "SELECT t.id, %s FROM %s t WHERE t.id IN (?", expr, rim->res->table);
        bind_i(&b, ids[at]);
        for (size_t k = 1; k < NAME_BATCH; k++) { /* short batches repeat their last id */
            eg_buf_puts(&sql, ", ?");
            bind_i(&b, ids[at + k < n ? at + k : n - 1]);
        }
        eg_buf_puts(&sql, ") AND ");
        scope_sql(rim, who, 0, &sql, &b);
        struct eg_stmt *s;
        int r = prepare_built(st, &sql, &b, &s, err);
        if (r < 0)
            return r;
        while ((r = eg_stmt_step(s, err)) == 1) {
            size_t len;
            const char *t = eg_stmt_text(s, 1, &len);
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)eg_stmt_int(s, 0));
            if (t)
                json_object_set_new(names, key, json_stringn_nocheck(t, len));
        }
        eg_stmt_done(s);
        if (r < 0)
            return r;
    }
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int eg_registry_ref_names(struct eg_db *st, const struct eg_resource *res,
                          const struct eg_principal *who, json_t *rows, struct eg_err *err)
{
    size_t nrows = json_array_size(rows);
    int64_t *ids = nrows ? eg_malloc(nrows * sizeof *ids) : NULL;
    int r = 0;
    for (int fi = 0; fi < res->nfields && r == 0; fi++) {
        const struct eg_field *f = &res->fields[fi];
        if (f->type != EG_FT_REF || (f->flags & EG_FF_SECRET))
            continue;
        const struct eg_resource *ref = eg_registry_find(f->ref);
        const struct eg__res_impl *rim = ref ? eg__registry_impl(ref) : NULL;
        const char *expr = NULL;
        for (size_t k = 0; ref && k < EG_ARRAY_LEN(display_names) && !expr; k++)
            if (!strcmp(display_names[k].res, ref->name))
                expr = display_names[k].expr;
        if (!rim || !expr || impl_allowed(rim, who, EG_ACT_READ) < 0)
            continue;
        size_t n = 0, d = 0;
        for (size_t i = 0; i < nrows; i++) {
            json_t *v = json_object_get(json_array_get(rows, i), f->name);
            if (json_is_integer(v))
                ids[n++] = (int64_t)json_integer_value(v);
        }
        qsort(ids, n, sizeof *ids, cmp_i64);
        for (size_t i = 0; i < n; i++)
            if (!d || ids[d - 1] != ids[i])
                ids[d++] = ids[i];
        json_t *names = json_object();
        if (d)
            r = names_of(st, rim, expr, who, ids, d, names, err);
        char key[80];
        eg_registry_ref_name_key(f, key, sizeof key);
        for (size_t i = 0; i < nrows && r == 0; i++) {
            json_t *row = json_array_get(rows, i), *v = json_object_get(row, f->name);
            json_t *name = NULL;
            if (json_is_integer(v)) {
                char ik[24];
                snprintf(ik, sizeof ik, "%lld", (long long)json_integer_value(v));
                name = json_object_get(names, ik);
            }
            json_object_set(row, key, name ? name : json_null());
        }
        json_decref(names);
    }
    free(ids);
    return r;
}

/* ---- text to typed values (imports, filters) ---- */

static int ascii_ieq(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (l != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return 0;
    }
    return 1;
}

/* Natural-key lookup of a referenced row: the id, or 0 when absent. */
static int ref_lookup(struct eg_db *st, const struct eg_field *f, const char *s, size_t n,
                      int64_t *id, struct eg_err *err)
{
    const struct eg_resource *ref = eg_registry_find(f->ref);
    const struct eg__res_impl *im = ref ? eg__registry_impl(ref) : NULL;
    char key[256];
    if (n >= sizeof key)
        return eg_err_set(err, EG_EINVAL, f->name, -1, "%s: reference too long", f->name);
    memcpy(key, s, n);
    key[n] = '\0';
    int r;
    if (ref && !strcmp(ref->name, "outlets")) {
        /* CREDITCODE/OUTLETCODE: outlet codes repeat between units */
        char *slash = strchr(key, '/');
        if (!slash)
            return eg_err_set(err, EG_EINVAL, f->name, -1,
                              "%s: give an outlet id or CREDITCODE/OUTLETCODE", f->name);
        *slash = '\0';
        struct eg_stmt *q;
        r = eg_db_prepare(st,
                          "SELECT o.id FROM outlets o JOIN units u ON u.id = o.unit_id "
                          "WHERE u.credit_code = ? AND o.code = ?",
                          &q, err);
        if (r < 0)
            return r;
        eg_stmt_bind_text(q, 1, key, strlen(key));
        eg_stmt_bind_text(q, 2, slash + 1, strlen(slash + 1));
        r = eg_stmt_step(q, err);
        *id = r == 1 ? eg_stmt_int(q, 0) : 0;
        eg_stmt_done(q);
        if (r < 0)
            return r;
        *slash = '/';
    } else if (im && im->natural_key) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s = ?", ref->table, im->natural_key);
        struct eg_stmt *q;
        r = eg_db_prepare(st, sql, &q, err);
        if (r < 0)
            return r;
        eg_stmt_bind_text(q, 1, key, n);
        r = eg_stmt_step(q, err);
        *id = r == 1 ? eg_stmt_int(q, 0) : 0;
        eg_stmt_done(q);
        if (r < 0)
            return r;
    } else {
        return eg_err_set(err, EG_EINVAL, f->name, -1, "%s must be an id", f->name);
    }
    if (!*id)
        return eg_err_set(err, EG_EINVAL, f->name, -1, "%s: no %s \"%.64s\"", f->name, f->ref, key);
    return 0;
}

int eg_registry_value_from_text(struct eg_db *st, const struct eg_field *f, const char *s, size_t n,
                                json_t **out, struct eg_err *err)
{
    *out = NULL;
    if (n == 0) {
        *out = json_null();
        return 0;
    }
    switch (f->type) {
    case EG_FT_TEXT:
        if (!eg_utf8_valid(s, n))
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s is not valid UTF-8", f->name);
        *out = json_stringn_nocheck(s, n);
        return 0;
    case EG_FT_INT: {
        int64_t v;
        if (eg_parse_int64(s, n, &v))
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s must be an integer", f->name);
        *out = json_integer(v);
        return 0;
    }
    case EG_FT_REAL: {
        double v;
        if (eg_parse_double(s, n, &v))
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s must be a number", f->name);
        *out = json_real(v);
        return 0;
    }
    case EG_FT_BOOL:
        if (ascii_ieq(s, n, "1") || ascii_ieq(s, n, "true") || ascii_ieq(s, n, "yes") ||
            ascii_ieq(s, n, "y") || (n == 3 && !memcmp(s, "是", 3)))
            *out = json_true();
        else if (ascii_ieq(s, n, "0") || ascii_ieq(s, n, "false") || ascii_ieq(s, n, "no") ||
                 ascii_ieq(s, n, "n") || (n == 3 && !memcmp(s, "否", 3)))
            *out = json_false();
        else
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s must be 是/否, 1/0 or true/false",
                              f->name);
        return 0;
    case EG_FT_DATE: {
        /* YYYY-MM-DD, and YYYY/M/D as Excel writes it on Chinese systems */
        int y = 0, m = 0, d = 0, part = 0, digits = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] >= '0' && s[i] <= '9' && digits < 4) {
                int *p = part == 0 ? &y : part == 1 ? &m : &d;
                *p = *p * 10 + (s[i] - '0');
                digits++;
            } else if ((s[i] == '-' || s[i] == '/') && part < 2 && digits) {
                part++;
                digits = 0;
            } else {
                part = 99;
                break;
            }
        }
        struct eg_civil c = {y, m, d, 0, 0, 0, 0};
        if (part != 2 || !digits || y < 1000 || !eg_civil_valid(&c))
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s must be a date YYYY-MM-DD", f->name);
        char buf[40];
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        *out = json_string(buf);
        return 0;
    }
    case EG_FT_ENUM: {
        int idx = enum_index(f->enum_values, s, n);
        if (idx < 0 && f->enum_zh)
            idx = enum_index(f->enum_zh, s, n);
        if (idx < 0)
            return eg_err_set(err, EG_EINVAL, f->name, -1, "%s must be one of %s%s%s", f->name,
                              f->enum_values, f->enum_zh ? " or " : "",
                              f->enum_zh ? f->enum_zh : "");
        char buf[64];
        enum_value(f->enum_values, idx, buf, sizeof buf);
        *out = json_string(buf);
        return 0;
    }
    case EG_FT_REF: {
        /* The natural key first (region codes are digits too), then a plain id. */
        int64_t v = 0, id = 0;
        int is_int = eg_parse_int64(s, n, &id) == 0;
        struct eg_err e2;
        int r = ref_lookup(st, f, s, n, &v, is_int ? &e2 : err);
        if (r == EG_EINVAL && is_int) {
            if (id <= 0)
                return eg_err_set(err, EG_EINVAL, f->name, -1, "%s must be a positive id", f->name);
            v = id;
        } else if (r < 0) {
            if (is_int && err)
                *err = e2;
            return r;
        }
        *out = json_integer(v);
        return 0;
    }
    }
    return eg_err_set(err, EG_EINVAL, f->name, -1, "%s: unsupported type", f->name);
}
