/*
 * parse.c: one HJ 212 frame -> struct eg_hj212_packet, zero-copy (every span points into the
 * caller's buffer) and without allocation: CP items go into the fixed array of the packet.
 *
 * Order of checks, as a receiver needs them (2017 §6.3.1 Table 2: "如果 CRC 错误，执行结束"):
 *   1. frame: "##", 4-digit length, length limit, CRC present and hex, CRC matches;
 *   2. header fields QN ST CN PW MN Flag PNUM PNO (2017 Table 3; any order, hj212.md §1.3);
 *   3. CP=&&…&& data area: ';' between items of different pollutants, ',' within one, '=' between
 *      key and value (2017 §6.3.3.1), values checked by field type (2017 Table 4).
 * The CRC takes only 256 distinct values (hj212.md §2.3), so the strict field checks of steps 2
 * and 3 are the second line of defence; `lenient` tolerates the slips real devices and the
 * standard's own examples make (hj212.md §1.10), never a frame-level error.
 */
#include "hj212/hj212.h"
#include "hj212/internal.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void eg_hj212_options_default(struct eg_hj212_options *o)
{
    o->edition = EG_HJ212_ED_AUTO;
    o->lenient = 0;
    o->crc = EG_HJ212_CRC_STANDARD;
    o->max_segment = EG_HJ212_DEFAULT_MAX_SEGMENT;
    o->std_codes_only = 0;
}

static const char *const field_names[EG_HJ212_F_COUNT_] = {
    [EG_HJ212_F_NONE] = "",
    [EG_HJ212_F_OTHER] = "",
    [EG_HJ212_F_RTD] = "Rtd",
    [EG_HJ212_F_MIN] = "Min",
    [EG_HJ212_F_AVG] = "Avg",
    [EG_HJ212_F_MAX] = "Max",
    [EG_HJ212_F_COU] = "Cou",
    [EG_HJ212_F_ZSRTD] = "ZsRtd",
    [EG_HJ212_F_ZSMIN] = "ZsMin",
    [EG_HJ212_F_ZSAVG] = "ZsAvg",
    [EG_HJ212_F_ZSMAX] = "ZsMax",
    [EG_HJ212_F_ZSCOU] = "ZsCou",
    [EG_HJ212_F_FLAG] = "Flag",
    [EG_HJ212_F_ZSFLAG] = "ZsFlag",
    [EG_HJ212_F_EFLAG] = "EFlag",
    [EG_HJ212_F_RS] = "RS",
    [EG_HJ212_F_RT] = "RT",
    [EG_HJ212_F_SAMPLETIME] = "SampleTime",
    [EG_HJ212_F_INFO] = "Info",
    [EG_HJ212_F_SN] = "SN",
    [EG_HJ212_F_DATA] = "Data",
    [EG_HJ212_F_DAYDATA] = "DayData",
    [EG_HJ212_F_NIGHTDATA] = "NightData",
    [EG_HJ212_F_ALA] = "Ala",
    [EG_HJ212_F_UPVALUE] = "UpValue",
    [EG_HJ212_F_LOWVALUE] = "LowValue",
};

const char *eg_hj212_field_name(enum eg_hj212_field f)
{
    return (unsigned)f < EG_HJ212_F_COUNT_ ? field_names[f] : "";
}

/* Span equals a literal. memcmp with a constant length is expanded inline by the compiler
   into one or two word compares (no call, no branch per byte: fewer mispredictions than a
   byte loop on the hot path, where field names differ in their first bytes). */
#define IS(p, n, lit) ((n) == sizeof(lit) - 1 && memcmp(p, lit, sizeof(lit) - 1) == 0)

/* Field suffix -> enum. Switch on length first: the common names cost one compare. */
static enum eg_hj212_field classify(const char *s, size_t n)
{
    switch (n) {
    case 2:
        if (IS(s, n, "RS"))
            return EG_HJ212_F_RS;
        if (IS(s, n, "RT"))
            return EG_HJ212_F_RT;
        if (IS(s, n, "SN"))
            return EG_HJ212_F_SN;
        break;
    case 3:
        if (IS(s, n, "Rtd"))
            return EG_HJ212_F_RTD;
        if (IS(s, n, "Avg"))
            return EG_HJ212_F_AVG;
        if (IS(s, n, "Min"))
            return EG_HJ212_F_MIN;
        if (IS(s, n, "Max"))
            return EG_HJ212_F_MAX;
        if (IS(s, n, "Cou"))
            return EG_HJ212_F_COU;
        if (IS(s, n, "Ala"))
            return EG_HJ212_F_ALA;
        break;
    case 4:
        if (IS(s, n, "Flag"))
            return EG_HJ212_F_FLAG;
        if (IS(s, n, "Info"))
            return EG_HJ212_F_INFO;
        if (IS(s, n, "Data"))
            return EG_HJ212_F_DATA;
        break;
    case 5:
        if (s[0] == 'Z' && s[1] == 's') {
            if (IS(s, n, "ZsRtd"))
                return EG_HJ212_F_ZSRTD;
            if (IS(s, n, "ZsAvg"))
                return EG_HJ212_F_ZSAVG;
            if (IS(s, n, "ZsMin"))
                return EG_HJ212_F_ZSMIN;
            if (IS(s, n, "ZsMax"))
                return EG_HJ212_F_ZSMAX;
            if (IS(s, n, "ZsCou"))
                return EG_HJ212_F_ZSCOU;
        }
        if (IS(s, n, "EFlag"))
            return EG_HJ212_F_EFLAG;
        break;
    case 6:
        if (IS(s, n, "ZsFlag"))
            return EG_HJ212_F_ZSFLAG;
        break;
    case 7:
        if (IS(s, n, "DayData"))
            return EG_HJ212_F_DAYDATA;
        if (IS(s, n, "UpValue"))
            return EG_HJ212_F_UPVALUE;
        break;
    case 8:
        if (IS(s, n, "LowValue"))
            return EG_HJ212_F_LOWVALUE;
        break;
    case 9:
        if (IS(s, n, "NightData"))
            return EG_HJ212_F_NIGHTDATA;
        break;
    case 10:
        if (IS(s, n, "SampleTime"))
            return EG_HJ212_F_SAMPLETIME;
        break;
    }
    return EG_HJ212_F_OTHER;
}

/* Fields whose values are numbers (2017 Table 4: N-types), as a bit set over the enum. */
#define NUMERIC_FIELDS                                                                             \
    ((1u << EG_HJ212_F_RTD) | (1u << EG_HJ212_F_MIN) | (1u << EG_HJ212_F_AVG) |                    \
     (1u << EG_HJ212_F_MAX) | (1u << EG_HJ212_F_COU) | (1u << EG_HJ212_F_ZSRTD) |                  \
     (1u << EG_HJ212_F_ZSMIN) | (1u << EG_HJ212_F_ZSAVG) | (1u << EG_HJ212_F_ZSMAX) |              \
     (1u << EG_HJ212_F_ZSCOU) | (1u << EG_HJ212_F_RS) | (1u << EG_HJ212_F_RT) |                    \
     (1u << EG_HJ212_F_DATA) | (1u << EG_HJ212_F_DAYDATA) | (1u << EG_HJ212_F_NIGHTDATA) |         \
     (1u << EG_HJ212_F_ALA) | (1u << EG_HJ212_F_UPVALUE) | (1u << EG_HJ212_F_LOWVALUE))

static inline int is_numeric_field(int f)
{
    return (NUMERIC_FIELDS >> f) & 1;
}

static const double pow10_tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* HJ 212 numbers (2017 §6.3.3.2.2 "N14.2": digits, optional point, optional sign; no exponent).
   Exact: a mantissa below 2^53 divided by an exact power of ten is correctly rounded; longer
   ones go through strtod. Returns 0 or -1. */
static int parse_num(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    uint64_t m = 0;
    unsigned digits = 0, frac = 0;
    while (i < n && (unsigned)(s[i] - '0') < 10) {
        m = m * 10 + (uint64_t)(s[i] - '0');
        digits++;
        i++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && (unsigned)(s[i] - '0') < 10) {
            m = m * 10 + (uint64_t)(s[i] - '0');
            digits++;
            frac++;
            i++;
        }
    }
    if (digits == 0 || i != n)
        return -1;
    if (digits > 15 || frac > 22)
        return eg_parse_double(s, n, out) ? -1 : 0; /* rare: long mantissa, exact via strtod */
    double v = (double)m;
    if (frac)
        v /= pow10_tab[frac];
    *out = neg ? -v : v;
    return 0;
}

static const uint64_t pow10_int[9] = {1,      10,      100,      1000,     10000,
                                      100000, 1000000, 10000000, 100000000};

/* Reads the leading decimal digits of the 8 bytes at s (all readable) as a number: returns how
   many there are (0-8) and, when fewer than 8, their value in *out. SWAR: every byte tested and
   converted at once (the multiply-shift reduction pairs, then quads, then the two halves). */
static inline unsigned swar_digits(const char *s, uint64_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    (void)s;
    *out = 0;
    return 8; /* the byte loop does it */
#endif
    uint64_t v;
    memcpy(&v, s, 8); /* little-endian hosts: s[0] is the low byte */
    uint64_t t = v - 0x3030303030303030ull;
    /* a byte is a digit when its high nibble is 3 and adding 6 does not carry into it */
    uint64_t bad = ((v & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull) |
                   (((v + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull);
    unsigned k = bad ? (unsigned)__builtin_ctzll(bad) / 8 : 8;
    if (k == 0 || k == 8) {
        *out = 0;
        return k;
    }
    t <<= 8 * (8 - k); /* the k digits in the high bytes, zeros before them */
    t = (t * 10 + (t >> 8)) & 0x00FF00FF00FF00FFull;
    t = (t * 100 + (t >> 16)) & 0x0000FFFF0000FFFFull;
    t = (t * 10000 + (t >> 32)) & 0xFFFFFFFFull;
    *out = t;
    return k;
}

/* The 8 bytes at s are all decimal digits (the test of swar_digits; a byte that carries into
   the next when 6 is added is itself not a digit, so "all 8" is exact). */
static inline int digits8(const char *s)
{
    uint64_t v;
    memcpy(&v, s, 8);
    return (((v & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull) |
            (((v + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull)) == 0;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned)(s[i] - '0') >= 10)
            return 0;
    return 1;
}

static int is_alnum(char c)
{
    return (unsigned)(c - '0') < 10 || (unsigned)((c | 0x20) - 'a') < 26;
}

static const uint8_t cls[256];
enum { C_KEY = 1, C_STOP = 2, C_BADV = 4, C_ALNUM = 8 };

static int all_alnum(const char *s, size_t n)
{
    unsigned ok = C_ALNUM;
    for (size_t i = 0; i < n; i++)
        ok &= cls[(unsigned char)s[i]];
    return ok != 0;
}

static int small_int(const char *s, size_t n, int maxdigits, int *out)
{
    if (n == 0 || n > (size_t)maxdigits || !all_digits(s, n))
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    *out = v;
    return 0;
}

static int64_t digits_val(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

int eg_hj212_time_parse(const char *s, size_t n, int64_t *utc, int *ms)
{
    if ((n != 14 && n != 17) || !digits8(s) || !all_digits(s + 8, n - 8))
        return EG_EINVAL;
#define D2(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
    struct eg_civil c;
    c.year = D2(0) * 100 + D2(2);
    c.month = D2(4);
    c.day = D2(6);
    c.hour = D2(8);
    c.minute = D2(10);
    c.second = D2(12);
    c.millis = n == 17 ? D2(14) * 10 + (s[16] - '0') : 0;
#undef D2
    if (!eg_civil_valid(&c))
        return EG_EINVAL;
    *utc = eg_time_from_beijing(&c);
    if (ms)
        *ms = c.millis;
    return 0;
}

/* Parse state shared by the helpers below. */
struct ps {
    const char *frame;
    const struct eg_hj212_options *o;
    struct eg_hj212_packet *pkt;
    struct eg_err *err;
};

static long off(const struct ps *s, const char *p)
{
    return (long)(p - s->frame);
}

static int fail(const struct ps *s, const char *code, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(const struct ps *s, const char *code, const char *at, const char *fmt, ...)
{
    if (!s->err)
        return EG_EINVAL;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return eg_err_set(s->err, strcmp(code, EG_HJ212_ERR_TOO_LONG) ? EG_EINVAL : EG_ETOOBIG, code,
                      off(s, at), "%s", msg);
}

/* Printable for messages: at most 24 bytes of a span, non-printables as '?'. */
static const char *show(const char *p, size_t n, char buf[32])
{
    size_t k = n < 24 ? n : 24, j = 0;
    for (size_t i = 0; i < k; i++)
        buf[j++] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    if (n > k) {
        buf[j++] = '.';
        buf[j++] = '.';
    }
    buf[j] = '\0';
    return buf;
}

static int check_time_value(struct ps *s, const char *k, size_t kn, const char *v, size_t vn,
                            int64_t *utc, int *ms)
{
    int64_t t;
    int m;
    char b[32];
    if (eg_hj212_time_parse(v, vn, &t, &m)) {
        if (s->o->lenient)
            return 1; /* kept as text only */
        return fail(s, EG_HJ212_ERR_BAD_DATATIME, v,
                    "%.*s '%s' is not a real Beijing time YYYYMMDDhhmmss[zzz] (14 or 17 digits)",
                    (int)kn, k, show(v, vn, b));
    }
    if (utc)
        *utc = t;
    if (ms)
        *ms = m;
    return 0;
}

/* Keys without '-' (2017 Table 4, 2005 field table). Checks values whose type is known. */
static int check_plain_key(struct ps *s, struct eg_hj212_item *it)
{
    const char *k = it->key.p, *v = it->value.p;
    size_t kn = it->key.n, vn = it->value.n;
    struct eg_hj212_packet *pkt = s->pkt;
    char b[32];
    int r, iv;
    if (IS(k, kn, "DataTime")) {
        if (pkt->has_datatime && !s->o->lenient)
            return fail(s, EG_HJ212_ERR_BAD_FIELD, k, "DataTime appears twice in CP");
        r = check_time_value(s, k, kn, v, vn, &pkt->datatime, &pkt->datatime_ms);
        if (r < 0)
            return r;
        if (r == 0 && !pkt->has_datatime) {
            pkt->has_datatime = 1;
            pkt->datatime_text = it->value;
        }
        return 0;
    }
    if (IS(k, kn, "SystemTime") || IS(k, kn, "RestartTime") || IS(k, kn, "BeginTime") ||
        IS(k, kn, "EndTime") || IS(k, kn, "AlarmTime")) {
        r = check_time_value(s, k, kn, v, vn, NULL, NULL);
        return r < 0 ? r : 0;
    }
    if (IS(k, kn, "QN")) { /* 2005 responses: QN inside CP */
        if (!s->o->lenient && (vn != 17 || eg_hj212_time_parse(v, vn, &(int64_t){0}, NULL)))
            return fail(s, EG_HJ212_ERR_BAD_FIELD, v,
                        "CP QN '%s' must be 17 digits YYYYMMDDhhmmsszzz", show(v, vn, b));
        pkt->cp_qn = it->value;
        return 0;
    }
    int maxd = 0;
    if (IS(k, kn, "QnRtn") || IS(k, kn, "ExeRtn"))
        maxd = 3;
    else if (IS(k, kn, "RtdInterval") || IS(k, kn, "CN") || IS(k, kn, "PNO") || IS(k, kn, "PNUM") ||
             IS(k, kn, "Stime") || IS(k, kn, "HeartbeatTime") || IS(k, kn, "ReportTime"))
        maxd = 4;
    else if (IS(k, kn, "MinInterval") || IS(k, kn, "OverTime") || IS(k, kn, "ReCount") ||
             IS(k, kn, "VaseNo") || IS(k, kn, "Ctime") || IS(k, kn, "AlarmType"))
        maxd = 2;
    else if (IS(k, kn, "CstartTime"))
        maxd = 6;
    if (maxd && small_int(v, vn, maxd, &iv)) {
        if (s->o->lenient)
            return 0;
        return fail(s, EG_HJ212_ERR_BAD_FIELD, v, "%.*s '%s' must be at most %d digits", (int)kn, k,
                    show(v, vn, b), maxd);
    }
    if (maxd) {
        it->has_num = 1;
        it->num = iv;
    }
    return 0;
}

/* Checks a pollutant item's value by its field type (2017 Table 4). */
static int check_field_value(struct ps *s, struct eg_hj212_item *it)
{
    const char *v = it->value.p;
    size_t vn = it->value.n;
    char b[32];
    int f = it->field;
    if (is_numeric_field(f)) {
        if (parse_num(v, vn, &it->num) == 0) {
            it->has_num = 1;
            return 0;
        }
        if (s->o->lenient)
            return 0;
        return fail(s, EG_HJ212_ERR_BAD_FIELD, v, "value of %.*s '%s' is not a number",
                    (int)it->key.n, it->key.p, show(v, vn, b));
    }
    switch (f) {
    case EG_HJ212_F_FLAG:
    case EG_HJ212_F_ZSFLAG:
        /* 2017 Table 8 (N F M S D C T B), 2005 (A-Z; 0-3 for air stations): one character. */
        if (vn == 1 && is_alnum(v[0]))
            return 0;
        break;
    case EG_HJ212_F_EFLAG:
        if (vn >= 1 && vn <= 4 && all_alnum(v, vn))
            return 0;
        break;
    case EG_HJ212_F_SN:
        if (vn >= 1 && vn <= 24 && all_alnum(v, vn))
            return 0;
        break;
    case EG_HJ212_F_SAMPLETIME: {
        int r = check_time_value(s, it->key.p, it->key.n, v, vn, NULL, NULL);
        return r < 0 ? r : 0;
    }
    default: /* Info and unknown suffixes: text; numbers noted when they are numbers */
        if (vn && parse_num(v, vn, &it->num) == 0)
            it->has_num = 1;
        return 0;
    }
    if (s->o->lenient)
        return 0;
    return fail(s, EG_HJ212_ERR_BAD_FIELD, v, "value of %.*s '%s' is not valid for that field",
                (int)it->key.n, it->key.p, show(v, vn, b));
}

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t'))
        (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

/* Byte classes for the CP scanner. The data area always ends at the segment's final "&&",
   and '&' stops every scan, so the inner loops need no bounds check. */
/* C_ALNUM: 0-9 A-Z a-z; C_KEY: those and - _; C_STOP: ; , &; C_BADV: control bytes, DEL, & and =
   (not allowed in a value in strict mode). Row n holds bytes 16n .. 16n+15. */
static const uint8_t cls[256] = {
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 2, 1, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0, 2, 0, 4, 0, 0,
    0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 1,
    0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 4,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static inline int same_code(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) /* codes are a few bytes: a loop beats a memcmp call */
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* The common field names followed by '=' ("Rtd=", "Flag=", "ZsRtd=" …) recognised with one
   8-byte load (when it lies inside the frame: the data area's end is followed by "&&" and the
   4 CRC digits): returns field | length << 8, or -1 (then the byte scan and classify() decide;
   they give the same answer for these names). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LE3(a, b, c) ((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16)
#define LE4(a, b, c, d) (LE3(a, b, c) | (uint64_t)(d) << 24)
#define LE5(a, b, c, d, e) (LE4(a, b, c, d) | (uint64_t)(e) << 32)
#define LE6(a, b, c, d, e, f) (LE5(a, b, c, d, e) | (uint64_t)(f) << 40)
static inline int common_field(const char *p, const char *end)
{
    if (p + 8 > end + 6)
        return -1;
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t w4 = w & 0xFFFFFFFFull, w5 = w & 0xFFFFFFFFFFull, w6 = w & 0xFFFFFFFFFFFFull;
    if (w4 == LE4('R', 't', 'd', '='))
        return EG_HJ212_F_RTD | 3 << 8;
    if (w5 == LE5('F', 'l', 'a', 'g', '='))
        return EG_HJ212_F_FLAG | 4 << 8;
    if (w4 == LE4('A', 'v', 'g', '='))
        return EG_HJ212_F_AVG | 3 << 8;
    if (w4 == LE4('M', 'i', 'n', '='))
        return EG_HJ212_F_MIN | 3 << 8;
    if (w4 == LE4('M', 'a', 'x', '='))
        return EG_HJ212_F_MAX | 3 << 8;
    if (w4 == LE4('C', 'o', 'u', '='))
        return EG_HJ212_F_COU | 3 << 8;
    if ((w & 0xFFFF) == LE3('Z', 's', 0)) {
        if (w6 == LE6('Z', 's', 'R', 't', 'd', '='))
            return EG_HJ212_F_ZSRTD | 5 << 8;
        if (w6 == LE6('Z', 's', 'A', 'v', 'g', '='))
            return EG_HJ212_F_ZSAVG | 5 << 8;
        if (w6 == LE6('Z', 's', 'M', 'i', 'n', '='))
            return EG_HJ212_F_ZSMIN | 5 << 8;
        if (w6 == LE6('Z', 's', 'M', 'a', 'x', '='))
            return EG_HJ212_F_ZSMAX | 5 << 8;
    }
    return -1;
}
#else
static inline int common_field(const char *p, const char *end)
{
    (void)p, (void)end;
    return -1;
}
#endif

/* Per-parse index from a code (packed into 8 bytes) to its pollutant, on the stack. Up to
   LINEAR pollutants a scan of the packed codes is cheapest (one 64-bit compare each); past
   that a hash table is built, so a hostile packet of 256 codes stays linear in time. */
#define POL_SLOTS 512 /* > 2 * EG_HJ212_MAX_ITEMS */
#define LINEAR 32
struct pol_index {
    int hashed;                        /* slot[] in use (built when LINEAR is passed) */
    uint64_t last_key;                 /* packed code of the last pollutant item (0 = none) */
    unsigned last_pi;                  /* and its pollutant */
    uint64_t pkey[EG_HJ212_MAX_ITEMS]; /* packed code of each pollutant (written before read) */
    uint16_t slot[POL_SLOTS];          /* pollutant index + 1, 0 = empty */
};

static unsigned slot_of(uint64_t key)
{
    return (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 55) & (POL_SLOTS - 1);
}

static void slot_put(struct pol_index *ix, uint64_t key, unsigned pi)
{
    unsigned h = slot_of(key);
    while (ix->slot[h])
        h = (h + 1) & (POL_SLOTS - 1);
    ix->slot[h] = (uint16_t)(pi + 1);
}

/* The pollutant whose code is k[0, cn) (packed: key, 0 when over 8 bytes), added when new. */
static unsigned pollutant_find_add(struct eg_hj212_packet *pkt, struct pol_index *ix, const char *k,
                                   size_t cn, uint64_t key)
{
    unsigned np = pkt->npollutants;
    if (!key) { /* a code over 8 bytes: rare, scan the spans */
        for (unsigned j = 0; j < np; j++)
            if (pkt->pollutants[j].code.n == cn && same_code(pkt->pollutants[j].code.p, k, cn))
                return j;
    } else if (!ix->hashed) {
        for (unsigned j = 0; j < np; j++)
            if (ix->pkey[j] == key)
                return j;
    } else {
        for (unsigned h = slot_of(key); ix->slot[h]; h = (h + 1) & (POL_SLOTS - 1))
            if (ix->pkey[ix->slot[h] - 1] == key)
                return ix->slot[h] - 1u;
    }
    unsigned pi = pkt->npollutants++;
    ix->pkey[pi] = key;
    if (ix->hashed) {
        if (key)
            slot_put(ix, key, pi);
    } else if (pi + 1 == LINEAR) {
        memset(ix->slot, 0, sizeof ix->slot);
        ix->hashed = 1;
        for (unsigned j = 0; j <= pi; j++)
            if (ix->pkey[j])
                slot_put(ix, ix->pkey[j], j);
    }
    struct eg_hj212_pollutant *pol = &pkt->pollutants[pi];
    pol->code.p = k;
    pol->code.n = cn;
    const struct eg_hj212_code_info *ci = eg__hj212_pollutant_find(key);
    pol->code2017 = ci ? ci->code : NULL;
    pol->flag = 0;
    pol->nitems = 0;
    pol->first_item = pkt->nitems;
    return pi;
}

/* eg__hj212_pack(k, cn) for a code inside the data area: one 8-byte load, masked, when the 8
   bytes lie inside the frame (the area's end is followed by "&&" and the 4 CRC digits). */
static inline uint64_t pack_code(const char *k, size_t cn, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (cn >= 1 && cn <= 8 && k + 8 <= end + 6) {
        uint64_t v;
        memcpy(&v, k, 8); /* k[0] is the low byte, as in eg__hj212_pack */
        return cn == 8 ? v : v & ((1ull << (8 * cn)) - 1);
    }
#endif
    (void)end;
    return eg__hj212_pack(k, cn);
}

/* Finds (or adds) the pollutant of an item whose code is k[0, cn). */
static inline unsigned pollutant_of(struct eg_hj212_packet *pkt, struct pol_index *ix,
                                    const char *k, size_t cn, const char *end)
{
    uint64_t key = pack_code(k, cn, end);
    /* the common case: the same code as the previous pollutant item ("w01018-Rtd=…,
       w01018-Flag=N"); codes are letters and digits, so equal packed keys are equal codes */
    if (key && key == ix->last_key)
        return ix->last_pi;
    unsigned pi = pollutant_find_add(pkt, ix, k, cn, key);
    ix->last_key = key;
    ix->last_pi = pi;
    return pi;
}
/* ---- the data area, one entry at a time ----
   parse_cp walks "key=value" entries; each step below is one function, forced inline so the
   loop compiles as the single function it was (the bench/hj212_parse hot path). */

#define CP_INLINE static inline __attribute__((always_inline))

/* A scanned CP key: k[0, kn), the '-' between code and field (NULL: a plain key), whether a
   second '-' follows, and the field the fast path recognised (-1: not recognised). */
struct cp_key {
    const char *k, *dash;
    size_t kn;
    int dash2, named;
};

/* The ';' groups: the current one's number, first item, -Flag and whether it has pollutant
   items; the first item of a group with pollutants but no -Flag. */
struct cp_groups {
    unsigned group, gstart, unflagged;
    char gflag;
    int gpol;
};

/* Scans the key at p ("code-Field", a plain key, the rare '_', and with lenient the blanks
   real devices put around it); returns the byte after it. */
CP_INLINE const char *scan_key(struct cp_key *ck, const char *p, const char *end, int lenient)
{
    const char *k = p, *dash = NULL;
    while (cls[(unsigned char)*p] & C_ALNUM) /* the code, or the whole key */
        p++;
    int dash2 = 0, named = -1;
    if (*p == '-') { /* "code-Field" */
        dash = p++;
        named = common_field(p, end);
        if (named >= 0) {
            p += named >> 8; /* the name's length; '=' follows */
            named &= 0xFF;
        } else {
            while (cls[(unsigned char)*p] & C_ALNUM)
                p++;
            while (cls[(unsigned char)*p] & C_KEY) /* rare: '_' or '-' in the field name */
                dash2 |= *p++ == '-';
        }
    } else if (*p == '_') { /* rare: '_' in a key before any '-' */
        while (cls[(unsigned char)*p] & C_KEY) {
            if (*p == '-')
                dash2 |= dash != NULL, dash = dash ? dash : p;
            p++;
        }
    }
    if (lenient && p < end && (*p == ' ' || *p == '\t')) {
        /* "CP=&& PolId=…", "i12003-Info =0" (2017 C.2, C.42) */
        while (p < end && (*p == ' ' || *p == '\t' || (cls[(unsigned char)*p] & C_KEY))) {
            if (*p == '-')
                dash2 |= dash != NULL, dash = dash ? dash : p;
            p++;
        }
    }
    size_t kn = (size_t)(p - k);
    if (lenient)
        trim(&k, &kn);
    ck->k = k;
    ck->kn = kn;
    ck->dash = dash;
    ck->dash2 = dash2;
    ck->named = named;
    return p;
}

/* Fills the key part of item it; returns its field, or a parse error. */
CP_INLINE int item_key(struct ps *s, struct eg_hj212_item *it, const struct cp_key *ck,
                       unsigned group)
{
    char b[32];
    it->key.p = ck->k;
    it->key.n = ck->kn;
    it->has_num = 0;
    it->num = 0;
    it->flag = 0;
    it->reserved_ = 0;
    it->group = (uint16_t)group;
    int field = EG_HJ212_F_NONE;
    if (ck->dash) {
        size_t cn = (size_t)(ck->dash - ck->k);
        it->code.p = ck->k;
        it->code.n = cn;
        it->name.p = ck->dash + 1;
        it->name.n = ck->kn - cn - 1;
        if (cn == 0 || it->name.n == 0 || ck->dash2)
            return fail(s, EG_HJ212_ERR_BAD_FIELD, ck->k,
                        "CP key '%s' must be code-Field (e.g. w01018-Rtd)", show(ck->k, ck->kn, b));
        field = ck->named >= 0 ? ck->named : (int)classify(it->name.p, it->name.n);
    } else {
        it->code.p = ck->k;
        it->code.n = 0;
        it->name = it->key;
    }
    it->field = (uint8_t)field;
    return field;
}

/* A number at p converted while scanning (the common case: one pass); returns the byte after
   it, or NULL when the value is not a plain decimal (the slow path reads it). */
CP_INLINE const char *scan_number(struct eg_hj212_item *it, const char *p, const char *end)
{
    const char *q = p;
    int neg = *q == '-';
    q += (*q == '-' || *q == '+');
    uint64_t m = 0;
    unsigned nd = 0, frac = 0;
    /* 8 digits at a time when 8 bytes can be read without leaving the frame (the segment's
       closing "&&" lies beyond end) */
    unsigned nk = q + 8 <= end + 2 ? swar_digits(q, &m) : 8;
    if (nk < 8) {
        q += nk;
        nd = nk;
        if (*q == '.' && q + 9 <= end + 2) {
            uint64_t f2;
            unsigned k2 = swar_digits(q + 1, &f2);
            if (k2 < 8) {
                m = m * pow10_int[k2] + f2;
                nd += k2;
                frac = k2;
                q += 1 + k2;
            } else {
                nk = 8; /* long fraction: the byte loop below */
            }
        }
    }
    if (nk >= 8) {
        q = p + (*p == '-' || *p == '+');
        m = 0;
        nd = frac = 0;
        while ((unsigned)(*q - '0') < 10)
            m = m * 10 + (uint64_t)(*q++ - '0'), nd++;
        if (*q == '.') {
            q++;
            while ((unsigned)(*q - '0') < 10)
                m = m * 10 + (uint64_t)(*q++ - '0'), nd++, frac++;
        }
    }
    if (!(nd && nd <= 15 && (cls[(unsigned char)*q] & C_STOP) && (*q != '&' || q == end)))
        return NULL;
    double d = (double)m;
    if (frac)
        d /= pow10_tab[frac];
    it->num = neg ? -d : d;
    it->has_num = 1;
    return q;
}

/* Any other value: 2017 C.40 log text between "//", or bytes up to ';' ',' or the end. */
static int scan_value_slow(struct ps *s, const char **pp, const char *end, const struct cp_key *ck,
                           int lenient)
{
    const char *p = *pp;
    if (end - p >= 4 && p[0] == '/' && p[1] == '/') {
        /* 2017 C.40: logs are UTF-8 text between a pair of "//", may hold ';' ','. */
        const char *q = p + 2;
        while (q + 1 < end && !(q[0] == '/' && q[1] == '/'))
            q++;
        if (q + 1 >= end)
            return fail(s, EG_HJ212_ERR_BAD_FIELD, p, "Info text opened with // is not closed");
        *pp = q + 2;
        return 0;
    }
    for (;;) {
        unsigned char c = (unsigned char)*p;
        uint8_t cl = cls[c];
        if (cl & C_STOP) {
            if (c != '&' || p == end)
                break;
        }
        if ((cl & C_BADV) && !lenient)
            return fail(s, EG_HJ212_ERR_BAD_FIELD, p,
                        "byte 0x%02X not allowed in the value of %.*s", c, (int)ck->kn, ck->k);
        p++;
    }
    *pp = p;
    return 0;
}

/* The value of item it at *pp: the fast number and one-letter flag paths, else the slow path.
   Sets it->value and *fast (1: the value was checked while scanning); moves *pp past it. */
CP_INLINE int scan_value(struct ps *s, struct eg_hj212_item *it, int field, const char **pp,
                         const char *end, const struct cp_key *ck, int lenient, int *fast)
{
    const char *v = *pp, *p = v;
    *fast = 0;
    if (is_numeric_field(field)) {
        const char *q = scan_number(it, p, end);
        if (q) {
            p = q;
            *fast = 1;
        }
    }
    if (!*fast && (field == EG_HJ212_F_FLAG || field == EG_HJ212_F_ZSFLAG) &&
        (cls[(unsigned char)p[0]] & C_ALNUM) && (p[1] == ';' || p[1] == ',' || p + 1 == end)) {
        /* the common data flag: one letter or digit (what check_field_value accepts) */
        p++;
        *fast = 1;
    }
    if (!*fast) {
        int r = scan_value_slow(s, &p, end, ck, lenient);
        if (r < 0)
            return r;
    }
    it->value.p = v;
    it->value.n = (size_t)(p - v);
    if (lenient && !*fast)
        trim(&it->value.p, &it->value.n);
    *pp = p;
    if (p < end && *p != ';' && *p != ',')
        return fail(s, EG_HJ212_ERR_BAD_FIELD, p, "expected ';' or ',' after the value of %.*s",
                    (int)ck->kn, ck->k);
    return 0;
}

/* Counts item it in: a plain key is checked as one; a pollutant item joins its pollutant and
   gives the group and the pollutant their -Flag. */
CP_INLINE int item_add(struct ps *s, struct pol_index *ix, struct eg_hj212_item *it, int field,
                       int fast, const char *end, struct cp_groups *g)
{
    struct eg_hj212_packet *pkt = s->pkt;
    if (!it->code.n) { /* no '-': a plain key (a code-Field key has a code) */
        it->pollutant = EG_HJ212_NO_POLLUTANT;
        pkt->nitems++;
        return check_plain_key(s, it);
    }
    unsigned pi = pollutant_of(pkt, ix, it->key.p, it->code.n, end);
    g->gpol = 1;
    it->pollutant = (uint16_t)pi;
    pkt->pollutants[pi].nitems++;
    pkt->nitems++;
    if (!fast) {
        int r = check_field_value(s, it);
        if (r < 0)
            return r;
    }
    if (field == EG_HJ212_F_FLAG && it->value.n) {
        char f = it->value.p[0];
        if (!g->gflag)
            g->gflag = f;
        if (!pkt->pollutants[pi].flag)
            pkt->pollutants[pi].flag = f;
    }
    return 0;
}

/* Ends a ';' group (its -Flag is the data flag of its items) and steps over the ';'; returns 1
   when the data area is done. */
CP_INLINE int end_group(struct eg_hj212_packet *pkt, struct cp_groups *g, const char **pp,
                        const char *end)
{
    if (g->gflag)
        for (unsigned j = g->gstart; j < pkt->nitems; j++)
            pkt->items[j].flag = g->gflag;
    else if (g->gpol && g->unflagged == UINT_MAX)
        g->unflagged = g->gstart;
    g->gflag = 0;
    g->gpol = 0;
    g->gstart = pkt->nitems;
    g->group++;
    if (*pp >= end)
        return 1;
    (*pp)++; /* ';' */
    return *pp == end;
}

/* Items in groups without a -Flag take their pollutant's flag (the items before the first such
   group have their group's flag or no pollutant). */
static void flags_from_pollutants(struct eg_hj212_packet *pkt, const struct cp_groups *g)
{
    unsigned unflagged = g->unflagged;
    if (g->gpol && g->gstart < unflagged) /* a group not closed by end_group (defensive) */
        unflagged = g->gstart;
    for (unsigned j = unflagged; j < pkt->nitems; j++) {
        struct eg_hj212_item *it = &pkt->items[j];
        if (!it->flag && it->pollutant != EG_HJ212_NO_POLLUTANT)
            it->flag = pkt->pollutants[it->pollutant].flag;
    }
}

/* One entry "key=value" at *pp; returns 1 when it ended the data area, 0 to go on, or an
   error. */
CP_INLINE int parse_entry(struct ps *s, struct pol_index *ix, struct cp_groups *g, const char **pp,
                          const char *end)
{
    struct eg_hj212_packet *pkt = s->pkt;
    const int lenient = s->o->lenient;
    char b[32];
    struct cp_key ck;
    const char *p = scan_key(&ck, *pp, end, lenient);
    if (ck.kn == 0 && (p == end || *p == ';')) { /* empty group ("…;&&", ";;"): allowed (S02) */
        *pp = p;
        return end_group(pkt, g, pp, end);
    }
    if (ck.kn == 0 && *p == ',' && lenient) {
        *pp = p + 1;
        return 0;
    }
    if (p == end || *p != '=')
        return fail(s, EG_HJ212_ERR_BAD_FIELD, p < end ? p : ck.k,
                    "CP entry '%s' is not key=value (byte 0x%02X where '=' was expected)",
                    show(ck.k, (size_t)((p < end ? p + 1 : end) - ck.k), b),
                    p < end ? (unsigned char)*p : 0);
    p++; /* '=' */
    if (pkt->nitems >= EG_HJ212_MAX_ITEMS)
        return fail(s, EG_HJ212_ERR_TOO_MANY_ITEMS, ck.k,
                    "CP has more than %d items (limit EG_HJ212_MAX_ITEMS)", EG_HJ212_MAX_ITEMS);
    struct eg_hj212_item *it = &pkt->items[pkt->nitems];
    int field = item_key(s, it, &ck, g->group);
    if (field < 0)
        return field;
    int fast, r = scan_value(s, it, field, &p, end, &ck, lenient, &fast);
    if (r == 0)
        r = item_add(s, ix, it, field, fast, end, g);
    if (r < 0)
        return r;
    if (p < end && *p == ',') {
        p++;
        if ((p == end || *p == ';' || *p == ',') && !lenient)
            return fail(s, EG_HJ212_ERR_BAD_FIELD, p, "empty entry after ','");
        *pp = p;
        return 0;
    }
    *pp = p;
    return end_group(pkt, g, pp, end);
}

/* The data area between "CP=&&" and the final "&&" (end points at that "&&"). */
static int parse_cp(struct ps *s, const char *p, const char *end)
{
    struct pol_index ix;
    ix.hashed = 0;
    ix.last_key = 0;
    ix.last_pi = 0;
    struct cp_groups g = {0, 0, UINT_MAX, 0, 0};
    while (p <= end) {
        int r = parse_entry(s, &ix, &g, &p, end);
        if (r < 0)
            return r;
        if (r)
            break;
    }
    flags_from_pollutants(s->pkt, &g);
    return 0;
}

static int hexval(char c)
{
    if ((unsigned)(c - '0') < 10)
        return c - '0';
    unsigned l = (unsigned)((c | 0x20) - 'a');
    return l < 6 ? (int)l + 10 : -1;
}

/* Header field names (2017 Table 3). */
enum { H_QN, H_ST, H_CN, H_PW, H_MN, H_FLAG, H_PNUM, H_PNO, H_CP, H_RF, H_UNKNOWN };

static int header_name(const char *k, size_t n, int lenient)
{
    switch (n) {
    case 2:
        if (k[0] == 'Q' && k[1] == 'N')
            return H_QN;
        if (k[0] == 'S' && k[1] == 'T')
            return H_ST;
        if (k[0] == 'C' && k[1] == 'N')
            return H_CN;
        if (k[0] == 'P' && k[1] == 'W')
            return H_PW;
        if (k[0] == 'M' && k[1] == 'N')
            return H_MN;
        if (k[0] == 'C' && k[1] == 'P')
            return H_CP;
        if (k[0] == 'R' && k[1] == 'F')
            return H_RF;
        break;
    case 3:
        if (IS(k, n, "PNO"))
            return H_PNO;
        break;
    case 4:
        if (IS(k, n, "Flag") || (lenient && !strncasecmp(k, "flag", 4)))
            return H_FLAG;
        if (IS(k, n, "PNUM"))
            return H_PNUM;
        break;
    }
    return H_UNKNOWN;
}

int eg_hj212_parse(const char *frame, size_t len, const struct eg_hj212_options *opts,
                   struct eg_hj212_packet *pkt, struct eg_err *err)
{
    struct eg_hj212_options defaults;
    if (!opts) {
        eg_hj212_options_default(&defaults);
        opts = &defaults;
    }
    eg__hj212_codes_init(); /* once per process; the lookups below assume it */
    struct ps st = {frame, opts, pkt, err};
    struct ps *s = &st;
    char b[32];
    size_t maxseg = opts->max_segment ? opts->max_segment : EG_HJ212_DEFAULT_MAX_SEGMENT;
    if (maxseg > EG_HJ212_MAX_SEGMENT)
        maxseg = EG_HJ212_MAX_SEGMENT;

    pkt->frame.p = frame;
    pkt->frame.n = len;
    pkt->segment.p = NULL;
    pkt->segment.n = 0;
    pkt->qn = pkt->st = pkt->cn = pkt->pw = pkt->mn = pkt->cp = pkt->cp_qn = pkt->segment;
    pkt->datatime_text = pkt->segment;
    pkt->crc = 0;
    pkt->crc_variant = EG_HJ212_CRC_STANDARD;
    pkt->has_crlf = 0;
    pkt->edition = 0;
    pkt->cn_num = -1;
    pkt->flag = -1;
    pkt->pnum = pkt->pno = 0;
    pkt->qn_ms = 0;
    pkt->has_datatime = 0;
    pkt->datatime = 0;
    pkt->datatime_ms = 0;
    pkt->nitems = pkt->npollutants = 0;

    /* 1. frame (2017 Table 2) */
    if (len < 2 || frame[0] != '#' || frame[1] != '#') {
        if (len == 0 || (len == 1 && frame[0] == '#'))
            return fail(s, EG_HJ212_ERR_TRUNCATED, frame + len,
                        "input ends before the header \"##\"");
        return fail(s, EG_HJ212_ERR_BAD_HEADER, frame,
                    "a packet must start with \"##\" (starts with '%s')", show(frame, len, b));
    }
    size_t hl = len < 6 ? len : 6;
    if (!all_digits(frame + 2, hl - 2))
        return fail(s, EG_HJ212_ERR_BAD_LENGTH, frame + 2,
                    "the length after \"##\" must be 4 decimal digits, got '%s'",
                    show(frame + 2, hl - 2, b));
    if (len < 6)
        return fail(s, EG_HJ212_ERR_TRUNCATED, frame + len, "input ends inside the length field");
    size_t L = (size_t)digits_val(frame + 2, 4);
    if (L > maxseg)
        return fail(s, EG_HJ212_ERR_TOO_LONG, frame + 2,
                    "declared data segment of %zu bytes is over the limit of %zu", L, maxseg);
    size_t body_end = len;
    if (len >= 2 && frame[len - 2] == '\r' && frame[len - 1] == '\n') {
        pkt->has_crlf = 1;
        body_end = len - 2;
    }
    if (opts->lenient) /* e.g. "\r\r\n" from a log written in Windows text mode */
        while (body_end > 6 && (frame[body_end - 1] == '\r' || frame[body_end - 1] == '\n'))
            body_end--;
    if (body_end < 6 + 4) {
        if (pkt->has_crlf)
            return fail(
                s, EG_HJ212_ERR_LENGTH_MISMATCH, frame + 6,
                "declared %zu bytes of data but the packet has no room for them and the CRC", L);
        return fail(s, EG_HJ212_ERR_TRUNCATED, frame + len,
                    "input ends before the data segment and CRC (declared %zu bytes)", L);
    }
    size_t actual = body_end - 6 - 4;
    const char *crcp = frame + body_end - 4;
    int crc_hex = hexval(crcp[0]) >= 0 && hexval(crcp[1]) >= 0 && hexval(crcp[2]) >= 0 &&
                  hexval(crcp[3]) >= 0;
    if (actual != L) {
        if (actual < L && !pkt->has_crlf && !crc_hex)
            return fail(s, EG_HJ212_ERR_TRUNCATED, frame + len,
                        "input ends after %zu of the %zu declared data bytes", actual + 4, L);
        return fail(s, EG_HJ212_ERR_LENGTH_MISMATCH, frame + 2,
                    "declared length %zu but %zu bytes lie between the length and the CRC", L,
                    actual);
    }
    if (!crc_hex)
        return fail(s, EG_HJ212_ERR_BAD_CRC, crcp, "the CRC '%s' is not 4 hex digits",
                    show(crcp, 4, b));
    const char *seg = frame + 6;
    pkt->segment.p = seg;
    pkt->segment.n = L;
    pkt->crc = (uint16_t)(hexval(crcp[0]) << 12 | hexval(crcp[1]) << 8 | hexval(crcp[2]) << 4 |
                          hexval(crcp[3]));
    uint16_t want = eg_hj212_crc(seg, L);
    if (want != pkt->crc) {
        uint16_t sw = 0;
        if (opts->crc == EG_HJ212_CRC_MODBUS_SWAPPED &&
            (sw = eg_hj212_crc_modbus_swapped(seg, L)) == pkt->crc) {
            pkt->crc_variant = EG_HJ212_CRC_MODBUS_SWAPPED;
        } else {
            char w[5] = {0};
            eg_hj212_crc_hex(want, w);
            int swapped = opts->crc != EG_HJ212_CRC_MODBUS_SWAPPED &&
                          eg_hj212_crc_modbus_swapped(seg, L) == pkt->crc;
            return fail(s, EG_HJ212_ERR_CRC_MISMATCH, crcp,
                        "CRC %.4s does not match the data segment (HJ 212 App. A gives %s)%s", crcp,
                        w,
                        swapped ? "; it is the byte-swapped Modbus CRC: allow it for this device "
                                  "with the modbus_swapped CRC setting"
                                : "");
        }
    }

    /* 2. header fields up to CP=&& */
    const int lenient = opts->lenient;
    const char *p = seg, *end = seg + L;
    const char *cp_at = NULL;
    const char *qn_at = NULL, *flag_at = NULL;
    int have_pnum = 0, have_pno = 0;
    while (p < end) {
        const char *k = p;
        while (p < end && *p != '=' && *p != ';')
            p++;
        if (p == end || *p != '=') {
            if (p == k && p < end && opts->lenient) { /* ";;" */
                p++;
                continue;
            }
            return fail(s, EG_HJ212_ERR_BAD_FIELD, k, "header field '%s' is not NAME=value",
                        show(k, (size_t)(p - k), b));
        }
        size_t kn = (size_t)(p - k);
        if (opts->lenient && kn && *k == ',') /* "…;,MN=" (hj212.md sample S31) */
            k++, kn--;
        int h = header_name(k, kn, opts->lenient);
        p++;
        if (h == H_CP) {
            cp_at = k;
            break;
        }
        const char *v = p;
        if (lenient)
            while (p < end && *p != ';' && *p != ',')
                p++;
        else if (!(p = memchr(p, ';', (size_t)(end - p))))
            p = end;
        size_t vn = (size_t)(p - v);
        if (p < end)
            p++;
        struct eg_hj212_span *dst = NULL;
        switch (h) {
        case H_QN:
            dst = &pkt->qn;
            qn_at = v;
            break;
        case H_ST:
            dst = &pkt->st;
            break;
        case H_CN:
            dst = &pkt->cn;
            break;
        case H_PW:
            dst = &pkt->pw;
            break;
        case H_MN:
            dst = &pkt->mn;
            break;
        case H_FLAG:
            if (pkt->flag >= 0)
                return fail(s, EG_HJ212_ERR_BAD_FIELD, k, "Flag appears twice");
            flag_at = v;
            if (small_int(v, vn, 3, &pkt->flag) || pkt->flag > 255)
                return fail(s, EG_HJ212_ERR_BAD_FIELD, v, "Flag '%s' must be an integer 0-255",
                            show(v, vn, b));
            continue;
        case H_PNUM:
        case H_PNO: {
            int *iv = h == H_PNUM ? &pkt->pnum : &pkt->pno;
            int *have = h == H_PNUM ? &have_pnum : &have_pno;
            if (*have)
                return fail(s, EG_HJ212_ERR_BAD_FIELD, k, "%.*s appears twice", (int)kn, k);
            *have = 1;
            if (small_int(v, vn, 4, iv) || *iv < 1)
                return fail(s, EG_HJ212_ERR_BAD_FIELD, v, "%.*s '%s' must be 1-9999 (4 digits)",
                            (int)kn, k, show(v, vn, b));
            continue;
        }
        case H_RF: /* 2025 补传标志 (third-party, hj212.md §1.11): kept in the segment only */
            continue;
        default:
            if (opts->lenient)
                continue;
            return fail(s, EG_HJ212_ERR_BAD_FIELD, k,
                        "unknown header field '%s' (expected QN ST CN PW MN Flag PNUM PNO CP)",
                        show(k, kn, b));
        }
        if (dst->p)
            return fail(s, EG_HJ212_ERR_BAD_FIELD, k, "%.*s appears twice", (int)kn, k);
        dst->p = v;
        dst->n = vn;
    }

    /* CP=&&…&& must close the segment (2017 Table 3: CP=&&数据区&&) */
    if (!cp_at)
        return fail(s, EG_HJ212_ERR_MISSING_FIELD, end, "no CP=&&…&& in the data segment");
    if (end - p < 4 || p[0] != '&' || p[1] != '&' || end[-1] != '&' || end[-2] != '&')
        return fail(s, EG_HJ212_ERR_BAD_FIELD, p, "CP must be CP=&&…&& and end the data segment");
    pkt->cp.p = p + 2;
    pkt->cp.n = (size_t)(end - 2 - (p + 2));

    /* required fields and their syntax */
    if (!pkt->st.p)
        return fail(s, EG_HJ212_ERR_MISSING_FIELD, seg, "ST (system code) is missing");
    if (!pkt->cn.p)
        return fail(s, EG_HJ212_ERR_MISSING_FIELD, seg, "CN (command code) is missing");
    int v_bits = pkt->flag >= 0 ? pkt->flag >> 2 : 0;
    int ed_flag = v_bits == 0 ? 2005 : v_bits == 1 ? 2017 : v_bits == 2 ? 2025 : 0;
    if (!ed_flag && !opts->lenient)
        return fail(s, EG_HJ212_ERR_BAD_FIELD, flag_at,
                    "Flag %d has version bits %d: known are 0 (2005), 1 (2017), 2 (2025)",
                    pkt->flag, v_bits);
    if (opts->edition != EG_HJ212_ED_AUTO) {
        pkt->edition = opts->edition;
        if (pkt->flag >= 0 && ed_flag != opts->edition && !opts->lenient)
            return fail(s, EG_HJ212_ERR_BAD_FIELD, flag_at,
                        "Flag %d says HJ 212-%d but the device is configured for %d", pkt->flag,
                        ed_flag, opts->edition);
    } else {
        pkt->edition = ed_flag ? ed_flag : EG_HJ212_ED_2017;
    }

    int stcode_ok = pkt->st.n >= 2 && pkt->st.n <= 3 && all_alnum(pkt->st.p, pkt->st.n);
    if (!stcode_ok)
        return fail(s, EG_HJ212_ERR_BAD_FIELD, pkt->st.p,
                    "ST '%s' must be a 2-character system code", show(pkt->st.p, pkt->st.n, b));
    if (!opts->lenient) {
        const struct eg_hj212_code_info *ci = eg__hj212_st_find(pkt->st.p, pkt->st.n);
        if (!ci || (opts->std_codes_only && ci->origin == EG_HJ212_ORIGIN_FIELD))
            return fail(s, EG_HJ212_ERR_BAD_FIELD, pkt->st.p,
                        "ST '%s' is not a system code of 2017 Table 5 / 2005 §6.5",
                        show(pkt->st.p, pkt->st.n, b));
    }
    if (small_int(pkt->cn.p, pkt->cn.n, 4, &pkt->cn_num) || pkt->cn.n != 4)
        return fail(s, EG_HJ212_ERR_BAD_FIELD, pkt->cn.p, "CN '%s' must be 4 digits",
                    show(pkt->cn.p, pkt->cn.n, b));
    if (!opts->lenient) {
        const struct eg_hj212_code_info *ci = eg__hj212_cn_find(pkt->cn_num);
        if (!ci || (opts->std_codes_only && ci->origin == EG_HJ212_ORIGIN_FIELD))
            return fail(s, EG_HJ212_ERR_BAD_FIELD, pkt->cn.p,
                        "CN %04d is not a command code of 2017 Table 9 / 2005 §6.5", pkt->cn_num);
    }
    int interaction = pkt->cn_num >= 9011 && pkt->cn_num <= 9014;
    if (pkt->qn.p) {
        int64_t t;
        int ms;
        if (pkt->qn.n == 17 && eg_hj212_time_parse(pkt->qn.p, 17, &t, &ms) == 0)
            pkt->qn_ms = t * 1000 + ms;
        else if (!opts->lenient)
            return fail(s, EG_HJ212_ERR_BAD_FIELD, qn_at,
                        "QN '%s' must be 17 digits YYYYMMDDhhmmsszzz, a real Beijing time",
                        show(pkt->qn.p, pkt->qn.n, b));
    } else if (!opts->lenient && pkt->edition >= 2017) {
        return fail(s, EG_HJ212_ERR_MISSING_FIELD, seg,
                    "QN is missing (required by HJ 212-%d for packets with Flag)", pkt->edition);
    }
    if (!opts->lenient) {
        /* 2017 Table 3: PW 6 characters; real devices send up to 24 hex (hj212.md, tonyxia2016
           capture), so 1-24 letters/digits. MN: 2005 14, 2017 24 characters; 1-24 accepted. */
        if (!pkt->pw.p && !interaction)
            return fail(s, EG_HJ212_ERR_MISSING_FIELD, seg, "PW (password) is missing");
        if (pkt->pw.p && (pkt->pw.n < 1 || pkt->pw.n > 24 || !all_alnum(pkt->pw.p, pkt->pw.n)))
            return fail(s, EG_HJ212_ERR_BAD_FIELD, pkt->pw.p,
                        "PW '%s' must be 1-24 letters or digits", show(pkt->pw.p, pkt->pw.n, b));
        if (!pkt->mn.p && !interaction)
            return fail(s, EG_HJ212_ERR_MISSING_FIELD, seg, "MN (device id) is missing");
        if (pkt->mn.p && (pkt->mn.n < 1 || pkt->mn.n > 24 || !all_alnum(pkt->mn.p, pkt->mn.n)))
            return fail(s, EG_HJ212_ERR_BAD_FIELD, pkt->mn.p,
                        "MN '%s' must be 1-24 letters or digits", show(pkt->mn.p, pkt->mn.n, b));
    }
    /* 2017 Table 3: D=1 -> the packet carries PNUM and PNO. Not for 2005, whose own App. C
       requests use Flag=3 without them (hj212.md §1.4, sample S04). */
    if (pkt->flag > 0 && (pkt->flag & 2) && (!have_pnum || !have_pno) && !opts->lenient &&
        pkt->edition >= EG_HJ212_ED_2017)
        return fail(s, EG_HJ212_ERR_MISSING_FIELD, flag_at,
                    "Flag %d has the D bit (subpackets) but PNUM/PNO are missing", pkt->flag);
    if (have_pnum && have_pno && pkt->pno > pkt->pnum && !opts->lenient)
        return fail(s, EG_HJ212_ERR_BAD_FIELD, seg, "PNO %d is greater than PNUM %d", pkt->pno,
                    pkt->pnum);

    /* 3. data area */
    return parse_cp(s, pkt->cp.p, pkt->cp.p + pkt->cp.n);
}

const struct eg_hj212_item *eg_hj212_find(const struct eg_hj212_packet *p, const char *code,
                                          enum eg_hj212_field field)
{
    size_t n = strlen(code);
    for (unsigned i = 0; i < p->nitems; i++) {
        const struct eg_hj212_item *it = &p->items[i];
        if (it->field != field || it->pollutant == EG_HJ212_NO_POLLUTANT)
            continue;
        const struct eg_hj212_pollutant *pol = &p->pollutants[it->pollutant];
        if ((pol->code.n == n && !memcmp(pol->code.p, code, n)) ||
            (pol->code2017 && !strcmp(pol->code2017, code)))
            return it;
    }
    return NULL;
}

const struct eg_hj212_item *eg_hj212_find_key(const struct eg_hj212_packet *p, const char *key)
{
    size_t n = strlen(key);
    for (unsigned i = 0; i < p->nitems; i++)
        if (p->items[i].key.n == n && !memcmp(p->items[i].key.p, key, n))
            return &p->items[i];
    return NULL;
}

const struct eg_hj212_item *eg_hj212_pollutant_next(const struct eg_hj212_packet *p, unsigned pi,
                                                    int *it)
{
    if (pi >= p->npollutants)
        return NULL;
    int i = *it < 0 ? p->pollutants[pi].first_item : *it + 1;
    for (; i < p->nitems; i++)
        if (p->items[i].pollutant == pi) {
            *it = i;
            return &p->items[i];
        }
    *it = p->nitems;
    return NULL;
}
