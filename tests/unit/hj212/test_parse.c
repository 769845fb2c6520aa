/* test_parse.c: eg_hj212_parse against the standards' clauses (hj212.md §1-§2), the quoted
   samples S01-S36 (hj212.md §2.3), the real captures, and every error code. */
#include "hj212/hj212.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_hj212_packet pkt;

/* Wraps a data segment into a frame with the right length and CRC. */
static size_t frame(char *out, size_t cap, const char *seg)
{
    size_t n = 0;
    REQUIRE(eg_hj212_build_frame(out, cap, seg, strlen(seg), &n, NULL) == 0);
    return n;
}

static int parse_seg(const char *seg, const struct eg_hj212_options *o, struct eg_err *err)
{
    static char buf[12000];
    size_t n = frame(buf, sizeof buf, seg);
    return eg_hj212_parse(buf, n, o, &pkt, err);
}

static const char *err_of(const char *seg, int lenient)
{
    static struct eg_err err;
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    o.lenient = lenient;
    if (parse_seg(seg, &o, &err) == 0)
        return "ok";
    return err.code;
}

static const char *err_raw(const char *text, struct eg_err *err)
{
    if (eg_hj212_parse(text, strlen(text), NULL, &pkt, err) == 0)
        return "ok";
    return err->code;
}

TEST(hj212_parse_appendix_a_example_frame_2017_table2)
{
    const char *f =
        "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
        "Flag=5;CP=&&RtdInterval=30&&1C80\r\n";
    struct eg_err err;
    REQUIRE(eg_hj212_parse(f, strlen(f), NULL, &pkt, &err) == 0);
    CHECK_SPAN(pkt.qn.p, pkt.qn.n, "20160801085857223");
    CHECK_SPAN(pkt.st.p, pkt.st.n, "32");
    CHECK_SPAN(pkt.cn.p, pkt.cn.n, "1062");
    CHECK_EQ_INT(pkt.cn_num, 1062);
    CHECK_SPAN(pkt.pw.p, pkt.pw.n, "100000");
    CHECK_SPAN(pkt.mn.p, pkt.mn.n, "010000A8900016F000169DC0");
    CHECK_EQ_INT(pkt.flag, 5);
    CHECK_EQ_INT(pkt.edition, 2017);
    CHECK(eg_hj212_flag_ack(&pkt));
    CHECK(!eg_hj212_flag_subpacket(&pkt));
    CHECK_EQ_INT(eg_hj212_flag_version(&pkt), 1);
    CHECK_EQ_INT(pkt.crc, 0x1C80);
    CHECK(pkt.has_crlf);
    CHECK_EQ_INT(pkt.segment.n, 101);
    CHECK_SPAN(pkt.cp.p, pkt.cp.n, "RtdInterval=30");
    REQUIRE(pkt.nitems == 1);
    CHECK_SPAN(pkt.items[0].key.p, pkt.items[0].key.n, "RtdInterval");
    CHECK(pkt.items[0].has_num);
    CHECK_EQ_DBL(pkt.items[0].num, 30, 0);
    /* zero-copy: spans point into the input */
    CHECK(pkt.qn.p == f + 9);
    /* QN is Beijing time: 2016-08-01 08:58:57.223 +08:00 = 00:58:57.223 UTC */
    CHECK_EQ_INT(pkt.qn_ms, 1470013137223LL);
    /* the same frame without its CRLF (line-based input) */
    REQUIRE(eg_hj212_parse(f, strlen(f) - 2, NULL, &pkt, &err) == 0);
    CHECK(!pkt.has_crlf);
}

TEST(hj212_parse_2051_minute_data_items_grouped_by_pollutant_S34)
{
    /* hj212.md S34: 2017 minute water data; ';' between pollutants, ',' within (2017 §6.3.3.1) */
    const char *seg =
        "QN=20220613105008784;ST=32;CN=2051;PW=123456;MN=90397953201156;Flag=5;CP=&&DataTime="
        "20220613104000;w00000-Min=0.00,w00000-Avg=3.40,w00000-Max=26.94,w00000-Cou=2.039,"
        "w00000-Flag=N;w01001-Min=7.72,w01001-Avg=7.79,w01001-Max=7.83,w01001-Flag=N;w01018-Min="
        "106.8,w01018-Avg=106.8,w01018-Max=106.8,w01018-Cou=0.2178,w01018-Flag=N;w01010-Min=24.9,"
        "w01010-Avg=25.1,w01010-Max=25.3,w01010-Flag=N;w21024-Min=4.22,w21024-Avg=4.58,w21024-Max="
        "4.76,w21024-Cou=0.00933,w21024-Flag=N&&";
    char buf[1000];
    size_t n = frame(buf, sizeof buf, seg);
    CHECK(!memcmp(buf, "##0468", 6));
    CHECK(!memcmp(buf + n - 6, "D701\r\n", 6)); /* the CRC quoted in S34 */
    struct eg_err err;
    REQUIRE(eg_hj212_parse(buf, n, NULL, &pkt, &err) == 0);
    CHECK(pkt.has_datatime);
    CHECK_SPAN(pkt.datatime_text.p, pkt.datatime_text.n, "20220613104000");
    CHECK_EQ_INT(pkt.datatime, 1655088000); /* 2022-06-13 10:40 Beijing = 02:40 UTC */
    CHECK_EQ_INT(pkt.npollutants, 5);
    CHECK_EQ_INT(pkt.nitems, 1 + 5 + 4 + 5 + 4 + 5);
    CHECK_SPAN(pkt.pollutants[2].code.p, pkt.pollutants[2].code.n, "w01018");
    CHECK_STR(pkt.pollutants[2].code2017, "w01018");
    CHECK_EQ_INT(pkt.pollutants[2].flag, 'N');
    CHECK_EQ_INT(pkt.pollutants[2].nitems, 5);
    const struct eg_hj212_item *it = eg_hj212_find(&pkt, "w01018", EG_HJ212_F_COU);
    REQUIRE(it);
    CHECK_SPAN(it->value.p, it->value.n, "0.2178");
    CHECK_EQ_DBL(it->num, 0.2178, 0);
    CHECK_EQ_INT(it->flag, 'N');
    CHECK_STR(eg_hj212_field_name(it->field), "Cou");
    it = eg_hj212_find(&pkt, "w21024", EG_HJ212_F_AVG);
    REQUIRE(it);
    CHECK_EQ_DBL(it->num, 4.58, 0);
    int i = -1, count = 0;
    while (eg_hj212_pollutant_next(&pkt, 0, &i))
        count++;
    CHECK_EQ_INT(count, 5);
    CHECK(eg_hj212_find(&pkt, "w99999", EG_HJ212_F_AVG) == NULL);
}

TEST(hj212_parse_2005_codes_mapped_to_2017_and_data_flags_per_group)
{
    /* real 2005 frame (capture line 2): codes 01/02/03 (烟尘/SO2/NOx), B02 (废气), S01 (O2);
       "01" appears in two ';' groups, each with its own -Flag. */
    const char *seg =
        "ST=31;CN=2011;PW=123456;MN=ZG130182201325;CP=&&DataTime=20160824050243000;S01-Rtd=10.2,"
        "S01-Flag=N;01-Rtd=3.56,01-Flag=N;01-ZsRtd=4.93,01-Flag=D;02-Rtd=13.00,02-Flag=N;"
        "B02-Rtd=38.57;011-Rtd=70.00,011-Flag=N;060-Rtd=1.8;B01-Rtd=4.69&&";
    struct eg_err err;
    REQUIRE(parse_seg(seg, NULL, &err) == 0);
    CHECK_EQ_INT(pkt.edition, 2005);
    CHECK_EQ_INT(pkt.flag, -1);
    CHECK(pkt.qn.p == NULL);
    CHECK(!eg_hj212_flag_ack(&pkt));
    CHECK_EQ_INT(pkt.datatime_ms, 0);
    CHECK_EQ_INT(pkt.datatime, 1471986163); /* 2016-08-24 05:02:43 Beijing */
    CHECK_STR(pkt.pollutants[0].code2017, "a19001");
    CHECK_STR(pkt.pollutants[1].code2017, "a34013");
    CHECK_STR(pkt.pollutants[2].code2017, "a21026");
    CHECK_STR(pkt.pollutants[3].code2017, "a00000");
    CHECK_STR(pkt.pollutants[4].code2017, "w01018");
    CHECK_STR(pkt.pollutants[5].code2017, "w21003");
    CHECK_STR(pkt.pollutants[6].code2017, "w00000");
    CHECK_EQ_INT(pkt.npollutants, 7);
    const struct eg_hj212_item *rtd = eg_hj212_find(&pkt, "a34013", EG_HJ212_F_RTD);
    const struct eg_hj212_item *zs = eg_hj212_find(&pkt, "01", EG_HJ212_F_ZSRTD);
    REQUIRE(rtd && zs);
    CHECK_EQ_INT(rtd->flag, 'N');
    CHECK_EQ_INT(zs->flag, 'D'); /* the flag of its own group */
    const struct eg_hj212_item *b02 = eg_hj212_find(&pkt, "B02", EG_HJ212_F_RTD);
    REQUIRE(b02);
    CHECK_EQ_INT(b02->flag, 0); /* no flag sent */
    CHECK_EQ_INT(pkt.pollutants[1].flag, 'N');
}

TEST(hj212_parse_datatime_14_and_17_digits_beijing_to_utc)
{
    struct eg_err err;
    REQUIRE(parse_seg("ST=32;CN=2011;PW=1;MN=A;CP=&&DataTime=20160824000000123&&", NULL, &err) ==
            0);
    CHECK_EQ_INT(pkt.datatime, 1471968000); /* 2016-08-23 16:00:00 UTC */
    CHECK_EQ_INT(pkt.datatime_ms, 123);
    REQUIRE(parse_seg("ST=32;CN=2011;PW=1;MN=A;CP=&&DataTime=20160824000000&&", NULL, &err) == 0);
    CHECK_EQ_INT(pkt.datatime, 1471968000);
    int64_t t;
    int ms;
    CHECK(eg_hj212_time_parse("20240229235959", 14, &t, &ms) == 0);
    CHECK(eg_hj212_time_parse("20230229000000", 14, &t, &ms) != 0); /* no 29 Feb 2023 */
    CHECK(eg_hj212_time_parse("20230101240000", 14, &t, &ms) != 0); /* no hour 24 */
    CHECK(eg_hj212_time_parse("2023010100000", 13, &t, &ms) != 0);
    CHECK(eg_hj212_time_parse("2023010100000x", 14, &t, &ms) != 0);
    char out[15] = {0};
    eg_hj212_time_format(1471968000, out);
    CHECK_STR(out, "20160824000000");
}

TEST(hj212_parse_bad_datatime_is_reported_with_offset)
{
    static char buf[256];
    const char *seg = "ST=32;CN=2011;PW=1;MN=A;CP=&&DataTime=20160230000000&&";
    size_t n = frame(buf, sizeof buf, seg);
    struct eg_err err;
    CHECK(eg_hj212_parse(buf, n, NULL, &pkt, &err) != 0);
    CHECK_STR(err.code, "bad_datatime");
    CHECK_EQ_INT(err.offset, 6 + strstr(seg, "20160230") - seg);
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A;CP=&&DataTime=2016023&&", 0), "bad_datatime");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A;CP=&&w01018-SampleTime=20161301000000&&", 0),
              "bad_datatime");
    CHECK_STR(err_of("ST=32;CN=2051;PW=1;MN=A;CP=&&BeginTime=20160101000060&&", 0), "bad_datatime");
    /* lenient keeps the text and goes on without a DataTime */
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A;CP=&&DataTime=2016023&&", 1), "ok");
    CHECK(!pkt.has_datatime);
}

TEST(hj212_parse_flag_bits_2017_table3)
{
    struct eg_err err;
    static const struct {
        int flag, version, d, a;
    } cases[] = {{0, 0, 0, 0}, {1, 0, 0, 1}, {4, 1, 0, 0},
                 {5, 1, 0, 1}, {8, 2, 0, 0}, {9, 2, 0, 1}};
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        char seg[200];
        snprintf(seg, sizeof seg,
                 "QN=20160801085857223;ST=32;CN=2011;PW=123456;MN=A1;Flag=%d;CP=&&&&",
                 cases[i].flag);
        REQUIRE(parse_seg(seg, NULL, &err) == 0);
        CHECK_EQ_INT(eg_hj212_flag_version(&pkt), cases[i].version);
        CHECK_EQ_INT(eg_hj212_flag_subpacket(&pkt), cases[i].d);
        CHECK_EQ_INT(eg_hj212_flag_ack(&pkt), cases[i].a);
        CHECK_EQ_INT(pkt.edition, cases[i].version == 0   ? 2005
                                  : cases[i].version == 1 ? 2017
                                                          : 2025);
    }
    /* D=1 with PNUM/PNO (2017 App. C Tables C.47-C.50) */
    REQUIRE(parse_seg("QN=20160801085857534;ST=32;CN=2051;PW=123456;MN=A1;Flag=7;PNUM=2;PNO=1;"
                      "CP=&&DataTime=20160801084000;w01018-Avg=1&&",
                      NULL, &err) == 0);
    CHECK_EQ_INT(pkt.pnum, 2);
    CHECK_EQ_INT(pkt.pno, 1);
    CHECK(eg_hj212_flag_subpacket(&pkt));
    /* 2017 D=1 without them: missing_field; 2005 Flag=3 without them is the standard's own
       example (S04) and passes */
    CHECK_STR(err_of("QN=20160801085857534;ST=32;CN=2051;PW=123456;MN=A1;Flag=7;CP=&&&&", 0),
              "missing_field");
    CHECK_STR(err_of("QN=20040516010101001;ST=32;CN=2051;PW=123456;MN=88888880000001;Flag=3;"
                     "CP=&&BeginTime=20040506111000,EndTime=20040506151000&&",
                     0),
              "ok");
    CHECK_STR(
        err_of("QN=20160801085857534;ST=32;CN=2051;PW=1;MN=A1;Flag=7;PNUM=1;PNO=2;CP=&&&&", 0),
        "bad_field");
    /* version bits 3 are unknown; Flag over 255 */
    CHECK_STR(err_of("QN=20160801085857534;ST=32;CN=2011;PW=1;MN=A1;Flag=12;CP=&&&&", 0),
              "bad_field");
    CHECK_STR(err_of("QN=20160801085857534;ST=32;CN=2011;PW=1;MN=A1;Flag=256;CP=&&&&", 0),
              "bad_field");
    CHECK_STR(err_of("QN=20160801085857534;ST=32;CN=2011;PW=1;MN=A1;Flag=x;CP=&&&&", 0),
              "bad_field");
}

TEST(hj212_parse_edition_option_checks_flag_version)
{
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    o.edition = EG_HJ212_ED_2017;
    struct eg_err err;
    CHECK(parse_seg("ST=32;CN=2011;PW=1;MN=A1;Flag=0;CP=&&&&", &o, &err) != 0);
    CHECK_STR(err.code, "bad_field");
    /* a 2017 device without QN */
    CHECK(parse_seg("ST=32;CN=2011;PW=1;MN=A1;CP=&&&&", &o, &err) != 0);
    CHECK_STR(err.code, "missing_field");
    o.edition = EG_HJ212_ED_2005;
    CHECK(parse_seg("ST=32;CN=2011;PW=1;MN=A1;CP=&&&&", &o, &err) == 0);
    CHECK_EQ_INT(pkt.edition, 2005);
    o.edition = EG_HJ212_ED_2025;
    CHECK(parse_seg("QN=20260101000000000;ST=32;CN=2011;PW=1;MN=A1;Flag=9;CP=&&&&", &o, &err) == 0);
    CHECK_EQ_INT(pkt.edition, 2025);
}

TEST(hj212_parse_header_fields_in_any_order_2005_appendix_c)
{
    /* 2005 App. C item 6: QN after CN, PNO before PNUM, no Flag */
    struct eg_err err;
    REQUIRE(parse_seg("ST=32;CN=2051;QN=20040516010101001;PW=123456;MN=88888880000001;PNO=1;PNUM=1;"
                      "CP=&&DataTime=20040516010000;011-Avg=12.5&&",
                      NULL, &err) == 0);
    CHECK_EQ_INT(pkt.pno, 1);
    CHECK_EQ_INT(pkt.pnum, 1);
    CHECK_SPAN(pkt.qn.p, pkt.qn.n, "20040516010101001");
    /* MN before PW (sample S03) */
    CHECK_STR(err_of("ST=32;CN=2011;MN=A1;PW=123456;CP=&&&&", 0), "ok");
}

TEST(hj212_parse_strict_field_syntax_second_line_of_defence)
{
    /* the CRC admits 1 corruption in 256: field checks must catch what it lets through */
    CHECK_STR(err_of("ST=3X;CN=2011;PW=1;MN=A1;CP=&&&&", 0), "bad_field");  /* unknown ST */
    CHECK_STR(err_of("ST=3;CN=2011;PW=1;MN=A1;CP=&&&&", 0), "bad_field");   /* 1 char */
    CHECK_STR(err_of("ST=32;CN=2O11;PW=1;MN=A1;CP=&&&&", 0), "bad_field");  /* letter O */
    CHECK_STR(err_of("ST=32;CN=7777;PW=1;MN=A1;CP=&&&&", 0), "bad_field");  /* unknown CN */
    CHECK_STR(err_of("ST=32;CN=20111;PW=1;MN=A1;CP=&&&&", 0), "bad_field"); /* 5 digits */
    CHECK_STR(err_of("ST=32;CN=2011;PW=1 2;MN=A1;CP=&&&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A-1;CP=&&&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=0123456789012345678901234;CP=&&&&", 0), "bad_field");
    CHECK_STR(err_of("QN=2016080108585722;ST=32;CN=2011;PW=1;MN=A1;CP=&&&&", 0), "bad_field");
    CHECK_STR(err_of("QN=20161301085857223;ST=32;CN=2011;PW=1;MN=A1;CP=&&&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=1O.5&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=1e5&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Flag=NN&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-EFlag=ABCDE&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018Rtd5&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&-Rtd=5&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-=5&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=5,,w01018-Flag=N&&", 0),
              "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=5&x&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=1062;PW=1;MN=A1;CP=&&RtdInterval=3O&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;Foo=1;CP=&&&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;ST=32;CN=2011;PW=1;MN=A1;CP=&&&&", 0), "bad_field");
    CHECK_STR(
        err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&DataTime=20160101000000;DataTime=20160101000000&&",
               0),
        "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Info=//abc&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&abc&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&abc&&", 0), "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&abc=1&", 0), "bad_field");
    /* a NUL inside a value */
    static char seg[] = "ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=5X&&";
    *strchr(seg, 'X') = '\0';
    static char buf[200];
    size_t n = 0;
    REQUIRE(eg_hj212_build_frame(buf, sizeof buf, seg, sizeof seg - 1, &n, NULL) == 0);
    struct eg_err err;
    CHECK(eg_hj212_parse(buf, n, NULL, &pkt, &err) != 0);
    CHECK_STR(err.code, "bad_field");
}

TEST(hj212_parse_missing_fields)
{
    CHECK_STR(err_of("CN=2011;PW=1;MN=A1;CP=&&&&", 0), "missing_field");
    CHECK_STR(err_of("ST=32;PW=1;MN=A1;CP=&&&&", 0), "missing_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1", 0), "missing_field");
    CHECK_STR(err_of("ST=32;CN=2011;MN=A1;CP=&&&&", 0), "missing_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;CP=&&&&", 0), "missing_field");
    /* 2005 data ack has neither PW nor MN (2005 App. C) */
    CHECK_STR(err_of("ST=91;CN=9014;CP=&&QN=20040516010101001;CN=2051&&", 0), "ok");
    CHECK_SPAN(pkt.cp_qn.p, pkt.cp_qn.n, "20040516010101001");
}

TEST(hj212_parse_lenient_tolerates_the_standards_own_slips)
{
    /* hj212.md §1.10: "CP=&& PolId=…", "i12003-Info =0", "CP=&& &&", FLAG=0, ";,MN=" (S31),
       empty MN (S30), empty PW (S17), comma between header fields (C.22) */
    CHECK_STR(
        err_of("QN=20160801085857223;ST=32;CN=3011;PW=123456;MN=A1;Flag=5;CP=&& PolId=w01018&&", 1),
        "ok");
    CHECK_SPAN(pkt.items[0].key.p, pkt.items[0].key.n, "PolId");
    CHECK_STR(
        err_of("QN=20160801085857223;ST=32;CN=3020;PW=1;MN=A1;Flag=4;CP=&&i12003-Info =0&&", 1),
        "ok");
    CHECK_SPAN(pkt.items[0].name.p, pkt.items[0].name.n, "Info");
    CHECK_STR(err_of("QN=20160801085857223;ST=91;CN=9013;PW=1;MN=A1;Flag=4;CP=&& &&", 1), "ok");
    CHECK_EQ_INT(pkt.nitems, 0);
    CHECK_STR(err_of("ST=32;CN=2011;PW=123456;,MN=88888881234567;FLAG=0;CP=&&&&", 1), "ok");
    CHECK_EQ_INT(pkt.flag, 0);
    CHECK_SPAN(pkt.mn.p, pkt.mn.n, "88888881234567");
    CHECK_STR(err_of("QN=20160801085857534,ST=32;CN=2051;PW=1;MN=A1;Flag=4;CP=&&&&", 1), "ok");
    CHECK_STR(err_of("QN=20220814021304000;ST=22;CN=2011;PW=123456;MN=;Flag=5;CP=&&&&", 1), "ok");
    /* strict refuses each */
    CHECK_STR(
        err_of("QN=20160801085857223;ST=32;CN=3011;PW=123456;MN=A1;Flag=5;CP=&& PolId=w01018&&", 0),
        "bad_field");
    CHECK_STR(err_of("ST=32;CN=2011;PW=123456;,MN=88888881234567;FLAG=0;CP=&&&&", 0), "bad_field");
    CHECK_STR(err_of("QN=20220814021304000;ST=22;CN=2011;PW=123456;MN=;Flag=5;CP=&&&&", 0),
              "bad_field");
    /* lenient keeps a non-number as text */
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=abc&&", 1), "ok");
    CHECK(!pkt.items[0].has_num);
}

TEST(hj212_parse_empty_groups_and_info_text)
{
    /* S02 ends with "…;&&"; C.40 log text in //…// may hold separators and UTF-8 */
    CHECK_STR(err_of("ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=1,w01018-Flag=N;&&", 0), "ok");
    CHECK_EQ_INT(pkt.nitems, 2);
    CHECK_STR(
        err_of("QN=20160801085857223;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;Flag=5;"
               "CP=&&DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路; a,b=c//&&",
               0),
        "ok");
    const struct eg_hj212_item *it = eg_hj212_find(&pkt, "i11001", EG_HJ212_F_INFO);
    REQUIRE(it);
    CHECK_SPAN(it->value.p, it->value.n, "//清洗管路; a,b=c//");
    it = eg_hj212_find_key(&pkt, "PolId");
    REQUIRE(it);
    CHECK_SPAN(it->value.p, it->value.n, "w01018");
}

TEST(hj212_parse_frame_errors_each_code_with_offset)
{
    struct eg_err err;
    CHECK_STR(err_raw("", &err), "truncated");
    CHECK_STR(err_raw("#", &err), "truncated");
    CHECK_STR(err_raw("##01", &err), "truncated");
    CHECK_STR(err_raw("X#0010", &err), "bad_header");
    CHECK_EQ_INT(err.offset, 0);
    CHECK_STR(err_raw("#X0010", &err), "bad_header");
    CHECK_STR(err_raw("##00a0ST=32&&1234", &err), "bad_length");
    CHECK_EQ_INT(err.offset, 2);
    CHECK_STR(err_raw("##test13912345678", &err), "bad_length");
    CHECK_STR(err_raw("##9999", &err), "too_long");
    CHECK_STR(err_raw("##0005ST=32&&ABCD", &err), "length_mismatch"); /* 7 bytes, not 5 */
    CHECK_STR(err_raw("##0005ST=32&&", &err), "truncated"); /* no CRC, no CRLF: cut short */
    CHECK_STR(err_raw("##0010ST=3\r\n", &err), "length_mismatch");
    CHECK_STR(err_raw("##0100QN=2016080108;ST", &err), "truncated");
    CHECK_STR(err_raw("##0004&&&&XYZW\r\n", &err), "bad_crc");
    CHECK_EQ_INT(err.offset, 10);
    CHECK_STR(err_raw("##0004&&&&1234\r\n", &err), "crc_mismatch");
    CHECK_EQ_INT(err.offset, 10);
    /* the segment over a configured limit */
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    o.max_segment = 100;
    char buf[300];
    char seg[200];
    snprintf(seg, sizeof seg, "ST=32;CN=2011;PW=1;MN=A1;CP=&&DataTime=20160101000000;%s&&",
             "w01018-Rtd=1,w01018-Flag=N;w01019-Rtd=1,w01019-Flag=N;w01020-Rtd=1");
    size_t n = frame(buf, sizeof buf, seg);
    CHECK(eg_hj212_parse(buf, n, &o, &pkt, &err) == EG_ETOOBIG);
    CHECK_STR(err.code, "too_long");
    o.max_segment = 0;
    CHECK(eg_hj212_parse(buf, n, &o, &pkt, &err) == 0);
}

TEST(hj212_parse_too_many_items)
{
    static char seg[9000];
    size_t k = (size_t)snprintf(seg, sizeof seg, "ST=32;CN=2011;PW=1;MN=A1;CP=&&");
    for (int i = 0; i < EG_HJ212_MAX_ITEMS + 1; i++)
        k += (size_t)snprintf(seg + k, sizeof seg - k, "%sa%05d-Rtd=1", i ? ";" : "", i);
    snprintf(seg + k, sizeof seg - k, "&&");
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    o.max_segment = EG_HJ212_MAX_SEGMENT;
    struct eg_err err;
    CHECK(parse_seg(seg, &o, &err) != 0);
    CHECK_STR(err.code, "too_many_items");
    /* exactly the limit is fine */
    char *last = strrchr(seg, ';');
    memcpy(last, "&&", 3);
    CHECK(parse_seg(seg, &o, &err) == 0);
    CHECK_EQ_INT(pkt.nitems, EG_HJ212_MAX_ITEMS);
    CHECK_EQ_INT(pkt.npollutants, EG_HJ212_MAX_ITEMS);
}

TEST(hj212_parse_crc_variant_modbus_swapped_only_when_set)
{
    /* tonyxia2016 device MN=4201003 (hj212.md §0.4) */
    size_t len;
    char *data = eg_test_read_file(
        eg_test_shared(
            "data/real/hj212_tonyxia2016_HJ212Receiver/bin_Debug_rx.log.hj212_lines_only.txt"),
        &len);
    REQUIRE(data);
    char *p = strstr(data, "##0868");
    REQUIRE(p);
    size_t n = 6 + 868 + 4;
    struct eg_err err;
    CHECK(eg_hj212_parse(p, n, NULL, &pkt, &err) != 0);
    CHECK_STR(err.code, "crc_mismatch");
    CHECK(strstr(err.msg, "modbus_swapped") != NULL); /* the message says what to do */
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    o.crc = EG_HJ212_CRC_MODBUS_SWAPPED;
    CHECK(eg_hj212_parse(p, n, &o, &pkt, &err) == 0);
    CHECK_EQ_INT(pkt.crc_variant, EG_HJ212_CRC_MODBUS_SWAPPED);
    /* the setting still accepts the standard CRC */
    const char *f =
        "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
        "Flag=5;CP=&&RtdInterval=30&&1C80\r\n";
    CHECK(eg_hj212_parse(f, strlen(f), &o, &pkt, &err) == 0);
    CHECK_EQ_INT(pkt.crc_variant, EG_HJ212_CRC_STANDARD);
    free(data);
}

TEST(hj212_parse_lowercase_crc_hex_S32_and_crc_0000_S15)
{
    const char *s32 =
        "##0136ST=32;CN=2011;PW=000000;MN=LD130133000015;CP=&&DataTime=20160824003817;"
        "011-Rtd=231.0,011-Flag=N;B01-Rtd=36.91;060-Rtd=1.803,060-Flag=N&&1dc0\r\n";
    struct eg_err err;
    CHECK(eg_hj212_parse(s32, strlen(s32), NULL, &pkt, &err) == 0);
    CHECK_EQ_INT(pkt.crc, 0x1DC0);
    /* S33: the same corrupted on purpose */
    const char *s33 =
        "##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;"
        "B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4981\r\n";
    CHECK(eg_hj212_parse(s33, strlen(s33), NULL, &pkt, &err) != 0);
    CHECK_STR(err.code, "crc_mismatch");
}

/* Samples S01-S36 of hj212.md §2.3, read from the spec itself: every PASS sample parses in
   lenient mode with the Modbus-swapped setting, every FAIL sample fails; in strict mode the
   standard CRC decides except for the listed field defects. */
TEST(hj212_parse_spec_samples_S01_to_S36)
{
    size_t len;
    char *md = eg_test_read_file(eg_test_shared("spec/hj212.md"), &len);
    REQUIRE(md);
    int seen = 0;
    char *p = md;
    while ((p = strstr(p, "**S")) != NULL) {
        char id[4] = {p[2], p[3], p[4], 0};
        if (strncmp(p + 5, " — ", strlen(" — "))) {
            p += 3;
            continue;
        }
        int pass = !strncmp(p + 5 + strlen(" — "), "PASS", 4);
        char *code = strstr(p, "```\n");
        REQUIRE(code);
        code += 4;
        char *end = strstr(code, "\\r\\n");
        REQUIRE(end);
        struct eg_hj212_options o;
        eg_hj212_options_default(&o);
        o.lenient = 1;
        o.crc = EG_HJ212_CRC_MODBUS_SWAPPED;
        struct eg_err err;
        int r = eg_hj212_parse(code, (size_t)(end - code), &o, &pkt, &err);
        if (pass != (r == 0) && strcmp(id, "S13"))
            eg_test_fail(__FILE__, __LINE__, "%s: expected %s, got %s", id, pass ? "PASS" : "FAIL",
                         r ? err.msg : "ok");
        /* strict: PASS samples fail only for these field defects */
        r = eg_hj212_parse(code, (size_t)(end - code), NULL, &pkt, &err);
        static const char *const strict_fail[] = {"S02", "S03", "S09", "S10", "S13", "S16",
                                                  "S17", "S18", "S24", "S30", "S31", "S33"};
        int expect_fail = 0;
        for (size_t i = 0; i < EG_ARRAY_LEN(strict_fail); i++)
            expect_fail |= !strcmp(id, strict_fail[i]);
        if (expect_fail != (r != 0))
            eg_test_fail(__FILE__, __LINE__, "%s strict: expected %s, got %s", id,
                         expect_fail ? "an error" : "ok", r ? err.msg : "ok");
        seen++;
        p = end;
    }
    CHECK_EQ_INT(seen, 36);
    free(md);
}

/* The real capture (data/real README §4): 2997 packets in 3000 lines. 2996 pass length + CRC;
   of them, line 395 carries "ST=\0\0" (two NUL bytes where the system code belongs) with a CRC
   that matches: the strict field check reports it. The real defects: line 395 bad_field, line
   2428 length_mismatch, lines 2759-2761 a packet broken across lines (bad_length, bad_header). */
TEST(hj212_parse_real_capture_first3000_defects_reported_with_codes)
{
    size_t len;
    char *data = eg_test_read_file(
        eg_test_shared(
            "data/real/hj212_xiaoyao9184_hj-t212-parser/AllData_2016-08-24_05_first3000lines.h212"),
        &len);
    REQUIRE(data);
    int ok = 0, line = 0, bad = 0, ok_lenient = 0, withdt = 0, ms17 = 0;
    char errs[8][32] = {{0}};
    int errline[8] = {0};
    for (char *s = data, *end = data + len; s < end;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        char *next = s + n + 1;
        line++;
        while (n && s[n - 1] == '\r')
            n--;
        if (n) {
            struct eg_err err;
            if (eg_hj212_parse(s, n, NULL, &pkt, &err) == 0) {
                ok++;
                withdt += pkt.has_datatime;
                ms17 += pkt.has_datatime && pkt.datatime_text.n == 17;
            } else if (bad < 8) {
                snprintf(errs[bad], sizeof errs[bad], "%s", err.code);
                errline[bad++] = line;
            }
            struct eg_hj212_options o;
            eg_hj212_options_default(&o);
            o.lenient = 1;
            ok_lenient += eg_hj212_parse(s, n, &o, &pkt, &err) == 0;
        }
        s = next;
    }
    CHECK_EQ_INT(line, 3000);
    CHECK_EQ_INT(ok, 2995);
    CHECK_EQ_INT(ok_lenient, 2995);
    REQUIRE(bad == 5);
    CHECK_EQ_INT(errline[0], 395);
    CHECK_STR(errs[0], "bad_field");
    CHECK_EQ_INT(errline[1], 2428);
    CHECK_STR(errs[1], "length_mismatch");
    CHECK_EQ_INT(errline[2], 2759);
    CHECK_STR(errs[2], "bad_length");
    CHECK_EQ_INT(errline[3], 2760);
    CHECK_STR(errs[3], "bad_header");
    CHECK_EQ_INT(errline[4], 2761);
    CHECK_STR(errs[4], "bad_header");
    CHECK(withdt > 2800);
    CHECK(ms17 > 1800); /* DataTime with milliseconds (17 digits) */
    free(data);
}

TEST(hj212_parse_real_capture_hourly_2061_all_valid)
{
    size_t len;
    char *data = eg_test_read_file(eg_test_shared("data/real/hj212_xiaoyao9184_hj-t212-parser/"
                                                  "AllData_2016-08-24_05_CN2061_hourly_lines.h212"),
                                   &len);
    REQUIRE(data);
    int ok = 0, lines = 0;
    for (char *s = data, *end = data + len; s < end;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        char *next = s + n + 1;
        while (n && s[n - 1] == '\r')
            n--;
        if (n) {
            lines++;
            struct eg_err err;
            if (eg_hj212_parse(s, n, NULL, &pkt, &err) == 0) {
                ok++;
                CHECK_EQ_INT(pkt.cn_num, 2061);
                CHECK(pkt.npollutants > 0);
            } else {
                eg_test_fail(__FILE__, __LINE__, "line %d: %s %s", lines, err.code, err.msg);
            }
        }
        s = next;
    }
    CHECK_EQ_INT(lines, 293);
    CHECK_EQ_INT(ok, 293);
    free(data);
}

TEST(hj212_parse_real_tonyxia_standard_pass_swapped_need_setting)
{
    size_t len;
    char *data = eg_test_read_file(
        eg_test_shared(
            "data/real/hj212_tonyxia2016_HJ212Receiver/bin_Debug_rx.log.hj212_lines_only.txt"),
        &len);
    REQUIRE(data);
    int lines = 0, ok_std = 0, ok_sw = 0, swapped = 0;
    struct eg_hj212_options sw;
    eg_hj212_options_default(&sw);
    sw.crc = EG_HJ212_CRC_MODBUS_SWAPPED;
    for (char *s = data, *end = data + len; s < end;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        char *next = s + n + 1;
        while (n && s[n - 1] == '\r') /* these lines end "\r\r\n" (Windows text-mode log) */
            n--;
        if (n) {
            lines++;
            struct eg_err err;
            if (eg_hj212_parse(s, n, NULL, &pkt, &err) == 0)
                ok_std++;
            else
                CHECK_STR(err.code, "crc_mismatch");
            if (eg_hj212_parse(s, n, &sw, &pkt, &err) == 0) {
                ok_sw++;
                swapped += pkt.crc_variant == EG_HJ212_CRC_MODBUS_SWAPPED;
            }
        }
        s = next;
    }
    CHECK_EQ_INT(lines, 50);
    CHECK_EQ_INT(ok_std, 29);
    CHECK_EQ_INT(ok_sw, 50);
    CHECK_EQ_INT(swapped, 21);
    free(data);
}

TEST(hj212_parse_code_tables_loaded_from_data)
{
    const struct eg_hj212_code_info *ci = eg_hj212_st_info("22", 2);
    REQUIRE(ci);
    CHECK_STR(ci->name_zh, "空气质量监测"); /* hj212.md §0.5: 22 is air, 21 surface water */
    ci = eg_hj212_st_info("21", 2);
    REQUIRE(ci);
    CHECK_STR(ci->name_zh, "地表水质量监测");
    CHECK(eg_hj212_st_info("99", 2) == NULL);
    ci = eg_hj212_cn_info(2051);
    REQUIRE(ci);
    CHECK_EQ_INT(ci->origin, EG_HJ212_ORIGIN_BOTH);
    CHECK_EQ_INT(eg_hj212_cn_info(8013)->origin, EG_HJ212_ORIGIN_FIELD);
    CHECK_EQ_INT(eg_hj212_cn_info(2081)->origin, EG_HJ212_ORIGIN_2017);
    CHECK(eg_hj212_cn_info(7777) == NULL);
    CHECK_STR(eg_hj212_code_2017("011", 3), "w01018");
    CHECK_STR(eg_hj212_code_2017("B01", 3), "w00000");
    CHECK_STR(eg_hj212_code_2017("03", 2), "a21002");
    CHECK_STR(eg_hj212_code_2017("a34004", 6), "a34004");
    CHECK(eg_hj212_code_2017("zzz", 3) == NULL);
    ci = eg_hj212_pollutant_info("w01018", 6);
    REQUIRE(ci);
    CHECK_STR(ci->name_zh, "化学需氧量");
    CHECK_STR(ci->code2005, "011");
    CHECK_STR(ci->unit, "毫克/升");
    /* std_codes_only refuses codes seen only in the field */
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    o.std_codes_only = 1;
    struct eg_err err;
    CHECK(parse_seg("ST=32;CN=8013;PW=1;MN=A1;CP=&&HeartbeatTime=120&&", &o, &err) != 0);
    CHECK(parse_seg("ST=32;CN=8013;PW=1;MN=A1;CP=&&HeartbeatTime=120&&", NULL, &err) == 0);
}

/* Values are converted while scanning, 8 digits at a time where the frame allows: every shape
   (sign, 1-15 digits, 0-9 decimals, trailing point, last in CP or not) must give the value
   strtod gives, bit for bit (2017 §6.3.3.2.2 N14.2: up to 14 integer and 2+ decimal digits). */
TEST(hj212_parse_numbers_exact_every_shape)
{
    static char seg[400], num[40];
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 20000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int ni = 1 + (int)(x % 15), nf = (int)((x >> 8) % 10), sign = (int)((x >> 16) % 3);
        if (ni + nf > 15)
            nf = 15 - ni;
        size_t k = 0;
        if (sign == 1)
            num[k++] = '-';
        if (sign == 2)
            num[k++] = '+';
        uint64_t y = x;
        for (int i = 0; i < ni; i++, y = y * 6364136223846793005ull + 1)
            num[k++] = (char)('0' + (y >> 33) % 10);
        if (nf || (x >> 24) % 7 == 0)
            num[k++] = '.';
        for (int i = 0; i < nf; i++, y = y * 6364136223846793005ull + 1)
            num[k++] = (char)('0' + (y >> 33) % 10);
        num[k] = '\0';
        int last = (int)((x >> 30) % 2);
        snprintf(seg, sizeof seg, "ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=%s%s&&", num,
                 last ? "" : ",w01018-Flag=N");
        struct eg_err err;
        if (parse_seg(seg, NULL, &err) != 0) {
            eg_test_fail(__FILE__, __LINE__, "'%s': %s", num, err.msg);
            return;
        }
        const struct eg_hj212_item *it = &pkt.items[0];
        REQUIRE(it->has_num);
        double want = strtod(num, NULL);
        if (memcmp(&it->num, &want, sizeof want)) {
            eg_test_fail(__FILE__, __LINE__, "'%s' -> %.17g, strtod %.17g", num, it->num, want);
            return;
        }
        CHECK_SPAN(it->value.p, it->value.n, num);
    }
    /* not numbers */
    static const char *const bad[] = {"-",    "+",   ".",  "1.2.3", "1-2",
                                      "0x10", "1e5", " 1", "--1",   "1,"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        snprintf(seg, sizeof seg, "ST=32;CN=2011;PW=1;MN=A1;CP=&&w01018-Rtd=%s&&", bad[i]);
        struct eg_err err;
        CHECK(parse_seg(seg, NULL, &err) != 0);
    }
}

/* The second line of defence (issue 2 item 5): the CRC keeps only 256 values, so about one
   random corruption in 256 passes it (a single changed byte never does: the 8-bit state map is a
   permutation, so the difference survives; two changed bytes cancel with probability 1/256).
   Corrupt real packets in two bytes (seeded) and count what gets through: with the field checks,
   far fewer than the CRC alone lets pass; every refusal carries one of the stable codes. */
TEST(hj212_parse_corruptions_caught_beyond_the_crc)
{
    size_t len;
    char *data = eg_test_read_file(eg_test_shared("data/real/hj212_xiaoyao9184_hj-t212-parser/"
                                                  "AllData_2016-08-24_05_first3000lines.h212"),
                                   &len);
    REQUIRE(data);
    static const char *const codes[] = {"bad_header",   "bad_length",    "length_mismatch",
                                        "crc_mismatch", "bad_crc",       "too_long",
                                        "truncated",    "missing_field", "bad_field",
                                        "bad_datatime", "too_many_items"};
    static char buf[2000];
    uint64_t x = 0x2545F4914F6CDD1Dull;
    int tried = 0, crc_pass = 0, accepted = 0;
    for (char *s = data, *end = data + len; s < end;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        char *next = s + n + 1;
        while (n && s[n - 1] == '\r')
            n--;
        struct eg_err err;
        if (n > 20 && n < sizeof buf && eg_hj212_parse(s, n, NULL, &pkt, &err) == 0) {
            size_t L = n - 10;
            for (int k = 0; k < 20; k++) {
                memcpy(buf, s, n);
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                size_t at = 6 + (size_t)(x % L); /* inside the data segment */
                size_t at2 = 6 + (size_t)((x >> 32) % L);
                char c = (char)(0x20 + (x >> 20) % 95), c2 = (char)(0x20 + (x >> 44) % 95);
                if (at == at2 || buf[at] == c || buf[at2] == c2)
                    continue;
                buf[at] = c;
                buf[at2] = c2;
                tried++;
                char hex[5] = {0};
                eg_hj212_crc_hex(eg_hj212_crc(buf + 6, L), hex);
                crc_pass += !strncasecmp(hex, buf + n - 4, 4);
                if (eg_hj212_parse(buf, n, NULL, &pkt, &err) == 0) {
                    accepted++;
                } else {
                    int known = 0;
                    for (size_t i = 0; i < EG_ARRAY_LEN(codes); i++)
                        known |= !strcmp(err.code, codes[i]);
                    if (!known)
                        eg_test_fail(__FILE__, __LINE__, "unknown code %s", err.code);
                }
            }
        }
        s = next;
    }
    CHECK(tried > 50000);
    CHECK(crc_pass > tried / 400);  /* the CRC alone: about 1 in 256 */
    CHECK(accepted < crc_pass / 2); /* the field checks catch most of those */
    printf("    corruptions: %d, passing the CRC %d, accepted after field checks %d\n", tried,
           crc_pass, accepted);
    free(data);
}
