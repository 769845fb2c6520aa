/* fuzz/draw_input.c: libFuzzer target for the published-draw reader (govern/draw.c,
   eg_draw_input_from_json) and the draw itself: any JSON must give an input or an error, never a
   crash; an accepted input (pools capped small here) is drawn twice with the same list, and the
   result verifies against itself. */
#include "govern/govern.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, 0, &je);
    if (!doc)
        return 0;
    struct eg_draw_input in;
    void *store = NULL;
    struct eg_err err = {0};
    if (eg_draw_input_from_json(doc, &in, &store, &err) < 0) {
        if (store || !err.msg[0])
            abort();
        json_decref(doc);
        return 0;
    }
    if (in.nobjects <= 1000 && in.ninspectors <= 1000) {
        struct eg_draw_result a, b;
        int ra = eg_draw_run(&in, &a, &err), rb = eg_draw_run(&in, &b, &err);
        if (ra != rb)
            abort();
        if (ra == 0) {
            if (a.ndrawn != b.ndrawn || memcmp(a.drawn, b.drawn, sizeof(int) * (size_t)a.ndrawn) ||
                memcmp(a.teams, b.teams, sizeof(int) * (size_t)(a.ndrawn * a.team_size)))
                abort();
            json_object_set_new(doc, "result", eg_draw_result_json(&in, &a));
            eg_draw_result_free(&a);
            eg_draw_result_free(&b);
            eg_draw_input_release(&in, store);
            store = NULL;
            if (eg_draw_verify(doc, &err) != 0)
                abort();
        }
    }
    eg_draw_input_release(&in, store);
    json_decref(doc);
    return 0;
}
