/*
 * auth.c: users, Argon2id passwords, bearer-token sessions and the failed-login rate limit
 * (see auth.h for the rules). Passwords and tokens are never logged: messages name the user at
 * most, and the audit log records "login"/"logout" with the user name only.
 *
 * Rate limit: a failed login is a row in login_failures. Before checking a password, the
 * failures of the last EG_AUTH_FAILURE_WINDOW seconds are counted for the user name
 * (EG_AUTH_MAX_FAILURES) and for the client address (4 x EG_AUTH_MAX_FAILURES, since an office
 * behind one NAT address has many users); at the limit the login is refused with EG_ERATE
 * without looking at the password, so guessing stops even for a correct guess. The count and the
 * row for this attempt are written in one transaction (reserve_attempt), so parallel attempts
 * cannot exceed the limit; a success removes the rows again.
 */
#include "auth/auth.h"
#include "db/db.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ok;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void sodium_setup(void)
{
    sodium_ok = sodium_init() >= 0;
    /* A hash to verify against when the user does not exist, so that the answer takes as long
       as for a wrong password and does not reveal which user names exist. */
    if (sodium_ok)
        sodium_ok = crypto_pwhash_str_alg(
                        dummy_hash, "not a password", 14, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) == 0;
}

static int need_sodium(struct eg_err *err)
{
    pthread_once(&sodium_once, sodium_setup);
    return sodium_ok ? 0 : eg_err_set(err, EG_EIO, "sodium", -1, "libsodium failed to initialise");
}

int eg_auth_hash_password(const char *pw, size_t n, int cost, char out[128], struct eg_err *err)
{
    int r = need_sodium(err);
    if (r < 0)
        return r;
    if (n > EG_AUTH_PASSWORD_MAX)
        return eg_err_set(err, EG_EINVAL, "password", -1, "password longer than %d bytes",
                          EG_AUTH_PASSWORD_MAX);
    unsigned long long ops = cost ? 1 : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = cost ? (size_t)1 << 20 : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    if (crypto_pwhash_str_alg(out, pw, n, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return eg_err_set(err, EG_ENOMEM, "password_hash", -1, "out of memory hashing a password");
    return 0;
}

int eg_auth_verify_password(const char *hash, const char *pw, size_t n)
{
    if (need_sodium(NULL) < 0 || !hash)
        return 0;
    return crypto_pwhash_str_verify(hash, pw, n) == 0;
}

static int count_failures(struct eg_db *st, const char *sql, const char *key, int64_t since,
                          int64_t *n, struct eg_err *err)
{
    int found = 0;
    return eg_db_query_int(st, sql, since, key, n, &found, err);
}

/* Counts the failures of the window for the user name and the client address and, below both
   limits, records this attempt as a failure, all in one write transaction (BEGIN IMMEDIATE), so
   that parallel attempts cannot all pass the count before any is recorded: at most
   EG_AUTH_MAX_FAILURES passwords are checked per user name and window. The password is checked
   after the commit (Argon2id is slow; the write lock is not held for it); a success then deletes
   the user's failures, this attempt's row included. */
static int reserve_attempt(struct eg_db *st, const char *username, const char *addr, int64_t now,
                           struct eg_err *err)
{
    int own = !eg_db_in_tx(st);
    int r = own ? eg_db_begin(st, err) : eg_db_exec(st, "SAVEPOINT eg_auth_attempt", err);
    if (r < 0)
        return r;
    int64_t since = now - EG_AUTH_FAILURE_WINDOW, n = 0;
    r = count_failures(st, "SELECT COUNT(*) FROM login_failures WHERE at >= ? AND username = ?",
                       username, since, &n, err);
    if (r == 0 && n >= EG_AUTH_MAX_FAILURES)
        r = eg_err_set(err, EG_ERATE, "too_many_failures", -1,
                       "too many failed logins for this user; try again in %d minutes",
                       EG_AUTH_FAILURE_WINDOW / 60);
    if (r == 0)
        r = count_failures(st,
                           "SELECT COUNT(*) FROM login_failures WHERE at >= ? AND "
                           "client_addr = ?",
                           addr, since, &n, err);
    if (r == 0 && n >= 4 * EG_AUTH_MAX_FAILURES)
        r = eg_err_set(err, EG_ERATE, "too_many_failures", -1,
                       "too many failed logins from this address; try again in %d minutes",
                       EG_AUTH_FAILURE_WINDOW / 60);
    struct eg_stmt *s;
    if (r == 0)
        r = eg_db_prepare(
            st, "INSERT INTO login_failures(username, client_addr, at) VALUES (?, ?, ?)", &s, err);
    if (r == 0) {
        eg_stmt_bind_text(s, 1, username, strlen(username));
        eg_stmt_bind_text(s, 2, addr, strlen(addr));
        eg_stmt_bind_int(s, 3, now);
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
        if (r > 0)
            r = 0;
    }
    /* keep the table small: older failures no longer count */
    if (r == 0 && eg_db_prepare(st, "DELETE FROM login_failures WHERE at < ?", &s, NULL) == 0) {
        eg_stmt_bind_int(s, 1, since);
        eg_stmt_step(s, NULL);
        eg_stmt_done(s);
    }
    if (r == 0)
        r = own ? eg_db_commit(st, err) : eg_db_exec(st, "RELEASE eg_auth_attempt", err);
    if (r < 0) {
        if (own)
            eg_db_rollback(st);
        else
            eg_db_exec(st, "ROLLBACK TO eg_auth_attempt; RELEASE eg_auth_attempt", NULL);
    }
    return r;
}

static void token_hash(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

static void fill_principal(struct eg_stmt *s, int col, struct eg_principal *p)
{
    /* columns from col: id, username, role, unit_id, region code */
    memset(p, 0, sizeof *p);
    p->user_id = eg_stmt_int(s, col);
    snprintf(p->username, sizeof p->username, "%s", eg_stmt_text(s, col + 1, NULL));
    enum eg_role role = EG_ROLE_ANON;
    eg_role_parse(eg_stmt_text(s, col + 2, NULL), &role);
    p->role = role;
    p->unit_id = eg_stmt_is_null(s, col + 3) ? 0 : eg_stmt_int(s, col + 3);
    if (!eg_stmt_is_null(s, col + 4))
        snprintf(p->region, sizeof p->region, "%s", eg_stmt_text(s, col + 4, NULL));
}

int eg_auth_login(struct eg_db *st, const char *username, const char *password,
                  const char *client_addr, int64_t session_seconds,
                  char token_out[EG_AUTH_TOKEN_LEN + 1], struct eg_principal *principal,
                  struct eg_err *err)
{
    token_out[0] = '\0';
    int r = need_sodium(err);
    if (r < 0)
        return r;
    const char *addr = client_addr && client_addr[0] ? client_addr : "-";
    if (!username || !password || !username[0] || strlen(username) > 63)
        return eg_err_set(err, EG_EAUTH, "bad_credentials", -1, "wrong user name or password");
    size_t pwlen = strlen(password);
    int64_t now = eg_time_now();
    r = reserve_attempt(st, username, addr, now, err);
    if (r < 0)
        return r;

    struct eg_stmt *s;
    r = eg_db_prepare(st,
                      "SELECT u.password, u.disabled, u.id, u.username, u.role, u.unit_id, "
                      "r.code FROM users u LEFT JOIN regions r ON r.id = u.region_id "
                      "WHERE u.username = ?",
                      &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_text(s, 1, username, strlen(username));
    r = eg_stmt_step(s, err);
    int ok = 0, disabled = 0;
    struct eg_principal p;
    if (r == 1) {
        char hash[crypto_pwhash_STRBYTES];
        snprintf(hash, sizeof hash, "%s", eg_stmt_text(s, 0, NULL));
        disabled = eg_stmt_int(s, 1) != 0;
        fill_principal(s, 2, &p);
        eg_stmt_done(s);
        ok = crypto_pwhash_str_verify(hash, password, pwlen) == 0;
    } else {
        eg_stmt_done(s);
        if (r < 0)
            return r;
        /* the same work as for a wrong password, so timing does not reveal unknown names */
        int same_work = crypto_pwhash_str_verify(dummy_hash, password, pwlen);
        (void)same_work;
    }
    if (!ok || disabled) {
        /* the attempt was recorded as a failure before the check (reserve_attempt) */
        eg_log(EG_LOG_INFO, "auth: failed login for user \"%.63s\" from %.64s", username, addr);
        return eg_err_set(err, EG_EAUTH, "bad_credentials", -1, "wrong user name or password");
    }

    unsigned char raw[32], h[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token_out, EG_AUTH_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    token_hash(token_out, h);
    r = eg_db_prepare(st,
                      "INSERT INTO sessions(token_hash, user_id, created_at, expires_at, "
                      "client_addr) VALUES (?, ?, ?, ?, ?)",
                      &s, err);
    if (r == 0) {
        eg_stmt_bind_blob(s, 1, h, sizeof h);
        eg_stmt_bind_int(s, 2, p.user_id);
        eg_stmt_bind_int(s, 3, now);
        eg_stmt_bind_int(s, 4,
                         now + (session_seconds > 0 ? session_seconds : EG_AUTH_SESSION_SECONDS));
        eg_stmt_bind_text(s, 5, addr, strlen(addr));
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    if (r < 0) {
        token_out[0] = '\0';
        return r;
    }
    /* a success clears this user's failure count, and expired sessions are swept */
    if (eg_db_prepare(st, "DELETE FROM login_failures WHERE username = ?", &s, NULL) == 0) {
        eg_stmt_bind_text(s, 1, username, strlen(username));
        eg_stmt_step(s, NULL);
        eg_stmt_done(s);
    }
    if (eg_db_prepare(st, "DELETE FROM sessions WHERE expires_at < ?", &s, NULL) == 0) {
        eg_stmt_bind_int(s, 1, now);
        eg_stmt_step(s, NULL);
        eg_stmt_done(s);
    }
    eg_audit_append(st, &p, "sessions", p.user_id, "login", NULL, NULL, NULL);
    if (principal)
        *principal = p;
    return 0;
}

static int token_shape_ok(const char *token)
{
    if (!token || strlen(token) != EG_AUTH_TOKEN_LEN)
        return 0;
    for (const char *c = token; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              *c == '-' || *c == '_'))
            return 0;
    return 1;
}

int eg_auth_check(struct eg_db *st, const char *token, struct eg_principal *principal,
                  struct eg_err *err)
{
    int r = need_sodium(err);
    if (r < 0)
        return r;
    if (!token_shape_ok(token))
        return eg_err_set(err, EG_EAUTH, "bad_token", -1, "invalid or expired token");
    unsigned char h[32];
    token_hash(token, h);
    struct eg_stmt *s;
    r = eg_db_prepare(st,
                      "SELECT s.expires_at, u.disabled, u.id, u.username, u.role, u.unit_id, "
                      "r.code FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN "
                      "regions r ON r.id = u.region_id WHERE s.token_hash = ?",
                      &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_blob(s, 1, h, sizeof h);
    r = eg_stmt_step(s, err);
    if (r < 0) {
        eg_stmt_done(s);
        return r;
    }
    if (r == 0 || eg_stmt_int(s, 0) <= eg_time_now() || eg_stmt_int(s, 1)) {
        eg_stmt_done(s);
        return eg_err_set(err, EG_EAUTH, "bad_token", -1, "invalid or expired token");
    }
    struct eg_principal p;
    fill_principal(s, 2, &p);
    eg_stmt_done(s);
    if (principal)
        *principal = p;
    return 0;
}

int eg_auth_logout(struct eg_db *st, const char *token, struct eg_err *err)
{
    struct eg_principal p;
    int r = eg_auth_check(st, token, &p, err);
    if (r < 0)
        return r;
    unsigned char h[32];
    token_hash(token, h);
    struct eg_stmt *s;
    r = eg_db_prepare(st, "DELETE FROM sessions WHERE token_hash = ?", &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_blob(s, 1, h, sizeof h);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    eg_audit_append(st, &p, "sessions", p.user_id, "logout", NULL, NULL, NULL);
    return 0;
}

int eg_auth_revoke_user(struct eg_db *st, int64_t user_id, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(st, "DELETE FROM sessions WHERE user_id = ?", &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, user_id);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}
