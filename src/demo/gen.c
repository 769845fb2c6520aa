/*
 * gen.c: the demo's deterministic values — a fixed-seed generator (xorshift64*), credit codes
 * with valid check characters — and the random passwords that are the one thing not repeated.
 */
#include "demo/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* the generator's state: reset at the start of each load, so every run makes the same district */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

void eg__demo_rng_reset(void)
{
    rng_state = 0x9E3779B97F4A7C15ull;
}

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

int eg__demo_rnd_below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

double eg__demo_rnd_unit(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* GB 11714 organisation code check character over 8 body characters. */
static char org_check(const char *body)
{
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char c = body[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
        sum += v * w[i];
    }
    int c9 = 11 - sum % 11;
    return c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
}

/* 9 (工商) 1 (企业) + 310115 + organisation code + check (GB 32100-2015). */
void eg__demo_credit_code(int serial, char out[19])
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    char body[9];
    snprintf(body, sizeof body, "MA1%05u", (unsigned)serial % 100000u);
    memcpy(out, "91310115", 8);
    memcpy(out + 8, body, 8);
    out[16] = org_check(body);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(cs, out[i]) - cs) * w[i];
    out[17] = cs[(31 - sum % 31) % 31];
    out[18] = '\0';
}

void eg__demo_random_password(char *out, size_t n)
{
    /* 12 random bytes -> 16 base64url characters */
    unsigned char raw[12];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, n, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
