/*
 * base/csv.h: the one CSV reader and the one CSV writer every module uses (issue 9).
 *
 * Reader: RFC 4180 (quoted fields with commas, "" and line breaks; CRLF or LF), from a buffer
 * the caller owns. Encoding: UTF-8, UTF-8 with a BOM (stripped), or — when the bytes are not
 * UTF-8 — GB 18030 (a superset of GBK and GB 2312, what Excel writes on Chinese Windows),
 * converted to UTF-8 with iconv. Limits are checked before anything grows: file bytes, fields
 * per record, bytes per field. Errors carry the record's first line.
 *
 * Writer: one field at a time into an eg_buf, quoted when it holds a comma, quote, CR or LF;
 * optionally neutralised against spreadsheet formula injection.
 */
#ifndef EG_BASE_CSV_H
#define EG_BASE_CSV_H

#include "base/base.h"

/* 1 when [s, s+n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int eg_utf8_valid(const char *s, size_t n);

/* The encoding decision over a whole file, fed in pieces of any size (issue 10 item 13): valid
   UTF-8 is UTF-8 (with or without a BOM); otherwise the file must be structurally valid GB 18030
   and must not look like UTF-8 (a run of 8 or more valid 3- or 4-byte UTF-8 characters, or at
   least one such character per 4 invalid sequences, means UTF-8 that was cut mid-character or
   mixed with GBK: refused). Errors name the line and byte offset of the first bad byte. */
struct eg_enc_scan {
    unsigned long long off; /* bytes fed so far */
    long line;              /* line of the next byte */
    int bom;                /* bytes of a leading BOM matched so far (3: the file has one) */
    /* UTF-8 decoder */
    int need, seqlen;
    unsigned cp, min;
    unsigned long long seq_off;
    long seq_line;
    unsigned seq_byte;
    unsigned long long u_multi, u_bad; /* valid 3-4 byte characters, invalid sequences */
    long run, max_run;                 /* consecutive valid 3-4 byte characters */
    long u_line;                       /* first invalid UTF-8: line, offset, byte */
    unsigned long long u_off;
    unsigned u_byte;
    /* GB 18030 structure: lead 81-FE, then 40-7E/80-FE, or 30-39 81-FE 30-39 */
    int gb_pos, gb_bad;
    unsigned long long gb_seq_off, gb_off;
    long gb_seq_line, gb_line;
    unsigned gb_seq_byte, gb_byte;
};

void eg_enc_scan_init(struct eg_enc_scan *s);
void eg_enc_scan_feed(struct eg_enc_scan *s, const char *p, size_t n);
/* Ends the scan: 0 with *encoding "utf-8", "utf-8-bom" or "gb18030", or EG_EINVAL "encoding"
   (err->line the line of the first bad byte; the message names line, byte and offset). */
int eg_enc_scan_end(struct eg_enc_scan *s, const char **encoding, struct eg_err *err);

/* Limits; 0 in a member means its default. */
struct eg_csv_limits {
    size_t max_bytes; /* the whole input (default 512 MiB): EG_ETOOBIG "too_large" */
    int max_fields;   /* fields per record (default 4096): EG_EINVAL "columns" */
    size_t max_field; /* bytes per field after unquoting (default 65536): EG_EINVAL "cell" */
};

struct eg_csv {
    const char *text, *p, *end; /* UTF-8 text (into the input, owned, or the stream window) */
    char *owned;                /* the GB 18030 conversion, or NULL */
    /* streaming (eg_csv_open_file): a window over the file, refilled as records are read */
    void *f, *cd;         /* FILE, iconv_t (GB 18030) or NULL */
    char *win, *raw;      /* the window (UTF-8) and the raw read buffer */
    size_t win_cap;       /* bytes of win */
    size_t carry;         /* raw bytes of a character cut by the last read (GB 18030) */
    size_t base;          /* text bytes dropped before the window */
    size_t total;         /* file bytes */
    size_t want;          /* text bytes the window should hold past p before a record is read */
    int eof, skipbom;     /* the file is read to its end; a BOM still to skip */
    const char *encoding; /* "utf-8", "utf-8-bom" or "gb18030" */
    struct eg_csv_limits lim;
    long line;     /* line of the next character */
    long rec_line; /* first line of the current record */
    int nfields;
    int cap;
    size_t *off, *len;   /* per field, into cells */
    struct eg_buf cells; /* unquoted fields, each followed by a NUL */
};

/* Prepares to read [data, data+len): checks max_bytes, decides the encoding over the whole
   input with eg_enc_scan (EG_EINVAL "encoding" naming the line of the first bad byte), strips a
   BOM, converts GB 18030. On error nothing needs closing. */
int eg_csv_open(struct eg_csv *c, const char *data, size_t len, const struct eg_csv_limits *lim,
                struct eg_err *err);

/* The same over a file read in chunks, in bounded memory (issue 10 item 18): a first pass
   decides the encoding over the whole file (eg_enc_scan), the second reads records through a
   window that grows only to hold the longest record. EG_EIO when the file cannot be read. */
int eg_csv_open_file(struct eg_csv *c, const char *path, const struct eg_csv_limits *lim,
                     struct eg_err *err);

/* Reads the next record, skipping blank lines. Returns 1 with a record (c->nfields fields,
   c->rec_line its first line), 0 at the end, or EG_EINVAL for a malformed record: "quote" (a
   quoted field not closed), "columns" (over max_fields) or "cell" (over max_field). After an
   error the reader resumes at the line after the bad record's first line, so a caller may skip
   the record and go on. Text after a closing quote up to the separator is kept, as Excel does. */
int eg_csv_next(struct eg_csv *c, struct eg_err *err);

/* Field i (0 <= i < nfields) of the current record, NUL-terminated; *n gets its length. The
   pointer is valid until the next eg_csv_next. */
const char *eg_csv_field(const struct eg_csv *c, int i, size_t *n);

/* Bytes of the (UTF-8) text read so far and in all, for progress reports. */
size_t eg_csv_offset(const struct eg_csv *c);
size_t eg_csv_size(const struct eg_csv *c);

void eg_csv_close(struct eg_csv *c);

/* Writer flags. EG_CSV_NEUTRALISE: a field starting with = + - @ TAB or CR gets a leading
   apostrophe (inside the quotes when quoted) so a spreadsheet shows it as text instead of running
   it as a formula (OWASP "CSV injection"). For files people open in Excel; not for machine output.
 */
enum { EG_CSV_NEUTRALISE = 1 };

/* Appends one field: quoted ("" for ") when it holds a comma, quote, CR or LF. */
void eg_csv_put(struct eg_buf *out, const char *s, size_t n, unsigned flags);

#endif
