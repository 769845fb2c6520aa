/*
 * plans: pilot demonstrations of the modern environmental governance system (现代环境治理体系
 * 试点示范: rounds, applications, scoring, the recommended list), action plans with their
 * numbered tasks and lead units (牵头单位), and suggestions handled to the end (issue 14).
 *
 * This header's first part is pure: the pilot catalogue (the annex of a round's notice: subject
 * kinds, their conditions, mandatory items and innovation directions, verbatim, loaded from a
 * data file such as data/pilot/catalogue_2021.tsv), the scoring of /work/shared/spec/pilot.md,
 * the ranking per kind and the cut to the quotas, the outputs in the seed's 附表 layout, and the
 * import of a plan's tasks from a data file (data/plans/minhang_2023_workplan.tsv). No database:
 * tests and the fuzzer link it directly.
 *
 * Scoring (seed 000, 附件1; spec/pilot.md "Scoring"):
 *   - conditions (申报条件) are a gate: every one must be met, else the applicant is ineligible
 *     and the failed ones are named;
 *   - mandatory items (必选项) are 40 points: 40 / n for each completed item of the kind's n;
 *   - innovation (创新项) is 60 points: three criteria (创新性, 成效, 可复制、可推广性) of 0–20
 *     each, scored by several experts, aggregated by the round's rule: the mean over all experts,
 *     or the trimmed mean — with at least 5 experts, the expert whose three scores sum highest
 *     and the one whose sum is lowest are dropped (first of equals), the criteria are the means
 *     over the others. Dropping whole experts (not each criterion's extremes) keeps the three
 *     criteria summing to the innovation points, as a score sheet shows them;
 *   - total = mandatory + innovation; ranking per kind among the eligible by total (to 0.01,
 *     the precision shown), then innovation points, then 创新性, then the order of submission;
 *     the recommended list is the first `quota` of each kind (and at least min_total points).
 */
#ifndef EG_PLANS_H
#define EG_PLANS_H

#include "base/base.h"
#include "db/db.h"
#include "flow/flow.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define EG_PILOT_MAX_KINDS 16
#define EG_PILOT_MAX_ITEMS 32   /* conditions, mandatory items or directions of one kind */
#define EG_PILOT_CRITERIA 3     /* innovation criteria, 20 points each */
#define EG_PILOT_MAX_EXPERTS 64 /* experts scoring one application */
#define EG_PILOT_MAX_TEXT 4096  /* bytes of one item's or one 创新点's text */
#define EG_PILOT_MANDATORY_POINTS 40.0
#define EG_PILOT_CRITERION_POINTS 20.0

/* ---- the catalogue ---------------------------------------------------------------------- */

struct eg_pilot_item {
    int no;         /* 1.. as numbered in the annex */
    char *short_zh; /* criteria: 创新性, 成效, 可复制、可推广性; others NULL */
    char *text;     /* verbatim */
};

struct eg_pilot_kind {
    char code[32];  /* park, enterprise, street, community, building (a new round may add) */
    char *label_zh; /* 园区, 企业, 街镇, 社区（村居）, 楼宇 */
    struct eg_pilot_item *conditions, *mandatory, *innovation;
    int nconditions, nmandatory, ninnovation;
};

struct eg_pilot_catalogue {
    struct eg_pilot_kind kinds[EG_PILOT_MAX_KINDS];
    int nkinds;
    struct eg_pilot_item criteria[EG_PILOT_CRITERIA];
};

/* Parses a catalogue: UTF-8 TSV with the header "kind section no short text"; one row per
   item, section one of name (no 0: the kind's Chinese label), condition, mandatory, innovation,
   criterion (kind "*", no 1–3); items of a section numbered 1, 2, … in order; lines starting
   with '#' and blank lines skipped. Every kind needs a name, at least one condition, one
   mandatory item and one innovation direction; the three criteria must be there. Errors
   (EG_EINVAL, err->offset the line) name the file, the line and the field: "catalogue_2021.tsv
   line 7, field no: expected 3 after 2 (items are numbered in order)". *out is malloc'd. */
int eg_pilot_catalogue_parse(const char *data, size_t len, const char *file,
                             struct eg_pilot_catalogue **out, struct eg_err *err);
/* The catalogue embedded as data/<path> (e.g. "pilot/catalogue_2021.tsv"). */
int eg_pilot_catalogue_load(const char *path, struct eg_pilot_catalogue **out, struct eg_err *err);
void eg_pilot_catalogue_free(struct eg_pilot_catalogue *c);
const struct eg_pilot_kind *eg_pilot_kind_find(const struct eg_pilot_catalogue *c,
                                               const char *code);

/* ---- scoring ------------------------------------------------------------------------------ */

enum eg_pilot_rule {
    EG_PILOT_MEAN = 0,    /* "mean" */
    EG_PILOT_TRIMMED = 1, /* "trimmed": drop the highest and lowest expert, needs >= 5 */
};
/* "mean"/"trimmed" <-> the enum; parse returns EG_EINVAL for anything else. */
int eg_pilot_rule_parse(const char *s, enum eg_pilot_rule *out);
const char *eg_pilot_rule_name(enum eg_pilot_rule r);
const char *eg_pilot_rule_zh(enum eg_pilot_rule r); /* 算术平均 / 去掉最高最低分后平均 */

/* One application as the scoring sees it (the caller owns every pointer). */
struct eg_pilot_app {
    const char *kind;                /* catalogue kind code */
    const char *unit;                /* 申报单位 */
    const char *innovation;          /* 创新点 as the applicant describes it */
    const unsigned char *conditions; /* [nconditions]: 1 met */
    int nconditions;
    const unsigned char *mandatory; /* [nmandatory]: 1 completed */
    int nmandatory;
    const double *scores; /* [nexperts][EG_PILOT_CRITERIA], 0..20 each */
    int nexperts;
};

struct eg_pilot_result {
    int eligible;                       /* every condition met */
    int failed[EG_PILOT_MAX_ITEMS];     /* numbers of the conditions not met */
    int nfailed;                        /*   */
    int mandatory_done;                 /* completed mandatory items */
    double mandatory_points;            /* 40 / n each */
    double criteria[EG_PILOT_CRITERIA]; /* aggregated expert scores */
    double innovation_points;           /* their sum */
    double total;                       /* mandatory + innovation */
    int experts, experts_used;          /* scored / counted after trimming */
    int rank;                           /* within the kind among the eligible, 1..; 0 ineligible */
    int recommended;                    /* within the kind's quota */
};

/* Mandatory points: 40 * done / n (n > 0). */
double eg_pilot_mandatory_points(int done, int n);

/* Aggregates nexperts × 3 scores by rule into criteria[3]; *used gets the experts counted.
   EG_EINVAL "scores" for a score outside 0–20 or not finite (naming expert and criterion),
   "experts" for no expert, more than EG_PILOT_MAX_EXPERTS, or a trimmed mean with fewer
   than 5. */
int eg_pilot_aggregate(const double *scores, int nexperts, enum eg_pilot_rule rule,
                       double criteria[EG_PILOT_CRITERIA], int *used, struct eg_err *err);

/* Scores one application against its kind: the gate, mandatory points and (for an eligible
   applicant) the innovation by rule. EG_EINVAL "kind" (not in the catalogue), "conditions" /
   "mandatory" (not as many answers as the kind has items), or an aggregation error. An
   ineligible applicant gets eligible 0, its failed conditions, and no innovation points (its
   experts' scores are not needed). rank/recommended are left 0 (eg_pilot_rank sets them). */
int eg_pilot_score(const struct eg_pilot_catalogue *cat, const struct eg_pilot_app *app,
                   enum eg_pilot_rule rule, struct eg_pilot_result *res, struct eg_err *err);

struct eg_pilot_quota {
    const char *kind;
    int quota;
};

/* Ranks the scored applications per kind and marks the first quota of each kind recommended
   (kinds without a quota: none recommended); min_total > 0 also leaves out totals below it. */
void eg_pilot_rank(const struct eg_pilot_app *apps, struct eg_pilot_result *res, int n,
                   const struct eg_pilot_quota *quotas, int nquotas, double min_total);

/* Score text as shown: two decimals, trailing zeros dropped ("37.5", "40", "13.33"). */
void eg_pilot_fmt(double v, char *out, size_t outsz);

/* ---- outputs ------------------------------------------------------------------------------ */

/* The recommended list in the seed's 附表 layout: the title, then per kind in catalogue order
   "园区（1）" and a table 序号 · 申报单位 · 创新点 of its recommended applicants by rank. CSV is
   UTF-8 with a BOM, formula-neutralised; XLSX one sheet 建议名单. */
int eg_pilot_list_csv(const struct eg_pilot_catalogue *cat, const char *title,
                      const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                      struct eg_buf *out, struct eg_err *err);
int eg_pilot_list_xlsx(const struct eg_pilot_catalogue *cat, const char *title,
                       const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                       struct eg_buf *out, struct eg_err *err);
/* The score sheet: one row per applicant (kind order, then rank, ineligible last): 类别, 申报
   单位, 资格审查 (通过, or 不通过：未满足条件2、3), 必选项完成, 必选项得分, the three criteria,
   创新项得分, 总分, 类内排名, 是否推荐, 评分专家数, 计入专家数, 汇总规则, and each expert's
   scores (专家1: 18/17/16 …). */
int eg_pilot_sheet_csv(const struct eg_pilot_catalogue *cat, enum eg_pilot_rule rule,
                       const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                       struct eg_buf *out, struct eg_err *err);
int eg_pilot_sheet_xlsx(const struct eg_pilot_catalogue *cat, enum eg_pilot_rule rule,
                        const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                        struct eg_buf *out, struct eg_err *err);

/* ---- a round's applications as a file ------------------------------------------------------ */

/* Applications with their answers and expert scores, as the demo and the seed fixture keep
   them (data/pilot/round2_pudong.tsv): UTF-8 TSV, header "kind unit conditions mandatory
   directions scores innovation"; conditions and mandatory a string of 1/0 per item, directions
   numbers separated by commas, scores experts separated by ';' and each expert's three criteria
   by ','. Checked against the catalogue; errors name file, line and field. */
struct eg_pilot_round_row {
    char *unit, *innovation;
    unsigned char conditions[EG_PILOT_MAX_ITEMS], mandatory[EG_PILOT_MAX_ITEMS];
    int directions[EG_PILOT_MAX_ITEMS], ndirections;
    double *scores; /* [nexperts][3] */
};
struct eg_pilot_round_file {
    struct eg_pilot_app *apps; /* pointing into rows */
    struct eg_pilot_round_row *rows;
    int napps;
};
int eg_pilot_round_parse(const struct eg_pilot_catalogue *cat, const char *data, size_t len,
                         const char *file, struct eg_pilot_round_file **out, struct eg_err *err);
void eg_pilot_round_free(struct eg_pilot_round_file *r);

/* ---- action plans ------------------------------------------------------------------------- */

#define EG_PLAN_MAX_TASKS 1000
#define EG_PLAN_MAX_UNITS 32 /* lead units of one task */

struct eg_plan_task {
    int no;        /* 1.. */
    char *no_zh;   /* （一） as written */
    char *chapter; /* 三、全面推进绿色高质量发展 */
    char *title;   /* the first sentence */
    char *text;    /* the rest */
    char **lead;   /* 牵头单位 as written, in order */
    int nlead;
};

struct eg_plan_file {
    struct eg_plan_task *tasks;
    int ntasks;
};

/* A plan's tasks: UTF-8 TSV, header "no no_zh chapter title text lead_units", lead units
   separated by 、 (empty when the plan names none); numbered 1, 2, … Errors name file, line and
   field. */
int eg_plan_file_parse(const char *data, size_t len, const char *file, struct eg_plan_file **out,
                       struct eg_err *err);
void eg_plan_file_free(struct eg_plan_file *p);

/* ---- on the workflow engine (database) ------------------------------------------------------
 *
 * Three record kinds of flow/ (flow.h), each with its own table (migration 600_plans.sql):
 *
 * pilot_application (试点示范申报): draft → submitted → evaluated → recommended → approved →
 *   reported → selected; beside: return (submitted → draft, with a reason), not_recommended and
 *   not_selected (terminal, with a reason), withdraw (draft → withdrawn). The applicant (an
 *   enterprise user for its unit, a street user for units of its street) raises and edits its
 *   own in draft and submits before the round's deadline; the bureau evaluates, approves (局长
 *   办公会), reports to the city and records the city's choice. Experts are accounts assigned
 *   to a round: they see only that round's submitted applications, through eg_pilot_expert_list,
 *   and score them; every score is audited ("pilot.score").
 * plan_task (行动计划任务): assigned → in_progress → completed → closed (销号), reopen with a
 *   reason; progress reports (period, percent, status, text) at any time; flags: overdue (the
 *   engine's deadline), at_risk (the last report says at_risk/delayed, no report within
 *   report_every_days, or the percent is 25 points or more behind the time elapsed).
 * suggestion (建议事项, seed 001): formed → sent → accepted → assigned → handled → implemented →
 *   fed_back; only feed_back (which needs the feedback) closes one.
 */
extern const struct eg_flow_kind eg_pilot_application_kind;
extern const struct eg_flow_kind eg_plan_task_kind;
extern const struct eg_flow_kind eg_suggestion_kind;

/* A round. in: {"name", "deadline" (Beijing "YYYY-MM-DD[ HH:MM]"), "rule": "mean"|"trimmed",
   "catalogue"? (default "pilot/catalogue_2021.tsv"), "min_total"?, "quotas": {"park": 1, …}
   (kinds of the catalogue)}. Staff only. *out: the round as eg_pilot_round_get returns it. */
int eg_pilot_round_create(struct eg_db *db, const struct eg_principal *who, json_t *in,
                          json_t **out, struct eg_err *err);
/* {"id","name","deadline" (Beijing),"rule","rule_zh","catalogue","min_total","quotas":{…},
   "kinds":[{"code","label_zh","conditions":[…],"mandatory":[…],"innovation":[…]}],
   "criteria":[…]} for any authenticated principal (applicants need the catalogue). */
int eg_pilot_round_get(struct eg_db *db, const struct eg_principal *who, int64_t id, json_t **out,
                       struct eg_err *err);
int eg_pilot_round_list(struct eg_db *db, const struct eg_principal *who, json_t **out,
                        struct eg_err *err);
/* Assigns an expert (an existing account, by user id and name) to a round. Staff only. */
int eg_pilot_expert_add(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                        int64_t user_id, const char *username, struct eg_err *err);

/* An application. in: {"round_id", "unit_id" (a registry unit whose kind is the pilot kind),
   "conditions": "1101" (one 1/0 per condition), "mandatory": "1111", "directions": "1,2",
   "innovation" (创新点), "evidence"? (text)}; answers may be left empty in draft. */
int eg_pilot_app_create(struct eg_db *db, const struct eg_principal *who, json_t *in, json_t **out,
                        struct eg_err *err);
/* Changes the answers of a draft (the applicant or staff; EG_EINVAL "state" past draft). */
int eg_pilot_app_update(struct eg_db *db, const struct eg_principal *who, int64_t id, json_t *in,
                        json_t **out, struct eg_err *err);
/* The record (eg_flow_get) with "round_id", "kind", the answers, and — once evaluated — the
   results; staff also get "scores" (each expert's). */
int eg_pilot_app_get(struct eg_db *db, const struct eg_principal *who, int64_t id, json_t **out,
                     struct eg_err *err);
int eg_pilot_app_list(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                      const char *state, json_t **out, struct eg_err *err);
int eg_pilot_app_act(struct eg_db *db, const struct eg_principal *who, int64_t id,
                     const char *action, json_t *input, json_t **out, struct eg_err *err);
/* What an expert sees: the round's submitted applications (kind, unit, directions, 创新点) and
   the expert's own scores. EG_ENOTFOUND unless who is an expert of the round. */
int eg_pilot_expert_list(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                         json_t **out, struct eg_err *err);
/* An expert's three scores (0–20) for a submitted application of a round it is expert of;
   replaces the expert's earlier scores; audited with before and after. */
int eg_pilot_score_put(struct eg_db *db, const struct eg_principal *who, int64_t id,
                       const double scores[EG_PILOT_CRITERIA], struct eg_err *err);
/* Evaluates a round (staff): every submitted application scored (gate, mandatory points, the
   experts' scores by the round's rule), ranked per kind, cut to the quotas; each moves
   submitted → evaluated → recommended or not_recommended (with the reason: the failed
   conditions, or the rank beyond the quota), results stored. An eligible application without
   enough expert scores stops the evaluation (EG_EINVAL "experts", naming it). *out: {"evaluated",
   "recommended":{kind:n}, "ineligible"}. */
int eg_pilot_round_evaluate(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                            json_t **out, struct eg_err *err);
/* The round's recommended list (附表 layout: what = "list", applications recommended or
   further) or the score sheet (what = "sheet", every evaluated application) as CSV or XLSX
   (xlsx 0/1). Staff only. */
int eg_pilot_round_export(struct eg_db *db, const struct eg_principal *who, int64_t round_id,
                          const char *what, int xlsx, struct eg_buf *out, struct eg_err *err);

/* A plan and its tasks from a plan file: one plan_task record per task (title "（一）…", the
   lead units as written), due at `due` (UTC seconds, 0 = none). Staff only; *plan_id. */
int eg_plan_import(struct eg_db *db, const struct eg_principal *who, const char *name,
                   const char *source, const struct eg_plan_file *pf, int64_t due, int64_t *plan_id,
                   struct eg_err *err);
/* Loads the embedded seed 003 plan (data/plans/minhang_2023_workplan.tsv) once: for the demo. */
int eg_plan_load_demo(struct eg_db *db, struct eg_err *err);
int eg_plan_list(struct eg_db *db, const struct eg_principal *who, json_t **out,
                 struct eg_err *err);
/* A plan's tasks in scope with their flags ("overdue", "at_risk", "at_risk_reason", the last
   report) as of now; *out {"plan":{…},"tasks":[…],"summary":{…}}. */
int eg_plan_status(struct eg_db *db, const struct eg_principal *who, int64_t plan_id, int64_t now,
                   json_t **out, struct eg_err *err);
/* The same for a meeting: CSV or XLSX (Chinese headers, Beijing time). */
int eg_plan_status_export(struct eg_db *db, const struct eg_principal *who, int64_t plan_id,
                          int64_t now, int xlsx, struct eg_buf *out, struct eg_err *err);
/* A progress report on a task: in {"period","percent","status":"on_track|at_risk|delayed",
   "text"}; whoever may read the task and is staff or its addressed unit/street. Audited. */
int eg_plan_progress_add(struct eg_db *db, const struct eg_principal *who, int64_t task_id,
                         json_t *in, struct eg_err *err);
/* A task's flags from its state, deadline and reports (pure): sets *at_risk and reason. */
int eg_plan_task_at_risk(int64_t now, int64_t created, int64_t due, int last_percent,
                         const char *last_status, int64_t last_at, int report_every_days,
                         const char **reason);

#endif
