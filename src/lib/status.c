/*
 * status.c - status codes, versions, provenance names and the small public helpers that own no
 * tracker state (the option initialisers are options.c's, generated from options_table.h).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CT_API unsigned ct_version(void)
{
    return CT_VERSION_HEX;
}

CT_API const char *ct_version_string(void)
{
    return CT_VERSION_STRING;
}

CT_API const char *ct_strerror(int status)
{
    switch (status) {
#define CT__STATUS_TEXT(name, value, text)                                                         \
    case value:                                                                                    \
        return text;
        CT_STATUS_MAP(CT__STATUS_TEXT)
#undef CT__STATUS_TEXT
    }
    return "unknown status";
}

CT_API const char *ct_status_name(int status)
{
    switch (status) {
#define CT__STATUS_NAME(name, value, text)                                                         \
    case value:                                                                                    \
        return #name;
        CT_STATUS_MAP(CT__STATUS_NAME)
#undef CT__STATUS_NAME
    }
    return NULL;
}

CT_API const char *ct_provenance_name(int provenance)
{
    switch (provenance) {
    case CT_PROVENANCE_MEASURED:
        return "measured";
    case CT_PROVENANCE_INTEGRATED:
        return "integrated";
    case CT_PROVENANCE_ESTIMATED:
        return "estimated";
    case CT_PROVENANCE_SIMULATED:
        return "simulated";
    }
    return "unknown";
}

CT_API size_t ct_struct_size(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, "ct_options") == 0)
        return sizeof(ct_options);
    if (strcmp(name, "ct_epoch_result") == 0)
        return sizeof(ct_epoch_result);
    if (strcmp(name, "ct_summary") == 0)
        return sizeof(ct_summary);
    if (strcmp(name, "ct_device_energy") == 0)
        return sizeof(ct_device_energy);
    if (strcmp(name, "ct_live") == 0)
        return sizeof(ct_live);
    if (strcmp(name, "ct_advice") == 0)
        return sizeof(ct_advice);
    if (strcmp(name, "ct_option_desc") == 0)
        return sizeof(ct_option_desc);
    if (strcmp(name, "ct_setting_desc") == 0)
        return sizeof(ct_setting_desc);
    return 0;
}

CT_API void ct_free(void *p)
{
    free(p);
}

CT_API void ct_message_stdout(void *user, int level, const char *text)
{
    (void)user;
    (void)level;
    fputs(text, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}
