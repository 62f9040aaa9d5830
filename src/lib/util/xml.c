/*
 * xml.c - the XML pull reader (xml.h) over libxml2's xmlTextReader, loaded with dlopen on first
 * use through util/dl.c, with our own declarations of the few functions used (no libxml2 header
 * is needed to build). Errors are collected by a handler of our own, never printed.
 */
#include "util/xml.h"

#include "../internal.h"
#include "util/dl.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libxml2's types, as far as they are used: opaque handles and its unsigned char strings. */
typedef struct ct__xml_reader xmlTextReader; /* struct _xmlTextReader */
typedef unsigned char xmlChar;
typedef void (*xmlTextReaderErrorFunc)(void *arg, const char *msg, int severity, void *locator);
typedef void (*xmlGenericErrorFunc)(void *ctx, const char *msg, ...);
typedef void (*xmlStructuredErrorFunc)(void *ctx, const void *error);

/* xmlParserOption values (libxml2 parser.h, stable since 2.6). */
#define XML_PARSE_NOERROR (1 << 5)
#define XML_PARSE_NOWARNING (1 << 6)
#define XML_PARSE_NONET (1 << 11)

static struct {
    void (*init_parser)(void);
    xmlTextReader *(*reader_for_memory)(const char *buffer, int size, const char *url,
                                        const char *encoding, int options);
    int (*read)(xmlTextReader *r);
    int (*node_type)(xmlTextReader *r);
    const xmlChar *(*local_name)(xmlTextReader *r);
    const xmlChar *(*value)(xmlTextReader *r);
    int (*depth)(xmlTextReader *r);
    int (*is_empty)(xmlTextReader *r);
    int (*line_number)(xmlTextReader *r);
    void (*set_error_handler)(xmlTextReader *r, xmlTextReaderErrorFunc f, void *arg);
    void (*free_reader)(xmlTextReader *r);
    void (*set_generic_error)(void *ctx, xmlGenericErrorFunc f);
    void (*set_structured_error)(void *ctx, xmlStructuredErrorFunc f);
} api;

static const char *const default_libraries[] = {"libxml2.so.2", "libxml2.so.16", NULL};
const char *const *ct__xml_libraries = default_libraries;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_rc = CT_ENOTSUP;
static char load_error[512] = "";

/* Load the first library of the list that opens, resolve every function, initialise the parser
 * (once per process; the library stays loaded until the process ends). */
static void load_xml(void)
{
    void *dl = NULL;
    const char *err = "", *missing = NULL;

    for (const char *const *name = ct__xml_libraries; *name != NULL && dl == NULL; name++)
        dl = ct__dl_open(*name, &err);
    if (dl == NULL) {
        snprintf(load_error, sizeof(load_error), "%s", err[0] ? err : "libxml2 not found");
        return;
    }
#define RESOLVE(field, sym)                                                                        \
    if (missing == NULL && CT__DL_SYM(dl, &api.field, sym) == NULL)                                \
    missing = sym
    RESOLVE(init_parser, "xmlInitParser");
    RESOLVE(reader_for_memory, "xmlReaderForMemory");
    RESOLVE(read, "xmlTextReaderRead");
    RESOLVE(node_type, "xmlTextReaderNodeType");
    RESOLVE(local_name, "xmlTextReaderConstLocalName");
    RESOLVE(value, "xmlTextReaderConstValue");
    RESOLVE(depth, "xmlTextReaderDepth");
    RESOLVE(is_empty, "xmlTextReaderIsEmptyElement");
    RESOLVE(line_number, "xmlTextReaderGetParserLineNumber");
    RESOLVE(set_error_handler, "xmlTextReaderSetErrorHandler");
    RESOLVE(free_reader, "xmlFreeTextReader");
    RESOLVE(set_generic_error, "xmlSetGenericErrorFunc");
    RESOLVE(set_structured_error, "xmlSetStructuredErrorFunc");
#undef RESOLVE
    if (missing != NULL) {
        snprintf(load_error, sizeof(load_error), "the libxml2 loaded has no %s()", missing);
        memset(&api, 0, sizeof(api));
        ct__dl_close(dl);
        return;
    }
    api.init_parser(); /* before any use from several threads */
    load_rc = CT_OK;
}

int ct__xml_load(char *why, size_t why_len)
{
    pthread_once(&load_once, load_xml);
    if (load_rc != CT_OK && why != NULL && why_len > 0)
        snprintf(why, why_len, "%s", load_error);
    return load_rc;
}

struct ct__xml {
    xmlTextReader *r;
};

/* Errors are read back through the line number and the return codes; nothing is printed. */
static void quiet(void *arg, const char *msg, int severity, void *locator)
{
    (void)arg;
    (void)msg;
    (void)severity;
    (void)locator;
}

/* libxml2 reports encoding and I/O errors through its per-thread generic handlers, which print
 * to stderr by default: this thread's are silenced before each document (only the carbon thread,
 * ours, reads XML). */
static void quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void quiet_structured(void *ctx, const void *error)
{
    (void)ctx;
    (void)error;
}

int ct__xml_open(const char *buf, size_t len, struct ct__xml **out, char *why, size_t why_len)
{
    struct ct__xml *x;
    int rc = ct__xml_load(why, why_len);

    *out = NULL;
    if (rc != CT_OK)
        return rc;
    if (len > INT_MAX)
        return CT_EINVAL;
    x = calloc(1, sizeof(*x));
    if (x == NULL)
        return CT_ENOMEM;
    api.set_generic_error(NULL, quiet_generic);
    api.set_structured_error(NULL, quiet_structured);
    x->r = api.reader_for_memory(buf != NULL ? buf : "", (int)len, NULL, NULL,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (x->r == NULL) {
        free(x);
        return CT_ENOMEM;
    }
    api.set_error_handler(x->r, quiet, NULL);
    *out = x;
    return CT_OK;
}

int ct__xml_next(struct ct__xml *x)
{
    for (;;) {
        int rc = api.read(x->r), type;
        if (rc == 0)
            return CT__XML_END;
        if (rc < 0)
            return -1;
        type = api.node_type(x->r);
        if (type == 1)
            return CT__XML_START;
        if (type == 3 || type == 4)
            return CT__XML_TEXT;
        if (type == 15)
            return CT__XML_CLOSE;
    }
}

const char *ct__xml_name(struct ct__xml *x)
{
    const xmlChar *n = api.local_name(x->r);
    return n != NULL ? (const char *)n : "";
}

const char *ct__xml_value(struct ct__xml *x)
{
    const xmlChar *v = api.value(x->r);
    return v != NULL ? (const char *)v : "";
}

int ct__xml_depth(struct ct__xml *x)
{
    return api.depth(x->r);
}

int ct__xml_empty(struct ct__xml *x)
{
    return api.is_empty(x->r) == 1;
}

int ct__xml_line(struct ct__xml *x)
{
    int n = api.line_number(x->r);
    return n > 0 ? n : 0;
}

void ct__xml_close(struct ct__xml *x)
{
    if (x == NULL)
        return;
    if (x->r != NULL)
        api.free_reader(x->r);
    free(x);
}
