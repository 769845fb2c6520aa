/*
 * kind.c: a record kind's declaration checked (eg_flow_kind_check), its states and transitions
 * looked up, and the kind's own fields validated as the registry validates its fields (type,
 * required, enum, max length, read-only, references that exist).
 */
#include "flow/internal.h"

#include <string.h>

const struct eg_flow_state *eg_flow_state_find(const struct eg_flow_kind *kind, const char *name)
{
    for (int i = 0; name && i < kind->nstates; i++)
        if (!strcmp(kind->states[i].name, name))
            return &kind->states[i];
    return NULL;
}

/* Names the engine itself uses in a record's JSON: a kind's field may not take one. */
static const char *const common_names[] = {
    "id",           "kind",         "kind_zh",        "state",          "state_zh",    "title",
    "unit_id",      "unit_name",    "region_id",      "region_code",    "region_name", "to_unit_id",
    "to_unit_name", "to_region_id", "to_region_code", "to_region_name", "due_at",      "overdue",
    "published",    "created_at",   "created_by",     "updated_at",     "version",     "actions",
    "record_id",    "attachments"};

static int is_common(const char *name)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(common_names); i++)
        if (!strcmp(common_names[i], name))
            return 1;
    return 0;
}

/* SQL identifiers come from declarations, never from input; still, only [a-z0-9_]. */
static int ident_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

int eg_flow_kind_check(const struct eg_flow_kind *kind, struct eg_err *err)
{
    const char *kn = kind && kind->name ? kind->name : "(unnamed)";
    if (!kind || !ident_ok(kind->name) || !kind->label_zh)
        return eg_err_set(err, EG_EINVAL, "kind", -1,
                          "kind %s: a name of [a-z0-9_] and a label_zh are required", kn);
    if (!kind->states || kind->nstates <= 0)
        return eg_err_set(err, EG_EINVAL, "kind", -1, "kind %s declares no states", kn);
    int initial = 0;
    for (int i = 0; i < kind->nstates; i++) {
        const struct eg_flow_state *st = &kind->states[i];
        if (!ident_ok(st->name) || !st->label_zh)
            return eg_err_set(err, EG_EINVAL, "kind", -1,
                              "kind %s: state %d needs a name of [a-z0-9_] and a label_zh", kn, i);
        if (eg_flow_state_find(kind, st->name) != st)
            return eg_err_set(err, EG_EINVAL, "kind", -1, "kind %s: state %s declared twice", kn,
                              st->name);
        if (st->flags & EG_FLOW_INITIAL)
            initial++;
    }
    if (initial != 1)
        return eg_err_set(err, EG_EINVAL, "kind", -1,
                          "kind %s: %d initial states, exactly one is needed", kn, initial);
    for (int i = 0; i < kind->ntransitions; i++) {
        const struct eg_flow_transition *t = &kind->transitions[i];
        if (!ident_ok(t->action) || !t->label_zh || !t->from || !t->to)
            return eg_err_set(err, EG_EINVAL, "kind", -1,
                              "kind %s: transition %d needs an action of [a-z0-9_], a label_zh, "
                              "from and to",
                              kn, i);
        if (strcmp(t->from, "*") && !eg_flow_state_find(kind, t->from))
            return eg_err_set(err, EG_EINVAL, "kind", -1,
                              "kind %s: transition %s starts from undeclared state %s", kn,
                              t->action, t->from);
        if (!eg_flow_state_find(kind, t->to))
            return eg_err_set(err, EG_EINVAL, "kind", -1,
                              "kind %s: transition %s leads to undeclared state %s", kn, t->action,
                              t->to);
        const struct eg_flow_state *from = eg_flow_state_find(kind, t->from);
        if (from && (from->flags & EG_FLOW_TERMINAL))
            return eg_err_set(err, EG_EINVAL, "kind", -1,
                              "kind %s: transition %s leaves terminal state %s", kn, t->action,
                              t->from);
        if (!t->roles)
            return eg_err_set(err, EG_EINVAL, "kind", -1,
                              "kind %s: transition %s from %s is open to no role", kn, t->action,
                              t->from);
        for (int j = 0; j < i; j++)
            if (!strcmp(kind->transitions[j].action, t->action) &&
                !strcmp(kind->transitions[j].from, t->from))
                return eg_err_set(err, EG_EINVAL, "kind", -1,
                                  "kind %s: action %s declared twice from state %s", kn, t->action,
                                  t->from);
    }
    if ((kind->nfields > 0) != (kind->table != NULL) || (kind->nfields > 0 && !kind->fields) ||
        (kind->table && !ident_ok(kind->table)))
        return eg_err_set(err, EG_EINVAL, "kind", -1,
                          "kind %s: fields and a table of [a-z0-9_] go together", kn);
    for (int i = 0; i < kind->nfields; i++) {
        const struct eg_field *f = &kind->fields[i];
        if (!ident_ok(f->name) || is_common(f->name))
            return eg_err_set(err, EG_EINVAL, "kind", -1,
                              "kind %s: field %d has a name of [a-z0-9_] the engine does not use "
                              "itself",
                              kn, i);
        if (f->type == EG_FT_ENUM && !f->enum_values)
            return eg_err_set(err, EG_EINVAL, "kind", -1, "kind %s: enum field %s has no values",
                              kn, f->name);
        if (f->type == EG_FT_REF && !eg_registry_find(f->ref))
            return eg_err_set(err, EG_EINVAL, "kind", -1,
                              "kind %s: field %s references unknown resource %s", kn, f->name,
                              f->ref ? f->ref : "(none)");
        for (int j = 0; j < i; j++)
            if (!strcmp(kind->fields[j].name, f->name))
                return eg_err_set(err, EG_EINVAL, "kind", -1, "kind %s: field %s declared twice",
                                  kn, f->name);
    }
    return 0;
}

/* 1 when v is one of "a|b|c". */
static int enum_has(const char *values, const char *v, size_t n)
{
    const char *p = values;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !memcmp(p, v, n))
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

static int ref_exists(struct eg_db *db, const char *resource, int64_t id, int *found,
                      struct eg_err *err)
{
    const struct eg_resource *res = eg_registry_find(resource);
    if (!res)
        return eg_err_set(err, EG_EINVAL, "kind", -1, "unknown resource %s", resource);
    struct eg_buf sql = {0};
    eg_buf_printf(&sql, "SELECT id FROM %s WHERE id = ?", res->table);
    int64_t v;
    int r = eg_db_query_int(db, sql.data, id, NULL, &v, found, err);
    eg_buf_free(&sql);
    return r;
}

int eg__flow_field_check(struct eg_db *db, const struct eg_field *f, json_t *v, struct eg_err *err)
{
    if (json_is_null(v))
        return (f->flags & EG_FF_REQUIRED)
                   ? eg_err_set(err, EG_EINVAL, "required", -1, "%s (%s) is required", f->name,
                                f->label_zh ? f->label_zh : f->name)
                   : 0;
    switch (f->type) {
    case EG_FT_TEXT: {
        size_t max = f->max_len > 0 ? (size_t)f->max_len : 256;
        if (!json_is_string(v))
            return eg_err_set(err, EG_EINVAL, "type", -1, "%s must be a text", f->name);
        if (json_string_length(v) > max)
            return eg_err_set(err, EG_EINVAL, "too_long", -1, "%s is over %zu bytes", f->name, max);
        const char *s = json_string_value(v);
        for (size_t i = 0; i < json_string_length(v); i++)
            if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
                return eg_err_set(err, EG_EINVAL, "control", (long)i,
                                  "%s holds a control character: plain text only", f->name);
        if ((f->flags & EG_FF_REQUIRED) && json_string_length(v) == 0)
            return eg_err_set(err, EG_EINVAL, "required", -1, "%s (%s) is required", f->name,
                              f->label_zh ? f->label_zh : f->name);
        return 0;
    }
    case EG_FT_INT:
        return json_is_integer(v)
                   ? 0
                   : eg_err_set(err, EG_EINVAL, "type", -1, "%s must be a whole number", f->name);
    case EG_FT_REAL:
        return json_is_number(v)
                   ? 0
                   : eg_err_set(err, EG_EINVAL, "type", -1, "%s must be a number", f->name);
    case EG_FT_BOOL:
        return json_is_boolean(v)
                   ? 0
                   : eg_err_set(err, EG_EINVAL, "type", -1, "%s must be true or false", f->name);
    case EG_FT_DATE: {
        struct eg_civil c = {0};
        const char *s = json_string_value(v);
        if (!s || json_string_length(v) != 10 || s[4] != '-' || s[7] != '-')
            return eg_err_set(err, EG_EINVAL, "type", -1, "%s must be a date YYYY-MM-DD", f->name);
        int64_t y, m, d;
        if (eg_parse_int64(s, 4, &y) || eg_parse_int64(s + 5, 2, &m) ||
            eg_parse_int64(s + 8, 2, &d))
            return eg_err_set(err, EG_EINVAL, "type", -1, "%s must be a date YYYY-MM-DD", f->name);
        c.year = (int)y;
        c.month = (int)m;
        c.day = (int)d;
        return eg_civil_valid(&c) ? 0
                                  : eg_err_set(err, EG_EINVAL, "type", -1,
                                               "%s: %s is not a day of the calendar", f->name, s);
    }
    case EG_FT_ENUM:
        if (!json_is_string(v) ||
            !enum_has(f->enum_values, json_string_value(v), json_string_length(v)))
            return eg_err_set(err, EG_EINVAL, "enum", -1, "%s must be one of %s", f->name,
                              f->enum_values);
        return 0;
    case EG_FT_REF: {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return eg_err_set(err, EG_EINVAL, "type", -1, "%s must be the id of a %s row", f->name,
                              f->ref);
        int found = 0;
        int r = ref_exists(db, f->ref, json_integer_value(v), &found, err);
        if (r < 0)
            return r;
        return found ? 0
                     : eg_err_set(err, EG_EINVAL, "reference", -1, "%s: there is no %s %lld",
                                  f->name, f->ref, (long long)json_integer_value(v));
    }
    }
    return 0;
}

void eg__flow_field_bind(const struct eg_field *f, json_t *v, struct eg_stmt *s, int i)
{
    if (json_is_null(v) || !v)
        eg_stmt_bind_null(s, i);
    else if (f->type == EG_FT_INT || f->type == EG_FT_REF)
        eg_stmt_bind_int(s, i, json_integer_value(v));
    else if (f->type == EG_FT_BOOL)
        eg_stmt_bind_int(s, i, json_is_true(v));
    else if (f->type == EG_FT_REAL)
        eg_stmt_bind_double(s, i, json_number_value(v));
    else
        eg_stmt_bind_text(s, i, json_string_value(v), json_string_length(v));
}

json_t *eg__flow_field_value(const struct eg_field *f, struct eg_stmt *s, int col)
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
        return json_stringn_nocheck(t ? t : "", n);
    }
    }
}

/* The transition of action from state (a declared one first, then "*" when state runs). */
const struct eg_flow_transition *eg__flow_transition(const struct eg_flow_kind *kind,
                                                     const char *state, const char *action)
{
    const struct eg_flow_state *st = eg_flow_state_find(kind, state);
    for (int i = 0; i < kind->ntransitions; i++)
        if (!strcmp(kind->transitions[i].action, action) &&
            !strcmp(kind->transitions[i].from, state))
            return &kind->transitions[i];
    if (st && (st->flags & EG_FLOW_TERMINAL))
        return NULL;
    for (int i = 0; i < kind->ntransitions; i++)
        if (!strcmp(kind->transitions[i].action, action) && !strcmp(kind->transitions[i].from, "*"))
            return &kind->transitions[i];
    return NULL;
}

json_t *eg__flow_needs_json(unsigned needs)
{
    static const char *const names[] = {"reason", "feedback", "attachment", "assignee", "deadline"};
    json_t *a = json_array();
    for (unsigned i = 0; i < EG_ARRAY_LEN(names); i++)
        if (needs & (1u << i))
            json_array_append_new(a, json_string(names[i]));
    return a;
}

void eg__flow_add_actions(const struct eg_flow_kind *kind, const struct eg_principal *who,
                          json_t *rec)
{
    const char *state = json_string_value(json_object_get(rec, "state"));
    const struct eg_flow_state *st = eg_flow_state_find(kind, state);
    json_t *a = json_array();
    for (int i = 0; st && i < kind->ntransitions; i++) {
        const struct eg_flow_transition *t = &kind->transitions[i];
        if (!(t->roles & EG_FLOW_ROLE(who->role)))
            continue;
        /* the transition this action resolves to from here, so "*" never shadows a declared one */
        if (eg__flow_transition(kind, state, t->action) != t)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "action", json_string(t->action));
        json_object_set_new(o, "label_zh", json_string(t->label_zh));
        json_object_set_new(o, "to", json_string(t->to));
        json_object_set_new(o, "needs", eg__flow_needs_json(t->needs));
        json_array_append_new(a, o);
    }
    json_object_set_new(rec, "actions", a);
}
