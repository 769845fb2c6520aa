/*
 * sink.c: where the writer puts the values of a data packet, inside its group-commit
 * transaction. The table ingest_samples (migration 201) is keyed by (MN, CN, pollutant, field,
 * DataTime), so a packet the device resends after a lost acknowledgement is stored once.
 */
#include "ingest/internal.h"

#include <stdlib.h>
#include <string.h>

struct eg__sink {
    struct eg_store *st;
};

int eg__sink_open(struct eg__sink **out, struct eg_store *st, struct eg_err *err)
{
    (void)err;
    struct eg__sink *s = eg_calloc(1, sizeof *s);
    s->st = st;
    *out = s;
    return 0;
}

int eg__sink_write(struct eg__sink *s, const struct eg__ing_job *j, struct eg_err *err)
{
    struct eg_stmt *q;
    int rc = eg_store_prepare(s->st,
                              "INSERT OR IGNORE INTO ingest_samples (mn, cn, code, field, t, v, flag) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?)",
                              &q, err);
    if (rc < 0)
        return rc;
    for (int i = 0; i < j->nvalues; i++) {
        const struct eg__ing_value *v = &j->values[i];
        eg_stmt_bind_text(q, 1, j->mn, strlen(j->mn));
        eg_stmt_bind_int(q, 2, j->cn);
        eg_stmt_bind_text(q, 3, v->code, strlen(v->code));
        eg_stmt_bind_text(q, 4, v->field, strlen(v->field));
        eg_stmt_bind_int(q, 5, j->data_time);
        eg_stmt_bind_double(q, 6, v->v);
        eg_stmt_bind_text(q, 7, &v->flag, 1);
        rc = eg_stmt_step(q, err);
        eg_stmt_done(q);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void eg__sink_close(struct eg__sink *s) { free(s); }
