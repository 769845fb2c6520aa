/*
 * timeline.c: a record's history (its transitions and comments in time order) and comments.
 * A comment changes no state and no version; it is audited like every write.
 */
#include "flow/internal.h"

#include <stdio.h>
#include <string.h>

int eg_flow_history(struct eg_db *db, const struct eg_flow_kind *kind,
                    const struct eg_principal *who, int64_t id, json_t **out, struct eg_err *err)
{
    *out = NULL;
    json_t *rec = NULL;
    int r = eg__flow_load_for(db, kind, who, id, &rec, err);
    json_decref(rec);
    if (r < 0)
        return r;
    struct eg_stmt *s;
    r = eg_db_prepare(db,
                      "SELECT at, actor, role, 0, action, from_state, to_state, text_json, id "
                      "FROM flow_transitions WHERE record_id = ? UNION ALL SELECT at, actor, "
                      "role, 1, NULL, NULL, NULL, text, id FROM flow_comments WHERE record_id = ? "
                      "ORDER BY 1, 4, 9",
                      &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_int(s, 2, id);
    json_t *a = json_array();
    while ((r = eg_stmt_step(s, err)) == 1) {
        json_t *o = json_object();
        size_t n;
        const char *t;
        json_object_set_new(o, "at", eg__flow_time_json(eg_stmt_int(s, 0)));
        t = eg_stmt_text(s, 1, &n);
        json_object_set_new(o, "by", json_stringn_nocheck(t ? t : "", n));
        t = eg_stmt_text(s, 2, &n);
        json_object_set_new(o, "role", json_stringn_nocheck(t ? t : "", n));
        int comment = eg_stmt_int(s, 3) != 0;
        json_object_set_new(o, "kind", json_string(comment ? "comment" : "transition"));
        if (!comment) {
            t = eg_stmt_text(s, 4, &n);
            json_object_set_new(o, "action", json_stringn_nocheck(t ? t : "", n));
            const struct eg_flow_transition *tr = NULL;
            for (int i = 0; t && i < kind->ntransitions && !tr; i++)
                if (strlen(kind->transitions[i].action) == n &&
                    !memcmp(kind->transitions[i].action, t, n))
                    tr = &kind->transitions[i];
            /* the creation is the one transition no kind declares */
            json_object_set_new(o, "action_zh", json_string(tr ? tr->label_zh : "创建"));
            t = eg_stmt_is_null(s, 5) ? NULL : eg_stmt_text(s, 5, &n);
            json_object_set_new(o, "from", t ? json_stringn_nocheck(t, n) : json_null());
            t = eg_stmt_text(s, 6, &n);
            json_object_set_new(o, "to", json_stringn_nocheck(t ? t : "", n));
            t = eg_stmt_is_null(s, 7) ? NULL : eg_stmt_text(s, 7, &n);
            json_t *text = t ? json_loadb(t, n, 0, NULL) : NULL;
            json_object_set_new(o, "text", text ? text : json_object());
        } else {
            t = eg_stmt_text(s, 7, &n);
            json_object_set_new(o, "text", json_pack("{s:s%}", "comment", t ? t : "", n));
        }
        json_array_append_new(a, o);
    }
    eg_stmt_done(s);
    if (r < 0) {
        json_decref(a);
        return r;
    }
    *out = a;
    return 0;
}

int eg_flow_comment(struct eg_db *db, const struct eg_flow_kind *kind,
                    const struct eg_principal *who, int64_t id, const char *text,
                    struct eg_err *err)
{
    json_t *jt = text ? json_string(text) : NULL; /* NULL too when text is not UTF-8 */
    int r = eg__flow_text_ok(jt, "comment", err);
    if (r < 0) {
        json_decref(jt);
        return r;
    }
    int own;
    if ((r = eg__flow_tx_begin(db, &own, err)) < 0) {
        json_decref(jt);
        return r;
    }
    json_t *rec = NULL;
    r = eg__flow_load_for(db, kind, who, id, &rec, err);
    json_decref(rec);
    struct eg_stmt *s;
    if (r == 0 && (r = eg_db_prepare(db,
                                     "INSERT INTO flow_comments (record_id, actor_id, actor, role, "
                                     "at, text) VALUES (?, ?, ?, ?, ?, ?)",
                                     &s, err)) == 0) {
        eg_stmt_bind_int(s, 1, id);
        eg__flow_bind_actor(s, 2, who);
        eg_stmt_bind_int(s, 5, eg_time_now());
        eg_stmt_bind_text(s, 6, text, strlen(text));
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    if (r == 0) {
        json_t *after = json_pack("{s:O}", "comment", jt);
        r = eg__flow_audit(db, who, kind, id, "comment", NULL, after, err);
        json_decref(after);
    }
    json_decref(jt);
    if (r == 0)
        r = eg__flow_tx_commit(db, own, err);
    if (r < 0)
        eg__flow_tx_abort(db, own);
    return r;
}
