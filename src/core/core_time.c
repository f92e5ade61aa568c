/* SPDX-License-Identifier: MIT */
/*
 * core_time.c - timestamps as int64 nanoseconds since the Unix epoch, UTC. Civil conversion uses
 * the days-from-civil algorithm (no timegm/mktime: thread-safe, independent of TZ and locale).
 * int64 ns spans 1677-09-21 .. 2262-04-11; dates outside it (Windows FILETIME 0 is 1601-01-01)
 * parse as KS_ERANGE and ks_time_from_civil() saturates.
 */
#include <string.h>
#include <time.h>

#include "core/core.h"

#define NS_MIN (KS_NS_PER_SEC * 60)

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

/* Seconds since the epoch to ns; false when it does not fit. */
static bool secs_to_ns(int64_t secs, int64_t nsec, int64_t *out)
{
    if (secs < 0 && nsec > 0) { /* so that the earliest second in range does not overflow */
        secs++;
        nsec -= KS_NS_PER_SEC;
    }
    if (secs > INT64_MAX / KS_NS_PER_SEC || secs < INT64_MIN / KS_NS_PER_SEC)
        return false;
    int64_t v = secs * KS_NS_PER_SEC;
    if ((nsec > 0 && v > INT64_MAX - nsec) || (nsec < 0 && v < INT64_MIN - nsec))
        return false;
    *out = v + nsec;
    return true;
}

static int64_t civil_secs(int year, int mon, int day, int hour, int min, int sec)
{
    return days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + (int64_t)hour * 3600 +
           (int64_t)min * 60 + sec;
}

int64_t ks_time_from_civil(int year, int mon, int day, int hour, int min, int sec, int64_t nsec)
{
    int64_t secs = civil_secs(year, mon, day, hour, min, sec), ns;
    if (!secs_to_ns(secs, nsec, &ns))
        return secs < 0 ? INT64_MIN : INT64_MAX;
    return ns;
}

void ks_time_to_civil(int64_t ns, int *year, int *mon, int *day, int *hour, int *min, int *sec,
                      int64_t *nsec)
{
    int64_t secs = ns / KS_NS_PER_SEC, frac = ns % KS_NS_PER_SEC;
    if (frac < 0) {
        frac += KS_NS_PER_SEC;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, year, mon, day);
    *hour = (int)(rem / 3600);
    *min = (int)(rem / 60 % 60);
    *sec = (int)(rem % 60);
    *nsec = frac;
}

static inline bool digits(const char *p, int count, int *out)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        unsigned d = (unsigned)(unsigned char)p[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + (int)d;
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* Parses "YYYY-MM-DD" at p (10 bytes available); OUT the fields. */
static bool parse_date(const char *p, int *y, int *m, int *d)
{
    return digits(p, 4, y) && p[4] == '-' && digits(p + 5, 2, m) && p[7] == '-' &&
           digits(p + 8, 2, d) && *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

int ks_time_parse_rfc3339(const char *p, size_t n, int64_t *ns)
{
    int y, mo, d, h, mi, s = 0;
    if (n < 16 || !parse_date(p, &y, &mo, &d))
        return KS_EFORMAT;
    if ((p[10] != 'T' && p[10] != 't' && p[10] != ' ') || !digits(p + 11, 2, &h) ||
        p[13] != ':' || !digits(p + 14, 2, &mi) || h > 23 || mi > 59)
        return KS_EFORMAT;
    size_t i = 16;
    if (i < n && p[i] == ':') {
        if (n - i < 3 || !digits(p + i + 1, 2, &s) || s > 60) /* 60: a leap second */
            return KS_EFORMAT;
        i += 3;
    }
    int64_t frac = 0;
    if (i < n && (p[i] == '.' || p[i] == ',')) {
        size_t start = ++i;
        int k = 0;
        for (; i < n && (unsigned)(p[i] - '0') <= 9; i++, k++) {
            if (k < 9)
                frac = frac * 10 + (p[i] - '0');
        }
        if (i == start)
            return KS_EFORMAT;
        for (; k < 9; k++)
            frac *= 10;
    }
    int64_t off = 0; /* seconds east of UTC */
    if (i < n) {
        char c = p[i];
        if (c == 'Z' || c == 'z') {
            i++;
        } else if (c == '+' || c == '-') {
            int oh, om = 0;
            if (n - i < 3 || !digits(p + i + 1, 2, &oh))
                return KS_EFORMAT;
            i += 3;
            if (i < n && p[i] == ':') {
                if (n - i < 3 || !digits(p + i + 1, 2, &om))
                    return KS_EFORMAT;
                i += 3;
            } else if (n - i >= 2 && digits(p + i, 2, &om)) {
                i += 2;
            }
            if (oh > 23 || om > 59)
                return KS_EFORMAT;
            off = (oh * 3600 + om * 60) * (c == '-' ? -1 : 1);
        } else {
            return KS_EFORMAT;
        }
    }
    if (i != n)
        return KS_EFORMAT;
    if (!secs_to_ns(civil_secs(y, mo, d, h, mi, s) - off, frac, ns))
        return KS_ERANGE;
    return 0;
}

int ks_time_parse_user(const char *p, size_t n, int64_t now_ns, int64_t *ns)
{
    struct ks_sv s = ks_sv_trim(ks_sv_make(p, n));
    int rc;
    if (s.n == 0)
        return KS_EFORMAT;
    if (s.p[0] == '@')
        return ks_parse_epoch_frac(s.p + 1, s.n - 1, ns);
    int64_t base = now_ns;
    bool now = ks_sv_starts_with(s, "now");
    if (now) {
        s.p += 3;
        s.n -= 3;
        if (s.n == 0) {
            *ns = now_ns;
            return 0;
        }
    }
    if (now || s.p[0] == '-' || s.p[0] == '+') {
        /* Relative: [+-]N(s|m|h|d|w) against now. */
        if (s.n < 3 || (s.p[0] != '-' && s.p[0] != '+'))
            return KS_EFORMAT;
        int64_t unit;
        switch (s.p[s.n - 1]) {
        case 's': unit = KS_NS_PER_SEC; break;
        case 'm': unit = NS_MIN; break;
        case 'h': unit = 60 * NS_MIN; break;
        case 'd': unit = 24 * 60 * NS_MIN; break;
        case 'w': unit = 7 * 24 * 60 * NS_MIN; break;
        default: return KS_EFORMAT;
        }
        uint64_t count;
        if ((rc = ks_parse_u64(s.p + 1, s.n - 2, &count)))
            return rc;
        if (count > (uint64_t)(INT64_MAX / unit))
            return KS_ERANGE;
        int64_t delta = (int64_t)count * unit;
        if (s.p[0] == '-') {
            if (base < INT64_MIN + delta)
                return KS_ERANGE;
            *ns = base - delta;
        } else {
            if (base > INT64_MAX - delta)
                return KS_ERANGE;
            *ns = base + delta;
        }
        return 0;
    }
    if (s.n == 10) {
        int y, m, d;
        if (!parse_date(s.p, &y, &m, &d))
            return KS_EFORMAT;
        if (!secs_to_ns(civil_secs(y, m, d, 0, 0, 0), 0, ns))
            return KS_ERANGE;
        return 0;
    }
    return ks_time_parse_rfc3339(s.p, s.n, ns);
}

size_t ks_time_format(int64_t ns, char *buf, size_t cap)
{
    int y, mo, d, h, mi, s;
    int64_t frac;
    ks_time_to_civil(ns, &y, &mo, &d, &h, &mi, &s, &frac);
    char tmp[KS_TIME_STRLEN];
    int vals[6] = {y, mo, d, h, mi, s};
    static const char seps[6] = {'-', '-', 'T', ':', ':', 0};
    size_t o = 0;
    for (int k = 0; k < 6; k++) {
        int width = k == 0 ? 4 : 2;
        for (int w = width - 1; w >= 0; w--) {
            tmp[o + (size_t)w] = (char)('0' + vals[k] % 10);
            vals[k] /= 10;
        }
        o += (size_t)width;
        if (seps[k])
            tmp[o++] = seps[k];
    }
    if (frac) {
        int digits_out = 9;
        while (digits_out > 3 && frac % 1000 == 0) {
            frac /= 1000;
            digits_out -= 3;
        }
        tmp[o++] = '.';
        for (int w = digits_out - 1; w >= 0; w--) {
            tmp[o + (size_t)w] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += (size_t)digits_out;
    }
    tmp[o++] = 'Z';
    if (cap == 0)
        return o;
    size_t w = o < cap ? o : cap - 1;
    memcpy(buf, tmp, w);
    buf[w] = '\0';
    return o;
}

int64_t ks_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * KS_NS_PER_SEC + ts.tv_nsec;
}

int64_t ks_time_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * KS_NS_PER_SEC + ts.tv_nsec;
}
