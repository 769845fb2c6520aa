/*
 * regions.c: the demo's regions — the district, its streets and towns (街镇) with three grids
 * (网格) each, every street or town also a unit (a pilot object of seed 000) — and the parks
 * (园区) and pilot communities and buildings.
 */
#include "demo/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A street or town (region id): three grids, and itself as a public unit. */
static void street(struct eg__demo *d, char *const *c, int64_t id)
{
    int s = d->nstreets++;
    d->street_id[s] = id;
    for (int g = 0; g < 3; g++) {
        char code[40], name[96];
        snprintf(code, sizeof code, "%s-%02d", c[0], g + 1);
        snprintf(name, sizeof name, "%s第%d网格", c[1], g + 1);
        d->grid_id[s][g] = eg__demo_mk(d, "regions",
                                       json_pack("{s:s, s:s, s:s, s:I}", "code", code, "name", name,
                                                 "level", "grid", "parent_id", (json_int_t)id));
    }
    eg__demo_mk(d, "units",
                json_pack("{s:s, s:s, s:I, s:f, s:f, s:b}", "name", c[1], "kind", "street",
                          "region_id", (json_int_t)id, "lon", atof(c[4]), "lat", atof(c[5]),
                          "public", 1));
}

int eg__demo_regions(struct eg__demo *d)
{
    const struct eg__demo_table *st = &d->t->streets;
    int64_t district = 0;
    for (int i = 0; i < st->nrows; i++) {
        char *const *c = st->cell[i];
        json_t *in = json_pack("{s:s, s:s, s:s}", "code", c[0], "name", c[1], "level", c[2]);
        if (c[3][0])
            json_object_set_new(in, "parent_id", json_integer(district));
        int64_t id = eg__demo_mk(d, "regions", in);
        if (!strcmp(c[2], "district"))
            district = id;
        else
            street(d, c, id);
    }
    d->rep->streets = d->nstreets;
    return d->failed ? -1 : 0;
}

int eg__demo_parks(struct eg__demo *d)
{
    const struct eg__demo_table *parks = &d->t->parks;
    for (int i = 0; i < parks->nrows; i++) {
        int s = eg__demo_street_index(&d->t->streets, parks->cell[i][1]);
        if (s < 0)
            return -1;
        d->park_street[i] = s;
        d->park_id[i] =
            eg__demo_mk(d, "units",
                        json_pack("{s:s, s:s, s:I, s:b}", "name", parks->cell[i][0], "kind", "park",
                                  "region_id", (json_int_t)d->street_id[s], "public", 1));
    }
    d->rep->parks = parks->nrows;
    /* communities and a building named in seed 000 as pilot objects, and a fictional building */
    static const struct {
        const char *name, *kind, *town;
    } pilots[] = {
        {"川沙新镇连民村", "community", "310115103"},
        {"金桥镇碧云社区", "community", "310115120"},
        {"惠南镇宝业居委会", "community", "310115131"},
        {"陆家嘴示例大厦（演示）", "building", "310115005"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(pilots); i++) {
        int s = eg__demo_street_index(&d->t->streets, pilots[i].town);
        eg__demo_mk(d, "units",
                    json_pack("{s:s, s:s, s:I, s:b}", "name", pilots[i].name, "kind",
                              pilots[i].kind, "region_id", (json_int_t)d->grid_id[s][0], "public",
                              1));
    }
    return d->failed ? -1 : 0;
}
