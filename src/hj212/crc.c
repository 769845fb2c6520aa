/*
 * crc.c: the HJ 212 CRC (HJ 212-2017 Appendix A; HJ/T 212-2005 Appendix A describes the same
 * steps) and the byte-swapped CRC-16/Modbus some devices send instead (hj212.md §0.4).
 *
 * The standard's step is crc = (crc >> 8) ^ byte, then 8 reflected shifts with 0xA001: the low
 * byte of the register is discarded, so crc = T[(crc >> 8) ^ byte] with T the ordinary
 * reflected 0xA001 table. That is NOT CRC-16/Modbus (check value "123456789" -> 2F80, Modbus
 * gives 4B37). Two consequences make it fast:
 *   - between bytes the state is only the high byte h (hence only 256 CRC values, hj212.md §2.3):
 *     h' = U[h ^ byte] with U[x] = T[x] >> 8, and the CRC is T[h ^ last byte];
 *   - U is linear over GF(2), so 16 bytes fold at once ("slicing"):
 *     h after b0..b15 = U15[h ^ b0] ^ U14[b1] ^ … ^ U0[b15],  U0 = U, Uk[x] = U[U(k-1)[x]]
 *     (8-bit tables: 16 x 256 bytes, 16 independent loads instead of a chain of 16); a tail
 *     of r < 16 bytes folds the same way with U(r-1) .. U0.
 * The tests check it against the bitwise form of Appendix A on random data and the capture.
 */
#include "hj212/hj212.h"

#include <pthread.h>

static uint16_t crc_tab[256];  /* T */
static uint8_t slice[16][256]; /* U0 .. U15 */
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        unsigned c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xA001u : c >> 1;
        crc_tab[i] = (uint16_t)c;
        slice[0][i] = (uint8_t)(c >> 8);
    }
    for (int k = 1; k < 16; k++)
        for (unsigned i = 0; i < 256; i++)
            slice[k][i] = slice[0][slice[k - 1][i]];
}

uint16_t eg_hj212_crc(const void *data, size_t n)
{
    pthread_once(&crc_once, crc_init);
    const unsigned char *p = data;
    if (n == 0)
        return 0xFFFF; /* Appendix A returns the initial register for an empty string */
    unsigned h = 0xFF;
    while (n > 16) {
        h = slice[15][h ^ p[0]] ^ slice[14][p[1]] ^ slice[13][p[2]] ^ slice[12][p[3]] ^
            slice[11][p[4]] ^ slice[10][p[5]] ^ slice[9][p[6]] ^ slice[8][p[7]] ^ slice[7][p[8]] ^
            slice[6][p[9]] ^ slice[5][p[10]] ^ slice[4][p[11]] ^ slice[3][p[12]] ^ slice[2][p[13]] ^
            slice[1][p[14]] ^ slice[0][p[15]];
        p += 16;
        n -= 16;
    }
    /* the last 1..16 bytes: all but the final one folded like the loop above, with the tables
       for their count (independent loads rather than a chain of up to 15 dependent ones) */
    size_t r = n - 1;
    if (r) {
        unsigned x = slice[r - 1][h ^ p[0]];
        for (size_t i = 1; i < r; i++)
            x ^= slice[r - 1 - i][p[i]];
        h = x;
        p += r;
    }
    return crc_tab[h ^ *p];
}

uint16_t eg_hj212_crc_modbus_swapped(const void *data, size_t n)
{
    pthread_once(&crc_once, crc_init);
    const unsigned char *p = data;
    unsigned crc = 0xFFFF;
    while (n--)
        crc = (crc >> 8) ^ crc_tab[(crc ^ *p++) & 0xFF];
    return (uint16_t)(((crc & 0xFF) << 8) | (crc >> 8));
}

void eg_hj212_crc_hex(uint16_t crc, char out[4])
{
    static const char hex[] = "0123456789ABCDEF";
    out[0] = hex[(crc >> 12) & 15];
    out[1] = hex[(crc >> 8) & 15];
    out[2] = hex[(crc >> 4) & 15];
    out[3] = hex[crc & 15];
}
