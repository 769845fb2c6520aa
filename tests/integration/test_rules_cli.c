/*
 * test_rules_cli.c: `envgov rules list|run` and `envgov alert list|show|ack|close` as a process:
 * every rule listed with its parameters, a rules file applied or refused with the reason, bad
 * arguments (exit 2), a close without a reason refused, and the transitions on a real database.
 */
#include "db/db.h"
#include "rules/rules.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

static int run(const char *const *args, char **out, char **err)
{
    return eg_test_run(args, NULL, 0, out, err);
}

TEST(rules_cli_list_run_and_alert_transitions)
{
    char *out = NULL, *err = NULL;
    const char *list[] = {"rules", "list", NULL};
    CHECK_EQ_INT(run(list, &out, &err), 0);
    for (int i = 0; i < EG_RULE_COUNT; i++)
        CHECK(out && strstr(out, eg_rule_defs[i].name) && strstr(out, eg_rule_defs[i].name_zh));
    free(out);
    free(err);
    char conf[600], badconf[600], db[600];
    snprintf(conf, sizeof conf, "%s/r.conf", eg_test_tmpdir());
    snprintf(badconf, sizeof badconf, "%s/bad.conf", eg_test_tmpdir());
    snprintf(db, sizeof db, "%s/cli.db", eg_test_tmpdir());
    FILE *f = fopen(conf, "w");
    REQUIRE(f);
    fputs("[limit_run]\nhours = 5\n", f);
    fclose(f);
    f = fopen(badconf, "w");
    REQUIRE(f);
    fputs("[limit_run]\nhours = 500\n", f);
    fclose(f);
    const char *withfile[] = {"rules", "list", "--file", conf, NULL};
    CHECK_EQ_INT(run(withfile, &out, &err), 0);
    CHECK(out && strstr(out, "[limit_run] hours = 5 h"));
    free(out);
    free(err);
    const char *bad[] = {"rules", "list", "--file", badconf, NULL};
    CHECK_EQ_INT(run(bad, &out, &err), 1);
    CHECK(err && strstr(err, "hours") && strstr(err, "[2, 168]"));
    free(out);
    free(err);
    const char *runit[] = {"rules", "run", "--db", db, NULL};
    CHECK_EQ_INT(run(runit, &out, &err), 0);
    CHECK(out && strstr(out, "\"opened\":0"));
    free(out);
    free(err);
    /* an alert to handle */
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    json_t *ev = json_pack("{s:f}", "value", 1.0);
    struct eg_alert_new a = {.rule = EG_RULE_OFFLINE,
                             .subject = "MNX",
                             .source = "MNX",
                             .severity = 3,
                             .title = "设备离线：MNX",
                             .evidence = ev,
                             .at = 1};
    int64_t id;
    int opened;
    REQUIRE(eg_alerts_raise(st, &a, 0, &id, &opened, &e) == 0);
    json_decref(ev);
    eg_db_close(st);
    const char *usage[][8] = {
        {"alert", "list", "--state", "bogus", "--db", db, NULL},
        {"alert", "list", "--limit", "0", "--db", db, NULL},
        {"alert", "close", "1", "--db", db, NULL},
        {"alert", "ack", "abc", "--db", db, NULL},
        {"alert", "ack", "--db", db, NULL},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(usage); i++) {
        CHECK_EQ_INT(run(usage[i], &out, &err), 2);
        free(out);
        free(err);
    }
    const char *ls[] = {"alert", "list", "--state", "open", "--db", db, NULL};
    CHECK_EQ_INT(run(ls, &out, &err), 0);
    CHECK(out && strstr(out, "设备离线：MNX"));
    free(out);
    free(err);
    const char *ack[] = {"alert", "ack", "1", "--db", db, NULL};
    CHECK_EQ_INT(run(ack, &out, &err), 0);
    CHECK(out && strstr(out, "\"acknowledged\""));
    free(out);
    free(err);
    CHECK_EQ_INT(run(ack, &out, &err), 1); /* twice: the state forbids it */
    free(out);
    free(err);
    const char *cl[] = {"alert", "close", "1", "--reason", "设备已修复", "--db", db, NULL};
    CHECK_EQ_INT(run(cl, &out, &err), 0);
    CHECK(out && strstr(out, "设备已修复") && strstr(out, "\"closed\""));
    free(out);
    free(err);
}
