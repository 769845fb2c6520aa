/*
 * intake: what people report — public complaints (投诉, issue 12 item 5, with Open311 GeoReport
 * v2) and stewards' inspections (环保管家, seed 001, issue 12 item 6). Both raise tasks
 * (tasks/tasks.h) for the party that must act.
 *
 * This header has the parts that need no workflow engine: the complaint kinds, locating a place
 * into its street (point in polygon over the embedded street boundaries), receipt codes, intake
 * validation (text, coordinates, photos by their bytes), the per-address rate limit of anonymous
 * intake, and the stewards' checklists kept as data files (data/checklists/NAME.tsv).
 *
 * Locating (decided here, docs/intake.md): a complaint is placed by coordinates or by the region
 * the user picks.
 *   - Coordinates are WGS-84 unless "coord_system" says "gcj02" (AutoNavi/Amap, Tencent: the
 *     maps a Chinese phone app shows), which is converted to WGS-84 first. The point is tested
 *     against the street/town polygons of data/geo/NAME_streets.geojson (OpenStreetMap, WGS-84,
 *     ODbL; see data/geo/README.md); the polygon's 9-digit NBS code (adcode) is the registry
 *     region code of that street. Codes decide, never names.
 *   - A picked region (code of a street or of a grid) is taken as it is; when coordinates are
 *     given as well, the picked region must be the located street or a grid under it (a grid has
 *     no polygon: the person on the spot knows it), otherwise 422 "region".
 *   - A point in no polygon (the sea, another city, the uncovered coast strip) or in a street
 *     the registry does not hold, with no region picked: 422 "location", telling the person to
 *     pick the street.
 */
#ifndef EG_INTAKE_H
#define EG_INTAKE_H

#include "base/base.h"
#include "db/db.h"
#include "tasks/tasks.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* ---- complaint kinds (Open311 service_code = code) ---- */
struct eg_intake_kind {
    const char *code;     /* "noise" … */
    const char *label_zh; /* 噪声扰民 … */
    const char *desc_zh;  /* one line for services.json */
};
extern const struct eg_intake_kind eg_intake_kinds[];
extern const int eg_intake_nkinds;
/* By code or by Chinese label; NULL when neither. */
const struct eg_intake_kind *eg_intake_kind_find(const char *s);
#define EG_INTAKE_KINDS "noise|odour|smoke|waste_water|dust|waste|other"
#define EG_INTAKE_KINDS_ZH "噪声扰民|异味臭气|烟尘黑烟|污水排放|扬尘|固体废物|其他"

/* ---- limits of anonymous intake ---- */
#define EG_INTAKE_MAX_TEXT 2000        /* characters (UTF-8 code points) of the description */
#define EG_INTAKE_MAX_ADDRESS 200      /* characters of the address */
#define EG_INTAKE_MAX_CONTACT 100      /* characters of the contact (private) */
#define EG_INTAKE_MAX_PHOTO (5u << 20) /* bytes per photo */
#define EG_INTAKE_MAX_PHOTOS 3         /* photos per complaint */
#define EG_INTAKE_PHOTO_TYPES "image/jpeg|image/png|image/webp"
#define EG_INTAKE_RATE_LIMIT 20    /* complaints per address per window (default) */
#define EG_INTAKE_RATE_WINDOW 3600 /* seconds */

/* ---- locating ---- */
/* GCJ-02 (the offset Chinese maps use) to WGS-84, by iterating the forward transform (error
   under 1e-6 degrees, about 0.1 m, in China). */
void eg_geo_gcj02_to_wgs84(double lon, double lat, double *wlon, double *wlat);
void eg_geo_wgs84_to_gcj02(double lon, double lat, double *glon, double *glat);

struct eg_geo;
/* Parses one GeoJSON FeatureCollection of street polygons (Polygon or MultiPolygon, holes
   honoured, properties.adcode a 9-digit code, properties.name) and adds it to g. name is the
   file's name for messages. EG_EINVAL naming the feature and the fault. */
int eg_geo_add(struct eg_geo *g, const char *name, const char *data, size_t len,
               struct eg_err *err);
struct eg_geo *eg_geo_new(void);
void eg_geo_free(struct eg_geo *g);
/* The embedded maps (data/geo/NAME_streets.geojson), parsed once per process (read-only after). */
const struct eg_geo *eg_geo_embedded(void);
/* The street containing the WGS-84 point: code (adcode as text) into code[16], its name.
   EG_ENOTFOUND when no polygon contains it. Points on a shared border go to the first one. */
int eg_geo_locate(const struct eg_geo *g, double lon, double lat, char code[16], const char **name);
int eg_geo_count(const struct eg_geo *g); /* streets held */

/* ---- receipt codes ---- */
/* 10 characters of Crockford base32 (0-9, A-Z without I L O U) from 50 random bits (libsodium):
   short enough to read out on the phone, never derived from the id. */
#define EG_RECEIPT_LEN 10
void eg_intake_receipt_new(char out[EG_RECEIPT_LEN + 1]);
/* Normalises a code a person typed (case, spaces and dashes, O→0, I/L→1) into out; EG_EINVAL
   "receipt" when it cannot be one. */
int eg_intake_receipt_norm(const char *in, char out[EG_RECEIPT_LEN + 1], struct eg_err *err);

/* ---- validation ---- */
/* A complaint as the public submits it, checked. Strings point into the JSON it came from. */
struct eg_intake_input {
    const struct eg_intake_kind *kind;
    const char *description;
    const char *address;     /* or NULL */
    const char *region_code; /* picked street/grid, or NULL */
    const char *contact;     /* private: never shown to the public; or NULL */
    int has_point;
    double lon, lat; /* WGS-84 (converted when coord_system was gcj02) */
    double in_lon, in_lat;
    const char *coord_system; /* "wgs84" | "gcj02" */
};
/* in: {"kind"|"service_code", "description", "lat"?, "long"|"lon"?, "coord_system"?,
   "address"|"address_string"?, "region"?, "contact"?}. Checks types, lengths (code points),
   UTF-8, control characters, coordinates (finite, in range, inside Shanghai's box after
   conversion), that a place is given (coordinates or region). Unknown fields are refused
   ("unknown_field"), so a misspelt field is not silently lost. EG_EINVAL with err.code the
   field name and a message that says what to do. */
int eg_intake_validate(json_t *in, struct eg_intake_input *out, struct eg_err *err);
/* Text rules alone: valid UTF-8, no control characters but \n \r \t, at most max code points,
   non-empty when required. field names the field in err. */
int eg_intake_text_check(const char *s, size_t n, size_t max, int required, const char *field,
                         struct eg_err *err);
/* The media type of a photo from its bytes ("image/jpeg", "image/png", "image/webp"); NULL for
   anything else (an EXE, a PDF, a script, HTML). */
const char *eg_intake_photo_type(const void *data, size_t len);
/* Checks a photo: EG_ETOOBIG "photo" over EG_INTAKE_MAX_PHOTO, EG_EINVAL "photo" for an
   unknown or empty type; *type gets the detected type. */
int eg_intake_photo_check(const void *data, size_t len, const char **type, struct eg_err *err);

/* ---- rate limit of anonymous intake ---- */
/* Counts one submission of client address addr at now in the table intake_rate (a fixed window
   of window_s seconds per address; rows of past windows are pruned); EG_ERATE "rate_limited"
   when the address already made limit submissions in this window, *retry_after (and
   err.offset) get the seconds to the window's end. Its own transaction unless the caller has one.
 */
int eg_intake_rate_hit(struct eg_db *db, const char *addr, int64_t now, int limit, int64_t window_s,
                       int64_t *retry_after, struct eg_err *err);

/* ---- stewards' checklists (data/checklists/<code>.tsv) ----
   UTF-8, one record per line, fields separated by TAB, '#' starts a comment line, blank lines
   skipped:
     checklist <TAB> code <TAB> title_zh                     first record, exactly once
     severity  <TAB> level <TAB> name <TAB> label_zh <TAB> action   the scale: level 0..9
               ascending and unique, name [a-z_]{1,16} unique, action 1 when a finding of this
               severity needs action (raises a task), 0 otherwise
     item      <TAB> code <TAB> category_zh <TAB> text_zh [<TAB> basis]   code [A-Z0-9-]{1,16}
               unique, text ≤ 500 bytes
   At least one severity with action 0, one with action 1, and one item. Errors name the file,
   the line and the field: "checklists/x.tsv:12: item.code: …" (err.offset = the line). */
struct eg_checklist_severity {
    int level;
    char *name, *label_zh;
    int action;
};
struct eg_checklist_item {
    char *code, *category_zh, *text_zh, *basis; /* basis may be NULL */
};
struct eg_checklist {
    char *code, *title_zh;
    struct eg_checklist_severity *sev;
    int nsev;
    struct eg_checklist_item *items;
    int nitems;
};
#define EG_CHECKLIST_MAX_BYTES (256u << 10)
#define EG_CHECKLIST_MAX_ITEMS 500
int eg_checklist_parse(const char *file, const char *data, size_t len, struct eg_checklist **out,
                       struct eg_err *err);
void eg_checklist_free(struct eg_checklist *c);
const struct eg_checklist_item *eg_checklist_item(const struct eg_checklist *c, const char *code);
const struct eg_checklist_severity *eg_checklist_severity(const struct eg_checklist *c,
                                                          const char *name);
/* Loads the embedded checklist with this code (data/checklists/<code>.tsv). EG_ENOTFOUND. */
int eg_checklist_load(const char *code, struct eg_checklist **out, struct eg_err *err);
/* Every embedded checklist as JSON [{code,title_zh,severities:[…],items:[…]}]; a file that does
   not parse fails the call (tests load them all). */
int eg_checklists_json(json_t **out, struct eg_err *err);
json_t *eg_checklist_json(const struct eg_checklist *c);

/* ==== complaints (a kind on the workflow engine) ====
   States: received 已受理 (initial) → handling 办理中 (the street took it up) → resolved 已办结
   (terminal, needs a reason: what was found and done); received/handling → rejected 不予受理
   (terminal, needs a reason: not an environmental matter, a duplicate, outside the district).
   Staff (admin, bureau) and the street the complaint is addressed to take the transitions; the
   public reads only the projection by receipt code, and a result only once staff published it.

   Anonymous intake runs as eg_intake_principal (role bureau, user id 0, name "intake": what
   the audit log shows), only inside eg_complaint_submit and eg_complaint_photo, never for
   anything a client chooses. */
extern const struct eg_principal eg_intake_principal;
extern const struct eg_flow_kind eg_complaint_kind;

/* Where a complaint lands: the region (street, or a grid under it) and its street. */
struct eg_intake_place {
    int64_t region_id, street_id;
    char region_code[32], street_code[32];
    char street_name[64];
    int by_point; /* 1: located from the coordinates */
};
/* Locates v (validated) per the rules at the top of this header; EG_EINVAL "location" or
   "region" with a message saying what to do. */
int eg_intake_locate(struct eg_db *db, const struct eg_intake_input *v, struct eg_intake_place *out,
                     struct eg_err *err);

/* Takes a complaint from the public (source "public" or "open311") or a grid patrol
   ("patrol"): validates, counts it against client_addr's rate limit (rate_limit per
   EG_INTAKE_RATE_WINDOW; 0 = EG_INTAKE_RATE_LIMIT, < 0 = no limit), locates it, creates the
   record addressed to the street and raises its task (task_type "complaint", origin
   "complaint", to the street) in one transaction. *out: {"receipt", "state", "state_zh",
   "region", "region_name", "street", "street_name", "requested_datetime"} — never the id. */
int eg_complaint_submit(struct eg_db *db, json_t *in, const char *source, const char *client_addr,
                        int rate_limit, json_t **out, struct eg_err *err);

/* The public projection by receipt code (already normalised or not): {"receipt",
   "service_code", "kind_zh", "state", "state_zh", "region_name", "requested_datetime",
   "updated_datetime" (Beijing), "published"; once published also "result", "description",
   "address", "lat", "long"}. Never the contact, the client address or the internal ids.
   EG_ENOTFOUND for an unknown code (and a well-formed but unknown one alike). */
int eg_complaint_status(struct eg_db *db, const char *receipt, json_t **out, struct eg_err *err);

/* Adds a photo to the complaint of receipt (anonymous): at most EG_INTAKE_MAX_PHOTOS, only
   while it is still in its initial state and within 24 hours of intake; checked by its bytes.
   *out: {"sha256","size","type"}. */
int eg_complaint_photo(struct eg_db *db, const char *receipt, const void *data, size_t len,
                       json_t **out, struct eg_err *err);

/* Staff publish (or withdraw) the result the public reads. result: required text when
   publishing (≤ 2000 characters). Audited. */
int eg_complaint_publish(struct eg_db *db, const struct eg_principal *who, int64_t id,
                         const char *result, int published, struct eg_err *err);

/* Published complaints for Open311 GET requests.json, newest first: service_code (or NULL),
   from/to (UTC seconds, 0 = open), limit 1..1000. Items as eg_complaint_status. */
int eg_complaint_published(struct eg_db *db, const char *service_code, int64_t from, int64_t to,
                           int limit, json_t **items, struct eg_err *err);

/* ==== stewards' inspections (环保管家巡查, a kind on the workflow engine) ====
   A steward (role steward) records an inspection of a unit under one of its steward_contracts
   (another unit answers 404, as unknown: no oracle); staff and the unit's street read it; the
   unit reads its own. States: recorded 已记录 (initial) → reviewed 已审阅 (staff or street,
   terminal). Each finding of a severity whose action is 1 raises a task (task_type
   "rectification", origin "steward", addressed to the unit, region the unit's street, so the
   street sees it). */
extern const struct eg_flow_kind eg_inspection_kind;
/* in: {"unit_id", "checklist", "visited_on"? (Beijing date, default today), "summary"?,
   "findings": [{"item", "severity", "note"?}]} — every item of the checklist at most once,
   unknown items or severities refused naming the finding. *out: the record with "findings"
   (each with its "task_id" when one was raised). */
int eg_inspection_record(struct eg_db *db, const struct eg_principal *who, json_t *in, json_t **out,
                         struct eg_err *err);
/* The record (engine view, scoped) with its findings. */
int eg_inspection_get(struct eg_db *db, const struct eg_principal *who, int64_t id, json_t **out,
                      struct eg_err *err);

#endif
