/*
 * codes.c: the HJ 212 code tables — system codes (ST), command codes (CN) and pollutant codes
 * with their 2005 -> 2017 mapping. The tables are data files (data/hj212/{st,cn,pollutants}.tsv,
 * compiled in by scripts/embed.sh), parsed once on first use (pthread_once, so any thread may
 * call first) into static read-only arrays; they are never freed (process lifetime).
 */
#include "hj212/hj212.h"
#include "hj212/internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ST 64
#define MAX_CN 128
#define MAX_POL 512
#define POL_HASH 2048 /* power of two, > 2 * MAX_POL keys (2017 and 2005 codes) */

static struct eg_hj212_code_info st_tab[MAX_ST], cn_tab[MAX_CN], pol_tab[MAX_POL];
static size_t n_st, n_cn, n_pol;
static const struct eg_hj212_code_info *cn_index[10000];
/* open addressing on the code packed into 8 bytes (codes are at most 8 letters/digits, never
   NUL): one 64-bit compare per probe, no strlen on the hot path */
static struct {
    uint64_t key;
    const struct eg_hj212_code_info *ci;
} pol_hash[POL_HASH];
static uint64_t st_keys[MAX_ST];
static pthread_once_t codes_once = PTHREAD_ONCE_INIT;

static int origin_of(const char *s)
{
    if (!strcmp(s, "both"))
        return EG_HJ212_ORIGIN_BOTH;
    if (!strcmp(s, "2005"))
        return EG_HJ212_ORIGIN_2005;
    if (!strcmp(s, "2017"))
        return EG_HJ212_ORIGIN_2017;
    if (!strcmp(s, "2025"))
        return EG_HJ212_ORIGIN_2025;
    if (!strcmp(s, "field"))
        return EG_HJ212_ORIGIN_FIELD;
    return EG_HJ212_ORIGIN_NONE;
}

/* Splits a copy of the embedded file into lines of tab-separated columns (in place). Calls fn
   for each non-comment line with up to 8 columns. */
static void load_tsv(const char *path, void (*fn)(char **col, int ncol))
{
    const struct eg_embedded *e = eg_embedded_find(path);
    if (!e) {
        eg_log(EG_LOG_ERROR, "hj212: code table %s missing from the build", path);
        return;
    }
    char *text = eg_malloc(e->len + 1); /* kept for the process lifetime: entries point into it */
    memcpy(text, e->data, e->len);
    text[e->len] = '\0';
    char *line = text;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[ll - 1] = '\0';
        if (line[0] && line[0] != '#') {
            char *col[8];
            int ncol = 0;
            char *c = line;
            while (ncol < 8) {
                col[ncol++] = c;
                char *tab = strchr(c, '\t');
                if (!tab)
                    break;
                *tab = '\0';
                c = tab + 1;
            }
            fn(col, ncol);
        }
        if (!nl)
            break;
        line = nl + 1;
    }
}

static void add_st(char **col, int ncol)
{
    if (ncol < 4 || n_st >= MAX_ST)
        return;
    st_keys[n_st] = eg__hj212_pack(col[0], strlen(col[0]));
    struct eg_hj212_code_info *ci = &st_tab[n_st++];
    ci->code = col[0];
    ci->code2005 = "";
    ci->origin = origin_of(col[1]);
    ci->name_zh = col[2];
    ci->name_en = col[3];
    ci->unit = "";
}

static void add_cn(char **col, int ncol)
{
    int64_t v;
    if (ncol < 4 || n_cn >= MAX_CN || eg_parse_int64(col[0], strlen(col[0]), &v) || v < 0 ||
        v > 9999)
        return;
    struct eg_hj212_code_info *ci = &cn_tab[n_cn++];
    ci->code = col[0];
    ci->code2005 = "";
    ci->origin = origin_of(col[1]);
    ci->name_zh = col[2];
    ci->name_en = col[3];
    ci->unit = "";
    cn_index[v] = ci;
}

static uint32_t hash64(uint64_t k)
{
    k ^= k >> 29;
    k *= 0xBF58476D1CE4E5B9ull;
    k ^= k >> 32;
    return (uint32_t)k;
}

static void pol_insert(const char *key, const struct eg_hj212_code_info *ci)
{
    size_t n = strlen(key);
    uint64_t k = eg__hj212_pack(key, n);
    if (!n || !k)
        return;
    uint32_t h = hash64(k) & (POL_HASH - 1);
    while (pol_hash[h].ci) {
        if (pol_hash[h].key == k)
            return; /* first entry wins */
        h = (h + 1) & (POL_HASH - 1);
    }
    pol_hash[h].key = k;
    pol_hash[h].ci = ci;
}

static void add_pol(char **col, int ncol)
{
    if (ncol < 5 || n_pol >= MAX_POL)
        return;
    struct eg_hj212_code_info *ci = &pol_tab[n_pol++];
    ci->code = col[0];
    ci->code2005 = col[1];
    ci->name_zh = col[2];
    ci->name_en = "";
    ci->unit = col[3];
    ci->origin = col[1][0] ? EG_HJ212_ORIGIN_BOTH : EG_HJ212_ORIGIN_2017;
    pol_insert(ci->code, ci);
    pol_insert(ci->code2005, ci);
}

static void codes_init(void)
{
    load_tsv("hj212/st.tsv", add_st);
    load_tsv("hj212/cn.tsv", add_cn);
    load_tsv("hj212/pollutants.tsv", add_pol);
}

void eg__hj212_codes_init(void)
{
    pthread_once(&codes_once, codes_init);
}

/* Internal lookups: the caller has run eg__hj212_codes_init(). */
const struct eg_hj212_code_info *eg__hj212_st_find(const char *code, size_t n)
{
    uint64_t k = eg__hj212_pack(code, n);
    if (!n || !k)
        return NULL;
    for (size_t i = 0; i < n_st; i++)
        if (st_keys[i] == k)
            return &st_tab[i];
    return NULL;
}

const struct eg_hj212_code_info *eg__hj212_cn_find(int cn)
{
    return cn < 0 || cn > 9999 ? NULL : cn_index[cn];
}

const struct eg_hj212_code_info *eg__hj212_pollutant_find(uint64_t k)
{
    if (!k)
        return NULL;
    uint32_t h = hash64(k) & (POL_HASH - 1);
    while (pol_hash[h].ci) {
        if (pol_hash[h].key == k)
            return pol_hash[h].ci;
        h = (h + 1) & (POL_HASH - 1);
    }
    return NULL;
}

const struct eg_hj212_code_info *eg_hj212_st_info(const char *code, size_t n)
{
    eg__hj212_codes_init();
    return eg__hj212_st_find(code, n);
}

const struct eg_hj212_code_info *eg_hj212_cn_info(int cn)
{
    eg__hj212_codes_init();
    return eg__hj212_cn_find(cn);
}

const struct eg_hj212_code_info *eg_hj212_pollutant_info(const char *code, size_t n)
{
    eg__hj212_codes_init();
    return eg__hj212_pollutant_find(eg__hj212_pack(code, n));
}

const char *eg_hj212_code_2017(const char *code, size_t n)
{
    const struct eg_hj212_code_info *ci = eg_hj212_pollutant_info(code, n);
    return ci ? ci->code : NULL;
}
