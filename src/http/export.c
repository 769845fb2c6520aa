/*
 * export.c: answering a list as JSON ({"items":[…],"next_cursor":…}), CSV or XLSX, chosen by
 * ?format=. Issue 3 §3: CSV is UTF-8 with a BOM (what Excel needs to read UTF-8) and XLSX is
 * written with Debian's libxlsxwriter; both have Chinese column headers (the fields' label_zh).
 *
 * Spreadsheet formula injection (OWASP "CSV injection"): a text cell starting with = + - @ is
 * run as a formula by Excel, so such cells are written with a leading apostrophe in CSV and as
 * plain strings (never formulas) in XLSX. The JSON API returns the stored text unchanged.
 *
 * Issue 11 §5: an export is read by a person, so every cell shows what that person reads —
 * booleans 是/否, enum values by their Chinese label (the column's enum_values/enum_zh), times in
 * Beijing time "YYYY-MM-DD HH:MM:SS" (EG_HTTP_COL_TIME), and references by name (the registry's
 * eg_registry_ref_names, with the id kept in a column of its own; api_registry.c). One mechanism,
 * the column description, serves every export, CSV and XLSX alike.
 */
#include "base/csv.h"
#include "http/http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* The columns of the evaluations' exports, shared by the HTTP exports (api_quality.c) and the
   CLI's `envgov eval … --format csv`, so both files read alike. */
static const struct eg_http_column annual_cols[] = {
    {.name = "pollutant", .label_zh = "污染物"},
    {.name = "valid_days", .label_zh = "有效天数"},
    {.name = "valid", .label_zh = "统计有效"},
    {.name = "annual_mean", .label_zh = "年均值"},
    {.name = "percentile_rank", .label_zh = "百分位"},
    {.name = "percentile", .label_zh = "百分位数浓度"},
    {.name = "max_daily", .label_zh = "日均最大值"},
    {.name = "compliant", .label_zh = "达标"},
    {.name = "exceed_mean", .label_zh = "年均超标倍数"},
    {.name = "exceed_percentile", .label_zh = "百分位超标倍数"}};

static const struct eg_http_column water_cols[] = {
    {.name = "month", .label_zh = "月份"},
    {.name = "period", .label_zh = "期间", .enum_values = "year", .enum_zh = "全年"},
    {.name = "samples", .label_zh = "监测天数"},
    {.name = "class",
     .label_zh = "水质类别",
     .enum_values = "I|II|III|IV|V|劣V",
     .enum_zh = "Ⅰ类|Ⅱ类|Ⅲ类|Ⅳ类|Ⅴ类|劣Ⅴ类"},
    {.name = "term", .label_zh = "水质状况"},
    {.name = "worst_text", .label_zh = "定类项目"},
    {.name = "over_target_text", .label_zh = "超标项目(超标倍数)"}};

static const struct eg_http_column noise_cols[] = {
    {.name = "date", .label_zh = "日期"},
    {.name = "ld", .label_zh = "昼间等效声级"},
    {.name = "ln", .label_zh = "夜间等效声级"},
    {.name = "day_ok", .label_zh = "昼间达标"},
    {.name = "night_ok", .label_zh = "夜间达标"},
    {.name = "day_over", .label_zh = "昼间超标量"},
    {.name = "night_over", .label_zh = "夜间超标量"}};

static const struct eg_http_column targets_cols[] = {
    {.name = "id", .label_zh = "目标编号"},
    {.name = "region", .label_zh = "区域"},
    {.name = "metric",
     .label_zh = "指标",
     .enum_values = "good_day_ratio|pm25_annual_mean|pm10_annual_mean|"
                    "water_class_iii_or_better_share|water_worse_than_v_share|"
                    "noise_day_compliance|noise_night_compliance|heavy_pollution_days",
     .enum_zh = "优良天数比率|PM2.5年均浓度|PM10年均浓度|地表水达到或好于Ⅲ类水体比例|"
                "劣Ⅴ类水体比例|声环境功能区昼间达标率|声环境功能区夜间达标率|重污染天数"},
    {.name = "comparison",
     .label_zh = "比较",
     .enum_values = "ge|gt|le|lt|about",
     .enum_zh = "不低于|高于|不高于|低于|约为"},
    {.name = "goal", .label_zh = "目标值"},
    {.name = "unit", .label_zh = "单位"},
    {.name = "period_start", .label_zh = "开始"},
    {.name = "period_end", .label_zh = "结束"},
    {.name = "as_of", .label_zh = "截至"},
    {.name = "value", .label_zh = "当前值"},
    {.name = "met", .label_zh = "已达标"},
    {.name = "on_track", .label_zh = "按进度"},
    {.name = "achievable", .label_zh = "可实现"},
    {.name = "left", .label_zh = "尚需"},
    {.name = "note", .label_zh = "说明"},
    {.name = "text", .label_zh = "规划原文"}};

const struct eg_http_column *eg_http_export_columns(const char *name, int *n)
{
    static const struct {
        const char *name;
        const struct eg_http_column *cols;
        int n;
    } all[] = {
        {"annual", annual_cols, (int)EG_ARRAY_LEN(annual_cols)},
        {"water", water_cols, (int)EG_ARRAY_LEN(water_cols)},
        {"noise", noise_cols, (int)EG_ARRAY_LEN(noise_cols)},
        {"targets", targets_cols, (int)EG_ARRAY_LEN(targets_cols)},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(all); i++)
        if (!strcmp(all[i].name, name)) {
            *n = all[i].n;
            return all[i].cols;
        }
    *n = 0;
    return NULL;
}

int eg_http_format(struct eg_http_req *rq, int *fmt)
{
    const char *f = eg_http_query(rq, "format");
    if (!f || !strcmp(f, "json"))
        *fmt = EG_HTTP_FMT_JSON;
    else if (!strcmp(f, "csv"))
        *fmt = EG_HTTP_FMT_CSV;
    else if (!strcmp(f, "xlsx"))
        *fmt = EG_HTTP_FMT_XLSX;
    else
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_format", -1,
                          "format must be json, csv or xlsx");
    return 0;
}

/* A cell's text: strings as stored, numbers in shortest round-trip form, booleans 是/否. */
static void cell_text(struct eg_buf *out, json_t *v)
{
    char num[40];
    if (json_is_string(v)) {
        eg_buf_append(out, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        eg_buf_puts(out, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        eg_buf_puts(out, num);
    } else if (json_is_boolean(v)) {
        eg_buf_puts(out, json_is_true(v) ? "是" : "否");
    } else if (v && !json_is_null(v)) {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        eg_buf_puts(out, s ? s : "");
        free(s);
    }
}

/* An enum value shown by its Chinese label (registry.h: enum_zh parallel to enum_values). */
static json_t *enum_label(const struct eg_http_column *col, json_t *v)
{
    if (!col->enum_values || !col->enum_zh || !json_is_string(v))
        return json_incref(v);
    const char *val = json_string_value(v), *p = col->enum_values, *z = col->enum_zh;
    size_t vn = strlen(val);
    while (*p && *z) {
        const char *pe = strchr(p, '|'), *ze = strchr(z, '|');
        size_t pn = pe ? (size_t)(pe - p) : strlen(p), zn = ze ? (size_t)(ze - z) : strlen(z);
        if (pn == vn && !memcmp(p, val, vn))
            return json_stringn(z, zn);
        if (!pe || !ze)
            break;
        p = pe + 1;
        z = ze + 1;
    }
    return json_incref(v);
}

/* A time as a person in the bureau reads it: Beijing "YYYY-MM-DD HH:MM:SS". Epoch seconds are
   converted; a Beijing time text with minutes only gets its seconds; a date stays a date; any
   other text is shown as it is. */
static json_t *time_label(json_t *v)
{
    char b[32];
    int64_t t;
    if (json_is_integer(v)) {
        eg_time_format_beijing((int64_t)json_integer_value(v), b, sizeof b);
        return json_string(b);
    }
    if (json_is_string(v) && json_string_length(v) > 10 &&
        !eg_time_parse_beijing(json_string_value(v), json_string_length(v), &t)) {
        eg_time_format_beijing(t, b, sizeof b);
        return json_string(b);
    }
    return json_incref(v);
}

/* The value of a cell as shown: enum labels, times, booleans (new reference, or NULL). */
static json_t *cell_value(const struct eg_http_column *col, json_t *row)
{
    json_t *v = json_object_get(row, col->name);
    if (col->kind == EG_HTTP_COL_TIME)
        return time_label(v);
    return enum_label(col, v);
}

/* One cell; text is neutralised against formula injection (the file is opened in Excel). */
static void csv_field(struct eg_buf *out, json_t *v)
{
    struct eg_buf t = {0};
    cell_text(&t, v);
    eg_csv_put(out, t.data ? t.data : "", t.len, json_is_string(v) ? EG_CSV_NEUTRALISE : 0);
    eg_buf_free(&t);
}

void eg_http_csv_write(struct eg_buf *out, const struct eg_http_column *cols, int ncols,
                       json_t *items)
{
    eg_buf_puts(out, "\xEF\xBB\xBF"); /* UTF-8 BOM: Excel reads the file as UTF-8 */
    for (int c = 0; c < ncols; c++) {
        json_t *h = json_string(cols[c].label_zh ? cols[c].label_zh : cols[c].name);
        if (c)
            eg_buf_puts(out, ",");
        csv_field(out, h);
        json_decref(h);
    }
    eg_buf_puts(out, "\r\n");
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row)
    {
        for (int c = 0; c < ncols; c++) {
            if (c)
                eg_buf_puts(out, ",");
            json_t *v = cell_value(&cols[c], row);
            csv_field(out, v);
            json_decref(v);
        }
        eg_buf_puts(out, "\r\n");
    }
}

/* The temporary workbook, read back to be served (it is ours: no size check needed). */
static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct eg_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        eg_buf_append(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad || !b.len) {
        eg_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

/* Excel sheet names: at most 31 characters, none of []:*?/\ . */
static void sheet_name(const char *in, char *out, size_t outsz)
{
    size_t o = 0, chars = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && chars < 31;) {
        size_t n = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        if (o + n + 1 > outsz)
            break;
        if (n == 1 && strchr("[]:*?/\\", *p))
            out[o++] = '_', p++;
        else
            for (size_t k = 0; k < n && *p; k++)
                out[o++] = (char)*p++;
        chars++;
    }
    out[o] = '\0';
    if (!o)
        snprintf(out, outsz, "Sheet1");
}

int eg_http_xlsx_write(struct eg_buf *out, const char *sheet_zh, const struct eg_http_column *cols,
                       int ncols, json_t *items, struct eg_err *err)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/envgov-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return eg_err_set(err, EG_EIO, "export_failed", -1, "cannot create a temporary file");
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb) {
        unlink(path);
        return eg_err_set(err, EG_EIO, "export_failed", -1, "cannot start the workbook");
    }
    char sname[128];
    sheet_name(sheet_zh ? sheet_zh : "", sname, sizeof sname);
    lxw_worksheet *ws = workbook_add_worksheet(wb, sname);
    if (!ws)
        ws = workbook_add_worksheet(wb, NULL);
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    for (int c = 0; c < ncols; c++) {
        worksheet_write_string(ws, 0, (lxw_col_t)c,
                               cols[c].label_zh ? cols[c].label_zh : cols[c].name, bold);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, 16, NULL);
    }
    size_t i;
    json_t *row;
    struct eg_buf t = {0};
    json_array_foreach(items, i, row)
    {
        if (i + 1 >= LXW_ROW_MAX)
            break;
        lxw_row_t r = (lxw_row_t)(i + 1);
        for (int c = 0; c < ncols; c++) {
            json_t *v = cell_value(&cols[c], row);
            if (!v || json_is_null(v)) {
                json_decref(v);
                continue;
            }
            if (json_is_integer(v) || json_is_real(v))
                worksheet_write_number(ws, r, (lxw_col_t)c, json_number_value(v), NULL);
            else {
                t.len = 0;
                cell_text(&t, v);
                eg_buf_append(&t, "", 1); /* NUL-terminate; text stops at an embedded NUL */
                worksheet_write_string(ws, r, (lxw_col_t)c, t.data, NULL);
            }
            json_decref(v);
        }
    }
    eg_buf_free(&t);
    lxw_error e = workbook_close(wb);
    size_t len = 0;
    char *data = e == LXW_NO_ERROR ? read_whole(path, &len) : NULL;
    unlink(path);
    if (!data)
        return eg_err_set(err, EG_EIO, "export_failed", -1, "writing the workbook failed: %s",
                          lxw_strerror(e));
    eg_buf_append(out, data, len);
    free(data);
    return 0;
}

int eg_http_reply_list(struct eg_http_req *rq, const char *sheet_zh, const char *file_stem,
                       const struct eg_http_column *cols, int ncols, json_t *items,
                       const char *next_cursor)
{
    int fmt;
    int rc = eg_http_format(rq, &fmt);
    if (rc) {
        json_decref(items);
        return rc;
    }
    if (fmt == EG_HTTP_FMT_JSON) {
        json_t *j = json_object();
        json_object_set_new(j, "items", items);
        json_object_set_new(j, "next_cursor", next_cursor ? json_string(next_cursor) : json_null());
        return eg_http_reply_json(rq, 200, j);
    }
    struct eg_buf b = {0};
    char disp[160];
    if (fmt == EG_HTTP_FMT_CSV) {
        eg_http_csv_write(&b, cols, ncols, items);
        json_decref(items);
        eg_http_reply_buf(rq, 200, "text/csv; charset=utf-8", &b);
        snprintf(disp, sizeof disp, "attachment; filename=\"%s.csv\"", file_stem);
    } else {
        rc = eg_http_xlsx_write(&b, sheet_zh, cols, ncols, items, eg_http_err(rq));
        json_decref(items);
        if (rc) {
            eg_buf_free(&b);
            return rc;
        }
        eg_http_reply_buf(rq, 200,
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &b);
        snprintf(disp, sizeof disp, "attachment; filename=\"%s.xlsx\"", file_stem);
    }
    /* an export of one page (an explicit limit) says where the next page starts */
    int safe = next_cursor && *next_cursor;
    for (const char *c = next_cursor; safe && *c; c++)
        safe = *c > 0x20 && *c < 0x7f;
    if (safe)
        eg_http_add_header(rq, "X-Next-Cursor", next_cursor);
    return eg_http_add_header(rq, "Content-Disposition", disp);
}
