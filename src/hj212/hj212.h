/*
 * hj212: the HJ 212-2017 / HJ/T 212-2005 codec (with HJ 212-2025 version bits accepted).
 * Pure: no I/O, no allocation per packet, no global state except the read-only code tables
 * (data/hj212/{st,cn,pollutants}.tsv, loaded once, thread-safe).
 *
 * Wire format (HJ 212-2017 §6.3.1 Table 2; HJ/T 212-2005 §6.3.1):
 *     "##" LLLL <data segment, LLLL bytes> CCCC "\r\n"
 * LLLL = decimal byte count of the data segment, CCCC = CRC of the data segment (App. A).
 *
 * Pieces:
 *   - framer:  fed arbitrary chunks of a TCP stream, yields complete frames or errors with
 *              stream offsets; bounded memory (one buffer of max_packet bytes); resynchronises on
 *              "##" after garbage.
 *   - parse:   one frame -> struct eg_hj212_packet, whose spans point INTO the caller's buffer
 *              (zero-copy: keep the buffer alive while using the packet).
 *   - build:   responses 9011/9012/9013/9014, requests, uploads, written into a caller buffer.
 *   - crc:     the standard's CRC (not CRC-16/Modbus: CRC("123456789") = 0x2F80) and the
 *              byte-swapped Modbus variant some devices use.
 *   - codes:   ST, CN and pollutant code tables (2005 -> 2017 mapping).
 *
 * Every function returns 0 or a negative EG_E* status and fills struct eg_err (when not NULL)
 * with a stable machine code (EG_HJ212_ERR_* names below), a message and a byte offset.
 * Public API: additions only from here on (other modules code against it).
 */
#ifndef EG_HJ212_H
#define EG_HJ212_H

#include "base/base.h"

#include <stddef.h>
#include <stdint.h>

/* Standard maximum data segment (2017 Table 2: 0 <= n <= 1024); real devices exceed it (1025,
   1623 seen), so the default limit is larger and configurable. The 4-digit length allows 9999. */
#define EG_HJ212_STD_MAX_SEGMENT 1024
#define EG_HJ212_DEFAULT_MAX_SEGMENT 4096
#define EG_HJ212_MAX_SEGMENT 9999
/* Frame overhead: "##" + 4 length digits + 4 CRC digits + CRLF. */
#define EG_HJ212_FRAME_OVERHEAD 12
/* Items (key=value entries of CP) kept per packet; more is the error "too_many_items". */
#define EG_HJ212_MAX_ITEMS 256

/* Stable error codes (the strings are what eg_err.code holds and what JSON output shows). */
#define EG_HJ212_ERR_BAD_HEADER "bad_header"           /* no "##" where a packet must start */
#define EG_HJ212_ERR_BAD_LENGTH "bad_length"           /* length field is not 4 decimal digits */
#define EG_HJ212_ERR_LENGTH_MISMATCH "length_mismatch" /* declared length != data segment */
#define EG_HJ212_ERR_CRC_MISMATCH "crc_mismatch"       /* CRC field != CRC of the segment */
#define EG_HJ212_ERR_BAD_CRC "bad_crc"                 /* CRC field is not 4 hex digits */
#define EG_HJ212_ERR_TOO_LONG "too_long"               /* declared length over the limit */
#define EG_HJ212_ERR_TRUNCATED "truncated"             /* input ends inside a packet */
#define EG_HJ212_ERR_MISSING_FIELD "missing_field"     /* a required field is absent */
#define EG_HJ212_ERR_BAD_FIELD "bad_field"             /* a field's syntax or value is wrong */
#define EG_HJ212_ERR_BAD_DATATIME "bad_datatime"       /* a time field is not a real instant */
#define EG_HJ212_ERR_TOO_MANY_ITEMS "too_many_items"   /* more than EG_HJ212_MAX_ITEMS CP items */
#define EG_HJ212_ERR_BAD_TRAILER "bad_trailer"         /* no CRLF after the CRC */
#define EG_HJ212_ERR_TOO_SMALL "too_small"             /* builders: output buffer too small */

/* Protocol edition. AUTO: taken from the Flag version bits (absent Flag = 2005). */
enum eg_hj212_edition {
    EG_HJ212_ED_AUTO = 0,
    EG_HJ212_ED_2005 = 2005, /* Flag V5..V0 = 000000 */
    EG_HJ212_ED_2017 = 2017, /* Flag V5..V0 = 000001 (2017 Table 3) */
    EG_HJ212_ED_2025 = 2025, /* Flag V5..V0 = 000010 (third-party claim, hj212.md §1.11) */
};

/* CRC variants. STANDARD: 2017 App. A only. MODBUS_SWAPPED: a per-device setting that
   additionally accepts CRC-16/Modbus with its two bytes swapped (hj212.md §0.4); the standard
   CRC is still accepted, and the packet says which one matched. */
enum eg_hj212_crc_variant {
    EG_HJ212_CRC_STANDARD = 0,
    EG_HJ212_CRC_MODBUS_SWAPPED = 1,
};

struct eg_hj212_options {
    int edition;        /* enum eg_hj212_edition; a fixed edition makes a Flag that says
                           otherwise a bad_field in strict mode */
    int lenient;        /* 0 strict (default): every field checked; 1: syntax slips tolerated */
    int crc;            /* enum eg_hj212_crc_variant */
    size_t max_segment; /* 0 = EG_HJ212_DEFAULT_MAX_SEGMENT; at most EG_HJ212_MAX_SEGMENT */
    int std_codes_only; /* 1: ST/CN codes seen only in the field (8013, 9015, ST=101 …) refused */
};
/* Strict, AUTO edition, standard CRC, default max segment. */
void eg_hj212_options_default(struct eg_hj212_options *o);

/* A (pointer, length) view into the caller's buffer. p == NULL means absent. */
struct eg_hj212_span {
    const char *p;
    size_t n;
};

/* CP field names (the part after '-' in "w01018-Rtd", 2017 Table 4, 2005 field table). */
enum eg_hj212_field {
    EG_HJ212_F_NONE = 0, /* a key without '-' (DataTime, QnRtn, …): see item.key */
    EG_HJ212_F_OTHER,    /* a suffix not in the tables: see item.key */
    EG_HJ212_F_RTD,
    EG_HJ212_F_MIN,
    EG_HJ212_F_AVG,
    EG_HJ212_F_MAX,
    EG_HJ212_F_COU,
    EG_HJ212_F_ZSRTD,
    EG_HJ212_F_ZSMIN,
    EG_HJ212_F_ZSAVG,
    EG_HJ212_F_ZSMAX,
    EG_HJ212_F_ZSCOU,  /* not standard, seen in real traffic */
    EG_HJ212_F_FLAG,   /* data flag, 2017 Table 8 */
    EG_HJ212_F_ZSFLAG, /* not standard, seen in real traffic */
    EG_HJ212_F_EFLAG,
    EG_HJ212_F_RS,
    EG_HJ212_F_RT,
    EG_HJ212_F_SAMPLETIME,
    EG_HJ212_F_INFO,
    EG_HJ212_F_SN,
    EG_HJ212_F_DATA,
    EG_HJ212_F_DAYDATA,
    EG_HJ212_F_NIGHTDATA,
    EG_HJ212_F_ALA,      /* 2005 only */
    EG_HJ212_F_UPVALUE,  /* 2005 only */
    EG_HJ212_F_LOWVALUE, /* 2005 only */
    EG_HJ212_F_COUNT_
};
/* "Rtd", "ZsAvg", … ("" for NONE/OTHER). */
const char *eg_hj212_field_name(enum eg_hj212_field f);

#define EG_HJ212_NO_POLLUTANT 0xFFFFu

/* One key=value entry of CP. */
struct eg_hj212_item {
    struct eg_hj212_span key;   /* whole key as on the wire ("w01018-Rtd", "DataTime") */
    struct eg_hj212_span code;  /* pollutant code before '-' ("w01018", "011"); n = 0 if no '-' */
    struct eg_hj212_span name;  /* field name after '-' ("Rtd"), or the whole key when no '-' */
    struct eg_hj212_span value; /* value text (for Info the //…// text, delimiters included) */
    double num;                 /* value as a number when has_num */
    uint8_t field;              /* enum eg_hj212_field */
    uint8_t has_num;            /* 1 when value is a decimal number */
    char flag;                  /* data flag of this item's pollutant ('N', 'D' …), 0 = none */
    uint8_t reserved_;
    uint16_t pollutant; /* index into packet.pollutants, EG_HJ212_NO_POLLUTANT if none */
    uint16_t group;     /* index of the ';'-separated group it came from */
};

/* A distinct pollutant code of CP, in order of first appearance. Its items are those whose
   .pollutant is this index (the same code may appear in several ';' groups). */
struct eg_hj212_pollutant {
    struct eg_hj212_span code; /* as on the wire */
    const char *code2017;      /* 2017 code (mapped from a 2005 code), NULL when not in the table */
    char flag;                 /* its -Flag value, 0 when absent (first one if repeated) */
    uint16_t nitems;
    uint16_t first_item;
};

struct eg_hj212_packet {
    struct eg_hj212_span frame;   /* the whole input given to parse */
    struct eg_hj212_span segment; /* the data segment (what the CRC covers) */
    uint16_t crc;                 /* CRC as received */
    uint8_t crc_variant;          /* enum eg_hj212_crc_variant that matched */
    uint8_t has_crlf;             /* the frame ended with CRLF */
    int edition;                  /* 2005, 2017 or 2025 */

    struct eg_hj212_span qn, st, cn, pw, mn, cp; /* cp = the data area between "CP=&&" and "&&" */
    int cn_num;                                  /* CN as a number (0..9999) */
    int flag;                                    /* Flag value, -1 when absent */
    int pnum;                                    /* PNUM, 0 when absent */
    int pno;                                     /* PNO, 0 when absent */
    int64_t qn_ms; /* QN as UTC milliseconds (Beijing on the wire), 0 when absent */

    /* CP DataTime (Beijing on the wire, 14 digits or 17 with milliseconds). */
    int has_datatime;
    struct eg_hj212_span datatime_text;
    int64_t datatime; /* UTC seconds */
    int datatime_ms;  /* milliseconds part (0 for 14 digits) */

    /* 2005 responses carry QN (and CN) inside CP (hj212.md §1.7): the CP QN when present. */
    struct eg_hj212_span cp_qn;

    uint16_t nitems, npollutants;
    struct eg_hj212_item items[EG_HJ212_MAX_ITEMS];
    struct eg_hj212_pollutant pollutants[EG_HJ212_MAX_ITEMS];
};

/* Flag bits (2017 Table 3): bit0 A (acknowledge wanted), bit1 D (PNUM/PNO present),
   bits 2..7 the version (0 = 2005, 1 = 2017, 2 = 2025). Absent Flag counts as 0. */
static inline int eg_hj212_flag_ack(const struct eg_hj212_packet *p)
{
    return p->flag > 0 && (p->flag & 1);
}
static inline int eg_hj212_flag_subpacket(const struct eg_hj212_packet *p)
{
    return p->flag > 0 && (p->flag & 2);
}
static inline int eg_hj212_flag_version(const struct eg_hj212_packet *p)
{
    return p->flag > 0 ? p->flag >> 2 : 0;
}

/* Parses one frame "##LLLL…CCCC" with or without its trailing CRLF (line-based callers strip
   it). On success fills *pkt (spans into frame) and returns 0; otherwise returns EG_EINVAL or
   EG_ETOOBIG and fills err (code, message, byte offset within frame). opts NULL = defaults. */
int eg_hj212_parse(const char *frame, size_t len, const struct eg_hj212_options *opts,
                   struct eg_hj212_packet *pkt, struct eg_err *err);

/* Iteration helpers. */
/* The item with that pollutant code (wire code or its 2017 code) and field, or NULL. */
const struct eg_hj212_item *eg_hj212_find(const struct eg_hj212_packet *p, const char *code,
                                          enum eg_hj212_field field);
/* The item with that key (e.g. "QnRtn", "BeginTime", "w01018-Rtd"), or NULL. */
const struct eg_hj212_item *eg_hj212_find_key(const struct eg_hj212_packet *p, const char *key);
/* Next item of pollutant pi after item index *it (start with *it = -1); NULL at the end. */
const struct eg_hj212_item *eg_hj212_pollutant_next(const struct eg_hj212_packet *p, unsigned pi,
                                                    int *it);

/* Appends the packet's members as JSON (",\"qn\":…,\"cp\":{…}") to b: the caller writes the
   opening '{' and its own leading members (e.g. "line", "ok") and the closing '}'. The format
   of `envgov hj212 parse` (cp = pollutant code -> field -> value text). */
void eg_hj212_packet_json(const struct eg_hj212_packet *p, struct eg_buf *b);

/* ---- CRC (2017 App. A) ---- */
uint16_t eg_hj212_crc(const void *data, size_t n);
/* CRC-16/Modbus with its two bytes swapped, as some devices send it (not standard). */
uint16_t eg_hj212_crc_modbus_swapped(const void *data, size_t n);
/* Writes 4 upper-case hex digits (no NUL). */
void eg_hj212_crc_hex(uint16_t crc, char out[4]);

/* ---- Time ---- */
/* Parses 14 (YYYYMMDDhhmmss) or 17 (…zzz) digits of Beijing time into UTC seconds and ms;
   0 or EG_EINVAL when not digits or not a real instant (no 02-30, no hour 24). */
int eg_hj212_time_parse(const char *s, size_t n, int64_t *utc, int *ms);
/* Writes 14 digits YYYYMMDDhhmmss of Beijing time (no NUL). */
void eg_hj212_time_format(int64_t utc, char out[14]);
/* QN = YYYYMMDDhhmmsszzz (Beijing) from UTC milliseconds; writes 17 chars + NUL. */
void eg_hj212_qn_from_ms(int64_t utc_ms, char out[18]);

/* ---- Framer (one per TCP connection) ---- */
struct eg_hj212_frame {
    const char *data; /* "##…CCCC\r\n"; valid until the next feed/next/space call */
    size_t len;
    uint64_t offset; /* stream offset of the first '#' */
};

struct eg_hj212_framer {
    char *buf; /* max_packet bytes, allocated once by init */
    size_t cap, start, len;
    size_t max_packet;   /* whole frame limit, overhead included */
    uint64_t base;       /* stream offset of buf[start] */
    int skipping;        /* discarding bytes until the next "##" (error already reported) */
    int lenient_trailer; /* 1: a frame whose CRC checks is delivered even without CRLF (set it
                            after init; default 0: missing CRLF is bad_trailer) */
    int crc;             /* enum eg_hj212_crc_variant used by lenient_trailer */
    int eof;
};

/* max_packet: the largest whole frame accepted (0 = EG_HJ212_DEFAULT_MAX_SEGMENT + overhead;
   at most EG_HJ212_MAX_SEGMENT + overhead). Allocates the one buffer. */
int eg_hj212_framer_init(struct eg_hj212_framer *f, size_t max_packet);
void eg_hj212_framer_free(struct eg_hj212_framer *f);
/* Copies as much of data as fits and returns the count taken (call next() until it returns 0,
   then feed the rest). */
size_t eg_hj212_framer_feed(struct eg_hj212_framer *f, const void *data, size_t n);
/* Zero-copy alternative to feed: read() directly into the returned space (*avail bytes), then
   commit the count read. */
char *eg_hj212_framer_space(struct eg_hj212_framer *f, size_t *avail);
void eg_hj212_framer_commit(struct eg_hj212_framer *f, size_t n);
/* 1: *out is a complete frame; 0: needs more input; negative: an error at err->offset (stream
   offset) whose bytes were dropped — call again, the framer has resynchronised. */
int eg_hj212_framer_next(struct eg_hj212_framer *f, struct eg_hj212_frame *out, struct eg_err *err);
/* End of stream: returns EG_EINVAL with "truncated" when a partial packet is pending, else 0. */
int eg_hj212_framer_finish(struct eg_hj212_framer *f, struct eg_err *err);

/* ---- Builders: write a whole frame "##LLLL…CCCC\r\n" into out[cap], NUL-terminated when
   room remains; *outlen = frame length. EG_ETOOBIG when cap is too small or the segment would
   exceed 9999 bytes. ---- */

/* Wraps an already-built data segment. */
int eg_hj212_build_frame(char *out, size_t cap, const char *segment, size_t seglen, size_t *outlen,
                         struct eg_err *err);

/* Responses to a parsed packet. A 2017/2025 request gets "QN=<its QN>;ST=91;CN=90xx;PW;MN;
   Flag=4;CP=&&…&&" (2017 §6.1, Tables C.1, C.4, C.14); a 2005 one gets the QN inside CP
   ("ST=91;CN=9011;PW;MN;Flag=0;CP=&&QN=…;QnRtn=1&&", 2005 App. C). */
int eg_hj212_build_request_ack(char *out, size_t cap, const struct eg_hj212_packet *req, int qnrtn,
                               size_t *outlen, struct eg_err *err); /* 9011 */
int eg_hj212_build_exec_result(char *out, size_t cap, const struct eg_hj212_packet *req, int exertn,
                               size_t *outlen, struct eg_err *err); /* 9012 */
int eg_hj212_build_notify_ack(char *out, size_t cap, const struct eg_hj212_packet *req,
                              size_t *outlen, struct eg_err *err); /* 9013 */
int eg_hj212_build_data_ack(char *out, size_t cap, const struct eg_hj212_packet *req,
                            size_t *outlen, struct eg_err *err); /* 9014 */

/* QnRtn (2017 Table 7) and ExeRtn (2017 Table 6) values. */
enum {
    EG_HJ212_QNRTN_READY = 1,
    EG_HJ212_QNRTN_REFUSED = 2,
    EG_HJ212_QNRTN_BAD_PW = 3,
    EG_HJ212_QNRTN_BAD_MN = 4,
    EG_HJ212_QNRTN_BAD_ST = 5,
    EG_HJ212_QNRTN_BAD_FLAG = 6,
    EG_HJ212_QNRTN_BAD_QN = 7,
    EG_HJ212_QNRTN_BAD_CN = 8,
    EG_HJ212_QNRTN_BAD_CRC = 9,
    EG_HJ212_QNRTN_UNKNOWN = 100,
};
enum {
    EG_HJ212_EXERTN_OK = 1,
    EG_HJ212_EXERTN_FAILED = 2,
    EG_HJ212_EXERTN_BAD_CONDITION = 3,
    EG_HJ212_EXERTN_TIMEOUT = 4,
    EG_HJ212_EXERTN_BUSY = 5,
    EG_HJ212_EXERTN_FAULT = 6,
    EG_HJ212_EXERTN_NO_DATA = 100,
};

/* A CP key=value for the generic builders. */
struct eg_hj212_kv {
    const char *key;   /* "BeginTime", "w01018-Rtd", "RtdInterval" … */
    const char *value; /* text as it goes on the wire */
};

/* A request from the upper machine (上位机) to a device, e.g. 1012 set time (SystemTime),
   1062 set real-time interval (RtdInterval), 2051 re-upload (BeginTime, EndTime),
   3011 calibration (PolId). */
struct eg_hj212_request {
    int edition;    /* 2005 or 2017/2025 (decides the Flag version bits) */
    int64_t qn_ms;  /* time the QN is generated from (UTC ms) */
    const char *st; /* system code of the device, e.g. "32" */
    int cn;         /* command code */
    const char *pw, *mn;
    int ack; /* Flag A bit: 1 = the device must answer (2017 requests use Flag=5) */
    const struct eg_hj212_kv *kv;
    size_t nkv;
};
int eg_hj212_build_request(char *out, size_t cap, const struct eg_hj212_request *r, size_t *outlen,
                           struct eg_err *err);

/* One pollutant value for an upload. */
struct eg_hj212_value {
    const char *code;  /* "w01018" */
    const char *field; /* "Rtd", "Avg", "Flag" … */
    const char *value; /* "12.5", "N" … */
};
/* An upload from a device (used by the simulator): items of the same code are joined with ','
   and codes with ';' (2017 §6.3.3.1). */
struct eg_hj212_upload {
    int edition;   /* 2005: no QN unless qn_ms set, Flag omitted unless flag >= 0 */
    int64_t qn_ms; /* 0 = no QN field */
    const char *st, *pw, *mn;
    int cn;
    int flag;         /* whole Flag value, -1 = absent */
    int pnum, pno;    /* 0 = absent */
    int64_t datatime; /* UTC seconds of DataTime; written as 14 Beijing digits */
    int has_datatime;
    const struct eg_hj212_value *values;
    size_t nvalues;
    const struct eg_hj212_kv *extra; /* other CP keys after DataTime (may be NULL) */
    size_t nextra;
};
int eg_hj212_build_upload(char *out, size_t cap, const struct eg_hj212_upload *u, size_t *outlen,
                          struct eg_err *err);

/* ---- Code tables (data/hj212/{st,cn,pollutants}.tsv) ---- */
enum eg_hj212_code_origin {
    EG_HJ212_ORIGIN_NONE = 0, /* unknown */
    EG_HJ212_ORIGIN_2005 = 1, /* only in HJ/T 212-2005 */
    EG_HJ212_ORIGIN_2017 = 2, /* only in HJ 212-2017 */
    EG_HJ212_ORIGIN_BOTH = 3, /* in both */
    EG_HJ212_ORIGIN_2025 = 4, /* third-party claim about 2025 */
    EG_HJ212_ORIGIN_FIELD = 8 /* in neither standard, seen in real traffic */
};
struct eg_hj212_code_info {
    const char *code;     /* "2051", "32", "w01018" */
    const char *code2005; /* pollutants: 2005 code, "" if none */
    const char *name_zh;
    const char *name_en;
    const char *unit; /* pollutants: concentration unit as the standard gives it */
    int origin;       /* EG_HJ212_ORIGIN_* bits */
};
const struct eg_hj212_code_info *eg_hj212_st_info(const char *code, size_t n);
const struct eg_hj212_code_info *eg_hj212_cn_info(int cn);
/* Looks up a pollutant by 2017 or 2005 code. */
const struct eg_hj212_code_info *eg_hj212_pollutant_info(const char *code, size_t n);
/* The 2017 code for a 2005 or 2017 code, NULL when unknown. */
const char *eg_hj212_code_2017(const char *code, size_t n);

#endif
