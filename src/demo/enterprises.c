/*
 * enterprises.c: the demo's 300 fictional enterprises (names end in （演示）): towns weighted
 * 3 : streets 1, industries by the weights of data/demo/industries.csv; each with a permit
 * numbered as the national platform writes it, its outlets, their limits from the catalogue
 * data/demo/limits.csv, and a device per outlet sending every pollutant its permit limits.
 */
#include "demo/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const name_head[] = {"浦", "江", "滨", "东", "海", "瑞", "恒", "鑫", "华", "嘉",
                                        "新", "远", "汇", "凯", "泰", "晟", "启", "骏", "蓝", "森"};
static const char *const name_tail[] = {"澜", "川", "拓", "宁", "航", "源", "达", "辰", "越", "和",
                                        "盛", "弘", "丰", "诚", "迈", "科", "睿", "峰", "禾", "舟"};
static const char *const roads[] = {"虚构路", "示例路", "演示大道", "样本路", "测试路"};

/* A street or town, towns weighted 3 : streets 1 (the first 12 rows are 街道, then 镇). */
static int pick_street(const struct eg__demo *d)
{
    int s;
    do {
        s = eg__demo_rnd_below(d->nstreets);
    } while (s < 12 && eg__demo_rnd_below(3) != 0);
    return s;
}

/* An industry row by weight (column 6). */
static int pick_industry(const struct eg__demo_table *inds, int total_w)
{
    int pick = eg__demo_rnd_below(total_w), ind = 0;
    for (; ind < inds->nrows - 1; ind++) {
        pick -= atoi(inds->cell[ind][6]);
        if (pick < 0)
            break;
    }
    return ind;
}

/* The limits of the catalogue for industry ic and outlet type on outlet; pols gets their codes. */
static void outlet_limits(struct eg__demo *d, char *const *ic, const char *type, int64_t permit,
                          int64_t outlet, int key, char *pols, size_t polsz)
{
    const struct eg__demo_table *limits = &d->t->limits;
    for (int l = 0; l < limits->nrows; l++) {
        char *const *lc = limits->cell[l];
        if (strcmp(lc[0], ic[0]) || strcmp(lc[1], type))
            continue;
        json_t *li =
            json_pack("{s:I, s:I, s:s, s:s, s:f, s:s, s:s}", "permit_id", (json_int_t)permit,
                      "outlet_id", (json_int_t)outlet, "pollutant", lc[2], "pollutant_name", lc[3],
                      "conc_limit", atof(lc[4]), "conc_unit", lc[5], "standard", lc[6]);
        if (key) /* annual amounts (t/a) are set for key-managed permits */
            json_object_set_new(li, "annual_t",
                                json_real((double)(5 + eg__demo_rnd_below(400)) / 10));
        eg__demo_mk(d, "permit_limits", li);
        d->rep->limits++;
        size_t pl = strlen(pols);
        snprintf(pols + pl, polsz - pl, "%s%s", pl ? "," : "", lc[2]);
    }
}

/* The outlets named in the industry's column 3 ("DA001 DW001"), with limits and devices. */
static void outlets(struct eg__demo *d, char *const *ic, int64_t unit, int64_t permit, int key,
                    double lon, double lat)
{
    const char *p = ic[3];
    while (*p && !d->failed) {
        char code[8];
        size_t n = strcspn(p, " ");
        snprintf(code, sizeof code, "%.*s", (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
        const char *type = code[1] == 'A' ? "waste_gas" : "waste_water";
        char oname[64];
        snprintf(oname, sizeof oname, "%s%s排放口", code[1] == 'A' ? "废气" : "废水", code + 2);
        int64_t outlet = eg__demo_mk(
            d, "outlets",
            json_pack("{s:I, s:s, s:s, s:s, s:f, s:f}", "unit_id", (json_int_t)unit, "code", code,
                      "name", oname, "type", type, "lon", lon + 0.0004, "lat", lat + 0.0003));
        d->rep->outlets++;
        char pols[256] = "";
        outlet_limits(d, ic, type, permit, outlet, key, pols, sizeof pols);
        /* every outlet has its device, so that every permit limit gets data (issue 11) */
        eg__demo_mk_device(d, "1", "outlet_id", outlet, pols, oname);
    }
}

/* The unit record of enterprise e (0-based) in street s of industry ic; cc its credit code. */
static json_t *unit_record(struct eg__demo *d, int s, char *const *ic, const char *cc, double *lon,
                           double *lat)
{
    const struct eg__demo_table *st = &d->t->streets;
    char name[160], addr[200];
    const char *sname = st->cell[s + 1][1];
    size_t sl = strlen(sname);
    /* the short place name: 陆家嘴街道 -> 陆家嘴, 川沙新镇 -> 川沙新 */
    int cut = sl > 6 && !strcmp(sname + sl - 6, "街道") ? 6 : 3;
    snprintf(name, sizeof name, "上海%.*s%s%s%s有限公司（演示）", (int)(sl - (size_t)cut), sname,
             name_head[eg__demo_rnd_below(20)], name_tail[eg__demo_rnd_below(20)], ic[2]);
    snprintf(addr, sizeof addr, "上海市浦东新区%s%s%d号（虚构地址）", sname,
             roads[eg__demo_rnd_below(5)], 1 + eg__demo_rnd_below(2000));
    *lon = atof(st->cell[s + 1][4]) + (eg__demo_rnd_unit() - 0.5) * 0.03;
    *lat = atof(st->cell[s + 1][5]) + (eg__demo_rnd_unit() - 0.5) * 0.03;
    json_t *in =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:I}", "name", name, "kind", "enterprise",
                  "credit_code", cc, "industry", ic[1], "address", addr, "lon", *lon, "lat", *lat,
                  "region_id", (json_int_t)d->grid_id[s][eg__demo_rnd_below(3)]);
    if (!strcmp(ic[4], "key")) {
        const char *flags = ic[5];
        /* key-managed permits make key units (重点排污单位) of the media their profile names */
        json_object_set_new(in, "key_water", json_boolean(strstr(flags, "water") != NULL));
        json_object_set_new(in, "key_air", json_boolean(strstr(flags, "air") != NULL));
        json_object_set_new(in, "key_soil", json_boolean(strstr(flags, "soil") != NULL));
        json_object_set_new(in, "key_risk", json_boolean(strstr(flags, "risk") != NULL));
        /* key units disclose their information (企业环境信息依法披露) */
        json_object_set_new(in, "public", json_true());
    }
    for (int p = 0; p < d->t->parks.nrows; p++)
        if (d->park_street[p] == s && eg__demo_rnd_below(2))
            json_object_set_new(in, "park_id", json_integer(d->park_id[p]));
    return in;
}

/* The permit of unit: number = credit code + serial + letter, five years from a random day. */
static int64_t permit(struct eg__demo *d, int64_t unit, const char *cc, const char *category)
{
    char number[40], from[48], to[48];
    snprintf(number, sizeof number, "%s001V", cc);
    int y = 2020 + eg__demo_rnd_below(5), m = 1 + eg__demo_rnd_below(12),
        dd = 1 + eg__demo_rnd_below(28);
    snprintf(from, sizeof from, "%04d-%02d-%02d", y, m, dd);
    snprintf(to, sizeof to, "%04d-%02d-%02d", y + 5, m, dd > 1 ? dd - 1 : 1);
    int64_t id = eg__demo_mk(d, "permits",
                             json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "number", number,
                                       "unit_id", (json_int_t)unit, "category", category,
                                       "valid_from", from, "valid_to", to, "status", "valid"));
    d->rep->permits++;
    return id;
}

static void enterprise(struct eg__demo *d, int e, int total_w)
{
    int s = pick_street(d);
    char *const *ic = d->t->inds.cell[pick_industry(&d->t->inds, total_w)];
    char cc[19];
    eg__demo_credit_code(e + 1, cc);
    double lon, lat;
    json_t *in = unit_record(d, s, ic, cc, &lon, &lat);
    int64_t unit = eg__demo_mk(d, "units", in);
    d->rep->units++;
    if (!d->first_enterprise)
        d->first_enterprise = unit;
    if (d->nsteward < 10 && e % 7 == 3)
        d->steward_units[d->nsteward++] = unit;
    int64_t p = permit(d, unit, cc, ic[4]);
    outlets(d, ic, unit, p, !strcmp(ic[4], "key"), lon, lat);
}

int eg__demo_enterprises(struct eg__demo *d)
{
    int total_w = 0;
    for (int i = 0; i < d->t->inds.nrows; i++)
        total_w += atoi(d->t->inds.cell[i][6]);
    for (int e = 0; e < 300 && !d->failed; e++)
        enterprise(d, e, total_w);
    return d->failed ? -1 : 0;
}
