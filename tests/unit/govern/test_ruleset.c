/* Tests of the rule-set loader (src/govern/ruleset.c, govern.h "rule sets as data"): the form
   (header, sections, repeated keys in order), every kind of fault named as file:line: field, the
   readers, storage with audit and conflict, and the rule set in force for a date. */
#include "govern/govern.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdlib.h>
#include <string.h>

#define HDR                                                                                        \
    "kind = credit_scheme\nid = t-credit\nversion = 1\njurisdiction = 上海市\n"                 \
    "valid_from = 2021-01-01\n"

static const char good[] = "\xEF\xBB\xBF# 测试用信用评价规则\n" HDR "valid_to = 2025-12-31\n"
                           "source = 沪环规〔2020〕… ; https://example.org/a#b\n"
                           "\n"
                           "[indicator exceedance]\r\n"
                           "label = 超标排放\n"
                           "weight = 10\n"
                           "tier = 0 .. 0.01 -> 100\n"
                           "tier = 0.01 .. 0.05 -> 60\n"
                           "  # an indented comment\n"
                           "[veto]\n"
                           "note =\n";

static struct eg_ruleset *parse_ok(const char *text)
{
    struct eg_ruleset *rs = NULL;
    struct eg_err err = {0};
    int rc = eg_ruleset_parse("t.rs", text, strlen(text), &rs, &err);
    if (rc < 0)
        eg_test_fail(__FILE__, __LINE__, "parse: %s", err.msg);
    REQUIRE(rc == 0 && rs);
    return rs;
}

/* Parses text that must fail and checks the message (and status). */
static void parse_bad(const char *text, size_t len, int status, const char *msg)
{
    struct eg_ruleset *rs = (struct eg_ruleset *)1;
    struct eg_err err = {0};
    int rc = eg_ruleset_parse("t.rs", text, len, &rs, &err);
    CHECK_EQ_INT(rc, status);
    CHECK(rs == NULL);
    if (!strstr(err.msg, msg))
        eg_test_fail(__FILE__, __LINE__, "'%s' does not contain '%s'", err.msg, msg);
}
#define BAD(text, msg) parse_bad(text, sizeof(text) - 1, EG_EINVAL, msg)

TEST(ruleset_parse_header_sections_repeated_keys_in_order)
{
    struct eg_ruleset *rs = parse_ok(good);
    CHECK_STR(rs->file, "t.rs");
    CHECK_STR(rs->kind, "credit_scheme");
    CHECK_STR(rs->id, "t-credit");
    CHECK_EQ_INT(rs->version, 1);
    CHECK_STR(rs->jurisdiction, "上海市");
    CHECK_STR(rs->valid_from, "2021-01-01");
    CHECK_STR(rs->valid_to, "2025-12-31");
    CHECK_STR(rs->source, "沪环规〔2020〕… ; https://example.org/a#b"); /* '#' inside a value */
    CHECK_EQ_INT(strlen(rs->sha256), 64);
    REQUIRE(rs->nsections == 2);
    const struct eg_rs_section *s = &rs->sections[0];
    CHECK_STR(s->type, "indicator");
    CHECK_STR(s->name, "exceedance");
    CHECK_EQ_INT(s->line, 10);
    REQUIRE(s->nentries == 4);
    CHECK_STR(s->entries[2].key, "tier");
    CHECK_STR(s->entries[2].value, "0 .. 0.01 -> 100");
    CHECK_EQ_INT(s->entries[2].line, 13);
    CHECK_STR(s->entries[3].value, "0.01 .. 0.05 -> 60");
    CHECK_STR(eg_rs_find(s, "tier")->value, "0 .. 0.01 -> 100"); /* the first */
    CHECK_STR(rs->sections[1].type, "veto");
    CHECK_STR(rs->sections[1].name, "");
    CHECK_STR(rs->sections[1].entries[0].value, "");
    eg_ruleset_free(rs);

    /* No valid_to, no source; CRLF lines; no final newline. */
    rs =
        parse_ok("kind=k\r\nid=a.b_c-1\r\nversion=7\r\njurisdiction=国家\r\nvalid_from=2014-03-01");
    CHECK(rs->valid_to == NULL);
    CHECK(rs->source == NULL);
    CHECK_EQ_INT(rs->version, 7);
    CHECK_STR(rs->jurisdiction, "国家");
    CHECK_EQ_INT(rs->nsections, 0);
    eg_ruleset_free(rs);
}

TEST(ruleset_parse_sha256_is_of_the_text_as_loaded)
{
    /* SHA-256 of the exact bytes, BOM included: two texts differing only in the BOM differ. */
    struct eg_ruleset *a = parse_ok(good);
    struct eg_ruleset *b = parse_ok(good + 3);
    CHECK(strcmp(a->sha256, b->sha256) != 0);
    CHECK_STR(a->id, b->id);
    eg_ruleset_free(a);
    eg_ruleset_free(b);
    /* The header alone, hashed by coreutils sha256sum (printf '...' | sha256sum). */
    struct eg_ruleset *c = parse_ok(HDR);
    CHECK_STR(c->sha256, "3b930411f0fd7e516f07a7eda967e2efb32607998263cbafb3e81f878249701b");
    eg_ruleset_free(c);
}

TEST(ruleset_parse_every_kind_of_error_names_file_line_field)
{
    BAD(HDR "this line has no equals sign\n", "t.rs:6: line: expected 'key = value'");
    BAD(HDR "[indicator x\n", "t.rs:6: section: '[' without a closing ']'");
    BAD(HDR "[ ]\n", "t.rs:6: section: a section needs a type");
    BAD(HDR "[指标 x]\n", "t.rs:6: section: type '指标'");
    BAD(HDR "= 5\n", "t.rs:6: key: a key may have only");
    BAD(HDR "we ight = 5\n", "t.rs:6: we ight: a key may have only");
    BAD("kind = a\nid = b\nversion = 1\njurisdiction = x\n", "t.rs:1: valid_from: required");
    BAD("id = b\nversion = 1\njurisdiction = x\nvalid_from = 2020-01-01\n",
        "t.rs:1: kind: required");
    BAD("kind = a\nid = b\nversion = 1\njurisdiction =\nvalid_from = 2020-01-01\n",
        "t.rs:4: jurisdiction: required");
    BAD(HDR "kind = again\n", "t.rs:6: kind: given twice in the header (first at line 1)");
    BAD("kind = a\nid = b\nversion = 0\njurisdiction = x\nvalid_from = 2020-01-01\n",
        "t.rs:3: version: '0' is not a positive integer");
    BAD("kind = a\nid = b\nversion = 1.5\njurisdiction = x\nvalid_from = 2020-01-01\n",
        "t.rs:3: version: '1.5'");
    BAD("kind = a\nid = b\nversion = 1\njurisdiction = x\nvalid_from = 2020-02-30\n",
        "t.rs:5: valid_from: '2020-02-30' is not a date");
    BAD("kind = a\nid = b\nversion = 1\njurisdiction = x\nvalid_from = 2020/01/01\n",
        "t.rs:5: valid_from");
    BAD(HDR "valid_to = 2020-12-31\n", "t.rs:6: valid_to: 2020-12-31 is before valid_from");
    BAD(HDR "valid_to = soon\n", "t.rs:6: valid_to: 'soon' is not a date");
    BAD("kind = a\nid = b c\nversion = 1\njurisdiction = x\nvalid_from = 2020-01-01\n",
        "t.rs:2: id:");
    BAD("kind = 信用\nid = b\nversion = 1\njurisdiction = x\nvalid_from = 2020-01-01\n",
        "t.rs:1: kind:");
    BAD(HDR "label = \xC0\xAF\n", "t.rs:6: text: not UTF-8"); /* an overlong '/' */
    BAD(HDR "label = \xE8\xB6\n", "t.rs:6: text: not UTF-8"); /* cut mid-character */
    BAD(HDR "label = a\0b\n", "t.rs:6: text: a NUL byte");
    parse_bad("", 0, EG_EINVAL, "t.rs:1: kind: required");
}

TEST(ruleset_parse_oversized_refused_before_reading)
{
    size_t n = EG_RS_MAX_BYTES + 1;
    char *big = malloc(n);
    REQUIRE(big);
    memset(big, '#', n);
    parse_bad(big, n, EG_ETOOBIG, "at most 1048576 bytes");
    /* Exactly the limit is accepted when well formed: a header, then comment lines. */
    memcpy(big, HDR, sizeof HDR - 1);
    for (size_t i = sizeof HDR - 1; i < n - 1; i += 64)
        big[i] = '\n';
    struct eg_ruleset *rs = NULL;
    struct eg_err err = {0};
    CHECK_EQ_INT(eg_ruleset_parse("big.rs", big, n - 1, &rs, &err), 0);
    eg_ruleset_free(rs);
    free(big);
}

TEST(ruleset_readers_text_number_fail_name_the_line)
{
    struct eg_ruleset *rs = parse_ok(good);
    const struct eg_rs_section *s = &rs->sections[0];
    struct eg_err err = {0};
    const char *t = NULL;
    double w = -1;
    CHECK_EQ_INT(eg_rs_text(rs, s, "label", 1, &t, &err), 0);
    CHECK_STR(t, "超标排放");
    CHECK_EQ_INT(eg_rs_text(rs, NULL, "jurisdiction", 1, &t, &err), 0); /* the header */
    CHECK_STR(t, "上海市");
    CHECK_EQ_INT(eg_rs_text(rs, s, "missing", 0, &t, &err), 0);
    CHECK(t == NULL);
    CHECK_EQ_INT(eg_rs_text(rs, s, "missing", 1, &t, &err), EG_EINVAL);
    CHECK_STR(err.msg, "t.rs:10: missing: required in [indicator exceedance]");
    CHECK_EQ_INT(eg_rs_text(rs, &rs->sections[1], "note", 1, &t, &err), EG_EINVAL);
    CHECK_STR(err.msg, "t.rs:17: note: must not be empty");
    CHECK_EQ_INT(eg_rs_number(rs, s, "weight", 1, 0, 100, &w, &err), 0);
    CHECK_EQ_DBL(w, 10, 0);
    CHECK_EQ_INT(eg_rs_number(rs, s, "weight", 1, 0, 5, &w, &err), EG_EINVAL);
    CHECK_STR(err.msg, "t.rs:12: weight: 10 is outside 0 .. 5");
    CHECK_EQ_INT(eg_rs_number(rs, s, "label", 1, 0, 5, &w, &err), EG_EINVAL);
    CHECK_STR(err.msg, "t.rs:11: label: '超标排放' is not a number");
    w = 42;
    CHECK_EQ_INT(eg_rs_number(rs, s, "absent", 0, 0, 5, &w, &err), 0);
    CHECK_EQ_DBL(w, 42, 0);
    CHECK_EQ_INT(eg_rs_fail(rs, &s->entries[2], &err, "'%s' is not a number range", "x"),
                 EG_EINVAL);
    CHECK_STR(err.msg, "t.rs:13: tier: 'x' is not a number range");
    CHECK_STR(err.code, "bad_ruleset");
    eg_ruleset_free(rs);
}

static const char v1[] = "kind = test_kind\nid = t-a\nversion = 1\njurisdiction = 上海市\n"
                         "valid_from = 2020-01-01\nvalid_to = 2022-12-31\n[x]\nv = 1\n";
static const char v2[] = "kind = test_kind\nid = t-a\nversion = 2\njurisdiction = 上海市\n"
                         "valid_from = 2021-01-01\n[x]\nv = 2\n";
static const char v2b[] = "kind = test_kind\nid = t-a\nversion = 2\njurisdiction = 上海市\n"
                          "valid_from = 2021-01-01\n[x]\nv = 3\n";
static const char nat[] = "kind = test_kind\nid = t-nat\nversion = 1\njurisdiction = 国家\n"
                          "valid_from = 2019-01-01\n[x]\nv = 9\n";

TEST(ruleset_store_audit_conflict_staff_only)
{
    struct eg_db *db = eg_tfx_open("rs.db", NULL);
    struct eg_err err = {0};
    int64_t row = 0, row2 = 0;
    struct eg_principal ent = {EG_ROLE_ENTERPRISE, 5, "ent", "", 1};
    struct eg_principal street = {EG_ROLE_STREET, 6, "str", "S1", 0};
    struct eg_principal bureau = {EG_ROLE_BUREAU, 7, "officer", "", 0};
    CHECK_EQ_INT(eg_ruleset_store(db, &ent, v1, strlen(v1), "v1.rs", &row, &err), EG_EPERM);
    CHECK_EQ_INT(eg_ruleset_store(db, &street, v1, strlen(v1), "v1.rs", &row, &err), EG_EPERM);
    CHECK_EQ_INT(eg_ruleset_store(db, &bureau, v1, strlen(v1), "v1.rs", &row, &err), 0);
    CHECK(row > 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = "
                                "'govern_rulesets' AND action = 'create'"),
                 1);
    /* The same text again: the same row, no second audit line. */
    CHECK_EQ_INT(eg_ruleset_store(db, &bureau, v1, strlen(v1), "again.rs", &row2, &err), 0);
    CHECK_EQ_INT(row2, row);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = "
                                "'govern_rulesets'"),
                 1);
    CHECK_EQ_INT(eg_ruleset_store(db, &bureau, v2, strlen(v2), "v2.rs", &row2, &err), 0);
    /* Another text under id t-a version 2: refused, naming what to do. */
    CHECK_EQ_INT(eg_ruleset_store(db, &bureau, v2b, strlen(v2b), "v2b.rs", &row2, &err),
                 EG_ECONFLICT);
    CHECK(strstr(err.msg, "t-a version 2 is already loaded") != NULL);
    /* A malformed text is not stored and says where. */
    CHECK_EQ_INT(eg_ruleset_store(db, &bureau, "kind = x\n", 9, "bad.rs", &row2, &err), EG_EINVAL);
    CHECK(strncmp(err.msg, "bad.rs:1: id: required", 22) == 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM govern_rulesets"), 2);
    eg_db_close(db);
}

static void in_force(struct eg_db *db, const char *jur, const char *date, const char *id,
                     int64_t version)
{
    struct eg_ruleset *rs = NULL;
    struct eg_err err = {0};
    int rc = eg_ruleset_in_force(db, "test_kind", jur, date, &rs, &err);
    if (!id) {
        CHECK_EQ_INT(rc, EG_ENOTFOUND);
        CHECK(strstr(err.msg, "envgov ruleset load") != NULL);
        return;
    }
    if (rc < 0 || !rs) {
        eg_test_fail(__FILE__, __LINE__, "%s on %s: %s", id, date, err.msg);
        return;
    }
    if (strcmp(rs->id, id) || rs->version != version)
        eg_test_fail(__FILE__, __LINE__, "on %s: %s v%lld, expected %s v%lld", date, rs->id,
                     (long long)rs->version, id, (long long)version);
    eg_ruleset_free(rs);
}

TEST(ruleset_in_force_by_date_jurisdiction_version)
{
    struct eg_db *db = eg_tfx_open("rs.db", NULL);
    struct eg_err err = {0};
    CHECK_EQ_INT(eg_ruleset_store(db, &eg_principal_system, v1, strlen(v1), "v1.rs", NULL, &err),
                 0);
    CHECK_EQ_INT(eg_ruleset_store(db, &eg_principal_system, nat, strlen(nat), "nat.rs", NULL, &err),
                 0);
    in_force(db, "上海市", "2019-12-31", NULL, 0);  /* before v1 */
    in_force(db, "上海市", "2020-01-01", "t-a", 1); /* valid_from is inclusive */
    in_force(db, "上海市", "2022-12-31", "t-a", 1); /* valid_to is inclusive */
    in_force(db, "上海市", "2023-01-01", NULL, 0);  /* v1 expired */
    in_force(db, "国家", "2023-01-01", "t-nat", 1); /* open-ended */
    in_force(db, NULL, "2023-01-01", "t-nat", 1);   /* any jurisdiction */
    in_force(db, NULL, "2020-06-01", "t-a", 1);     /* later valid_from of the two */
    CHECK_EQ_INT(eg_ruleset_store(db, &eg_principal_system, v2, strlen(v2), "v2.rs", NULL, &err),
                 0);
    in_force(db, "上海市", "2020-06-01", "t-a", 1); /* v2 starts 2021 */
    in_force(db, "上海市", "2021-01-01", "t-a", 2); /* the newer version where both cover */
    in_force(db, "上海市", "2030-01-01", "t-a", 2);
    struct eg_ruleset *rs = NULL;
    CHECK_EQ_INT(eg_ruleset_in_force(db, "test_kind", NULL, "2021-13-01", &rs, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "YYYY-MM-DD") != NULL);
    CHECK_EQ_INT(eg_ruleset_in_force(db, "no_such_kind", NULL, "2021-01-01", &rs, &err),
                 EG_ENOTFOUND);
    CHECK(rs == NULL);
    eg_db_close(db);
}

TEST(ruleset_shipped_defaults_all_parse_and_name_their_source)
{
    int n = 0;
    for (const struct eg_embedded *e = eg_embedded_files; e->path; e++) {
        size_t pl = strlen(e->path);
        if (strncmp(e->path, "govern/", 7) || pl < 4 || strcmp(e->path + pl - 3, ".rs"))
            continue;
        struct eg_ruleset *rs = NULL;
        struct eg_err err = {0};
        int rc = eg_ruleset_parse(e->path, e->data, e->len, &rs, &err);
        if (rc < 0) {
            eg_test_fail(__FILE__, __LINE__, "%s", err.msg);
            continue;
        }
        if (!rs->source || !*rs->source)
            eg_test_fail(__FILE__, __LINE__, "%s: no source", e->path);
        eg_ruleset_free(rs);
        n++;
    }
    CHECK(n >= 2); /* cn-credit-2013, sh-credit-2020 */
}
