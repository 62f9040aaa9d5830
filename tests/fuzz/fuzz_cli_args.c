/*
 * fuzz_cli_args.c - libFuzzer target: the command's argument parser (cli_parse in src/cli/main.c)
 * over arbitrary argument vectors: the input is split at NUL bytes into up to 64 arguments after
 * "carbontracker". Whatever the arguments, the parser returns -1 (go on) or an exit status it
 * documents, never crashes, and what it accepted is a command line the library takes: the options
 * it produced pass the same validation ct_tracker_open() applies (ct_options_check). Seeds:
 * tests/fixtures/fuzz/cli_args (one argument vector per file, NUL-separated).
 */
#include "../../src/cli/cli.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) { /* usage errors, --help and --list-settings print */
        dup2(null, 1);
        dup2(null, 2);
        close(null);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *copy = malloc(size + 1);
    char *argv[MAX_ARGS + 2];
    int argc = 1;
    struct cli c;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    argv[0] = "carbontracker";
    for (size_t i = 0; i <= size && argc <= MAX_ARGS; i++) {
        argv[argc++] = copy + i;
        i += strlen(copy + i);
    }
    argv[argc] = NULL;
    int rc = cli_parse(&c, argc, argv);
    if (rc != -1 && rc != 0 && rc != CLI_EXIT_USAGE)
        abort(); /* only "go on", success (--help, --version, --list-settings) or a usage error */
    if (rc == -1 && c.command != NULL && (c.n_command < 1 || c.command[c.n_command] != NULL))
        abort(); /* the command is argv's tail, NULL-terminated */
    free(copy);
    return 0;
}
