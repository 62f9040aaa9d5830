/*
 * gen_tables.c - build-time generator: turns data/cpu-tdp.csv, data/carbon-intensity.csv (with
 * data/carbon-intensity-zones.csv, the sub-national grid zones), data/emission-factors.csv and
 * data/cloud-regions.csv into a C file with the tables declared in src/lib/tables.h, so the
 * library needs no data files at run time. Malformed rows are reported on stderr and skipped; the
 * build fails on unreadable input.
 *
 * Each CPU name is also stored normalised (src/lib/energy/cpu_name.c, compiled into this
 * program), so that a TDP lookup normalises only the brand it looks for, not 2,000 table rows.
 * The TDP rows name their strings by offset into one array (ct__tdp_strings), never by pointer:
 * a pointer in a table is a relocation that every program loading the library pays for.
 *
 * usage: ct_gen_tables CPU_TDP_CSV INTENSITY_CSV ZONES_CSV FACTORS_CSV CLOUD_REGIONS_CSV OUTPUT_C
 */
#include "energy/cpu_name.h"
#include "tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cpu_name.c is linked for its normaliser; its lookup, which reads the tables this program
 * writes, is never called here. */
const struct ct__tdp_entry ct__tdp_table[1];
const size_t ct__tdp_count = 0;
const char ct__tdp_strings[1];

static void emit_cstring(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(out, "\\%03o", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* The TDP rows' strings, written as C source to `text` (one literal per string, each ending in
 * its NUL) while `len` counts the bytes they take in ct__tdp_strings. */
struct strings {
    FILE *text;
    char *buf;
    size_t buf_len;
    size_t len;
};

/* Append s to the pool; returns its offset. */
static unsigned pool_add(struct strings *p, const char *s)
{
    size_t off = p->len;
    fputs("    ", p->text);
    emit_cstring(p->text, s);
    fputs(" \"\\0\"\n", p->text);
    p->len += strlen(s) + 1;
    return (unsigned)off;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/* Upstream's quirk for values like "27.29.5": mean(float("27.29"), float("27.5")). */
static int parse_tdp(const char *v, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (end != v && *end == '\0' && errno == 0 && d >= 0) {
        *out = d;
        return 0;
    }
    const char *first = strchr(v, '.');
    const char *second = first ? strchr(first + 1, '.') : NULL;
    if (second && !strchr(second + 1, '.')) {
        char a[64], b[64];
        size_t la = (size_t)(second - v);
        size_t lint = (size_t)(first - v);
        if (la < sizeof(a) && lint + strlen(second) < sizeof(b)) {
            memcpy(a, v, la);
            a[la] = '\0';
            memcpy(b, v, lint);
            strcpy(b + lint, second);
            char *ea, *eb;
            double x = strtod(a, &ea), y = strtod(b, &eb);
            if (*ea == '\0' && *eb == '\0') {
                *out = (x + y) / 2.0;
                return 0;
            }
        }
    }
    return -1;
}

struct row {
    char code[16];
    char entity[128];
    int year;
    double value;
};

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const struct row *)a)->code, ((const struct row *)b)->code);
}

/* Split a CSV line on commas; fields may be double-quoted (entity names such as "Korea, ..."). */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        if (*p == '"') {
            p++;
            fields[n++] = p;
            char *w = p;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"' && p[1] == '"')
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            *w = '\0';
            if (*p == ',')
                p++;
            else
                break;
        } else {
            fields[n++] = p;
            char *c = strchr(p, ',');
            if (!c)
                break;
            *c = '\0';
            p = c + 1;
        }
    }
    return n;
}

/* 1 when s is a lower-case cloud or region name (letters, digits, '-') of 1 to max-1 chars. */
static int is_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    return 1;
}

/* data/cloud-regions.csv (cloud,region,zone,location) as ct__cloud_region_table, in file order.
 * Returns the rows written, or -1 when a row is malformed (the build must not ship a wrong
 * mapping silently). */
static int emit_cloud_regions(FILE *in, const char *name, FILE *out)
{
    char line[512];
    int lineno = 0, count = 0;

    fprintf(out, "\nconst struct ct__cloud_region_entry ct__cloud_region_table[] = {\n");
    while (fgets(line, sizeof(line), in)) {
        char *f[5];
        lineno++;
        chomp(line);
        if (lineno == 1 || line[0] == '\0')
            continue;
        int n = split_csv(line, f, 5);
        size_t zl = n == 4 ? strlen(f[2]) : 0;
        if (n != 4 ||
            (strcmp(f[0], "aws") != 0 && strcmp(f[0], "gcp") != 0 && strcmp(f[0], "azure") != 0) ||
            !is_name(f[1], 40) || zl < 2 || zl > 15 || f[2][0] < 'A' || f[2][0] > 'Z' ||
            f[3][0] == '\0') {
            fprintf(stderr, "ct_gen_tables: %s:%d: malformed cloud region row\n", name, lineno);
            return -1;
        }
        fputs("    {", out);
        for (int i = 0; i < 4; i++) {
            emit_cstring(out, f[i]);
            fputs(i < 3 ? ", " : "},\n", out);
        }
        count++;
    }
    fprintf(out, "};\nconst size_t ct__cloud_region_count = %d;\n", count);
    return count;
}

/* A zone code as the table keeps it: "DK" (countries), or "US-MIDA-PJM" (zones: two letters, then
 * '-' and upper-case letters, digits and '-'). */
static int valid_code(const char *code, int zone)
{
    size_t n = strlen(code);
    if (!zone)
        return n == 2; /* countries as the source spells them ("NA" is Namibia) */
    if (n < 2 || n >= sizeof(((struct row *)0)->code) || (!zone && n != 2) || (zone && n < 4))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        int ok = (c >= 'A' && c <= 'Z') || (i >= 2 && ((c >= '0' && c <= '9') || c == '-'));
        if (!ok || (zone && i == 2 && c != '-'))
            return 0;
    }
    return 1;
}

/* Intensity rows "code,Entity,Code,Year,gCO2eq/kWh" (header first, '#' lines are comments) into
 * rows; zone: the codes are sub-national zones rather than alpha-2 countries. */
static int read_intensity(FILE *ci, const char *path, int zone, struct row *rows, size_t *nrows)
{
    char line[1024];
    int lineno = 0;

    while (fgets(line, sizeof(line), ci)) {
        lineno++;
        chomp(line);
        if (lineno == 1 || line[0] == '\0' || line[0] == '#')
            continue;
        char *f[6];
        int n = split_csv(line, f, 6);
        char *end;
        double v = n == 5 ? strtod(f[4], &end) : 0;
        if (n != 5 || !valid_code(f[0], zone) || *end != '\0' || v < 0 || *nrows >= 512) {
            fprintf(stderr, "ct_gen_tables: %s:%d: invalid intensity row skipped\n", path, lineno);
            continue;
        }
        for (size_t i = 0; i < *nrows; i++)
            if (strcmp(rows[i].code, f[0]) == 0) {
                fprintf(stderr, "ct_gen_tables: %s:%d: duplicate code %s\n", path, lineno, f[0]);
                return -1;
            }
        struct row *r = &rows[(*nrows)++];
        snprintf(r->code, sizeof(r->code), "%s", f[0]);
        snprintf(r->entity, sizeof(r->entity), "%s", f[1]);
        r->year = atoi(f[3]);
        r->value = v;
    }
    return 0;
}

/* Emission factor rows "zone,mode,gCO2eq/kWh,source" ('*' = every zone) as a table. */
static int write_factors(FILE *in, const char *path, FILE *out)
{
    char line[1024];
    int lineno = 0;
    size_t n = 0;

    fprintf(out, "const struct ct__factor_entry ct__factor_table[] = {\n");
    while (fgets(line, sizeof(line), in)) {
        lineno++;
        chomp(line);
        if (lineno == 1 || line[0] == '\0' || line[0] == '#')
            continue;
        char *f[5], *end;
        int k = split_csv(line, f, 5);
        double v = k == 4 ? strtod(f[2], &end) : -1;
        if (k != 4 || f[0][0] == '\0' || f[1][0] == '\0' || *end != '\0' || !(v >= 0)) {
            fprintf(stderr, "ct_gen_tables: %s:%d: invalid emission factor row\n", path, lineno);
            return -1;
        }
        fputs("    {", out);
        emit_cstring(out, f[0]);
        fputs(", ", out);
        emit_cstring(out, f[1]);
        fprintf(out, ", %.17g, ", v);
        emit_cstring(out, f[3]);
        fputs("},\n", out);
        n++;
    }
    fprintf(out, "};\nconst size_t ct__factor_count = %zu;\n", n);
    return n > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr,
                "usage: %s CPU_TDP_CSV INTENSITY_CSV ZONES_CSV FACTORS_CSV CLOUD_REGIONS_CSV "
                "OUTPUT_C\n",
                argv[0]);
        return 2;
    }
    FILE *tdp = fopen(argv[1], "r");
    FILE *ci = fopen(argv[2], "r");
    FILE *zones = fopen(argv[3], "r");
    FILE *factors = fopen(argv[4], "r");
    FILE *cloud = fopen(argv[5], "r");
    FILE *out = fopen(argv[6], "w");
    if (!tdp || !ci || !zones || !factors || !cloud || !out) {
        fprintf(stderr, "ct_gen_tables: cannot open input or output: %s\n", strerror(errno));
        return 1;
    }
    char line[1024];
    fprintf(out,
            "/* Generated by tools/gen_tables.c from the CSV files in data/. Do not edit. */\n");
    fprintf(out, "#include \"tables.h\"\n\nconst struct ct__tdp_entry ct__tdp_table[] = {\n");
    size_t count = 0, unique = 0;
    double sum = 0;
    int lineno = 0;
    static char seen[8192][96];
    struct strings pool = {0};
    pool.text = open_memstream(&pool.buf, &pool.buf_len);
    if (!pool.text) {
        fprintf(stderr, "ct_gen_tables: out of memory\n");
        return 1;
    }
    while (fgets(line, sizeof(line), tdp)) {
        lineno++;
        chomp(line);
        if (lineno == 1 || line[0] == '\0')
            continue;
        char *f[4];
        int n = split_csv(line, f, 4);
        double w;
        if (n != 2 || parse_tdp(f[1], &w) != 0) {
            fprintf(stderr, "ct_gen_tables: %s:%d: invalid TDP row skipped\n", argv[1], lineno);
            continue;
        }
        char norm[CT__CPU_NAME_MAX];
        size_t body_off;
        int vendor = ct__cpu_name_parse(f[0], norm, sizeof(norm), &body_off);
        unsigned name_off = pool_add(&pool, f[0]);
        unsigned norm_off = pool_add(&pool, norm);
        fprintf(out, "    {%.17g, %u, %u, %d, %zu},\n", w, name_off, norm_off, vendor, body_off);
        count++;
        /* The mean counts each name once, as upstream's dict of the table does. */
        int dup = 0;
        for (size_t k = 0; k < unique && !dup; k++)
            dup = strcmp(seen[k], f[0]) == 0;
        if (!dup && unique < sizeof(seen) / sizeof(seen[0])) {
            snprintf(seen[unique++], sizeof(seen[0]), "%s", f[0]);
            sum += w;
        }
    }
    fprintf(out, "};\nconst size_t ct__tdp_count = %zu;\n", count);
    fprintf(out, "const double ct__tdp_mean_w = %.17g;\n", unique ? sum / (double)unique : 0.0);
    if (fclose(pool.text) != 0 || pool.len >= 0xffffffffu) {
        fprintf(stderr, "ct_gen_tables: cannot hold the TDP table's names\n");
        return 1;
    }
    fprintf(out, "const char ct__tdp_strings[] =\n%s    \"\";\n\n", pool.buf ? pool.buf : "");
    free(pool.buf);

    struct row rows[512];
    size_t nrows = 0;
    if (read_intensity(ci, argv[2], 0, rows, &nrows) != 0 ||
        read_intensity(zones, argv[3], 1, rows, &nrows) != 0)
        return 1;
    qsort(rows, nrows, sizeof(rows[0]), cmp_row);
    fprintf(out, "const struct ct__intensity_entry ct__intensity_table[] = {\n");
    for (size_t i = 0; i < nrows; i++) {
        fputs("    {", out);
        emit_cstring(out, rows[i].code);
        fputs(", ", out);
        emit_cstring(out, rows[i].entity);
        fprintf(out, ", %d, %.17g},\n", rows[i].year, rows[i].value);
    }
    fprintf(out, "};\nconst size_t ct__intensity_count = %zu;\n\n", nrows);
    if (write_factors(factors, argv[4], out) != 0)
        return 1;
    int nclouds = emit_cloud_regions(cloud, argv[5], out);
    if (fclose(out) != 0 || count == 0 || nrows == 0 || nclouds <= 0) {
        fprintf(stderr, "ct_gen_tables: failed to write %s\n", argv[6]);
        remove(argv[6]);
        return 1;
    }
    fclose(tdp);
    fclose(ci);
    fclose(zones);
    fclose(factors);
    fclose(cloud);
    return 0;
}
