/*
 * crc.c: the HJ 212 CRC (HJ 212-2017 Appendix A; HJ/T 212-2005 Appendix A describes the same
 * steps) and the byte-swapped CRC-16/Modbus some devices send instead (hj212.md §0.4).
 *
 * The standard's step is crc = (crc >> 8) ^ byte, then 8 reflected shifts with 0xA001: the low
 * byte of the register is discarded, so crc = T[(crc >> 8) ^ byte] with T the ordinary
 * reflected 0xA001 table. That is NOT CRC-16/Modbus (check value "123456789" -> 2F80, Modbus
 * gives 4B37). Because T is linear over GF(2), k bytes can be folded at once ("slicing"):
 *     crc after b0..b7 = T7[h ^ b0] ^ T6[b1] ^ … ^ T0[b7],  h = high byte of the register,
 * with T0 = T and Tk[x] = T[U^k(x)], U(x) = T[x] >> 8. Eight independent loads per 8 bytes
 * instead of a chain of eight; the tests check it against the bitwise form of Appendix A.
 */
#include "hj212/hj212.h"

#include <pthread.h>

static uint16_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        unsigned c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xA001u : c >> 1;
        crc_tab[0][i] = (uint16_t)c;
    }
    for (int k = 1; k < 8; k++)
        for (unsigned i = 0; i < 256; i++)
            crc_tab[k][i] = crc_tab[k - 1][crc_tab[0][i] >> 8];
}

uint16_t eg_hj212_crc(const void *data, size_t n)
{
    pthread_once(&crc_once, crc_init);
    const unsigned char *p = data;
    if (n == 0)
        return 0xFFFF; /* Appendix A returns the initial register for an empty string */
    unsigned crc = 0xFFFF;
    while (n >= 8) {
        crc = crc_tab[7][(crc >> 8) ^ p[0]] ^ crc_tab[6][p[1]] ^ crc_tab[5][p[2]] ^
              crc_tab[4][p[3]] ^ crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^
              crc_tab[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = crc_tab[0][(crc >> 8) ^ *p++];
    return (uint16_t)crc;
}

uint16_t eg_hj212_crc_modbus_swapped(const void *data, size_t n)
{
    pthread_once(&crc_once, crc_init);
    const unsigned char *p = data;
    unsigned crc = 0xFFFF;
    while (n--)
        crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xFF];
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
