/* check.h — the smallest test harness that will do: CHECK records a pass or a failure with the
 * file, line and a printf-style explanation; check_done() prints "N passed, N failed" and returns the
 * exit status.  Each tests/c/test_*.c is one program; tests/run-all adds their counts per suite. */
#ifndef LT_CHECK_H
#define LT_CHECK_H
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>

static int check_passed, check_failed;

static void check_report(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void check_report(int ok, const char *file, int line, const char *fmt, ...) {
    va_list ap;
    if (ok) { check_passed++; if (!getenv("CHECK_VERBOSE")) return; }
    else check_failed++;
    fprintf(ok ? stdout : stderr, "%s %s:%d: ", ok ? "ok  " : "FAIL", file, line);
    va_start(ap, fmt);
    vfprintf(ok ? stdout : stderr, fmt, ap);
    va_end(ap);
    fputc('\n', ok ? stdout : stderr);
}

/* CHECK(cond, "what was measured: %g", value) — the message should say what a listener would notice. */
#define CHECK(cond, ...) check_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static int check_done(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
    return check_failed ? 1 : 0;
}
#endif
