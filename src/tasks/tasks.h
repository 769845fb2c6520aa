/*
 * tasks: the supervision-monitoring-enforcement task loop (三监联动, seeds 001 and 003 (三十三),
 * governance.md §6), a record kind on the workflow engine (flow/flow.h).
 *
 * States: raised 已发起 → received 已接收 → in_progress 办理中 → executed 已执行 → fed_back 已反馈
 * → closed 已办结; a receiver may reject (退回发起方, with a reason) a task it is not the right
 * party for; the issuer may return a fed-back task for rework (返工, with a reason) to
 * in_progress; closing needs the feedback (finding, measure taken, result) and, where the kind
 * of task asks, evidence attached. Overdue tasks are flagged by a periodic job.
 *
 * Other modules raise tasks through eg_task_raise: the rules engine for an alert of a set
 * severity, complaints for their street, a steward's finding for its unit, the governance
 * engines for an inspection or a case.
 */
#ifndef EG_TASKS_H
#define EG_TASKS_H

#include "flow/flow.h"

#include <stdint.h>

/* The kind as the engine and the HTTP layer see it (flow kind "task"). */
extern const struct eg_flow_kind eg_task_kind;

/* What a task comes from (tasks.origin). */
#define EG_TASK_ORIGINS "alert|complaint|inspection|steward|case|person"
/* The kinds of task (tasks.task_type): supervision 监督, monitoring 监测, enforcement 执法,
   complaint handling 投诉处理, rectification 整改. */
#define EG_TASK_TYPES "supervision|monitoring|enforcement|complaint|rectification"

struct eg_task_new {
    const char *task_type;   /* one of EG_TASK_TYPES */
    const char *title;       /* required, ≤ 200 bytes */
    const char *description; /* or NULL */
    const char *origin;      /* one of EG_TASK_ORIGINS */
    int64_t origin_id;       /* the alert, complaint, inspection… id; 0 for "person" */
    /* the subject: a unit (and optionally one of its outlets), a station, or a place */
    int64_t unit_id, outlet_id, station_id;
    const char *place; /* address or "lon,lat" text when the subject is a place; or NULL */
    int64_t region_id; /* the street or grid; 0: the subject unit's or station's region */
    /* the receiving party: a street (region) or a unit; 0/0: the bureau itself */
    int64_t to_region_id, to_unit_id;
    int64_t due_at; /* UTC seconds; 0: the kind's default */
};

/* Raises a task as who (the system principal for automatic tasks), inside the caller's
   transaction when one is open. *task_id gets its record id. Same errors as eg_flow_create. */
int eg_task_raise(struct eg_db *db, const struct eg_principal *who, const struct eg_task_new *t,
                  int64_t *task_id, struct eg_err *err);

/* ---- added with the implementation (nothing above changed) ---- */

/* Tasks per subject unit raised in [from, to) (UTC seconds), for the credit inputs
   (govern): what = EG_TASKS_ENFORCEMENT (task_type enforcement), EG_TASKS_OVERDUE (flagged
   overdue) or EG_TASKS_FROM_COMPLAINT (origin complaint). fn(arg, unit_id, count) < 0 stops with
   that code. A task's record is its flow record (flow owns the common columns; the task kind's
   own table is this module's): one query over both, here, so no other module reads them. */
enum eg_tasks_count { EG_TASKS_ENFORCEMENT, EG_TASKS_OVERDUE, EG_TASKS_FROM_COMPLAINT };
int eg_tasks_count_by_unit(struct eg_db *db, enum eg_tasks_count what, int64_t from, int64_t to,
                           int (*fn)(void *arg, int64_t unit_id, int64_t count), void *arg,
                           struct eg_err *err);

/* A task's deadline when none is given: 7 days from when it is raised. */
#define EG_TASK_DEFAULT_DUE_S (7 * 86400)

/* The periodic job "tasks.overdue" on jobs (`serve`): on its own connection to db_path, flags
   the tasks whose deadline passed (eg_flow_mark_overdue), first a second after the start, then
   every interval_ms; counts them in envgov_tasks_overdue_marked_total. */
struct eg_jobs;
struct eg_tasks_overdue;
int eg_tasks_overdue_start(struct eg_jobs *jobs, const char *db_path, int64_t interval_ms,
                           struct eg_tasks_overdue **out, struct eg_err *err);
void eg_tasks_overdue_stop(struct eg_tasks_overdue *o); /* NULL is fine */

#endif
