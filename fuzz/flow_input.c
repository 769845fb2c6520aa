/*
 * fuzz/flow_input: libFuzzer target for what people send the workflow engine (flow/flow.h) —
 * attachments (any bytes, any name: type detection from magic numbers, name sanitising, size
 * limits), task creation bodies and transition inputs (JSON) on the task kind, as the bureau and
 * as a street officer, inside a transaction that is rolled back.
 * The first byte picks: bits 0-1 the call (attach, create, act), bit 7 the principal, bits 2-5
 * the action. For attach, the name is the text up to the first NUL and the file the rest.
 * Checks: no crash; an accepted attachment's detected type is what eg_flow_detect_type says.
 */
#include "tasks/tasks.h"

#include <stdlib.h>
#include <string.h>

static struct eg_db *st;
static int64_t task;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st) {
        if (eg_db_open(":memory:", &st, NULL) < 0)
            abort();
        eg_db_exec(st,
                   "INSERT INTO regions(code,name,level) VALUES ('310115','浦东新区','district');"
                   "INSERT INTO regions(code,name,level,parent_id) VALUES "
                   "('310115005','陆家嘴街道','street',1);"
                   "INSERT INTO units(name,kind,region_id) VALUES ('甲','enterprise',2);"
                   "INSERT INTO outlets(unit_id,code,type) VALUES (1,'DA001','waste_gas');",
                   NULL);
        struct eg_task_new t = {.task_type = "supervision",
                                .title = "t",
                                .origin = "person",
                                .unit_id = 1,
                                .to_region_id = 2};
        if (eg_task_raise(st, &eg_principal_system, &t, &task, NULL) < 0)
            abort();
    }
    if (size < 1)
        return 0;
    static const char *const actions[] = {
        "receive", "reject", "start", "execute",   "feed_back", "return", "close", "reassign",
        "cancel",  "bogus",  "",      "receive\n", "feed_back", "close",  "start", "execute"};
    struct eg_principal street = {EG_ROLE_STREET, 9, "str", "310115005", 0};
    const struct eg_principal *who = (data[0] & 0x80) ? &street : &eg_principal_system;
    const char *action = actions[(data[0] >> 2) & 15];
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    if (eg_db_begin(st, NULL) < 0)
        abort();
    struct eg_err err;
    json_t *out = NULL;
    switch (data[0] & 3) {
    case 0: {
        const char *nul = memchr(body, 0, n);
        char name[300] = "";
        size_t nl = nul ? (size_t)(nul - body) : 0;
        if (nl < sizeof name)
            memcpy(name, body, nl);
        const char *file = nul ? nul + 1 : body;
        size_t flen = nul ? n - nl - 1 : n;
        if (eg_flow_attach(st, &eg_task_kind, who, task, name, file, flen, &out, &err) == 0) {
            const char *t = eg_flow_detect_type(file, flen);
            if (!t || strcmp(t, json_string_value(json_object_get(out, "type"))))
                abort();
        }
        break;
    }
    default: {
        json_t *in = json_loadb(body, n, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
        if (!in)
            break;
        if ((data[0] & 3) == 1)
            eg_flow_create(st, &eg_task_kind, who, in, &out, &err);
        else
            eg_flow_act(st, &eg_task_kind, who, task, action, in, &out, &err);
        json_decref(in);
        break;
    }
    }
    json_decref(out);
    eg_db_rollback(st);
    return 0;
}
