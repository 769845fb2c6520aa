/*
 * plan_file.c: an action plan's numbered tasks as a data file made from the plan's text
 * (data/plans/minhang_2023_workplan.tsv from seed 003: forty tasks （一）…（四十）, each with
 * the lead units (牵头单位) the plan names, as written; the five 保障措施 name none).
 */
#include "plans/internal.h"

#include <stdlib.h>
#include <string.h>

#define HEADER "no\tno_zh\tchapter\ttitle\ttext\tlead_units"
#define SEP "\xE3\x80\x81" /* 、 */

void eg_plan_file_free(struct eg_plan_file *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ntasks; i++) {
        struct eg_plan_task *k = &p->tasks[i];
        free(k->no_zh);
        free(k->chapter);
        free(k->title);
        free(k->text);
        for (int j = 0; j < k->nlead; j++)
            free(k->lead[j]);
        free(k->lead);
    }
    free(p->tasks);
    free(p);
}

static int leads(const struct eg__plans_tsv *t, struct eg_plan_task *k, struct eg_err *err)
{
    const char *s = t->f[5], *e = s + t->n[5];
    while (s < e) {
        const char *c = memmem(s, (size_t)(e - s), SEP, 3);
        const char *fe = c ? c : e;
        if (fe == s || fe - s > 200)
            return eg__plans_tsv_fail(t, err, "lead_units",
                                      "unit %d: a name of 1 to 200 bytes between 、 is needed",
                                      k->nlead + 1);
        if (k->nlead == EG_PLAN_MAX_UNITS)
            return eg__plans_tsv_fail(t, err, "lead_units", "more than %d lead units",
                                      EG_PLAN_MAX_UNITS);
        k->lead = eg_realloc(k->lead, (size_t)(k->nlead + 1) * sizeof *k->lead);
        k->lead[k->nlead++] = eg_strndup(s, (size_t)(fe - s));
        s = c ? c + 3 : e;
        if (c && s == e)
            return eg__plans_tsv_fail(t, err, "lead_units", "ends with 、");
    }
    return 0;
}

int eg_plan_file_parse(const char *data, size_t len, const char *file, struct eg_plan_file **out,
                       struct eg_err *err)
{
    *out = NULL;
    struct eg__plans_tsv t;
    int rc = eg__plans_tsv_open(&t, data, len, file, HEADER, err);
    if (rc < 0)
        return rc;
    struct eg_plan_file *p = eg_calloc(1, sizeof *p);
    int cap = 0;
    while ((rc = eg__plans_tsv_next(&t, 6, err)) == 1) {
        int no;
        if ((rc = eg__plans_tsv_int(&t, 0, "no", 1, EG_PLAN_MAX_TASKS, &no, err)) < 0)
            break;
        if (no != p->ntasks + 1) {
            rc = eg__plans_tsv_fail(&t, err, "no",
                                    "expected %d after %d (tasks are numbered in "
                                    "order from 1)",
                                    p->ntasks + 1, p->ntasks);
            break;
        }
        if (!t.n[3] || t.n[3] > 1000) {
            rc = eg__plans_tsv_fail(&t, err, "title", "the task's title (1 to 1000 bytes)");
            break;
        }
        if (t.n[1] > 64 || t.n[2] > 1000 || t.n[4] > 16384) {
            rc = eg__plans_tsv_fail(&t, err,
                                    t.n[1] > 64     ? "no_zh"
                                    : t.n[2] > 1000 ? "chapter"
                                                    : "text",
                                    "too long");
            break;
        }
        if (p->ntasks == cap) {
            cap = cap ? cap * 2 : 64;
            p->tasks = eg_realloc(p->tasks, (size_t)cap * sizeof *p->tasks);
        }
        struct eg_plan_task *k = &p->tasks[p->ntasks++];
        memset(k, 0, sizeof *k);
        k->no = no;
        k->no_zh = eg__plans_tsv_dup(&t, 1);
        k->chapter = eg__plans_tsv_dup(&t, 2);
        k->title = eg__plans_tsv_dup(&t, 3);
        k->text = eg__plans_tsv_dup(&t, 4);
        if ((rc = leads(&t, k, err)) < 0)
            break;
    }
    if (rc == 0 && !p->ntasks)
        rc = eg_err_set(err, EG_EINVAL, "no", t.line, "%s: the plan has no task", file);
    if (rc < 0) {
        eg_plan_file_free(p);
        return rc;
    }
    *out = p;
    return 0;
}
