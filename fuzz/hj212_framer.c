/*
 * fuzz/hj212_framer.c: libFuzzer target for the stream framer. The input is fed twice: whole,
 * and in chunks whose sizes come from the input itself; both runs must yield the same sequence
 * of frames and errors (chunking must not matter), every frame must start with "##" and lie in
 * the framer's buffer, and the buffer never exceeds its fixed capacity. Frames are then parsed.
 * Seed corpus: fuzz/corpus/hj212_framer/ (real captures).
 */
#include "hj212/hj212.h"

#include <stdlib.h>
#include <string.h>

#define MAXLOG 4096

struct ev {
    uint64_t off;
    size_t len;
    uint16_t crc; /* of the frame bytes, or 0xFFFF ^ code hash for errors */
    int kind;
};

static size_t run(const uint8_t *d, size_t n, size_t cap, int chunked, struct ev *log)
{
    struct eg_hj212_framer f;
    if (eg_hj212_framer_init(&f, cap))
        abort();
    static struct eg_hj212_packet pkt;
    size_t nl = 0, pos = 0, k = 0;
    uint32_t x = (uint32_t)n * 2654435761u;
    while (pos < n || k == 0) {
        size_t chunk = n - pos;
        if (chunked) {
            x = x * 1103515245u + 12345u;
            chunk = 1 + (x >> 16) % 64;
            if (chunk > n - pos)
                chunk = n - pos;
        }
        size_t done = 0;
        do {
            done += eg_hj212_framer_feed(&f, d + pos + done, chunk - done);
            if (f.len > f.cap || f.start + f.len > f.cap)
                abort();
            struct eg_hj212_frame fr;
            struct eg_err err;
            int r;
            while ((r = eg_hj212_framer_next(&f, &fr, &err)) != 0) {
                struct ev e = {0};
                if (r > 0) {
                    if (fr.len < 10 || fr.data[0] != '#' || fr.data[1] != '#' || fr.data < f.buf ||
                        fr.data + fr.len > f.buf + f.cap)
                        abort();
                    e.off = fr.offset;
                    e.len = fr.len;
                    e.crc = eg_hj212_crc(fr.data, fr.len);
                    e.kind = 1;
                    eg_hj212_parse(fr.data, fr.len, NULL, &pkt, &err);
                } else {
                    e.off = (uint64_t)err.offset;
                    e.crc = (uint16_t)(err.code[0] * 31 + err.code[4]);
                    e.kind = 2;
                }
                if (nl < MAXLOG)
                    log[nl++] = e;
            }
        } while (done < chunk);
        pos += chunk;
        k++;
        if (n == 0)
            break;
    }
    struct eg_err err;
    if (eg_hj212_framer_finish(&f, &err) && nl < MAXLOG) {
        struct ev e = {(uint64_t)err.offset, 0, (uint16_t)(err.code[0] * 31 + err.code[4]), 3};
        log[nl++] = e;
    }
    eg_hj212_framer_free(&f);
    return nl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ev a[MAXLOG], b[MAXLOG];
    /* small capacities reach the too_long and buffer-full paths quickly */
    size_t cap = size && data[0] < 64 ? 64 + (size_t)data[0] * 4 : 0;
    size_t na = run(data, size, cap, 0, a);
    size_t nb = run(data, size, cap, 1, b);
    if (na != nb)
        abort();
    for (size_t i = 0; i < na; i++)
        if (a[i].off != b[i].off || a[i].len != b[i].len || a[i].crc != b[i].crc ||
            a[i].kind != b[i].kind)
            abort();
    return 0;
}
