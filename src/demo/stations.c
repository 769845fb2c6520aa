/*
 * stations.c: the demo's monitoring stations, each with its HJ 212 device: 30 air stations
 * (public), the 10 water sections of data/demo/water_sections.csv (public), 20 noise stations
 * (2 in 3 public), spread over the streets and towns.
 */
#include "demo/internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Longitude and latitude of street s, offset. */
static double lon_of(const struct eg__demo *d, int s, double off)
{
    return atof(d->t->streets.cell[s + 1][4]) + off;
}
static double lat_of(const struct eg__demo *d, int s, double off)
{
    return atof(d->t->streets.cell[s + 1][5]) + off;
}

static void air(struct eg__demo *d)
{
    for (int i = 0; i < 30 && !d->failed; i++) {
        int s = (i * 7) % d->nstreets;
        char code[32], name[96];
        snprintf(code, sizeof code, "310115A%02d", i + 1);
        snprintf(name, sizeof name, "%s空气监测站（演示）", d->t->streets.cell[s + 1][1]);
        int64_t id =
            eg__demo_mk(d, "stations",
                        json_pack("{s:s, s:s, s:s, s:I, s:f, s:f, s:b}", "code", code, "name", name,
                                  "kind", "air", "region_id", (json_int_t)d->street_id[s], "lon",
                                  lon_of(d, s, 0.002), "lat", lat_of(d, s, 0.002), "public", 1));
        d->rep->stations++;
        eg__demo_mk_device(d, "2", "station_id", id, "a34004,a34002,a21026,a21004,a21005,a05024",
                           name);
    }
}

static int water(struct eg__demo *d)
{
    const struct eg__demo_table *sec = &d->t->sections;
    for (int i = 0; i < sec->nrows && !d->failed; i++) {
        char *const *c = sec->cell[i];
        int s = eg__demo_street_index(&d->t->streets, c[2]);
        if (s < 0)
            return -1;
        int64_t id = eg__demo_mk(
            d, "stations",
            json_pack("{s:s, s:s, s:s, s:I, s:s, s:f, s:f, s:b}", "code", c[0], "name", c[1],
                      "kind", "water", "region_id", (json_int_t)d->street_id[s], "water_class",
                      c[3], "lon", lon_of(d, s, -0.003), "lat", lat_of(d, s, -0.002), "public", 1));
        d->rep->stations++;
        eg__demo_mk_device(d, "3", "station_id", id,
                           "w01001,w01009,w01019,w01018,w01017,w21003,w21011,w21001", c[1]);
    }
    return 0;
}

static void noise(struct eg__demo *d)
{
    static const char *const zones[] = {"1", "2", "3", "4a"};
    for (int i = 0; i < 20 && !d->failed; i++) {
        int s = (i * 11 + 3) % d->nstreets;
        char code[32], name[96];
        snprintf(code, sizeof code, "310115N%02d", i + 1);
        snprintf(name, sizeof name, "%s声环境监测点（演示）", d->t->streets.cell[s + 1][1]);
        int64_t id =
            eg__demo_mk(d, "stations",
                        json_pack("{s:s, s:s, s:s, s:I, s:s, s:f, s:f, s:b}", "code", code, "name",
                                  name, "kind", "noise", "region_id", (json_int_t)d->street_id[s],
                                  "noise_zone", zones[i % 4], "lon", lon_of(d, s, -0.001), "lat",
                                  lat_of(d, s, 0.001), "public", i % 3 != 2));
        d->rep->stations++;
        eg__demo_mk_device(d, "4", "station_id", id, "LA", name);
    }
}

int eg__demo_stations(struct eg__demo *d)
{
    air(d);
    if (water(d))
        return -1;
    noise(d);
    return d->failed ? -1 : 0;
}
