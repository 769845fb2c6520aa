/*
 * govern: the governance engines of seed 004 (六)–(十) and governance.md — credit rating and
 * repair, random inspections (双随机、一公开), the enforcement positive list, the minor-violation
 * exemption list, cases and penalty discretion, permit-driven supervision (一证式). Each engine
 * is driven by a rule set kept as data (governance.md: the rules differ between jurisdictions
 * and change every few years); every result records the rule set and version that produced it.
 *
 * This header has one section per engine. Issue 13 is built by three people at once: keep to
 * your section when adding declarations (the sections are far apart so that merges stay easy).
 */
#ifndef EG_GOVERN_H
#define EG_GOVERN_H

#include "auth/auth.h"
#include "base/base.h"
#include "db/db.h"
#include "flow/flow.h"
#include "registry/registry.h"
#include "tasks/tasks.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* ==== rule sets as data (ruleset.c) =========================================================
 *
 * A rule set is a UTF-8 text file, one per mechanism, jurisdiction and period:
 *
 *     # 上海市 2020 年度企业环境信用评价 (source: …)     <- comments start with #
 *     kind = credit_scheme
 *     id = sh-credit-2020
 *     version = 1
 *     jurisdiction = 上海市
 *     valid_from = 2021-01-01
 *     valid_to = 2025-12-31                  <- optional
 *     source = 沪环规〔2020〕… ; URL         <- where the rules come from
 *
 *     [indicator exceedance]                 <- a section: a type and a name
 *     label = 超标排放
 *     weight = 10
 *     tier = 0 .. 0.01 -> 100               <- a key may repeat: its values keep their order
 *     tier = 0.01 .. 0.05 -> 60
 *
 * Keys before the first section are the header (kind, id, version, jurisdiction, valid_from
 * are required). The loader checks only the form; each engine checks the meaning with the
 * eg_rs_* readers below, whose errors name the file, the line and the field:
 *     "sh-credit-2020.rs:14: tier: '0.01 .. x' is not a number range".
 * Shipped defaults live in data/govern/ (embedded); a bureau loads its own versions with
 * `envgov ruleset load FILE`, kept in the database (govern_rulesets) with their SHA-256; the
 * rule set in force for a date is the newest version whose validity covers it.
 */

struct eg_rs_entry {
    const char *key, *value; /* value trimmed; never NULL */
    int line;
};
struct eg_rs_section {
    const char *type, *name; /* "[indicator exceedance]": type "indicator", name "exceedance" */
    int line;
    struct eg_rs_entry *entries;
    int nentries;
};
struct eg_ruleset {
    const char *file; /* the name errors show */
    const char *kind, *id, *jurisdiction, *valid_from, *valid_to, *source;
    int64_t version;
    char sha256[65]; /* of the text as loaded */
    struct eg_rs_entry *header;
    int nheader;
    struct eg_rs_section *sections;
    int nsections;
};

/* Parses text (len bytes, UTF-8; a BOM is skipped) into *out. EG_EINVAL with err.message
   "file:line: field: what is wrong" on the first fault of form (no '=' in a line, a section
   header without a type, a missing or repeated header key, bad UTF-8, a version that is not a
   positive integer, dates not YYYY-MM-DD); at most EG_RS_MAX_BYTES. */
#define EG_RS_MAX_BYTES (1u << 20)
int eg_ruleset_parse(const char *file, const char *text, size_t len, struct eg_ruleset **out,
                     struct eg_err *err);
void eg_ruleset_free(struct eg_ruleset *rs);

/* Readers with errors naming file:line: field. A missing required key names the section's line.
   s == NULL reads the header. eg_rs_text/eg_rs_number leave *out alone when an optional key is
   absent (eg_rs_text sets NULL). */
const struct eg_rs_entry *eg_rs_find(const struct eg_rs_section *s, const char *key);
int eg_rs_text(const struct eg_ruleset *rs, const struct eg_rs_section *s, const char *key,
               int required, const char **out, struct eg_err *err);
int eg_rs_number(const struct eg_ruleset *rs, const struct eg_rs_section *s, const char *key,
                 int required, double min, double max, double *out, struct eg_err *err);
/* An error about one entry: "file:line: key: message". Returns EG_EINVAL. */
int eg_rs_fail(const struct eg_ruleset *rs, const struct eg_rs_entry *e, struct eg_err *err,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Stores a parsed rule set (refuses a second text under the same id and version: EG_ECONFLICT)
   and audits it; staff only. */
int eg_ruleset_store(struct eg_db *db, const struct eg_principal *who, const char *text, size_t len,
                     const char *file, int64_t *ruleset_row, struct eg_err *err);
/* The rule set of kind in force on a Beijing date ("YYYY-MM-DD") for a jurisdiction (NULL: any):
   the stored ones and the shipped defaults, newest version first. *out is the caller's. */
int eg_ruleset_in_force(struct eg_db *db, const char *kind, const char *jurisdiction,
                        const char *date, struct eg_ruleset **out, struct eg_err *err);

/* ==== credit rating and repair, positive list, exemption (credit.c, poslist.c, exempt.c) ==== */

/* A credit scheme (rule set kind "credit_scheme"), compiled once from its rule set:
 *
 *     aggregation = weighted_sum | min_of_indicators     (header)
 *     [grade green]      label = 环保诚信企业, colour = green, min_score = 96   (best grade first;
 *                        the last grade's min_score must be 0)
 *     [indicator x]      label, aspect?, weight (weighted_sum), input = <input name>,
 *                        tier = LO .. HI -> SCORE (repeats; the first tier with LO <= v <= HI),
 *                        missing = SCORE (the score when the unit has no value for the input)
 *     [veto x]           label, input: a value > 0 forces the last grade (一票否决)
 *     [repair]           min_months_general = 3, min_months_listed = 12, expiry_months = 36
 * weighted_sum: score = Σ weight·score / Σ weight, the grade of that score; min_of_indicators:
 * score = the lowest indicator score, the grade of that score (Shanghai, 2020 year). */
enum eg_credit_agg { EG_CREDIT_WEIGHTED_SUM, EG_CREDIT_MIN_OF_INDICATORS };
struct eg_credit_tier {
    double lo, hi, score;
};
struct eg_credit_indicator {
    const char *name, *label, *aspect;
    int input; /* index into the scheme's inputs */
    double weight, missing;
    struct eg_credit_tier *tiers;
    int ntiers;
};
struct eg_credit_grade {
    const char *name, *label, *colour;
    double min_score;
};
struct eg_credit_veto {
    const char *name, *label;
    int input;
};
struct eg_credit_scheme {
    struct eg_ruleset *rs; /* owned */
    enum eg_credit_agg agg;
    struct eg_credit_grade *grades; /* best first */
    int ngrades;
    struct eg_credit_indicator *indicators;
    int nindicators;
    struct eg_credit_veto *vetoes;
    int nvetoes;
    const char **inputs; /* distinct input names */
    int ninputs;
    int min_months_general, min_months_listed, expiry_months;
};
/* Checks the meaning of a credit_scheme rule set (errors file:line: field) and compiles it; takes
   rs (freed on failure too). */
int eg_credit_scheme_compile(struct eg_ruleset *rs, struct eg_credit_scheme **out,
                             struct eg_err *err);
void eg_credit_scheme_free(struct eg_credit_scheme *s);
/* The scheme in force for a rating year (on YEAR-12-31) in a jurisdiction (NULL: any). */
int eg_credit_scheme_for_year(struct eg_db *db, int year, const char *jurisdiction,
                              struct eg_credit_scheme **out, struct eg_err *err);

/* One unit's rating from its inputs (ninputs values, NAN = no value). ind_score and ind_tier
   (nindicators each; tier -1 = the missing score was used) may be NULL. Returns the grade index;
   *score the aggregate, *veto the veto index or -1. Pure and allocation-free (the run's loop). */
int eg_credit_rate(const struct eg_credit_scheme *s, const double *inputs, double *score, int *veto,
                   double *ind_score, int *ind_tier);
/* The explanation of one rating: {"score","grade","grade_zh","colour","vetoed_by"?,
   "indicators":[{"name","label_zh","aspect","weight","input","value"|null,"source","tier",
   "score","why"}]} — every indicator's score with the tier (or the missing rule) that gave it. */
json_t *eg_credit_explain(const struct eg_credit_scheme *s, const double *inputs,
                          const char *const *sources);

/* Inputs from the platform's own records: a provider puts a value per unit for a year. Engines
   register theirs at start-up ("penalties" by cases, "exceedance_rate" by the alerts); an input
   nobody provides and no officer entered is missing (the indicator's missing score). Built in:
   "tasks_enforcement", "tasks_overdue", "complaints" (tasks with origin complaint), and
   "penalties", "incidents", "serious_violations" (events recorded by eg_poslist_on_penalty). */
typedef void (*eg_credit_put_fn)(void *ctx, int64_t unit_id, double value);
typedef int (*eg_credit_input_fn)(struct eg_db *db, int year, const char *input,
                                  eg_credit_put_fn put, void *ctx, struct eg_err *err);
int eg_credit_input_register(const char *input, eg_credit_input_fn fn);
/* An officer's entry of an input for a unit and year (replaces an earlier one; audited); staff. */
int eg_credit_input_set(struct eg_db *db, const struct eg_principal *who, int64_t unit_id, int year,
                        const char *input, double value, const char *note, struct eg_err *err);

/* A rating run for a year over every enterprise unit (units.kind = 'enterprise'): stored with
   the rule set id, version and SHA-256, one rating per unit with its explanation; staff. */
int eg_credit_run(struct eg_db *db, const struct eg_principal *who, int year,
                  const char *jurisdiction, int64_t *run_id, json_t **summary, struct eg_err *err);
/* Publishes the ratings of one grade of a run (published_at = now); staff. *count: how many. */
int eg_credit_publish(struct eg_db *db, const struct eg_principal *who, int64_t run_id,
                      const char *grade, int *count, struct eg_err *err);
/* A unit's rating of a year's latest run with its explanation: staff; the enterprise its own;
   a street its region's; anonymous only a published grade (no explanation). */
int eg_credit_rating_get(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                         int year, json_t **out, struct eg_err *err);
/* Published grades of a year (the public list): [{"unit_id","unit","grade","grade_zh","colour",
   "published_at"}], optionally of one grade. */
int eg_credit_published(struct eg_db *db, int year, const char *grade, json_t **rows,
                        struct eg_err *err);
/* The grade in effect for a unit on a Beijing date: the latest rating published on or before it
   and not expired (expiry_months), with an approved repair's grade from its approval. grade gets
   the grade name; EG_ENOTFOUND when the unit has none (unrated). For the draws. */
int eg_credit_grade_of(struct eg_db *db, int64_t unit_id, const char *date, char grade[32],
                       struct eg_err *err);

/* Credit repair (信用修复) as a flow kind "credit_repair": applied → under_review → approved |
   rejected (or withdrawn by the applicant). Raised by the enterprise (own unit) or staff with
   {"unit_id","rating_id","listed_field"?,"obligations_performed","corrected","grade_requested"?};
   refused unless the rating is published, the shortest publication period has passed
   (min_months_general or, for listed fields, min_months_listed), it has not expired, and both
   conditions are declared met. Approval sets the rating's repaired grade (the requested one, or
   the next better grade). */
extern const struct eg_flow_kind eg_credit_repair_kind;

/* The enforcement positive list (正面清单, rule set kind "poslist_conditions"):
 *     validity_months = 36                            (header)
 *     [condition credit]     grades = very_good good …   the credit grade in effect is one of them
 *     [condition no_penalty] events = penalty incident …, lookback_months = 24
 *     [condition permit]     a valid permit (or registration) on the date
 *     [trigger NAME]         label: the reasons an on-site inspection of a listed unit may have
 *     [removal NAME]         label: the events that remove a unit
 * Conditions not named in the rule set are not checked. */
/* Checks inclusion of a unit on a Beijing date: *reasons gets [{"condition","label_zh","met",
   "detail"}] for every condition, *eligible 1 when all are met. */
int eg_poslist_check(struct eg_db *db, int64_t unit_id, const char *date, int *eligible,
                     json_t **reasons, struct eg_err *err);
/* Includes a unit from date (valid validity_months) when it is eligible; otherwise EG_EINVAL
   (code "conditions_not_met") with *reasons saying which failed. Staff; audited. A unit already
   listed on the date is EG_ECONFLICT. */
int eg_poslist_include(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                       const char *date, int64_t *entry_id, json_t **reasons, struct eg_err *err);
/* 1 in *listed when the unit has an active entry covering the date (NULL: today). */
int eg_poslist_listed(struct eg_db *db, int64_t unit_id, const char *date, int *listed,
                      int64_t *entry_id, struct eg_err *err);
/* Records a penalty, incident or serious violation (kind "penalty" | "incident" |
   "serious_violation") of a unit on a date, and removes its active entry if the rule set lists
   the kind as a removal; *removed 1 when it did. For "cases" (a decided penalty) and officers. */
int eg_poslist_on_penalty(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                          const char *kind, const char *date, const char *ref, int *removed,
                          struct eg_err *err);
/* Whether an on-site inspection of the unit on date (NULL: today) may go ahead: always for an
   unlisted unit; for a listed unit only with a trigger of the rule set (complaint_verification,
   sudden_event, abnormal_online_data — an alert is abnormal online data) and a reference to it
   (the complaint, event or alert); otherwise EG_EINVAL (code "trigger_required") naming the
   triggers. For "draws" and "cases". */
int eg_poslist_check_inspection(struct eg_db *db, int64_t unit_id, const char *date,
                                const char *trigger, const char *ref, struct eg_err *err);
/* Entries, newest first: [{"id","unit_id","unit","included_on","valid_until","status",
   "reasons","removed_on"?,"removal_reason"?,"ruleset"}]; active_only. */
int eg_poslist_list(struct eg_db *db, int active_only, json_t **rows, struct eg_err *err);

/* Minor-violation exemption (免罚清单, rule set kind "exemption_list"):
 *     base_conditions = corrected no_harm          (header: every item needs these)
 *     [item N]  label, domain?, basis?, violation = <code>, conditions = …, within_days = N?
 * Conditions: first_discovery (also false when the unit already had this violation checked
 * before), corrected_on_spot, stopped_and_restored, corrected (in time), corrected_within
 * (corrected within within_days days), no_harm. */
struct eg_exempt_facts {
    const char *violation;    /* the list's violation code */
    const char *date;         /* Beijing date of the violation: the list in force on it decides */
    int first_discovery;      /* 1/0 as the officer found; the records can only make it 0 */
    int corrected_on_spot;    /* 当场整改 */
    int stopped_and_restored; /* 及时停止并恢复原状 */
    int no_harm;              /* 没有造成危害后果 */
    double corrected_days;    /* days taken to correct; < 0: not corrected */
    const char *education; /* the education given (required when exempt: 行政处罚法 Art. 33) */
    const char *case_ref;  /* the case or inspection, or NULL */
};
/* Checks a violation against the list in force on its date and records the decision (staff;
   audited): *decision {"id","exempt","item"?,"label_zh"?,"conditions":[…],"education"?,
   "ruleset":{…},"reason_zh"}. A violation not on the list is recorded as not exempt. An exempt
   decision without education is refused (EG_EINVAL, code "education"). */
int eg_exempt_check(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                    const struct eg_exempt_facts *f, json_t **decision, struct eg_err *err);
/* Decisions about a unit, newest first (staff; the enterprise its own). */
int eg_exempt_list(struct eg_db *db, const struct eg_principal *who, int64_t unit_id, json_t **rows,
                   struct eg_err *err);

/* ==== random inspections, agencies and stewards (draw.c, agencies.c) ======================== */

/* The reproducible draw (draw.c, 双随机、一公开), pure: the same published seed and pools give
 * the same list on every run and machine, so anyone can check a published draw (`envgov draw
 * verify`). The algorithm, fixed (changing it is a new EG_DRAW_ALGORITHM):
 *  1. key = SHA-256 of the seed text (its UTF-8 bytes); the random stream is ChaCha20 (libsodium
 *     crypto_stream_chacha20, 8-byte nonce of zeros, block counter from 0) keyed by it, read as
 *     little-endian uint32 words in order.
 *  2. uniform(n): words w >= 2^32 - (2^32 mod n) are rejected (no modulo bias); else w mod n.
 *  3. Objects are ordered by category name, then key (bytewise strcmp); categories are drawn in
 *     that order; in each, a partial Fisher–Yates picks quota objects: for i = 0 .. quota-1,
 *     j = i + uniform(n - i), swap(i, j), object i is drawn. Each object of a category of n is
 *     drawn with probability quota / n.
 *  4. Inspectors are ordered by key. For each drawn object in draw order a team of team_size
 *     (>= 2) is picked by a partial Fisher–Yates over the inspector array (kept between objects):
 *     for pos = 0, 1, …: j = pos + uniform(n - pos), swap(pos, j); the inspector at pos joins
 *     unless recused for that object's unit (回避: a recusal pair inspector id – unit id), until
 *     the team is full; too few eligible inspectors is EG_EINVAL "too_few_inspectors".
 */
#define EG_DRAW_ALGORITHM "eg-draw-1 chacha20(sha256(seed)) fisher-yates"
struct eg_draw_object {
    const char *key;      /* stable key, unique (e.g. the unit's credit code, or "u:ID") */
    const char *category; /* e.g. "key" 重点, "general" 一般, "special" 特殊 */
    int64_t unit_id;      /* what recusals name */
};
struct eg_draw_inspector {
    const char *key; /* stable key, unique */
    int64_t id;
};
struct eg_draw_quota {
    const char *category;
    int count; /* how many objects to draw from it (capped at its size) */
};
struct eg_draw_input {
    const char *seed;
    int team_size;
    const struct eg_draw_object *objects;
    int nobjects;
    const struct eg_draw_inspector *inspectors;
    int ninspectors;
    const struct eg_draw_quota *quotas; /* a category without a quota draws nothing */
    int nquotas;
    const int64_t (*recusals)[2]; /* {inspector id, unit id} */
    int nrecusals;
};
struct eg_draw_result {
    int ndrawn, team_size;
    int *drawn; /* indices into input objects, in draw order */
    int *teams; /* ndrawn * team_size indices into input inspectors */
};
/* Runs the draw. EG_EINVAL (code named) on a missing seed, team_size < 2, duplicate keys, a
   negative quota, too few eligible inspectors. */
int eg_draw_run(const struct eg_draw_input *in, struct eg_draw_result *out, struct eg_err *err);
void eg_draw_result_free(struct eg_draw_result *r);
/* The quota for a share of n objects: ceil(share * n), 0 <= share <= 1. */
int eg_draw_quota_for_share(double share, int n);

/* A published draw as JSON, what `envgov draw run|verify` read and write:
     {"algorithm","seed","team_size","quotas":{"CAT":N,…},
      "objects":[{"key","category","unit_id"}…], "inspectors":[{"key","id"}…],
      "recusals":[[inspector_id, unit_id]…], "result"?:[{"object":KEY,"team":[KEY…]}…]}
   eg_draw_input_from_json checks form and types (errors name the field and index); the input's
   strings point into doc (keep it alive); *store is released by eg_draw_input_release, the caller's
   to free. */
int eg_draw_input_from_json(const json_t *doc, struct eg_draw_input *in, void **store,
                            struct eg_err *err);
void eg_draw_input_release(struct eg_draw_input *in, void *store);
/* The result as [{"object":KEY,"category":CAT,"unit_id":N,"team":[KEY…]}…]. */
json_t *eg_draw_result_json(const struct eg_draw_input *in, const struct eg_draw_result *r);
/* Re-runs a published draw and compares with its "result": 0 when identical; EG_EINVAL code
   "mismatch" naming the first differing position, or the input's fault. */
int eg_draw_verify(const json_t *published, struct eg_err *err);

/* ---- draw plans, pools, runs, results, agencies (draw_plan.c, draw_pools.c, draw_runs.c) ----
 *
 * A draw plan (rule set kind "draw_plan"; docs/draws.md) says what may be inspected, how the
 * objects fall into categories and how many of each a draw takes:
 *     team_size = 2                 (header, >= 2: 行政处罚法 Art. 42)
 *     falsification_input = data_falsification   (header: the credit input a falsification
 *                                   finding against an agency is recorded as)
 *     falsification_violation = data_falsification  (header: the violation type of the case it
 *                                   opens; the discretion rule set in force must list it)
 *     [matter NAME]    label, object = enterprise | testing_agency | steward, basis
 *     [category NAME]  label, object, and conditions (all optional; none: every object of the
 *                      kind): key_unit = 1 (a 重点排污单位 flag in the registry), grades = G …
 *                      (the credit grade in effect, eg_credit_grade_of), min_penalties = N
 *                      (penalties in the 12 months before the pool date); the first category in
 *                      file order whose condition holds (any of them) takes the object. Then
 *                      either share = 0..1 of the category or per_inspector = N (N objects per
 *                      active inspector, the ratio 1 : N).
 *     [adjust GRADE]   factor = 0..10: objects of that credit grade ("unrated": none) are drawn
 *                      with the category's share × factor (they form the draw category
 *                      "CATEGORY.GRADE"; an unadjusted grade keeps factor 1).
 * A unit on the positive list is in the pool only with a trigger (eg_poslist_check_inspection);
 * otherwise it is left out and listed in the pool's "excluded" with the reason. An officer may
 * override an enterprise's category with a reason (audited). */
struct eg_draw_category {
    const char *name, *label, *object;
    int key_unit, min_penalties, has_condition;
    const char *grades; /* NULL: no grade condition */
    double share;       /* < 0: per_inspector is used */
    double per_inspector;
};
struct eg_draw_adjust {
    const char *grade;
    double factor;
};
struct eg_draw_matter {
    const char *name, *label, *object, *basis;
};
struct eg_draw_plan {
    struct eg_ruleset *rs; /* owned */
    int team_size;
    const char *falsification_input, *falsification_violation;
    struct eg_draw_category *cats;
    int ncats;
    struct eg_draw_adjust *adjusts;
    int nadjusts;
    struct eg_draw_matter *matters;
    int nmatters;
};
/* Checks the meaning (errors "file:line: field: …") and compiles; takes rs (freed on failure). */
int eg_draw_plan_compile(struct eg_ruleset *rs, struct eg_draw_plan **out, struct eg_err *err);
void eg_draw_plan_free(struct eg_draw_plan *p);
/* The plan in force on a Beijing date, or the stored/shipped one of that id (newest version). */
int eg_draw_plan_for(struct eg_db *db, const char *id, const char *date, struct eg_draw_plan **out,
                     struct eg_err *err);
/* The inspectable matters: [{"name","label_zh","object","object_zh","basis"}]. */
json_t *eg_draw_plan_matters(const struct eg_draw_plan *p);

/* The register of agencies (检测机构) and stewards (环保管家), staff only, audited. in:
   {"kind":"testing_agency"|"steward","unit_id","qualification","qualification_no",
   "qualification_valid_to"?,"user_id"? (a steward's account)}. */
int eg_draw_agency_add(struct eg_db *db, const struct eg_principal *who, json_t *in, int64_t *id,
                       struct eg_err *err);
/* A contract of an agency with a client unit: {"client_unit_id","service","valid_from",
   "valid_to"?}. */
int eg_draw_agency_contract_add(struct eg_db *db, const struct eg_principal *who, int64_t agency_id,
                                json_t *in, int64_t *id, struct eg_err *err);
/* Agencies with their contracts (and a steward's account contracts of the registry); staff. */
int eg_draw_agencies(struct eg_db *db, const struct eg_principal *who, json_t **rows,
                     struct eg_err *err);
/* The inspector pool: a user (admin, bureau or street) with a law-enforcement certificate
   number (执法证号) and unit (执法单位); staff, audited. */
int eg_draw_inspector_add(struct eg_db *db, const struct eg_principal *who, int64_t user_id,
                          const char *cert_no, const char *org, int64_t *id, struct eg_err *err);
int eg_draw_inspector_set_active(struct eg_db *db, const struct eg_principal *who, int64_t id,
                                 int active, struct eg_err *err);
int eg_draw_inspectors(struct eg_db *db, const struct eg_principal *who, json_t **rows,
                       struct eg_err *err);
/* A recusal (回避, 行政处罚法 Art. 43): the inspector is never drawn for the unit; reason required.
 */
int eg_draw_recusal_add(struct eg_db *db, const struct eg_principal *who, int64_t inspector_id,
                        int64_t unit_id, const char *reason, int64_t *id, struct eg_err *err);
/* Sets (category) or clears (category NULL) an enterprise's category with a reason, checked
   against the plan in force today (unknown category: EG_EINVAL naming the categories). */
int eg_draw_override_set(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                         const char *category, const char *reason, struct eg_err *err);

/* The pools on a Beijing date under a plan, as the published draw document (without seed and
   result; see eg_draw_input_from_json): objects carry "kind","name","category_zh","why" too,
   "excluded" lists the objects left out with the reason; "quotas" per draw category.
   triggers: [{"unit_id","trigger","ref"}] or NULL (positive-list units). Staff. */
int eg_draw_pool(struct eg_db *db, const struct eg_principal *who, const struct eg_draw_plan *p,
                 const char *date, const json_t *triggers, json_t **doc, struct eg_err *err);

/* A draw run, stored (staff; audited): the pools built on date (NULL: today) under the plan
   (plan_id NULL: in force), seed NULL: 32 random bytes in hex, published with the run.
   in: {"title","inspect_on","date"?,"plan"?,"seed"?,"triggers"?}. *out: the run as
   eg_draw_run_get shows it to its officer. */
int eg_draw_make(struct eg_db *db, const struct eg_principal *who, json_t *in, int64_t *run_id,
                 json_t **out, struct eg_err *err);
/* A run: until its inspect_on date only admin and the drawing officer see it (others:
   EG_ENOTFOUND, as for an unknown run); from the date staff see it whole, a street the items in
   its region, an enterprise its own item; anonymous and stewards: EG_ENOTFOUND. */
int eg_draw_run_get(struct eg_db *db, const struct eg_principal *who, int64_t run_id, json_t **out,
                    struct eg_err *err);
int eg_draw_runs(struct eg_db *db, const struct eg_principal *who, json_t **rows,
                 struct eg_err *err);
/* The published draw document of a run (seed, pools, result) with the same visibility; what
   `envgov draw verify` re-checks. */
int eg_draw_run_document(struct eg_db *db, const struct eg_principal *who, int64_t run_id,
                         json_t **doc, struct eg_err *err);
/* Re-checks a stored run: the pools' hash and the list re-drawn from its seed and pools. */
int eg_draw_run_verify(struct eg_db *db, int64_t run_id, struct eg_err *err);
/* Records an inspection's result (staff or a member of its team, from inspect_on): in
   {"outcome":"found"|"not_found","finding","falsification"?}; published at once (一公开). A
   falsification finding (agencies and stewards only) opens a case (eg_case_kind, origin
   inspection) and records the credit input falsification_input (the count of the year). */
int eg_draw_result_record(struct eg_db *db, const struct eg_principal *who, int64_t item_id,
                          json_t *in, json_t **out, struct eg_err *err);
/* Published results, newest first (public): [{"item_id","run_id","run","inspect_on","unit_id",
   "unit","object_kind","object_zh","category","outcome","outcome_zh","finding","published_at"}]. */
int eg_draw_results_published(struct eg_db *db, int64_t unit_id, json_t **rows, struct eg_err *err);

/* ==== cases, penalty discretion, permits (cases.c, discretion.c, permits.c) ================= */

/* Penalty discretion (行政处罚裁量, rule set kind "penalty_discretion"; governance.md §5):
 *     range_lighter_below = 0.30, range_heavier_from = 0.60    (header; the range model's split)
 *     [factor impact]        label, option = NAME WEIGHT LABEL (repeats; weight 0..1, the first
 *                            option is the lowest: a factor not established scores it, GD Art. 5)
 *     [violation x]          label, basis (legal basis), model = weight | range, min_fine,
 *                            max_fine (元), start_weight, factors = NAME …, daily = 0 | 1
 *     [circumstance x]       label, basis, kind = aggravating (add_weight) | mitigating (reduce
 *                            0..1, below_min = 1 for 减轻, not_with_aggravating = 1)
 * Computation: p = min(1, start_weight + Σ factor weights + Σ aggravating add_weight);
 * weight model: fine = p × max_fine, clamped to [min_fine, max_fine];
 * range model: the average a = (min+max)/2 splits the range (GD Art. 12(2)): p below
 * range_lighter_below → lighter part, min + (a−min)·p/lighter_below; p from range_heavier_from →
 * heavier part, a + (max−a)·(p−heavier_from)/(1−heavier_from); otherwise ordinary, a;
 * then each mitigating circumstance in turn: fine × (1 − reduce), not below min_fine unless one
 * of them is below_min (减轻); rounded to whole 元. Every step is recorded with its text. */
struct eg_disc_option {
    const char *name, *label;
    double weight;
};
struct eg_disc_factor {
    const char *name, *label;
    struct eg_disc_option *options;
    int noptions;
};
enum eg_disc_model { EG_DISC_WEIGHT, EG_DISC_RANGE };
struct eg_disc_violation {
    const char *name, *label, *basis;
    enum eg_disc_model model;
    double min_fine, max_fine, start_weight;
    int *factors; /* indexes into the discretion's factors */
    int nfactors;
    int daily; /* 按日连续处罚 applies (环境保护法 Art. 59) */
};
struct eg_disc_circumstance {
    const char *name, *label, *basis;
    int aggravating;
    double add_weight, reduce;
    int below_min, not_with_aggravating;
};
struct eg_discretion {
    struct eg_ruleset *rs; /* owned */
    double lighter_below, heavier_from;
    double
        hearing_threshold; /* header hearing_threshold (元, default 100000, UNCONFIRMED): a
                              fine of at least this gives the hearing right (行政处罚法 Art. 63) */
    struct eg_disc_factor *factors;
    int nfactors;
    struct eg_disc_violation *violations;
    int nviolations;
    struct eg_disc_circumstance *circs;
    int ncircs;
};
/* Checks the meaning (errors file:line: field) and compiles; takes rs (freed on failure too). */
int eg_discretion_compile(struct eg_ruleset *rs, struct eg_discretion **out, struct eg_err *err);
void eg_discretion_free(struct eg_discretion *d);
/* The discretion rule set in force on a Beijing date in a jurisdiction (NULL: any). */
int eg_discretion_for_date(struct eg_db *db, const char *date, const char *jurisdiction,
                           struct eg_discretion **out, struct eg_err *err);
const struct eg_disc_violation *eg_discretion_violation(const struct eg_discretion *d,
                                                        const char *name);

/* The facts of one case: the option chosen per factor (factors of the violation not named score
   their lowest option) and the circumstances found. */
struct eg_disc_choice {
    const char *factor, *option;
};
struct eg_disc_result {
    double weight;    /* p, 0..1 */
    double fine;      /* 元, whole */
    const char *part; /* range model: "lighter" | "ordinary" | "heavier"; weight model: NULL */
    json_t *steps;    /* [{"step","text_zh","weight"?,"amount"?}], the caller's */
};
/* Computes the fine; EG_EINVAL (codes unknown_violation, unknown_factor, unknown_option,
   unknown_circumstance, repeated_factor) naming what is wrong and what is allowed. Pure. */
int eg_discretion_compute(const struct eg_discretion *d, const char *violation,
                          const struct eg_disc_choice *choices, int nchoices,
                          const char *const *circumstances, int ncircs, struct eg_disc_result *res,
                          struct eg_err *err);
/* The same from JSON {"violation","factors":{"impact":"medium",…},"circumstances":[…]};
   *out {"violation","label_zh","basis","model","min_fine","max_fine","weight","part"?,"fine",
   "steps","ruleset":{"id","version","sha256"}}. */
int eg_discretion_compute_json(const struct eg_discretion *d, const json_t *in, json_t **out,
                               struct eg_err *err);

/* 按日连续处罚 (环境保护法 Art. 59; 环境保护部令第28号 Art. 17, 19): rounds of (order served,
   re-check finding the violation continuing) as Beijing dates; each round counts the days from
   the day after the order is served to the re-check day, days accumulate over rounds; total =
   original fine × days. A re-check not after its order, or a round starting before the previous
   re-check, is EG_EINVAL; a re-check more than 30 days after its order (Art. 10) is noted in the
   steps. violation (may be NULL) must allow the daily penalty. *steps as above. */
struct eg_disc_round {
    const char *served, *recheck;
};
int eg_discretion_daily(const struct eg_disc_violation *violation, double fine,
                        const struct eg_disc_round *rounds, int nrounds, int64_t *days,
                        double *total, json_t **steps, struct eg_err *err);

/* Administrative penalty cases (行政处罚案件) as a flow kind "case" (cases.c): filed →
   investigating → notified (needs evidence attached; the act body's {"discretion":{"factors",
   "circumstances"}} computes the fine with the rule set in force on violation_date, stored with
   every step; hearing_right when fine >= hearing_threshold) → hearing (request_hearing: the
   enterprise or staff, only with the right) → decided ({"decision":"penalty"|"no_penalty"} and
   a reason; a penalty calls eg_poslist_on_penalty; the body's "exemption" facts run
   eg_exempt_check on violation_date and an exempt case refuses a penalty; without them the case
   records the check as not done) → served → executing → closed (a no_penalty case closes
   from served); dismissed from filed or investigating with a reason. Raised by staff with
   {"title","unit_id","origin","origin_ref"?,"permit_id"?,"inspection_ref"?,"violation",
   "violation_date"}; permit_id defaults to the unit's permit valid on violation_date. Read by
   staff and the enterprise (its own unit); not by the public. */
extern const struct eg_flow_kind eg_case_kind;
/* Opens a case from its origin (`envgov case open`): an alert, a task, a complaint or an
   inspection record (origin_id) gives the unit (unit_id, when given, must be the same), the title
   and, without violation_date, the day it opened (Beijing); origin_ref becomes "alert:7" etc.;
   origin "other" needs unit_id, violation_date and may carry origin_ref as text. Then as
   eg_flow_create of eg_case_kind (the violation checked against the discretion rule set in force,
   the permit in force filed). *out (may be NULL) the record. EG_EINVAL naming the field. */
struct eg_case_new {
    const char *origin; /* inspection | alert | complaint | task | other */
    int64_t origin_id;
    const char *origin_ref, *inspection_ref; /* text, for origin other */
    int64_t unit_id, permit_id;              /* 0: from the origin; the permit in force */
    const char *title;                       /* NULL: the origin's */
    const char *violation, *violation_date;  /* date NULL: the origin's day */
};
int eg_case_open(struct eg_db *db, const struct eg_principal *who, const struct eg_case_new *n,
                 json_t **out, struct eg_err *err);

/* Permits drive supervision (一证式, permits.c). Execution reports (执行报告, 条例 Art. 22): the
   cadences a permit requires (annual | semiannual | quarterly | monthly, set per permit by staff,
   audited) and the reports submitted (the enterprise for its own permits, or staff; period
   "2024", "2024-H1", "2024-Q1", "2024-05"; a second submission of a period is EG_ECONFLICT). */
int eg_permit_report_plan_set(struct eg_db *db, const struct eg_principal *who, int64_t permit_id,
                              const char *cadence, int required, struct eg_err *err);
int eg_permit_report_submit(struct eg_db *db, const struct eg_principal *who, int64_t permit_id,
                            const char *cadence, const char *period, const char *date,
                            int64_t *report_id, struct eg_err *err);
/* Reports missing on a Beijing date: for every valid permit's cadence, the periods ending in the
   13 months before the date's month, within the permit's validity, whose report was due (the
   15th of the month after the period; UNCONFIRMED: permits set their own deadlines) on or before
   the date and was not submitted: [{"permit_id","number","unit_id","unit","cadence",
   "cadence_zh","period","due_on"}]. */
int eg_permit_reports_missing(struct eg_db *db, const char *date, json_t **rows,
                              struct eg_err *err);
/* Valid permits whose valid_to falls within days (60: renewal is applied for at least 60 days
   before expiry, 排污许可管理办法 Art. 14) of the date: [{"permit_id","number","unit_id","unit",
   "category","valid_to","days_left","renewal_overdue","note_zh"}], soonest first. */
int eg_permits_expiring(struct eg_db *db, const char *date, int days, json_t **rows,
                        struct eg_err *err);
/* Park coverage (seed 000): per park (units.kind 'park'; park_id 0 = all), its enterprises
   (units.park_id), those holding a permit or registration valid on the date, the rate (null
   for a park without enterprises) and the uncovered ones: [{"park_id","park","enterprises",
   "covered","rate","uncovered":[{"unit_id","unit"}]}]. EG_ENOTFOUND for a park_id not a park. */
int eg_park_coverage(struct eg_db *db, int64_t park_id, const char *date, json_t **rows,
                     struct eg_err *err);
/* Penalties, incidents and serious violations filed against a permit (一证式), newest first:
   [{"id","unit_id","kind","kind_zh","on_date","ref","permit_id"}]. No scope: callers check. */
int eg_poslist_events_of_permit(struct eg_db *db, int64_t permit_id, json_t **rows,
                                struct eg_err *err);
/* Everything filed against one permit (一证式, seed 004), as who may see it: {"permit":{the
   registry row},"cases":[…],"alerts":[…],"penalties":[…]}. Staff see all; an enterprise its own
   unit's permits (EG_ENOTFOUND for another's: no existence oracle); other roles EG_EPERM. */
int eg_permit_supervision(struct eg_db *db, const struct eg_principal *who, int64_t permit_id,
                          json_t **out, struct eg_err *err);

#endif
