/*
 * framer.c: cuts a TCP byte stream into HJ 212 frames "##LLLL…CCCC\r\n" (2017 §6.3.1 Table 2).
 *
 * One framer per connection. It owns one buffer of max_packet bytes, allocated at init and
 * never grown, so memory does not depend on what a peer sends. Bytes arrive in any chunking
 * (a packet split across reads, several in one read); next() yields each complete frame (a view
 * into the buffer) or an error with the stream offset where it happened, after which it has
 * already dropped the offending bytes and resynchronises on the next "##":
 *   - bytes before "##" (garbage)          -> bad_header, reported once per run of garbage
 *     (bare CR/LF between frames is dropped silently: logs and some devices add them);
 *   - "##" not followed by 4 digits        -> bad_length;
 *   - declared length over the limit        -> too_long (nothing is buffered for it);
 *   - a line break before the declared end -> length_mismatch (the frame is shorter than it says;
 *     the data segment is ASCII/UTF-8 text, so CR/LF inside it means the length is wrong);
 *   - no CRLF after the CRC                 -> length_mismatch when a line break follows a little
 *     later, else bad_trailer; with lenient_trailer a frame whose CRC checks is delivered anyway.
 * The framer does not check the CRC itself (except for lenient_trailer): eg_hj212_parse does.
 */
#include "hj212/hj212.h"

#include <stdlib.h>
#include <string.h>

int eg_hj212_framer_init(struct eg_hj212_framer *f, size_t max_packet)
{
    memset(f, 0, sizeof *f);
    if (max_packet == 0)
        max_packet = EG_HJ212_DEFAULT_MAX_SEGMENT + EG_HJ212_FRAME_OVERHEAD;
    if (max_packet < EG_HJ212_FRAME_OVERHEAD ||
        max_packet > EG_HJ212_MAX_SEGMENT + EG_HJ212_FRAME_OVERHEAD)
        return EG_EINVAL;
    f->buf = eg_malloc(max_packet);
    f->cap = max_packet;
    f->max_packet = max_packet;
    f->crc = EG_HJ212_CRC_STANDARD;
    return 0;
}

void eg_hj212_framer_free(struct eg_hj212_framer *f)
{
    free(f->buf);
    f->buf = NULL;
    f->cap = f->len = f->start = 0;
}

static void compact(struct eg_hj212_framer *f)
{
    if (f->start) {
        if (f->len)
            memmove(f->buf, f->buf + f->start, f->len);
        f->start = 0;
    }
}

char *eg_hj212_framer_space(struct eg_hj212_framer *f, size_t *avail)
{
    compact(f);
    *avail = f->cap - f->len;
    return f->buf + f->len;
}

void eg_hj212_framer_commit(struct eg_hj212_framer *f, size_t n)
{
    if (n > f->cap - f->start - f->len)
        n = f->cap - f->start - f->len;
    f->len += n;
}

size_t eg_hj212_framer_feed(struct eg_hj212_framer *f, const void *data, size_t n)
{
    size_t avail;
    char *dst = eg_hj212_framer_space(f, &avail);
    size_t k = n < avail ? n : avail;
    if (k)
        memcpy(dst, data, k);
    f->len += k;
    return k;
}

static void drop(struct eg_hj212_framer *f, size_t k)
{
    f->start += k;
    f->len -= k;
    f->base += k;
    if (f->len == 0)
        f->start = 0;
}

static int is_digit(char c)
{
    return (unsigned)(c - '0') < 10;
}

/* Offset (from p) of the first "##" in p[from, n), or n; a lone '#' at the very end counts
   (its partner may be in the next read). */
static size_t find_hh(const char *p, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        const char *q = memchr(p + i, '#', n - i);
        if (!q)
            return n;
        i = (size_t)(q - p);
        if (i + 1 == n || p[i + 1] == '#')
            return i;
    }
    return n;
}

static int crc_ok(const struct eg_hj212_framer *f, const char *seg, size_t L)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = seg[L + (size_t)i];
        unsigned d;
        if (is_digit(c))
            d = (unsigned)(c - '0');
        else if ((unsigned)((c | 0x20) - 'a') < 6)
            d = (unsigned)((c | 0x20) - 'a' + 10);
        else
            return 0;
        v = v << 4 | d;
    }
    if (eg_hj212_crc(seg, L) == v)
        return 1;
    return f->crc == EG_HJ212_CRC_MODBUS_SWAPPED && eg_hj212_crc_modbus_swapped(seg, L) == v;
}

int eg_hj212_framer_next(struct eg_hj212_framer *f, struct eg_hj212_frame *out, struct eg_err *err)
{
    for (;;) {
        const char *p = f->buf + f->start;
        size_t n = f->len;
        if (n == 0)
            return 0;
        if (n < 2 || p[0] != '#' || p[1] != '#') {
            if (n == 1 && p[0] == '#')
                return 0; /* its partner may come in the next read */
            size_t h = find_hh(p, 0, n);
            size_t bad = 0; /* first byte that is not CR/LF */
            while (bad < h && (p[bad] == '\r' || p[bad] == '\n'))
                bad++;
            int report = !f->skipping && bad < h;
            uint64_t at = f->base + bad;
            drop(f, h);
            /* still in the garbage run until a header with its 4 digits is seen */
            f->skipping = f->skipping || report;
            if (report)
                return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_BAD_HEADER, (long)at,
                                  "bytes before \"##\" skipped (a packet must start with ##)");
            if (f->len < 2)
                return 0;
            continue;
        }
        /* p starts with "##" */
        if (n >= 3 && p[2] == '#') { /* "###…": the packet starts at the last "##" */
            int report = !f->skipping;
            uint64_t at = f->base;
            drop(f, 1);
            f->skipping = 1;
            if (report)
                return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_BAD_HEADER, (long)at,
                                  "bytes before \"##\" skipped (a packet must start with ##)");
            continue;
        }
        size_t hl = n < 6 ? n : 6, nd = 2;
        while (nd < hl && is_digit(p[nd]))
            nd++;
        if (nd < hl) {
            int report = !f->skipping;
            uint64_t at = f->base + 2;
            drop(f, 2);
            f->skipping = 1;
            if (!report)
                continue; /* more of a garbage run already reported */
            return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_BAD_LENGTH, (long)at,
                              "\"##\" must be followed by the 4-digit data length");
        }
        if (n < 6)
            return 0;
        f->skipping = 0; /* a header: "##" and 4 digits */
        size_t L =
            (size_t)((p[2] - '0') * 1000 + (p[3] - '0') * 100 + (p[4] - '0') * 10 + (p[5] - '0'));
        if (L + EG_HJ212_FRAME_OVERHEAD > f->cap) {
            uint64_t at = f->base + 2;
            drop(f, 2);
            f->skipping = 1;
            return eg_err_set(err, EG_ETOOBIG, EG_HJ212_ERR_TOO_LONG, (long)at,
                              "declared data length %zu is over this connection's limit of %zu", L,
                              f->cap - EG_HJ212_FRAME_OVERHEAD);
        }
        size_t body = 6 + L + 4; /* through the CRC */
        /* a line break before the declared end: the frame is shorter than its length says */
        size_t scan = n < body ? n : body;
        const char *nl = memchr(p + 6, '\n', scan - 6);
        if (nl) {
            size_t j = (size_t)(nl - p);
            size_t e = (j > 6 && p[j - 1] == '\r') ? j - 1 : j;
            uint64_t at = f->base + 2;
            drop(f, j + 1);
            f->skipping = 0;
            return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_LENGTH_MISMATCH, (long)at,
                              "declared length %zu but the packet ends after %zu data bytes", L,
                              e >= 10 ? e - 10 : 0);
        }
        if (n < body)
            return 0;
        if (n >= body + 2 && p[body] == '\r' && p[body + 1] == '\n') {
            out->data = p;
            out->len = body + 2;
            out->offset = f->base;
            drop(f, body + 2);
            return 1;
        }
        if (f->lenient_trailer && crc_ok(f, p + 6, L)) {
            out->data = p;
            out->len = body;
            out->offset = f->base;
            drop(f, body);
            return 1;
        }
        if (n == body || (n == body + 1 && p[body] == '\r'))
            return 0; /* the CRLF may be in the next read */
        /* wrong trailer: a line break soon after means the length is too small */
        size_t h = find_hh(p, body, n);
        int lone = h == n - 1; /* a '#' at the end: "##" or not, the next read will tell */
        const char *nl2 = memchr(p + body, '\n', n - body);
        if (nl2 && (size_t)(nl2 - p) < h) {
            size_t j = (size_t)(nl2 - p);
            size_t e = (p[j - 1] == '\r') ? j - 1 : j;
            uint64_t at = f->base + 2;
            drop(f, j + 1);
            f->skipping = 0;
            return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_LENGTH_MISMATCH, (long)at,
                              "declared length %zu but the packet runs to %zu data bytes", L,
                              e - 10);
        }
        if ((h == n || lone) && n < f->cap)
            return 0; /* neither a line break nor the next packet yet: wait */
        uint64_t at = f->base + body;
        drop(f, 2);
        f->skipping = 1;
        return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_BAD_TRAILER, (long)at,
                          "no CRLF after the CRC of the packet (found byte 0x%02X)",
                          (unsigned char)p[body]);
    }
}

int eg_hj212_framer_finish(struct eg_hj212_framer *f, struct eg_err *err)
{
    f->eof = 1;
    if (f->len == 0)
        return 0;
    const char *p = f->buf + f->start;
    size_t n = f->len;
    size_t k = 0;
    while (k < n && (p[k] == '\r' || p[k] == '\n'))
        k++;
    int skipping = f->skipping;
    uint64_t at = f->base + k;
    drop(f, n);
    f->skipping = 0;
    if (k == n || skipping)
        return 0;
    if (n - k >= 2 && p[k] == '#' && p[k + 1] == '#')
        return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_TRUNCATED, (long)at,
                          "the stream ends inside a packet (%zu bytes received)", n - k);
    return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_BAD_HEADER, (long)at,
                      "bytes before \"##\" at the end of the stream");
}
