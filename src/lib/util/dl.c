/*
 * dl.c - dlopen and symbol resolution for the meters that load a vendor library at run time
 * (NVML today): one place that copies a dlsym result into a function pointer.
 */
#include "util/dl.h"

#include <dlfcn.h>
#include <string.h>

_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
               "dlsym results must fit function pointers");

void *ct__dl_open(const char *name, const char **err)
{
    *err = "";
    dlerror(); /* clear a stale message */
    void *dl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        if (e)
            *err = e;
    }
    return dl;
}

const char *ct__dl_sym(void *dl, void *fn_slot, const char *const *names)
{
    void *p = NULL;
    const char *used = NULL;
    for (; *names; names++) {
        p = dlsym(dl, *names);
        if (p) {
            used = *names;
            break;
        }
    }
    memcpy(fn_slot, &p, sizeof(p));
    return used;
}

void ct__dl_close(void *dl)
{
    if (dl)
        dlclose(dl);
}
