/* test_build.c: every builder (9011, 9012, 9013, 9014, requests, uploads, frames), their
   2017 and 2005 shapes (hj212.md §1.7), and randomised round trips build -> parse. */
#include "hj212/hj212.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_hj212_packet req, back;

static void parse_ok(const char *f, size_t n, struct eg_hj212_packet *p)
{
    struct eg_err err;
    if (eg_hj212_parse(f, n, NULL, p, &err) != 0)
        eg_test_fail(__FILE__, __LINE__, "does not parse: %s %s: %.*s", err.code, err.msg, (int)n,
                     f);
}

/* The data segment of a built frame as a C string. */
static const char *seg_of(const char *f, size_t n)
{
    static char s[12000];
    REQUIRE(n >= 12 && n - 12 < sizeof s);
    memcpy(s, f + 6, n - 12);
    s[n - 12] = '\0';
    return s;
}

TEST(hj212_build_frame_length_crc_crlf_2017_table2)
{
    char out[200];
    size_t n;
    const char *seg = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
                      "Flag=5;CP=&&RtdInterval=30&&";
    REQUIRE(eg_hj212_build_frame(out, sizeof out, seg, strlen(seg), &n, NULL) == 0);
    CHECK_EQ_INT(n, 101 + 12);
    CHECK(!memcmp(out, "##0101", 6));
    CHECK(!memcmp(out + n - 6, "1C80\r\n", 6)); /* App. A example */
    CHECK_EQ_INT(out[n], '\0');
    struct eg_err err;
    CHECK(eg_hj212_build_frame(out, 50, seg, strlen(seg), &n, &err) == EG_ETOOBIG);
    CHECK(eg_hj212_build_frame(out, 113, seg, strlen(seg), &n, &err) == 0); /* exact fit */
}

TEST(hj212_build_replies_2017_C1_C4_C14)
{
    /* request of 2017 Table C.1 */
    const char *rq =
        "QN=20160801085857223;ST=32;CN=1000;PW=123456;MN=010000A8900016F000169DC0;Flag=5;"
        "CP=&&OverTime=5;ReCount=3&&";
    char f[300], out[300];
    size_t n, m;
    REQUIRE(eg_hj212_build_frame(f, sizeof f, rq, strlen(rq), &n, NULL) == 0);
    parse_ok(f, n, &req);
    REQUIRE(eg_hj212_build_request_ack(out, sizeof out, &req, EG_HJ212_QNRTN_READY, &m, NULL) == 0);
    CHECK_STR(seg_of(out, m),
              "QN=20160801085857223;ST=91;CN=9011;PW=123456;MN=010000A8900016F000169DC0;"
              "Flag=4;CP=&&QnRtn=1&&");
    parse_ok(out, m, &back);
    CHECK_EQ_INT(back.cn_num, 9011);
    REQUIRE(eg_hj212_build_exec_result(out, sizeof out, &req, EG_HJ212_EXERTN_OK, &m, NULL) == 0);
    CHECK_STR(seg_of(out, m),
              "QN=20160801085857223;ST=91;CN=9012;PW=123456;MN=010000A8900016F000169DC0;"
              "Flag=4;CP=&&ExeRtn=1&&");
    parse_ok(out, m, &back);
    const struct eg_hj212_item *it = eg_hj212_find_key(&back, "ExeRtn");
    REQUIRE(it);
    CHECK_EQ_DBL(it->num, 1, 0);
    REQUIRE(eg_hj212_build_exec_result(out, sizeof out, &req, EG_HJ212_EXERTN_NO_DATA, &m, NULL) ==
            0);
    CHECK(strstr(seg_of(out, m), "ExeRtn=100&&") != NULL);
    /* C.14: data ack, empty CP */
    REQUIRE(eg_hj212_build_data_ack(out, sizeof out, &req, &m, NULL) == 0);
    CHECK_STR(seg_of(out, m),
              "QN=20160801085857223;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
              "Flag=4;CP=&&&&");
    parse_ok(out, m, &back);
    /* C.4: notify ack (the table prints "CP=&& &&"; we send no space) */
    REQUIRE(eg_hj212_build_notify_ack(out, sizeof out, &req, &m, NULL) == 0);
    CHECK_STR(seg_of(out, m),
              "QN=20160801085857223;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;"
              "Flag=4;CP=&&&&");
    parse_ok(out, m, &back);
    /* S26 is such a 9014 with CRC C241 (hj212.md §2.3) */
    const char *s26 =
        "QN=20201015123632010;ST=91;CN=9014;PW=123456;MN=410183160889201000212505;Flag=4;CP=&&&&";
    CHECK_EQ_INT(strlen(s26), 87);
    /* too small a buffer */
    struct eg_err err;
    CHECK(eg_hj212_build_data_ack(out, 40, &req, &m, &err) == EG_ETOOBIG);
    CHECK_STR(err.code, "too_small");
}

TEST(hj212_build_replies_2005_qn_inside_cp)
{
    /* 2005 App. C: responses carry QN in CP; the data ack names the acknowledged CN */
    const char *rq = "QN=20040516010101001;ST=32;CN=2051;PW=123456;MN=88888880000001;Flag=3;"
                     "CP=&&BeginTime=20040506111000,EndTime=20040506151000&&";
    char f[300], out[300];
    size_t n, m;
    REQUIRE(eg_hj212_build_frame(f, sizeof f, rq, strlen(rq), &n, NULL) == 0);
    parse_ok(f, n, &req);
    CHECK_EQ_INT(req.edition, 2005);
    REQUIRE(eg_hj212_build_request_ack(out, sizeof out, &req, 1, &m, NULL) == 0);
    CHECK_STR(
        seg_of(out, m),
        "ST=91;CN=9011;PW=123456;MN=88888880000001;Flag=0;CP=&&QN=20040516010101001;QnRtn=1&&");
    parse_ok(out, m, &back);
    CHECK_SPAN(back.cp_qn.p, back.cp_qn.n, "20040516010101001");
    REQUIRE(eg_hj212_build_exec_result(out, sizeof out, &req, 1, &m, NULL) == 0);
    CHECK_STR(seg_of(out, m),
              "ST=91;CN=9012;PW=123456;MN=88888880000001;CP=&&QN=20040516010101001;ExeRtn=1&&");
    parse_ok(out, m, &back);
    REQUIRE(eg_hj212_build_data_ack(out, sizeof out, &req, &m, NULL) == 0);
    CHECK_STR(seg_of(out, m), "ST=91;CN=9014;CP=&&QN=20040516010101001;CN=2051&&");
    parse_ok(out, m, &back);
    /* a 2005 upload without QN (97 % of the real corpus) */
    const char *up =
        "ST=32;CN=2011;PW=123456;MN=LD130104000268;PNO=1;PNUM=2;CP=&&DataTime=20160824045500;"
        "B01-Rtd=4.69,B01-Flag=N&&";
    REQUIRE(eg_hj212_build_frame(f, sizeof f, up, strlen(up), &n, NULL) == 0);
    parse_ok(f, n, &req);
    REQUIRE(eg_hj212_build_data_ack(out, sizeof out, &req, &m, NULL) == 0);
    CHECK_STR(seg_of(out, m), "ST=91;CN=9014;CP=&&CN=2011;PNO=1;PNUM=2&&");
    parse_ok(out, m, &back);
}

TEST(hj212_build_requests_1012_1062_2051_3011_with_qn_from_time)
{
    char out[400];
    size_t m;
    /* 2016-08-01 08:58:57.223 Beijing */
    int64_t ms = 1470013137223LL;
    char qn[18];
    eg_hj212_qn_from_ms(ms, qn);
    CHECK_STR(qn, "20160801085857223");

    struct eg_hj212_kv kv1062[] = {{"RtdInterval", "30"}};
    struct eg_hj212_request r = {EG_HJ212_ED_2017,           ms, "32",   1062, "100000",
                                 "010000A8900016F000169DC0", 1,  kv1062, 1};
    REQUIRE(eg_hj212_build_request(out, sizeof out, &r, &m, NULL) == 0);
    /* exactly the App. A example frame */
    CHECK_EQ_INT(m, 113);
    CHECK(!memcmp(out,
                  "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
                  "Flag=5;CP=&&RtdInterval=30&&1C80\r\n",
                  m));
    parse_ok(out, m, &back);

    struct eg_hj212_kv kv1012[] = {{"SystemTime", "20160801085857"}};
    r.cn = 1012;
    r.kv = kv1012;
    REQUIRE(eg_hj212_build_request(out, sizeof out, &r, &m, NULL) == 0);
    CHECK(strstr(seg_of(out, m), ";CN=1012;") &&
          strstr(seg_of(out, m), "CP=&&SystemTime=20160801085857&&"));
    parse_ok(out, m, &back);

    struct eg_hj212_kv kv2051[] = {{"BeginTime", "20160801000000"}, {"EndTime", "20160801010000"}};
    r.cn = 2051;
    r.kv = kv2051;
    r.nkv = 2;
    REQUIRE(eg_hj212_build_request(out, sizeof out, &r, &m, NULL) == 0);
    CHECK(strstr(seg_of(out, m), "CP=&&BeginTime=20160801000000;EndTime=20160801010000&&") != NULL);
    parse_ok(out, m, &back);

    struct eg_hj212_kv kv3011[] = {{"PolId", "w01018"}};
    r.cn = 3011;
    r.kv = kv3011;
    r.nkv = 1;
    REQUIRE(eg_hj212_build_request(out, sizeof out, &r, &m, NULL) == 0);
    parse_ok(out, m, &back);
    CHECK_EQ_INT(back.flag, 5);

    /* 2005 request: Flag version 0 */
    r.edition = EG_HJ212_ED_2005;
    REQUIRE(eg_hj212_build_request(out, sizeof out, &r, &m, NULL) == 0);
    parse_ok(out, m, &back);
    CHECK_EQ_INT(back.flag, 1);
    CHECK_EQ_INT(back.edition, 2005);

    /* refused: separators inside values */
    struct eg_hj212_kv bad[] = {{"PolId", "w01018;CN=9999"}};
    r.kv = bad;
    struct eg_err err;
    CHECK(eg_hj212_build_request(out, sizeof out, &r, &m, &err) == EG_EINVAL);
    CHECK_STR(err.code, "bad_field");
    r.kv = kv3011;
    r.mn = "A;B";
    CHECK(eg_hj212_build_request(out, sizeof out, &r, &m, &err) == EG_EINVAL);
}

TEST(hj212_build_upload_groups_codes_and_parses_back)
{
    struct eg_hj212_value v[] = {
        {"w01018", "Avg", "106.8"}, {"w01018", "Cou", "0.2178"}, {"w01018", "Flag", "N"},
        {"w21003", "Avg", "4.58"},  {"w21003", "Flag", "D"},
    };
    struct eg_hj212_upload u = {0};
    u.edition = EG_HJ212_ED_2017;
    u.qn_ms = 1655088608784LL;
    u.st = "32";
    u.pw = "123456";
    u.mn = "90397953201156";
    u.cn = 2051;
    u.flag = 5;
    u.datatime = 1655088000;
    u.has_datatime = 1;
    u.values = v;
    u.nvalues = 5;
    char out[500];
    size_t m;
    REQUIRE(eg_hj212_build_upload(out, sizeof out, &u, &m, NULL) == 0);
    CHECK_STR(seg_of(out, m),
              "QN=20220613105008784;ST=32;CN=2051;PW=123456;MN=90397953201156;Flag=5;"
              "CP=&&DataTime=20220613104000;w01018-Avg=106.8,w01018-Cou=0.2178,"
              "w01018-Flag=N;w21003-Avg=4.58,w21003-Flag=D&&");
    parse_ok(out, m, &back);
    CHECK_EQ_INT(back.datatime, 1655088000);
    CHECK_EQ_INT(back.npollutants, 2);
    CHECK_EQ_INT(eg_hj212_find(&back, "w21003", EG_HJ212_F_AVG)->flag, 'D');
    /* a 2005 upload: no QN, no Flag */
    u.edition = EG_HJ212_ED_2005;
    u.qn_ms = 0;
    u.flag = -1;
    REQUIRE(eg_hj212_build_upload(out, sizeof out, &u, &m, NULL) == 0);
    CHECK(!strncmp(seg_of(out, m), "ST=32;CN=2051;PW=123456;MN=90397953201156;CP=&&DataTime=", 56));
    parse_ok(out, m, &back);
    CHECK_EQ_INT(back.edition, 2005);
    /* subpackets */
    u.edition = EG_HJ212_ED_2017;
    u.qn_ms = 1655088608784LL;
    u.flag = 7;
    u.pnum = 2;
    u.pno = 1;
    REQUIRE(eg_hj212_build_upload(out, sizeof out, &u, &m, NULL) == 0);
    parse_ok(out, m, &back);
    CHECK_EQ_INT(back.pnum, 2);
    CHECK_EQ_INT(back.pno, 1);
    /* too big for the 4-digit length */
    static struct eg_hj212_value many[1200];
    for (int i = 0; i < 1200; i++)
        many[i] = (struct eg_hj212_value){"a99999", "Rtd", "12345.678"};
    u.values = many;
    u.nvalues = 1200;
    static char big[30000];
    struct eg_err err;
    CHECK(eg_hj212_build_upload(big, sizeof big, &u, &m, &err) == EG_ETOOBIG);
    CHECK_STR(err.code, "too_long");
}

static uint64_t rnd_state = 0x9E3779B97F4A7C15ull; /* fixed seed: reproducible */
static uint64_t RND(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* Randomised: a few thousand uploads with random codes, fields, values, flags, times and
   editions; each must parse back strictly with the same header, DataTime and values. */
TEST(hj212_build_random_uploads_round_trip)
{
    static const char *const fields[] = {"Rtd", "Avg", "Min", "Max", "Cou", "ZsRtd", "ZsAvg"};
    static const char flags[] = "NFMSDCTB";
    static const char *const sts[] = {"21", "22", "23", "31", "32", "39", "51"};
    static const int cns[] = {2011, 2051, 2061, 2031};
    static char codes[20][8], vals[200][24];
    static struct eg_hj212_value v[200];
    static char out[12000];
    for (int round = 0; round < 3000; round++) {
        int ncode = 1 + (int)(RND() % 15), nv = 0;
        for (int c = 0; c < ncode; c++) {
            char kind = RND() % 2 ? 'a' : 'w';
            snprintf(codes[c], sizeof codes[c], "%c%05u", kind, (unsigned)(RND() % 100000));
            int nf = 1 + (int)(RND() % 5);
            for (int k = 0; k < nf; k++) {
                long ip = (long)(RND() % 1000000) - 100000;
                unsigned fr = (unsigned)(RND() % 1000);
                snprintf(vals[nv], sizeof vals[nv], "%s%ld.%03u", ip < 0 ? "-" : "", labs(ip), fr);
                v[nv] = (struct eg_hj212_value){codes[c], fields[(k + c) % 7], vals[nv]};
                nv++;
            }
            snprintf(vals[nv], sizeof vals[nv], "%c", flags[RND() % 8]);
            v[nv] = (struct eg_hj212_value){codes[c], "Flag", vals[nv]};
            nv++;
        }
        struct eg_hj212_upload u = {0};
        u.edition = RND() % 3 == 0 ? EG_HJ212_ED_2005 : EG_HJ212_ED_2017;
        int64_t t = 946684800 + (int64_t)(RND() % 1000000000ull); /* 2000 .. 2031 */
        u.qn_ms = u.edition == EG_HJ212_ED_2005 ? 0 : t * 1000 + (int64_t)(RND() % 1000);
        u.flag = u.edition == EG_HJ212_ED_2005 ? -1 : 4 + (int)(RND() % 2);
        u.st = sts[RND() % 7];
        u.cn = cns[RND() % 4];
        u.pw = "123456";
        u.mn = "010000A8900016F000169DC0";
        u.datatime = t - t % 60;
        u.has_datatime = 1;
        u.values = v;
        u.nvalues = (size_t)nv;
        size_t m;
        struct eg_err err;
        REQUIRE(eg_hj212_build_upload(out, sizeof out, &u, &m, &err) == 0);
        if (eg_hj212_parse(out, m, NULL, &back, &err) != 0) {
            eg_test_fail(__FILE__, __LINE__, "round %d: %s %s", round, err.code, err.msg);
            return;
        }
        REQUIRE(back.nitems == nv + 1);
        CHECK_EQ_INT(back.datatime, u.datatime);
        CHECK_EQ_INT(back.cn_num, u.cn);
        CHECK_EQ_INT(back.flag, u.flag);
        if (u.qn_ms)
            CHECK_EQ_INT(back.qn_ms, u.qn_ms);
        for (int i = 0; i < nv; i++) {
            const struct eg_hj212_item *it = &back.items[i + 1];
            CHECK_SPAN(it->value.p, it->value.n, v[i].value);
            CHECK_SPAN(it->name.p, it->name.n, v[i].field);
            if (strcmp(v[i].field, "Flag")) {
                REQUIRE(it->has_num);
                CHECK_EQ_DBL(it->num, strtod(v[i].value, NULL), 0);
            }
        }
        /* the data ack to it parses too */
        char ack[300];
        REQUIRE(eg_hj212_build_data_ack(ack, sizeof ack, &back, &m, NULL) == 0);
        parse_ok(ack, m, &req);
    }
}

TEST(hj212_build_qn_and_time_format_beijing)
{
    char qn[18], t[15] = {0};
    eg_hj212_qn_from_ms(0, qn);
    CHECK_STR(qn, "19700101080000000");
    eg_hj212_qn_from_ms(1700000000999LL, qn);
    CHECK_STR(qn, "20231115061320999");
    eg_hj212_time_format(1700000000, t);
    CHECK_STR(t, "20231115061320");
}
