/*
 * pilot_export.c: what a round produces on paper — the recommended list in the layout of seed
 * 000's 附表 (per kind a heading "企业（10）" and a table 序号 · 申报单位 · 创新点) and the score
 * sheet, each as CSV (UTF-8 with a BOM, spreadsheet formulas neutralised) and XLSX (libxlsxwriter;
 * text always written as strings, never formulas). Both formats come from one table of cells, so
 * they cannot disagree.
 */
#include "plans/plans.h"

#include "base/csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

enum row_style { ROW_PLAIN, ROW_TITLE, ROW_HEADING, ROW_HEADER };

#define MAX_COLS 24

struct cell {
    char *text;
    int is_num;
    double num;
};
struct row {
    enum row_style style;
    int n;
    struct cell c[MAX_COLS];
};
struct table {
    struct row *rows;
    int n, cap;
    int ncols;
    const double *widths;
};

static struct row *row_add(struct table *t, enum row_style st)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->rows = eg_realloc(t->rows, (size_t)t->cap * sizeof *t->rows);
    }
    struct row *r = &t->rows[t->n++];
    memset(r, 0, sizeof *r);
    r->style = st;
    return r;
}

static void cell_str(struct row *r, const char *s)
{
    if (r->n < MAX_COLS)
        r->c[r->n++].text = eg_strdup(s ? s : "");
}

static void cell_num(struct row *r, double v)
{
    char b[32];
    eg_pilot_fmt(v, b, sizeof b);
    if (r->n < MAX_COLS) {
        r->c[r->n].text = eg_strdup(b);
        r->c[r->n].is_num = 1;
        r->c[r->n].num = (double)llround(v * 100.0) / 100.0;
        r->n++;
    }
}

static void cell_int(struct row *r, long v)
{
    char b[32];
    snprintf(b, sizeof b, "%ld", v);
    if (r->n < MAX_COLS) {
        r->c[r->n].text = eg_strdup(b);
        r->c[r->n].is_num = 1;
        r->c[r->n].num = (double)v;
        r->n++;
    }
}

static void table_free(struct table *t)
{
    for (int i = 0; i < t->n; i++)
        for (int j = 0; j < t->rows[i].n; j++)
            free(t->rows[i].c[j].text);
    free(t->rows);
}

static void table_csv(const struct table *t, struct eg_buf *out)
{
    eg_buf_puts(out, "\xEF\xBB\xBF");
    for (int i = 0; i < t->n; i++) {
        const struct row *r = &t->rows[i];
        for (int j = 0; j < r->n; j++) {
            if (j)
                eg_buf_puts(out, ",");
            eg_csv_put(out, r->c[j].text, strlen(r->c[j].text), EG_CSV_NEUTRALISE);
        }
        eg_buf_puts(out, "\r\n");
    }
}

static int read_back(const char *path, struct eg_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[65536];
    size_t n, before = out->len;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        eg_buf_append(out, chunk, n);
    int bad = ferror(f);
    fclose(f);
    return bad || out->len == before ? -1 : 0;
}

static int table_xlsx(const struct table *t, const char *sheet, struct eg_buf *out,
                      struct eg_err *err)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/envgov-pilot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return eg_err_set(err, EG_EIO, "export_failed", -1, "cannot create a temporary file");
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        unlink(path);
        return eg_err_set(err, EG_EIO, "export_failed", -1, "cannot start the workbook");
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
    lxw_format *title = workbook_add_format(wb), *heading = workbook_add_format(wb),
               *header = workbook_add_format(wb), *wrap = workbook_add_format(wb);
    format_set_bold(title);
    format_set_font_size(title, 14);
    format_set_align(title, LXW_ALIGN_CENTER);
    format_set_bold(heading);
    format_set_bold(header);
    format_set_border(header, LXW_BORDER_THIN);
    format_set_align(header, LXW_ALIGN_CENTER);
    format_set_text_wrap(wrap);
    format_set_border(wrap, LXW_BORDER_THIN);
    format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
    for (int c = 0; c < t->ncols; c++)
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, t->widths ? t->widths[c] : 14, NULL);
    for (int i = 0; i < t->n && i + 1 < (int)LXW_ROW_MAX; i++) {
        const struct row *r = &t->rows[i];
        lxw_format *f = r->style == ROW_TITLE     ? title
                        : r->style == ROW_HEADING ? heading
                        : r->style == ROW_HEADER  ? header
                                                  : wrap;
        if (r->style == ROW_TITLE && t->ncols > 1) {
            worksheet_merge_range(ws, (lxw_row_t)i, 0, (lxw_row_t)i, (lxw_col_t)(t->ncols - 1),
                                  r->n ? r->c[0].text : "", f);
            continue;
        }
        for (int j = 0; j < r->n; j++) {
            if (r->c[j].is_num)
                worksheet_write_number(ws, (lxw_row_t)i, (lxw_col_t)j, r->c[j].num, f);
            else
                worksheet_write_string(ws, (lxw_row_t)i, (lxw_col_t)j, r->c[j].text, f);
        }
    }
    lxw_error e = workbook_close(wb);
    int rc = e == LXW_NO_ERROR ? read_back(path, out) : -1;
    unlink(path);
    if (rc < 0)
        return eg_err_set(err, EG_EIO, "export_failed", -1, "writing the workbook failed: %s",
                          lxw_strerror(e));
    return 0;
}

/* The 附表: per kind in catalogue order, its recommended applicants by rank. */
static void list_table(const struct eg_pilot_catalogue *cat, const char *title,
                       const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                       struct table *t)
{
    static const double widths[] = {8, 36, 90};
    t->ncols = 3;
    t->widths = widths;
    cell_str(row_add(t, ROW_TITLE), title ? title : "现代环境治理体系试点示范建议名单");
    for (int k = 0; k < cat->nkinds; k++) {
        const struct eg_pilot_kind *kd = &cat->kinds[k];
        int count = 0, maxrank = 0;
        for (int i = 0; i < n; i++)
            if (res[i].recommended && !strcmp(apps[i].kind, kd->code)) {
                count++;
                maxrank = res[i].rank > maxrank ? res[i].rank : maxrank;
            }
        if (!count)
            continue;
        char h[160];
        snprintf(h, sizeof h, "%s（%d）", kd->label_zh, count);
        row_add(t, ROW_PLAIN);
        cell_str(row_add(t, ROW_HEADING), h);
        struct row *hr = row_add(t, ROW_HEADER);
        cell_str(hr, "序号");
        cell_str(hr, "申报单位");
        cell_str(hr, "创新点");
        int no = 0;
        for (int rank = 1; rank <= maxrank; rank++)
            for (int i = 0; i < n; i++)
                if (res[i].recommended && res[i].rank == rank && !strcmp(apps[i].kind, kd->code)) {
                    struct row *r = row_add(t, ROW_PLAIN);
                    cell_int(r, ++no);
                    cell_str(r, apps[i].unit);
                    cell_str(r, apps[i].innovation);
                }
    }
}

int eg_pilot_list_csv(const struct eg_pilot_catalogue *cat, const char *title,
                      const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                      struct eg_buf *out, struct eg_err *err)
{
    struct table t = {0};
    list_table(cat, title, apps, res, n, &t);
    table_csv(&t, out);
    table_free(&t);
    return 0;
}

int eg_pilot_list_xlsx(const struct eg_pilot_catalogue *cat, const char *title,
                       const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                       struct eg_buf *out, struct eg_err *err)
{
    struct table t = {0};
    list_table(cat, title, apps, res, n, &t);
    int rc = table_xlsx(&t, "建议名单", out, err);
    table_free(&t);
    return rc;
}

static void sheet_row(const struct eg_pilot_kind *kd, enum eg_pilot_rule rule,
                      const struct eg_pilot_app *a, const struct eg_pilot_result *r,
                      struct table *t)
{
    struct row *w = row_add(t, ROW_PLAIN);
    cell_str(w, kd->label_zh);
    cell_str(w, a->unit);
    struct eg_buf g = {0};
    if (r->eligible) {
        eg_buf_puts(&g, "通过");
    } else {
        eg_buf_puts(&g, "不通过：未满足条件");
        for (int i = 0; i < r->nfailed; i++)
            eg_buf_printf(&g, "%s%d", i ? "、" : "", r->failed[i]);
    }
    cell_str(w, g.data);
    eg_buf_free(&g);
    char done[32];
    snprintf(done, sizeof done, "%d/%d", r->mandatory_done, kd->nmandatory);
    cell_str(w, done);
    cell_num(w, r->mandatory_points);
    if (r->eligible) {
        for (int c = 0; c < EG_PILOT_CRITERIA; c++)
            cell_num(w, r->criteria[c]);
        cell_num(w, r->innovation_points);
    } else {
        for (int c = 0; c <= EG_PILOT_CRITERIA; c++)
            cell_str(w, "");
    }
    cell_num(w, r->total);
    if (r->rank)
        cell_int(w, r->rank);
    else
        cell_str(w, "—");
    cell_str(w, r->recommended ? "是" : "否");
    cell_int(w, r->experts);
    cell_int(w, r->experts_used);
    cell_str(w, r->eligible ? eg_pilot_rule_zh(rule) : "");
    for (int e = 0; e < a->nexperts && w->n < MAX_COLS; e++) {
        char b[160], x[3][32];
        for (int c = 0; c < EG_PILOT_CRITERIA; c++)
            eg_pilot_fmt(a->scores[e * EG_PILOT_CRITERIA + c], x[c], sizeof x[c]);
        snprintf(b, sizeof b, "专家%d：%s/%s/%s", e + 1, x[0], x[1], x[2]);
        cell_str(w, b);
    }
}

static void sheet_table(const struct eg_pilot_catalogue *cat, enum eg_pilot_rule rule,
                        const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                        struct table *t)
{
    static const double widths[] = {12, 30, 22, 10, 10, 10, 10, 14, 10, 10, 10, 10,
                                    10, 10, 30, 18, 18, 18, 18, 18, 18, 18, 18, 18};
    t->ncols = MAX_COLS;
    t->widths = widths;
    struct row *h = row_add(t, ROW_HEADER);
    static const char *const head[] = {
        "类别",       "申报单位",   "资格审查", "必选项完成",
        "必选项得分", NULL,         NULL,       NULL,
        "创新项得分", "总分",       "类内排名", "是否推荐",
        "评分专家数", "计入专家数", "汇总规则", "专家评分（创新性/成效/可复制、可推广性）"};
    for (size_t i = 0; i < EG_ARRAY_LEN(head); i++)
        cell_str(h, head[i] ? head[i] : cat->criteria[i - 5].short_zh);
    for (int k = 0; k < cat->nkinds; k++) {
        const struct eg_pilot_kind *kd = &cat->kinds[k];
        int maxrank = 0;
        for (int i = 0; i < n; i++)
            if (!strcmp(apps[i].kind, kd->code) && res[i].rank > maxrank)
                maxrank = res[i].rank;
        for (int rank = 1; rank <= maxrank; rank++)
            for (int i = 0; i < n; i++)
                if (res[i].rank == rank && !strcmp(apps[i].kind, kd->code))
                    sheet_row(kd, rule, &apps[i], &res[i], t);
        for (int i = 0; i < n; i++)
            if (!res[i].rank && !strcmp(apps[i].kind, kd->code))
                sheet_row(kd, rule, &apps[i], &res[i], t);
    }
}

int eg_pilot_sheet_csv(const struct eg_pilot_catalogue *cat, enum eg_pilot_rule rule,
                       const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                       struct eg_buf *out, struct eg_err *err)
{
    struct table t = {0};
    sheet_table(cat, rule, apps, res, n, &t);
    table_csv(&t, out);
    table_free(&t);
    return 0;
}

int eg_pilot_sheet_xlsx(const struct eg_pilot_catalogue *cat, enum eg_pilot_rule rule,
                        const struct eg_pilot_app *apps, const struct eg_pilot_result *res, int n,
                        struct eg_buf *out, struct eg_err *err)
{
    struct table t = {0};
    sheet_table(cat, rule, apps, res, n, &t);
    int rc = table_xlsx(&t, "评分表", out, err);
    table_free(&t);
    return rc;
}
