/*
 * auth: users, passwords, login sessions and device passwords.
 *
 * Passwords are hashed with Argon2id (libsodium crypto_pwhash_str, the "interactive" cost:
 * 2 passes, 64 MiB) and never stored, logged or returned. A login returns a bearer token of 32
 * random bytes as 43 characters of unpadded base64url; only its BLAKE2b-256 hash
 * (crypto_generichash) is stored, with an expiry (default 12 h), so a copy of the database does
 * not give working tokens. Failed logins are rate limited per user name and per client address
 * (EG_AUTH_MAX_FAILURES in EG_AUTH_FAILURE_WINDOW seconds -> EG_ERATE, 429), and a locked-out
 * user gets EG_ERATE even with the right password until the window has passed.
 *
 * Device passwords (HJ 212 PW) are hashed with Argon2id too, at a lower cost (1 pass, 1 MiB):
 * devices authenticate on every packet, and each demo/imported device password is a random
 * secret, so the cost that protects a human password is not needed. The ingest server should
 * still not verify per packet: it calls eg_registry_device_check once per connection (or after a
 * failure) and caches the (MN, BLAKE2b(PW)) pair it verified for the life of the connection.
 */
#ifndef EG_AUTH_H
#define EG_AUTH_H

#include "base/base.h"
#include "db/db.h"

#include <jansson.h>
#include <stdint.h>

/* Who is asking. Anonymous has role EG_ROLE_ANON and sees only what is public. */
enum eg_role {
    EG_ROLE_ANON,
    EG_ROLE_ADMIN,
    EG_ROLE_BUREAU,
    EG_ROLE_STREET,
    EG_ROLE_ENTERPRISE,
    EG_ROLE_STEWARD
};
struct eg_principal {
    enum eg_role role;
    int64_t user_id; /* 0 for anonymous and the CLI's system principal */
    char username[64];
    char region[32]; /* street users: their region code (covers its grids) */
    int64_t unit_id; /* enterprise users: their unit */
};
const char *eg_role_name(enum eg_role role);
int eg_role_parse(const char *s, enum eg_role *out);
/* The principal used by operator commands on the server itself (full rights, audited as "system").
 */
extern const struct eg_principal eg_principal_system;

#define EG_AUTH_TOKEN_LEN 43 /* base64url, no padding, of 32 random bytes */
#define EG_AUTH_SESSION_SECONDS (12 * 3600)
#define EG_AUTH_MAX_FAILURES 5
#define EG_AUTH_FAILURE_WINDOW (15 * 60)
#define EG_AUTH_PASSWORD_MIN 8 /* bytes */
#define EG_AUTH_PASSWORD_MAX 1024

/* Checks the password, creates a session lasting session_seconds (0: EG_AUTH_SESSION_SECONDS;
   `serve` passes its auth.token_ttl). token_out gets EG_AUTH_TOKEN_LEN + 1 bytes.
   Wrong user or password: EG_EAUTH (same message for both); too many failures: EG_ERATE;
   disabled user: EG_EAUTH. client_addr may be NULL ("-"). */
int eg_auth_login(struct eg_db *st, const char *username, const char *password,
                  const char *client_addr, int64_t session_seconds,
                  char token_out[EG_AUTH_TOKEN_LEN + 1], struct eg_principal *principal,
                  struct eg_err *err);
/* Resolves a bearer token to its principal; EG_EAUTH if unknown, expired, or the user disabled. */
int eg_auth_check(struct eg_db *st, const char *token, struct eg_principal *principal,
                  struct eg_err *err);
/* Ends the session (idempotent: an unknown token is EG_EAUTH). */
int eg_auth_logout(struct eg_db *st, const char *token, struct eg_err *err);
/* Ends every session of the user (a password or role change, a disable): called by the registry
   in the same transaction as the change, so no old token outlives it, even after re-enabling. */
int eg_auth_revoke_user(struct eg_db *st, int64_t user_id, struct eg_err *err);

/* Password hashing shared with the registry (users.password, devices.password).
   cost: 0 = interactive (users), 1 = device. out gets crypto_pwhash_STRBYTES (128) bytes. */
int eg_auth_hash_password(const char *pw, size_t n, int cost, char out[128], struct eg_err *err);
int eg_auth_verify_password(const char *hash, const char *pw, size_t n); /* 1 match, 0 not */

/* The audit log that every module writing governance or registry records appends to, in the
   same transaction as the change: who, when (now), the resource, the row, the action and the
   row before/after as JSON (callers leave secrets out). */
int eg_audit_append(struct eg_db *st, const struct eg_principal *who, const char *resource,
                    int64_t row_id, const char *action, json_t *before, json_t *after,
                    struct eg_err *err);

#endif
