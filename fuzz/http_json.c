/*
 * fuzz/http_json.c: libFuzzer target for what the HTTP layer does with a request body and a
 * reply: the body is read as jansson reads it (NULs allowed, duplicate keys refused), and any
 * value that loads is written back by the reply writer (src/http/json_out.c) — the text must
 * load again, strictly, to an equal value — and as a CSV export, which must start with the BOM
 * and end every row with CRLF. Seed corpus: fuzz/corpus/http_json/.
 */
#include "http/http.h"
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size,
                            JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!in)
        return 0;
    struct eg_buf b = {0};
    eg__http_json_write(&b, in);
    json_t *back = json_loadb(b.data, b.len, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
    if (!back || !json_equal(in, back))
        abort();
    json_decref(back);
    eg_buf_free(&b);

    /* as a list export: an array of objects, columns from the first object's keys */
    json_t *items = json_is_array(in) ? json_incref(in) : json_pack("[O]", in);
    struct eg_http_column cols[16];
    int ncols = 0;
    const char *k;
    json_t *v;
    json_t *first = json_array_get(items, 0);
    if (json_is_object(first))
        json_object_foreach(first, k, v)
        {
            if (ncols == 16)
                break;
            cols[ncols++] = (struct eg_http_column){k, k, NULL, NULL, EG_HTTP_COL_AUTO};
        }
    eg_http_csv_write(&b, cols, ncols, items);
    if (b.len < 5 || memcmp(b.data, "\xEF\xBB\xBF", 3) || memcmp(b.data + b.len - 2, "\r\n", 2))
        abort();
    eg_buf_free(&b);
    json_decref(items);
    json_decref(in);
    return 0;
}
