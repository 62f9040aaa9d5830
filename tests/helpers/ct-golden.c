/*
 * ct-golden.c - command-line front end of the golden-file normaliser (golden.h) for shell
 * integration tests: reads a text on stdin and writes it normalised on stdout, after replacing
 * each literal FROM by its TO (fixture paths made by mktemp, the build directory, ...).
 * Exit: 0 ok, 1 failure (message on stderr), 2 usage.
 */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] = "usage: ct-golden normalise [FROM TO]... <IN >OUT\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "normalise") != 0 || (argc - 2) % 2 != 0) {
        fputs(usage_text, stderr);
        return 2;
    }
    size_t n_subst = (size_t)(argc - 2) / 2;
    struct golden_subst *subst = calloc(n_subst + 1, sizeof(*subst));
    size_t cap = 65536, len = 0, got;
    char *in = malloc(cap);
    int rc = 1;
    if (!subst || !in)
        goto fail;
    for (size_t i = 0; i < n_subst; i++) {
        subst[i].from = argv[2 + 2 * i];
        subst[i].to = argv[3 + 2 * i];
        if (!*subst[i].from) {
            fputs("ct-golden: an empty FROM\n", stderr);
            goto fail;
        }
    }
    while ((got = fread(in + len, 1, cap - len - 1, stdin)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *more = realloc(in, cap * 2);
            if (!more)
                goto fail;
            in = more;
            cap *= 2;
        }
    }
    in[len] = '\0';
    if (memchr(in, '\0', len)) {
        fputs("ct-golden: the input holds a NUL byte\n", stderr);
        goto fail;
    }
    char *out = golden_normalise(in, subst, n_subst);
    if (!out)
        goto fail;
    fputs(out, stdout);
    free(out);
    rc = fflush(stdout) == 0 ? 0 : 1;
fail:
    if (rc != 0 && !ferror(stdout))
        fputs("ct-golden: failed\n", stderr);
    free(subst);
    free(in);
    return rc;
}
