/*
 * record.c: records of any kind — raised (eg_flow_create), read (eg_flow_get, eg_flow_list),
 * moved along their transitions (eg_flow_act), published, marked overdue.
 *
 * Each write is one transaction (or a savepoint in the caller's): the record's row, the kind's
 * row, the transition row and the audit-log row go in together or not at all, and a kind's
 * guard or effect that fails rolls everything back. A record's version counts its changes of
 * state (and publication); an act that names a stale version is refused (EG_ECONFLICT), so two
 * officers acting on one record from the same page cannot both win. Marking a record overdue
 * does not change its version (it is the clock's doing, not a person's).
 */
#include "flow/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TITLE 200
#define MAX_RECORDED 65536 /* bytes of an act's input kept in its transition row */

/* ---- reading ---- */

/* The common columns, in the order row_from_stmt reads them, then the kind's fields. */
static void select_sql(const struct eg_flow_kind *kind, struct eg_buf *sql)
{
    eg_buf_puts(sql, "SELECT r.id, r.state, r.title, r.unit_id, r.region_id, r.to_unit_id, "
                     "r.to_region_id, r.due_at, r.overdue, r.published, r.created_at, "
                     "r.created_by_name, r.updated_at, r.version, u.name, g.code, g.name, tu.name, "
                     "tg.code, tg.name");
    for (int i = 0; i < kind->nfields; i++)
        eg_buf_printf(sql, ", k.%s", kind->fields[i].name);
    eg_buf_puts(sql, " FROM flow_records r LEFT JOIN units u ON u.id = r.unit_id LEFT JOIN "
                     "regions g ON g.id = r.region_id LEFT JOIN units tu ON tu.id = r.to_unit_id "
                     "LEFT JOIN regions tg ON tg.id = r.to_region_id");
    if (kind->table)
        eg_buf_printf(sql, " LEFT JOIN %s k ON k.record_id = r.id", kind->table);
}

static json_t *int_or_null(struct eg_stmt *s, int col)
{
    return eg_stmt_is_null(s, col) ? json_null() : json_integer(eg_stmt_int(s, col));
}

static json_t *text_or_null(struct eg_stmt *s, int col)
{
    if (eg_stmt_is_null(s, col))
        return json_null();
    size_t n;
    const char *t = eg_stmt_text(s, col, &n);
    return json_stringn_nocheck(t ? t : "", n);
}

static json_t *row_from_stmt(const struct eg_flow_kind *kind, struct eg_stmt *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_int(s, 0)));
    json_object_set_new(o, "kind", json_string(kind->name));
    json_object_set_new(o, "kind_zh", json_string(kind->label_zh));
    json_t *state = text_or_null(s, 1);
    const struct eg_flow_state *st = eg_flow_state_find(kind, json_string_value(state));
    json_object_set_new(o, "state", state);
    json_object_set_new(o, "state_zh", st ? json_string(st->label_zh) : json_null());
    json_object_set_new(o, "title", text_or_null(s, 2));
    json_object_set_new(o, "unit_id", int_or_null(s, 3));
    json_object_set_new(o, "unit_name", text_or_null(s, 14));
    json_object_set_new(o, "region_id", int_or_null(s, 4));
    json_object_set_new(o, "region_code", text_or_null(s, 15));
    json_object_set_new(o, "region_name", text_or_null(s, 16));
    json_object_set_new(o, "to_unit_id", int_or_null(s, 5));
    json_object_set_new(o, "to_unit_name", text_or_null(s, 17));
    json_object_set_new(o, "to_region_id", int_or_null(s, 6));
    json_object_set_new(o, "to_region_code", text_or_null(s, 18));
    json_object_set_new(o, "to_region_name", text_or_null(s, 19));
    json_object_set_new(
        o, "due_at", eg_stmt_is_null(s, 7) ? json_null() : eg__flow_time_json(eg_stmt_int(s, 7)));
    json_object_set_new(o, "overdue", json_boolean(eg_stmt_int(s, 8) != 0));
    json_object_set_new(o, "published", json_boolean(eg_stmt_int(s, 9) != 0));
    json_object_set_new(o, "created_at", eg__flow_time_json(eg_stmt_int(s, 10)));
    json_object_set_new(o, "created_by", text_or_null(s, 11));
    json_object_set_new(o, "updated_at", eg__flow_time_json(eg_stmt_int(s, 12)));
    json_object_set_new(o, "version", json_integer(eg_stmt_int(s, 13)));
    for (int i = 0; i < kind->nfields; i++)
        json_object_set_new(o, kind->fields[i].name,
                            eg__flow_field_value(&kind->fields[i], s, 20 + i));
    return o;
}

int eg__flow_load(struct eg_db *db, const struct eg_flow_kind *kind, const struct eg_principal *who,
                  int64_t id, json_t **out, struct eg_err *err)
{
    *out = NULL;
    struct eg_buf sql = {0};
    struct eg__flow_binds b = {0};
    select_sql(kind, &sql);
    eg_buf_puts(&sql, " WHERE r.id = ? AND r.kind = ?");
    if (who) {
        eg_buf_puts(&sql, " AND ");
        eg__flow_scope_sql(kind, who, &sql, &b);
    }
    struct eg_stmt *s;
    int r = eg_db_prepare(db, sql.data, &s, err);
    eg_buf_free(&sql);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_text(s, 2, kind->name, strlen(kind->name));
    eg__flow_bind_apply(&b, s, 3);
    r = eg_stmt_step(s, err);
    if (r == 1)
        *out = row_from_stmt(kind, s);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

int eg__flow_load_for(struct eg_db *db, const struct eg_flow_kind *kind,
                      const struct eg_principal *who, int64_t id, json_t **out, struct eg_err *err)
{
    *out = NULL;
    int r = eg__flow_may_read(kind, who, err);
    if (r < 0)
        return r;
    r = eg__flow_load(db, kind, who, id, out, err);
    if (r < 0)
        return r;
    if (!*out)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no %s record %lld", kind->name,
                          (long long)id);
    return 0;
}

int eg_flow_get(struct eg_db *db, const struct eg_flow_kind *kind, const struct eg_principal *who,
                int64_t id, json_t **out, struct eg_err *err)
{
    int r = eg__flow_load_for(db, kind, who, id, out, err);
    json_t *att = NULL;
    if (r == 0 && (r = eg__flow_attachments_json(db, id, &att, err)) == 0) {
        json_object_set_new(*out, "attachments", att);
        eg__flow_add_actions(kind, who, *out);
    }
    if (r < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return r;
}

static void like_pattern(const char *q, struct eg_buf *out)
{
    eg_buf_puts(out, "%");
    for (const char *p = q; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            eg_buf_puts(out, "\\");
        eg_buf_append(out, p, 1);
    }
    eg_buf_puts(out, "%");
}

int eg_flow_list(struct eg_db *db, const struct eg_flow_kind *kind, const struct eg_principal *who,
                 const struct eg_flow_query *q, json_t **rows, char **next_cursor,
                 struct eg_err *err)
{
    *rows = NULL;
    if (next_cursor)
        *next_cursor = NULL;
    int r = eg__flow_may_read(kind, who, err);
    if (r < 0)
        return r;
    struct eg_flow_query none = {0};
    if (!q)
        q = &none;
    int limit = q->limit ? q->limit : 50;
    if (limit < 1 || limit > 1000)
        return eg_err_set(err, EG_EINVAL, "limit", -1, "limit must be 1..1000, not %d", q->limit);
    if (q->state && !eg_flow_state_find(kind, q->state))
        return eg_err_set(err, EG_EINVAL, "state", -1, "%.40s is not a state of %s records",
                          q->state, kind->name);
    if (q->q && strlen(q->q) > 200)
        return eg_err_set(err, EG_EINVAL, "q", -1, "the search text is over 200 bytes");
    if (q->region && strlen(q->region) > 31)
        return eg_err_set(err, EG_EINVAL, "region", -1, "a region code is at most 31 bytes");
    int64_t cursor = 0;
    if (q->cursor && (eg_parse_int64(q->cursor, strlen(q->cursor), &cursor) || cursor <= 0))
        return eg_err_set(err, EG_EINVAL, "cursor", -1,
                          "cursor is not one this list gave: start again without it");
    const struct eg_field *ff = NULL;
    if (q->field) {
        for (int i = 0; i < kind->nfields && !ff; i++)
            if (!strcmp(kind->fields[i].name, q->field) && (kind->fields[i].flags & EG_FF_FILTER) &&
                kind->fields[i].type == EG_FT_REF)
                ff = &kind->fields[i];
        if (!ff || q->field_value <= 0)
            return eg_err_set(err, EG_EINVAL, "field", -1,
                              "%.40s is not a reference filter of %s records (give a positive id)",
                              q->field, kind->name);
    }

    struct eg_buf sql = {0}, pat = {0};
    struct eg__flow_binds b = {0};
    select_sql(kind, &sql);
    eg_buf_puts(&sql, " WHERE r.kind = ? AND ");
    eg__flow_bind_s(&b, kind->name);
    eg__flow_scope_sql(kind, who, &sql, &b);
    if (q->state) {
        eg_buf_puts(&sql, " AND r.state = ?");
        eg__flow_bind_s(&b, q->state);
    }
    if (q->region) {
        eg_buf_puts(&sql, " AND (");
        eg__flow_region_sql("r.region_id", q->region, &sql, &b);
        eg_buf_puts(&sql, " OR ");
        eg__flow_region_sql("r.to_region_id", q->region, &sql, &b);
        eg_buf_puts(&sql, ")");
    }
    if (q->unit_id) {
        eg_buf_puts(&sql, " AND (r.unit_id = ? OR r.to_unit_id = ?)");
        eg__flow_bind_i(&b, q->unit_id);
        eg__flow_bind_i(&b, q->unit_id);
    }
    if (ff) {
        eg_buf_printf(&sql, " AND k.%s = ?", ff->name);
        eg__flow_bind_i(&b, q->field_value);
    }
    if (q->overdue)
        eg_buf_puts(&sql, " AND r.overdue = 1");
    if (q->open) {
        eg_buf_puts(&sql, " AND r.state NOT IN ('' ");
        for (int i = 0; i < kind->nstates; i++)
            if (kind->states[i].flags & EG_FLOW_TERMINAL) {
                eg_buf_puts(&sql, ", ?");
                eg__flow_bind_s(&b, kind->states[i].name);
            }
        eg_buf_puts(&sql, ")");
    }
    if (q->q && *q->q) {
        like_pattern(q->q, &pat);
        eg_buf_puts(&sql, " AND (r.title LIKE ? ESCAPE '\\'");
        eg__flow_bind_s(&b, pat.data);
        for (int i = 0; i < kind->nfields; i++)
            if ((kind->fields[i].flags & EG_FF_SEARCH) && kind->fields[i].type == EG_FT_TEXT) {
                eg_buf_printf(&sql, " OR k.%s LIKE ? ESCAPE '\\'", kind->fields[i].name);
                eg__flow_bind_s(&b, pat.data);
            }
        eg_buf_puts(&sql, ")");
    }
    if (q->from) {
        eg_buf_puts(&sql, " AND r.created_at >= ?");
        eg__flow_bind_i(&b, q->from);
    }
    if (q->to) {
        eg_buf_puts(&sql, " AND r.created_at <= ?");
        eg__flow_bind_i(&b, q->to);
    }
    if (cursor) {
        eg_buf_puts(&sql, " AND r.id < ?");
        eg__flow_bind_i(&b, cursor);
    }
    eg_buf_printf(&sql, " ORDER BY r.id DESC LIMIT %d", limit + 1);
    struct eg_stmt *s;
    r = eg_db_prepare(db, sql.data, &s, err);
    eg_buf_free(&sql);
    if (r < 0) {
        eg_buf_free(&pat);
        return r;
    }
    eg__flow_bind_apply(&b, s, 1);
    json_t *a = json_array();
    int64_t last = 0;
    int more = 0;
    while ((r = eg_stmt_step(s, err)) == 1) {
        if ((int)json_array_size(a) == limit) {
            more = 1;
            break;
        }
        last = eg_stmt_int(s, 0);
        json_array_append_new(a, row_from_stmt(kind, s));
    }
    eg_stmt_done(s);
    eg_buf_free(&pat);
    if (r < 0) {
        json_decref(a);
        return r;
    }
    if (more && next_cursor) {
        char c[24];
        snprintf(c, sizeof c, "%lld", (long long)last);
        *next_cursor = eg_strdup(c);
    }
    *rows = a;
    return 0;
}

/* ---- input ---- */

/* An optional id of the input: absent or null = 0; else a positive integer. */
static int input_id(json_t *in, const char *name, int64_t *out, struct eg_err *err)
{
    json_t *v = json_object_get(in, name);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return eg_err_set(err, EG_EINVAL, name, -1, "%s must be the id of a record (a number)",
                          name);
    *out = json_integer_value(v);
    return 0;
}

/* due_at: UTC seconds, or a Beijing time or date text ("2026-12-31", "2026-12-31 18:00"). */
static int input_due(json_t *in, int64_t *out, struct eg_err *err)
{
    json_t *v = json_object_get(in, "due_at");
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 32503680000)
        *out = json_integer_value(v);
    else if (json_is_string(v) && json_string_length(v) == 10 &&
             !eg_time_parse_beijing(json_string_value(v), 10, out))
        *out += 86399; /* a date: the end of that Beijing day */
    else if (!json_is_string(v) ||
             eg_time_parse_beijing(json_string_value(v), json_string_length(v), out))
        return eg_err_set(err, EG_EINVAL, "due_at", -1,
                          "due_at must be a Beijing time (YYYY-MM-DD[ HH:MM]) or UTC seconds");
    return 0;
}

/* Whether row id of table exists (the scope columns' targets: units, regions). */
static int row_exists(struct eg_db *db, const char *sql, int64_t id, const char *field,
                      struct eg_err *err)
{
    if (!id)
        return 0;
    int64_t v;
    int found = 0;
    int r = eg_db_query_int(db, sql, id, NULL, &v, &found, err);
    if (r < 0)
        return r;
    return found ? 0
                 : eg_err_set(err, EG_EINVAL, field, -1, "%s: there is no record %lld", field,
                              (long long)id);
}

static int scope_targets_exist(struct eg_db *db, int64_t unit, int64_t region, int64_t to_unit,
                               int64_t to_region, struct eg_err *err)
{
    static const char *const units = "SELECT id FROM units WHERE id = ?";
    static const char *const regions = "SELECT id FROM regions WHERE id = ?";
    int r = row_exists(db, units, unit, "unit_id", err);
    if (r == 0)
        r = row_exists(db, regions, region, "region_id", err);
    if (r == 0)
        r = row_exists(db, units, to_unit, "to_unit_id", err);
    if (r == 0)
        r = row_exists(db, regions, to_region, "to_region_id", err);
    return r;
}

static const char *initial_state(const struct eg_flow_kind *kind)
{
    for (int i = 0; i < kind->nstates; i++)
        if (kind->states[i].flags & EG_FLOW_INITIAL)
            return kind->states[i].name;
    return NULL;
}

static int record_transition(struct eg_db *db, int64_t id, const char *action, const char *from,
                             const char *to, const struct eg_principal *who, int64_t now,
                             const char *text, struct eg_err *err)
{
    struct eg_stmt *s;
    int r =
        eg_db_prepare(db,
                      "INSERT INTO flow_transitions (record_id, action, from_state, to_state, "
                      "actor_id, actor, role, at, text_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_text(s, 2, action, strlen(action));
    if (from)
        eg_stmt_bind_text(s, 3, from, strlen(from));
    else
        eg_stmt_bind_null(s, 3);
    eg_stmt_bind_text(s, 4, to, strlen(to));
    eg__flow_bind_actor(s, 5, who);
    eg_stmt_bind_int(s, 8, now);
    if (text)
        eg_stmt_bind_text(s, 9, text, strlen(text));
    else
        eg_stmt_bind_null(s, 9);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

/* ---- create ---- */

static int create_in_tx(struct eg_db *db, const struct eg_flow_kind *kind,
                        const struct eg_principal *who, json_t *in, int64_t *id_out,
                        struct eg_err *err)
{
    json_t *title = json_object_get(in, "title");
    int r = eg__flow_text_ok(title, "title", err);
    if (r < 0)
        return r;
    if (json_string_length(title) > MAX_TITLE)
        return eg_err_set(err, EG_EINVAL, "title", -1, "title is over %d bytes", MAX_TITLE);
    int64_t unit, region, to_unit, to_region, due;
    if ((r = input_id(in, "unit_id", &unit, err)) < 0 ||
        (r = input_id(in, "region_id", &region, err)) < 0 ||
        (r = input_id(in, "to_unit_id", &to_unit, err)) < 0 ||
        (r = input_id(in, "to_region_id", &to_region, err)) < 0 || (r = input_due(in, &due, err)))
        return r;
    /* every key is a common one or a writable field of the kind: a typo is not ignored */
    const char *key;
    json_t *val;
    json_object_foreach(in, key, val)
    {
        static const char *const common[] = {"title",      "unit_id",      "region_id",
                                             "to_unit_id", "to_region_id", "due_at"};
        int ok = 0;
        for (size_t i = 0; i < EG_ARRAY_LEN(common) && !ok; i++)
            ok = !strcmp(common[i], key);
        for (int i = 0; i < kind->nfields && !ok; i++)
            ok = !strcmp(kind->fields[i].name, key) && !(kind->fields[i].flags & EG_FF_READONLY);
        if (!ok)
            return eg_err_set(err, EG_EINVAL, "unknown_field", -1,
                              "%.64s is not a field of %s records (or is set by the system)", key,
                              kind->name);
    }
    if (unit && !region) {
        int found = 0;
        r = eg_db_query_int(db, "SELECT region_id FROM units WHERE id = ?", unit, NULL, &region,
                            &found, err);
        if (r < 0)
            return r;
    }
    /* scope before existence: an out-of-scope id answers as an unknown one would for this user */
    r = eg_flow_in_scope(db, kind, who, unit, region, to_unit, to_region, NULL);
    if (r < 0)
        return eg_err_set(err, EG_EPERM, "out_of_scope", -1,
                          "%s may not raise this %s record: its unit or region lies outside the "
                          "user's scope",
                          eg__flow_actor(who), kind->name);
    if ((r = scope_targets_exist(db, unit, region, to_unit, to_region, err)) < 0)
        return r;
    for (int i = 0; i < kind->nfields; i++) {
        json_t *v = json_object_get(in, kind->fields[i].name);
        if ((r = eg__flow_field_check(db, &kind->fields[i], v ? v : json_null(), err)) < 0) {
            if (err)
                snprintf(err->code, sizeof err->code, "%s", kind->fields[i].name);
            return r;
        }
    }
    int64_t now = eg_time_now();
    if (!due && kind->default_due_s > 0)
        due = now + kind->default_due_s;
    const char *state = initial_state(kind);
    struct eg_stmt *s;
    r = eg_db_prepare(db,
                      "INSERT INTO flow_records (kind, state, title, unit_id, region_id, "
                      "to_unit_id, to_region_id, due_at, created_at, created_by, created_by_name, "
                      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_text(s, 1, kind->name, strlen(kind->name));
    eg_stmt_bind_text(s, 2, state, strlen(state));
    eg_stmt_bind_text(s, 3, json_string_value(title), json_string_length(title));
    const int64_t ids[5] = {unit, region, to_unit, to_region, due};
    for (int i = 0; i < 5; i++) {
        if (ids[i])
            eg_stmt_bind_int(s, 4 + i, ids[i]);
        else
            eg_stmt_bind_null(s, 4 + i);
    }
    eg_stmt_bind_int(s, 9, now);
    if (who->user_id)
        eg_stmt_bind_int(s, 10, who->user_id);
    else
        eg_stmt_bind_null(s, 10);
    const char *actor = eg__flow_actor(who);
    eg_stmt_bind_text(s, 11, actor, strlen(actor));
    eg_stmt_bind_int(s, 12, now);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    int64_t id = eg_db_last_id(db);
    if (kind->table) {
        /* only the fields given, so that the table's defaults apply to the others */
        struct eg_buf sql = {0};
        eg_buf_printf(&sql, "INSERT INTO %s (record_id", kind->table);
        int n = 0;
        for (int i = 0; i < kind->nfields; i++) {
            json_t *v = json_object_get(in, kind->fields[i].name);
            if (v && !json_is_null(v)) {
                eg_buf_printf(&sql, ", %s", kind->fields[i].name);
                n++;
            }
        }
        eg_buf_puts(&sql, ") VALUES (?");
        for (int i = 0; i < n; i++)
            eg_buf_puts(&sql, ", ?");
        eg_buf_puts(&sql, ")");
        r = eg_db_prepare(db, sql.data, &s, err);
        eg_buf_free(&sql);
        if (r < 0)
            return r;
        eg_stmt_bind_int(s, 1, id);
        for (int i = 0, k = 2; i < kind->nfields; i++) {
            json_t *v = json_object_get(in, kind->fields[i].name);
            if (v && !json_is_null(v))
                eg__flow_field_bind(&kind->fields[i], v, s, k++);
        }
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
        if (r < 0)
            return r;
    }
    if ((r = record_transition(db, id, "create", NULL, state, who, now, NULL, err)) < 0)
        return r;
    json_t *rec = NULL;
    if ((r = eg__flow_load(db, kind, NULL, id, &rec, err)) < 0)
        return r;
    r = eg__flow_audit(db, who, kind, id, "create", NULL, rec, err);
    if (r == 0 && kind->on_create) {
        eg__flow_add_actions(kind, who, rec);
        r = kind->on_create(db, kind, who, rec, "create", in, err);
    }
    json_decref(rec);
    if (r == 0)
        *id_out = id;
    return r;
}

int eg_flow_create(struct eg_db *db, const struct eg_flow_kind *kind,
                   const struct eg_principal *who, json_t *in, json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "login_required", -1, "log in to raise %s records",
                          kind->name);
    if (!(kind->create_roles & EG_FLOW_ROLE(who->role)))
        return eg_err_set(err, EG_EPERM, "forbidden", -1, "role %s may not raise %s records",
                          eg_role_name(who->role), kind->name);
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "body", -1, "the record must be a JSON object");
    int own, r = eg__flow_tx_begin(db, &own, err);
    if (r < 0)
        return r;
    int64_t id = 0;
    r = create_in_tx(db, kind, who, in, &id, err);
    if (r == 0)
        r = eg__flow_tx_commit(db, own, err);
    if (r < 0) {
        eg__flow_tx_abort(db, own);
        return r;
    }
    if (out && (r = eg__flow_load(db, kind, NULL, id, out, err)) == 0 && *out)
        eg__flow_add_actions(kind, who, *out);
    return r;
}

/* ---- act ---- */

static int check_feedback(json_t *fb, struct eg_err *err)
{
    if (!json_is_object(fb))
        return eg_err_set(err, EG_EINVAL, "feedback", -1,
                          "feedback is required: {\"finding\", \"measure\", \"result\"} — what "
                          "was found, the measure taken and its result (反馈: 发现问题、采取措施、"
                          "处理结果)");
    static const char *const parts[] = {"finding", "measure", "result"};
    for (size_t i = 0; i < EG_ARRAY_LEN(parts); i++) {
        char name[32];
        snprintf(name, sizeof name, "feedback.%s", parts[i]);
        int r = eg__flow_text_ok(json_object_get(fb, parts[i]), name, err);
        if (r < 0) {
            if (err)
                snprintf(err->code, sizeof err->code, "feedback");
            return r;
        }
    }
    return 0;
}

static int count_attachments(struct eg_db *db, int64_t id, int64_t *n, struct eg_err *err)
{
    int found;
    return eg_db_query_int(db, "SELECT COUNT(*) FROM flow_attachments WHERE record_id = ?", id,
                           NULL, n, &found, err);
}

/* What the act's input must carry, checked in the order a person fills a form. */
static int check_needs(struct eg_db *db, const struct eg_flow_transition *t, int64_t id, json_t *in,
                       int64_t *to_unit, int64_t *to_region, int64_t *due, struct eg_err *err)
{
    int r;
    json_t *reason = json_object_get(in, "reason");
    if ((t->needs & EG_FLOW_NEED_REASON) || reason)
        if ((r = eg__flow_text_ok(reason, "reason", err)) < 0)
            return r;
    json_t *note = json_object_get(in, "note");
    if (note && (r = eg__flow_text_ok(note, "note", err)) < 0)
        return r;
    json_t *fb = json_object_get(in, "feedback");
    if ((t->needs & EG_FLOW_NEED_FEEDBACK) || fb)
        if ((r = check_feedback(fb, err)) < 0)
            return r;
    if (t->needs & EG_FLOW_NEED_ASSIGNEE) {
        if ((r = input_id(in, "to_unit_id", to_unit, err)) < 0 ||
            (r = input_id(in, "to_region_id", to_region, err)) < 0)
            return r;
        if (!*to_unit && !*to_region)
            return eg_err_set(err, EG_EINVAL, "assignee", -1,
                              "action %s needs to_unit_id or to_region_id: the unit or street "
                              "the record is sent to",
                              t->action);
        if ((r = scope_targets_exist(db, 0, 0, *to_unit, *to_region, err)) < 0)
            return r;
    }
    if (t->needs & EG_FLOW_NEED_DEADLINE) {
        if ((r = input_due(in, due, err)) < 0)
            return r;
        if (!*due)
            return eg_err_set(err, EG_EINVAL, "due_at", -1,
                              "action %s needs due_at: the deadline (Beijing time)", t->action);
    }
    if (t->needs & EG_FLOW_NEED_ATTACHMENT) {
        int64_t n = 0;
        if ((r = count_attachments(db, id, &n, err)) < 0)
            return r;
        if (n == 0)
            return eg_err_set(err, EG_EINVAL, "attachment", -1,
                              "action %s needs evidence: attach a photo or a PDF first", t->action);
    }
    return 0;
}

/* The possible actions from state, for a message: "receive (接收), reject (退回)". */
static void actions_text(const struct eg_flow_kind *kind, const char *state, struct eg_buf *out)
{
    int n = 0;
    for (int i = 0; i < kind->ntransitions; i++) {
        const struct eg_flow_transition *t = &kind->transitions[i];
        if (eg__flow_transition(kind, state, t->action) != t)
            continue;
        eg_buf_printf(out, "%s%s (%s)", n++ ? ", " : "", t->action, t->label_zh);
    }
    if (!n)
        eg_buf_puts(out, "none, the record is closed");
}

static int act_in_tx(struct eg_db *db, const struct eg_flow_kind *kind,
                     const struct eg_principal *who, int64_t id, const char *action, json_t *in,
                     struct eg_err *err)
{
    json_t *rec = NULL;
    int r = eg__flow_load_for(db, kind, who, id, &rec, err);
    if (r < 0)
        return r;
    const char *state = json_string_value(json_object_get(rec, "state"));
    int known = 0;
    for (int i = 0; i < kind->ntransitions; i++)
        known |= !strcmp(kind->transitions[i].action, action);
    const struct eg_flow_transition *t = eg__flow_transition(kind, state, action);
    if (!t) {
        struct eg_buf can = {0};
        actions_text(kind, state, &can);
        const struct eg_flow_state *st = eg_flow_state_find(kind, state);
        if (!known)
            r = eg_err_set(err, EG_EINVAL, "action", -1,
                           "%.40s is not an action of %s records; from state %s (%s): %s", action,
                           kind->name, state, st ? st->label_zh : "", can.data);
        else
            r = eg_err_set(err, EG_EINVAL, "state", -1,
                           "%s %lld is in state %s (%s): %s is not possible; possible now: %s",
                           kind->name, (long long)id, state, st ? st->label_zh : "", action,
                           can.data);
        eg_buf_free(&can);
        json_decref(rec);
        return r;
    }
    if (!(t->roles & EG_FLOW_ROLE(who->role))) {
        json_decref(rec);
        return eg_err_set(err, EG_EPERM, "forbidden", -1, "role %s may not %s (%s) %s records",
                          eg_role_name(who->role), action, t->label_zh, kind->name);
    }
    int64_t version = json_integer_value(json_object_get(rec, "version"));
    json_t *jv = json_object_get(in, "version");
    if (jv && !json_is_null(jv)) {
        if (!json_is_integer(jv)) {
            json_decref(rec);
            return eg_err_set(err, EG_EINVAL, "version", -1,
                              "version must be the number the record was read with");
        }
        if (json_integer_value(jv) != version) {
            json_decref(rec);
            return eg_err_set(err, EG_ECONFLICT, "version", -1,
                              "%s %lld was changed by someone else (version %lld, not %lld): "
                              "reload it and try again",
                              kind->name, (long long)id, (long long)version,
                              (long long)json_integer_value(jv));
        }
    }
    int64_t to_unit = 0, to_region = 0, due = 0;
    if ((r = check_needs(db, t, id, in, &to_unit, &to_region, &due, err)) < 0) {
        json_decref(rec);
        return r;
    }
    if (t->guard) {
        eg__flow_add_actions(kind, who, rec);
        if ((r = t->guard(db, kind, who, rec, action, in, err)) < 0) {
            json_decref(rec);
            return r;
        }
    }
    /* what was written, kept with the transition: the input but its version */
    json_t *text = json_deep_copy(in);
    json_object_del(text, "version");
    int was_overdue = json_is_true(json_object_get(rec, "overdue"));
    const struct eg_flow_state *to = eg_flow_state_find(kind, t->to);
    int terminal = (to->flags & EG_FLOW_TERMINAL) != 0;
    if (terminal && was_overdue)
        json_object_set_new(text, "late", json_true());
    char *text_s = json_object_size(text) ? json_dumps(text, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (text_s && strlen(text_s) > MAX_RECORDED) {
        free(text_s);
        json_decref(text);
        json_decref(rec);
        return eg_err_set(err, EG_ETOOBIG, "body", -1,
                          "the action's text is over %d bytes: shorten it or attach a file",
                          MAX_RECORDED);
    }

    int64_t now = eg_time_now();
    struct eg_buf sql = {0};
    eg_buf_puts(&sql, "UPDATE flow_records SET state = ?, updated_at = ?, version = version + 1");
    if (to_unit || to_region)
        eg_buf_puts(&sql, ", to_unit_id = ?, to_region_id = ?");
    if (due)
        eg_buf_puts(&sql, ", due_at = ?, overdue = 0");
    if (terminal)
        eg_buf_puts(&sql, ", overdue = 0");
    eg_buf_puts(&sql, " WHERE id = ? AND version = ?");
    struct eg_stmt *s;
    r = eg_db_prepare(db, sql.data, &s, err);
    eg_buf_free(&sql);
    if (r == 0) {
        int i = 1;
        eg_stmt_bind_text(s, i++, t->to, strlen(t->to));
        eg_stmt_bind_int(s, i++, now);
        if (to_unit || to_region) {
            if (to_unit)
                eg_stmt_bind_int(s, i++, to_unit);
            else
                eg_stmt_bind_null(s, i++);
            if (to_region)
                eg_stmt_bind_int(s, i++, to_region);
            else
                eg_stmt_bind_null(s, i++);
        }
        if (due)
            eg_stmt_bind_int(s, i++, due);
        eg_stmt_bind_int(s, i++, id);
        eg_stmt_bind_int(s, i, version);
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
        if (r == 0 && eg_db_changes(db) != 1)
            r = eg_err_set(err, EG_ECONFLICT, "version", -1,
                           "%s %lld was changed by someone else: reload it and try again",
                           kind->name, (long long)id);
    }
    if (r == 0)
        r = record_transition(db, id, action, state, t->to, who, now, text_s, err);
    free(text_s);
    json_t *after = NULL;
    if (r == 0)
        r = eg__flow_load(db, kind, NULL, id, &after, err);
    if (r == 0) {
        json_t *before = json_pack("{s:s, s:I}", "state", state, "version", (json_int_t)version);
        json_t *audit_after = json_pack("{s:s, s:I, s:O}", "state", t->to, "version",
                                        (json_int_t)(version + 1), "text", text);
        r = eg__flow_audit(db, who, kind, id, action, before, audit_after, err);
        json_decref(before);
        json_decref(audit_after);
    }
    if (r == 0 && t->effect) {
        eg__flow_add_actions(kind, who, after);
        r = t->effect(db, kind, who, after, action, in, err);
    }
    json_decref(after);
    json_decref(text);
    json_decref(rec);
    return r;
}

int eg_flow_act(struct eg_db *db, const struct eg_flow_kind *kind, const struct eg_principal *who,
                int64_t id, const char *action, json_t *input, json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    if (!action || !*action)
        return eg_err_set(err, EG_EINVAL, "action", -1, "an action is required");
    if (input && !json_is_object(input))
        return eg_err_set(err, EG_EINVAL, "body", -1, "the action's input must be a JSON object");
    json_t *empty = NULL;
    if (!input)
        input = empty = json_object();
    int own, r = eg__flow_tx_begin(db, &own, err);
    if (r == 0) {
        r = act_in_tx(db, kind, who, id, action, input, err);
        if (r == 0)
            r = eg__flow_tx_commit(db, own, err);
        if (r < 0)
            eg__flow_tx_abort(db, own);
    }
    json_decref(empty);
    if (r == 0 && out && (r = eg__flow_load(db, kind, NULL, id, out, err)) == 0 && *out)
        eg__flow_add_actions(kind, who, *out);
    return r;
}

/* ---- publish, overdue ---- */

int eg_flow_publish(struct eg_db *db, const struct eg_flow_kind *kind,
                    const struct eg_principal *who, int64_t id, int published, struct eg_err *err)
{
    int own, r = eg__flow_tx_begin(db, &own, err);
    if (r < 0)
        return r;
    json_t *rec = NULL;
    r = eg__flow_load_for(db, kind, who, id, &rec, err);
    if (r == 0 && !(EG_FLOW_STAFF & EG_FLOW_ROLE(who->role)))
        r = eg_err_set(err, EG_EPERM, "forbidden", -1,
                       "only the bureau publishes %s records (role %s may not)", kind->name,
                       eg_role_name(who->role));
    struct eg_stmt *s;
    if (r == 0 && (r = eg_db_prepare(db,
                                     "UPDATE flow_records SET published = ?, updated_at = ?, "
                                     "version = version + 1 WHERE id = ?",
                                     &s, err)) == 0) {
        eg_stmt_bind_int(s, 1, published ? 1 : 0);
        eg_stmt_bind_int(s, 2, eg_time_now());
        eg_stmt_bind_int(s, 3, id);
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    if (r == 0) {
        json_t *before = json_pack("{s:O}", "published", json_object_get(rec, "published"));
        json_t *after = json_pack("{s:b}", "published", published != 0);
        r = eg__flow_audit(db, who, kind, id, published ? "publish" : "unpublish", before, after,
                           err);
        json_decref(before);
        json_decref(after);
    }
    json_decref(rec);
    if (r == 0)
        r = eg__flow_tx_commit(db, own, err);
    if (r < 0)
        eg__flow_tx_abort(db, own);
    return r;
}

int eg_flow_mark_overdue(struct eg_db *db, const struct eg_flow_kind *kind, int64_t now,
                         int *marked, struct eg_err *err)
{
    if (marked)
        *marked = 0;
    /* the states where the deadline runs: neither terminal nor paused */
    struct eg_buf sql = {0};
    struct eg__flow_binds b = {0};
    eg_buf_puts(&sql, "SELECT id FROM flow_records WHERE kind = ? AND overdue = 0 AND due_at IS "
                      "NOT NULL AND due_at < ? AND state NOT IN (''");
    eg__flow_bind_s(&b, kind->name);
    eg__flow_bind_i(&b, now);
    for (int i = 0; i < kind->nstates; i++)
        if (kind->states[i].flags & (EG_FLOW_TERMINAL | EG_FLOW_PAUSED)) {
            eg_buf_puts(&sql, ", ?");
            eg__flow_bind_s(&b, kind->states[i].name);
        }
    eg_buf_puts(&sql, ") ORDER BY id");
    int own, r = eg__flow_tx_begin(db, &own, err);
    if (r < 0) {
        eg_buf_free(&sql);
        return r;
    }
    struct eg_stmt *s;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    r = eg_db_prepare(db, sql.data, &s, err);
    eg_buf_free(&sql);
    if (r == 0) {
        eg__flow_bind_apply(&b, s, 1);
        while ((r = eg_stmt_step(s, err)) == 1) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                ids = eg_realloc(ids, cap * sizeof *ids);
            }
            ids[n++] = eg_stmt_int(s, 0);
        }
        eg_stmt_done(s);
    }
    for (size_t i = 0; r == 0 && i < n; i++) {
        if ((r = eg_db_prepare(db, "UPDATE flow_records SET overdue = 1 WHERE id = ?", &s, err)) <
            0)
            break;
        eg_stmt_bind_int(s, 1, ids[i]);
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
        if (r == 0) {
            json_t *after = json_pack("{s:b}", "overdue", 1);
            r = eg__flow_audit(db, &eg_principal_system, kind, ids[i], "overdue", NULL, after, err);
            json_decref(after);
        }
    }
    free(ids);
    if (r == 0)
        r = eg__flow_tx_commit(db, own, err);
    if (r < 0) {
        eg__flow_tx_abort(db, own);
        return r;
    }
    if (marked)
        *marked = (int)n;
    return 0;
}
