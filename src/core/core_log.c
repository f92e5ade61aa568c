/* SPDX-License-Identifier: MIT */
/*
 * core_log.c - one-line messages on stderr ("konseki: ...") and the progress line shown during
 * long work. Progress draws only when stderr is a terminal, at most every 100 ms, so piped runs
 * and tests see nothing but real messages.
 */
#include <stdio.h>
#include <unistd.h>

#include "core/core.h"

static bool quiet;
static bool progress_shown; /* a progress line is on the terminal; messages clear it first */

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
    /* One buffer, one write, so concurrent lines do not interleave mid-line. */
    char line[2048];
    int n = snprintf(line, sizeof line, "konseki: %s", prefix);
    size_t len = n > 0 ? (size_t)n : 0;
    int m = vsnprintf(line + len, sizeof line - len, fmt, ap);
    if (m > 0)
        len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = false;
    }
    fwrite(line, 1, len, stderr);
    fflush(stderr);
}

void ks_log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("", fmt, ap);
    va_end(ap);
}

void ks_log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning: ", fmt, ap);
    va_end(ap);
}

void ks_log_info(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog("", fmt, ap);
    va_end(ap);
}

void ks_log_set_quiet(bool q)
{
    quiet = q;
}

void ks_progress_start(struct ks_progress *p, const char *label, uint64_t total)
{
    p->label = label ? label : "";
    p->total = total;
    p->done = 0;
    p->start_ns = ks_time_mono();
    p->last_draw_ns = 0;
    p->enabled = isatty(STDERR_FILENO) == 1;
    p->drawn = false;
}

void ks_progress_update(struct ks_progress *p, uint64_t done, uint64_t events)
{
    p->done = done;
    if (!p->enabled)
        return;
    int64_t now = ks_time_mono();
    if (p->drawn && now - p->last_draw_ns < 100 * INT64_C(1000000))
        return;
    p->last_draw_ns = now;
    p->drawn = true;
    double secs = (double)(now - p->start_ns) / 1e9;
    double rate = secs > 0 ? (double)events / secs : 0;
    char line[256];
    int n;
    if (p->total)
        n = snprintf(line, sizeof line, "\r%s %5.1f%%  %.0f events/s  %.0fs\033[K", p->label,
                     100.0 * (double)done / (double)p->total, rate, secs);
    else
        n = snprintf(line, sizeof line, "\r%s  %.0f events/s  %.0fs\033[K", p->label, rate, secs);
    if (n > 0)
        fwrite(line, 1, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, stderr);
    fflush(stderr);
    progress_shown = true;
}

void ks_progress_finish(struct ks_progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
    progress_shown = false;
}
