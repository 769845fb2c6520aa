/*
 * build.c: HJ 212 frames written into a caller's buffer — responses (9011 QnRtn, 9012 ExeRtn,
 * 9013 notify ack, 9014 data ack), requests from the upper machine, and uploads (the device
 * simulator's side). No allocation; the data segment is written in place after the 6 header
 * bytes, then the length and the CRC are filled in.
 *
 * Editions (hj212.md §1.7, §1.9): 2017/2025 replies carry the request's QN in the header with
 * ST=91 and Flag=4 (version bits, A=0; 2017 §6.1 and App. C Tables C.1, C.4, C.14); 2005
 * replies carry the QN inside CP, as the 2005 App. C examples do:
 *   9011 "ST=91;CN=9011;PW=…;MN=…;Flag=0;CP=&&QN=…;QnRtn=1&&"
 *   9012 "ST=91;CN=9012;PW=…;MN=…;CP=&&QN=…;ExeRtn=1&&"
 *   9014 "ST=91;CN=9014;CP=&&QN=…;CN=2051&&" (+ "PNO=…;PNUM=…" for a subpacket)
 * Every builder's output parses back strictly (tests/unit/hj212/test_build.c).
 */
#include "hj212/hj212.h"

#include <stdio.h>
#include <string.h>

struct wr {
    char *p;
    size_t cap, n;
    int over;
};

static void put(struct wr *w, const char *s, size_t n)
{
    if (w->over || n > w->cap - w->n) {
        w->over = 1;
        return;
    }
    memcpy(w->p + w->n, s, n);
    w->n += n;
}

static void puts_(struct wr *w, const char *s)
{
    put(w, s, strlen(s));
}

static void putspan(struct wr *w, struct eg_hj212_span s)
{
    if (s.p)
        put(w, s.p, s.n);
}

static void putint(struct wr *w, long v)
{
    char b[24];
    int k = snprintf(b, sizeof b, "%ld", v);
    put(w, b, (size_t)k);
}

static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
}

void eg_hj212_time_format(int64_t utc, char out[14])
{
    struct eg_civil c;
    eg_time_to_beijing(utc, &c);
    put2(out, c.year / 100);
    put2(out + 2, c.year % 100);
    put2(out + 4, c.month);
    put2(out + 6, c.day);
    put2(out + 8, c.hour);
    put2(out + 10, c.minute);
    put2(out + 12, c.second);
}

void eg_hj212_qn_from_ms(int64_t utc_ms, char out[18])
{
    int64_t s = utc_ms >= 0 ? utc_ms / 1000 : -((-utc_ms + 999) / 1000);
    int ms = (int)(utc_ms - s * 1000);
    eg_hj212_time_format(s, out);
    out[14] = (char)('0' + ms / 100);
    out[15] = (char)('0' + ms / 10 % 10);
    out[16] = (char)('0' + ms % 10);
    out[17] = '\0';
}

/* Fills "##LLLL" before the segment already written at out+6, appends CRC and CRLF. */
static int finish(struct wr *w, size_t *outlen, struct eg_err *err)
{
    if (w->over)
        return eg_err_set(err, EG_ETOOBIG, EG_HJ212_ERR_TOO_SMALL, -1,
                          "output buffer of %zu bytes is too small for the packet", w->cap);
    size_t L = w->n - 6;
    if (L > EG_HJ212_MAX_SEGMENT)
        return eg_err_set(err, EG_ETOOBIG, EG_HJ212_ERR_TOO_LONG, -1,
                          "data segment of %zu bytes does not fit the 4-digit length", L);
    if (w->cap - w->n < 6) {
        w->over = 1;
        return finish(w, outlen, err);
    }
    char hdr[7];
    snprintf(hdr, sizeof hdr, "##%04zu", L);
    memcpy(w->p, hdr, 6);
    eg_hj212_crc_hex(eg_hj212_crc(w->p + 6, L), w->p + w->n);
    w->n += 4;
    w->p[w->n++] = '\r';
    w->p[w->n++] = '\n';
    if (w->n < w->cap)
        w->p[w->n] = '\0';
    if (outlen)
        *outlen = w->n;
    return 0;
}

static int begin(struct wr *w, char *out, size_t cap, struct eg_err *err)
{
    w->p = out;
    w->cap = cap;
    w->n = 0;
    w->over = 0;
    if (cap < EG_HJ212_FRAME_OVERHEAD)
        return eg_err_set(err, EG_ETOOBIG, EG_HJ212_ERR_TOO_SMALL, -1, "output buffer too small");
    w->n = 6;
    return 0;
}

int eg_hj212_build_frame(char *out, size_t cap, const char *segment, size_t seglen, size_t *outlen,
                         struct eg_err *err)
{
    struct wr w;
    int r = begin(&w, out, cap, err);
    if (r)
        return r;
    if (seglen > cap - 6 - 6) {
        w.over = 1;
        return finish(&w, outlen, err);
    }
    memmove(out + 6, segment, seglen);
    w.n += seglen;
    return finish(&w, outlen, err);
}

static int text_ok(const char *s, int allow_empty)
{
    if (!s)
        return allow_empty;
    if (!*s)
        return allow_empty;
    for (; *s; s++)
        if (*s == ';' || *s == '&' || *s == '=' || *s == ',' || (unsigned char)*s < 0x20)
            return 0;
    return 1;
}

static int bad_arg(struct eg_err *err, const char *what)
{
    return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_BAD_FIELD, -1,
                      "%s is missing or contains ; & = , or control bytes", what);
}

/* The reply (9011-9014) to a parsed packet; body is the CP text after the QN (may be ""). */
static int build_reply(char *out, size_t cap, const struct eg_hj212_packet *req, int cn,
                       const char *body, int with_pwmn_2005, int with_flag_2005, size_t *outlen,
                       struct eg_err *err)
{
    struct wr w;
    int r = begin(&w, out, cap, err);
    if (r)
        return r;
    if (req->edition >= EG_HJ212_ED_2017) {
        if (req->qn.p) {
            puts_(&w, "QN=");
            putspan(&w, req->qn);
            puts_(&w, ";");
        }
        puts_(&w, "ST=91;CN=");
        putint(&w, cn);
        if (req->pw.p) {
            puts_(&w, ";PW=");
            putspan(&w, req->pw);
        }
        if (req->mn.p) {
            puts_(&w, ";MN=");
            putspan(&w, req->mn);
        }
        puts_(&w, ";Flag=");
        putint(&w, req->edition >= EG_HJ212_ED_2025 ? 8 : 4);
        puts_(&w, ";CP=&&");
        puts_(&w, body);
        puts_(&w, "&&");
    } else {
        puts_(&w, "ST=91;CN=");
        putint(&w, cn);
        if (with_pwmn_2005 && req->pw.p) {
            puts_(&w, ";PW=");
            putspan(&w, req->pw);
        }
        if (with_pwmn_2005 && req->mn.p) {
            puts_(&w, ";MN=");
            putspan(&w, req->mn);
        }
        if (with_flag_2005)
            puts_(&w, ";Flag=0");
        puts_(&w, ";CP=&&");
        struct eg_hj212_span qn = req->qn.p ? req->qn : req->cp_qn;
        if (qn.p) {
            puts_(&w, "QN=");
            putspan(&w, qn);
            if (*body)
                puts_(&w, ";");
        }
        puts_(&w, body);
        puts_(&w, "&&");
    }
    return finish(&w, outlen, err);
}

int eg_hj212_build_request_ack(char *out, size_t cap, const struct eg_hj212_packet *req, int qnrtn,
                               size_t *outlen, struct eg_err *err)
{
    char body[32];
    snprintf(body, sizeof body, "QnRtn=%d", qnrtn);
    return build_reply(out, cap, req, 9011, body, 1, 1, outlen, err);
}

int eg_hj212_build_exec_result(char *out, size_t cap, const struct eg_hj212_packet *req, int exertn,
                               size_t *outlen, struct eg_err *err)
{
    char body[32];
    snprintf(body, sizeof body, "ExeRtn=%d", exertn);
    return build_reply(out, cap, req, 9012, body, 1, 0, outlen, err);
}

int eg_hj212_build_notify_ack(char *out, size_t cap, const struct eg_hj212_packet *req,
                              size_t *outlen, struct eg_err *err)
{
    return build_reply(out, cap, req, 9013, "", 1, 0, outlen, err);
}

int eg_hj212_build_data_ack(char *out, size_t cap, const struct eg_hj212_packet *req,
                            size_t *outlen, struct eg_err *err)
{
    if (req->edition >= EG_HJ212_ED_2017)
        return build_reply(out, cap, req, 9014, "", 1, 0, outlen, err);
    /* 2005 App. C: CP=&&QN=…;CN=<the acknowledged CN>[;PNO=…;PNUM=…]&& */
    char body[64];
    if (req->pnum && req->pno)
        snprintf(body, sizeof body, "CN=%04d;PNO=%d;PNUM=%d", req->cn_num, req->pno, req->pnum);
    else
        snprintf(body, sizeof body, "CN=%04d", req->cn_num);
    return build_reply(out, cap, req, 9014, body, 0, 0, outlen, err);
}

static int put_header(struct wr *w, int64_t qn_ms, const char *st, int cn, const char *pw,
                      const char *mn, int flag, int pnum, int pno, struct eg_err *err)
{
    if (!text_ok(st, 0))
        return bad_arg(err, "ST");
    if (!text_ok(pw, 0))
        return bad_arg(err, "PW");
    if (!text_ok(mn, 0))
        return bad_arg(err, "MN");
    if (cn < 0 || cn > 9999)
        return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_BAD_FIELD, -1, "CN %d is not 4 digits", cn);
    if (flag > 255 || pnum < 0 || pnum > 9999 || pno < 0 || pno > 9999)
        return eg_err_set(err, EG_EINVAL, EG_HJ212_ERR_BAD_FIELD, -1,
                          "Flag must be 0-255 and PNUM/PNO 0-9999");
    if (qn_ms) {
        char qn[18];
        eg_hj212_qn_from_ms(qn_ms, qn);
        puts_(w, "QN=");
        put(w, qn, 17);
        puts_(w, ";");
    }
    puts_(w, "ST=");
    puts_(w, st);
    char c[16];
    snprintf(c, sizeof c, ";CN=%04d", cn);
    puts_(w, c);
    puts_(w, ";PW=");
    puts_(w, pw);
    puts_(w, ";MN=");
    puts_(w, mn);
    if (flag >= 0) {
        puts_(w, ";Flag=");
        putint(w, flag);
    }
    if (pnum) {
        puts_(w, ";PNUM=");
        putint(w, pnum);
    }
    if (pno) {
        puts_(w, ";PNO=");
        putint(w, pno);
    }
    puts_(w, ";CP=&&");
    return 0;
}

static int edition_bits(int edition)
{
    return edition >= EG_HJ212_ED_2025 ? 2 : edition >= EG_HJ212_ED_2017 ? 1 : 0;
}

int eg_hj212_build_request(char *out, size_t cap, const struct eg_hj212_request *r, size_t *outlen,
                           struct eg_err *err)
{
    struct wr w;
    int rc = begin(&w, out, cap, err);
    if (rc)
        return rc;
    int flag = edition_bits(r->edition) << 2 | (r->ack ? 1 : 0);
    rc = put_header(&w, r->qn_ms, r->st, r->cn, r->pw, r->mn, flag, 0, 0, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->nkv; i++) {
        if (!text_ok(r->kv[i].key, 0))
            return bad_arg(err, "a CP key");
        if (!text_ok(r->kv[i].value, 1))
            return bad_arg(err, "a CP value");
        if (i)
            puts_(&w, ";");
        puts_(&w, r->kv[i].key);
        puts_(&w, "=");
        puts_(&w, r->kv[i].value ? r->kv[i].value : "");
    }
    puts_(&w, "&&");
    return finish(&w, outlen, err);
}

int eg_hj212_build_upload(char *out, size_t cap, const struct eg_hj212_upload *u, size_t *outlen,
                          struct eg_err *err)
{
    struct wr w;
    int rc = begin(&w, out, cap, err);
    if (rc)
        return rc;
    rc = put_header(&w, u->qn_ms, u->st, u->cn, u->pw, u->mn, u->flag, u->pnum, u->pno, err);
    if (rc)
        return rc;
    int sep = 0;
    if (u->has_datatime) {
        char t[14];
        eg_hj212_time_format(u->datatime, t);
        puts_(&w, "DataTime=");
        put(&w, t, 14);
        sep = 1;
    }
    for (size_t i = 0; i < u->nextra; i++) {
        if (!text_ok(u->extra[i].key, 0) || !text_ok(u->extra[i].value, 1))
            return bad_arg(err, "an extra CP key or value");
        if (sep)
            puts_(&w, ";");
        puts_(&w, u->extra[i].key);
        puts_(&w, "=");
        puts_(&w, u->extra[i].value ? u->extra[i].value : "");
        sep = 1;
    }
    for (size_t i = 0; i < u->nvalues; i++) {
        const struct eg_hj212_value *v = &u->values[i];
        if (!text_ok(v->code, 0) || strchr(v->code, '-') || !text_ok(v->field, 0) ||
            strchr(v->field, '-') || !text_ok(v->value, 0))
            return bad_arg(err, "a pollutant code, field or value");
        /* same code as the previous value: ',' (one item's classes); else ';' (2017 §6.3.3.1) */
        if (sep)
            puts_(&w, i && !strcmp(u->values[i - 1].code, v->code) ? "," : ";");
        puts_(&w, v->code);
        puts_(&w, "-");
        puts_(&w, v->field);
        puts_(&w, "=");
        puts_(&w, v->value);
        sep = 1;
    }
    puts_(&w, "&&");
    return finish(&w, outlen, err);
}
