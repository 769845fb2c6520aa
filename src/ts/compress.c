/*
 * ts_compress.c: the compressed block a closed day of one series is stored as. Pure code (no
 * database), so the fuzz target and the benchmark drive it directly.
 *
 * Layout (all integers LEB128 varints, signed ones zigzag-coded):
 *
 *   u8  version (1)          u8 value mode (0 decimal, 1 XOR)
 *   n                        count of samples, 1..EG_TS_BLOCK_MAX_SAMPLES
 *   zz  t_first              u  t_last - t_first
 *   times:  (n > 1) first delta >= 1, then n - 2 delta-of-delta tokens coded as the values'
 *           decimal tokens below (even u: one zz(dod); odd u: (u >> 1) + 1 zero dods). Regular
 *           data (every minute) is a single token; jittery real-time data ~1 byte a sample.
 *   values: decimal mode: u8 scale (0..6), zz first integer, then tokens for the n - 1
 *           differences of the scaled integers: token u even = one difference zz(u >> 1),
 *           token u odd = a run of (u >> 1) + 1 zero differences.
 *           XOR mode: byte length, then a Gorilla bit stream (Pelkonen et al., VLDB 2015 §4.1.2).
 *   flags:  runs; each (u8 letter, length >= 1); lengths sum to n.
 *   u32 FNV-1a of everything before it, little-endian.
 *
 * Why decimal mode: HJ 212 values are decimal text with 1-4 decimals (N14.2 etc., HJ 212-2017
 * §6.3.3.2.2), so value * 10^scale is an exact integer and successive differences are small;
 * measured on the real capture it needs far fewer bytes than XOR of the doubles (figures in
 * docs/timeseries.md). The encoder only picks it when every value round-trips bit-exactly;
 * otherwise (computed means, odd values) XOR mode is used. Both are always decodable.
 */
#include "ts/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TS_VERSION 1
#define TS_MAX_SCALE 6
#define TS_MAX_DELTA ((uint64_t)1 << 40) /* ~35,000 years: rejects absurd gaps in a block */
#define TS_MAX_EXACT ((int64_t)1 << 53)

static const double pow10_tab[TS_MAX_SCALE + 1] = {1, 10, 100, 1000, 1e4, 1e5, 1e6};

/* ---- byte-level helpers ---------------------------------------------------------------------- */

static void put_u8(struct eg_buf *b, uint8_t v)
{
    eg_buf_append(b, &v, 1);
}

static void put_uv(struct eg_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t i = 0;
    while (v >= 0x80) {
        tmp[i++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[i++] = (uint8_t)v;
    eg_buf_append(b, tmp, i);
}

static uint64_t zz(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzz(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

struct rd {
    const uint8_t *p;
    size_t len, pos;
    int bad;
};

static uint8_t get_u8(struct rd *r)
{
    if (r->pos >= r->len) {
        r->bad = 1;
        return 0;
    }
    return r->p[r->pos++];
}

static uint64_t get_uv(struct rd *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->len) {
            r->bad = 1;
            return 0;
        }
        uint8_t c = r->p[r->pos++];
        if (shift == 63 && c > 1) { /* would overflow 64 bits */
            r->bad = 1;
            return 0;
        }
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

/* ---- bit-level helpers for the XOR mode ------------------------------------------------------ */

struct bw {
    struct eg_buf *b;
    uint64_t acc;
    int nacc;
};

static void bw_put(struct bw *w, uint64_t v, int nbits)
{
    /* nbits <= 64; flush whole bytes, most significant bit first. */
    while (nbits > 0) {
        int take = nbits > 8 ? 8 : nbits;
        uint64_t part = (v >> (nbits - take)) & ((1u << take) - 1);
        w->acc = (w->acc << take) | part;
        w->nacc += take;
        nbits -= take;
        while (w->nacc >= 8) {
            put_u8(w->b, (uint8_t)(w->acc >> (w->nacc - 8)));
            w->nacc -= 8;
        }
    }
}

static void bw_flush(struct bw *w)
{
    if (w->nacc > 0)
        put_u8(w->b, (uint8_t)(w->acc << (8 - w->nacc)));
    w->nacc = 0;
}

struct br {
    const uint8_t *p;
    size_t nbits, pos;
    int bad;
};

static uint64_t br_get(struct br *r, int nbits)
{
    if (r->pos + (size_t)nbits > r->nbits) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < nbits; i++) {
        size_t bit = r->pos++;
        v = (v << 1) | ((r->p[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    return v;
}

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static double bitsd(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static void encode_xor(const struct eg_ts_sample *s, size_t n, struct eg_buf *out)
{
    struct eg_buf bits = {0};
    struct bw w = {&bits, 0, 0};
    uint64_t prev = dbits(s[0].v);
    bw_put(&w, prev, 64);
    int lead = 65, trail = 0; /* 65: no window yet */
    for (size_t i = 1; i < n; i++) {
        uint64_t cur = dbits(s[i].v), x = cur ^ prev;
        prev = cur;
        if (x == 0) {
            bw_put(&w, 0, 1);
            continue;
        }
        int l = __builtin_clzll(x), t = __builtin_ctzll(x);
        if (l > 31)
            l = 31; /* 5 bits for the leading count */
        if (lead <= 64 && l >= lead && t >= trail) {
            bw_put(&w, 2, 2); /* '10': reuse the previous window */
            bw_put(&w, x >> trail, 64 - lead - trail);
        } else {
            lead = l;
            trail = t;
            int sig = 64 - l - t; /* 1..64, stored as sig - 1 in 6 bits */
            bw_put(&w, 3, 2);
            bw_put(&w, (uint64_t)l, 5);
            bw_put(&w, (uint64_t)(sig - 1), 6);
            bw_put(&w, x >> t, sig);
        }
    }
    bw_flush(&w);
    put_uv(out, bits.len);
    eg_buf_append(out, bits.data, bits.len);
    eg_buf_free(&bits);
}

/* Smallest scale at which v * 10^scale is an integer that maps back to exactly v; -1 if none. */
static int decimal_scale(double v)
{
    for (int sc = 0; sc <= TS_MAX_SCALE; sc++) {
        double m = v * pow10_tab[sc];
        if (!(fabs(m) < (double)TS_MAX_EXACT))
            return -1;
        double r = nearbyint(m);
        if (dbits(r / pow10_tab[sc]) == dbits(v))
            return sc;
    }
    return -1;
}

/* Returns 0 and fills ints when every value is exact at one common scale. */
static int decimal_ints(const struct eg_ts_sample *s, size_t n, int64_t *ints, int *scale_out)
{
    int scale = 0;
    for (size_t i = 0; i < n; i++) {
        int sc = decimal_scale(s[i].v);
        if (sc < 0)
            return -1;
        if (sc > scale)
            scale = sc;
    }
    for (size_t i = 0; i < n; i++) {
        double m = nearbyint(s[i].v * pow10_tab[scale]);
        if (!(fabs(m) < (double)TS_MAX_EXACT))
            return -1;
        ints[i] = (int64_t)m;
        /* i / 10^s is the correctly rounded quotient, the same double at any scale >= s. */
        if (dbits((double)ints[i] / pow10_tab[scale]) != dbits(s[i].v))
            return -1;
    }
    *scale_out = scale;
    return 0;
}

static void encode_decimal(const int64_t *ints, size_t n, int scale, struct eg_buf *out)
{
    put_u8(out, (uint8_t)scale);
    put_uv(out, zz(ints[0]));
    size_t i = 1;
    while (i < n) {
        int64_t d = ints[i] - ints[i - 1];
        if (d == 0) {
            size_t run = 1;
            while (i + run < n && ints[i + run] == ints[i + run - 1])
                run++;
            put_uv(out, ((uint64_t)(run - 1) << 1) | 1);
            i += run;
        } else {
            put_uv(out, zz(d) << 1);
            i++;
        }
    }
}

int eg_ts_block_encode(const struct eg_ts_sample *s, size_t n, int force_mode, struct eg_buf *out,
                       struct eg_err *err)
{
    if (n == 0 || n > EG_TS_BLOCK_MAX_SAMPLES)
        return eg_err_set(err, EG_EINVAL, "bad_block_size", -1,
                          "a block holds 1..%d samples, got %zu", EG_TS_BLOCK_MAX_SAMPLES, n);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(s[i].v))
            return eg_err_set(err, EG_EINVAL, "not_finite", (long)i,
                              "sample %zu: value is not a finite number", i);
        if (s[i].flag < 'A' || s[i].flag > 'Z')
            return eg_err_set(err, EG_EINVAL, "bad_flag", (long)i,
                              "sample %zu: data flag must be an upper-case letter", i);
        if (i > 0 && (s[i].t <= s[i - 1].t || (uint64_t)(s[i].t - s[i - 1].t) > TS_MAX_DELTA))
            return eg_err_set(err, EG_EINVAL, "unordered", (long)i,
                              "sample %zu: times must be strictly increasing", i);
    }
    size_t start = out->len;
    int64_t *ints = eg_malloc(n * sizeof *ints);
    int scale = 0;
    int dec_ok = decimal_ints(s, n, ints, &scale) == 0;
    int mode = force_mode;
    if (mode == EG_TS_VAL_DECIMAL && !dec_ok)
        mode = EG_TS_VAL_XOR;

    put_u8(out, TS_VERSION);
    size_t mode_at = out->len;
    put_u8(out, 0);
    put_uv(out, n);
    put_uv(out, zz(s[0].t));
    put_uv(out, (uint64_t)(s[n - 1].t - s[0].t));

    /* times: first delta, then the delta-of-delta tokens (zero runs collapsed) */
    if (n > 1)
        put_uv(out, (uint64_t)(s[1].t - s[0].t));
    for (size_t i = 2; i < n;) {
        int64_t dd = (s[i].t - s[i - 1].t) - (s[i - 1].t - s[i - 2].t);
        if (dd == 0) {
            size_t run = 1;
            while (i + run < n &&
                   s[i + run].t - s[i + run - 1].t == s[i + run - 1].t - s[i + run - 2].t)
                run++;
            put_uv(out, ((uint64_t)(run - 1) << 1) | 1);
            i += run;
        } else {
            put_uv(out, zz(dd) << 1);
            i++;
        }
    }

    /* values: the chosen coding, or the smaller of the two */
    if (mode == -1) {
        struct eg_buf a = {0}, b = {0};
        encode_xor(s, n, &b);
        if (dec_ok) {
            encode_decimal(ints, n, scale, &a);
        }
        if (dec_ok && a.len <= b.len) {
            mode = EG_TS_VAL_DECIMAL;
            eg_buf_append(out, a.data, a.len);
        } else {
            mode = EG_TS_VAL_XOR;
            eg_buf_append(out, b.data, b.len);
        }
        eg_buf_free(&a);
        eg_buf_free(&b);
    } else if (mode == EG_TS_VAL_DECIMAL) {
        encode_decimal(ints, n, scale, out);
    } else {
        encode_xor(s, n, out);
    }
    out->data[mode_at] = (char)mode;
    free(ints);

    /* flags: runs */
    size_t nruns = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || s[i].flag != s[i - 1].flag)
            nruns++;
    put_uv(out, nruns);
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && s[i + run].flag == s[i].flag)
            run++;
        put_u8(out, (uint8_t)s[i].flag);
        put_uv(out, run);
        i += run;
    }
    uint32_t h = fnv1a((const uint8_t *)out->data + start, out->len - start);
    uint8_t hb[4] = {(uint8_t)h, (uint8_t)(h >> 8), (uint8_t)(h >> 16), (uint8_t)(h >> 24)};
    eg_buf_append(out, hb, 4);
    return 0;
}

static int corrupt(struct eg_err *err, const char *what)
{
    return eg_err_set(err, EG_EINVAL, "corrupt_block", -1, "corrupt time-series block: %s", what);
}

/* Checks the checksum and reads the header. */
static int read_header(const void *p, size_t len, struct rd *r, size_t *n, int64_t *t0,
                       uint64_t *span, int *mode, struct eg_err *err)
{
    if (len < 8)
        return corrupt(err, "too short");
    const uint8_t *b = p;
    uint32_t want = (uint32_t)b[len - 4] | (uint32_t)b[len - 3] << 8 | (uint32_t)b[len - 2] << 16 |
                    (uint32_t)b[len - 1] << 24;
    if (fnv1a(b, len - 4) != want)
        return corrupt(err, "checksum mismatch");
    r->p = b;
    r->len = len - 4;
    r->pos = 0;
    r->bad = 0;
    if (get_u8(r) != TS_VERSION)
        return corrupt(err, "unknown version");
    *mode = get_u8(r);
    uint64_t cnt = get_uv(r);
    uint64_t zt = get_uv(r);
    *span = get_uv(r);
    if (r->bad || (*mode != EG_TS_VAL_DECIMAL && *mode != EG_TS_VAL_XOR))
        return corrupt(err, "bad header");
    if (cnt == 0 || cnt > EG_TS_BLOCK_MAX_SAMPLES)
        return corrupt(err, "sample count out of range");
    *t0 = unzz(zt);
    if (*span > TS_MAX_DELTA * (cnt - 1) ||
        *t0 > INT64_MAX - (int64_t)TS_MAX_DELTA * (int64_t)cnt || *t0 < INT64_MIN / 2)
        return corrupt(err, "time span out of range");
    *n = (size_t)cnt;
    return 0;
}

int eg_ts_block_info(const void *p, size_t len, size_t *n, int64_t *t_first, int64_t *t_last,
                     int *mode, struct eg_err *err)
{
    struct rd r;
    uint64_t span;
    int rc = read_header(p, len, &r, n, t_first, &span, mode, err);
    if (rc)
        return rc;
    *t_last = *t_first + (int64_t)span;
    return 0;
}

static int decode(struct rd r, size_t n, int64_t t0, uint64_t span, int mode,
                  struct eg_ts_sample *s, struct eg_err *err);

int eg__ts_block_decode_into(const void *p, size_t len, struct eg_ts_sample *dst, size_t cap,
                             size_t *nout, struct eg_err *err)
{
    struct rd r;
    size_t n;
    int64_t t0;
    uint64_t span;
    int mode;
    *nout = 0;
    int rc = read_header(p, len, &r, &n, &t0, &span, &mode, err);
    if (rc)
        return rc;
    if (n > cap)
        return eg_err_set(err, EG_EINVAL, "corrupt_block", -1,
                          "corrupt time-series block: holds %zu samples, its row says %zu", n, cap);
    rc = decode(r, n, t0, span, mode, dst, err);
    if (rc == 0)
        *nout = n;
    return rc;
}

int eg_ts_block_decode(const void *p, size_t len, size_t max_samples, struct eg_ts_sample **out,
                       size_t *nout, struct eg_err *err)
{
    size_t n;
    int64_t t_first, t_last;
    int mode;
    *out = NULL;
    *nout = 0;
    int rc = eg_ts_block_info(p, len, &n, &t_first, &t_last, &mode, err);
    if (rc)
        return rc;
    if (n > max_samples)
        return eg_err_set(err, EG_ETOOBIG, "block_too_big", -1,
                          "block holds %zu samples, limit %zu", n, max_samples);
    /* n <= EG_TS_BLOCK_MAX_SAMPLES (checked in the header): a bounded allocation. */
    struct eg_ts_sample *s = eg_malloc(n * sizeof *s);
    rc = eg__ts_block_decode_into(p, len, s, n, nout, err);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int decode(struct rd r, size_t n, int64_t t0, uint64_t span, int mode,
                  struct eg_ts_sample *s, struct eg_err *err)
{

    /* times */
    s[0].t = t0;
    if (n > 1) {
        uint64_t d = get_uv(&r);
        if (r.bad || d == 0 || d > TS_MAX_DELTA)
            goto bad;
        s[1].t = t0 + (int64_t)d;
    }
    size_t i = 2;
    while (i < n) {
        uint64_t u = get_uv(&r);
        if (r.bad)
            goto bad;
        int64_t prevd = s[i - 1].t - s[i - 2].t;
        if (u & 1) {
            uint64_t run = (u >> 1) + 1;
            if (run > n - i)
                goto bad;
            for (uint64_t j = 0; j < run; j++, i++)
                s[i].t = s[i - 1].t + prevd;
        } else {
            int64_t dd = unzz(u >> 1);
            /* the new delta must stay in 1..TS_MAX_DELTA (times strictly increase) */
            if (dd == 0 || dd > (int64_t)TS_MAX_DELTA || dd < -(int64_t)TS_MAX_DELTA ||
                prevd + dd < 1 || prevd + dd > (int64_t)TS_MAX_DELTA)
                goto bad;
            s[i].t = s[i - 1].t + prevd + dd;
            i++;
        }
    }
    if ((uint64_t)(s[n - 1].t - t0) != span)
        goto bad;

    /* values */
    if (mode == EG_TS_VAL_DECIMAL) {
        uint8_t scale = get_u8(&r);
        uint64_t first = get_uv(&r);
        if (r.bad || scale > TS_MAX_SCALE)
            goto bad;
        int64_t cur = unzz(first);
        if (cur >= TS_MAX_EXACT || cur <= -TS_MAX_EXACT)
            goto bad;
        double div = pow10_tab[scale];
        s[0].v = (double)cur / div;
        i = 1;
        while (i < n) {
            uint64_t u = get_uv(&r);
            if (r.bad)
                goto bad;
            if (u & 1) {
                uint64_t run = (u >> 1) + 1;
                if (run > n - i)
                    goto bad;
                for (uint64_t j = 0; j < run; j++, i++)
                    s[i].v = s[i - 1].v;
            } else {
                int64_t d = unzz(u >> 1);
                if (d == 0 || d >= 2 * TS_MAX_EXACT || d <= -2 * TS_MAX_EXACT)
                    goto bad;
                cur += d;
                if (cur >= TS_MAX_EXACT || cur <= -TS_MAX_EXACT)
                    goto bad;
                s[i++].v = (double)cur / div;
            }
        }
    } else {
        uint64_t nbytes = get_uv(&r);
        if (r.bad || nbytes > r.len - r.pos)
            goto bad;
        struct br b = {r.p + r.pos, (size_t)nbytes * 8, 0, 0};
        r.pos += (size_t)nbytes;
        uint64_t prev = br_get(&b, 64);
        s[0].v = bitsd(prev);
        int lead = -1, sig = 0;
        for (i = 1; i < n && !b.bad; i++) {
            if (br_get(&b, 1) == 0) {
                s[i].v = bitsd(prev);
                continue;
            }
            if (br_get(&b, 1) == 1) {
                lead = (int)br_get(&b, 5);
                sig = (int)br_get(&b, 6) + 1;
                if (lead + sig > 64)
                    goto bad;
            } else if (lead < 0) {
                goto bad; /* reuse of a window that was never set */
            }
            uint64_t x = br_get(&b, sig) << (64 - lead - sig);
            prev ^= x;
            s[i].v = bitsd(prev);
        }
        if (b.bad)
            goto bad;
    }
    for (i = 0; i < n; i++)
        if (!isfinite(s[i].v))
            goto bad;

    /* flags */
    uint64_t nruns = get_uv(&r);
    if (r.bad || nruns > n)
        goto bad;
    i = 0;
    for (uint64_t k = 0; k < nruns; k++) {
        uint8_t f = get_u8(&r);
        uint64_t run = get_uv(&r);
        if (r.bad || f < 'A' || f > 'Z' || run == 0 || run > n - i)
            goto bad;
        for (uint64_t j = 0; j < run; j++)
            s[i++].flag = (char)f;
    }
    if (i != n || r.pos != r.len)
        goto bad;
    return 0;
bad:
    return corrupt(err, "inconsistent contents");
}
