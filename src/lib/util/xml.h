/*
 * xml.h - a pull reader over XML bytes through libxml2's xmlTextReader, which is loaded at run
 * time (dlopen of libxml2.so.2, Debian's libxml2) by the first reader made, so that only the
 * providers that read XML (ENTSO-E) ever map it. No network, no external entities, no DTD
 * loading, nothing printed (the calling thread's libxml2 error handlers are set to silent ones).
 */
#ifndef CT_UTIL_XML_H
#define CT_UTIL_XML_H

#include <stddef.h>

/* The library loaded, the Debian package that has it, and the names tried in turn. */
#define CT__XML_PACKAGE "libxml2"
/* What is dlopen'ed, in turn; tests set another list before the first reader. */
extern const char *const *ct__xml_libraries;

/* Load libxml2 once per process (thread-safe). CT_OK, or CT_ENOTSUP with why (the dlopen error,
 * or a function the library lacks). ct__xml_open calls it. */
int ct__xml_load(char *why, size_t why_len);

struct ct__xml;

/* What the reader stands on after ct__xml_next. */
enum ct__xml_node {
    CT__XML_END = 0,   /* the document ended */
    CT__XML_START = 1, /* an element opens: ct__xml_name; ct__xml_empty says <x/> */
    CT__XML_TEXT = 3,  /* text or CDATA: ct__xml_value */
    CT__XML_CLOSE = 15 /* an element closes: ct__xml_name */
};

/* A reader over buf[0..len) (not copied: it must outlive the reader). CT_OK; CT_ENOTSUP (no
 * libxml2, why says so), CT_EINVAL (len over INT_MAX), CT_ENOMEM. */
int ct__xml_open(const char *buf, size_t len, struct ct__xml **out, char *why, size_t why_len);
/* Advance to the next start, text or close node (others are skipped): its enum ct__xml_node, or
 * -1 for malformed XML (ct__xml_line tells where). */
int ct__xml_next(struct ct__xml *x);
/* The local name (no namespace prefix) of the current element; "" for text. Owned by the reader,
 * valid until the next ct__xml_next. */
const char *ct__xml_name(struct ct__xml *x);
/* The current text; "" otherwise. Valid until the next ct__xml_next. */
const char *ct__xml_value(struct ct__xml *x);
/* The depth of the current node (the root element is 0). */
int ct__xml_depth(struct ct__xml *x);
/* 1 for an element written <x/> (no close node follows). */
int ct__xml_empty(struct ct__xml *x);
/* The input line the reader is at (1-based; 0 when unknown). */
int ct__xml_line(struct ct__xml *x);
void ct__xml_close(struct ct__xml *x);

#endif
