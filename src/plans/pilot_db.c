/*
 * pilot_db.c: pilot-demonstration rounds and applications on the workflow engine (issue 14
 * items 2–4, 7): the application kind, rounds with quotas, the applicant's answers (its own,
 * while a draft), experts and their audited scores, the round's evaluation with the pure scoring
 * of score.c, and the exports of pilot_export.c over the stored round.
 */
#include "plans/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CATALOGUE "pilot/catalogue_2021.tsv"
#define APPLICANTS (EG_FLOW_ROLE(EG_ROLE_ENTERPRISE) | EG_FLOW_ROLE(EG_ROLE_STREET))

static int is_staff(const struct eg_principal *who)
{
    return who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU;
}

static int need_staff(const struct eg_principal *who, struct eg_err *err)
{
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in first");
    if (!is_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau may do this (rounds, experts, evaluation, exports)");
    return 0;
}

/* ---- the kind ---------------------------------------------------------------------------- */

static const struct eg_field app_fields[] = {
    {"round_id", "申报批次", EG_FT_INT, EG_FF_REQUIRED, NULL, NULL, 0, NULL},
    {"pilot_kind", "试点主体类型", EG_FT_ENUM, EG_FF_REQUIRED,
     "park|enterprise|street|community|building", NULL, 0, "园区|企业|街镇|社区（村居）|楼宇"},
    {"conditions", "申报条件", EG_FT_TEXT, 0, NULL, NULL, EG_PILOT_MAX_ITEMS, NULL},
    {"mandatory", "必选项", EG_FT_TEXT, 0, NULL, NULL, EG_PILOT_MAX_ITEMS, NULL},
    {"directions", "创新方向", EG_FT_TEXT, 0, NULL, NULL, 128, NULL},
    {"innovation", "创新点", EG_FT_TEXT, 0, NULL, NULL, EG_PILOT_MAX_TEXT, NULL},
    {"evidence", "佐证说明", EG_FT_TEXT, 0, NULL, NULL, EG_PILOT_MAX_TEXT, NULL},
};

static const struct eg_flow_state app_states[] = {
    {"draft", "草稿", EG_FLOW_INITIAL},
    {"submitted", "已提交", 0},
    {"evaluated", "已评审", 0},
    {"recommended", "拟推荐", 0},
    {"not_recommended", "未推荐", EG_FLOW_TERMINAL},
    {"approved", "局长办公会审议通过", 0},
    {"reported", "已报市局", 0},
    {"selected", "入选试点示范", EG_FLOW_TERMINAL},
    {"not_selected", "未入选", EG_FLOW_TERMINAL},
    {"withdrawn", "已撤回", EG_FLOW_TERMINAL},
};

static int load_round(struct eg_db *db, int64_t round_id, char *catalogue, size_t catsz,
                      int64_t *deadline, enum eg_pilot_rule *rule, double *min_total,
                      struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "SELECT catalogue, deadline, rule, min_total FROM pilot_rounds "
                           "WHERE id = ?1",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, round_id);
    rc = eg_stmt_step(s, err);
    if (rc == 1) {
        snprintf(catalogue, catsz, "%s", eg_stmt_text(s, 0, NULL));
        *deadline = eg_stmt_int(s, 1);
        eg_pilot_rule_parse(eg_stmt_text(s, 2, NULL), rule);
        *min_total = eg_stmt_double(s, 3);
    }
    eg_stmt_done(s);
    if (rc == 0)
        return eg_err_set(err, EG_ENOTFOUND, "round_id", -1, "no pilot round %lld",
                          (long long)round_id);
    return rc < 0 ? rc : 0;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Checks a draft's answers against the round's catalogue (complete = all there, for submit). */
static int check_answers(const struct eg_pilot_kind *kd, json_t *rec, int complete,
                         struct eg_err *err)
{
    const char *c = jstr(rec, "conditions"), *m = jstr(rec, "mandatory"),
               *d = jstr(rec, "directions"), *inn = jstr(rec, "innovation");
    const char *names[] = {"conditions", "mandatory"};
    const char *vals[] = {c, m};
    int want[] = {kd->nconditions, kd->nmandatory};
    for (int i = 0; i < 2; i++) {
        size_t n = vals[i] ? strlen(vals[i]) : 0;
        if (!n && !complete)
            continue;
        if (n != (size_t)want[i] || strspn(vals[i], "01") != n)
            return eg_err_set(err, EG_EINVAL, names[i], -1,
                              "%s: one 1 (met/completed) or 0 for each of the %d items of %s, "
                              "e.g. \"%.*s\"",
                              names[i], want[i], kd->label_zh, want[i], "11111111111111111111");
    }
    size_t dn = d ? strlen(d) : 0;
    if (dn) {
        int seen[EG_PILOT_MAX_ITEMS + 1] = {0};
        const char *p = d;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            int64_t v;
            if (eg_parse_int64(p, l, &v) < 0 || v < 1 || v > kd->ninnovation || seen[v])
                return eg_err_set(err, EG_EINVAL, "directions", -1,
                                  "directions: numbers of %s's innovation directions (1 to %d), "
                                  "each once, separated by commas",
                                  kd->label_zh, kd->ninnovation);
            seen[v] = 1;
            p = e ? e + 1 : p + l;
        }
    } else if (complete) {
        return eg_err_set(err, EG_EINVAL, "directions", -1,
                          "choose at least one innovation direction before submitting");
    }
    if (complete && (!inn || !*inn))
        return eg_err_set(err, EG_EINVAL, "innovation", -1,
                          "describe the pilot (创新点) before submitting");
    return 0;
}

static int kind_of_round(struct eg_db *db, int64_t round_id, const char *kind,
                         struct eg_pilot_catalogue **cat, const struct eg_pilot_kind **kd,
                         int64_t *deadline, struct eg_err *err)
{
    char path[256];
    enum eg_pilot_rule rule;
    double min_total;
    int rc = load_round(db, round_id, path, sizeof path, deadline, &rule, &min_total, err);
    if (rc < 0)
        return rc;
    if ((rc = eg_pilot_catalogue_load(path, cat, err)) < 0)
        return rc;
    *kd = eg_pilot_kind_find(*cat, kind);
    if (!*kd) {
        eg_pilot_catalogue_free(*cat);
        *cat = NULL;
        return eg_err_set(err, EG_EINVAL, "kind", -1, "%s is not a kind of this round",
                          kind ? kind : "(none)");
    }
    return 0;
}

/* submit: complete answers, before the round's deadline */
static int guard_submit(struct eg_db *db, const struct eg_flow_kind *kind,
                        const struct eg_principal *who, json_t *rec, const char *action,
                        json_t *input, struct eg_err *err)
{
    struct eg_pilot_catalogue *cat;
    const struct eg_pilot_kind *kd;
    int64_t deadline;
    int rc = kind_of_round(db, json_integer_value(json_object_get(rec, "round_id")),
                           jstr(rec, "pilot_kind"), &cat, &kd, &deadline, err);
    if (rc < 0)
        return rc;
    rc = check_answers(kd, rec, 1, err);
    eg_pilot_catalogue_free(cat);
    if (rc < 0)
        return rc;
    if (eg_time_now() > deadline) {
        char t[32];
        eg_time_format_beijing(deadline, t, sizeof t);
        return eg_err_set(err, EG_EINVAL, "deadline", -1,
                          "the round closed at %s (Beijing time); applications are no longer "
                          "accepted",
                          t);
    }
    return 0;
}

static const struct eg_flow_transition app_transitions[] = {
    {"submit", "提交", "draft", "submitted", APPLICANTS | EG_FLOW_STAFF, 0, guard_submit, NULL},
    {"withdraw", "撤回", "draft", "withdrawn", APPLICANTS | EG_FLOW_STAFF, 0, NULL, NULL},
    {"return", "退回修改", "submitted", "draft", EG_FLOW_STAFF, EG_FLOW_NEED_REASON, NULL, NULL},
    {"evaluate", "评审", "submitted", "evaluated", EG_FLOW_STAFF, 0, NULL, NULL},
    {"recommend", "拟推荐", "evaluated", "recommended", EG_FLOW_STAFF, 0, NULL, NULL},
    {"not_recommend", "不予推荐", "evaluated", "not_recommended", EG_FLOW_STAFF,
     EG_FLOW_NEED_REASON, NULL, NULL},
    {"approve", "局长办公会审议通过", "recommended", "approved", EG_FLOW_STAFF, 0, NULL, NULL},
    {"report", "报送市局", "approved", "reported", EG_FLOW_STAFF, 0, NULL, NULL},
    {"select", "市局确定入选", "reported", "selected", EG_FLOW_STAFF, 0, NULL, NULL},
    {"not_select", "市局未入选", "reported", "not_selected", EG_FLOW_STAFF, EG_FLOW_NEED_REASON,
     NULL, NULL},
};

const struct eg_flow_kind eg_pilot_application_kind = {
    .name = "pilot_application",
    .label_zh = "试点示范申报",
    .table = "pilot_applications",
    .fields = app_fields,
    .nfields = (int)EG_ARRAY_LEN(app_fields),
    .states = app_states,
    .nstates = (int)EG_ARRAY_LEN(app_states),
    .transitions = app_transitions,
    .ntransitions = (int)EG_ARRAY_LEN(app_transitions),
    .create_roles = APPLICANTS | EG_FLOW_STAFF,
    .read_roles = APPLICANTS | EG_FLOW_STAFF,
};

/* ---- rounds ------------------------------------------------------------------------------ */

static json_t *items_json(const struct eg_pilot_item *it, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_pack("{s:i,s:s}", "no", it[i].no, "text", it[i].text);
        if (it[i].short_zh)
            json_object_set_new(o, "short_zh", json_string(it[i].short_zh));
        json_array_append_new(a, o);
    }
    return a;
}

int eg_pilot_round_get(struct eg_db *db, const struct eg_principal *who, int64_t id, json_t **out,
                       struct eg_err *err)
{
    *out = NULL;
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in first");
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "SELECT name, catalogue, deadline, rule, min_total, evaluated_at FROM "
                           "pilot_rounds WHERE id = ?1",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    rc = eg_stmt_step(s, err);
    if (rc != 1) {
        eg_stmt_done(s);
        return rc < 0 ? rc
                      : eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no pilot round %lld",
                                   (long long)id);
    }
    char dl[32], path[256];
    eg_time_format_beijing(eg_stmt_int(s, 2), dl, sizeof dl);
    snprintf(path, sizeof path, "%s", eg_stmt_text(s, 1, NULL));
    enum eg_pilot_rule rule = EG_PILOT_MEAN;
    eg_pilot_rule_parse(eg_stmt_text(s, 3, NULL), &rule);
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:f}", "id", (json_int_t)id, "name",
                          eg_stmt_text(s, 0, NULL), "catalogue", path, "deadline", dl, "rule",
                          eg_pilot_rule_name(rule), "rule_zh", eg_pilot_rule_zh(rule), "min_total",
                          eg_stmt_double(s, 4));
    if (!eg_stmt_is_null(s, 5)) {
        char ev[32];
        eg_time_format_beijing(eg_stmt_int(s, 5), ev, sizeof ev);
        json_object_set_new(o, "evaluated_at", json_string(ev));
    }
    eg_stmt_done(s);
    json_t *q = json_object();
    if ((rc = eg_db_prepare(db, "SELECT kind, quota FROM pilot_quotas WHERE round_id = ?1", &s,
                            err)) < 0) {
        json_decref(o);
        json_decref(q);
        return rc;
    }
    eg_stmt_bind_int(s, 1, id);
    while ((rc = eg_stmt_step(s, err)) == 1)
        json_object_set_new(q, eg_stmt_text(s, 0, NULL), json_integer(eg_stmt_int(s, 1)));
    eg_stmt_done(s);
    json_object_set_new(o, "quotas", q);
    struct eg_pilot_catalogue *cat;
    if (rc < 0 || (rc = eg_pilot_catalogue_load(path, &cat, err)) < 0) {
        json_decref(o);
        return rc;
    }
    json_t *kinds = json_array();
    for (int k = 0; k < cat->nkinds; k++) {
        const struct eg_pilot_kind *kd = &cat->kinds[k];
        json_array_append_new(
            kinds,
            json_pack("{s:s,s:s,s:o,s:o,s:o,s:f}", "code", kd->code, "label_zh", kd->label_zh,
                      "conditions", items_json(kd->conditions, kd->nconditions), "mandatory",
                      items_json(kd->mandatory, kd->nmandatory), "innovation",
                      items_json(kd->innovation, kd->ninnovation), "mandatory_points_each",
                      eg_pilot_mandatory_points(1, kd->nmandatory)));
    }
    json_object_set_new(o, "kinds", kinds);
    json_object_set_new(o, "criteria", items_json(cat->criteria, EG_PILOT_CRITERIA));
    eg_pilot_catalogue_free(cat);
    *out = o;
    return 0;
}

int eg_pilot_round_list(struct eg_db *db, const struct eg_principal *who, json_t **out,
                        struct eg_err *err)
{
    *out = NULL;
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in first");
    struct eg_stmt *s;
    int rc =
        eg_db_prepare(db, "SELECT id, name, deadline, rule FROM pilot_rounds ORDER BY id", &s, err);
    if (rc < 0)
        return rc;
    json_t *a = json_array();
    while ((rc = eg_stmt_step(s, err)) == 1) {
        char dl[32];
        eg_time_format_beijing(eg_stmt_int(s, 2), dl, sizeof dl);
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)eg_stmt_int(s, 0),
                                           "name", eg_stmt_text(s, 1, NULL), "deadline", dl, "rule",
                                           eg_stmt_text(s, 3, NULL)));
    }
    eg_stmt_done(s);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

static int tx_begin(struct eg_db *db, int *own, struct eg_err *err)
{
    *own = !eg_db_in_tx(db);
    return *own ? eg_db_begin(db, err) : 0;
}

static int tx_end(struct eg_db *db, int own, int rc, struct eg_err *err)
{
    if (!own)
        return rc;
    if (rc < 0) {
        eg_db_rollback(db);
        return rc;
    }
    return eg_db_commit(db, err);
}

int eg_pilot_round_create(struct eg_db *db, const struct eg_principal *who, json_t *in,
                          json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    int rc = need_staff(who, err);
    if (rc < 0)
        return rc;
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "not_object", -1, "a JSON object is needed");
    const char *name = jstr(in, "name"), *dl = jstr(in, "deadline"), *rule_s = jstr(in, "rule"),
               *path = jstr(in, "catalogue");
    if (!name || !*name || strlen(name) > 200)
        return eg_err_set(err, EG_EINVAL, "name", -1, "name: the round's name (1 to 200 bytes)");
    int64_t deadline;
    if (!dl || eg_time_parse_beijing(dl, strlen(dl), &deadline) < 0)
        return eg_err_set(err, EG_EINVAL, "deadline", -1,
                          "deadline: Beijing time YYYY-MM-DD[ HH:MM] is needed");
    if (strlen(dl) == 10)
        deadline += 86400 - 1; /* a date: until the end of that day */
    enum eg_pilot_rule rule;
    if (eg_pilot_rule_parse(rule_s ? rule_s : "mean", &rule) < 0)
        return eg_err_set(err, EG_EINVAL, "rule", -1, "rule: mean or trimmed");
    json_t *mt = json_object_get(in, "min_total");
    double min_total = mt ? json_number_value(mt) : 0;
    if (mt && (!json_is_number(mt) || min_total < 0 || min_total > 100))
        return eg_err_set(err, EG_EINVAL, "min_total", -1, "min_total: a number from 0 to 100");
    if (!path)
        path = DEFAULT_CATALOGUE;
    struct eg_pilot_catalogue *cat;
    if ((rc = eg_pilot_catalogue_load(path, &cat, err)) < 0) {
        if (rc == EG_ENOTFOUND)
            err->status = rc = EG_EINVAL;
        return rc;
    }
    json_t *quotas = json_object_get(in, "quotas");
    const char *k;
    json_t *v;
    if (!json_is_object(quotas) || !json_object_size(quotas))
        rc = eg_err_set(err, EG_EINVAL, "quotas", -1,
                        "quotas: {\"kind\": number, …} for the kinds of the catalogue");
    json_object_foreach(quotas, k, v)
    {
        if (rc < 0)
            break;
        if (!eg_pilot_kind_find(cat, k) || !json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > 10000)
            rc = eg_err_set(err, EG_EINVAL, "quotas", -1,
                            "quotas: %.40s is not a kind of the catalogue with a whole number "
                            "from 0",
                            k);
    }
    eg_pilot_catalogue_free(cat);
    if (rc < 0)
        return rc;
    int own;
    if ((rc = tx_begin(db, &own, err)) < 0)
        return rc;
    struct eg_stmt *s;
    rc = eg_db_prepare(db,
                       "INSERT INTO pilot_rounds(name, catalogue, deadline, rule, min_total, "
                       "created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                       "ON CONFLICT (name) DO NOTHING",
                       &s, err);
    int64_t id = 0;
    if (rc == 0) {
        eg_stmt_bind_text(s, 1, name, strlen(name));
        eg_stmt_bind_text(s, 2, path, strlen(path));
        eg_stmt_bind_int(s, 3, deadline);
        eg_stmt_bind_text(s, 4, eg_pilot_rule_name(rule), strlen(eg_pilot_rule_name(rule)));
        eg_stmt_bind_double(s, 5, min_total);
        eg_stmt_bind_int(s, 6, eg_time_now());
        eg_stmt_bind_text(s, 7, who->username, strlen(who->username));
        rc = eg_stmt_step(s, err);
        eg_stmt_done(s);
        if (rc >= 0 && eg_db_changes(db) == 0)
            rc = eg_err_set(err, EG_ECONFLICT, "name", -1, "a round named %s exists", name);
        id = eg_db_last_id(db);
    }
    json_object_foreach(quotas, k, v)
    {
        if (rc < 0)
            break;
        if ((rc = eg_db_prepare(db,
                                "INSERT INTO pilot_quotas(round_id, kind, quota) VALUES "
                                "(?1, ?2, ?3)",
                                &s, err)) < 0)
            break;
        eg_stmt_bind_int(s, 1, id);
        eg_stmt_bind_text(s, 2, k, strlen(k));
        eg_stmt_bind_int(s, 3, json_integer_value(v));
        rc = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    if (rc >= 0)
        rc = eg_audit_append(db, who, "pilot.round", id, "create", NULL, in, err);
    rc = tx_end(db, own, rc < 0 ? rc : 0, err);
    if (rc < 0)
        return rc;
    return out ? eg_pilot_round_get(db, who, id, out, err) : 0;
}

int eg_pilot_expert_add(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                        int64_t user_id, const char *username, struct eg_err *err)
{
    int rc = need_staff(who, err);
    if (rc < 0)
        return rc;
    if (user_id <= 0 || !username || !*username || strlen(username) > 63)
        return eg_err_set(err, EG_EINVAL, "user", -1, "an expert is an existing account");
    char path[256];
    int64_t dl;
    enum eg_pilot_rule rule;
    double mt;
    if ((rc = load_round(db, round_id, path, sizeof path, &dl, &rule, &mt, err)) < 0)
        return rc;
    struct eg_stmt *s;
    if ((rc = eg_db_prepare(db,
                            "INSERT INTO pilot_experts(round_id, user_id, username) VALUES "
                            "(?1, ?2, ?3) ON CONFLICT (round_id, user_id) DO NOTHING",
                            &s, err)) < 0)
        return rc;
    eg_stmt_bind_int(s, 1, round_id);
    eg_stmt_bind_int(s, 2, user_id);
    eg_stmt_bind_text(s, 3, username, strlen(username));
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (rc < 0)
        return rc;
    json_t *a = json_pack("{s:s,s:I,s:s}", "expert_added", "yes", "user_id", (json_int_t)user_id,
                          "username", username);
    rc = eg_audit_append(db, who, "pilot.round", round_id, "update", NULL, a, err);
    json_decref(a);
    return rc < 0 ? rc : 0;
}

/* ---- applications ------------------------------------------------------------------------ */

static const char *const pilot_cols[] = {
    "eligible",          "failed", "mandatory_points", "criteria1", "criteria2",  "criteria3",
    "innovation_points", "total",  "experts_used",     "rank",      "recommended"};

/* The stored results of an evaluated application into rec. */
static int add_results(struct eg_db *db, int64_t id, json_t *rec, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "SELECT eligible, failed, mandatory_points, criteria1, criteria2, "
                           "criteria3, innovation_points, total, experts_used, rank, recommended "
                           "FROM pilot_applications WHERE record_id = ?1 AND eligible IS NOT NULL",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    if ((rc = eg_stmt_step(s, err)) == 1) {
        json_t *r = json_object();
        for (int c = 0; c < 11; c++) {
            if (eg_stmt_is_null(s, c))
                continue;
            if (c == 1)
                json_object_set_new(r, pilot_cols[c], json_string(eg_stmt_text(s, c, NULL)));
            else if (c == 0 || c >= 8)
                json_object_set_new(r, pilot_cols[c], json_integer(eg_stmt_int(s, c)));
            else
                json_object_set_new(r, pilot_cols[c], json_real(eg_stmt_double(s, c)));
        }
        json_object_set_new(rec, "results", r);
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

static int add_scores(struct eg_db *db, int64_t id, json_t *rec, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "SELECT username, c1, c2, c3, at FROM pilot_scores WHERE record_id = ?1 "
                           "ORDER BY at, user_id",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    json_t *a = json_array();
    while ((rc = eg_stmt_step(s, err)) == 1) {
        char at[32];
        eg_time_format_beijing(eg_stmt_int(s, 4), at, sizeof at);
        json_array_append_new(a, json_pack("{s:s,s:[f,f,f],s:s}", "expert",
                                           eg_stmt_text(s, 0, NULL), "scores", eg_stmt_double(s, 1),
                                           eg_stmt_double(s, 2), eg_stmt_double(s, 3), "at", at));
    }
    eg_stmt_done(s);
    json_object_set_new(rec, "scores", a);
    return rc < 0 ? rc : 0;
}

int eg_pilot_app_get(struct eg_db *db, const struct eg_principal *who, int64_t id, json_t **out,
                     struct eg_err *err)
{
    int rc = eg_flow_get(db, &eg_pilot_application_kind, who, id, out, err);
    if (rc < 0)
        return rc;
    const char *st = jstr(*out, "state");
    int evaluated = st && strcmp(st, "draft") && strcmp(st, "submitted") && strcmp(st, "withdrawn");
    if ((evaluated && (rc = add_results(db, id, *out, err)) < 0) ||
        (is_staff(who) && (rc = add_scores(db, id, *out, err)) < 0)) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    return 0;
}

int eg_pilot_app_create(struct eg_db *db, const struct eg_principal *who, json_t *in, json_t **out,
                        struct eg_err *err)
{
    if (out)
        *out = NULL;
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in first");
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "not_object", -1, "a JSON object is needed");
    json_t *rid = json_object_get(in, "round_id"), *uid = json_object_get(in, "unit_id");
    if (!json_is_integer(rid))
        return eg_err_set(err, EG_EINVAL, "round_id", -1, "round_id: the round applied to");
    if (!json_is_integer(uid))
        return eg_err_set(err, EG_EINVAL, "unit_id", -1, "unit_id: the applying unit");
    /* the unit, read as the system: its kind decides the pilot kind; scope is the engine's */
    json_t *unit;
    int rc = eg_registry_get(db, eg_registry_find("units"), &eg_principal_system,
                             json_integer_value(uid), &unit, err);
    if (rc < 0)
        return rc == EG_ENOTFOUND
                   ? eg_err_set(err, EG_EINVAL, "unit_id", -1, "unit_id: no such unit")
                   : rc;
    char kind[32], title[256];
    snprintf(kind, sizeof kind, "%s", jstr(unit, "kind") ? jstr(unit, "kind") : "");
    snprintf(title, sizeof title, "%s", jstr(unit, "name") ? jstr(unit, "name") : "");
    json_decref(unit);
    struct eg_pilot_catalogue *cat;
    const struct eg_pilot_kind *kd;
    int64_t deadline;
    if ((rc = kind_of_round(db, json_integer_value(rid), kind, &cat, &kd, &deadline, err)) < 0) {
        if (rc == EG_ENOTFOUND)
            err->status = rc = EG_EINVAL;
        return rc;
    }
    json_t *rec = json_deep_copy(in);
    json_object_set_new(rec, "pilot_kind", json_string(kind));
    json_object_set_new(rec, "title", json_string(title));
    rc = check_answers(kd, rec, 0, err);
    eg_pilot_catalogue_free(cat);
    if (rc == 0 && eg_time_now() > deadline)
        rc = eg_err_set(err, EG_EINVAL, "deadline", -1, "the round is closed");
    if (rc == 0)
        rc = eg_flow_create(db, &eg_pilot_application_kind, who, rec, out, err);
    json_decref(rec);
    return rc;
}

int eg_pilot_app_update(struct eg_db *db, const struct eg_principal *who, int64_t id, json_t *in,
                        json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "not_object", -1, "a JSON object is needed");
    json_t *rec;
    int rc = eg_flow_get(db, &eg_pilot_application_kind, who, id, &rec, err);
    if (rc < 0)
        return rc;
    if (!is_staff(who) && who->role != EG_ROLE_ENTERPRISE && who->role != EG_ROLE_STREET)
        rc = eg_err_set(err, EG_EPERM, "forbidden", -1, "only the applicant edits its answers");
    else if (strcmp(jstr(rec, "state"), "draft"))
        rc = eg_err_set(err, EG_EINVAL, "state", -1,
                        "the application is %s; only a draft can be changed (ask the bureau to "
                        "return it)",
                        jstr(rec, "state_zh") ? jstr(rec, "state_zh") : jstr(rec, "state"));
    static const char *const editable[] = {"conditions", "mandatory", "directions", "innovation",
                                           "evidence"};
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
    {
        if (rc < 0)
            break;
        int ok = !strcmp(k, "version");
        for (size_t i = 0; i < EG_ARRAY_LEN(editable); i++)
            ok |= !strcmp(k, editable[i]);
        if (!ok)
            rc = eg_err_set(err, EG_EINVAL, "unknown_field", -1,
                            "%.40s cannot be changed here (only conditions, mandatory, "
                            "directions, innovation, evidence)",
                            k);
        else if (strcmp(k, "version") && !json_is_string(v))
            rc = eg_err_set(err, EG_EINVAL, "wrong_type", -1, "%s must be text", k);
        else if (json_is_string(v) && json_string_length(v) > EG_PILOT_MAX_TEXT)
            rc = eg_err_set(err, EG_EINVAL, k, -1, "%s: over %d bytes", k, EG_PILOT_MAX_TEXT);
    }
    json_t *before = json_deep_copy(rec);
    if (rc == 0)
        json_object_update(rec, in);
    struct eg_pilot_catalogue *cat = NULL;
    const struct eg_pilot_kind *kd;
    int64_t deadline;
    if (rc == 0)
        rc = kind_of_round(db, json_integer_value(json_object_get(rec, "round_id")),
                           jstr(rec, "pilot_kind"), &cat, &kd, &deadline, err);
    if (rc == 0)
        rc = check_answers(kd, rec, 0, err);
    eg_pilot_catalogue_free(cat);
    int own = 0;
    if (rc == 0)
        rc = tx_begin(db, &own, err);
    else
        own = -1;
    if (rc == 0) {
        struct eg_stmt *s;
        rc = eg_db_prepare(db,
                           "UPDATE pilot_applications SET conditions = ?2, mandatory = ?3, "
                           "directions = ?4, innovation = ?5, evidence = ?6 WHERE record_id = ?1",
                           &s, err);
        if (rc == 0) {
            eg_stmt_bind_int(s, 1, id);
            for (size_t i = 0; i < EG_ARRAY_LEN(editable); i++) {
                const char *t = jstr(rec, editable[i]);
                eg_stmt_bind_text(s, (int)i + 2, t ? t : "", t ? strlen(t) : 0);
            }
            rc = eg_stmt_step(s, err);
            eg_stmt_done(s);
        }
        if (rc >= 0)
            rc = eg_audit_append(db, who, "flow.pilot_application", id, "update", before, rec, err);
        rc = tx_end(db, own, rc < 0 ? rc : 0, err);
    }
    json_decref(before);
    json_decref(rec);
    if (rc < 0)
        return rc;
    return out ? eg_pilot_app_get(db, who, id, out, err) : 0;
}

int eg_pilot_app_list(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                      const char *state, json_t **out, struct eg_err *err)
{
    struct eg_flow_query q = {.state = state, .limit = 1000};
    json_t *rows;
    char *next = NULL;
    int rc = eg_flow_list(db, &eg_pilot_application_kind, who, &q, &rows, &next, err);
    free(next);
    if (rc < 0)
        return rc;
    json_t *a = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (round_id && json_integer_value(json_object_get(r, "round_id")) != round_id)
            continue;
        json_array_append(a, r);
    }
    json_decref(rows);
    *out = a;
    return 0;
}

int eg_pilot_app_act(struct eg_db *db, const struct eg_principal *who, int64_t id,
                     const char *action, json_t *input, json_t **out, struct eg_err *err)
{
    return eg_flow_act(db, &eg_pilot_application_kind, who, id, action, input, out, err);
}

/* ---- experts ----------------------------------------------------------------------------- */

/* 1 when who is an expert of the round, 0 when not. */
static int is_expert(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                     struct eg_err *err)
{
    if (who->user_id <= 0)
        return 0;
    struct eg_stmt *s;
    int rc = eg_db_prepare(db, "SELECT 1 FROM pilot_experts WHERE round_id = ?1 AND user_id = ?2",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, round_id);
    eg_stmt_bind_int(s, 2, who->user_id);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc;
}

int eg_pilot_expert_list(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                         json_t **out, struct eg_err *err)
{
    *out = NULL;
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in first");
    int rc = is_expert(db, who, round_id, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1,
                          "no pilot round %lld among those you score", (long long)round_id);
    /* the applications (read as the system: the expert's scope is the assignment) */
    json_t *rows;
    if ((rc = eg_pilot_app_list(db, &eg_principal_system, round_id, "submitted", &rows, err)) < 0)
        return rc;
    json_t *a = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_int_t id = json_integer_value(json_object_get(r, "id"));
        json_t *o = json_pack(
            "{s:I,s:O*,s:O*,s:O*,s:O*,s:O*}", "id", id, "title", json_object_get(r, "title"),
            "pilot_kind", json_object_get(r, "pilot_kind"), "kind_zh",
            json_object_get(r, "kind_zh"), "directions", json_object_get(r, "directions"),
            "innovation", json_object_get(r, "innovation"));
        struct eg_stmt *s;
        if ((rc = eg_db_prepare(db,
                                "SELECT c1, c2, c3 FROM pilot_scores WHERE record_id = ?1 AND "
                                "user_id = ?2",
                                &s, err)) < 0) {
            json_decref(o);
            break;
        }
        eg_stmt_bind_int(s, 1, id);
        eg_stmt_bind_int(s, 2, who->user_id);
        if ((rc = eg_stmt_step(s, err)) == 1)
            json_object_set_new(o, "my_scores",
                                json_pack("[f,f,f]", eg_stmt_double(s, 0), eg_stmt_double(s, 1),
                                          eg_stmt_double(s, 2)));
        eg_stmt_done(s);
        json_array_append_new(a, o);
        if (rc < 0)
            break;
        rc = 0;
    }
    json_decref(rows);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

int eg_pilot_score_put(struct eg_db *db, const struct eg_principal *who, int64_t id,
                       const double scores[EG_PILOT_CRITERIA], struct eg_err *err)
{
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in first");
    double cr[EG_PILOT_CRITERIA];
    int used;
    int rc = eg_pilot_aggregate(scores, 1, EG_PILOT_MEAN, cr, &used, err);
    if (rc < 0)
        return rc;
    json_t *rec;
    if ((rc = eg_flow_get(db, &eg_pilot_application_kind, &eg_principal_system, id, &rec, err)) < 0)
        return rc;
    int64_t round_id = json_integer_value(json_object_get(rec, "round_id"));
    const char *state = jstr(rec, "state");
    int submitted = state && !strcmp(state, "submitted");
    json_decref(rec);
    if ((rc = is_expert(db, who, round_id, err)) < 0)
        return rc;
    if (rc == 0) /* not an expert of its round: as if it did not exist */
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no application %lld to score",
                          (long long)id);
    if (!submitted)
        return eg_err_set(err, EG_EINVAL, "state", -1,
                          "application %lld is not awaiting scores (only submitted applications "
                          "are scored)",
                          (long long)id);
    int own;
    if ((rc = tx_begin(db, &own, err)) < 0)
        return rc;
    json_t *before = NULL;
    struct eg_stmt *s;
    rc = eg_db_prepare(
        db, "SELECT c1, c2, c3 FROM pilot_scores WHERE record_id = ?1 AND user_id = ?2", &s, err);
    if (rc == 0) {
        eg_stmt_bind_int(s, 1, id);
        eg_stmt_bind_int(s, 2, who->user_id);
        if ((rc = eg_stmt_step(s, err)) == 1)
            before = json_pack("{s:[f,f,f]}", "scores", eg_stmt_double(s, 0), eg_stmt_double(s, 1),
                               eg_stmt_double(s, 2));
        eg_stmt_done(s);
    }
    if (rc >= 0)
        rc = eg_db_prepare(db,
                           "INSERT INTO pilot_scores(record_id, user_id, username, c1, c2, c3, at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (record_id, user_id) "
                           "DO UPDATE SET c1 = excluded.c1, c2 = excluded.c2, c3 = excluded.c3, "
                           "at = excluded.at",
                           &s, err);
    if (rc >= 0) {
        eg_stmt_bind_int(s, 1, id);
        eg_stmt_bind_int(s, 2, who->user_id);
        eg_stmt_bind_text(s, 3, who->username, strlen(who->username));
        for (int c = 0; c < EG_PILOT_CRITERIA; c++)
            eg_stmt_bind_double(s, 4 + c, scores[c]);
        eg_stmt_bind_int(s, 7, eg_time_now());
        rc = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    if (rc >= 0) {
        json_t *after = json_pack("{s:[f,f,f]}", "scores", scores[0], scores[1], scores[2]);
        rc = eg_audit_append(db, who, "pilot.score", id, before ? "update" : "create", before,
                             after, err);
        json_decref(after);
    }
    json_decref(before);
    return tx_end(db, own, rc < 0 ? rc : 0, err);
}

/* ---- evaluation -------------------------------------------------------------------------- */

struct loaded {
    struct eg_pilot_catalogue *cat;
    enum eg_pilot_rule rule;
    double min_total;
    struct eg_pilot_quota *quotas;
    int nquotas;
    int n;
    int64_t *ids;
    char **strs;          /* 3 per app: kind, unit, innovation */
    unsigned char *flags; /* 2 * EG_PILOT_MAX_ITEMS per app */
    double **scores;
    struct eg_pilot_app *apps;
    struct eg_pilot_result *res;
};

static void loaded_free(struct loaded *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->strs[3 * i]);
        free(l->strs[3 * i + 1]);
        free(l->strs[3 * i + 2]);
        free(l->scores[i]);
    }
    for (int q = 0; q < l->nquotas; q++)
        free((char *)l->quotas[q].kind);
    free(l->quotas);
    free(l->ids);
    free(l->strs);
    free(l->flags);
    free(l->scores);
    free(l->apps);
    free(l->res);
    eg_pilot_catalogue_free(l->cat);
    memset(l, 0, sizeof *l);
}

static int load_scores(struct eg_db *db, int64_t id, double **out, int *n, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "SELECT c1, c2, c3 FROM pilot_scores WHERE record_id = ?1 ORDER BY "
                           "user_id",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    int cap = 8;
    double *v = eg_malloc((size_t)cap * EG_PILOT_CRITERIA * sizeof *v);
    *n = 0;
    while ((rc = eg_stmt_step(s, err)) == 1) {
        if (*n == cap) {
            cap *= 2;
            v = eg_realloc(v, (size_t)cap * EG_PILOT_CRITERIA * sizeof *v);
        }
        for (int c = 0; c < EG_PILOT_CRITERIA; c++)
            v[*n * EG_PILOT_CRITERIA + c] = eg_stmt_double(s, c);
        (*n)++;
    }
    eg_stmt_done(s);
    *out = v;
    return rc < 0 ? rc : 0;
}

/* The round's applications in `states` ("submitted" or "evaluated,recommended,…"), scored
   from the stored answers and scores or (for the exports) read back with their results. */
static int load_round_apps(struct eg_db *db, int64_t round_id, const char *const *states,
                           int nstates, struct loaded *l, struct eg_err *err)
{
    memset(l, 0, sizeof *l);
    char path[256];
    int64_t dl;
    int rc = load_round(db, round_id, path, sizeof path, &dl, &l->rule, &l->min_total, err);
    if (rc < 0 || (rc = eg_pilot_catalogue_load(path, &l->cat, err)) < 0)
        return rc;
    struct eg_stmt *s;
    if ((rc = eg_db_prepare(db, "SELECT kind, quota FROM pilot_quotas WHERE round_id = ?1", &s,
                            err)) < 0)
        return rc;
    eg_stmt_bind_int(s, 1, round_id);
    while ((rc = eg_stmt_step(s, err)) == 1) {
        l->quotas = eg_realloc(l->quotas, (size_t)(l->nquotas + 1) * sizeof *l->quotas);
        l->quotas[l->nquotas].kind = eg_strdup(eg_stmt_text(s, 0, NULL));
        l->quotas[l->nquotas++].quota = (int)eg_stmt_int(s, 1);
    }
    eg_stmt_done(s);
    if (rc < 0)
        return rc;
    json_t *all = json_array();
    for (int k = 0; k < nstates && rc >= 0; k++) {
        json_t *rows;
        if ((rc = eg_pilot_app_list(db, &eg_principal_system, round_id, states[k], &rows, err)) < 0)
            break;
        json_array_extend(all, rows);
        json_decref(rows);
    }
    if (rc < 0) {
        json_decref(all);
        return rc;
    }
    /* oldest first: the order of submission breaks the last ties */
    size_t n = json_array_size(all);
    l->ids = eg_calloc(n + 1, sizeof *l->ids);
    l->strs = eg_calloc(3 * n + 1, sizeof *l->strs);
    l->flags = eg_calloc(2 * EG_PILOT_MAX_ITEMS * n + 1, 1);
    l->scores = eg_calloc(n + 1, sizeof *l->scores);
    l->apps = eg_calloc(n + 1, sizeof *l->apps);
    l->res = eg_calloc(n + 1, sizeof *l->res);
    for (size_t j = 0; j < n; j++) {
        json_t *r = json_array_get(all, j);
        int64_t id = json_integer_value(json_object_get(r, "id"));
        size_t at = 0; /* insertion sort by id */
        while (at < (size_t)l->n && l->ids[at] < id)
            at++;
        memmove(&l->ids[at + 1], &l->ids[at], ((size_t)l->n - at) * sizeof *l->ids);
        memmove(&l->strs[3 * (at + 1)], &l->strs[3 * at],
                ((size_t)l->n - at) * 3 * sizeof *l->strs);
        l->ids[at] = id;
        const char *kind = jstr(r, "pilot_kind"), *title = jstr(r, "title"),
                   *inn = jstr(r, "innovation");
        l->strs[3 * at] = eg_strdup(kind ? kind : "");
        l->strs[3 * at + 1] = eg_strdup(title ? title : "");
        l->strs[3 * at + 2] = eg_strdup(inn ? inn : "");
        l->n++;
    }
    for (int i = 0; i < l->n && rc >= 0; i++) {
        json_t *r = NULL;
        for (size_t j = 0; j < n; j++)
            if (json_integer_value(json_object_get(json_array_get(all, j), "id")) == l->ids[i])
                r = json_array_get(all, j);
        struct eg_pilot_app *a = &l->apps[i];
        a->kind = l->strs[3 * i];
        a->unit = l->strs[3 * i + 1];
        a->innovation = l->strs[3 * i + 2];
        unsigned char *cf = &l->flags[2 * EG_PILOT_MAX_ITEMS * (size_t)i];
        unsigned char *mf = cf + EG_PILOT_MAX_ITEMS;
        const char *c = jstr(r, "conditions"), *m = jstr(r, "mandatory");
        for (int k = 0; c && c[k] && k < EG_PILOT_MAX_ITEMS; k++, a->nconditions++)
            cf[k] = c[k] == '1';
        for (int k = 0; m && m[k] && k < EG_PILOT_MAX_ITEMS; k++, a->nmandatory++)
            mf[k] = m[k] == '1';
        a->conditions = cf;
        a->mandatory = mf;
        rc = load_scores(db, l->ids[i], &l->scores[i], &a->nexperts, err);
        a->scores = l->scores[i];
    }
    json_decref(all);
    return rc < 0 ? rc : 0;
}

static int store_result(struct eg_db *db, int64_t id, const struct eg_pilot_result *r,
                        struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "UPDATE pilot_applications SET eligible = ?2, failed = ?3, "
                           "mandatory_points = ?4, criteria1 = ?5, criteria2 = ?6, criteria3 = "
                           "?7, innovation_points = ?8, total = ?9, experts_used = ?10, rank = "
                           "?11, recommended = ?12 WHERE record_id = ?1",
                           &s, err);
    if (rc < 0)
        return rc;
    char failed[160] = "";
    size_t o = 0;
    for (int i = 0; i < r->nfailed && o + 8 < sizeof failed; i++)
        o += (size_t)snprintf(failed + o, sizeof failed - o, "%s%d", i ? "," : "", r->failed[i]);
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_int(s, 2, r->eligible);
    eg_stmt_bind_text(s, 3, failed, strlen(failed));
    eg_stmt_bind_double(s, 4, r->mandatory_points);
    for (int c = 0; c < EG_PILOT_CRITERIA; c++)
        eg_stmt_bind_double(s, 5 + c, r->criteria[c]);
    eg_stmt_bind_double(s, 8, r->innovation_points);
    eg_stmt_bind_double(s, 9, r->total);
    eg_stmt_bind_int(s, 10, r->experts_used);
    eg_stmt_bind_int(s, 11, r->rank);
    eg_stmt_bind_int(s, 12, r->recommended);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_pilot_round_evaluate(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                            json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    int rc = need_staff(who, err);
    if (rc < 0)
        return rc;
    struct loaded l;
    static const char *const st[] = {"submitted"};
    if ((rc = load_round_apps(db, round_id, st, 1, &l, err)) < 0) {
        loaded_free(&l);
        return rc;
    }
    for (int i = 0; i < l.n && rc == 0; i++) {
        rc = eg_pilot_score(l.cat, &l.apps[i], l.rule, &l.res[i], err);
        if (rc < 0) {
            struct eg_buf b = {0};
            eg_buf_printf(&b, "%s (application %lld): %s", l.apps[i].unit, (long long)l.ids[i],
                          err->msg);
            size_t n = b.len < sizeof err->msg - 1 ? b.len : sizeof err->msg - 1;
            memcpy(err->msg, b.data, n);
            err->msg[n] = '\0';
            eg_buf_free(&b);
        }
    }
    if (rc < 0) {
        loaded_free(&l);
        return rc;
    }
    eg_pilot_rank(l.apps, l.res, l.n, l.quotas, l.nquotas, l.min_total);
    int own;
    if ((rc = tx_begin(db, &own, err)) < 0) {
        loaded_free(&l);
        return rc;
    }
    json_t *rec_counts = json_object();
    int ineligible = 0;
    for (int i = 0; i < l.n && rc == 0; i++) {
        const struct eg_pilot_result *r = &l.res[i];
        if ((rc = store_result(db, l.ids[i], r, err)) < 0)
            break;
        if ((rc = eg_flow_act(db, &eg_pilot_application_kind, who, l.ids[i], "evaluate", NULL, NULL,
                              err)) < 0)
            break;
        char reason[256];
        char tot[32];
        eg_pilot_fmt(r->total, tot, sizeof tot);
        if (r->recommended) {
            json_int_t c = json_integer_value(json_object_get(rec_counts, l.apps[i].kind));
            json_object_set_new(rec_counts, l.apps[i].kind, json_integer(c + 1));
            rc = eg_flow_act(db, &eg_pilot_application_kind, who, l.ids[i], "recommend", NULL, NULL,
                             err);
            continue;
        }
        if (!r->eligible) {
            ineligible++;
            size_t o = (size_t)snprintf(reason, sizeof reason, "资格审查未通过：未满足申报条件");
            for (int k = 0; k < r->nfailed && o + 8 < sizeof reason; k++)
                o += (size_t)snprintf(reason + o, sizeof reason - o, "%s%d", k ? "、" : "",
                                      r->failed[k]);
        } else {
            snprintf(reason, sizeof reason, "总分%s，类内排名第%d，未进入推荐名额", tot, r->rank);
        }
        json_t *in = json_pack("{s:s}", "reason", reason);
        rc = eg_flow_act(db, &eg_pilot_application_kind, who, l.ids[i], "not_recommend", in, NULL,
                         err);
        json_decref(in);
    }
    if (rc == 0) {
        struct eg_stmt *s;
        if ((rc = eg_db_prepare(db, "UPDATE pilot_rounds SET evaluated_at = ?2 WHERE id = ?1", &s,
                                err)) == 0) {
            eg_stmt_bind_int(s, 1, round_id);
            eg_stmt_bind_int(s, 2, eg_time_now());
            rc = eg_stmt_step(s, err);
            eg_stmt_done(s);
        }
    }
    json_t *res = json_pack("{s:i,s:o,s:i,s:s}", "evaluated", l.n, "recommended", rec_counts,
                            "ineligible", ineligible, "rule", eg_pilot_rule_name(l.rule));
    if (rc >= 0)
        rc = eg_audit_append(db, who, "pilot.round", round_id, "update", NULL, res, err);
    rc = tx_end(db, own, rc < 0 ? rc : 0, err);
    loaded_free(&l);
    if (rc < 0 || !out)
        json_decref(res);
    else
        *out = res;
    return rc;
}

/* Results as stored (the evaluation's), for the exports. */
static int load_results(struct eg_db *db, struct loaded *l, struct eg_err *err)
{
    for (int i = 0; i < l->n; i++) {
        struct eg_stmt *s;
        int rc = eg_db_prepare(db,
                               "SELECT eligible, failed, mandatory_points, criteria1, criteria2, "
                               "criteria3, innovation_points, total, experts_used, rank, "
                               "recommended FROM pilot_applications WHERE record_id = ?1",
                               &s, err);
        if (rc < 0)
            return rc;
        eg_stmt_bind_int(s, 1, l->ids[i]);
        if ((rc = eg_stmt_step(s, err)) == 1) {
            struct eg_pilot_result *r = &l->res[i];
            r->eligible = (int)eg_stmt_int(s, 0);
            const char *f = eg_stmt_text(s, 1, NULL);
            while (f && *f && r->nfailed < EG_PILOT_MAX_ITEMS) {
                r->failed[r->nfailed++] = (int)strtol(f, NULL, 10);
                f = strchr(f, ',');
                f = f ? f + 1 : NULL;
            }
            r->mandatory_points = eg_stmt_double(s, 2);
            for (int c = 0; c < EG_PILOT_CRITERIA; c++)
                r->criteria[c] = eg_stmt_double(s, 3 + c);
            r->innovation_points = eg_stmt_double(s, 6);
            r->total = eg_stmt_double(s, 7);
            r->experts_used = (int)eg_stmt_int(s, 8);
            r->rank = (int)eg_stmt_int(s, 9);
            r->recommended = (int)eg_stmt_int(s, 10);
            r->experts = l->apps[i].nexperts;
            for (int k = 0; k < l->apps[i].nmandatory; k++)
                r->mandatory_done += l->apps[i].mandatory[k] ? 1 : 0;
        }
        eg_stmt_done(s);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int eg_pilot_round_export(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                          const char *what, int xlsx, struct eg_buf *out, struct eg_err *err)
{
    int rc = need_staff(who, err);
    if (rc < 0)
        return rc;
    int list = what && !strcmp(what, "list");
    if (!list && !(what && !strcmp(what, "sheet")))
        return eg_err_set(err, EG_EINVAL, "bad_query", -1, "what: list or sheet");
    static const char *const later[] = {"evaluated", "recommended", "not_recommended", "approved",
                                        "reported",  "selected",    "not_selected"};
    struct loaded l;
    if ((rc = load_round_apps(db, round_id, later, (int)EG_ARRAY_LEN(later), &l, err)) < 0 ||
        (rc = load_results(db, &l, err)) < 0) {
        loaded_free(&l);
        return rc;
    }
    json_t *round;
    if ((rc = eg_pilot_round_get(db, who, round_id, &round, err)) < 0) {
        loaded_free(&l);
        return rc;
    }
    char title[300];
    snprintf(title, sizeof title, "%s建议名单", jstr(round, "name"));
    json_decref(round);
    if (list)
        rc = xlsx ? eg_pilot_list_xlsx(l.cat, title, l.apps, l.res, l.n, out, err)
                  : eg_pilot_list_csv(l.cat, title, l.apps, l.res, l.n, out, err);
    else
        rc = xlsx ? eg_pilot_sheet_xlsx(l.cat, l.rule, l.apps, l.res, l.n, out, err)
                  : eg_pilot_sheet_csv(l.cat, l.rule, l.apps, l.res, l.n, out, err);
    loaded_free(&l);
    return rc;
}
