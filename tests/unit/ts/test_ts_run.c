/* Tests of the open-day rows (ts/run.c, migrations 103 and 104): the row and latest codecs
   (exact values, damaged input refused), and the conversion of a database written with the old
   layout (one ts_raw row per value, one ts_latest row per series). Real SQLite files. */
#include "db/db.h"
#include "test.h"
#include "ts/internal.h"
#include "unit/db/db_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2026-11-20 12:00 Beijing */
#define NOW ((int64_t)1795665600)

/* Values the codec must keep bit-exact: HJ 212 decimals (N14.2, Table 8 of HJ 212-2017 sends
   them as text), a computed mean, tiny and huge doubles, negatives, integers. */
static const double VALS[] = {25.3,  0.1 + 0.2, 1e-300, -5.25, 123456789.125, 0.0,    7.0,
                              -0.01, 3.14159,   1e300,  38.2,  0.0001,        99999.9};

TEST(ts_run_codec_round_trips_and_refuses_damage)
{
    int64_t b = eg__ts_run_bucket(NOW), t0 = NOW - (NOW + 28800) % 600;
    struct eg__ts_pend s[40];
    size_t n = 0;
    for (int sid = 32; sid < 48; sid += 5) /* group 2: ids 32, 37, 42, 47 */
        for (int k = 0; k < 10; k++)
            s[n++] = (struct eg__ts_pend){.sid = sid,
                                          .t = t0 + k * 60 + (sid % 7),
                                          .v = VALS[(size_t)(sid + k) % EG_ARRAY_LEN(VALS)],
                                          .flag = k == 3 ? 'D' : 'N'};
    int64_t id = eg__ts_run_id(b, 32);
    struct eg_buf enc = {0};
    eg__ts_run_encode(s, n, b, &enc);
    printf("    %zu samples in %zu bytes (%.2f B/sample)\n", n, enc.len,
           (double)enc.len / (double)n);
    struct eg__ts_pend *v = NULL;
    size_t nv = 0, cap = 0;
    struct eg_err err;
    REQUIRE(eg__ts_run_decode(enc.data, enc.len, id, &v, &nv, &cap, &err) == 0);
    CHECK_EQ_INT(nv, n);
    for (size_t i = 0; i < n && i < nv; i++) {
        CHECK_EQ_INT(v[i].sid, s[i].sid);
        CHECK_EQ_INT(v[i].t, s[i].t);
        CHECK(memcmp(&v[i].v, &s[i].v, sizeof v[i].v) == 0);
        CHECK_EQ_INT(v[i].flag, s[i].flag);
    }
    /* every truncation: refused, or fewer samples (which the row's n column then refuses) */
    for (size_t cut = 0; cut < enc.len; cut++) {
        nv = 0;
        int r = eg__ts_run_decode(enc.data, cut, id, &v, &nv, &cap, &err);
        CHECK(r == EG_EINVAL || nv < n);
        if (r)
            CHECK_STR(err.code, "corrupt_rows");
    }
    /* every single-bit flip: no crash; what decodes is ordered and inside the row */
    for (size_t i = 0; i < enc.len * 8; i++) {
        enc.data[i / 8] = (char)(enc.data[i / 8] ^ (1 << (i % 8)));
        nv = 0;
        if (eg__ts_run_decode(enc.data, enc.len, id, &v, &nv, &cap, &err) == 0)
            for (size_t k = 0; k < nv; k++) {
                CHECK(v[k].t >= t0 && v[k].t < t0 + 600 && v[k].sid >> 4 == 2);
                CHECK(isfinite(v[k].v) && v[k].flag >= 'A' && v[k].flag <= 'Z');
            }
        enc.data[i / 8] = (char)(enc.data[i / 8] ^ (1 << (i % 8)));
    }
    /* hostile: unknown version, damaged text rows (migration 103's form), empty */
    const char *bad[] = {"\x02",
                         "",
                         "1 2 x 78",
                         "1 1795665600 1.0 7",
                         "33 1795665600 nan 78",
                         "33 1795665600 1.0 78;",
                         "33 99 1.0 78"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        nv = 0;
        CHECK_EQ_INT(eg__ts_run_decode(bad[i], strlen(bad[i]), id, &v, &nv, &cap, &err), EG_EINVAL);
    }
    /* the latest codec: one sample per series, any time */
    struct eg__ts_pend l[3] = {{.sid = 17, .t = NOW, .v = 0.1 + 0.2, .flag = 'N'},
                               {.sid = 20, .t = 946656000, .v = -3.5, .flag = 'T'},
                               {.sid = 31, .t = NOW + 86400, .v = 1e300, .flag = 'B'}};
    eg__ts_latest_encode(l, 3, &enc);
    nv = 0;
    REQUIRE(eg__ts_latest_decode(enc.data, enc.len, 1, &v, &nv, &cap, &err) == 0);
    CHECK_EQ_INT(nv, 3);
    for (size_t i = 0; i < 3 && i < nv; i++)
        CHECK(v[i].sid == l[i].sid && v[i].t == l[i].t && v[i].flag == l[i].flag &&
              memcmp(&v[i].v, &l[i].v, sizeof v[i].v) == 0);
    for (size_t cut = 1; cut < enc.len; cut++) {
        nv = 0;
        int r = eg__ts_latest_decode(enc.data, cut, 1, &v, &nv, &cap, &err);
        CHECK(r == EG_EINVAL || nv < 3);
    }
    nv = 0;
    CHECK_EQ_INT(eg__ts_latest_decode("17 5 1.0 78;16 5 1.0 78x", 24, 1, &v, &nv, &cap, &err),
                 EG_EINVAL);
    free(v);
    eg_buf_free(&enc);
}

/* A database as the old layout wrote it (migrations 100-102): ts_raw with a row per value and
   ts_latest with a row per series. Migrations 103 and 104 carry both over exactly; queries,
   latest, new writes into the same rows (dedup against the carried-over samples) and
   compaction all see the same data. */
TEST(ts_run_migration_converts_a_database_of_the_old_layout)
{
    char path[600];
    snprintf(path, sizeof path, "%s/old.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    /* back to the old layout, as a database last migrated before 103 */
    REQUIRE(eg_db_exec(st,
                       "DROP TABLE ts_run; DROP TABLE ts_latest; "
                       "DELETE FROM schema_version WHERE version IN (103, 104); "
                       "CREATE TABLE ts_raw (series_id INTEGER NOT NULL, t INTEGER NOT NULL, "
                       "v REAL NOT NULL, flag INTEGER NOT NULL, PRIMARY KEY (series_id, t)) "
                       "WITHOUT ROWID; "
                       "CREATE TABLE ts_latest (series_id INTEGER PRIMARY KEY, t INTEGER NOT "
                       "NULL, v REAL NOT NULL, flag INTEGER NOT NULL) WITHOUT ROWID; "
                       "INSERT INTO ts_series (id, source, pollutant, kind, field, computed, "
                       "created_at) VALUES (1, 'MN001', 'w01018', 2051, 'Avg', 0, 0), "
                       "(17, 'MN002', 'w01018', 2051, 'Avg', 0, 0)",
                       &err) == 0);
    /* today (open) for both series, two days ago (closed, not compacted) for series 1 */
    int64_t t0 = NOW - 3600, old = NOW - 2 * 86400;
    struct eg_stmt *s;
    for (int i = 0; i < 30; i++) {
        REQUIRE(eg_db_prepare(st, "INSERT INTO ts_raw VALUES (?, ?, ?, ?)", &s, &err) == 0);
        eg_stmt_bind_int(s, 1, i % 2 ? 17 : 1);
        eg_stmt_bind_int(s, 2, i < 20 ? t0 + i * 60 : old + i * 60);
        eg_stmt_bind_double(s, 3, VALS[(size_t)i % EG_ARRAY_LEN(VALS)]);
        eg_stmt_bind_int(s, 4, i == 4 ? 'D' : 'N');
        REQUIRE(eg_stmt_step(s, &err) == 0);
        eg_stmt_done(s);
    }
    REQUIRE(eg_db_exec(st,
                       "INSERT INTO ts_latest SELECT series_id, max(t), 0, 78 FROM ts_raw "
                       "GROUP BY series_id; UPDATE ts_latest SET v = (SELECT v FROM ts_raw r "
                       "WHERE r.series_id = ts_latest.series_id AND r.t = ts_latest.t)",
                       &err) == 0);
    eg_db_close(st);

    REQUIRE(eg_db_open(path, &st, &err) == 0); /* applies 103 and 104 */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ts_raw'"), 0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT SUM(n) FROM ts_run"), 30);
    struct eg_ts *ts;
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    eg_ts_set_now(ts, NOW);
    struct eg_ts_key k1 = {"MN001", "w01018", EG_TS_KIND_MINUTE, "Avg", 0};
    struct eg_ts_key k2 = {"MN002", "w01018", EG_TS_KIND_MINUTE, "Avg", 0};
    struct eg_ts_row *rows;
    size_t n;
    REQUIRE(eg_ts_query(ts, &k1, old, NOW, EG_TS_PRELIMINARY, 1000, &rows, &n, &err) == 0);
    CHECK_EQ_INT(n, 15);
    for (size_t i = 0; i < n; i++) { /* every value bit-exact, in time order */
        int src = i < 5 ? 20 + 2 * (int)i : 2 * ((int)i - 5);
        double want = VALS[(size_t)src % EG_ARRAY_LEN(VALS)];
        CHECK(memcmp(&rows[i].v, &want, sizeof want) == 0);
        CHECK_EQ_INT(rows[i].flag, src == 4 ? 'D' : 'N');
        if (i > 0)
            CHECK(rows[i].t > rows[i - 1].t);
    }
    free(rows);
    struct eg_ts_row last[2];
    int found[2];
    struct eg_ts_key keys[2] = {k1, k2};
    REQUIRE(eg_ts_latest(ts, keys, 2, last, found, &err) == 0);
    CHECK(found[0] && found[1]);
    CHECK_EQ_INT(last[0].t, t0 + 18 * 60);
    CHECK_EQ_INT(last[1].t, t0 + 19 * 60);
    CHECK(memcmp(&last[1].v, &VALS[19 % EG_ARRAY_LEN(VALS)], sizeof(double)) == 0);
    /* writing into a carried-over row: the same sample is a duplicate, a new one is written */
    struct eg_ts_point p[2] = {{k2, t0 + 60, VALS[1], 'N'}, {k2, t0 + 20 * 60, 5.5, 'N'}};
    struct eg_ts_report rep = {0};
    REQUIRE(eg_ts_write_batch(ts, p, 2, 0, &rep, &err) == 0);
    CHECK_EQ_INT(rep.duplicates, 1);
    CHECK_EQ_INT(rep.written, 1);
    REQUIRE(eg_ts_latest(ts, keys, 2, last, found, &err) == 0);
    CHECK_EQ_INT(last[1].t, t0 + 20 * 60);
    /* the closed day compacts into its block; today stays rows */
    size_t days = 0;
    REQUIRE(eg_ts_compact(ts, &days, &err) == 0);
    CHECK_EQ_INT(days, 2); /* series 1 and 17, two days ago */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT SUM(n) FROM ts_block"), 10);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT SUM(n) FROM ts_run"), 21);
    REQUIRE(eg_ts_query(ts, &k2, old, NOW, EG_TS_PRELIMINARY, 1000, &rows, &n, &err) == 0);
    CHECK_EQ_INT(n, 16);
    free(rows);
    eg_ts_close(ts);
    eg_db_close(st);
}
