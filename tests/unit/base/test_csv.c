/* Tests of base/csv.c: the one CSV reader (RFC 4180, limits, line numbers, UTF-8 / BOM /
   GB 18030) and the one writer (quoting, formula neutralising). */
#include "base/csv.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads every record of text into "a|b|c\n" lines; errors as "!code@line\n". With from_file,
   through a file read in chunks (eg_csv_open_file). */
static char *dump_via(const char *text, size_t len, const struct eg_csv_limits *lim, int from_file)
{
    struct eg_buf out = {0};
    struct eg_csv c;
    struct eg_err err;
    eg_err_clear(&err);
    int opened;
    if (from_file) {
        char path[600];
        snprintf(path, sizeof path, "%s/in.csv", eg_test_tmpdir());
        FILE *f = fopen(path, "wb");
        REQUIRE(f && fwrite(text, 1, len, f) == len);
        fclose(f);
        opened = eg_csv_open_file(&c, path, lim, &err);
    } else {
        opened = eg_csv_open(&c, text, len, lim, &err);
    }
    if (opened) {
        eg_buf_printf(&out, "!%s@%ld\n", err.code, err.offset);
        eg_buf_append(&out, "", 1);
        return out.data;
    }
    int got;
    while ((got = eg_csv_next(&c, &err)) != 0) {
        if (got < 0) {
            eg_buf_printf(&out, "!%s@%ld\n", err.code, err.offset);
            continue;
        }
        eg_buf_printf(&out, "%ld:", c.rec_line);
        for (int i = 0; i < c.nfields; i++) {
            size_t n;
            const char *f = eg_csv_field(&c, i, &n);
            CHECK_EQ_INT((int)strlen(f), (int)n); /* NUL-terminated, no NUL inside here */
            eg_buf_printf(&out, "%s%.*s", i ? "|" : "", (int)n, f);
        }
        eg_buf_puts(&out, "\n");
    }
    eg_buf_printf(&out, "[%s]", c.encoding);
    eg_csv_close(&c);
    eg_buf_append(&out, "", 1);
    return out.data;
}

static char *dump(const char *text, size_t len, const struct eg_csv_limits *lim)
{
    char *a = dump_via(text, len, lim, 0), *b = dump_via(text, len, lim, 1);
    CHECK_STR(b, a); /* the streaming reader reads exactly what the buffer reader does */
    free(b);
    return a;
}

static void check_dump(const char *text, const struct eg_csv_limits *lim, const char *want)
{
    char *got = dump(text, strlen(text), lim);
    CHECK_STR(got, want);
    free(got);
}

TEST(csv_rfc4180_quotes_commas_newlines_crlf_and_line_numbers)
{
    check_dump("a,b,c\r\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\n1,,\n", NULL,
               "1:a|b|c\n2:x,y|say \"hi\"|two\nlines\n5:1||\n[utf-8]");
    /* no final newline; an empty quoted field; text after a closing quote kept (Excel) */
    check_dump("\"\",\"a\"b,c", NULL, "1:|ab|c\n[utf-8]");
    check_dump("", NULL, "[utf-8]");
    check_dump("\n\r\n\n", NULL, "[utf-8]");
}

TEST(csv_malformed_and_truncated_records_name_their_line_and_reading_goes_on)
{
    /* an unclosed quote runs to the end: reported at its line, the next line is read again */
    check_dump("h\n\"open,1\nok,2\n", NULL, "1:h\n!quote@2\n3:ok|2\n[utf-8]");
    /* truncated inside a quote at the very end of the input */
    check_dump("a,\"b", NULL, "!quote@1\n[utf-8]");
}

TEST(csv_limits_refuse_oversized_files_records_and_cells)
{
    struct eg_csv_limits lim = {16, 3, 4};
    check_dump("0123456789abcdefg", &lim, "!too_large@-1\n");
    check_dump("a,b,c,d\nx\n", &lim, "!columns@1\n2:x\n[utf-8]");
    check_dump("abcde\n\"abcd\"\n", &lim, "!cell@1\n2:abcd\n[utf-8]");
    /* a quoted cell of 5 bytes after unquoting ("" is one byte) is over 4 */
    check_dump("\"a\"\"bcd\"\n", &lim, "!cell@1\n[utf-8]");
}

TEST(csv_utf8_bom_and_gbk_are_read_as_utf8)
{
    check_dump("\xEF\xBB\xBF名称,编号\n甲,1\n", NULL, "1:名称|编号\n2:甲|1\n[utf-8-bom]");
    /* "名称,编号\n甲,1" in GBK, as Excel saves it on Chinese Windows */
    check_dump("\xC3\xFB\xB3\xC6,\xB1\xE0\xBA\xC5\n\xBC\xD7,1\n", NULL,
               "1:名称|编号\n2:甲|1\n[gb18030]");
    /* a BOM promises UTF-8: GBK after it is refused */
    check_dump("\xEF\xBB\xBF\xC3\xFB\n", NULL, "!encoding@1\n");
    /* neither UTF-8 nor GB 18030 (a lone lead byte at the end): the line is named */
    check_dump("a\nb\n\x81", NULL, "!encoding@3\n");
    CHECK(eg_utf8_valid("\xE2\x82\xAC", 3));
    CHECK(!eg_utf8_valid("\xC0\xAF", 2));         /* overlong */
    CHECK(!eg_utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
    CHECK(!eg_utf8_valid("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
}

static char *put(const char *s, unsigned flags)
{
    struct eg_buf b = {0};
    eg_csv_put(&b, s, strlen(s), flags);
    eg_buf_append(&b, "", 1);
    return b.data;
}

static void check_put(const char *s, unsigned flags, const char *want)
{
    char *got = put(s, flags);
    CHECK_STR(got, want);
    free(got);
}

TEST(csv_writer_quotes_only_what_needs_it)
{
    check_put("plain 文本", 0, "plain 文本");
    check_put("", 0, "");
    check_put("a,b", 0, "\"a,b\"");
    check_put("say \"hi\"", 0, "\"say \"\"hi\"\"\"");
    check_put("two\nlines", 0, "\"two\nlines\"");
    check_put("cr\r", 0, "\"cr\r\"");
    check_put("=1+1", 0, "=1+1"); /* machine output: unchanged */
}

TEST(csv_writer_neutralises_formula_injection)
{
    check_put("=HYPERLINK(\"http://x\")", EG_CSV_NEUTRALISE, "\"'=HYPERLINK(\"\"http://x\"\")\"");
    check_put("+1", EG_CSV_NEUTRALISE, "'+1");
    check_put("-2", EG_CSV_NEUTRALISE, "'-2");
    check_put("@SUM(A1)", EG_CSV_NEUTRALISE, "'@SUM(A1)");
    check_put("a=b", EG_CSV_NEUTRALISE, "a=b");
    check_put("", EG_CSV_NEUTRALISE, "");
}

TEST(csv_writer_output_reads_back_unchanged)
{
    const char *cells[] = {"a", "b,c", "\"q\"", "multi\r\nline", "", "名称"};
    struct eg_buf b = {0};
    for (size_t i = 0; i < EG_ARRAY_LEN(cells); i++) {
        if (i)
            eg_buf_puts(&b, ",");
        eg_csv_put(&b, cells[i], strlen(cells[i]), 0);
    }
    eg_buf_puts(&b, "\r\n");
    struct eg_csv c;
    REQUIRE(eg_csv_open(&c, b.data, b.len, NULL, NULL) == 0);
    REQUIRE(eg_csv_next(&c, NULL) == 1);
    CHECK_EQ_INT(c.nfields, (int)EG_ARRAY_LEN(cells));
    for (int i = 0; i < c.nfields; i++) {
        size_t n;
        const char *f = eg_csv_field(&c, i, &n);
        CHECK_SPAN(f, n, cells[i]);
    }
    CHECK_EQ_INT(eg_csv_next(&c, NULL), 0);
    eg_csv_close(&c);
    eg_buf_free(&b);
}

/* Issue 10 item 18: a file larger than the reader's chunks and window, read in chunks: GB 18030
   characters cut by a read, quoted fields with line breaks across window ends, a 150 KiB cell
   (over the 64 KiB the window keeps ahead), CRLF. Same records as the whole-buffer reader. */
TEST(csv_streaming_reader_matches_the_buffer_reader_across_chunks)
{
    struct eg_buf b = {0};
    eg_buf_puts(&b, "\xC3\xFB\xB3\xC6,\xB1\xE0\xBA\xC5,note\r\n"); /* 名称,编号 in GBK */
    for (int i = 0; i < 40000; i++) {
        eg_buf_printf(&b, "\xBC\xD7%d\xD2\xD2,%d,", i, i); /* 甲i乙 */
        if (i % 997 == 0)
            eg_buf_puts(&b, "\"two\r\nlines, \"\"quoted\"\"\"");
        eg_buf_puts(&b, "\r\n");
        if (i == 20000) {
            eg_buf_puts(&b, "big,1,\"");
            for (int k = 0; k < 150 * 1024; k++)
                eg_buf_append(&b, k % 100 == 99 ? "\n" : "x", 1);
            eg_buf_puts(&b, "\"\r\n");
        }
    }
    struct eg_csv_limits lim = {0, 0, 256 * 1024};
    char *a = dump(b.data, b.len, &lim);
    CHECK(strstr(a, "[gb18030]") != NULL);
    CHECK(strstr(a, "甲39999乙|39999") != NULL);
    free(a);
    /* the same as UTF-8 with a BOM */
    struct eg_buf u = {0};
    eg_buf_puts(&u, "\xEF\xBB\xBF");
    for (int i = 0; i < 60000; i++)
        eg_buf_printf(&u, "上海%d,\"多\n行\",%d\n", i, i);
    a = dump(u.data, u.len, NULL);
    CHECK(strstr(a, "[utf-8-bom]") != NULL);
    free(a);
    /* cut mid-character near the end of a long file: refused naming its line */
    u.len -= 3; /* the last record's "99\n": its second line (120000) ends in a cut 上 */
    eg_buf_puts(&u, "\xE4\xB8\n");
    a = dump(u.data, u.len, NULL);
    CHECK(strstr(a, "!encoding@120000") != NULL);
    free(a);
    eg_buf_free(&b);
    eg_buf_free(&u);
}
