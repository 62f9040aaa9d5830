/*
 * console_capture.h - collects what a tracker prints (ct_options.message) so tests can assert the
 * exact console text: set o.message = console_capture and o.message_user = &buf.
 */
#ifndef CT_TEST_CONSOLE_CAPTURE_H
#define CT_TEST_CONSOLE_CAPTURE_H

#include <stddef.h>

struct console_buf {
    char text[65536]; /* every message followed by '\n', NUL-terminated */
    size_t len;
};

/* A ct_message_fn: appends text and a newline to the struct console_buf in user (truncates when
 * full). */
void console_capture(void *user, int level, const char *text);

/* Forget what was captured. */
void console_reset(struct console_buf *b);

#endif
