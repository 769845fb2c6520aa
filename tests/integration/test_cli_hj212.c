/* test_cli_hj212.c: `envgov hj212 parse` and `envgov hj212 crc` run as real processes on the
   real captures (issue 2 item 6): JSON Lines shape, exit codes, --stream, --lenient, --crc. */
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAPTURE                                                                                    \
    "data/real/hj212_xiaoyao9184_hj-t212-parser/AllData_2016-08-24_05_first3000lines.h212"
#define TONY "data/real/hj212_tonyxia2016_HJ212Receiver/bin_Debug_rx.log.hj212_lines_only.txt"

/* Counts JSON lines with ok true/false; every line must be a JSON object. */
static void count(const char *out, int *ok, int *bad)
{
    *ok = *bad = 0;
    for (const char *s = out; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        json_error_t je;
        json_t *o = json_loadb(s, n, 0, &je);
        if (!o || !json_is_object(o)) {
            eg_test_fail(__FILE__, __LINE__, "not a JSON object: %.*s", (int)(n > 200 ? 200 : n),
                         s);
        } else {
            json_t *k = json_object_get(o, "ok");
            if (json_is_true(k))
                (*ok)++;
            else
                (*bad)++;
        }
        json_decref(o);
        s += n + (nl ? 1 : 0);
    }
}

TEST(hj212_cli_crc_prints_4_upper_hex)
{
    char *out, *err;
    const char *a[] = {"hj212", "crc", "123456789", NULL};
    CHECK_EQ_INT(eg_test_run(a, NULL, 0, &out, &err), 0);
    CHECK_STR(out, "2F80\n");
    free(out);
    free(err);
    const char *b[] = {"hj212", "crc", NULL};
    CHECK_EQ_INT(eg_test_run(b, NULL, 0, &out, &err), 2);
    free(out);
    free(err);
    const char *c[] = {"hj212", "crc", "--help", NULL};
    CHECK_EQ_INT(eg_test_run(c, NULL, 0, &out, &err), 0);
    CHECK(strstr(out, "2F80") != NULL);
    free(out);
    free(err);
}

TEST(hj212_cli_parse_real_capture_lines_exit_1_with_defects)
{
    char *out, *err;
    const char *a[] = {"hj212", "parse", eg_test_shared(CAPTURE), NULL};
    CHECK_EQ_INT(eg_test_run(a, NULL, 0, &out, &err), 1);
    int ok, bad;
    count(out, &ok, &bad);
    CHECK_EQ_INT(ok, 2995);
    CHECK_EQ_INT(bad, 5);
    CHECK(strstr(out, "{\"line\":2428,\"ok\":false,\"error\":\"length_mismatch\",\"message\":") !=
          NULL);
    CHECK(strstr(out, "{\"line\":395,\"ok\":false,\"error\":\"bad_field\"") != NULL);
    CHECK(strstr(out, "{\"line\":2759,\"ok\":false,\"error\":\"bad_length\"") != NULL);
    /* the first line, field by field */
    json_error_t je;
    json_t *o = json_loadb(out, (size_t)(strchr(out, '\n') - out), 0, &je);
    REQUIRE(o);
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "line")), 1);
    CHECK(json_is_null(json_object_get(o, "qn")));
    CHECK_STR(json_string_value(json_object_get(o, "st")), "91");
    CHECK_STR(json_string_value(json_object_get(o, "cn")), "9015");
    CHECK_STR(json_string_value(json_object_get(o, "pw")), "123456");
    CHECK_STR(json_string_value(json_object_get(o, "mn")), "LD130121000243");
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "flag")), 0);
    CHECK(json_is_null(json_object_get(o, "pnum")));
    CHECK(json_is_null(json_object_get(o, "pno")));
    CHECK_STR(json_string_value(json_object_get(o, "datatime")), "20160824045356000");
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(json_object_get(o, "cp"), "CON"), "RT")),
        "0");
    json_decref(o);
    /* line 2: pollutant code -> field -> value text */
    const char *l2 = strchr(out, '\n') + 1;
    o = json_loadb(l2, (size_t)(strchr(l2, '\n') - l2), 0, &je);
    REQUIRE(o);
    json_t *cp = json_object_get(o, "cp");
    CHECK_STR(json_string_value(json_object_get(json_object_get(cp, "S01"), "Rtd")), "10.2");
    CHECK_STR(json_string_value(json_object_get(json_object_get(cp, "01"), "ZsRtd")), "4.93");
    CHECK_STR(json_string_value(json_object_get(json_object_get(cp, "01"), "Flag")), "N");
    json_decref(o);
    free(out);
    free(err);
}

TEST(hj212_cli_parse_stream_mode_offsets)
{
    size_t len;
    char *data = eg_test_read_file(eg_test_shared(CAPTURE), &len);
    REQUIRE(data);
    char *out, *err;
    const char *a[] = {"hj212", "parse", "--stream", "-", NULL};
    CHECK_EQ_INT(eg_test_run(a, data, len, &out, &err), 1);
    int ok, bad;
    count(out, &ok, &bad);
    CHECK_EQ_INT(ok, 2995);
    CHECK_EQ_INT(bad, 3); /* ST=\0\0, length_mismatch, bad_length (the broken packet) */
    CHECK(!strncmp(out, "{\"offset\":0,\"ok\":true,", 22));
    free(out);
    free(err);
    free(data);
}

TEST(hj212_cli_parse_crc_option_and_lenient)
{
    char *out, *err;
    const char *a[] = {"hj212", "parse", eg_test_shared(TONY), NULL};
    CHECK_EQ_INT(eg_test_run(a, NULL, 0, &out, &err), 1);
    int ok, bad;
    count(out, &ok, &bad);
    CHECK_EQ_INT(ok, 29);
    CHECK_EQ_INT(bad, 21);
    CHECK(strstr(out, "\"error\":\"crc_mismatch\"") != NULL);
    free(out);
    free(err);
    const char *b[] = {"hj212", "parse", "--crc", "modbus_swapped", eg_test_shared(TONY), NULL};
    CHECK_EQ_INT(eg_test_run(b, NULL, 0, &out, &err), 0);
    count(out, &ok, &bad);
    CHECK_EQ_INT(ok, 50);
    free(out);
    free(err);
    /* lenient: the standard's own "CP=&& &&" (Table C.4) */
    const char *in =
        "##0088QN=20160801085857223;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;"
        "Flag=4;CP=&& &&";
    char line[300];
    char hex[8];
    {
        const char *seg = in + 6;
        const char *c[] = {"hj212", "crc", seg, NULL};
        char *o2, *e2;
        REQUIRE(eg_test_run(c, NULL, 0, &o2, &e2) == 0);
        snprintf(hex, sizeof hex, "%.4s", o2);
        free(o2);
        free(e2);
    }
    snprintf(line, sizeof line, "%s%s\r\n", in, hex);
    const char *d[] = {"hj212", "parse", NULL};
    CHECK_EQ_INT(eg_test_run(d, line, strlen(line), &out, &err), 1);
    free(out);
    free(err);
    const char *e[] = {"hj212", "parse", "--lenient", NULL};
    CHECK_EQ_INT(eg_test_run(e, line, strlen(line), &out, &err), 0);
    CHECK(strstr(out, "\"cn\":\"9013\"") != NULL);
    free(out);
    free(err);
}

TEST(hj212_cli_parse_usage_errors_exit_2_and_help)
{
    char *out, *err;
    const char *a[] = {"hj212", "parse", "--crc", "crc32", NULL};
    CHECK_EQ_INT(eg_test_run(a, NULL, 0, &out, &err), 2);
    free(out);
    free(err);
    const char *b[] = {"hj212", "parse", "--bogus", NULL};
    CHECK_EQ_INT(eg_test_run(b, NULL, 0, &out, &err), 2);
    free(out);
    free(err);
    const char *c[] = {"hj212", "parse", "--help", NULL};
    CHECK_EQ_INT(eg_test_run(c, NULL, 0, &out, &err), 0);
    CHECK(strstr(out, "--stream") != NULL);
    free(out);
    free(err);
    const char *d[] = {"hj212", "parse", "/nonexistent/file", NULL};
    CHECK_EQ_INT(eg_test_run(d, NULL, 0, &out, &err), 1);
    free(out);
    free(err);
    /* all valid: exit 0; empty input: exit 0, no output */
    const char *in =
        "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
        "Flag=5;CP=&&RtdInterval=30&&1C80\n";
    const char *e[] = {"hj212", "parse", "-", NULL};
    CHECK_EQ_INT(eg_test_run(e, in, strlen(in), &out, &err), 0);
    CHECK(strstr(out, "\"cp\":{\"RtdInterval\":\"30\"}") != NULL);
    free(out);
    free(err);
    CHECK_EQ_INT(eg_test_run(e, "", 0, &out, &err), 0);
    CHECK_STR(out, "");
    free(out);
    free(err);
}
