/*
 * cmd_hj212.c: `envgov hj212 parse` and `envgov hj212 crc` (issue 2 item 6).
 *
 * parse reads FILE (or stdin) and prints JSON Lines, one object per packet:
 *   {"line":N,"ok":true,"qn":…,"st":…,"cn":…,"pw":…,"mn":…,"flag":…,"pnum":…,"pno":…,
 *    "datatime":…,"cp":{code:{field:value}}}  or  {"line":N,"ok":false,"error":code,"message":…}
 * Line mode: one packet per line; the line ends at LF, CRs before it are dropped (CRLF, and
 * the CR CR LF of logs written in Windows text mode); empty lines are skipped. --stream: the input
 * is a raw byte stream cut by the framer, and "offset" (byte offset) replaces "line".
 * Exit 0 when every packet is valid, 1 otherwise, 2 on usage errors.
 */
#include "cli/cli.h"
#include "hj212/hj212.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_LIMIT ((size_t)1 << 30) /* a file over 1 GiB is refused (read whole in line mode) */

static const char parse_help[] =
    "Reads HJ 212 packets from FILE (or stdin when FILE is - or absent) and prints one JSON\n"
    "object per packet. Without --stream, one packet per line (LF or CRLF).\n\n"
    "options:\n"
    "  --stream            input is a raw byte stream (packets cut by the framer); objects\n"
    "                      carry \"offset\" (byte offset) instead of \"line\"\n"
    "  --lenient           tolerate field-syntax slips (unknown codes, spaces, typos)\n"
    "  --crc hj212|modbus_swapped\n"
    "                      also accept the byte-swapped CRC-16/Modbus some devices send\n"
    "  --edition 2005|2017|2025\n"
    "                      the device's edition (default: from the Flag version bits)\n"
    "  --max-length N      largest data segment accepted (default 4096, at most 9999)\n\n"
    "exit: 0 every packet valid, 1 some invalid, 2 usage error.\n";

static void emit(struct eg_buf *b, const char *pos_name, unsigned long long pos, int rc,
                 const struct eg_hj212_packet *pkt, const struct eg_err *err)
{
    b->len = 0;
    eg_buf_printf(b, "{\"%s\":%llu,\"ok\":%s", pos_name, pos, rc == 0 ? "true" : "false");
    if (rc == 0) {
        eg_hj212_packet_json(pkt, b);
    } else {
        eg_buf_puts(b, ",\"error\":");
        eg_buf_json_str(b, err->code, strlen(err->code));
        char msg[320];
        if (err->offset >= 0)
            snprintf(msg, sizeof msg, "%s (at byte %ld)", err->msg, err->offset);
        else
            snprintf(msg, sizeof msg, "%s", err->msg);
        eg_buf_puts(b, ",\"message\":");
        eg_buf_json_str(b, msg, strlen(msg));
    }
    eg_buf_puts(b, "}\n");
    fwrite(b->data, 1, b->len, stdout);
}

static int read_all(FILE *in, struct eg_buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        if (b->len + n > INPUT_LIMIT)
            return EG_ETOOBIG;
        eg_buf_append(b, chunk, n);
    }
    return ferror(in) ? EG_EIO : 0;
}

int eg_cmd_hj212_parse(int argc, char **argv)
{
    static const struct option longopts[] = {{"stream", no_argument, NULL, 's'},
                                             {"lenient", no_argument, NULL, 'l'},
                                             {"crc", required_argument, NULL, 'c'},
                                             {"edition", required_argument, NULL, 'e'},
                                             {"max-length", required_argument, NULL, 'm'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    int stream = 0, c;
    int64_t v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            stream = 1;
            break;
        case 'l':
            o.lenient = 1;
            break;
        case 'c':
            if (!strcmp(optarg, "modbus_swapped"))
                o.crc = EG_HJ212_CRC_MODBUS_SWAPPED;
            else if (!strcmp(optarg, "hj212") || !strcmp(optarg, "standard"))
                o.crc = EG_HJ212_CRC_STANDARD;
            else {
                fprintf(stderr, "envgov hj212 parse: --crc must be hj212 or modbus_swapped\n");
                return EG_EXIT_USAGE;
            }
            break;
        case 'e':
            if (eg_parse_int64(optarg, strlen(optarg), &v) ||
                (v != 2005 && v != 2017 && v != 2025)) {
                fprintf(stderr, "envgov hj212 parse: --edition must be 2005, 2017 or 2025\n");
                return EG_EXIT_USAGE;
            }
            o.edition = (int)v;
            break;
        case 'm':
            if (eg_parse_int64(optarg, strlen(optarg), &v) || v < 1 || v > EG_HJ212_MAX_SEGMENT) {
                fprintf(stderr, "envgov hj212 parse: --max-length must be 1-9999\n");
                return EG_EXIT_USAGE;
            }
            o.max_segment = (size_t)v;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("hj212", "parse"), parse_help);
            return EG_EXIT_OK;
        default:
            fprintf(stderr, "envgov hj212 parse: unknown option '%s' (see --help)\n",
                    argv[optind - 1]);
            return EG_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "envgov hj212 parse: one FILE at most (see --help)\n");
        return EG_EXIT_USAGE;
    }
    const char *path = optind < argc ? argv[optind] : "-";
    FILE *in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "envgov hj212 parse: cannot open %s: %s\n", path, strerror(errno));
        return EG_EXIT_FAIL;
    }
    struct eg_hj212_packet *pkt = eg_malloc(sizeof *pkt);
    struct eg_buf out = {0};
    struct eg_err err;
    int bad = 0;
    if (stream) {
        struct eg_hj212_framer f;
        eg_hj212_framer_init(&f, (o.max_segment ? o.max_segment : EG_HJ212_DEFAULT_MAX_SEGMENT) +
                                     EG_HJ212_FRAME_OVERHEAD);
        f.crc = o.crc;
        char chunk[4096];
        size_t n;
        for (;;) {
            n = fread(chunk, 1, sizeof chunk, in);
            size_t done = 0;
            do {
                done += eg_hj212_framer_feed(&f, chunk + done, n - done);
                struct eg_hj212_frame fr;
                int r;
                while ((r = eg_hj212_framer_next(&f, &fr, &err)) != 0) {
                    if (r < 0) {
                        emit(&out, "offset", (unsigned long long)err.offset, r, NULL, &err);
                        bad++;
                        continue;
                    }
                    int pr = eg_hj212_parse(fr.data, fr.len, &o, pkt, &err);
                    if (pr) {
                        err.offset += (long)fr.offset;
                        bad++;
                    }
                    emit(&out, "offset", (unsigned long long)fr.offset, pr, pkt, &err);
                }
            } while (done < n);
            if (n == 0)
                break;
        }
        if (eg_hj212_framer_finish(&f, &err)) {
            emit(&out, "offset", (unsigned long long)err.offset, -1, NULL, &err);
            bad++;
        }
        eg_hj212_framer_free(&f);
    } else {
        struct eg_buf all = {0};
        int r = read_all(in, &all);
        if (r) {
            fprintf(stderr, "envgov hj212 parse: cannot read %s: %s\n", path,
                    r == EG_ETOOBIG ? "over 1 GiB" : strerror(errno));
            eg_buf_free(&all);
            free(pkt);
            if (in != stdin)
                fclose(in);
            return EG_EXIT_FAIL;
        }
        size_t pos = 0;
        unsigned long long line = 0;
        while (pos < all.len) {
            line++;
            const char *s = all.data + pos;
            const char *nl = memchr(s, '\n', all.len - pos);
            size_t n = nl ? (size_t)(nl - s) : all.len - pos;
            pos += n + (nl ? 1 : 0);
            while (n && s[n - 1] == '\r')
                n--;
            if (n == 0)
                continue;
            int pr = eg_hj212_parse(s, n, &o, pkt, &err);
            if (pr)
                bad++;
            emit(&out, "line", line, pr, pkt, &err);
        }
        eg_buf_free(&all);
    }
    if (in != stdin)
        fclose(in);
    eg_buf_free(&out);
    free(pkt);
    fflush(stdout);
    return bad ? EG_EXIT_FAIL : EG_EXIT_OK;
}

int eg_cmd_hj212_crc(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        eg_cli_usage(eg_cli_find("hj212", "crc"),
                     "Prints the CRC of TEXT (the bytes of the argument, e.g. a data segment) as\n"
                     "HJ 212-2017 Appendix A computes it, as 4 upper-case hex digits.\n"
                     "Check value: envgov hj212 crc 123456789  ->  2F80\n");
        return EG_EXIT_OK;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: envgov hj212 crc TEXT\n");
        return EG_EXIT_USAGE;
    }
    char hex[5] = {0};
    eg_hj212_crc_hex(eg_hj212_crc(argv[1], strlen(argv[1])), hex);
    printf("%s\n", hex);
    return EG_EXIT_OK;
}
