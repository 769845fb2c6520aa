/*
 * fuzz/hj212_parse.c: libFuzzer target for eg_hj212_parse (strict, lenient, Modbus-swapped CRC)
 * and, when a packet parses, for the JSON writer and the reply builders (whose output must parse
 * back strictly). Invariants: every span lies inside the input; counts within bounds.
 * Seed corpus: fuzz/corpus/hj212_parse/ (real captures, standard samples).
 */
#include "hj212/hj212.h"

#include <stdlib.h>
#include <string.h>

static void check_span(struct eg_hj212_span s, const char *b, size_t n)
{
    if (s.p && (s.p < b || s.p + s.n > b + n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct eg_hj212_packet pkt, back;
    /* a private copy sized exactly, so ASan sees any read past the end */
    char *buf = malloc(size ? size : 1);
    if (size)
        memcpy(buf, data, size);
    for (int mode = 0; mode < 3; mode++) {
        struct eg_hj212_options o;
        eg_hj212_options_default(&o);
        o.lenient = mode == 1;
        o.crc = mode == 2 ? EG_HJ212_CRC_MODBUS_SWAPPED : EG_HJ212_CRC_STANDARD;
        o.max_segment = EG_HJ212_MAX_SEGMENT;
        struct eg_err err;
        if (eg_hj212_parse(buf, size, &o, &pkt, &err) != 0) {
            if (!err.code[0] || err.offset < 0 || (size_t)err.offset > size)
                abort();
            continue;
        }
        check_span(pkt.segment, buf, size);
        check_span(pkt.qn, buf, size);
        check_span(pkt.st, buf, size);
        check_span(pkt.cn, buf, size);
        check_span(pkt.pw, buf, size);
        check_span(pkt.mn, buf, size);
        check_span(pkt.cp, buf, size);
        if (pkt.nitems > EG_HJ212_MAX_ITEMS || pkt.npollutants > pkt.nitems)
            abort();
        for (unsigned i = 0; i < pkt.nitems; i++) {
            check_span(pkt.items[i].key, buf, size);
            check_span(pkt.items[i].value, buf, size);
            if (pkt.items[i].pollutant != EG_HJ212_NO_POLLUTANT &&
                pkt.items[i].pollutant >= pkt.npollutants)
                abort();
        }
        struct eg_buf jb = {0};
        eg_hj212_packet_json(&pkt, &jb);
        eg_buf_free(&jb);
        /* replies to a strictly valid packet must themselves be strictly valid */
        if (mode == 0) {
            char out[12000];
            size_t n;
            struct eg_hj212_options so;
            eg_hj212_options_default(&so);
            so.max_segment = EG_HJ212_MAX_SEGMENT;
            if (eg_hj212_build_data_ack(out, sizeof out, &pkt, &n, &err) == 0 &&
                eg_hj212_parse(out, n, &so, &back, &err) != 0)
                abort();
            if (eg_hj212_build_request_ack(out, sizeof out, &pkt, 1, &n, &err) == 0 &&
                eg_hj212_parse(out, n, &so, &back, &err) != 0)
                abort();
        }
    }
    free(buf);
    return 0;
}
