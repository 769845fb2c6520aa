/* Tests of auth/auth.c: Argon2id passwords, login tokens stored as hashes, expiry, logout,
   the failed-login rate limit (per user and per address), and device passwords (HJ 212 PW). */
#include "auth/auth.h"
#include "registry/registry.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <string.h>

static struct eg_db *open_db(void)
{
    return eg_tfx_open(
        "auth.db", "INSERT INTO regions(code,name,level) VALUES ('310115','浦东新区','district');"
                   "INSERT INTO regions(code,name,level,parent_id) VALUES "
                   "('310115004','陆家嘴街道','street',1)");
}

TEST(auth_login_returns_a_43_char_token_stored_only_as_hash)
{
    struct eg_db *st = open_db();
    struct eg_err err;
    REQUIRE(eg_registry_user_add(st, "zhang", "street", "310115004", 0, "correct horse 电池",
                                 &err) == 0);
    char tok[EG_AUTH_TOKEN_LEN + 1];
    struct eg_principal p;
    REQUIRE(eg_auth_login(st, "zhang", "correct horse 电池", "10.0.0.1", 0, tok, &p, &err) == 0);
    CHECK_EQ_INT(strlen(tok), 43);
    CHECK_EQ_INT(p.role, EG_ROLE_STREET);
    CHECK_STR(p.region, "310115004");
    CHECK_STR(p.username, "zhang");
    /* the database holds neither the password nor the token */
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(st, "SELECT password FROM users", &s, NULL) == 0);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    const char *h = eg_stmt_text(s, 0, NULL);
    CHECK(strncmp(h, "$argon2id$", 10) == 0);
    CHECK(strstr(h, "correct") == NULL);
    eg_stmt_done(s);
    REQUIRE(
        eg_db_prepare(
            st,
            "SELECT COUNT(*) FROM sessions WHERE token_hash = ? OR CAST(token_hash AS TEXT) = ?",
            &s, NULL) == 0);
    eg_stmt_bind_text(s, 1, tok, 43);
    eg_stmt_bind_text(s, 2, tok, 43);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    CHECK_EQ_INT(eg_stmt_int(s, 0), 0);
    eg_stmt_done(s);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM sessions"), 1);
    /* the token resolves to the user */
    struct eg_principal q;
    CHECK_EQ_INT(eg_auth_check(st, tok, &q, &err), 0);
    CHECK_EQ_INT(q.user_id, p.user_id);
    CHECK_EQ_INT(q.role, EG_ROLE_STREET);
    /* two logins give two different tokens */
    char tok2[EG_AUTH_TOKEN_LEN + 1];
    REQUIRE(eg_auth_login(st, "zhang", "correct horse 电池", "10.0.0.1", 0, tok2, NULL, &err) == 0);
    CHECK(strcmp(tok, tok2) != 0);
    /* logout ends that session only */
    CHECK_EQ_INT(eg_auth_logout(st, tok, &err), 0);
    CHECK_EQ_INT(eg_auth_check(st, tok, &q, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_auth_logout(st, tok, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_auth_check(st, tok2, &q, &err), 0);
    /* login and logout are audited without secrets */
    CHECK_EQ_INT(
        eg_tfx_int(st, "SELECT COUNT(*) FROM audit_log WHERE action IN ('login','logout')"), 3);
    eg_db_close(st);
}

TEST(auth_wrong_password_unknown_user_and_malformed_tokens_are_401)
{
    struct eg_db *st = open_db();
    struct eg_err err;
    REQUIRE(eg_registry_user_add(st, "li", "bureau", NULL, 0, "bureau-secret", &err) == 0);
    char tok[EG_AUTH_TOKEN_LEN + 1];
    CHECK_EQ_INT(eg_auth_login(st, "li", "bureau-secreT", "a", 0, tok, NULL, &err), EG_EAUTH);
    char msg1[256];
    snprintf(msg1, sizeof msg1, "%s", err.msg);
    CHECK_EQ_INT(eg_auth_login(st, "nobody", "bureau-secret", "a", 0, tok, NULL, &err), EG_EAUTH);
    CHECK_STR(err.msg, msg1); /* same answer: user names are not revealed */
    CHECK_EQ_INT(eg_auth_login(st, "", "", "a", 0, tok, NULL, &err), EG_EAUTH);
    struct eg_principal p;
    CHECK_EQ_INT(eg_auth_check(st, NULL, &p, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_auth_check(st, "", &p, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_auth_check(st, "x' OR '1'='1", &p, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_auth_check(st, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &p, &err),
                 EG_EAUTH);
    /* user add: bad role, unknown region, duplicate */
    CHECK_EQ_INT(eg_registry_user_add(st, "x", "king", NULL, 0, "password1", &err), EG_EINVAL);
    CHECK_STR(err.code, "role");
    CHECK_EQ_INT(eg_registry_user_add(st, "x", "street", "999", 0, "password1", &err), EG_EINVAL);
    CHECK_EQ_INT(eg_registry_user_add(st, "li", "bureau", NULL, 0, "password1", &err),
                 EG_ECONFLICT);
    eg_db_close(st);
}

TEST(auth_disabled_user_cannot_log_in_and_loses_sessions)
{
    struct eg_db *st = open_db();
    struct eg_err err;
    REQUIRE(eg_registry_user_add(st, "wang", "admin", NULL, 0, "admin-secret", &err) == 0);
    char tok[EG_AUTH_TOKEN_LEN + 1];
    REQUIRE(eg_auth_login(st, "wang", "admin-secret", NULL, 0, tok, NULL, &err) == 0);
    REQUIRE(eg_db_exec(st, "UPDATE users SET disabled = 1", NULL) == 0);
    struct eg_principal p;
    CHECK_EQ_INT(eg_auth_check(st, tok, &p, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_auth_login(st, "wang", "admin-secret", NULL, 0, tok, NULL, &err), EG_EAUTH);
    eg_db_close(st);
}

TEST(auth_rate_limit_5_failures_per_user_then_429_even_with_right_password)
{
    struct eg_db *st = open_db();
    struct eg_err err;
    REQUIRE(eg_registry_user_add(st, "zhao", "bureau", NULL, 0, "the-right-one", &err) == 0);
    char tok[EG_AUTH_TOKEN_LEN + 1];
    for (int i = 0; i < EG_AUTH_MAX_FAILURES; i++)
        CHECK_EQ_INT(eg_auth_login(st, "zhao", "guess", "10.0.0.9", 0, tok, NULL, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_auth_login(st, "zhao", "the-right-one", "10.0.0.9", 0, tok, NULL, &err),
                 EG_ERATE);
    CHECK_EQ_INT(eg_auth_login(st, "zhao", "the-right-one", "10.0.0.10", 0, tok, NULL, &err),
                 EG_ERATE);
    /* once the window has passed the right password works again */
    REQUIRE(eg_db_exec(st, "UPDATE login_failures SET at = at - 901", NULL) == 0);
    CHECK_EQ_INT(eg_auth_login(st, "zhao", "the-right-one", "10.0.0.9", 0, tok, NULL, &err), 0);
    eg_db_close(st);
}

TEST(auth_rate_limit_per_address_across_user_names)
{
    struct eg_db *st = open_db();
    struct eg_err err;
    REQUIRE(eg_registry_user_add(st, "qian", "bureau", NULL, 0, "qian-password", &err) == 0);
    /* failures for unknown names, spread so no single name reaches its limit */
    REQUIRE(eg_db_exec(st,
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20) "
                       "INSERT INTO login_failures(username, client_addr, at) SELECT 'u'||i, "
                       "'192.0.2.7', strftime('%s','now') FROM n",
                       NULL) == 0);
    char tok[EG_AUTH_TOKEN_LEN + 1];
    CHECK_EQ_INT(eg_auth_login(st, "qian", "qian-password", "192.0.2.7", 0, tok, NULL, &err),
                 EG_ERATE);
    CHECK_EQ_INT(eg_auth_login(st, "qian", "qian-password", "192.0.2.8", 0, tok, NULL, &err), 0);
    eg_db_close(st);
}

TEST(auth_sessions_expire)
{
    struct eg_db *st = open_db();
    struct eg_err err;
    REQUIRE(eg_registry_user_add(st, "sun", "bureau", NULL, 0, "sun-password", &err) == 0);
    char tok[EG_AUTH_TOKEN_LEN + 1];
    REQUIRE(eg_auth_login(st, "sun", "sun-password", NULL, 0, tok, NULL, &err) == 0);
    int64_t exp = eg_tfx_int(st, "SELECT expires_at - created_at FROM sessions");
    CHECK_EQ_INT(exp, EG_AUTH_SESSION_SECONDS);
    REQUIRE(eg_db_exec(st, "UPDATE sessions SET expires_at = created_at - 1", NULL) == 0);
    struct eg_principal p;
    CHECK_EQ_INT(eg_auth_check(st, tok, &p, &err), EG_EAUTH);
    REQUIRE(eg_auth_login(st, "sun", "sun-password", NULL, 600, tok, NULL, &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT MAX(expires_at - created_at) FROM sessions"), 600);
    CHECK_EQ_INT(eg_auth_check(st, tok, &p, &err), 0);
    /* the expired session was swept by the later login */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM sessions"), 1);
    eg_db_close(st);
}

TEST(auth_device_password_hj212_pw_checked_against_argon2id)
{
    struct eg_db *st = open_db();
    struct eg_err err;
    REQUIRE(eg_db_exec(st, "INSERT INTO stations(code,name,kind) VALUES ('A1','站','air')", NULL) ==
            0);
    json_t *in = json_pack("{s:s, s:s, s:i}", "mn", "010000A8900016F000169DC0", "password",
                           "123456", "station_id", 1);
    REQUIRE(eg_registry_create(st, eg_registry_find("devices"), &eg_principal_system, in, NULL,
                               &err) == 0);
    json_decref(in);
    int64_t id = 0;
    CHECK_EQ_INT(eg_registry_device_check(st, "010000A8900016F000169DC0", "123456", 6, &id, &err),
                 0);
    CHECK(id > 0);
    CHECK_EQ_INT(eg_registry_device_check(st, "010000A8900016F000169DC0", "123457", 6, &id, &err),
                 EG_EAUTH);
    CHECK_EQ_INT(eg_registry_device_check(st, "nope", "123456", 6, &id, &err), EG_ENOTFOUND);
    /* the device cost is cheap enough for ingest: well under 50 ms */
    uint64_t t0 = eg_nanos();
    CHECK_EQ_INT(eg_registry_device_check(st, "010000A8900016F000169DC0", "123456", 6, &id, &err),
                 0);
    CHECK((eg_nanos() - t0) < 50u * 1000 * 1000);
    eg_db_close(st);
}
