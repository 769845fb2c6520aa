/*
 * json.c: a parsed packet as one JSON object (the format of `envgov hj212 parse`, issue 2 item 6):
 * qn st cn pw mn flag pnum pno datatime and cp = { pollutant code: { field: value text } }.
 * Keys of CP without a pollutant code (QnRtn, BeginTime, …) appear in cp as "key": "value";
 * DataTime is the top-level "datatime". Absent header fields are null. When a code repeats a
 * field (real devices send "01-Flag=N" in two groups) the first value is kept.
 */
#include "hj212/hj212.h"

#include <string.h>

static void str_or_null(struct eg_buf *b, const char *name, struct eg_hj212_span s)
{
    eg_buf_printf(b, ",\"%s\":", name);
    if (s.p)
        eg_buf_json_str(b, s.p, s.n);
    else
        eg_buf_puts(b, "null");
}

void eg_hj212_packet_json(const struct eg_hj212_packet *p, struct eg_buf *b)
{
    /* the caller has opened the object and written its leading members */
    str_or_null(b, "qn", p->qn);
    str_or_null(b, "st", p->st);
    str_or_null(b, "cn", p->cn);
    str_or_null(b, "pw", p->pw);
    str_or_null(b, "mn", p->mn);
    if (p->flag >= 0)
        eg_buf_printf(b, ",\"flag\":%d", p->flag);
    else
        eg_buf_puts(b, ",\"flag\":null");
    if (p->pnum)
        eg_buf_printf(b, ",\"pnum\":%d", p->pnum);
    else
        eg_buf_puts(b, ",\"pnum\":null");
    if (p->pno)
        eg_buf_printf(b, ",\"pno\":%d", p->pno);
    else
        eg_buf_puts(b, ",\"pno\":null");
    str_or_null(b, "datatime", p->datatime_text);
    eg_buf_puts(b, ",\"cp\":{");
    int first = 1;
    /* walk items in order; a pollutant's object is written at its first item */
    for (unsigned i = 0; i < p->nitems; i++) {
        const struct eg_hj212_item *it = &p->items[i];
        if (it->pollutant == EG_HJ212_NO_POLLUTANT) {
            if (it->key.n == 8 && !memcmp(it->key.p, "DataTime", 8) &&
                p->datatime_text.p == it->value.p)
                continue;
            int dup = 0;
            for (unsigned j = 0; j < i && !dup; j++)
                dup = p->items[j].pollutant == EG_HJ212_NO_POLLUTANT &&
                      p->items[j].key.n == it->key.n &&
                      !memcmp(p->items[j].key.p, it->key.p, it->key.n);
            /* a plain key equal to a pollutant code would clash: rare; first wins as well */
            for (unsigned j = 0; j < p->npollutants && !dup; j++)
                dup = p->pollutants[j].code.n == it->key.n &&
                      !memcmp(p->pollutants[j].code.p, it->key.p, it->key.n);
            if (dup)
                continue;
            if (!first)
                eg_buf_puts(b, ",");
            first = 0;
            eg_buf_json_str(b, it->key.p, it->key.n);
            eg_buf_puts(b, ":");
            eg_buf_json_str(b, it->value.p, it->value.n);
            continue;
        }
        const struct eg_hj212_pollutant *pol = &p->pollutants[it->pollutant];
        if (pol->first_item != i)
            continue;
        int clash = 0; /* a plain key seen earlier with the same text as this code */
        for (unsigned j = 0; j < i && !clash; j++)
            clash = p->items[j].pollutant == EG_HJ212_NO_POLLUTANT &&
                    p->items[j].key.n == pol->code.n &&
                    !memcmp(p->items[j].key.p, pol->code.p, pol->code.n);
        if (clash)
            continue;
        if (!first)
            eg_buf_puts(b, ",");
        first = 0;
        eg_buf_json_str(b, pol->code.p, pol->code.n);
        eg_buf_puts(b, ":{");
        int f1 = 1;
        for (unsigned j = i; j < p->nitems; j++) {
            const struct eg_hj212_item *x = &p->items[j];
            if (x->pollutant != it->pollutant)
                continue;
            int dup = 0;
            for (unsigned k = i; k < j && !dup; k++)
                dup = p->items[k].pollutant == x->pollutant && p->items[k].name.n == x->name.n &&
                      !memcmp(p->items[k].name.p, x->name.p, x->name.n);
            if (dup)
                continue;
            if (!f1)
                eg_buf_puts(b, ",");
            f1 = 0;
            eg_buf_json_str(b, x->name.p, x->name.n);
            eg_buf_puts(b, ":");
            eg_buf_json_str(b, x->value.p, x->value.n);
        }
        eg_buf_puts(b, "}");
    }
    eg_buf_puts(b, "}");
}
