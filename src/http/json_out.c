/*
 * json_out.c: writes a jansson value as compact JSON text into an eg_buf — the serializer of
 * every JSON reply. jansson's own json_dumpb walks strings a character at a time through a
 * callback and prints every real with "%.17g"; a page of 50 registry rows spent most of its
 * time there (bench/api). Here strings are copied in runs between the bytes that need escaping,
 * integers are converted by hand, and reals with a few decimals are written exactly by hand.
 *
 * Output is RFC 8259 JSON: jansson strings are valid UTF-8 (checked on creation), so only
 * '"', '\\' and control characters are escaped; U+0000 inside a string is written \u0000.
 * Keys come out in insertion order (jansson keeps it).
 */
#include "http/http_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_str(struct eg_buf *b, const char *s, size_t n)
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

static void put_int(struct eg_buf *b, json_int_t v)
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

/* The shortest decimal that reads back as exactly v. Coordinates and limits have a few
   decimals: when v*10^6 is an integer k and k/10^6 rounds to v, the decimal k·10^-6 is exact
   and round-trips (IEEE division is correctly rounded), so it is written digit by digit.
   Anything else (full-precision coordinates) is printed with 17 significant digits. */
static void put_real(struct eg_buf *b, double v)
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
    /* 17 significant digits always read back exactly (IEEE 754 binary64); one printf, where
       trying 15 first costs a second printf and a strtod for every full-precision value */
    int n = snprintf(tmp, sizeof tmp, "%.17g", v);
    eg_buf_append(b, tmp, (size_t)n);
    /* keep it a real: "1e+20" and "3.5" are, "12" is not */
    if (!strpbrk(tmp, ".eEn"))
        eg_buf_append(b, ".0", 2);
}

void eg__http_json_write(struct eg_buf *b, json_t *j)
{
    if (!j) {
        eg_buf_append(b, "null", 4);
        return;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *v;
        int first = 1;
        eg_buf_append(b, "{", 1);
        json_object_foreach(j, k, v) {
            if (!first)
                eg_buf_append(b, ",", 1);
            first = 0;
            put_str(b, k, strlen(k));
            eg_buf_append(b, ":", 1);
            eg__http_json_write(b, v);
        }
        eg_buf_append(b, "}", 1);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        eg_buf_append(b, "[", 1);
        json_array_foreach(j, i, v) {
            if (i)
                eg_buf_append(b, ",", 1);
            eg__http_json_write(b, v);
        }
        eg_buf_append(b, "]", 1);
        break;
    }
    case JSON_STRING:
        put_str(b, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        put_int(b, json_integer_value(j));
        break;
    case JSON_REAL:
        put_real(b, json_real_value(j));
        break;
    case JSON_TRUE:
        eg_buf_append(b, "true", 4);
        break;
    case JSON_FALSE:
        eg_buf_append(b, "false", 5);
        break;
    default:
        eg_buf_append(b, "null", 4);
    }
}
