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
 * still not verify per packet: it calls eg_auth_device_check once per connection (or after a
 * failure) and caches the (MN, BLAKE2b(PW)) pair it verified for the life of the connection.
 */
#ifndef EG_AUTH_H
#define EG_AUTH_H

#include "base/base.h"
#include "store/registry.h"
#include "store/store.h"

#define EG_AUTH_TOKEN_LEN 43 /* base64url, no padding, of 32 random bytes */
#define EG_AUTH_SESSION_SECONDS (12 * 3600)
#define EG_AUTH_MAX_FAILURES 5
#define EG_AUTH_FAILURE_WINDOW (15 * 60)
#define EG_AUTH_PASSWORD_MIN 8 /* bytes */
#define EG_AUTH_PASSWORD_MAX 1024

/* Creates a user (audited as the system principal). region: a region code, or NULL; unit_id: 0
   for none. Street users need a region, enterprise users a unit. EG_ECONFLICT if the name is
   taken; EG_EINVAL with err.code naming the field otherwise. */
int eg_auth_user_add(struct eg_store *st, const char *username, const char *role,
                     const char *region, int64_t unit_id, const char *password, struct eg_err *err);

/* Checks the password, creates a session. token_out gets EG_AUTH_TOKEN_LEN + 1 bytes.
   Wrong user or password: EG_EAUTH (same message for both); too many failures: EG_ERATE;
   disabled user: EG_EAUTH. client_addr may be NULL ("-"). */
int eg_auth_login(struct eg_store *st, const char *username, const char *password,
                  const char *client_addr, char token_out[EG_AUTH_TOKEN_LEN + 1],
                  struct eg_principal *principal, struct eg_err *err);
/* Resolves a bearer token to its principal; EG_EAUTH if unknown, expired, or the user disabled. */
int eg_auth_check(struct eg_store *st, const char *token, struct eg_principal *principal,
                  struct eg_err *err);
/* Ends the session (idempotent: an unknown token is EG_EAUTH). */
int eg_auth_logout(struct eg_store *st, const char *token, struct eg_err *err);
/* Sets the session lifetime used by later logins (seconds, > 0); for configuration and tests. */
void eg_auth_set_session_seconds(int64_t seconds);

/* Password hashing shared with the registry (users.password, devices.password).
   cost: 0 = interactive (users), 1 = device. out gets crypto_pwhash_STRBYTES (128) bytes. */
int eg_auth_hash_password(const char *pw, size_t n, int cost, char out[128], struct eg_err *err);
int eg_auth_verify_password(const char *hash, const char *pw, size_t n); /* 1 match, 0 not */

/* HJ 212 device authentication: MN and PW as received. Returns 0 and the device id when the MN
   is registered and the password matches; EG_ENOTFOUND for an unknown MN; EG_EAUTH otherwise. */
int eg_auth_device_check(struct eg_store *st, const char *mn, const char *pw, size_t pwlen,
                         int64_t *device_id, struct eg_err *err);

#endif
