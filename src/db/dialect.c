/*
 * dialect.c: SQLite's SQL, as every module writes it, into PostgreSQL's (issue 16). One dialect
 * is written (the subset scripts/check-layers.sh allows outside db/, plus the migrations' DDL)
 * and translated here, once per statement text (pg.c caches the result with the prepared
 * statement), so SQL other people add later runs on both backends without edits. What is
 * translated is listed in internal.h; the functions the translation calls (eg_random,
 * eg_raise, round(double, int)) are created by data/migrations/pg/000_pg_functions.sql.
 *
 * A small tokenizer (words, numbers, parameters, 'strings', "names", comments, punctuation)
 * feeds a statement-at-a-time rewriter. It does not parse SQL: it rewrites words in context.
 */
#include "db/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { T_WORD, T_NUM, T_PARAM, T_STR, T_QID, T_SPACE, T_PUNCT };

struct tok {
    int kind;
    const char *p;
    size_t n;
};

struct toks {
    struct tok *v;
    size_t n, cap;
};

static void push(struct toks *t, int kind, const char *p, size_t n)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        struct tok *nv = realloc(t->v, t->cap * sizeof *nv);
        if (!nv)
            abort();
        t->v = nv;
    }
    t->v[t->n++] = (struct tok){.kind = kind, .p = p, .n = n};
}

/* Comments become T_SPACE (kept in the output). */
static void tokenize(const char *s, struct toks *t)
{
    const char *p = s;
    while (*p) {
        const char *b = p;
        unsigned char c = (unsigned char)*p;
        if (isspace(c)) {
            while (*p && isspace((unsigned char)*p))
                p++;
            push(t, T_SPACE, b, (size_t)(p - b));
        } else if (c == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            push(t, T_SPACE, b, (size_t)(p - b));
        } else if (c == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            push(t, T_SPACE, b, (size_t)(p - b));
        } else if (c == '\'' || c == '"' || c == '`') {
            char q = (char)c;
            p++;
            while (*p) {
                if (*p == q && p[1] == q)
                    p += 2;
                else if (*p == q) {
                    p++;
                    break;
                } else
                    p++;
            }
            push(t, c == '\'' ? T_STR : T_QID, b, (size_t)(p - b));
        } else if (c == '?') {
            p++;
            while (isdigit((unsigned char)*p))
                p++;
            push(t, T_PARAM, b, (size_t)(p - b));
        } else if (isalpha(c) || c == '_' || c >= 0x80) {
            while (*p && (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80 ||
                          *p == '$'))
                p++;
            push(t, T_WORD, b, (size_t)(p - b));
        } else if (isdigit(c) || (c == '.' && isdigit((unsigned char)p[1]))) {
            while (*p && (isalnum((unsigned char)*p) || *p == '.' ||
                          ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E'))))
                p++;
            push(t, T_NUM, b, (size_t)(p - b));
        } else {
            p++;
            push(t, T_PUNCT, b, 1);
        }
    }
}

static int is(const struct tok *k, const char *w)
{
    return k->kind == T_WORD && strlen(w) == k->n && !strncasecmp(k->p, w, k->n);
}
static int punct(const struct tok *k, char c)
{
    return k->kind == T_PUNCT && k->p[0] == c;
}

/* The index of the next token at or after i that is not space, or end. */
static size_t sig(const struct toks *t, size_t i, size_t end)
{
    while (i < end && t->v[i].kind == T_SPACE)
        i++;
    return i;
}

struct tr {
    const struct toks *t;
    struct eg_buf *out;
    int nparams;
    struct eg_err *err;
};

static void emit(struct tr *x, const struct tok *k)
{
    eg_buf_append(x->out, k->p, k->n);
}

/* PostgreSQL takes parameters $1..$65535; SQLite's own limit is 32766. */
#define MAX_PARAM 32766

static int emit_param(struct tr *x, const struct tok *k)
{
    int n;
    if (k->n > 1) {
        n = 0;
        for (size_t i = 1; i < k->n && n <= MAX_PARAM; i++)
            n = n * 10 + (k->p[i] - '0');
    } else {
        n = x->nparams + 1;
    }
    if (n < 1 || n > MAX_PARAM)
        return eg_err_set(x->err, EG_EINVAL, "dialect", -1,
                          "parameter %.*s: parameters are numbered 1 to %d", (int)k->n, k->p,
                          MAX_PARAM);
    if (n > x->nparams)
        x->nparams = n;
    eg_buf_printf(x->out, "$%d", n);
    return 0;
}

/* Rewrites tokens [a, b) of one statement (no trailing ';'). in_trigger: inside a trigger body
   (SELECT -> PERFORM, RAISE(ABORT, m) -> eg_raise(m)). */
static int statement(struct tr *x, size_t a, size_t b, int in_trigger);

static int trigger(struct tr *x, size_t a, size_t b, size_t *consumed);

static int rewrite(struct tr *x, size_t a, size_t b, int in_trigger, int *nstmt)
{
    const struct toks *t = x->t;
    size_t i = a;
    while (i < b) {
        size_t f = sig(t, i, b);
        if (f >= b) {
            for (; i < b; i++)
                emit(x, &t->v[i]);
            break;
        }
        if (!in_trigger && is(&t->v[f], "CREATE")) {
            size_t g = sig(t, f + 1, b);
            if (g < b && (is(&t->v[g], "TEMP") || is(&t->v[g], "TEMPORARY")))
                g = sig(t, g + 1, b);
            if (g < b && is(&t->v[g], "TRIGGER")) {
                for (; i < f; i++)
                    emit(x, &t->v[i]);
                size_t used = 0;
                int r = trigger(x, f, b, &used);
                if (r < 0)
                    return r;
                i = used;
                (*nstmt)++;
                continue;
            }
        }
        /* one statement: up to ';' at depth 0 (CASE ... END never holds a ';') */
        size_t e = f;
        int depth = 0;
        while (e < b && !(depth == 0 && punct(&t->v[e], ';'))) {
            if (punct(&t->v[e], '('))
                depth++;
            else if (punct(&t->v[e], ')'))
                depth--;
            e++;
        }
        for (; i < f; i++)
            emit(x, &t->v[i]);
        int r = statement(x, f, e, in_trigger);
        if (r < 0)
            return r;
        if (r > 0)
            (*nstmt)++;
        if (e < b) {
            if (r > 0)
                eg_buf_puts(x->out, ";");
            e++;
        }
        i = e;
    }
    return 0;
}

/* Words that are SQL, not column names (for the ON CONFLICT qualification). */
static int keyword(const struct tok *k)
{
    static const char *const kw[] = {"CASE",
                                     "WHEN",
                                     "THEN",
                                     "ELSE",
                                     "END",
                                     "AND",
                                     "OR",
                                     "NOT",
                                     "NULL",
                                     "IS",
                                     "IN",
                                     "WHERE",
                                     "TRUE",
                                     "FALSE",
                                     "LIKE",
                                     "ILIKE",
                                     "GLOB",
                                     "AS",
                                     "ESCAPE",
                                     "BETWEEN",
                                     "DISTINCT",
                                     "FROM",
                                     "BIGINT",
                                     "INTEGER",
                                     "TEXT",
                                     "REAL",
                                     "DOUBLE",
                                     "BYTEA",
                                     "BLOB",
                                     "PRECISION",
                                     "COLLATE",
                                     "NOCASE",
                                     "EXISTS",
                                     "SELECT",
                                     "LIMIT",
                                     "ORDER",
                                     "BY",
                                     "ASC",
                                     "DESC",
                                     "EXCLUDED",
                                     "CURRENT_TIMESTAMP",
                                     "NUMERIC",
                                     "BOOLEAN"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (is(k, kw[i]))
            return 1;
    return 0;
}

/* Returns 1 when something was written, 0 for a dropped statement (PRAGMA). */
static int statement(struct tr *x, size_t a, size_t b, int in_trigger)
{
    const struct toks *t = x->t;
    if (a >= b || is(&t->v[a], "PRAGMA"))
        return 0;
    size_t i = a;
    int ignore = 0, has_conflict = 0, without_rowid = 0;
    size_t returning = b;
    for (size_t k = a; k < b; k++) {
        if (is(&t->v[k], "ROWID"))
            without_rowid = 1; /* an INTEGER PRIMARY KEY there is a plain key, no rowid */
        if (is(&t->v[k], "RETURNING") && returning == b)
            returning = k;
        if (is(&t->v[k], "CONFLICT"))
            has_conflict = 1;
    }
    if (is(&t->v[a], "BEGIN")) {
        eg_buf_puts(x->out, "BEGIN");
        return 1;
    }
    if (is(&t->v[a], "DROP")) { /* DROP TRIGGER name: PostgreSQL wants its table too */
        size_t w = sig(t, a + 1, b), nm;
        if (w < b && is(&t->v[w], "TRIGGER")) {
            nm = sig(t, w + 1, b);
            int if_exists = nm < b && is(&t->v[nm], "IF");
            if (if_exists)
                nm = sig(t, sig(t, nm + 1, b) + 1, b);
            if (nm >= b || t->v[nm].kind != T_WORD)
                return eg_err_set(x->err, EG_EINVAL, "dialect", -1, "DROP TRIGGER without a name");
            eg_buf_printf(x->out, "SELECT eg_drop_trigger('%.*s', %s)", (int)t->v[nm].n, t->v[nm].p,
                          if_exists ? "true" : "false");
            return 1;
        }
    }
    if (is(&t->v[a], "REPLACE"))
        return eg_err_set(x->err, EG_EINVAL, "dialect", -1,
                          "REPLACE INTO has no PostgreSQL translation: write INSERT ... ON "
                          "CONFLICT (key) DO UPDATE");
    if (is(&t->v[a], "INSERT")) {
        size_t o = sig(t, a + 1, b);
        if (o < b && is(&t->v[o], "OR")) {
            size_t w = sig(t, o + 1, b);
            if (w < b && is(&t->v[w], "IGNORE")) {
                ignore = !has_conflict;
                eg_buf_puts(x->out, "INSERT");
                i = w + 1;
            } else {
                return eg_err_set(x->err, EG_EINVAL, "dialect", -1,
                                  "INSERT OR %.*s has no PostgreSQL translation: write INSERT "
                                  "... ON CONFLICT (key) DO UPDATE",
                                  w < b ? (int)t->v[w].n : 0, w < b ? t->v[w].p : "");
            }
        }
    }
    /* INSERT ... ON CONFLICT DO UPDATE SET: SQLite reads a bare column there as the existing
       row's, PostgreSQL calls it ambiguous (it could be EXCLUDED's): qualify it with the table */
    const struct tok *target = NULL;
    if (is(&t->v[a], "INSERT")) {
        size_t k = a;
        while (k < b && !is(&t->v[k], "INTO"))
            k++;
        k = sig(t, k + 1, b);
        if (k < b && t->v[k].kind == T_WORD)
            target = &t->v[k];
    }
    int depth = 0, in_set = 0, set_depth = 0, expect_col = 0;
    for (; i < b; i++) {
        const struct tok *k = &t->v[i];
        if (target && is(k, "SET") && i >= 4) {
            size_t p1 = i - 1;
            while (p1 > a && t->v[p1].kind == T_SPACE)
                p1--;
            if (is(&t->v[p1], "UPDATE")) {
                in_set = 1;
                set_depth = depth;
                expect_col = 1;
                emit(x, k);
                continue;
            }
        }
        if (in_set && i == returning)
            in_set = 0;
        if (in_set && depth == set_depth && punct(k, ','))
            expect_col = 1;
        if (in_set && k->kind == T_WORD) {
            size_t nx2 = sig(t, i + 1, b);
            int dotted = (i > a && punct(&t->v[i - 1], '.')) || (nx2 < b && punct(&t->v[nx2], '.'));
            int call = nx2 < b && punct(&t->v[nx2], '(');
            if (expect_col) {
                expect_col = 0;
            } else if (!dotted && !call && !keyword(k)) {
                eg_buf_append(x->out, target->p, target->n);
                eg_buf_puts(x->out, ".");
            }
        }
        if (i == returning && ignore) {
            eg_buf_puts(x->out, "ON CONFLICT DO NOTHING ");
            ignore = 0;
        }
        if (punct(k, '('))
            depth++;
        else if (punct(k, ')'))
            depth--;
        if (k->kind == T_PARAM) {
            if (emit_param(x, k) < 0)
                return EG_EINVAL;
            continue;
        }
        if (k->kind == T_QID && k->p[0] == '`') {
            eg_buf_puts(x->out, "\"");
            eg_buf_append(x->out, k->p + 1, k->n > 2 ? k->n - 2 : 0);
            eg_buf_puts(x->out, "\"");
            continue;
        }
        if (k->kind != T_WORD) {
            emit(x, k);
            continue;
        }
        if (k->n == 1 && (k->p[0] == 'X' || k->p[0] == 'x') && i + 1 < b &&
            t->v[i + 1].kind == T_STR) { /* X'0102' -> '\x0102'::bytea */
            const struct tok *h = &t->v[++i];
            eg_buf_puts(x->out, "'\\x");
            eg_buf_append(x->out, h->p + 1, h->n >= 2 ? h->n - 2 : 0);
            eg_buf_puts(x->out, "'::bytea");
            continue;
        }
        size_t nx = sig(t, i + 1, b);
        const struct tok *n1 = nx < b ? &t->v[nx] : NULL;
        if (is(k, "INTEGER")) {
            size_t n2 = n1 ? sig(t, nx + 1, b) : b;
            if (n1 && is(n1, "PRIMARY") && n2 < b && is(&t->v[n2], "KEY") && !without_rowid) {
                eg_buf_puts(x->out, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
                i = n2;
                size_t n3 = sig(t, n2 + 1, b);
                if (n3 < b && is(&t->v[n3], "AUTOINCREMENT"))
                    i = n3;
            } else {
                eg_buf_puts(x->out, "BIGINT");
            }
        } else if (is(k, "REAL")) {
            eg_buf_puts(x->out, "DOUBLE PRECISION");
        } else if (is(k, "BLOB")) {
            eg_buf_puts(x->out, "BYTEA");
        } else if (is(k, "AUTOINCREMENT")) {
            /* dropped: identity columns never reuse a value */
        } else if (is(k, "WITHOUT") && n1 && is(n1, "ROWID")) {
            i = nx;
        } else if (is(k, "STRICT") && depth == 0) {
            /* a table option: PostgreSQL's columns are always typed */
        } else if (is(k, "LIKE")) {
            eg_buf_puts(x->out, "ILIKE");
        } else if (n1 && punct(n1, '(') && is(k, "random")) {
            eg_buf_puts(x->out, "eg_random");
        } else if (n1 && punct(n1, '(') && is(k, "ifnull")) {
            eg_buf_puts(x->out, "coalesce");
        } else if (in_trigger && i == a && is(k, "SELECT")) {
            eg_buf_puts(x->out, "PERFORM");
        } else if (in_trigger && n1 && punct(n1, '(') && is(k, "RAISE")) {
            /* RAISE(ABORT, 'msg') -> eg_raise('msg'); RAISE(IGNORE) has no equivalent */
            size_t w = sig(t, nx + 1, b);
            size_t c = w < b ? sig(t, w + 1, b) : b;
            if (w >= b || is(&t->v[w], "IGNORE") || c >= b || !punct(&t->v[c], ','))
                return eg_err_set(x->err, EG_EINVAL, "dialect", -1,
                                  "a trigger's RAISE needs ABORT, FAIL or ROLLBACK and a message");
            eg_buf_puts(x->out, "eg_raise(");
            depth++;
            i = c;
        } else {
            emit(x, k);
        }
    }
    if (ignore) {
        while (x->out->len && isspace((unsigned char)x->out->data[x->out->len - 1]))
            x->out->len--;
        eg_buf_puts(x->out, " ON CONFLICT DO NOTHING");
    }
    return 1;
}

/* CREATE TRIGGER name {BEFORE|AFTER} event ON table [FOR EACH ROW] [WHEN expr] BEGIN body END
   -> CREATE OR REPLACE FUNCTION name_fn() ... plpgsql; CREATE TRIGGER ... EXECUTE FUNCTION. */
static int trigger(struct tr *x, size_t a, size_t b, size_t *consumed)
{
    const struct toks *t = x->t;
    size_t i = a;
    while (i < b && !is(&t->v[i], "TRIGGER"))
        i++;
    i = sig(t, i + 1, b);
    if (i < b && is(&t->v[i], "IF")) { /* IF NOT EXISTS */
        i = sig(t, i + 1, b);
        i = sig(t, i + 1, b);
        i = sig(t, i + 1, b);
    }
    if (i >= b || (t->v[i].kind != T_WORD && t->v[i].kind != T_QID))
        return eg_err_set(x->err, EG_EINVAL, "dialect", -1, "CREATE TRIGGER without a name");
    const struct tok *name = &t->v[i];
    size_t ev = sig(t, i + 1, b), on = ev;
    while (on < b && !is(&t->v[on], "ON"))
        on++;
    if (ev >= b || on >= b)
        return eg_err_set(x->err, EG_EINVAL, "dialect", -1, "CREATE TRIGGER without ON table");
    size_t tab = sig(t, on + 1, b);
    if (tab >= b)
        return eg_err_set(x->err, EG_EINVAL, "dialect", -1, "CREATE TRIGGER without ON table");
    int before = is(&t->v[ev], "BEFORE");
    int on_delete = 0;
    for (size_t k = ev; k < on; k++)
        if (is(&t->v[k], "DELETE"))
            on_delete = 1;
    size_t w = sig(t, tab + 1, b), when = b;
    if (w < b && is(&t->v[w], "FOR")) /* FOR EACH ROW */
        w = sig(t, sig(t, sig(t, w + 1, b) + 1, b) + 1, b);
    if (w < b && is(&t->v[w], "WHEN")) {
        when = w + 1;
        while (w < b && !is(&t->v[w], "BEGIN"))
            w++;
    }
    if (w >= b || !is(&t->v[w], "BEGIN"))
        return eg_err_set(x->err, EG_EINVAL, "dialect", -1, "CREATE TRIGGER without BEGIN");
    size_t body = w + 1, end = body;
    int cases = 0;
    for (; end < b; end++) {
        if (is(&t->v[end], "CASE"))
            cases++;
        else if (is(&t->v[end], "END") && cases-- == 0)
            break;
    }
    if (end >= b)
        return eg_err_set(x->err, EG_EINVAL, "dialect", -1, "CREATE TRIGGER without END");
    eg_buf_puts(x->out, "CREATE OR REPLACE FUNCTION ");
    eg_buf_append(x->out, name->p, name->n);
    eg_buf_puts(x->out, "_fn() RETURNS trigger LANGUAGE plpgsql AS $eg$ BEGIN ");
    int n = 0;
    if (when < b) {
        eg_buf_puts(x->out, "IF (");
        int r = statement(x, when, w, 0);
        if (r < 0)
            return r;
        eg_buf_puts(x->out, ") THEN ");
    }
    int r = rewrite(x, body, end, 1, &n);
    if (r < 0)
        return r;
    if (x->out->len && x->out->data[x->out->len - 1] != ';') {
        while (x->out->len && isspace((unsigned char)x->out->data[x->out->len - 1]))
            x->out->len--;
        if (x->out->len && x->out->data[x->out->len - 1] != ';')
            eg_buf_puts(x->out, ";");
    }
    if (when < b)
        eg_buf_puts(x->out, " END IF;");
    eg_buf_printf(x->out, " RETURN %s; END $eg$; CREATE TRIGGER ",
                  !before     ? "NULL"
                  : on_delete ? "OLD"
                              : "NEW");
    eg_buf_append(x->out, name->p, name->n);
    eg_buf_puts(x->out, " ");
    for (size_t k = ev; k < on; k++)
        emit(x, &t->v[k]);
    eg_buf_puts(x->out, "ON ");
    emit(x, &t->v[tab]);
    eg_buf_puts(x->out, " FOR EACH ROW EXECUTE FUNCTION ");
    eg_buf_append(x->out, name->p, name->n);
    eg_buf_puts(x->out, "_fn()");
    size_t after = sig(t, end + 1, b);
    if (after < b && punct(&t->v[after], ';')) {
        eg_buf_puts(x->out, ";");
        after++;
    }
    *consumed = after;
    return 0;
}

int eg__db_is_pg_url(const char *path)
{
    return path && (!strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11));
}

void eg_db_display_name(const char *path, char *out, size_t cap)
{
    if (!cap)
        return;
    snprintf(out, cap, "%s", path ? path : "");
    if (!eg__db_is_pg_url(out))
        return;
    /* scheme://user:secret@host -> scheme://user:***@host */
    char *auth = strstr(out, "://") + 3;
    char *at = strchr(auth, '@'), *slash = strchr(auth, '/');
    char *colon = strchr(auth, ':');
    struct eg_buf b = {0};
    if (at && (!slash || at < slash) && colon && colon < at) {
        eg_buf_append(&b, out, (size_t)(colon - out) + 1);
        eg_buf_puts(&b, "***");
        eg_buf_puts(&b, at);
    } else {
        eg_buf_puts(&b, out);
    }
    /* ?password=secret or &password=secret */
    char *pw = strstr(b.data, "password=");
    if (pw && pw > b.data && (pw[-1] == '?' || pw[-1] == '&'))
        snprintf(out, cap, "%.*spassword=***%s", (int)(pw - b.data), b.data, pw + strcspn(pw, "&"));
    else
        snprintf(out, cap, "%s", b.data);
    eg_buf_free(&b);
}

int eg__db_pg_translate(const char *sql, struct eg__db_pgsql *out, struct eg_err *err)
{
    memset(out, 0, sizeof *out);
    struct toks t = {0};
    tokenize(sql, &t);
    struct eg_buf b = {0};
    eg_buf_reserve(&b, strlen(sql) + 64);
    struct tr x = {.t = &t, .out = &b, .err = err};
    int nstmt = 0;
    int r = rewrite(&x, 0, t.n, 0, &nstmt);
    if (r < 0) {
        free(t.v);
        eg_buf_free(&b);
        return r;
    }
    /* one INSERT without RETURNING: its table, so pg.c can add RETURNING for the last id */
    size_t f = sig(&t, 0, t.n);
    if (nstmt == 1 && f < t.n && is(&t.v[f], "INSERT")) {
        int returning = 0;
        size_t k = f + 1;
        for (size_t j = f; j < t.n; j++)
            returning |= is(&t.v[j], "RETURNING");
        while (k < t.n && !is(&t.v[k], "INTO"))
            k++;
        k = sig(&t, k + 1, t.n);
        if (!returning && k < t.n && t.v[k].kind == T_WORD && t.v[k].n < sizeof out->insert_into)
            memcpy(out->insert_into, t.v[k].p, t.v[k].n);
    }
    free(t.v);
    eg_buf_puts(&b, "");
    out->text = b.data;
    out->nparams = x.nparams;
    return 0;
}

void eg__db_pgsql_free(struct eg__db_pgsql *q)
{
    free(q->text);
    q->text = NULL;
}
