/*
 * resources.c: the registry's resources as data — fields (name, Chinese label, type, flags),
 * the policy table (role x action), the row-scope expressions and the cross-field checks.
 * registry.c is the generic engine that reads these; the HTTP handlers, exports, imports and
 * the OpenAPI document read the same tables. A new resource is one entry here plus a migration.
 *
 * Policy (who may do what on which rows) — decided here and nowhere else:
 *   admin       everything (the audit log read-only)
 *   bureau      everything except users; the audit log read-only
 *   street      reads rows in its region (the street and its grids) and what is public; creates,
 *               updates and deletes units and outlets in its region
 *   enterprise  reads its own unit, its outlets, permits, limits, devices and steward contracts,
 *               plus what is public; creates, updates and deletes its own outlets and devices
 *               (permits are issued by the bureau, units kept by the bureau and streets).
 *               A device it creates or re-attaches goes onto an outlet of its own unit only,
 *               never onto a monitoring station (403), and is unconfirmed (confirmed = false)
 *               until the bureau confirms it: an unconfirmed device does not count for
 *               compliance (devices_authorize below)
 *   steward     reads the units it is contracted for and their outlets, permits, limits,
 *               devices, its own contracts, plus what is public; writes nothing here
 *   anonymous   reads only what is public: regions, units marked public and their outlets,
 *               permits and limits (disclosed information, 企业环境信息依法披露), public stations
 * A write must keep the row in the writer's scope before and after the change.
 *
 * Devices and stations: only admin and bureau attach a device to a station, and only they set
 * a device's confirmed flag. Device MNs and station codes are one namespace: a device MN never
 * equals a station code and a station code never equals a device MN (409 on create, update and
 * import), so a time-series source names exactly one registry object (see registry.h).
 */
#include "auth/auth.h"
#include "registry/internal.h"

#include <string.h>

#define FT(n, l, t, fl)                                                                            \
    {                                                                                              \
        n, l, t, fl, NULL, NULL, 0, NULL                                                           \
    }
#define FTX(n, l, fl, max)                                                                         \
    {                                                                                              \
        n, l, EG_FT_TEXT, fl, NULL, NULL, max, NULL                                                \
    }
#define FE(n, l, fl, vals, zh)                                                                     \
    {                                                                                              \
        n, l, EG_FT_ENUM, fl, vals, NULL, 0, zh                                                    \
    }
#define FR(n, l, fl, ref)                                                                          \
    {                                                                                              \
        n, l, EG_FT_REF, fl, NULL, ref, 0, NULL                                                    \
    }

enum { F = EG_FF_FILTER, S = EG_FF_SEARCH, RQ = EG_FF_REQUIRED, U = EG_FF_UNIQUE };

/* ---- cross-field checks ---- */

static int64_t jint(json_t *row, const char *k)
{
    json_t *v = json_object_get(row, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static const char *jstr(json_t *row, const char *k)
{
    json_t *v = json_object_get(row, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int set(json_t *row, const char *k)
{
    json_t *v = json_object_get(row, k);
    return v && !json_is_null(v);
}

/* Letters then digits, as in 排污许可 outlet codes (DA001 废气, DW001 废水). */
static int code_like(const char *s, int max_letters, int max_digits)
{
    int l = 0, d = 0;
    while (*s >= 'A' && *s <= 'Z' && l <= max_letters) {
        s++;
        l++;
    }
    while (*s >= '0' && *s <= '9' && d <= max_digits) {
        s++;
        d++;
    }
    return !*s && l >= 1 && l <= max_letters && d >= 1 && d <= max_digits;
}

static int alnum_span(const char *s, size_t min, size_t max)
{
    size_t n = 0;
    for (; *s; s++, n++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
            return 0;
    return n >= min && n <= max;
}

static int dates_ordered(json_t *row, struct eg_err *err)
{
    const char *a = jstr(row, "valid_from"), *b = jstr(row, "valid_to");
    if (a && b && strcmp(a, b) > 0)
        return eg_err_set(err, EG_EINVAL, "valid_to", -1, "valid_to %s is before valid_from %s", b,
                          a);
    return 0;
}

static int check_regions(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    const char *level = jstr(row, "level");
    int64_t parent = jint(row, "parent_id");
    if (!level)
        return 0;
    if (!strcmp(level, "district"))
        return parent
                   ? eg_err_set(err, EG_EINVAL, "parent_id", -1, "a district has no parent region")
                   : 0;
    if (!parent)
        return eg_err_set(err, EG_EINVAL, "parent_id", -1, "a %s needs its parent region", level);
    if (parent == id)
        return eg_err_set(err, EG_EINVAL, "parent_id", -1, "a region cannot be its own parent");
    /* street/town (街镇) under a district; grid (网格) under a street. */
    const char *want = !strcmp(level, "street") ? "district" : "street";
    int64_t ok = 0;
    int found = 0;
    int r = eg_db_query_int(st, "SELECT COUNT(*) FROM regions WHERE id = ? AND level = ?", parent,
                            want, &ok, &found, err);
    if (r < 0)
        return r;
    if (!ok)
        return eg_err_set(err, EG_EINVAL, "parent_id", -1, "the parent of a %s must be a %s", level,
                          want);
    return 0;
}

static int check_units(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    const char *kind = jstr(row, "kind");
    if (kind && !strcmp(kind, "enterprise") && !set(row, "credit_code"))
        return eg_err_set(err, EG_EINVAL, "credit_code", -1,
                          "an enterprise (排污单位) needs its 统一社会信用代码");
    int64_t park = jint(row, "park_id");
    if (park) {
        if (park == id)
            return eg_err_set(err, EG_EINVAL, "park_id", -1, "a unit cannot be its own park");
        int64_t n = 0;
        int found = 0;
        int r = eg_db_query_int(st, "SELECT COUNT(*) FROM units WHERE id = ? AND kind = ?", park,
                                "park", &n, &found, err);
        if (r < 0)
            return r;
        if (!n)
            return eg_err_set(err, EG_EINVAL, "park_id", -1, "park_id %lld is not a park (园区)",
                              (long long)park);
    }
    return 0;
}

static int check_outlets(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    const char *code = jstr(row, "code");
    if (code && !code_like(code, 4, 6))
        return eg_err_set(err, EG_EINVAL, "code", -1,
                          "outlet code must be letters then digits, e.g. DA001 or DW001");
    return 0;
}

static int check_permits(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    return dates_ordered(row, err);
}

static int check_limits(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    const char *p = jstr(row, "pollutant");
    if (p && !alnum_span(p, 1, 8))
        return eg_err_set(err, EG_EINVAL, "pollutant", -1,
                          "pollutant must be an HJ 212 code such as a21026 or w01018");
    json_t *c = json_object_get(row, "conc_limit"), *a = json_object_get(row, "annual_t");
    if (json_is_number(c) && json_number_value(c) < 0)
        return eg_err_set(err, EG_EINVAL, "conc_limit", -1, "conc_limit must not be negative");
    if (json_is_number(a) && json_number_value(a) < 0)
        return eg_err_set(err, EG_EINVAL, "annual_t", -1, "annual_t must not be negative");
    int64_t outlet = jint(row, "outlet_id"), permit = jint(row, "permit_id");
    if (outlet && permit) {
        int64_t n = 0;
        struct eg_stmt *s;
        int r = eg_db_prepare(st,
                              "SELECT COUNT(*) FROM outlets o JOIN permits p ON p.unit_id = "
                              "o.unit_id WHERE o.id = ? AND p.id = ?",
                              &s, err);
        if (r < 0)
            return r;
        eg_stmt_bind_int(s, 1, outlet);
        eg_stmt_bind_int(s, 2, permit);
        r = eg_stmt_step(s, err);
        n = r == 1 ? eg_stmt_int(s, 0) : 0;
        eg_stmt_done(s);
        if (r < 0)
            return r;
        if (!n)
            return eg_err_set(err, EG_EINVAL, "outlet_id", -1,
                              "outlet %lld does not belong to the permit's unit",
                              (long long)outlet);
    }
    return 0;
}

/* Device MNs and station codes share one namespace, the time-series sources (registry.h):
   a station code must not be a device MN, nor an MN a station code. EG_ECONFLICT (409). */
static int source_taken(struct eg_db *st, const char *sql, const char *name, const char *field,
                        const char *what, struct eg_err *err)
{
    int64_t n = 0;
    int found = 0;
    int r = eg_db_query_int(st, sql, 0, name, &n, &found, err);
    if (r < 0)
        return r;
    if (n)
        return eg_err_set(err, EG_ECONFLICT, field, -1,
                          "%s %.64s is already %s: device MNs and station codes name time-series "
                          "sources and must differ",
                          field, name, what);
    return 0;
}

static int check_stations(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    const char *code = jstr(row, "code");
    if (code) {
        int r = source_taken(st, "SELECT COUNT(*) FROM devices WHERE ? >= 0 AND mn = ?", code,
                             "code", "a device MN", err);
        if (r < 0)
            return r;
    }
    const char *kind = jstr(row, "kind");
    if (!kind)
        return 0;
    if (set(row, "water_class") && strcmp(kind, "water"))
        return eg_err_set(err, EG_EINVAL, "water_class", -1,
                          "water_class (GB 3838 target class) applies to water sections only");
    if (set(row, "noise_zone") && strcmp(kind, "noise"))
        return eg_err_set(err, EG_EINVAL, "noise_zone", -1,
                          "noise_zone (GB 3096 functional zone) applies to noise stations only");
    return 0;
}

static int check_devices(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    const char *mn = jstr(row, "mn");
    /* HJ 212-2017 §6.3.2: MN up to 24 characters (2005 editions use 14 digits). */
    if (mn && !alnum_span(mn, 1, 24))
        return eg_err_set(err, EG_EINVAL, "mn", -1, "MN must be 1 to 24 letters or digits");
    if (mn) {
        int r = source_taken(st, "SELECT COUNT(*) FROM stations WHERE ? >= 0 AND code = ?", mn,
                             "mn", "a station code", err);
        if (r < 0)
            return r;
    }
    if (set(row, "outlet_id") == set(row, "station_id"))
        return eg_err_set(err, EG_EINVAL, "outlet_id", -1,
                          "a device measures exactly one outlet or one station");
    json_t *iv = json_object_get(row, "interval_s");
    if (json_is_integer(iv) && (json_integer_value(iv) < 1 || json_integer_value(iv) > 86400))
        return eg_err_set(err, EG_EINVAL, "interval_s", -1, "interval_s must be 1 to 86400");
    const char *p = jstr(row, "pollutants");
    if (p) {
        /* Comma-separated HJ 212 codes. */
        const char *s = p;
        while (*s) {
            const char *e = strchr(s, ',');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            int ok = n >= 1 && n <= 8;
            for (size_t i = 0; ok && i < n; i++)
                ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
                     (s[i] >= 'A' && s[i] <= 'Z');
            if (!ok)
                return eg_err_set(err, EG_EINVAL, "pollutants", -1,
                                  "pollutants must be HJ 212 codes separated by commas");
            s += n;
            if (*s == ',')
                s++;
        }
    }
    return 0;
}

/* Who may attach a device to what, and confirm it (the policy comment above). */
static int devices_authorize(const struct eg_principal *who, json_t *body, json_t *before,
                             struct eg_err *err)
{
    if (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU)
        return 0;
    if (json_object_get(body, "confirmed"))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau confirms a device (confirmed)");
    json_t *station = json_object_get(body, "station_id");
    if (!station && before)
        station = json_object_get(before, "station_id");
    if (station && !json_is_null(station))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau attaches a device to a monitoring station; an "
                          "enterprise attaches devices to its own outlets");
    /* A new device, or one moved to another outlet or MN, waits for the bureau's confirmation. */
    int moved = !before;
    static const char *const keys[] = {"outlet_id", "mn"};
    for (size_t i = 0; i < 2 && !moved; i++) {
        json_t *v = json_object_get(body, keys[i]);
        moved = v && !json_equal(v, json_object_get(before, keys[i]));
    }
    if (moved)
        json_object_set_new(body, "confirmed", json_false());
    return 0;
}

static int check_users(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    const char *u = jstr(row, "username");
    if (u) {
        size_t n = 0;
        for (const char *s = u; *s; s++, n++)
            if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
                  (*s >= 'a' && *s <= 'z') || *s == '_' || *s == '.' || *s == '-' || *s == '@'))
                return eg_err_set(err, EG_EINVAL, "username", -1,
                                  "username: letters, digits and _ . - @ only");
        if (n < 1 || n > 63)
            return eg_err_set(err, EG_EINVAL, "username", -1, "username: 1 to 63 characters");
    }
    const char *role = jstr(row, "role");
    if (role && !strcmp(role, "street") && !set(row, "region_id"))
        return eg_err_set(err, EG_EINVAL, "region_id", -1, "a street user needs its region");
    if (role && !strcmp(role, "enterprise") && !set(row, "unit_id"))
        return eg_err_set(err, EG_EINVAL, "unit_id", -1, "an enterprise user needs its unit");
    return 0;
}

static int check_contracts(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err)
{
    int64_t user = jint(row, "user_id");
    if (user) {
        int64_t n = 0;
        int found = 0;
        int r = eg_db_query_int(st, "SELECT COUNT(*) FROM users WHERE id = ? AND role = ?", user,
                                "steward", &n, &found, err);
        if (r < 0)
            return r;
        if (!n)
            return eg_err_set(err, EG_EINVAL, "user_id", -1,
                              "user %lld is not a steward (环保管家)", (long long)user);
    }
    return dates_ordered(row, err);
}

/* ---- the resources ---- */

static const struct eg_field region_fields[] = {
    FTX("code", "区划代码", RQ | U | F | S, 32),
    FT("name", "名称", EG_FT_TEXT, RQ | S),
    FE("level", "层级", RQ | F, "district|street|grid", "区|街镇|网格"),
    FR("parent_id", "上级区域", F, "regions"),
};

static const struct eg_field unit_fields[] = {
    FT("name", "单位名称", EG_FT_TEXT, RQ | S),
    FE("kind", "单位类型", RQ | F, "enterprise|park|street|community|building",
       "排污单位|园区|街镇|社区/村居|楼宇"),
    {"credit_code", "统一社会信用代码", EG_FT_TEXT, U | F | S | EG_FF_CREDIT_CODE, NULL, NULL, 18,
     NULL},
    FT("industry", "行业类别", EG_FT_TEXT, F | S),
    FT("address", "地址", EG_FT_TEXT, S),
    FT("lon", "经度", EG_FT_REAL, 0),
    FT("lat", "纬度", EG_FT_REAL, 0),
    FR("region_id", "所属区域", F, "regions"),
    FR("park_id", "所属园区", F, "units"),
    FT("key_water", "水环境重点排污单位", EG_FT_BOOL, F),
    FT("key_air", "大气环境重点排污单位", EG_FT_BOOL, F),
    FT("key_soil", "土壤污染重点监管单位", EG_FT_BOOL, F),
    FT("key_noise", "噪声重点排污单位", EG_FT_BOOL, F),
    FT("key_risk", "环境风险重点管控单位", EG_FT_BOOL, F),
    FT("public", "公开", EG_FT_BOOL, F),
};

static const struct eg_field outlet_fields[] = {
    FR("unit_id", "所属单位", RQ | F, "units"),
    FTX("code", "排放口编号", RQ | F | S, 16),
    FT("name", "排放口名称", EG_FT_TEXT, S),
    FE("type", "排放口类型", RQ | F, "waste_gas|waste_water|noise", "废气|废水|噪声"),
    FT("lon", "经度", EG_FT_REAL, 0),
    FT("lat", "纬度", EG_FT_REAL, 0),
};

static const struct eg_field permit_fields[] = {
    FTX("number", "许可证编号", RQ | U | F | S, 64),
    FR("unit_id", "持证单位", RQ | F, "units"),
    FE("category", "管理类别", RQ | F, "key|simplified|registration", "重点管理|简化管理|登记管理"),
    FT("valid_from", "有效期起", EG_FT_DATE, 0),
    FT("valid_to", "有效期止", EG_FT_DATE, F),
    FE("status", "状态", F, "valid|expired|revoked|suspended", "有效|已过期|已撤销|已暂停"),
};

static const struct eg_field limit_fields[] = {
    FR("permit_id", "排污许可证", RQ | F, "permits"),
    FR("outlet_id", "排放口", F, "outlets"),
    FTX("pollutant", "污染物编码", RQ | F, 8),
    FT("pollutant_name", "污染物名称", EG_FT_TEXT, S),
    FT("conc_limit", "许可排放浓度限值", EG_FT_REAL, 0),
    FTX("conc_unit", "浓度单位", 0, 16),
    FT("standard", "执行标准", EG_FT_TEXT, F | S),
    FT("annual_t", "许可年排放量(t/a)", EG_FT_REAL, 0),
};

static const struct eg_field station_fields[] = {
    FTX("code", "站点编码", RQ | U | F | S, 32),
    FT("name", "站点名称", EG_FT_TEXT, RQ | S),
    FE("kind", "站点类型", RQ | F, "air|water|noise", "环境空气|地表水|噪声"),
    FR("region_id", "所属区域", F, "regions"),
    FT("lon", "经度", EG_FT_REAL, 0),
    FT("lat", "纬度", EG_FT_REAL, 0),
    FE("water_class", "水质目标", F, "I|II|III|IV|V", "Ⅰ类|Ⅱ类|Ⅲ类|Ⅳ类|Ⅴ类"),
    FE("noise_zone", "声环境功能区", F, "0|1|2|3|4a|4b", "0类|1类|2类|3类|4a类|4b类"),
    FT("public", "公开", EG_FT_BOOL, F),
};

static const struct eg_field device_fields[] = {
    FTX("mn", "设备MN号", RQ | U | F | S, 24),
    FTX("password", "访问密码", RQ | EG_FF_SECRET, 64),
    FT("name", "设备名称", EG_FT_TEXT, S),
    FE("protocol", "协议版本", F, "2005|2017|2025", "HJ/T 212-2005|HJ 212-2017|HJ 212-2025"),
    FE("crc", "CRC算法", 0, "hj212|modbus_swapped", "HJ 212|Modbus高低字节互换"),
    FT("lenient", "宽松解析", EG_FT_BOOL, 0),
    FR("outlet_id", "排放口", F, "outlets"),
    FR("station_id", "监测站点", F, "stations"),
    FTX("pollutants", "监测因子", 0, 512),
    FT("interval_s", "上报间隔(秒)", EG_FT_INT, 0),
    /* set by bureau and admin only; false on what an enterprise creates or moves (002) */
    FT("confirmed", "已确认", EG_FT_BOOL, F),
};

static const struct eg_field user_fields[] = {
    FTX("username", "用户名", RQ | U | F | S, 63),
    FE("role", "角色", RQ | F, "admin|bureau|street|enterprise|steward",
       "系统管理员|生态环境局|街镇|企业|环保管家"),
    FT("display_name", "姓名", EG_FT_TEXT, S),
    FR("region_id", "所属区域", F, "regions"),
    FR("unit_id", "所属单位", F, "units"),
    FTX("password", "密码", RQ | EG_FF_SECRET, EG_AUTH_PASSWORD_MAX),
    FT("disabled", "停用", EG_FT_BOOL, F),
};

static const struct eg_field contract_fields[] = {
    FR("user_id", "环保管家用户", RQ | F, "users"),
    FR("unit_id", "服务单位", RQ | F, "units"),
    FT("valid_from", "合同起", EG_FT_DATE, 0),
    FT("valid_to", "合同止", EG_FT_DATE, 0),
};

#define RO EG_FF_READONLY
/* Read-only text shown by a Chinese label in exports (input is never checked against it). */
#define FTL(n, l, fl, vals, zh)                                                                    \
    {                                                                                              \
        n, l, EG_FT_TEXT, fl, vals, NULL, 0, zh                                                    \
    }
static const struct eg_field audit_fields[] = {
    FT("at", "时间", EG_FT_INT, RO | F | EG_FF_TIME),
    FT("actor_id", "操作人ID", EG_FT_INT, RO | F),
    FT("actor", "操作人", EG_FT_TEXT, RO | F | S),
    FTL("resource", "资源", RO | F,
        "regions|units|outlets|permits|permit_limits|stations|devices|users|steward_contracts|"
        "sessions",
        "区域|单位|排放口|排污许可证|许可排放限值|监测站点|监测设备|用户|环保管家服务合同|"
        "登录会话"),
    FT("row_id", "记录ID", EG_FT_INT, RO | F),
    FTL("action", "操作", RO | F, "create|update|delete|login|logout",
        "新增|修改|删除|登录|退出登录"),
    FT("before_json", "修改前", EG_FT_TEXT, RO),
    FT("after_json", "修改后", EG_FT_TEXT, RO),
};

#define RES(var, name, table, zh, fields)                                                          \
    static const struct eg_resource var = {name, table, zh, fields, (int)EG_ARRAY_LEN(fields)}
RES(res_regions, "regions", "regions", "区域", region_fields);
RES(res_units, "units", "units", "单位", unit_fields);
RES(res_outlets, "outlets", "outlets", "排放口", outlet_fields);
RES(res_permits, "permits", "permits", "排污许可证", permit_fields);
RES(res_limits, "permit_limits", "permit_limits", "许可排放限值", limit_fields);
RES(res_stations, "stations", "stations", "监测站点", station_fields);
RES(res_devices, "devices", "devices", "监测设备", device_fields);
RES(res_users, "users", "users", "用户", user_fields);
RES(res_contracts, "steward_contracts", "steward_contracts", "环保管家服务合同", contract_fields);
RES(res_audit, "audit", "audit_log", "审计日志", audit_fields);

const struct eg_resource *const eg_registry_resources[] = {
    &res_regions, &res_units, &res_outlets,   &res_permits, &res_limits, &res_stations,
    &res_devices, &res_users, &res_contracts, &res_audit,   NULL,
};

enum { R = EG_P_R, A = EG_P_ALL };

/* policy columns: anon, admin, bureau, street, enterprise, steward */
static const struct eg__res_impl impls[] = {
    {&res_regions, {R, A, A, R, R, R}, NULL, "t.id", "1 = 1", NULL, "code", 0, check_regions, NULL},
    {&res_units,
     {R, A, A, A, R, R},
     "t.id",
     "t.region_id",
     "t.public = 1",
     NULL,
     "credit_code",
     0,
     check_units,
     NULL},
    {&res_outlets,
     {R, A, A, A, A, R},
     "t.unit_id",
     "(SELECT u.region_id FROM units u WHERE u.id = t.unit_id)",
     "(SELECT u.public FROM units u WHERE u.id = t.unit_id) = 1",
     NULL,
     NULL,
     0,
     check_outlets,
     NULL},
    {&res_permits,
     {R, A, A, R, R, R},
     "t.unit_id",
     "(SELECT u.region_id FROM units u WHERE u.id = t.unit_id)",
     "(SELECT u.public FROM units u WHERE u.id = t.unit_id) = 1",
     NULL,
     "number",
     0,
     check_permits,
     NULL},
    {&res_limits,
     {R, A, A, R, R, R},
     "(SELECT p.unit_id FROM permits p WHERE p.id = t.permit_id)",
     "(SELECT u.region_id FROM permits p JOIN units u ON u.id = p.unit_id WHERE p.id = "
     "t.permit_id)",
     "(SELECT u.public FROM permits p JOIN units u ON u.id = p.unit_id WHERE p.id = t.permit_id) = "
     "1",
     NULL,
     NULL,
     0,
     check_limits,
     NULL},
    {&res_stations,
     {R, A, A, R, R, R},
     NULL,
     "t.region_id",
     "t.public = 1",
     NULL,
     "code",
     0,
     check_stations,
     NULL},
    {&res_devices,
     {0, A, A, R, A, R},
     "(SELECT o.unit_id FROM outlets o WHERE o.id = t.outlet_id)",
     "COALESCE((SELECT u.region_id FROM outlets o JOIN units u ON u.id = o.unit_id WHERE o.id = "
     "t.outlet_id), (SELECT s.region_id FROM stations s WHERE s.id = t.station_id))",
     NULL,
     NULL,
     "mn",
     1,
     check_devices,
     devices_authorize},
    {&res_users,
     {0, A, 0, 0, 0, 0},
     "t.unit_id",
     "t.region_id",
     NULL,
     NULL,
     "username",
     0,
     check_users,
     NULL},
    {&res_contracts,
     {0, A, A, R, R, R},
     "t.unit_id",
     "(SELECT u.region_id FROM units u WHERE u.id = t.unit_id)",
     NULL,
     "t.user_id",
     NULL,
     0,
     check_contracts,
     NULL},
    {&res_audit, {0, R, R, 0, 0, 0}, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL},
};

const struct eg__res_impl *eg__registry_impl(const struct eg_resource *res)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(impls); i++)
        if (impls[i].res == res)
            return &impls[i];
    return NULL;
}
