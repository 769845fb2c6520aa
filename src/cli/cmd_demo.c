/*
 * cmd_demo.c: `envgov demo` — fills an empty database with a district that looks like Pudong:
 * its real 12 streets and 24 towns (data/demo/pudong_streets.csv), three grids each, parks,
 * about 300 plainly fictional enterprises (names end in （演示）) with valid-checksum credit
 * codes, their outlets, permits and limits from the catalogue data/demo/limits.csv (each limit
 * names its emission standard), 30 air stations, 10 water sections, 20 noise stations, a device
 * per station and per outlet of key-managed permits, and one user of each role.
 *
 * Everything is deterministic (a fixed-seed generator) except the passwords: user passwords are
 * random and printed once; device passwords are random and only written to a file when asked
 * (--device-passwords FILE), since `envgov sim` sets its own. All rows go through the registry
 * (validation and audit, as "system") inside one transaction.
 */
#include "auth/auth.h"
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "eval/eval.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- deterministic generator (xorshift64*) ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static int rnd_below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}
static double rnd_unit(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* ---- the data files: small CSVs without quoting ---- */

#define MAX_ROWS 64
#define MAX_COLS 8
struct table {
    int nrows;
    char *cell[MAX_ROWS][MAX_COLS];
    char *text;
};

static int load_table(const char *path, struct table *t)
{
    const struct eg_embedded *e = eg_embedded_find(path);
    memset(t, 0, sizeof *t);
    if (!e) {
        fprintf(stderr, "envgov demo: data file %s missing from the build\n", path);
        return -1;
    }
    t->text = eg_strndup(e->data, e->len);
    char *line = t->text, *next;
    int first = 1;
    for (; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (first) { /* header */
            first = 0;
            continue;
        }
        if (!*line || t->nrows >= MAX_ROWS)
            continue;
        char *c = line;
        for (int k = 0; k < MAX_COLS; k++) {
            t->cell[t->nrows][k] = c ? c : (char *)"";
            if (c) {
                c = strchr(c, ',');
                if (c)
                    *c++ = '\0';
            }
        }
        t->nrows++;
    }
    return 0;
}

/* The index among the streets and towns (rows after the district) of the one with code, or -1. */
static int street_index(const struct table *streets, const char *code)
{
    for (int k = 1; k < streets->nrows; k++)
        if (!strcmp(streets->cell[k][0], code))
            return k - 1;
    return -1;
}

/* ---- creating rows ---- */

struct demo {
    struct eg_db *st;
    struct eg_err err;
    int failed;
    FILE *device_pw; /* MN,password lines, or NULL */
    int ndevices, nunits, noutlets, npermits, nlimits, nstations;
};

/* Creates through the registry (validated, audited); consumes in. 0 on failure. */
static int64_t mk(struct demo *d, const char *res, json_t *in)
{
    if (d->failed) {
        json_decref(in);
        return 0;
    }
    json_t *row = NULL;
    int r =
        eg_registry_create(d->st, eg_registry_find(res), &eg_principal_system, in, &row, &d->err);
    if (r < 0) {
        char *s = json_dumps(in, JSON_COMPACT | JSON_ENSURE_ASCII);
        fprintf(stderr, "envgov demo: %s %s: %s\n", res, s ? s : "", d->err.msg);
        free(s);
        d->failed = 1;
        json_decref(in);
        return 0;
    }
    int64_t id = (int64_t)json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    json_decref(in);
    return id;
}

static void random_password(char *out, size_t n)
{
    /* 12 random bytes -> 16 base64url characters */
    unsigned char raw[12];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, n, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int64_t mk_device(struct demo *d, const char *kind_digit, const char *ref_field, int64_t ref,
                         const char *pollutants, const char *name)
{
    char mn[32], pw[24];
    d->ndevices++;
    /* MN: district code, a kind digit, a serial — 14 characters as HJ/T 212-2005 devices use */
    snprintf(mn, sizeof mn, "310115%s%07d", kind_digit, d->ndevices);
    random_password(pw, sizeof pw);
    if (d->device_pw)
        fprintf(d->device_pw, "%s,%s\n", mn, pw);
    json_t *in =
        json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "mn", mn, "password", pw, "name", name,
                  ref_field, (json_int_t)ref, "pollutants", pollutants, "protocol", "2017");
    sodium_memzero(pw, sizeof pw);
    return mk(d, "devices", in);
}

/* GB 11714 organisation code check character over 8 body characters. */
static char org_check(const char *body)
{
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char c = body[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
        sum += v * w[i];
    }
    int c9 = 11 - sum % 11;
    return c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
}

/* 统一社会信用代码 (GB 32100-2015): 9 (工商) 1 (企业) + 310115 + organisation code + check. */
static void credit_code(int serial, char out[19])
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    char body[9];
    snprintf(body, sizeof body, "MA1%05u", (unsigned)serial % 100000u);
    memcpy(out, "91310115", 8);
    memcpy(out + 8, body, 8);
    out[16] = org_check(body);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(cs, out[i]) - cs) * w[i];
    out[17] = cs[(31 - sum % 31) % 31];
    out[18] = '\0';
}

static const char *const name_head[] = {"浦", "江", "滨", "东", "海", "瑞", "恒", "鑫", "华", "嘉",
                                        "新", "远", "汇", "凯", "泰", "晟", "启", "骏", "蓝", "森"};
static const char *const name_tail[] = {"澜", "川", "拓", "宁", "航", "源", "达", "辰", "越", "和",
                                        "盛", "弘", "丰", "诚", "迈", "科", "睿", "峰", "禾", "舟"};
static const char *const roads[] = {"虚构路", "示例路", "演示大道", "样本路", "测试路"};

struct tables {
    struct table streets, inds, limits, parks, sections;
};

static int load_district(struct demo *d, struct tables *t, FILE *out);

static int run_demo(struct demo *d, FILE *out)
{
    struct tables *t = eg_calloc(1, sizeof *t);
    int rc = -1;
    if (!load_table("demo/pudong_streets.csv", &t->streets) &&
        !load_table("demo/industries.csv", &t->inds) &&
        !load_table("demo/limits.csv", &t->limits) && !load_table("demo/parks.csv", &t->parks) &&
        !load_table("demo/water_sections.csv", &t->sections))
        rc = load_district(d, t, out);
    free(t->streets.text);
    free(t->inds.text);
    free(t->limits.text);
    free(t->parks.text);
    free(t->sections.text);
    free(t);
    return rc;
}

static int load_district(struct demo *d, struct tables *t, FILE *out)
{

    /* regions: district, streets and towns (街镇), three grids (网格) each */
    int64_t street_id[MAX_ROWS] = {0}, grid_id[MAX_ROWS][3] = {{0}};
    int nstreets = 0;
    int64_t district = 0;
    for (int i = 0; i < t->streets.nrows; i++) {
        char **c = t->streets.cell[i];
        json_t *in = json_pack("{s:s, s:s, s:s}", "code", c[0], "name", c[1], "level", c[2]);
        if (c[3][0]) {
            json_object_set_new(in, "parent_id", json_integer(district));
        }
        int64_t id = mk(d, "regions", in);
        if (!strcmp(c[2], "district")) {
            district = id;
            continue;
        }
        street_id[nstreets] = id;
        for (int g = 0; g < 3; g++) {
            char code[40], name[96];
            snprintf(code, sizeof code, "%s-%02d", c[0], g + 1);
            snprintf(name, sizeof name, "%s第%d网格", c[1], g + 1);
            grid_id[nstreets][g] = mk(d, "regions",
                                      json_pack("{s:s, s:s, s:s, s:I}", "code", code, "name", name,
                                                "level", "grid", "parent_id", (json_int_t)id));
        }
        /* the street or town itself as a unit (街镇, a pilot object of seed 000) */
        mk(d, "units",
           json_pack("{s:s, s:s, s:I, s:f, s:f, s:b}", "name", c[1], "kind", "street", "region_id",
                     (json_int_t)id, "lon", atof(c[4]), "lat", atof(c[5]), "public", 1));
        nstreets++;
    }

    /* parks (园区), public */
    int64_t park_id[MAX_ROWS] = {0};
    int park_street[MAX_ROWS];
    for (int i = 0; i < t->parks.nrows; i++) {
        int s;
        s = street_index(&t->streets, t->parks.cell[i][1]);
        if (s < 0)
            return -1;
        park_street[i] = s;
        park_id[i] = mk(d, "units",
                        json_pack("{s:s, s:s, s:I, s:b}", "name", t->parks.cell[i][0], "kind",
                                  "park", "region_id", (json_int_t)street_id[s], "public", 1));
    }
    /* communities and a building named in seed 000 as pilot objects, and a fictional building */
    static const struct {
        const char *name, *kind, *town;
    } pilots[] = {
        {"川沙新镇连民村", "community", "310115103"},
        {"金桥镇碧云社区", "community", "310115120"},
        {"惠南镇宝业居委会", "community", "310115131"},
        {"陆家嘴示例大厦（演示）", "building", "310115005"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(pilots); i++) {
        int s;
        s = street_index(&t->streets, pilots[i].town);
        mk(d, "units",
           json_pack("{s:s, s:s, s:I, s:b}", "name", pilots[i].name, "kind", pilots[i].kind,
                     "region_id", (json_int_t)grid_id[s][0], "public", 1));
    }

    /* enterprises: 300, towns weighted 3 : streets 1; industries by weight */
    int total_w = 0;
    for (int i = 0; i < t->inds.nrows; i++)
        total_w += atoi(t->inds.cell[i][6]);
    int64_t first_enterprise = 0, steward_units[10] = {0};
    int nsteward = 0;
    for (int e = 0; e < 300 && !d->failed; e++) {
        int s;
        do {
            s = rnd_below(nstreets);
        } while (s < 12 && rnd_below(3) != 0); /* the first 12 rows are 街道, then 镇 */
        int pick = rnd_below(total_w), ind = 0;
        for (; ind < t->inds.nrows - 1; ind++) {
            pick -= atoi(t->inds.cell[ind][6]);
            if (pick < 0)
                break;
        }
        char **ic = t->inds.cell[ind];
        char cc[19], name[160], addr[200];
        credit_code(e + 1, cc);
        const char *sname = t->streets.cell[s + 1][1];
        size_t sl = strlen(sname);
        /* the short place name: 陆家嘴街道 -> 陆家嘴, 川沙新镇 -> 川沙新 */
        int cut = sl > 6 && !strcmp(sname + sl - 6, "街道") ? 6 : 3;
        snprintf(name, sizeof name, "上海%.*s%s%s%s有限公司（演示）", (int)(sl - (size_t)cut),
                 sname, name_head[rnd_below(20)], name_tail[rnd_below(20)], ic[2]);
        snprintf(addr, sizeof addr, "上海市浦东新区%s%s%d号（虚构地址）", sname,
                 roads[rnd_below(5)], 1 + rnd_below(2000));
        double lon = atof(t->streets.cell[s + 1][4]) + (rnd_unit() - 0.5) * 0.03;
        double lat = atof(t->streets.cell[s + 1][5]) + (rnd_unit() - 0.5) * 0.03;
        int key = !strcmp(ic[4], "key");
        const char *flags = ic[5];
        json_t *in =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:I}", "name", name, "kind",
                      "enterprise", "credit_code", cc, "industry", ic[1], "address", addr, "lon",
                      lon, "lat", lat, "region_id", (json_int_t)grid_id[s][rnd_below(3)]);
        if (key) {
            /* key-managed permits make key units (重点排污单位) of the media their profile names */
            json_object_set_new(in, "key_water", json_boolean(strstr(flags, "water") != NULL));
            json_object_set_new(in, "key_air", json_boolean(strstr(flags, "air") != NULL));
            json_object_set_new(in, "key_soil", json_boolean(strstr(flags, "soil") != NULL));
            json_object_set_new(in, "key_risk", json_boolean(strstr(flags, "risk") != NULL));
            /* key units disclose their information (企业环境信息依法披露) */
            json_object_set_new(in, "public", json_true());
        }
        for (int p = 0; p < t->parks.nrows; p++)
            if (park_street[p] == s && rnd_below(2))
                json_object_set_new(in, "park_id", json_integer(park_id[p]));
        int64_t unit = mk(d, "units", in);
        d->nunits++;
        if (!first_enterprise)
            first_enterprise = unit;
        if (nsteward < 10 && e % 7 == 3)
            steward_units[nsteward++] = unit;

        /* permit: number as the national platform writes it (credit code + serial + letter) */
        char number[40], from[16], to[16];
        snprintf(number, sizeof number, "%s001V", cc);
        int y = 2020 + rnd_below(5), m = 1 + rnd_below(12), dd = 1 + rnd_below(28);
        snprintf(from, sizeof from, "%04d-%02d-%02d", y, m, dd);
        snprintf(to, sizeof to, "%04d-%02d-%02d", y + 5, m, dd > 1 ? dd - 1 : 1);
        int64_t permit = mk(d, "permits",
                            json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "number", number, "unit_id",
                                      (json_int_t)unit, "category", ic[4], "valid_from", from,
                                      "valid_to", to, "status", "valid"));
        d->npermits++;
        /* outlets and their limits */
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
            int64_t outlet = mk(d, "outlets",
                                json_pack("{s:I, s:s, s:s, s:s, s:f, s:f}", "unit_id",
                                          (json_int_t)unit, "code", code, "name", oname, "type",
                                          type, "lon", lon + 0.0004, "lat", lat + 0.0003));
            d->noutlets++;
            char pols[256] = "";
            for (int l = 0; l < t->limits.nrows; l++) {
                char **lc = t->limits.cell[l];
                if (strcmp(lc[0], ic[0]) || strcmp(lc[1], type))
                    continue;
                json_t *li = json_pack("{s:I, s:I, s:s, s:s, s:f, s:s, s:s}", "permit_id",
                                       (json_int_t)permit, "outlet_id", (json_int_t)outlet,
                                       "pollutant", lc[2], "pollutant_name", lc[3], "conc_limit",
                                       atof(lc[4]), "conc_unit", lc[5], "standard", lc[6]);
                if (key) /* annual amounts (t/a) are set for key-managed permits */
                    json_object_set_new(li, "annual_t",
                                        json_real((double)(5 + rnd_below(400)) / 10));
                mk(d, "permit_limits", li);
                d->nlimits++;
                size_t pl = strlen(pols);
                snprintf(pols + pl, sizeof pols - pl, "%s%s", pl ? "," : "", lc[2]);
            }
            if (key)
                mk_device(d, "1", "outlet_id", outlet, pols, oname);
        }
    }

    /* stations: 30 air (public), 10 water sections (public), 20 noise (2 in 3 public) */
    for (int i = 0; i < 30 && !d->failed; i++) {
        int s = (i * 7) % nstreets;
        char code[32], name[96];
        snprintf(code, sizeof code, "310115A%02d", i + 1);
        snprintf(name, sizeof name, "%s空气监测站（演示）", t->streets.cell[s + 1][1]);
        int64_t id = mk(d, "stations",
                        json_pack("{s:s, s:s, s:s, s:I, s:f, s:f, s:b}", "code", code, "name", name,
                                  "kind", "air", "region_id", (json_int_t)street_id[s], "lon",
                                  atof(t->streets.cell[s + 1][4]) + 0.002, "lat",
                                  atof(t->streets.cell[s + 1][5]) + 0.002, "public", 1));
        d->nstations++;
        mk_device(d, "2", "station_id", id, "a34004,a34002,a21026,a21004,a21005,a05024", name);
    }
    for (int i = 0; i < t->sections.nrows && !d->failed; i++) {
        char **c = t->sections.cell[i];
        int s;
        s = street_index(&t->streets, c[2]);
        if (s < 0)
            return -1;
        int64_t id =
            mk(d, "stations",
               json_pack("{s:s, s:s, s:s, s:I, s:s, s:f, s:f, s:b}", "code", c[0], "name", c[1],
                         "kind", "water", "region_id", (json_int_t)street_id[s], "water_class",
                         c[3], "lon", atof(t->streets.cell[s + 1][4]) - 0.003, "lat",
                         atof(t->streets.cell[s + 1][5]) - 0.002, "public", 1));
        d->nstations++;
        mk_device(d, "3", "station_id", id, "w01001,w01009,w01018,w21003,w21011", c[1]);
    }
    static const char *const zones[] = {"1", "2", "3", "4a"};
    for (int i = 0; i < 20 && !d->failed; i++) {
        int s = (i * 11 + 3) % nstreets;
        char code[32], name[96];
        snprintf(code, sizeof code, "310115N%02d", i + 1);
        snprintf(name, sizeof name, "%s声环境监测点（演示）", t->streets.cell[s + 1][1]);
        int64_t id =
            mk(d, "stations",
               json_pack("{s:s, s:s, s:s, s:I, s:s, s:f, s:f, s:b}", "code", code, "name", name,
                         "kind", "noise", "region_id", (json_int_t)street_id[s], "noise_zone",
                         zones[i % 4], "lon", atof(t->streets.cell[s + 1][4]) - 0.001, "lat",
                         atof(t->streets.cell[s + 1][5]) + 0.001, "public", i % 3 != 2));
        d->nstations++;
        mk_device(d, "4", "station_id", id, "LA", name);
    }
    if (d->failed)
        return -1;

    /* users: one of each role, random passwords printed once */
    struct {
        const char *name, *role;
    } users[] = {
        {"admin", "admin"},           {"bureau", "bureau"},   {"lujiazui", "street"},
        {"enterprise", "enterprise"}, {"steward", "steward"},
    };
    char pws[5][24];
    int64_t steward_id = 0;
    for (int i = 0; i < 5 && !d->failed; i++) {
        random_password(pws[i], sizeof pws[i]);
        json_t *in = json_pack("{s:s, s:s, s:s}", "username", users[i].name, "role", users[i].role,
                               "password", pws[i]);
        if (!strcmp(users[i].role, "street")) {
            int s;
            s = street_index(&t->streets, "310115005"); /* 陆家嘴街道 */
            json_object_set_new(in, "region_id", json_integer(street_id[s]));
            json_object_set_new(in, "display_name", json_string("陆家嘴街道环保办（演示）"));
        }
        if (!strcmp(users[i].role, "enterprise"))
            json_object_set_new(in, "unit_id", json_integer(first_enterprise));
        int64_t id = mk(d, "users", in);
        if (!strcmp(users[i].role, "steward"))
            steward_id = id;
    }
    for (int i = 0; i < nsteward && !d->failed; i++)
        mk(d, "steward_contracts",
           json_pack("{s:I, s:I, s:s, s:s}", "user_id", (json_int_t)steward_id, "unit_id",
                     (json_int_t)steward_units[i], "valid_from", "2025-01-01", "valid_to",
                     "2026-12-31"));
    if (d->failed)
        return -1;
    /* the seeds' environmental-quality targets (data/quality/targets_seed.csv, issue 6) */
    if (eg_eval_targets_load_seed(d->st, &d->err))
        return -1;
    fprintf(
        out,
        "demo district loaded: %d streets and towns with 3 grids each, %d parks, %d enterprises, "
        "%d outlets, %d permits, %d permit limits, %d stations, %d devices\n\n"
        "logins (shown once; only Argon2id hashes are stored):\n",
        nstreets, t->parks.nrows, d->nunits, d->noutlets, d->npermits, d->nlimits, d->nstations,
        d->ndevices);
    for (int i = 0; i < 5; i++) {
        fprintf(out, "  %-11s %-10s %s\n", users[i].name, users[i].role, pws[i]);
        sodium_memzero(pws[i], sizeof pws[i]);
    }
    return 0;
}

int eg_cmd_demo(int argc, char **argv)
{
    static const char help[] =
        "Fills an EMPTY database with a demo district like Pudong (浦东新区): its 12 streets and\n"
        "24 towns with 3 grids each, 6 parks, 300 fictional enterprises (names end in （演示）,\n"
        "credit codes with valid check characters), their outlets, permits and limits taken\n"
        "from the emission standards in data/demo/limits.csv, 30 air stations, 10 water\n"
        "sections, 20 noise stations, their HJ 212 devices, and one user of each role:\n"
        "admin, bureau, lujiazui (street: 陆家嘴街道), enterprise, steward. The user passwords "
        "are\n"
        "random and printed once. Everything else is the same on every run.\n\n"
        "options:\n" EG_CLI_DB_HELP
        "  --device-passwords FILE  also write every device's MN,password to FILE (mode 0600)\n";
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"device-passwords", required_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *pwfile = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'p':
            pwfile = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("demo", NULL), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "envgov demo: unexpected argument '%s'\n", argv[optind]);
        return EG_EXIT_USAGE;
    }
    if (sodium_init() < 0)
        return EG_EXIT_FAIL;
    struct demo d;
    memset(&d, 0, sizeof d);
    d.st = eg__cli_open(eg__cli_db_path(db));
    if (!d.st)
        return EG_EXIT_FAIL;
    struct eg_stmt *s;
    int64_t n = 1;
    if (eg_db_prepare(d.st,
                      "SELECT (SELECT COUNT(*) FROM regions) + (SELECT COUNT(*) FROM units) "
                      "+ (SELECT COUNT(*) FROM users)",
                      &s, &d.err) == 0) {
        if (eg_stmt_step(s, &d.err) == 1)
            n = eg_stmt_int(s, 0);
        eg_stmt_done(s);
    }
    if (n != 0) {
        fprintf(stderr,
                "envgov demo: the database %s is not empty; the demo loads only into an "
                "empty one\n",
                eg__cli_db_path(db));
        eg_db_close(d.st);
        return EG_EXIT_FAIL;
    }
    if (pwfile) {
        mode_t old = umask(077);
        d.device_pw = fopen(pwfile, "w");
        umask(old);
        if (!d.device_pw) {
            fprintf(stderr, "envgov demo: cannot write %s\n", pwfile);
            eg_db_close(d.st);
            return EG_EXIT_FAIL;
        }
        fprintf(d.device_pw, "mn,password\n");
    }
    rng_state = 0x9E3779B97F4A7C15ull;
    int rc = eg_db_begin(d.st, &d.err);
    if (rc == 0)
        rc = run_demo(&d, stdout);
    if (rc == 0)
        rc = eg_db_commit(d.st, &d.err);
    if (rc < 0)
        eg_db_rollback(d.st);
    if (d.device_pw)
        fclose(d.device_pw);
    eg_db_close(d.st);
    if (rc < 0) {
        fprintf(stderr, "envgov demo: failed, nothing was written\n");
        return EG_EXIT_FAIL;
    }
    return EG_EXIT_OK;
}
