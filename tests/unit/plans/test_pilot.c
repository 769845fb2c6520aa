/*
 * test_pilot.c: the pilot catalogue, the scoring, the ranking and the outputs (issue 14 items
 * 1, 3, 4) against seed 000 — its annex (附件1: five kinds, their conditions, mandatory items
 * and innovation directions) and its numbers (42 applications: 园区 1, 企业 16, 街镇 9, 社区 15,
 * 楼宇 1, cut to 园区 1, 企业 10, 街镇 9, 社区 5, 楼宇 1 as in its 附表).
 */
#include "plans/plans.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_pilot_catalogue *cat2021(void)
{
    struct eg_pilot_catalogue *c;
    struct eg_err err;
    int rc = eg_pilot_catalogue_load("pilot/catalogue_2021.tsv", &c, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    REQUIRE(rc == 0);
    return c;
}

/* spec/pilot.md table, from seed 000 附件1 2-1..2-5 */
TEST(pilot_catalogue_has_the_annex_counts_per_kind)
{
    struct eg_pilot_catalogue *c = cat2021();
    static const struct {
        const char *code, *zh;
        int cond, mand, inn;
    } want[] = {{"park", "园区", 5, 4, 9},
                {"enterprise", "企业", 3, 8, 6},
                {"street", "街镇", 4, 4, 6},
                {"community", "社区（村居）", 3, 4, 5},
                {"building", "楼宇", 3, 2, 5}};
    CHECK_EQ_INT(c->nkinds, 5);
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        const struct eg_pilot_kind *k = eg_pilot_kind_find(c, want[i].code);
        REQUIRE(k);
        CHECK_STR(k->label_zh, want[i].zh);
        CHECK_EQ_INT(k->nconditions, want[i].cond);
        CHECK_EQ_INT(k->nmandatory, want[i].mand);
        CHECK_EQ_INT(k->ninnovation, want[i].inn);
        /* the last direction of every kind is the open one */
        CHECK(strstr(k->innovation[k->ninnovation - 1].text, "先行先试、积极探索") != NULL);
        CHECK(strncmp(k->innovation[k->ninnovation - 1].text, "除上述方向外", 18) == 0);
    }
    CHECK_STR(c->criteria[0].short_zh, "创新性");
    CHECK_STR(c->criteria[1].short_zh, "成效");
    CHECK_STR(c->criteria[2].short_zh, "可复制、可推广性");
    eg_pilot_catalogue_free(c);
}

/* every item's text is in the seed, verbatim */
TEST(pilot_catalogue_texts_are_verbatim_from_seed_000)
{
    struct eg_pilot_catalogue *c = cat2021();
    size_t len;
    char *seed = eg_test_read_file(eg_test_shared("seeds/000_8d207981d1874935.txt"), &len);
    REQUIRE(seed);
    int n = 0;
    for (int k = 0; k < c->nkinds; k++) {
        const struct eg_pilot_kind *kd = &c->kinds[k];
        const struct eg_pilot_item *lists[] = {kd->conditions, kd->mandatory, kd->innovation};
        int counts[] = {kd->nconditions, kd->nmandatory, kd->ninnovation};
        for (int l = 0; l < 3; l++)
            for (int i = 0; i < counts[l]; i++, n++)
                if (!strstr(seed, lists[l][i].text))
                    eg_test_fail(__FILE__, __LINE__, "%s item not in the seed: %s", kd->code,
                                 lists[l][i].text);
    }
    CHECK_EQ_INT(n, 18 + 22 + 31); /* conditions, mandatory items, directions of the five kinds */
    CHECK(
        strstr(seed, "近三年内未发生较大及以上突发环境事件，近一年未受到生态环境主管部门的处罚。"));
    free(seed);
    eg_pilot_catalogue_free(c);
}

static int parse_cat(const char *text, struct eg_err *err)
{
    struct eg_pilot_catalogue *c = NULL;
    int rc = eg_pilot_catalogue_parse(text, strlen(text), "data/pilot/x.tsv", &c, err);
    eg_pilot_catalogue_free(c);
    return rc;
}

#define CAT_HEAD "kind\tsection\tno\tshort\ttext\n"
#define CAT_CRIT                                                                                   \
    "*\tcriterion\t1\t创新性\ta\n*\tcriterion\t2\t成效\tb\n*\tcriterion\t3\t可推广\tc\n"
#define CAT_KIND                                                                                   \
    "k\tname\t0\t\t甲\nk\tcondition\t1\t\tc1\nk\tmandatory\t1\t\tm1\nk\tinnovation\t1\t\ti1\n"

TEST(pilot_catalogue_errors_name_file_line_and_field)
{
    struct eg_err err;
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT CAT_KIND, &err), 0);
    /* numbering out of order: line 8 (header 1, criteria 2-4, kind 5-8, this 9) */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT CAT_KIND "k\tcondition\t3\t\tc3\n", &err), EG_EINVAL);
    CHECK_STR(err.code, "no");
    CHECK_EQ_INT(err.offset, 9);
    CHECK(strstr(err.msg, "x.tsv line 9, field no") != NULL);
    CHECK(strstr(err.msg, "expected 2 after 1") != NULL);
    /* wrong header */
    CHECK_EQ_INT(parse_cat("kind\tsection\tno\ttext\n", &err), EG_EINVAL);
    CHECK_STR(err.code, "header");
    CHECK(strstr(err.msg, "line 1, field header") != NULL);
    /* unknown section */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "k\tbonus\t1\t\tx\n", &err), EG_EINVAL);
    CHECK_STR(err.code, "section");
    CHECK_EQ_INT(err.offset, 5);
    /* empty text */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "k\tname\t0\t\t\n", &err), EG_EINVAL);
    CHECK_STR(err.code, "text");
    /* item before its kind's name */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "k\tcondition\t1\t\tc\n", &err), EG_EINVAL);
    CHECK_STR(err.code, "kind");
    /* hostile kind codes */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "K'--\tname\t0\t\tx\n", &err), EG_EINVAL);
    CHECK_STR(err.code, "kind");
    /* a kind without mandatory items */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "k\tname\t0\t\t甲\nk\tcondition\t1\t\tc\n"
                                             "k\tinnovation\t1\t\ti\n",
                           &err),
                 EG_EINVAL);
    CHECK(strstr(err.msg, "kind k has no mandatory item") != NULL);
    /* a missing criterion */
    CHECK_EQ_INT(parse_cat(CAT_HEAD "*\tcriterion\t1\t创新性\ta\n" CAT_KIND, &err), EG_EINVAL);
    CHECK_STR(err.code, "criterion");
    /* too few / too many fields, tabs inside a text */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "k\tname\t0\n", &err), EG_EINVAL);
    CHECK(strstr(err.msg, "3 fields, expected 5") != NULL);
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "k\tname\t0\t\t甲\t乙\n", &err), EG_EINVAL);
    /* wrong type of number */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "k\tname\tzero\t\t甲\n", &err), EG_EINVAL);
    CHECK_STR(err.code, "no");
    /* not UTF-8 (GBK bytes of 园区) */
    CHECK_EQ_INT(parse_cat(CAT_HEAD "k\tname\t0\t\t\xD4\xB0\xC7\xF8\n", &err), EG_EINVAL);
    CHECK_STR(err.code, "encoding");
    /* control characters, truncated input, empty input */
    CHECK_EQ_INT(parse_cat(CAT_HEAD CAT_CRIT "k\tname\t0\t\ta\x01b\n", &err), EG_EINVAL);
    CHECK_EQ_INT(parse_cat("kind\tsect", &err), EG_EINVAL);
    CHECK_EQ_INT(parse_cat("", &err), EG_EINVAL);
    /* oversized: a text over EG_PILOT_MAX_TEXT, a file over 4 MiB */
    struct eg_buf b = {0};
    eg_buf_puts(&b, CAT_HEAD CAT_CRIT "k\tname\t0\t\t");
    for (int i = 0; i < EG_PILOT_MAX_TEXT + 1; i++)
        eg_buf_puts(&b, "x");
    eg_buf_puts(&b, "\n");
    CHECK_EQ_INT(parse_cat(b.data, &err), EG_EINVAL);
    CHECK_STR(err.code, "text");
    size_t big = (4u << 20) + 1;
    char *huge = malloc(big + 1);
    REQUIRE(huge);
    memset(huge, 'a', big);
    huge[big] = '\0';
    CHECK_EQ_INT(parse_cat(huge, &err), EG_ETOOBIG);
    free(huge);
    eg_buf_free(&b);
    /* CRLF line ends, a BOM and comments are fine */
    CHECK_EQ_INT(parse_cat("\xEF\xBB\xBF"
                           "kind\tsection\tno\tshort\ttext\r\n# comment\r\n" CAT_CRIT CAT_KIND,
                           &err),
                 0);
}

/* spec/pilot.md "Scoring": 40 / n points per completed mandatory item */
TEST(pilot_mandatory_points_are_40_over_n_each)
{
    CHECK_EQ_DBL(eg_pilot_mandatory_points(4, 4), 40, 1e-12); /* 园区: 10 each */
    CHECK_EQ_DBL(eg_pilot_mandatory_points(3, 4), 30, 1e-12);
    CHECK_EQ_DBL(eg_pilot_mandatory_points(7, 8), 35, 1e-12); /* 企业: 5 each */
    CHECK_EQ_DBL(eg_pilot_mandatory_points(1, 2), 20, 1e-12); /* 楼宇: 20 each */
    CHECK_EQ_DBL(eg_pilot_mandatory_points(0, 2), 0, 1e-12);
    CHECK_EQ_DBL(eg_pilot_mandatory_points(1, 3), 40.0 / 3, 1e-12);
    CHECK_EQ_DBL(eg_pilot_mandatory_points(5, 4), 40, 1e-12); /* never more than 40 */
    CHECK_EQ_DBL(eg_pilot_mandatory_points(1, 0), 0, 1e-12);
}

/* spec/pilot.md: mean, or the mean after dropping the highest and lowest with >= 5 experts */
TEST(pilot_innovation_aggregates_by_mean_or_trimmed_mean)
{
    struct eg_err err;
    double cr[3];
    int used;
    const double three[] = {18, 16, 14, 12, 12, 12, 15, 20, 17};
    REQUIRE(eg_pilot_aggregate(three, 3, EG_PILOT_MEAN, cr, &used, &err) == 0);
    CHECK_EQ_INT(used, 3);
    CHECK_EQ_DBL(cr[0], 15, 1e-12);
    CHECK_EQ_DBL(cr[1], 16, 1e-12);
    CHECK_EQ_DBL(cr[2], 43.0 / 3, 1e-12);
    /* trimmed needs five experts */
    CHECK_EQ_INT(eg_pilot_aggregate(three, 3, EG_PILOT_TRIMMED, cr, &used, &err), EG_EINVAL);
    CHECK_STR(err.code, "experts");
    CHECK(strstr(err.msg, "at least 5") != NULL);
    /* five experts: sums 57, 45, 30 (lowest), 60 (highest), 48 → experts 1, 2, 5 remain */
    const double five[] = {19, 19, 19, 15, 15, 15, 10, 10, 10, 20, 20, 20, 16, 16, 16};
    REQUIRE(eg_pilot_aggregate(five, 5, EG_PILOT_TRIMMED, cr, &used, &err) == 0);
    CHECK_EQ_INT(used, 3);
    CHECK_EQ_DBL(cr[0], (19 + 15 + 16) / 3.0, 1e-12);
    REQUIRE(eg_pilot_aggregate(five, 5, EG_PILOT_MEAN, cr, &used, &err) == 0);
    CHECK_EQ_DBL(cr[0], 80 / 5.0, 1e-12);
    /* all equal: two experts still dropped */
    const double same[] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10};
    REQUIRE(eg_pilot_aggregate(same, 5, EG_PILOT_TRIMMED, cr, &used, &err) == 0);
    CHECK_EQ_INT(used, 3);
    CHECK_EQ_DBL(cr[1], 10, 1e-12);
    /* out of range, NaN, none */
    const double bad[] = {18, 21, 14};
    CHECK_EQ_INT(eg_pilot_aggregate(bad, 1, EG_PILOT_MEAN, cr, &used, &err), EG_EINVAL);
    CHECK_STR(err.code, "scores");
    CHECK(strstr(err.msg, "expert 1, criterion 2") != NULL);
    const double neg[] = {-1, 0, 0};
    CHECK_EQ_INT(eg_pilot_aggregate(neg, 1, EG_PILOT_MEAN, cr, &used, &err), EG_EINVAL);
    const double nan_[] = {NAN, 0, 0};
    CHECK_EQ_INT(eg_pilot_aggregate(nan_, 1, EG_PILOT_MEAN, cr, &used, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_pilot_aggregate(three, 0, EG_PILOT_MEAN, cr, &used, &err), EG_EINVAL);
    CHECK_STR(err.code, "experts");
    CHECK_EQ_INT(
        eg_pilot_aggregate(three, EG_PILOT_MAX_EXPERTS + 1, EG_PILOT_MEAN, cr, &used, &err),
        EG_EINVAL);
    enum eg_pilot_rule r;
    CHECK_EQ_INT(eg_pilot_rule_parse("trimmed", &r), 0);
    CHECK_EQ_INT(r, EG_PILOT_TRIMMED);
    CHECK_EQ_INT(eg_pilot_rule_parse("median", &r), EG_EINVAL);
    CHECK_EQ_INT(eg_pilot_rule_parse(NULL, &r), EG_EINVAL);
}

/* conditions are a gate (spec/pilot.md): failed ones named, no innovation points */
TEST(pilot_conditions_gate_names_the_failed_ones)
{
    struct eg_pilot_catalogue *c = cat2021();
    struct eg_err err;
    struct eg_pilot_result r;
    const unsigned char cond[] = {1, 0, 0}, mand[] = {1, 1, 1, 1, 1, 1, 1, 0};
    const double sc[] = {20, 20, 20};
    struct eg_pilot_app a = {.kind = "enterprise",
                             .unit = "甲",
                             .conditions = cond,
                             .nconditions = 3,
                             .mandatory = mand,
                             .nmandatory = 8,
                             .scores = sc,
                             .nexperts = 1};
    REQUIRE(eg_pilot_score(c, &a, EG_PILOT_MEAN, &r, &err) == 0);
    CHECK_EQ_INT(r.eligible, 0);
    CHECK_EQ_INT(r.nfailed, 2);
    CHECK_EQ_INT(r.failed[0], 2);
    CHECK_EQ_INT(r.failed[1], 3);
    CHECK_EQ_DBL(r.mandatory_points, 35, 1e-12);
    CHECK_EQ_DBL(r.innovation_points, 0, 1e-12);
    /* all met: eligible, 35 + 60 */
    const unsigned char ok[] = {1, 1, 1};
    a.conditions = ok;
    REQUIRE(eg_pilot_score(c, &a, EG_PILOT_MEAN, &r, &err) == 0);
    CHECK_EQ_INT(r.eligible, 1);
    CHECK_EQ_DBL(r.total, 95, 1e-9);
    /* an eligible applicant without expert scores cannot be totalled */
    a.nexperts = 0;
    CHECK_EQ_INT(eg_pilot_score(c, &a, EG_PILOT_MEAN, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "experts");
    /* answers not matching the kind, unknown kind */
    a.nexperts = 1;
    a.nconditions = 5;
    CHECK_EQ_INT(eg_pilot_score(c, &a, EG_PILOT_MEAN, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "conditions");
    a.nconditions = 3;
    a.nmandatory = 4;
    CHECK_EQ_INT(eg_pilot_score(c, &a, EG_PILOT_MEAN, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "mandatory");
    a.kind = "school";
    CHECK_EQ_INT(eg_pilot_score(c, &a, EG_PILOT_MEAN, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "kind");
    eg_pilot_catalogue_free(c);
}

/* ties rank by innovation, then 创新性, then submission order; quotas cut; min_total */
TEST(pilot_ranking_breaks_ties_and_cuts_to_quota)
{
    struct eg_pilot_app a[4] = {{.kind = "street", .unit = "甲"},
                                {.kind = "street", .unit = "乙"},
                                {.kind = "street", .unit = "丙"},
                                {.kind = "street", .unit = "丁"}};
    struct eg_pilot_result r[4] = {
        {.eligible = 1, .total = 90, .innovation_points = 50, .criteria = {17, 17, 16}},
        {.eligible = 1, .total = 90, .innovation_points = 55, .criteria = {18, 18, 19}},
        {.eligible = 1, .total = 90, .innovation_points = 55, .criteria = {19, 18, 18}},
        {.eligible = 0, .total = 99}};
    struct eg_pilot_quota q[] = {{"street", 2}};
    eg_pilot_rank(a, r, 4, q, 1, 0);
    CHECK_EQ_INT(r[2].rank, 1);
    CHECK_EQ_INT(r[1].rank, 2);
    CHECK_EQ_INT(r[0].rank, 3);
    CHECK_EQ_INT(r[3].rank, 0);
    CHECK(r[2].recommended && r[1].recommended && !r[0].recommended && !r[3].recommended);
    /* totals equal to the cent are equal: 1/3 + 2/3 vs 1 */
    r[0].total = 90.0000001;
    eg_pilot_rank(a, r, 4, q, 1, 0);
    CHECK_EQ_INT(r[0].rank, 3);
    /* a minimum total leaves out the rest even within the quota */
    eg_pilot_rank(a, r, 4, q, 1, 95);
    CHECK(!r[0].recommended && !r[1].recommended && !r[2].recommended);
    /* no quota for the kind: nothing recommended */
    eg_pilot_rank(a, r, 4, NULL, 0, 0);
    CHECK(!r[1].recommended && r[2].rank == 1);
    char b[16];
    eg_pilot_fmt(37.5, b, sizeof b);
    CHECK_STR(b, "37.5");
    eg_pilot_fmt(40, b, sizeof b);
    CHECK_STR(b, "40");
    eg_pilot_fmt(40.0 / 3, b, sizeof b);
    CHECK_STR(b, "13.33");
}

struct fixture {
    struct eg_pilot_catalogue *cat;
    struct eg_pilot_round_file *rf;
    struct eg_pilot_result *res;
};

static void fixture_load(struct fixture *f)
{
    struct eg_err err;
    f->cat = cat2021();
    const struct eg_embedded *e = eg_embedded_find("pilot/round2_pudong.tsv");
    REQUIRE(e);
    int rc = eg_pilot_round_parse(f->cat, e->data, e->len, e->path, &f->rf, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    REQUIRE(rc == 0);
    f->res = calloc((size_t)f->rf->napps, sizeof *f->res);
    REQUIRE(f->res);
    for (int i = 0; i < f->rf->napps; i++)
        REQUIRE(eg_pilot_score(f->cat, &f->rf->apps[i], EG_PILOT_TRIMMED, &f->res[i], &err) == 0);
    static const struct eg_pilot_quota q[] = {
        {"park", 1}, {"enterprise", 10}, {"street", 9}, {"community", 5}, {"building", 1}};
    eg_pilot_rank(f->rf->apps, f->res, f->rf->napps, q, 5, 0);
}

static void fixture_free(struct fixture *f)
{
    free(f->res);
    eg_pilot_round_free(f->rf);
    eg_pilot_catalogue_free(f->cat);
}

static int count(const struct fixture *f, const char *kind, int recommended)
{
    int n = 0;
    for (int i = 0; i < f->rf->napps; i++)
        if (!strcmp(f->rf->apps[i].kind, kind) && (!recommended || f->res[i].recommended))
            n++;
    return n;
}

/* seed 000 二: 42 applications (园区 1、企业 16、街镇 9、社区 15、楼宇 1) → 附表 (园区 1、企业 10、
   街镇 9、社区 5、楼宇 1), in the 附表's order */
TEST(pilot_seed_round2_42_applications_cut_to_the_recommended_list)
{
    struct fixture f;
    fixture_load(&f);
    CHECK_EQ_INT(f.rf->napps, 42);
    CHECK_EQ_INT(count(&f, "park", 0), 1);
    CHECK_EQ_INT(count(&f, "enterprise", 0), 16);
    CHECK_EQ_INT(count(&f, "street", 0), 9);
    CHECK_EQ_INT(count(&f, "community", 0), 15);
    CHECK_EQ_INT(count(&f, "building", 0), 1);
    CHECK_EQ_INT(count(&f, "park", 1), 1);
    CHECK_EQ_INT(count(&f, "enterprise", 1), 10);
    CHECK_EQ_INT(count(&f, "street", 1), 9);
    CHECK_EQ_INT(count(&f, "community", 1), 5);
    CHECK_EQ_INT(count(&f, "building", 1), 1);
    static const char *const firsts[][2] = {{"park", "张江高科技园区"},
                                            {"enterprise", "上海华力微电子有限公司"},
                                            {"street", "航头镇"},
                                            {"community", "川沙新镇连民村"},
                                            {"building", "上海中心"}};
    for (size_t k = 0; k < EG_ARRAY_LEN(firsts); k++)
        for (int i = 0; i < f.rf->napps; i++)
            if (!strcmp(f.rf->apps[i].kind, firsts[k][0]) && f.res[i].rank == 1)
                CHECK_STR(f.rf->apps[i].unit, firsts[k][1]);
    /* 中芯国际 is the 10th enterprise, 陆家嘴街道 the 9th street, 康桥镇康桥半岛 the 5th community
     */
    for (int i = 0; i < f.rf->napps; i++) {
        const char *u = f.rf->apps[i].unit;
        if (!strcmp(u, "中芯国际集成电路制造（上海）有限公司"))
            CHECK(f.res[i].rank == 10 && f.res[i].recommended);
        if (!strcmp(u, "陆家嘴街道"))
            CHECK_EQ_INT(f.res[i].rank, 9);
        if (!strcmp(u, "康桥镇康桥半岛"))
            CHECK(f.res[i].rank == 5 && f.res[i].recommended);
        /* the two enterprises and the community failing a condition score high but are out */
        if (!strcmp(u, "企业申报单位11") || !strcmp(u, "社区申报单位06")) {
            CHECK_EQ_INT(f.res[i].eligible, 0);
            CHECK_EQ_INT(f.res[i].failed[0], 3);
            CHECK(!f.res[i].recommended);
        }
        if (!strcmp(u, "企业申报单位12")) {
            CHECK_EQ_INT(f.res[i].nfailed, 1);
            CHECK_EQ_INT(f.res[i].failed[0], 2);
        }
    }
    /* 张江高科技园区: 40 + trimmed mean of experts 2-4 (19+18+19, 19+18+18, 18+19+17) */
    CHECK_EQ_DBL(f.res[0].mandatory_points, 40, 1e-9);
    CHECK_EQ_INT(f.res[0].experts_used, 3);
    CHECK_EQ_DBL(f.res[0].innovation_points, (56 + 55 + 54) / 3.0, 1e-9);
    CHECK_EQ_DBL(f.res[0].total, 40 + 55, 1e-9);
    fixture_free(&f);
}

static int run_unzip(const char *path, const char *member, char **out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' 2>/dev/null", path, member);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    struct eg_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        eg_buf_append(&b, chunk, n);
    eg_buf_append(&b, "", 1);
    int st = pclose(p);
    *out = b.data;
    return st;
}

/* the 附表 layout: title, per kind "企业（10）", 序号 · 申报单位 · 创新点 */
TEST(pilot_recommended_list_csv_and_xlsx_follow_the_annex_table)
{
    struct fixture f;
    fixture_load(&f);
    struct eg_buf csv = {0}, x = {0};
    struct eg_err err;
    const char *title = "第二批现代环境治理体系试点示范拟上报市局建议名单";
    REQUIRE(eg_pilot_list_csv(f.cat, title, f.rf->apps, f.res, f.rf->napps, &csv, &err) == 0);
    eg_buf_append(&csv, "", 1);
    CHECK(!memcmp(csv.data, "\xEF\xBB\xBF", 3));
    CHECK(strstr(csv.data, title) != NULL);
    CHECK(strstr(csv.data, "园区（1）\r\n序号,申报单位,创新点\r\n1,张江高科技园区,") != NULL);
    CHECK(strstr(csv.data, "企业（10）\r\n序号,申报单位,创新点\r\n1,上海华力微电子有限公司,") !=
          NULL);
    CHECK(strstr(csv.data, "\r\n10,中芯国际集成电路制造（上海）有限公司,") != NULL);
    CHECK(strstr(csv.data, "街镇（9）") != NULL);
    CHECK(strstr(csv.data, "社区（村居）（5）") != NULL);
    CHECK(strstr(csv.data, "楼宇（1）\r\n序号,申报单位,创新点\r\n1,上海中心,") != NULL);
    CHECK(strstr(csv.data, "企业申报单位") == NULL); /* the not recommended are not listed */
    /* the 创新点 as the 附表 has it */
    CHECK(strstr(csv.data,
                 "基于现有环境和能源管理体系，构建碳管理合作团队，从多维度实现减碳目标。") != NULL);
    REQUIRE(eg_pilot_list_xlsx(f.cat, title, f.rf->apps, f.res, f.rf->napps, &x, &err) == 0);
    CHECK(x.len > 1000 && !memcmp(x.data, "PK\x03\x04", 4));
    char path[512];
    snprintf(path, sizeof path, "%s/list.xlsx", eg_test_tmpdir());
    FILE *fp = fopen(path, "wb");
    REQUIRE(fp);
    CHECK_EQ_INT(fwrite(x.data, 1, x.len, fp), x.len);
    fclose(fp);
    char *strings = NULL;
    if (system("command -v unzip >/dev/null 2>&1") == 0) {
        CHECK_EQ_INT(run_unzip(path, "xl/sharedStrings.xml", &strings), 0);
        CHECK(strstr(strings, "企业（10）") != NULL);
        CHECK(strstr(strings, "上海华力微电子有限公司") != NULL);
        CHECK(strstr(strings, "序号") != NULL);
        free(strings);
        CHECK_EQ_INT(run_unzip(path, "xl/workbook.xml", &strings), 0);
        CHECK(strstr(strings, "建议名单") != NULL);
        free(strings);
    }
    eg_buf_free(&csv);
    eg_buf_free(&x);
    fixture_free(&f);
}

TEST(pilot_score_sheet_has_every_applicant_with_its_points)
{
    struct fixture f;
    fixture_load(&f);
    struct eg_buf csv = {0}, x = {0};
    struct eg_err err;
    REQUIRE(eg_pilot_sheet_csv(f.cat, EG_PILOT_TRIMMED, f.rf->apps, f.res, f.rf->napps, &csv,
                               &err) == 0);
    eg_buf_append(&csv, "", 1);
    int lines = 0;
    for (const char *p = csv.data; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    CHECK_EQ_INT(lines, 43); /* header + 42 */
    CHECK(strstr(csv.data,
                 "类别,申报单位,资格审查,必选项完成,必选项得分,创新性,成效,可复制、可推广性,"
                 "创新项得分,总分,类内排名,是否推荐") != NULL);
    CHECK(strstr(csv.data, "园区,张江高科技园区,通过,4/4,40,18.67,18.67,17.67,55,95,1,是,5,3,"
                           "去掉一个最高分和一个最低分后平均,专家1：20/20/19") != NULL);
    CHECK(strstr(csv.data, "企业,企业申报单位11,不通过：未满足条件3,8/8,40,,,,,40,—,否") != NULL);
    CHECK(strstr(csv.data, "企业,企业申报单位13,通过,7/8,35,") != NULL);
    REQUIRE(eg_pilot_sheet_xlsx(f.cat, EG_PILOT_TRIMMED, f.rf->apps, f.res, f.rf->napps, &x,
                                &err) == 0);
    CHECK(x.len > 1000 && !memcmp(x.data, "PK\x03\x04", 4));
    eg_buf_free(&csv);
    eg_buf_free(&x);
    fixture_free(&f);
}

static int parse_round(const char *text, struct eg_err *err)
{
    struct eg_pilot_catalogue *c = cat2021();
    struct eg_pilot_round_file *r = NULL;
    int rc = eg_pilot_round_parse(c, text, strlen(text), "r.tsv", &r, err);
    eg_pilot_round_free(r);
    eg_pilot_catalogue_free(c);
    return rc;
}

#define RH "kind\tunit\tconditions\tmandatory\tdirections\tscores\tinnovation\n"

TEST(pilot_round_file_rejects_malformed_rows_naming_the_field)
{
    struct eg_err err;
    CHECK_EQ_INT(parse_round(RH "building\t甲\t111\t11\t1,5\t20,20,20;1,2,3\t文\n", &err), 0);
    CHECK_EQ_INT(parse_round(RH "building\t甲\t111\t11\t1\t\t文\n", &err), 0); /* unscored */
    static const struct {
        const char *row, *field;
    } bad[] = {
        {"school\t甲\t111\t11\t1\t\t文\n", "kind"},
        {"building\t\t111\t11\t1\t\t文\n", "unit"},
        {"building\t甲\t11\t11\t1\t\t文\n", "conditions"},
        {"building\t甲\t1x1\t11\t1\t\t文\n", "conditions"},
        {"building\t甲\t111\t111\t1\t\t文\n", "mandatory"},
        {"building\t甲\t111\t11\t6\t\t文\n", "directions"},
        {"building\t甲\t111\t11\t1,1\t\t文\n", "directions"},
        {"building\t甲\t111\t11\t\t\t文\n", "directions"},
        {"building\t甲\t111\t11\t-1\t\t文\n", "directions"},
        {"building\t甲\t111\t11\t1\t20,20\t文\n", "scores"},
        {"building\t甲\t111\t11\t1\t20,20,21\t文\n", "scores"},
        {"building\t甲\t111\t11\t1\t20,20,20;\t文\n", "scores"},
        {"building\t甲\t111\t11\t1\t20,20,20,20\t文\n", "scores"},
        {"building\t甲\t111\t11\t1\ta,b,c\t文\n", "scores"},
        {"building\t甲\t111\t11\t1\tnan,1,1\t文\n", "scores"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        char buf[512];
        snprintf(buf, sizeof buf, RH "%s", bad[i].row);
        int rc = parse_round(buf, &err);
        if (rc != EG_EINVAL || strcmp(err.code, bad[i].field))
            eg_test_fail(__FILE__, __LINE__, "row %zu: rc %d code %s (%s)", i, rc, err.code,
                         err.msg);
        else
            CHECK(strstr(err.msg, "r.tsv line 2, field ") != NULL);
    }
}
