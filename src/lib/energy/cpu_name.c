/*
 * cpu_name.c - matches a CPU brand string from /proc/cpuinfo to a row of the compiled-in TDP
 * table by normalised whole-token comparison (see cpu_name.h for the rules). Unlike upstream's
 * substring search, "Intel Core i7-870" can never land on "Intel Core i7-8700".
 */
#include "cpu_name.h"

#include "../tables.h"

#include <string.h>

#define NAME_MAX_BYTES CT__CPU_NAME_MAX
#define MAX_TOKENS 32

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ',';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int prefix_ci(const char *s, const char *p)
{
    for (; *p; s++, p++)
        if (lower((unsigned char)*s) != (unsigned char)*p)
            return 0;
    return 1;
}

/* Length of a trademark marker at s ("(R)", "(TM)", "®", "™"), or 0. */
static size_t marker_len(const char *s)
{
    if (prefix_ci(s, "(r)"))
        return 3;
    if (prefix_ci(s, "(tm)"))
        return 4;
    if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xAE)
        return 2;
    if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x84 && (unsigned char)s[2] == 0xA2)
        return 3;
    return 0;
}

/* "11th", "2nd", "3rd", "1st". */
static int is_ordinal(const char *t)
{
    size_t n = 0;
    while (t[n] >= '0' && t[n] <= '9')
        n++;
    if (n == 0)
        return 0;
    return strcmp(t + n, "th") == 0 || strcmp(t + n, "st") == 0 || strcmp(t + n, "nd") == 0 ||
           strcmp(t + n, "rd") == 0;
}

static int ends_with(const char *t, const char *suffix)
{
    size_t n = strlen(t), m = strlen(suffix);
    return n > m && strcmp(t + n - m, suffix) == 0;
}

static int is_filler(const char *t)
{
    return strcmp(t, "cpu") == 0 || strcmp(t, "processor") == 0 || strcmp(t, "apu") == 0 ||
           ends_with(t, "-core") || ends_with(t, "-cores");
}

/* Split a normalised name (single spaces) in place into tokens. Returns the count. */
static int split_tokens(char *s, char **tok, int max)
{
    int n = 0;
    char *p = s;
    while (*p && n < max) {
        tok[n++] = p;
        char *sp = strchr(p, ' ');
        if (!sp)
            break;
        *sp = '\0';
        p = sp + 1;
    }
    return n;
}

void ct__cpu_name_normalise(const char *brand, char *out, size_t len)
{
    if (len == 0)
        return;
    out[0] = '\0';
    if (!brand)
        return;

    /* Pass 1: markers out, '@' tail cut, lower case, whitespace and commas to one space. */
    char tmp[NAME_MAX_BYTES];
    size_t n = 0;
    for (const char *p = brand; *p && *p != '@' && n + 2 < sizeof(tmp);) {
        size_t m = marker_len(p);
        if (m > 0) {
            p += m;
            /* "Core(TM)2 Duo" -> "core 2 duo", but "FX(tm)-8350" -> "fx-8350". */
            if (n > 0 && is_alnum((unsigned char)tmp[n - 1]) && is_alnum((unsigned char)*p))
                tmp[n++] = ' ';
            continue;
        }
        unsigned char c = (unsigned char)*p++;
        if (is_space(c)) {
            if (n > 0 && tmp[n - 1] != ' ')
                tmp[n++] = ' ';
        } else {
            tmp[n++] = (char)lower(c);
        }
    }
    tmp[n] = '\0';

    /* Pass 2: drop filler words, "Nth Gen" and everything from "with" / "w/" on. */
    char *tok[MAX_TOKENS];
    int nt = split_tokens(tmp, tok, MAX_TOKENS);
    size_t o = 0;
    for (int i = 0; i < nt; i++) {
        const char *t = tok[i];
        if (*t == '\0')
            continue;
        if (strcmp(t, "with") == 0 || strcmp(t, "w/") == 0)
            break;
        if (is_ordinal(t) && i + 1 < nt && strcmp(tok[i + 1], "gen") == 0) {
            i++;
            continue;
        }
        if (is_filler(t))
            continue;
        size_t tl = strlen(t);
        size_t need = tl + (o > 0 ? 1 : 0);
        if (o + need >= len)
            break;
        if (o > 0)
            out[o++] = ' ';
        memcpy(out + o, t, tl);
        o += tl;
    }
    out[o] = '\0';
}

/* The vendor named by the n bytes at tok. */
static enum ct__cpu_vendor vendor_of(const char *tok, size_t n)
{
    if (n == 5 && memcmp(tok, "intel", 5) == 0)
        return CT__CPU_VENDOR_INTEL;
    if (n == 3 && memcmp(tok, "amd", 3) == 0)
        return CT__CPU_VENDOR_AMD;
    if (n == 5 && memcmp(tok, "apple", 5) == 0)
        return CT__CPU_VENDOR_APPLE;
    return CT__CPU_VENDOR_NONE;
}

/* Whether the n bytes at t hold a digit. */
static int has_digit(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t[i] >= '0' && t[i] <= '9')
            return 1;
    return 0;
}

int ct__cpu_name_parse(const char *raw, char *out, size_t len, size_t *body_off)
{
    *body_off = 0;
    ct__cpu_name_normalise(raw, out, len);
    if (len == 0)
        return CT__CPU_VENDOR_NONE;
    const char *sp = strchr(out, ' ');
    size_t fl = sp ? (size_t)(sp - out) : strlen(out);
    enum ct__cpu_vendor v = vendor_of(out, fl);
    if (v != CT__CPU_VENDOR_NONE)
        *body_off = sp ? fl + 1 : fl;
    return (int)v;
}

/* Copy body into store and split it into tokens there. Returns the count. */
static int tokens_of(const char *body, char *store, size_t store_len, char **tok)
{
    size_t bl = strlen(body);
    if (bl >= store_len)
        bl = store_len - 1;
    memcpy(store, body, bl);
    store[bl] = '\0';
    if (bl == 0)
        return 0;
    return split_tokens(store, tok, MAX_TOKENS);
}

/* Whether the n bytes at t are one of the tokens in set (lengths in set_len). */
static int token_in(const char *t, size_t n, char *const *set, const size_t *set_len, int n_set)
{
    for (int i = 0; i < n_set; i++)
        if (set_len[i] == n && memcmp(t, set[i], n) == 0)
            return 1;
    return 0;
}

int ct__cpu_tdp_lookup(const char *brand, double *tdp_w, char *matched, size_t matched_len)
{
    char bbuf[NAME_MAX_BYTES];
    size_t boff;
    enum ct__cpu_vendor bv =
        (enum ct__cpu_vendor)ct__cpu_name_parse(brand, bbuf, sizeof(bbuf), &boff);
    if (bbuf[0] == '\0')
        return -1;
    const char *bbody = bbuf + boff;

    char bstore[NAME_MAX_BYTES];
    char *btok[MAX_TOKENS];
    size_t blen[MAX_TOKENS];
    int nb = tokens_of(bbody, bstore, sizeof(bstore), btok);
    for (int k = 0; k < nb; k++)
        blen[k] = strlen(btok[k]);

    /* The table's names were normalised at build time (tools/gen_tables.c). */
    size_t best = ct__tdp_count;
    int best_level = 0, best_score = 0;
    for (size_t i = 0; i < ct__tdp_count; i++) {
        const struct ct__tdp_entry *en = &ct__tdp_table[i];
        const char *norm = ct__tdp_norm(en);
        if (norm[0] == '\0')
            continue;
        if (strcmp(norm, bbuf) == 0) {
            best = i;
            break; /* exact: first in file order wins outright */
        }
        /* Rows without a vendor word are AMD parts (see cpu_name.h). */
        enum ct__cpu_vendor ev = en->vendor == CT__CPU_VENDOR_NONE
                                     ? CT__CPU_VENDOR_AMD
                                     : (enum ct__cpu_vendor)en->vendor;
        if (bv != CT__CPU_VENDOR_NONE && ev != bv)
            continue;
        const char *ebody = norm + en->body_off;
        int level = 0, score = 0;
        if (ebody[0] != '\0' && strcmp(ebody, bbody) == 0) {
            level = 2;
        } else if (ebody[0] != '\0') {
            /* Every token of the entry (single spaces) a whole token of the brand. */
            int ne = 0, digit = 0, all = 1;
            for (const char *p = ebody; all;) {
                const char *sp = strchr(p, ' ');
                size_t n = sp ? (size_t)(sp - p) : strlen(p);
                all = token_in(p, n, btok, blen, nb);
                digit |= has_digit(p, n);
                ne++;
                if (!sp)
                    break;
                p = sp + 1;
            }
            if (all && digit) {
                level = 1;
                score = ne;
            }
        }
        if (level > best_level || (level == best_level && level == 1 && score > best_score)) {
            best = i;
            best_level = level;
            best_score = score;
        }
    }
    if (best == ct__tdp_count)
        return -1;
    if (tdp_w)
        *tdp_w = ct__tdp_table[best].tdp_w;
    if (matched && matched_len > 0) {
        const char *name = ct__tdp_name(&ct__tdp_table[best]);
        size_t l = strlen(name);
        if (l >= matched_len)
            l = matched_len - 1;
        memcpy(matched, name, l);
        matched[l] = '\0';
    }
    return 0;
}
