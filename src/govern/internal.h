/*
 * govern/internal.h: what the governance engines' files share (ruleset.c, credit.c, poslist.c,
 * exempt.c, draw.c, cases.c, …). Add to it; do not rewrite what others use.
 */
#ifndef EG_GOVERN_INTERNAL_H
#define EG_GOVERN_INTERNAL_H

#include "govern/govern.h"

/* ---- ruleset.c ---- */
/* A transaction of our own, or a savepoint inside the caller's. */
int eg__gov_tx_begin(struct eg_db *db, int *own, struct eg_err *err);
int eg__gov_tx_end(struct eg_db *db, int own, int rc, struct eg_err *err);
/* 1 when s is a valid "YYYY-MM-DD". */
int eg__gov_date_ok(const char *s);
/* The stored or shipped rule set with this SHA-256 (the one a result names). */
int eg__gov_ruleset_by_sha(struct eg_db *db, const char *sha256, struct eg_ruleset **out,
                           struct eg_err *err);
/* eg_audit_append that takes (and releases) the references to before and after. */
int eg__gov_audit(struct eg_db *db, const struct eg_principal *who, const char *resource,
                  int64_t row, const char *action, json_t *before, json_t *after,
                  struct eg_err *err);
/* 1 for the staff roles (admin, bureau). */
int eg__gov_staff(const struct eg_principal *who);

/* ---- credit.c ---- */
/* t (UTC seconds) plus months on the Beijing calendar (the day clamped to the month's end). */
int64_t eg__gov_add_months(int64_t t, int months);

/* The credit grade in effect on date (YYYY-MM-DD, Beijing) of every rated unit, in one query:
   the same rule as eg_credit_grade_of (the latest publication up to the day's end, unless
   expired; its repaired grade once repaired). *out: sorted by unit_id, n entries, free() it. */
struct eg__credit_grade {
    int64_t unit_id;
    char grade[32];
};
int eg__gov_credit_grades_on(struct eg_db *db, const char *date, struct eg__credit_grade **out,
                             int *n, struct eg_err *err);

/* A built-in provider's put with its working in words (kept with the rating, shown as the
   indicator's detail_zh); ctx is the run's. */
void eg__gov_credit_put_note(void *ctx, int64_t unit_id, double value, const char *note_zh);

/* ---- credit_exceed.c ---- */
/* The inputs "exceedance_rate" and "compliance_rate" from the platform's records. */
int eg__gov_exceedance_provider(struct eg_db *db, int year, const char *input, eg_credit_put_fn put,
                                void *ctx, struct eg_err *err);

/* ---- discretion.c ---- */
/* Days since 1970-01-01 of a valid "YYYY-MM-DD" (proleptic Gregorian), and back. */
int64_t eg__gov_day_number(const char *date);
void eg__gov_day_date(int64_t day, char out[11]);

/* ---- draw_plan.c ---- */
/* The Chinese name of an object kind (enterprise, testing_agency, steward). */
const char *eg__draw_object_zh(const char *object);

#endif
