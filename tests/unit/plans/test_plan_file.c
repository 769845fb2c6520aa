/*
 * test_plan_file.c: seed 003's work plan as a data file (data/plans/minhang_2023_workplan.tsv):
 * forty numbered tasks （一）…（四十） with the lead units (牵头单位) as the plan writes them.
 */
#include "plans/plans.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_plan_file *load(void)
{
    const struct eg_embedded *e = eg_embedded_find("plans/minhang_2023_workplan.tsv");
    REQUIRE(e);
    struct eg_plan_file *p;
    struct eg_err err;
    int rc = eg_plan_file_parse(e->data, e->len, e->path, &p, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    REQUIRE(rc == 0);
    return p;
}

TEST(plan_seed_003_imports_40_tasks_with_lead_units_as_written)
{
    struct eg_plan_file *p = load();
    CHECK_EQ_INT(p->ntasks, 40);
    /* （一） 开展能源和工业领域碳达峰行动（牵头单位：区发改委、区经委） */
    CHECK_STR(p->tasks[0].no_zh, "（一）");
    CHECK_STR(p->tasks[0].title, "开展能源和工业领域碳达峰行动");
    CHECK_STR(p->tasks[0].chapter, "三、全面推进绿色高质量发展");
    REQUIRE(p->tasks[0].nlead == 2);
    CHECK_STR(p->tasks[0].lead[0], "区发改委");
    CHECK_STR(p->tasks[0].lead[1], "区经委");
    /* （六） names seven lead units */
    REQUIRE(p->tasks[5].nlead == 7);
    CHECK_STR(p->tasks[5].lead[3], "区妇联");
    CHECK_STR(p->tasks[5].lead[6], "区经委");
    /* （三十一） four, with the court and the procuratorate */
    REQUIRE(p->tasks[30].nlead == 4);
    CHECK_STR(p->tasks[30].lead[1], "区法院");
    CHECK_STR(p->tasks[30].lead[2], "区检察院");
    /* （三十六）…（四十）, the 保障措施, name none */
    for (int i = 35; i < 40; i++)
        CHECK_EQ_INT(p->tasks[i].nlead, 0);
    CHECK_STR(p->tasks[39].no_zh, "（四十）");
    CHECK_STR(p->tasks[39].title, "强化队伍建设");
    /* every one of the 35 tasks with lead units; the 区生态环境局 leads (or co-leads) 23; 72 lead
     * units in all (counted in the seed text) */
    int with = 0, eco = 0, total = 0;
    for (int i = 0; i < 40; i++) {
        with += p->tasks[i].nlead > 0;
        total += p->tasks[i].nlead;
        for (int j = 0; j < p->tasks[i].nlead; j++)
            eco += !strcmp(p->tasks[i].lead[j], "区生态环境局");
        CHECK_EQ_INT(p->tasks[i].no, i + 1);
    }
    CHECK_EQ_INT(with, 35);
    CHECK_EQ_INT(eco, 23);
    CHECK_EQ_INT(total, 72);
    /* the text is the seed's */
    size_t len;
    char *seed = eg_test_read_file(eg_test_shared("seeds/003_c565e1232ed05aaf.txt"), &len);
    REQUIRE(seed);
    for (int i = 0; i < 40; i++) {
        CHECK(strstr(seed, p->tasks[i].title) != NULL);
        CHECK(strstr(seed, p->tasks[i].text) != NULL);
    }
    free(seed);
    eg_plan_file_free(p);
}

static int parse(const char *text, struct eg_err *err)
{
    struct eg_plan_file *p = NULL;
    int rc = eg_plan_file_parse(text, strlen(text), "plan.tsv", &p, err);
    eg_plan_file_free(p);
    return rc;
}

#define PH "no\tno_zh\tchapter\ttitle\ttext\tlead_units\n"

TEST(plan_file_rejects_malformed_rows_naming_the_field)
{
    struct eg_err err;
    CHECK_EQ_INT(parse(PH "1\t（一）\t一、\t题\t文\t区甲、区乙\n", &err), 0);
    static const struct {
        const char *text, *field;
    } bad[] = {
        {PH "2\t（二）\t一、\t题\t文\t\n", "no"},
        {PH "x\t（一）\t一、\t题\t文\t\n", "no"},
        {PH "1\t（一）\t一、\t\t文\t\n", "title"},
        {PH "1\t（一）\t一、\t题\t文\t区甲、\n", "lead_units"},
        {PH "1\t（一）\t一、\t题\t文\t、区甲\n", "lead_units"},
        {PH "1\t（一）\t一、\t题\t文\t区甲、、区乙\n", "lead_units"},
        {PH "1\t（一）\t一、\t题\t文\n", "row"},
        {PH, "no"},
        {"no\tno_zh\n", "header"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        int rc = parse(bad[i].text, &err);
        if (rc != EG_EINVAL || strcmp(err.code, bad[i].field))
            eg_test_fail(__FILE__, __LINE__, "case %zu: rc %d code %s (%s)", i, rc, err.code,
                         err.msg);
    }
    CHECK_EQ_INT(parse(PH "1\t（一）\t一、\t题\t文\t区甲\n", &err), 0);
}
