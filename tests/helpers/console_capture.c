/*
 * console_capture.c - see console_capture.h.
 */
#include "console_capture.h"

#include <stdio.h>

void console_capture(void *user, int level, const char *text)
{
    struct console_buf *b = user;
    (void)level;
    int n = snprintf(b->text + b->len, sizeof(b->text) - b->len, "%s\n", text);
    if (n > 0)
        b->len += (size_t)n < sizeof(b->text) - b->len ? (size_t)n : sizeof(b->text) - 1 - b->len;
}

void console_reset(struct console_buf *b)
{
    b->len = 0;
    b->text[0] = '\0';
}
