/*
 * ct_assert.h - cmocka assertions that print both sides on failure where cmocka 1.1 has none:
 * doubles (exact, or within a tolerance, printed with all 17 digits), NaN, ordered comparisons of
 * integers and doubles, and substrings and prefixes of a text (the text is printed). Each fails
 * through cmocka's fail machinery, so the test stops with the file and line of the assertion.
 */
#ifndef CT_TEST_ASSERT_H
#define CT_TEST_ASSERT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

/* actual == expected, compared as doubles (a NaN never passes). */
#define ct_assert_double_equal(expected, actual)                                                   \
    ct__assert_double((expected), (actual), 0.0, CT__EXACT, #expected, #actual, __FILE__, __LINE__)

/* fabs(actual - expected) < eps: strictly inside the tolerance. */
#define ct_assert_double_near(expected, actual, eps)                                               \
    ct__assert_double((expected), (actual), (eps), CT__BELOW, #expected, #actual, __FILE__,        \
                      __LINE__)

/* fabs(actual - expected) <= eps: the tolerance itself still passes (eps 0 is exact). */
#define ct_assert_double_within(expected, actual, eps)                                             \
    ct__assert_double((expected), (actual), (eps), CT__UPTO, #expected, #actual, __FILE__, __LINE__)

/* isnan(actual). */
#define ct_assert_nan(actual) ct__assert_nan((actual), #actual, __FILE__, __LINE__)

/* a op b with both sides converted to intmax_t, uintmax_t or double first, e.g.
 * ct_assert_cmp_uint(ct__now_ns() - t0, <, 500000000ull). */
#define ct_assert_cmp_int(a, op, b)                                                                \
    do {                                                                                           \
        intmax_t ct_a_ = (intmax_t)(a), ct_b_ = (intmax_t)(b);                                     \
        if (!(ct_a_ op ct_b_)) {                                                                   \
            print_error("%s %s %s failed: %jd %s %jd\n", #a, #op, #b, ct_a_, #op, ct_b_);          \
            _fail(__FILE__, __LINE__);                                                             \
        }                                                                                          \
    } while (0)

#define ct_assert_cmp_uint(a, op, b)                                                               \
    do {                                                                                           \
        uintmax_t ct_a_ = (uintmax_t)(a), ct_b_ = (uintmax_t)(b);                                  \
        if (!(ct_a_ op ct_b_)) {                                                                   \
            print_error("%s %s %s failed: %ju %s %ju\n", #a, #op, #b, ct_a_, #op, ct_b_);          \
            _fail(__FILE__, __LINE__);                                                             \
        }                                                                                          \
    } while (0)

#define ct_assert_cmp_double(a, op, b)                                                             \
    do {                                                                                           \
        double ct_a_ = (double)(a), ct_b_ = (double)(b);                                           \
        if (!(ct_a_ op ct_b_)) {                                                                   \
            print_error("%s %s %s failed: %.17g %s %.17g\n", #a, #op, #b, ct_a_, #op, ct_b_);      \
            _fail(__FILE__, __LINE__);                                                             \
        }                                                                                          \
    } while (0)

/* strstr(text, needle) != NULL, and == NULL. */
#define ct_assert_contains(text, needle)                                                           \
    ct__assert_contains((text), (needle), 1, #text, __FILE__, __LINE__)
#define ct_assert_not_contains(text, needle)                                                       \
    ct__assert_contains((text), (needle), 0, #text, __FILE__, __LINE__)

/* strncmp(text, prefix, strlen(prefix)) == 0. */
#define ct_assert_prefix(text, prefix)                                                             \
    ct__assert_prefix((text), (prefix), #text, __FILE__, __LINE__)

enum ct__tolerance { CT__EXACT, CT__BELOW, CT__UPTO };

static inline void ct__assert_double(double expected, double actual, double eps,
                                     enum ct__tolerance how, const char *expected_expr,
                                     const char *actual_expr, const char *file, int line)
{
    double off = fabs(actual - expected);
    int ok = how == CT__EXACT ? actual == expected : how == CT__BELOW ? off < eps : off <= eps;
    if (ok)
        return;
    if (how == CT__EXACT)
        print_error("%s: expected %.17g (%s), got %.17g\n", actual_expr, expected, expected_expr,
                    actual);
    else
        print_error("%s: expected %.17g (%s) +- %g (%s), got %.17g, off by %g\n", actual_expr,
                    expected, expected_expr, eps, how == CT__BELOW ? "exclusive" : "inclusive",
                    actual, off);
    _fail(file, line);
}

static inline void ct__assert_nan(double actual, const char *actual_expr, const char *file,
                                  int line)
{
    if (isnan(actual))
        return;
    print_error("%s: expected NaN, got %.17g\n", actual_expr, actual);
    _fail(file, line);
}

static inline void ct__assert_contains(const char *text, const char *needle, int want,
                                       const char *text_expr, const char *file, int line)
{
    if (text == NULL) {
        print_error("%s is NULL, expected a text %s \"%s\"\n", text_expr,
                    want ? "containing" : "without", needle);
        _fail(file, line);
        return;
    }
    if ((strstr(text, needle) != NULL) == want)
        return;
    print_error("%s: expected %s \"%s\", got \"%s\"\n", text_expr,
                want ? "a text containing" : "a text without", needle, text);
    _fail(file, line);
}

static inline void ct__assert_prefix(const char *text, const char *prefix, const char *text_expr,
                                     const char *file, int line)
{
    if (text != NULL && strncmp(text, prefix, strlen(prefix)) == 0)
        return;
    print_error("%s: expected a text starting with \"%s\", got %s%s%s\n", text_expr, prefix,
                text ? "\"" : "", text ? text : "NULL", text ? "\"" : "");
    _fail(file, line);
}

#endif
