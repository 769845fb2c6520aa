/* Tests of ts/catalog.c: the series list with the latest sample, in key order, of one source or
   all. */
#include "test.h"
#include "ts/ts.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <string.h>

static int add(void *arg, const struct eg_ts_series_row *r)
{
    char *out = arg;
    size_t n = strlen(out);
    if (r->has_latest)
        snprintf(out + n, 512 - n, "%s/%s/%d/%s=%g@%lld;", r->key.source, r->key.pollutant,
                 r->key.kind, r->key.field, r->latest_v, (long long)r->latest_t);
    else
        snprintf(out + n, 512 - n, "%s/%s/%d/%s=none;", r->key.source, r->key.pollutant,
                 r->key.kind, r->key.field);
    return 0;
}

TEST(ts_series_each_lists_series_with_their_latest_sample)
{
    int64_t now = 1700006400;
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("cat.db", now, &ts);
    struct eg_err err;
    struct eg_ts_point p[3] = {
        {.key = {"MNB", "a34004", EG_TS_KIND_RTD, "Rtd", 0}, .t = now - 120, .v = 1, .flag = 'N'},
        {.key = {"MNB", "a34004", EG_TS_KIND_RTD, "Rtd", 0}, .t = now - 60, .v = 2, .flag = 'N'},
        {.key = {"MNA", "a21026", EG_TS_KIND_RTD, "Rtd", 0}, .t = now - 60, .v = 7, .flag = 'N'},
    };
    REQUIRE(eg_ts_write_batch(ts, p, 3, EG_TS_CREATE, NULL, &err) == 0);
    struct eg_ts_key empty = {"MNC", "a01001", EG_TS_KIND_RTD, "Rtd", 0};
    int64_t id;
    REQUIRE(eg_ts_series_add(ts, &empty, &id, &err) == 0);
    char out[512] = "";
    int each_rc = eg_ts_series_each(ts, NULL, add, out, &err);
    if (each_rc)
        fprintf(stderr, "    %s\n", err.msg);
    REQUIRE(each_rc == 0);
    char want[512];
    snprintf(want, sizeof want,
             "MNA/a21026/2011/Rtd=7@%lld;MNB/a34004/2011/Rtd=2@%lld;"
             "MNC/a01001/2011/Rtd=none;",
             (long long)(now - 60), (long long)(now - 60));
    CHECK_STR(out, want);
    out[0] = 0;
    REQUIRE(eg_ts_series_each(ts, "MNC", add, out, &err) == 0);
    CHECK_STR(out, "MNC/a01001/2011/Rtd=none;");
    eg_ts_close(ts);
    eg_db_close(st);
}
