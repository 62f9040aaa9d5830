/*
 * dl.h - loading a vendor library at run time (dlopen) and resolving its functions, newest symbol
 * version first, so that no vendor library is linked or needed at build time. Each meter keeps
 * its own library-path option, default name and messages; this is the part they share.
 */
#ifndef CT_UTIL_DL_H
#define CT_UTIL_DL_H

/*
 * dlopen `name` (a path, or a bare name searched on the loader's path) with RTLD_NOW |
 * RTLD_LOCAL. Returns the handle, or NULL with *err set to the loader's message ("" when it gives
 * none; valid until the thread's next dl* call).
 */
void *ct__dl_open(const char *name, const char **err);

/*
 * Resolve the first of `names` (NULL-terminated, newest version first) that `dl` exports into
 * *fn_slot, a function pointer of any type. Returns the name resolved, or NULL when none is there
 * (then *fn_slot is NULL).
 */
const char *ct__dl_sym(void *dl, void *fn_slot, const char *const *names);

/* ct__dl_sym with the names as arguments: CT__DL_SYM(dl, &api->init, "nvmlInit_v2", "nvmlInit"). */
#define CT__DL_SYM(dl, fn_slot, ...)                                                               \
    ct__dl_sym((dl), (fn_slot), (const char *const[]){__VA_ARGS__, NULL})

/* dlclose; NULL is accepted. */
void ct__dl_close(void *dl);

#endif
