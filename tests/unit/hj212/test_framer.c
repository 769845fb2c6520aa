/* test_framer.c: the stream framer (issue 2 item 5): packets split across reads, several in one
   read, garbage before "##", missing CRLF, a NUL in the middle, too long, truncated at the end,
   bounded memory, and chunking that must not change the result. */
#include "hj212/hj212.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct event {
    int kind; /* 1 frame, 2 error, 3 finish error */
    uint64_t off;
    size_t len;
    char code[32];
    uint16_t crc;
};

/* Feeds data in chunks of `chunk` bytes (0 = one read), collecting frames and errors. */
static size_t run(const char *data, size_t n, size_t chunk, size_t max_packet, struct event *ev,
                  size_t maxev, size_t *maxlen)
{
    struct eg_hj212_framer f;
    REQUIRE(eg_hj212_framer_init(&f, max_packet) == 0);
    size_t ne = 0, pos = 0;
    if (maxlen)
        *maxlen = 0;
    do {
        size_t c = chunk ? chunk : n;
        if (c > n - pos)
            c = n - pos;
        size_t done = 0;
        do {
            done += eg_hj212_framer_feed(&f, data + pos + done, c - done);
            if (maxlen && f.len > *maxlen)
                *maxlen = f.len;
            struct eg_hj212_frame fr;
            struct eg_err err;
            int r;
            while ((r = eg_hj212_framer_next(&f, &fr, &err)) != 0) {
                REQUIRE(ne < maxev);
                struct event *e = &ev[ne++];
                memset(e, 0, sizeof *e);
                if (r > 0) {
                    e->kind = 1;
                    e->off = fr.offset;
                    e->len = fr.len;
                    e->crc = eg_hj212_crc(fr.data, fr.len);
                    CHECK(!memcmp(fr.data, data + fr.offset, fr.len)); /* the bytes of the stream */
                } else {
                    e->kind = 2;
                    e->off = (uint64_t)err.offset;
                    snprintf(e->code, sizeof e->code, "%s", err.code);
                }
            }
        } while (done < c);
        pos += c;
    } while (pos < n);
    struct eg_err err;
    if (eg_hj212_framer_finish(&f, &err)) {
        REQUIRE(ne < maxev);
        struct event *e = &ev[ne++];
        memset(e, 0, sizeof *e);
        e->kind = 3;
        e->off = (uint64_t)err.offset;
        snprintf(e->code, sizeof e->code, "%s", err.code);
    }
    eg_hj212_framer_free(&f);
    return ne;
}

static const char F1[] =
    "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
    "Flag=5;CP=&&RtdInterval=30&&1C80\r\n";

TEST(hj212_framer_two_packets_in_one_read_and_split_everywhere)
{
    char s[400];
    size_t n = (size_t)snprintf(s, sizeof s, "%s%s", F1, F1);
    struct event a[8], b[8];
    size_t na = run(s, n, 0, 0, a, 8, NULL);
    REQUIRE(na == 2);
    CHECK_EQ_INT(a[0].kind, 1);
    CHECK_EQ_INT(a[0].off, 0);
    CHECK_EQ_INT(a[0].len, sizeof F1 - 1);
    CHECK_EQ_INT(a[1].off, sizeof F1 - 1);
    for (size_t chunk = 1; chunk < n; chunk++) {
        size_t nb = run(s, n, chunk, 0, b, 8, NULL);
        REQUIRE(nb == na);
        CHECK(!memcmp(a, b, sizeof a[0] * na));
    }
}

TEST(hj212_framer_garbage_before_header_reported_once_then_resync)
{
    char s[400];
    size_t n = (size_t)snprintf(s, sizeof s, "GET / HTTP/1.0\r\n#x#%s", F1);
    struct event e[8];
    size_t ne = run(s, n, 0, 0, e, 8, NULL);
    REQUIRE(ne == 2);
    CHECK_EQ_INT(e[0].kind, 2);
    CHECK_STR(e[0].code, "bad_header");
    CHECK_EQ_INT(e[0].off, 0);
    CHECK_EQ_INT(e[1].kind, 1);
    CHECK_EQ_INT(e[1].off, n - (sizeof F1 - 1));
    for (size_t chunk = 1; chunk < 8; chunk++) {
        struct event b[8];
        CHECK_EQ_INT(run(s, n, chunk, 0, b, 8, NULL), 2);
        CHECK(!memcmp(e, b, sizeof e[0] * 2));
    }
    /* bare CR/LF between packets is not an error */
    n = (size_t)snprintf(s, sizeof s, "\r\n\r%s\n\n", F1);
    ne = run(s, n, 0, 0, e, 8, NULL);
    REQUIRE(ne == 1);
    CHECK_EQ_INT(e[0].kind, 1);
}

TEST(hj212_framer_missing_crlf_then_next_packet_not_lost)
{
    char s[400];
    /* first frame without its CRLF, directly followed by the second */
    size_t n = (size_t)snprintf(s, sizeof s, "%.*s%s", (int)(sizeof F1 - 3), F1, F1);
    struct event e[8];
    size_t ne = run(s, n, 0, 0, e, 8, NULL);
    REQUIRE(ne == 2);
    CHECK_STR(e[0].code, "bad_trailer");
    CHECK_EQ_INT(e[0].off, sizeof F1 - 3);
    CHECK_EQ_INT(e[1].kind, 1);
    CHECK_EQ_INT(e[1].off, sizeof F1 - 3);
    /* lenient_trailer: the first is delivered since its CRC checks */
    struct eg_hj212_framer f;
    REQUIRE(eg_hj212_framer_init(&f, 0) == 0);
    f.lenient_trailer = 1;
    CHECK_EQ_INT(eg_hj212_framer_feed(&f, s, n), n);
    struct eg_hj212_frame fr;
    struct eg_err err;
    CHECK_EQ_INT(eg_hj212_framer_next(&f, &fr, &err), 1);
    CHECK_EQ_INT(fr.len, sizeof F1 - 3);
    static struct eg_hj212_packet pkt;
    CHECK(eg_hj212_parse(fr.data, fr.len, NULL, &pkt, &err) == 0);
    CHECK_EQ_INT(eg_hj212_framer_next(&f, &fr, &err), 1);
    CHECK_EQ_INT(fr.len, sizeof F1 - 1);
    CHECK_EQ_INT(eg_hj212_framer_next(&f, &fr, &err), 0);
    eg_hj212_framer_free(&f);
}

TEST(hj212_framer_nul_in_the_middle_goes_to_the_parser)
{
    char s[400];
    memcpy(s, F1, sizeof F1);
    s[40] = '\0'; /* inside PW=100000 */
    struct event e[4];
    size_t ne = run(s, sizeof F1 - 1, 0, 0, e, 4, NULL);
    REQUIRE(ne == 1);
    CHECK_EQ_INT(e[0].kind, 1); /* framing is intact; the parser rejects it */
    static struct eg_hj212_packet pkt;
    struct eg_err err;
    CHECK(eg_hj212_parse(s, sizeof F1 - 1, NULL, &pkt, &err) != 0);
    CHECK_STR(err.code, "crc_mismatch");
}

TEST(hj212_framer_bad_length_too_long_truncated)
{
    struct event e[8];
    const char *s = "##test13912345678\0m&";
    size_t ne = run(s, 20, 0, 0, e, 8, NULL);
    REQUIRE(ne == 1);
    CHECK_STR(e[0].code, "bad_length");
    CHECK_EQ_INT(e[0].off, 2);
    /* 9999 declared on a connection limited to 200: refused at once, nothing buffered for it */
    char s2[400];
    size_t n = (size_t)snprintf(s2, sizeof s2, "##9999QN=xxxxxxxx%s", F1);
    ne = run(s2, n, 0, 200, e, 8, NULL);
    REQUIRE(ne == 2);
    CHECK_STR(e[0].code, "too_long");
    CHECK_EQ_INT(e[1].kind, 1);
    /* the stream ends inside a packet */
    ne = run(F1, 50, 0, 0, e, 8, NULL);
    REQUIRE(ne == 1);
    CHECK_EQ_INT(e[0].kind, 3);
    CHECK_STR(e[0].code, "truncated");
    CHECK(eg_hj212_framer_init(&(struct eg_hj212_framer){0}, 5) == EG_EINVAL);
}

TEST(hj212_framer_length_too_big_or_too_small_is_length_mismatch)
{
    /* declared 0105 for a 101-byte segment: the line ends before the declared end */
    char s[400];
    size_t n = (size_t)snprintf(s, sizeof s, "##0105%s%s", F1 + 6, F1);
    struct event e[8];
    size_t ne = run(s, n, 0, 0, e, 8, NULL);
    REQUIRE(ne == 2);
    CHECK_STR(e[0].code, "length_mismatch");
    CHECK_EQ_INT(e[1].kind, 1);
    CHECK_EQ_INT(e[1].off, sizeof F1 - 1);
    /* declared 0097: the CRLF comes 4 bytes late */
    n = (size_t)snprintf(s, sizeof s, "##0097%s%s", F1 + 6, F1);
    ne = run(s, n, 0, 0, e, 8, NULL);
    REQUIRE(ne == 2);
    CHECK_STR(e[0].code, "length_mismatch");
    CHECK_EQ_INT(e[1].kind, 1);
    /* chunked gives the same */
    struct event b[8];
    for (size_t chunk = 1; chunk < 20; chunk++) {
        REQUIRE(run(s, n, chunk, 0, b, 8, NULL) == 2);
        CHECK(!memcmp(e, b, sizeof e[0] * 2));
    }
}

/* The real capture as one TCP stream, fed in reads of many sizes: the frames and errors are
   the same whatever the chunking, the buffer never exceeds max_packet, and the defects are
   reported at their offsets: line 2428 (length_mismatch) and lines 2759-2761 (bad_length). */
TEST(hj212_framer_real_capture_any_chunking_bounded_memory)
{
    size_t len;
    char *data = eg_test_read_file(
        eg_test_shared(
            "data/real/hj212_xiaoyao9184_hj-t212-parser/AllData_2016-08-24_05_first3000lines.h212"),
        &len);
    REQUIRE(data);
    static struct event a[4000], b[4000];
    size_t maxlen;
    size_t na = run(data, len, 0, 2048, a, 4000, &maxlen);
    int frames = 0, errors = 0, parsed = 0;
    static struct eg_hj212_packet pkt;
    for (size_t i = 0; i < na; i++) {
        if (a[i].kind == 1) {
            frames++;
            struct eg_err err;
            parsed += eg_hj212_parse(data + a[i].off, a[i].len, NULL, &pkt, &err) == 0;
        } else {
            errors++;
        }
    }
    CHECK_EQ_INT(frames, 2996);
    CHECK_EQ_INT(parsed, 2995); /* the "ST=\0\0" packet of line 395 */
    CHECK_EQ_INT(errors, 2);
    int e = 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].kind != 1) {
            CHECK_STR(a[i].code, e == 0 ? "length_mismatch" : "bad_length");
            e++;
        }
    static const size_t chunks[] = {1, 2, 3, 7, 13, 100, 1000, 1035, 4096};
    for (size_t c = 0; c < EG_ARRAY_LEN(chunks); c++) {
        size_t nb = run(data, len, chunks[c], 2048, b, 4000, &maxlen);
        REQUIRE(nb == na);
        CHECK(!memcmp(a, b, sizeof a[0] * na));
        CHECK(maxlen <= 2048);
    }
    free(data);
}

TEST(hj212_framer_endless_garbage_stays_bounded)
{
    struct eg_hj212_framer f;
    REQUIRE(eg_hj212_framer_init(&f, 64) == 0);
    char junk[1000];
    memset(junk, 'x', sizeof junk);
    int errors = 0;
    for (int i = 0; i < 1000; i++) {
        size_t done = 0;
        while (done < sizeof junk) {
            done += eg_hj212_framer_feed(&f, junk + done, sizeof junk - done);
            CHECK(f.len <= 64);
            struct eg_hj212_frame fr;
            struct eg_err err;
            int r;
            while ((r = eg_hj212_framer_next(&f, &fr, &err)) != 0)
                errors += r < 0;
        }
    }
    CHECK_EQ_INT(errors, 1); /* one run of garbage, one report */
    /* a packet after a megabyte of garbage is still found */
    CHECK_EQ_INT(eg_hj212_framer_feed(&f, "##0004&&&&", 10), 10);
    struct eg_hj212_frame fr;
    struct eg_err err;
    CHECK_EQ_INT(eg_hj212_framer_next(&f, &fr, &err), 0);
    CHECK_EQ_INT(eg_hj212_framer_feed(&f, "FFFF\r\n", 6), 6);
    CHECK_EQ_INT(eg_hj212_framer_next(&f, &fr, &err), 1);
    CHECK_EQ_INT(fr.offset, 1000 * 1000);
    /* zero-copy read path */
    size_t avail;
    char *sp = eg_hj212_framer_space(&f, &avail);
    CHECK_EQ_INT(avail, 64);
    memcpy(sp, "##0004&&&&FFFF\r\n", 16);
    eg_hj212_framer_commit(&f, 16);
    CHECK_EQ_INT(eg_hj212_framer_next(&f, &fr, &err), 1);
    CHECK_EQ_INT(fr.offset, 1000 * 1000 + 16);
    eg_hj212_framer_free(&f);
}

/* Fuzz finding (hj212_framer, chunking mismatch): after a frame whose trailer is wrong, a '#'
   as the last byte of a read was taken for the start of the next "##", giving bad_trailer,
   while with the next read present the same bytes gave length_mismatch. Now it waits. */
TEST(hj212_framer_fuzz_lone_hash_at_read_end_waits)
{
    struct eg_hj212_framer f;
    REQUIRE(eg_hj212_framer_init(&f, 204) == 0);
    const char *a = "##0010ABCDEFGHIJ12Rtd=60.7#";
    CHECK_EQ_INT(eg_hj212_framer_feed(&f, a, strlen(a)), strlen(a));
    struct eg_hj212_frame fr;
    struct eg_err err;
    CHECK_EQ_INT(eg_hj212_framer_next(&f, &fr, &err), 0);
    CHECK_EQ_INT(eg_hj212_framer_feed(&f, "00\r\n", 4), 4);
    CHECK(eg_hj212_framer_next(&f, &fr, &err) < 0);
    CHECK_STR(err.code, "length_mismatch");
    CHECK_EQ_INT(err.offset, 2);
    CHECK_EQ_INT(eg_hj212_framer_next(&f, &fr, &err), 0);
    eg_hj212_framer_free(&f);
}
