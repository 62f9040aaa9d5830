/*
 * fuzz_api_keys.c - libFuzzer target: the --api_keys JSON (check_api_keys in src/cli/main.c,
 * through cli_parse) over arbitrary bytes. A value is accepted only when it is a JSON object of
 * strings naming providers with an api_key setting; then the Electricity Maps key reaches its
 * option field exactly, and nothing else is set. Anything else is a usage error, never a crash.
 * Seeds: tests/fixtures/fuzz/api_keys.
 */
#include "../../src/cli/cli.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, 2);
        close(null);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *value = malloc(size + 1);
    struct cli c;

    if (value == NULL)
        return 0;
    memcpy(value, data, size);
    value[size] = '\0';
    char *argv[] = {"carbontracker", "--offline", "--api_keys", value, "true", NULL};
    int rc = cli_parse(&c, 5, argv);
    json_t *root = json_loads(value, JSON_REJECT_DUPLICATES, NULL);
    if (rc == -1) {
        if (!json_is_object(root))
            abort(); /* accepted only a JSON object */
        const json_t *em = NULL;
        const char *name;
        json_t *v;
        json_object_foreach(root, name, v)
        {
            if (!json_is_string(v))
                abort();
            if (strcasecmp(name, "electricitymaps") == 0)
                em = v;
        }
        if (em != NULL && (c.opts.electricitymaps_api_key == NULL ||
                           strcmp(c.opts.electricitymaps_api_key, json_string_value(em)) != 0))
            abort();
    } else if (rc != CLI_EXIT_USAGE) {
        abort();
    }
    json_decref(root);
    free(value);
    return 0;
}
