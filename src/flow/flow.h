/*
 * flow: the workflow engine the governance records share — 三监联动 tasks, complaints,
 * stewards' inspections, violation cases, credit repair, pilot applications, plan tasks,
 * suggestions. Issue 12 builds it; issues 13 and 14 declare their kinds on it.
 *
 * A record kind is declared as data (struct eg_flow_kind), as the registry declares its
 * resources: its states, the transitions between them (an action name, who may take it, what it
 * requires), its own fields (struct eg_field, validated as the registry validates) kept in the
 * kind's own table, its deadline and attachment rules. A new kind of record is one such table
 * entry in the module that owns it, plus one migration creating the kind's table:
 *
 *     CREATE TABLE tasks (record_id INTEGER PRIMARY KEY REFERENCES flow_records(id), <fields>);
 *
 * The engine owns what every kind has (tables flow_*, migrations 400-419):
 *   - flow_records: id, kind, state, title, unit_id (the subject unit, or NULL), region_id (the
 *     street or grid the record belongs to, or NULL), to_unit_id / to_region_id (the party the
 *     record is addressed to: the unit or street that must act), due_at, overdue, published,
 *     created_at/by, updated_at, version (optimistic: a stale version is EG_ECONFLICT);
 *   - flow_transitions: every change of state: record, from, to, action, who (user id, name,
 *     role), when, and the text written (reason, feedback, …) as JSON — written in the same
 *     transaction as the change, together with an audit-log entry (eg_audit_append, resource
 *     "flow.<kind>");
 *   - flow_comments: remarks on a record that change no state;
 *   - flow_attachments and flow_blobs: files stored once by their SHA-256 (the bytes in
 *     flow_blobs), with the size and the media type the engine detected from the bytes (magic
 *     numbers: JPEG, PNG, PDF, …; never the file's name or the client's Content-Type), within the
 *     kind's size and type limits; names are kept only as text to show.
 *
 * Scope (who sees a record) follows the registry's row scope, decided here in one place:
 * admin and bureau see every record of a kind; a street user those whose region_id or
 * to_region_id is its region or below (grids included); an enterprise user those whose unit_id
 * or to_unit_id is its unit; a steward those whose unit is under one of its contracts; and
 * only if the kind's read_roles include that role. Anonymous sees nothing through these calls
 * (kinds publish through their own public projections, e.g. a complaint's receipt code).
 * Unknown and out-of-scope records answer alike (EG_ENOTFOUND): no existence oracle.
 *
 * A transition may be taken when the record is in its `from` state, the principal's role is in
 * its `roles`, the record is in the principal's scope, the input carries what `needs` asks, and
 * the kind's guard (if any) agrees. Everything a call changes is one transaction: its own, or
 * the caller's when one is open (eg_db_in_tx: then the engine works inside a savepoint), so a
 * module can raise a record and write its own rows atomically (an alert and its task).
 *
 * Errors: EG_EINVAL with err.code naming the field ("reason", "feedback", "attachment",
 * "state" for a transition not possible from the current state — its message names the state
 * and the actions that are), EG_EPERM (in scope but the role may not take that action),
 * EG_ENOTFOUND, EG_ECONFLICT ("version": changed by someone else since it was read),
 * EG_ETOOBIG (attachment over the kind's limit), EG_EAUTH (anonymous).
 */
#ifndef EG_FLOW_H
#define EG_FLOW_H

#include "auth/auth.h"
#include "base/base.h"
#include "db/db.h"
#include "registry/registry.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A set of roles: EG_FLOW_ROLE(EG_ROLE_STREET) | EG_FLOW_ROLE(EG_ROLE_ENTERPRISE). */
#define EG_FLOW_ROLE(r) (1u << (unsigned)(r))
#define EG_FLOW_STAFF (EG_FLOW_ROLE(EG_ROLE_ADMIN) | EG_FLOW_ROLE(EG_ROLE_BUREAU))

enum eg_flow_state_flag {
    EG_FLOW_INITIAL = 1 << 0,  /* a new record starts here (exactly one state has it) */
    EG_FLOW_TERMINAL = 1 << 1, /* closed: no deadline runs, never overdue */
    EG_FLOW_PAUSED = 1 << 2,   /* waiting on someone outside: the deadline does not run out */
};

struct eg_flow_state {
    const char *name;     /* "raised", "received", … (JSON and SQL value) */
    const char *label_zh; /* 已发起, 已接收, … */
    unsigned flags;       /* enum eg_flow_state_flag */
};

/* What the input of a transition must carry (JSON fields of the act body). */
enum eg_flow_need {
    EG_FLOW_NEED_REASON = 1 << 0,     /* "reason": non-empty text (why: rejection, return, close) */
    EG_FLOW_NEED_FEEDBACK = 1 << 1,   /* "feedback": {"finding","measure","result"} all non-empty */
    EG_FLOW_NEED_ATTACHMENT = 1 << 2, /* at least one attachment on the record (evidence) */
    EG_FLOW_NEED_ASSIGNEE = 1 << 3,   /* "to_unit_id" or "to_region_id": whom it is sent to */
    EG_FLOW_NEED_DEADLINE = 1 << 4,   /* "due_at": a deadline (UTC seconds or Beijing date) */
};

struct eg_flow_kind;

/* A kind's own check of a transition, inside the transaction, before anything is written: rec
   is the record as eg_flow_get returns it, input the act body. 0 to allow; an EG_E* with err
   filled (a message a person can act on) to refuse. E.g. "an inspection of a positive-list unit
   must name a trigger". */
typedef int (*eg_flow_guard_fn)(struct eg_db *db, const struct eg_flow_kind *kind,
                                const struct eg_principal *who, json_t *rec, const char *action,
                                json_t *input, struct eg_err *err);
/* A kind's follow-up of a transition, inside the same transaction, after the change: rec is the
   record as it now is. E.g. a case decided with a penalty updates credit; a finding raises a
   task. An error rolls the whole transition back. */
typedef int (*eg_flow_effect_fn)(struct eg_db *db, const struct eg_flow_kind *kind,
                                 const struct eg_principal *who, json_t *rec, const char *action,
                                 json_t *input, struct eg_err *err);

struct eg_flow_transition {
    const char *action; /* "receive", "execute", "feed_back", "close", "return" … (URL segment) */
    const char *label_zh;     /* 接收, 执行, 反馈, 办结, 退回 */
    const char *from;         /* state name; "*" = any state that is not terminal */
    const char *to;           /* state name */
    unsigned roles;           /* EG_FLOW_ROLE() set of who may take it (in scope) */
    unsigned needs;           /* enum eg_flow_need */
    eg_flow_guard_fn guard;   /* or NULL */
    eg_flow_effect_fn effect; /* or NULL */
};

struct eg_flow_kind {
    const char *name;     /* "task", "complaint", "case", … (URL segment, flow_records.kind) */
    const char *label_zh; /* 三监联动任务, 投诉, 行政处罚案件, … */
    /* The kind's own fields (validated as registry fields: type, required, enum, max length,
       references), stored in `table` with record_id as the key; NULL/0 for a kind without. */
    const char *table;
    const struct eg_field *fields;
    int nfields;
    const struct eg_flow_state *states;
    int nstates;
    const struct eg_flow_transition *transitions;
    int ntransitions;
    unsigned create_roles;        /* who may raise a record (in scope of its unit/region) */
    unsigned read_roles;          /* who may read (in scope); admin and bureau always may */
    int64_t default_due_s;        /* deadline from creation when none is given; 0 = none */
    size_t max_attachment;        /* bytes per file; 0 = EG_FLOW_MAX_ATTACHMENT */
    const char *attachment_types; /* detected media types allowed, "image/jpeg|image/png|…";
                                     NULL = EG_FLOW_ATTACHMENT_TYPES */
    eg_flow_effect_fn on_create;  /* or NULL: after a record is raised, same transaction */
    /* Added after the header was agreed (nothing above changed): roles among enterprise and
       steward that see only the records addressed to them (to_unit_id), not those merely about
       their unit (unit_id) — e.g. an enforcement task about a unit, sent to its street, is not
       shown to the unit. 0 = the scope rule above. */
    unsigned addressed_only;
};

#define EG_FLOW_MAX_ATTACHMENT (10u << 20)
#define EG_FLOW_ATTACHMENT_TYPES "image/jpeg|image/png|image/webp|application/pdf"
#define EG_FLOW_MAX_TEXT 8192 /* bytes of a reason, a feedback field or a comment */

/* Checks a kind's declaration: one initial state, every transition's states declared, actions
   unique per from-state, fields valid. For tests and for each module's start-up; EG_EINVAL with
   a message naming the kind and the fault. */
int eg_flow_kind_check(const struct eg_flow_kind *kind, struct eg_err *err);
const struct eg_flow_state *eg_flow_state_find(const struct eg_flow_kind *kind, const char *name);

/* Raises a record. in: {"title", "unit_id"?, "region_id"?, "to_unit_id"?, "to_region_id"?,
   "due_at"?, <the kind's fields>}; region_id defaults to the unit's region. The principal must
   be in create_roles and the unit/region in its scope. *out (may be NULL) gets the record as
   eg_flow_get returns it. */
int eg_flow_create(struct eg_db *db, const struct eg_flow_kind *kind,
                   const struct eg_principal *who, json_t *in, json_t **out, struct eg_err *err);

/* The record: the common fields, "state" with "state_zh", "overdue", the kind's fields, and
   "actions": the transitions this principal may take now ([{"action","label_zh","needs":[…]}]). */
int eg_flow_get(struct eg_db *db, const struct eg_flow_kind *kind, const struct eg_principal *who,
                int64_t id, json_t **out, struct eg_err *err);

struct eg_flow_query {
    const char *state;  /* a state name, or NULL */
    const char *region; /* region code: that region and below, or NULL */
    int64_t unit_id;    /* subject or addressed unit; 0 = any */
    int overdue;        /* 1: only overdue records */
    int open;           /* 1: only records not in a terminal state */
    const char *q;      /* substring of the title, or NULL */
    int64_t from, to;   /* created_at range, UTC seconds; 0 = open */
    int limit;          /* 1..1000, default 50 */
    const char *cursor; /* from the previous page, or NULL */
    /* A reference field of the kind marked EG_FF_FILTER equal to field_value (e.g. the cases of
       one permit: field "permit_id"), or NULL. Another field is EG_EINVAL "field". */
    const char *field;
    int64_t field_value;
};
/* Records in scope, newest first. */
int eg_flow_list(struct eg_db *db, const struct eg_flow_kind *kind, const struct eg_principal *who,
                 const struct eg_flow_query *q, json_t **rows, char **next_cursor,
                 struct eg_err *err);

/* Takes a transition. input: {"version"? (refused when stale), "reason"?, "feedback"?,
   "to_unit_id"?, "to_region_id"?, "due_at"?, "note"?}; what the transition needs must be there.
   *out (may be NULL) gets the record after the change. */
int eg_flow_act(struct eg_db *db, const struct eg_flow_kind *kind, const struct eg_principal *who,
                int64_t id, const char *action, json_t *input, json_t **out, struct eg_err *err);

/* The timeline of a record: transitions and comments in time order, each
   {"at","by","role","kind":"transition"|"comment","action"?,"from"?,"to"?,"text":{…}}. */
int eg_flow_history(struct eg_db *db, const struct eg_flow_kind *kind,
                    const struct eg_principal *who, int64_t id, json_t **out, struct eg_err *err);

/* Adds a comment (whoever may read the record may comment, except anonymous). */
int eg_flow_comment(struct eg_db *db, const struct eg_flow_kind *kind,
                    const struct eg_principal *who, int64_t id, const char *text,
                    struct eg_err *err);

/* Attaches a file to a record: stored by SHA-256 (once, however often attached), its type
   detected from the bytes and checked against the kind's list, its size against the kind's
   limit. name is shown only (sanitised: no path, no control characters, ≤ 255 bytes).
   *out (may be NULL): {"id","sha256","size","type","name","at","by"}. */
int eg_flow_attach(struct eg_db *db, const struct eg_flow_kind *kind,
                   const struct eg_principal *who, int64_t id, const char *name, const void *data,
                   size_t len, json_t **out, struct eg_err *err);
/* An attachment's bytes for a principal who may read its record. *data is malloc'd. */
int eg_flow_attachment_read(struct eg_db *db, const struct eg_flow_kind *kind,
                            const struct eg_principal *who, int64_t record_id,
                            int64_t attachment_id, void **data, size_t *len, char type[64],
                            struct eg_err *err);
/* The media type of data from its first bytes ("image/jpeg", …), or NULL when unknown. */
const char *eg_flow_detect_type(const void *data, size_t len);

/* Marks records of kind whose deadline passed at `now` (UTC seconds) overdue, outside terminal
   and paused states; *marked gets how many became overdue. For a periodic job. */
int eg_flow_mark_overdue(struct eg_db *db, const struct eg_flow_kind *kind, int64_t now,
                         int *marked, struct eg_err *err);

/* Sets published (shown to the public through the kind's projection); staff only. */
int eg_flow_publish(struct eg_db *db, const struct eg_flow_kind *kind,
                    const struct eg_principal *who, int64_t id, int published, struct eg_err *err);

/* Whether who may read a record of kind with these scope columns (reads the region tree and
   the steward contracts): the one scope rule, for modules that join records into their own
   lists. 0 when it may; EG_ENOTFOUND when not (EG_EAUTH for anonymous). */
int eg_flow_in_scope(struct eg_db *db, const struct eg_flow_kind *kind,
                     const struct eg_principal *who, int64_t unit_id, int64_t region_id,
                     int64_t to_unit_id, int64_t to_region_id, struct eg_err *err);

#endif
