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

/* ==== random inspections, agencies and stewards (draw.c, agencies.c) ======================== */

/* ==== cases, penalty discretion, permits (cases.c, discretion.c, permits.c) ================= */

#endif
