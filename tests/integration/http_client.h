/*
 * http_client.h: what the HTTP integration tests need — start the real `envgov serve` on a free
 * loopback port and stop it with SIGTERM, and a tiny HTTP/1.1 client over a real socket that
 * can also send raw (malformed, truncated) bytes. One request per connection.
 */
#ifndef EG_TEST_HTTP_CLIENT_H
#define EG_TEST_HTTP_CLIENT_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct eg_hc_resp {
    int status; /* 0 when no response could be read */
    char *head; /* status line and headers, NUL-terminated */
    char *body; /* NUL-terminated beyond body_len */
    size_t body_len;
};

/* extra_headers: lines each ending in \r\n, or NULL. token: bearer token or NULL. */
int eg_hc_request(int port, const char *method, const char *path, const char *token,
                  const char *extra_headers, const char *body, size_t body_len,
                  struct eg_hc_resp *out);
/* Sends bytes as they are; shutdown(SHUT_WR) after them when half_close. */
int eg_hc_raw(int port, const void *bytes, size_t n, int half_close, struct eg_hc_resp *out);
/* The value of a header (case-insensitive name), copied into a static buffer, or NULL. */
const char *eg_hc_header(const struct eg_hc_resp *r, const char *name);
/* The body parsed as JSON, or NULL (caller decrefs). */
json_t *eg_hc_json(const struct eg_hc_resp *r);
void eg_hc_free(struct eg_hc_resp *r);

/* A running `envgov serve`. */
struct eg_hs {
    pid_t pid;
    int port;
    char db[512];
    char log[512]; /* its stderr (the access log) */
};
/* Starts serve on db with extra args (NULL-terminated, may be NULL) and waits until it answers
   /healthz. Returns 0, or -1 (the log is printed). */
int eg_hs_start(struct eg_hs *s, const char *db, const char *const *extra);
/* SIGTERM and wait; returns the exit status (or -1 when killed by a signal). */
int eg_hs_stop(struct eg_hs *s);

/* Logs in; returns a malloc'd token or NULL. */
char *eg_hc_login(int port, const char *user, const char *password);

/* The registry fixture of the HTTP tests, written through the library before the server starts:
   a district with two streets (S1, S2) and a grid under S1; a park and enterprise E1 in S1 (not
   public), enterprise E2 in S2 (public); an outlet, permit, limit and device of E1, an outlet
   of E2 with its permit and limit, a public air station in S1, six spare buildings in S1; one user
   per role (street in S1, enterprise of E1, steward contracted for E1), each with password
   "pw-<role>-123456". */
struct eg_hf {
    long long district, s1, s2, grid, park, e1, e2, o1, o2, pm1, l1, pm2, l2, st1, dv1, contract;
    long long spare[6];
    long long steward_uid, bureau_uid;
};
int eg_hf_build(const char *db, struct eg_hf *f);
/* A valid 统一社会信用代码 (GB 32100-2015) from a 17-character body, into out[19]. */
void eg_hf_credit_code(const char *body17, char out[19]);

/* One HTTP test's scene, which the credit, tasks, cases, ingest and rules-loop tests each set
   up alike: the fixture above in a fresh database NAME (under the test's folder), the extra
   users asked for by flags, `envgov serve` started (with extra args, may be NULL), and every
   user of users[0..n) logged in as tok[i] (password "pw-NAME-123456"; a NULL name: anonymous,
   tok[i] NULL). eg_hx_stop logs nothing out: it stops the server and frees the tokens. */
#define EG_HX_STREET2 1u     /* a street user "street2" of S2 (310115125) */
#define EG_HX_ENTERPRISE2 2u /* an enterprise user "enterprise2" of E2 */
#define EG_HX_HJ212 4u       /* device dv1's HJ 212 password "123456", and --hj212 on hj212_port */
#define EG_HX_MAX_USERS 16
struct eg_hx {
    struct eg_hf fx;
    struct eg_hs hs;
    char db[600];
    int nusers, hj212_port;
    char *tok[EG_HX_MAX_USERS];
};
int eg_hx_start(struct eg_hx *x, const char *name, unsigned flags, const char *const *users,
                int nusers, const char *const *extra);
int eg_hx_stop(struct eg_hx *x); /* the server's exit status, as eg_hs_stop */
/* One request as user i (an index into users; its token, or none); the status, or -1 when the
   exchange failed; *out the JSON answer when out is not NULL. */
int eg_hx_call(const struct eg_hx *x, int user, const char *method, const char *path,
               const char *body, json_t **out);

#endif
