/*
 * internal.h: what the files of src/rules share — the webhook outbox rows (alerts.c) that the
 * delivery (webhook.c) works through, and the HTTP POST it makes.
 */
#ifndef EG_RULES_INTERNAL_H
#define EG_RULES_INTERNAL_H

#include "rules/rules.h"

struct eg__rules_outbox {
    int64_t id, alert_id;
    int attempts;
    char *payload; /* allocated */
};

/* Up to max deliveries due at now (not delivered, not given up), oldest first. *out allocated;
   free with eg__rules_outbox_free. */
int eg__rules_outbox_due(struct eg_db *st, int64_t now, int max, struct eg__rules_outbox **out,
                         size_t *n, struct eg_err *err);
void eg__rules_outbox_free(struct eg__rules_outbox *v, size_t n);
/* Marks a delivery done (ok), or failed with a retry at next_at, or given up (next_at 0). */
int eg__rules_outbox_mark(struct eg_db *st, int64_t id, int ok, int64_t now, int64_t next_at,
                          const char *error, struct eg_err *err);

/* POSTs body to an http:// URL with the signature header; 0 on a 2xx answer, EG_EIO with the
   reason otherwise (connect, timeout, status). */
int eg__rules_http_post(const char *url, const char *body, size_t len, const char *signature,
                        const char *event, int64_t timeout_ms, struct eg_err *err);

#endif
