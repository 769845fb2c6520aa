/*
 * json_num.c: the JSON text of numbers and strings, written straight into an eg_buf — what the
 * HTTP replies (http/json_out.c) and the registry's list path (registry.c, rows from SQLite to
 * JSON text without building jansson values) share, so both write the very same bytes.
 * jansson's own json_dumpb walks strings a character at a time through a callback and prints
 * every real with "%.17g"; here strings are copied in runs between the bytes that need escaping,
 * integers are converted by hand, and reals with a few decimals are written exactly by hand.
 */
#include "base/base.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void eg_buf_json_text(struct eg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    eg_buf_reserve(b, n + 2);
    b->data[b->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        eg_buf_append(b, s + run, i - run);
        run = i + 1;
        char e[6] = {'\\', 0};
        size_t el = 2;
        switch (c) {
        case '"':
            e[1] = '"';
            break;
        case '\\':
            e[1] = '\\';
            break;
        case '\n':
            e[1] = 'n';
            break;
        case '\r':
            e[1] = 'r';
            break;
        case '\t':
            e[1] = 't';
            break;
        default:
            e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15];
            el = 6;
        }
        eg_buf_append(b, e, el);
    }
    eg_buf_append(b, s + run, n - run);
    eg_buf_append(b, "\"", 1);
}

void eg_buf_json_int(struct eg_buf *b, long long v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    /* through unsigned so that the most negative value does not overflow */
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    eg_buf_append(b, tmp + i, sizeof tmp - (size_t)i);
}

/* v with 17 significant digits, correctly rounded, by exact integer arithmetic — what
   printf("%.17g") computes with multi-precision arithmetic, at a fraction of the cost. Only for
   1e-5 <= |v| < 1e15 (all coordinates, concentrations and amounts), where v = m·2^e with
   m < 2^53 and -69 <= e <= -3, so m·10^k (k <= 21) fits in 128 bits. Returns 0 outside. */
static int put_real17(struct eg_buf *b, double v)
{
    double a = fabs(v);
    if (!(a >= 1e-5 && a < 1e15))
        return 0;
    int E;
    double f = frexp(a, &E);
    unsigned long long m = (unsigned long long)ldexp(f, 53);
    int shift = 53 - E; /* a = m / 2^shift */
    if (shift < 1 || shift > 100)
        return 0;
    int k = 16 - (int)floor(log10(a)); /* 10^16 <= a·10^k < 10^17, give or take one */
    unsigned __int128 q = 0;
    for (int tries = 0; tries < 3; tries++) {
        if (k < 0 || k > 22)
            return 0;
        unsigned __int128 n = m;
        for (int i = 0; i < k; i++)
            n *= 10;
        q = n >> shift;
        unsigned __int128 r = n & ((((unsigned __int128)1) << shift) - 1),
                          half = ((unsigned __int128)1) << (shift - 1);
        if (r > half || (r == half && (q & 1))) /* round half to even, as printf does */
            q++;
        if (q >= (unsigned __int128)100000000000000000ull)
            k--;
        else if (q < (unsigned __int128)10000000000000000ull)
            k++;
        else
            break;
    }
    if (q < (unsigned __int128)10000000000000000ull ||
        q >= (unsigned __int128)100000000000000000ull)
        return 0;
    char dig[17], out[48];
    unsigned long long u = (unsigned long long)q;
    for (int i = 16; i >= 0; i--, u /= 10)
        dig[i] = (char)('0' + u % 10);
    int nd = 17;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    int intd = 17 - k, o = 0; /* digits before the point */
    if (v < 0)
        out[o++] = '-';
    if (intd > 0) {
        for (int i = 0; i < intd; i++)
            out[o++] = i < nd ? dig[i] : '0';
        out[o++] = '.';
        if (nd > intd)
            for (int i = intd; i < nd; i++)
                out[o++] = dig[i];
        else
            out[o++] = '0';
    } else {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -intd; i++)
            out[o++] = '0';
        for (int i = 0; i < nd; i++)
            out[o++] = dig[i];
    }
    eg_buf_append(b, out, (size_t)o);
    return 1;
}

/* The shortest decimal that reads back as exactly v. Coordinates and limits have a few
   decimals: when v*10^6 is an integer k and k/10^6 rounds to v, the decimal k·10^-6 is exact
   and round-trips (IEEE division is correctly rounded), so it is written digit by digit.
   Anything else (full-precision coordinates) is printed with 17 significant digits. */
void eg_buf_json_real(struct eg_buf *b, double v)
{
    char tmp[40];
    if (!isfinite(v)) { /* jansson refuses these on creation; be safe anyway */
        eg_buf_puts(b, "null");
        return;
    }
    double k = v * 1e6;
    if (fabs(k) < 9e15 && k == nearbyint(k) && k / 1e6 == v) {
        long long q = (long long)k;
        int neg = q < 0;
        unsigned long long u = neg ? 0ull - (unsigned long long)q : (unsigned long long)q;
        /* digits right to left: six decimals (trailing zeros dropped, one kept), point, integer */
        int i = (int)sizeof tmp, dec = 0;
        unsigned long long fp = u % 1000000, ip = u / 1000000;
        for (int d = 0; d < 6; d++, fp /= 10) {
            char c = (char)('0' + fp % 10);
            if (c != '0' || dec || d == 5)
                tmp[--i] = c, dec = 1;
        }
        tmp[--i] = '.';
        do {
            tmp[--i] = (char)('0' + ip % 10);
            ip /= 10;
        } while (ip);
        if (neg)
            tmp[--i] = '-';
        eg_buf_append(b, tmp + i, sizeof tmp - (size_t)i);
        return;
    }
    if (put_real17(b, v))
        return;
    /* 17 significant digits always read back exactly (IEEE 754 binary64) */
    int n = snprintf(tmp, sizeof tmp, "%.17g", v);
    eg_buf_append(b, tmp, (size_t)n);
    /* keep it a real: "1e+20" and "3.5" are, "12" is not */
    if (!strpbrk(tmp, ".eEn"))
        eg_buf_append(b, ".0", 2);
}
