/*
 * json_out.c: writes a jansson value as compact JSON text into an eg_buf — the serializer of
 * every JSON reply. jansson's own json_dumpb walks strings a character at a time through a
 * callback and prints every real with "%.17g"; a page of 50 registry rows spent most of its
 * time there (bench/api). The strings and numbers are written by base/json_num.c, which the
 * registry's list path shares (it writes rows from SQLite as JSON text with no jansson values).
 *
 * Output is RFC 8259 JSON: jansson strings are valid UTF-8 (checked on creation), so only
 * '"', '\\' and control characters are escaped; U+0000 inside a string is written \u0000.
 * Keys come out in insertion order (jansson keeps it).
 */
#include "http/http_internal.h"

#include <string.h>

void eg__http_json_write(struct eg_buf *b, json_t *j)
{
    if (!j) {
        eg_buf_append(b, "null", 4);
        return;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *v;
        int first = 1;
        eg_buf_append(b, "{", 1);
        json_object_foreach(j, k, v)
        {
            if (!first)
                eg_buf_append(b, ",", 1);
            first = 0;
            eg_buf_json_text(b, k, strlen(k));
            eg_buf_append(b, ":", 1);
            eg__http_json_write(b, v);
        }
        eg_buf_append(b, "}", 1);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        eg_buf_append(b, "[", 1);
        json_array_foreach(j, i, v)
        {
            if (i)
                eg_buf_append(b, ",", 1);
            eg__http_json_write(b, v);
        }
        eg_buf_append(b, "]", 1);
        break;
    }
    case JSON_STRING:
        eg_buf_json_text(b, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        eg_buf_json_int(b, (long long)json_integer_value(j));
        break;
    case JSON_REAL:
        eg_buf_json_real(b, json_real_value(j));
        break;
    case JSON_TRUE:
        eg_buf_append(b, "true", 4);
        break;
    case JSON_FALSE:
        eg_buf_append(b, "false", 5);
        break;
    default:
        eg_buf_append(b, "null", 4);
    }
}
