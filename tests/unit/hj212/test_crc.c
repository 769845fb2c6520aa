/* test_crc.c: the HJ 212 CRC (2017 Appendix A) and the byte-swapped Modbus variant. */
#include "hj212/hj212.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Appendix A's C code, verbatim in logic: the reference the sliced version is checked against. */
static uint16_t crc_appendix_a(const unsigned char *p, size_t n)
{
    unsigned crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc = (crc >> 8) ^ p[i];
        for (int j = 0; j < 8; j++) {
            unsigned check = crc & 1;
            crc >>= 1;
            if (check)
                crc ^= 0xA001;
        }
    }
    return (uint16_t)crc;
}

static uint16_t crc_modbus(const unsigned char *p, size_t n)
{
    unsigned crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int j = 0; j < 8; j++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
    }
    return (uint16_t)crc;
}

TEST(hj212_crc_check_value_123456789_is_2F80_not_modbus_4B37)
{
    CHECK_EQ_INT(eg_hj212_crc("123456789", 9), 0x2F80);
    CHECK_EQ_INT(crc_modbus((const unsigned char *)"123456789", 9), 0x4B37);
    CHECK_EQ_INT(eg_hj212_crc_modbus_swapped("123456789", 9), 0x374B);
}

TEST(hj212_crc_empty_is_initial_register_FFFF)
{
    CHECK_EQ_INT(eg_hj212_crc("", 0), 0xFFFF);
}

TEST(hj212_crc_appendix_a_example_1C80)
{
    /* 2017 App. A example: ##0101QN=…;CP=&&RtdInterval=30&&1C80 */
    const char *seg = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
                      "Flag=5;CP=&&RtdInterval=30&&";
    CHECK_EQ_INT(strlen(seg), 101);
    CHECK_EQ_INT(eg_hj212_crc(seg, strlen(seg)), 0x1C80);
}

TEST(hj212_crc_utf8_bytes_unsigned_C40_is_9741)
{
    /* hj212.md §2.3: 2017 Table C.40 segment with Chinese log text: 9741 over the UTF-8 bytes
       taken as unsigned (signed char gives 9C01). */
    const char *seg = "QN=20160801085857223;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;"
                      "Flag=5;CP=&&DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路//&&";
    uint16_t c = eg_hj212_crc(seg, strlen(seg));
    CHECK_EQ_INT(c, crc_appendix_a((const unsigned char *)seg, strlen(seg)));
    CHECK_EQ_INT(c, 0x9741);
}

TEST(hj212_crc_sliced_equals_appendix_a_on_random_data)
{
    unsigned char buf[300];
    uint32_t x = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(round % 300);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (unsigned char)(x >> 16);
        }
        REQUIRE(eg_hj212_crc(buf, n) == crc_appendix_a(buf, n));
    }
}

TEST(hj212_crc_takes_only_256_values_low_byte_in_8_patterns)
{
    /* hj212.md §2.3: the state between bytes is only the high byte, so CRC = T[x]. */
    static unsigned char seen[65536];
    int distinct = 0;
    unsigned char buf[16];
    uint32_t x = 7;
    for (int i = 0; i < 20000; i++) {
        for (int k = 0; k < 16; k++) {
            x = x * 1664525u + 1013904223u;
            buf[k] = (unsigned char)(x >> 24);
        }
        uint16_t c = eg_hj212_crc(buf, 1 + (size_t)(i % 16));
        if (!seen[c]++)
            distinct++;
        unsigned lo = c & 0xFF;
        CHECK(lo == 0x00 || lo == 0x01 || lo == 0x40 || lo == 0x41 || lo == 0x80 || lo == 0x81 ||
              lo == 0xC0 || lo == 0xC1);
    }
    CHECK_EQ_INT(distinct, 256);
}

TEST(hj212_crc_real_capture_every_valid_frame_matches)
{
    size_t len;
    char *data = eg_test_read_file(
        eg_test_shared(
            "data/real/hj212_xiaoyao9184_hj-t212-parser/AllData_2016-08-24_05_first3000lines.h212"),
        &len);
    REQUIRE(data);
    int ok = 0;
    for (char *s = data, *end = data + len; s < end;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        if (n >= 12 && s[0] == '#' && s[n - 1] == '\r') {
            size_t L = 0;
            int digits = 1;
            for (int i = 2; i < 6; i++)
                digits &= s[i] >= '0' && s[i] <= '9', L = L * 10 + (size_t)(s[i] - '0');
            if (digits && L + 11 == n) {
                char hex[5] = {0};
                eg_hj212_crc_hex(eg_hj212_crc(s + 6, L), hex);
                CHECK(!strncasecmp(hex, s + 6 + L, 4));
                CHECK_EQ_INT(eg_hj212_crc(s + 6, L), crc_appendix_a((unsigned char *)s + 6, L));
                ok++;
            }
        }
        s += n + 1;
    }
    CHECK_EQ_INT(ok, 2996); /* README: 2996 pass length + CRC */
    free(data);
}

TEST(hj212_crc_modbus_swapped_matches_tonyxia_device_A6EC)
{
    /* hj212.md §0.4, data/real README §5: MN=4201003 sends CRC-16/Modbus with bytes swapped. */
    size_t len;
    char *data = eg_test_read_file(
        eg_test_shared(
            "data/real/hj212_tonyxia2016_HJ212Receiver/bin_Debug_rx.log.hj212_lines_only.txt"),
        &len);
    REQUIRE(data);
    char *p = strstr(data, "##0868");
    REQUIRE(p);
    CHECK_EQ_INT(eg_hj212_crc_modbus_swapped(p + 6, 868), 0xA6EC);
    CHECK_EQ_INT(eg_hj212_crc(p + 6, 868), 0x0440);
    uint16_t m = crc_modbus((unsigned char *)p + 6, 868);
    CHECK_EQ_INT(((m & 0xFF) << 8) | (m >> 8), 0xA6EC);
    free(data);
}

TEST(hj212_crc_hex_is_upper_case)
{
    char h[5] = {0};
    eg_hj212_crc_hex(0xf001, h);
    CHECK_STR(h, "F001");
    eg_hj212_crc_hex(0x0000, h);
    CHECK_STR(h, "0000");
}

/* Found while measuring corruptions (test_parse.c): a single changed byte always changes the
   CRC, since h -> T[h ^ b] >> 8 is a permutation of the 8-bit state; two changed bytes can
   cancel (1 in 256). */
TEST(hj212_crc_detects_every_single_byte_change)
{
    const char *seg = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
                      "Flag=5;CP=&&RtdInterval=30&&";
    size_t n = strlen(seg);
    char buf[128];
    uint16_t base = eg_hj212_crc(seg, n);
    for (size_t i = 0; i < n; i++)
        for (int v = 0; v < 256; v++) {
            if ((unsigned char)seg[i] == v)
                continue;
            memcpy(buf, seg, n);
            buf[i] = (char)v;
            if (eg_hj212_crc(buf, n) == base) {
                eg_test_fail(__FILE__, __LINE__, "byte %zu -> 0x%02X not detected", i, v);
                return;
            }
        }
}
