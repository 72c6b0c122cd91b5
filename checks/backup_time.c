/* Times of backup sources: parsed into UTC seconds with the zone the source wrote, formatted
 * for findings. No locale, no strptime: the formats are few and the input is outside data. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backup.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's well-known method,
 * written from its description). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int mdays(int y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return n[m - 1];
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* "+HH:MM", "+HHMM", "+HH" (or '-') into seconds east of UTC. */
static int offset_parse(const char **p, int *off)
{
    char sign = **p;
    if (sign != '+' && sign != '-')
        return -1;
    (*p)++;
    int h, m = 0;
    if (digits(p, 2, &h) < 0)
        return -1;
    if (**p == ':') {
        (*p)++;
        if (digits(p, 2, &m) < 0)
            return -1;
    } else if (isdigit((unsigned char)**p)) {
        if (digits(p, 2, &m) < 0)
            return -1;
    }
    if (h > 23 || m > 59)
        return -1;
    *off = (h * 3600 + m * 60) * (sign == '-' ? -1 : 1);
    return 0;
}

/* A naive broken-down time read in tz: local, utc or a fixed offset. */
static int naive_to_utc(int y, int mo, int d, int h, int mi, int s, const char *tz, int64_t *out)
{
    int64_t utc = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
    if (tz && (!strcasecmp(tz, "utc") || !strcmp(tz, "Z"))) {
        *out = utc;
        return 0;
    }
    if (tz && (tz[0] == '+' || tz[0] == '-')) {
        const char *p = tz;
        int off;
        if (offset_parse(&p, &off) < 0 || *p)
            return -1;
        *out = utc - off;
        return 0;
    }
    if (tz && strcasecmp(tz, "local") != 0)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = s, .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (t == (time_t)-1 && !(y == 1969 || y == 1970))
        return -1;
    *out = (int64_t)t;
    return 0;
}

static int epoch_parse(const char *s, const char *end, int64_t *out)
{
    int64_t v = 0;
    const char *p = s;
    bool neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p == end)
        return -1;
    for (; p < end && isdigit((unsigned char)*p); p++) {
        if (v > 1000000000000000LL)
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (p < end && *p == '.') /* fraction of a second */
        for (p++; p < end && isdigit((unsigned char)*p); p++)
            ;
    if (p != end)
        return -1;
    if (v > 100000000000LL) /* beyond year 5138 in seconds: milliseconds */
        v /= 1000;
    *out = neg ? -v : v;
    return 0;
}

int backup_parse_time(const char *s, const char *tz, int64_t *out)
{
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strnlen(s, 128);
    if (len >= 128)
        return -1;
    const char *end = s + len;
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    if (end == s)
        return -1;
    /* Veeam's PowerShell JSON: "/Date(1700000000000)/", maybe with an offset that only says
     * how to display it: the number is UTC milliseconds already. */
    if (end - s > 8 && strncmp(s, "/Date(", 6) == 0 && strncmp(end - 2, ")/", 2) == 0) {
        const char *n = s + 6, *ne = n;
        if (*ne == '-')
            ne++;
        int64_t ms = 0;
        for (; ne < end && isdigit((unsigned char)*ne) && ne - n < 17; ne++)
            ms = ms * 10 + (*ne - '0');
        if (ne == n || !isdigit((unsigned char)ne[-1]) || (*ne != ')' && *ne != '+' && *ne != '-'))
            return -1;
        *out = (*n == '-' ? -ms : ms) / 1000;
        return 0;
    }
    bool all_num = true;
    for (const char *p = s; p < end; p++)
        if (!isdigit((unsigned char)*p) && *p != '.' && !(p == s && *p == '-'))
            all_num = false;
    if (all_num)
        return epoch_parse(s, end, out);

    char buf[128];
    memcpy(buf, s, (size_t)(end - s));
    buf[end - s] = '\0';
    const char *p = buf;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
        digits(&p, 2, &d) < 0)
        return -1;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo))
        return -1;
    if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
        p++;
        if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec) < 0)
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return -1;
                while (isdigit((unsigned char)*p)) /* restic writes nanoseconds */
                    p++;
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return -1;
        if (sec == 60) /* a leap second is the last second of its minute */
            sec = 59;
    }
    while (*p == ' ')
        p++;
    if (!*p)
        return naive_to_utc(y, mo, d, h, mi, sec, tz, out);
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (!strncasecmp(p, "UTC", 3) || !strncasecmp(p, "GMT", 3)) {
        p += 3;
        if (*p == '+' || *p == '-')
            if (offset_parse(&p, &off) < 0)
                return -1;
    } else if (offset_parse(&p, &off) < 0) {
        return -1;
    }
    /* A zone name after a numeric offset ("+0100 CET", as restic prints) adds nothing. */
    if (*p == ' ')
        while (isalpha((unsigned char)*++p))
            ;
    if (*p)
        return -1;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return 0;
}

int backup_parse_time_ordered(const char *s, const char *tz, char order, int64_t *out)
{
    if (order != 'm' && order != 'd')
        return backup_parse_time(s, tz, out);
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    /* Two numbers of one or two digits and a four-digit year, then the rest as it is. */
    int a = 0, b = 0, y = 0, n = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p) && n < 2; p++, n++)
        a = a * 10 + (*p - '0');
    char sep = *p;
    if (n == 0 || (sep != '/' && sep != '.' && sep != '-'))
        return backup_parse_time(s, tz, out); /* not this shape: maybe ISO after all */
    p++;
    for (n = 0; isdigit((unsigned char)*p) && n < 2; p++, n++)
        b = b * 10 + (*p - '0');
    if (n == 0 || *p++ != sep)
        return -1;
    for (n = 0; isdigit((unsigned char)*p) && n < 4; p++, n++)
        y = y * 10 + (*p - '0');
    if (n != 4 || isdigit((unsigned char)*p))
        return -1;
    int mo = order == 'm' ? a : b, d = order == 'm' ? b : a;
    char iso[160];
    int h = -1, mi = 0, sec = 0;
    const char *rest = p;
    if (*p == ' ' && isdigit((unsigned char)p[1])) {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        h = *p++ - '0';
        if (isdigit((unsigned char)*p))
            h = h * 10 + (*p++ - '0');
        if (*p++ != ':' || !isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
            return -1;
        mi = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':') {
            if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
                return -1;
            sec = (p[1] - '0') * 10 + (p[2] - '0');
            p += 3;
        }
        const char *q = p;
        while (*q == ' ')
            q++;
        bool am = !strncasecmp(q, "AM", 2), pm = !strncasecmp(q, "PM", 2);
        if ((am || pm) && (q[2] == '\0' || q[2] == ' ')) {
            if (h < 1 || h > 12)
                return -1;
            h = (h % 12) + (pm ? 12 : 0);
            p = q + 2;
        }
        rest = p;
    }
    int k = h >= 0 ? snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d%s", y, mo, d, h, mi, sec, rest)
                   : snprintf(iso, sizeof iso, "%04d-%02d-%02d%s", y, mo, d, rest);
    if (k < 0 || (size_t)k >= sizeof iso || mo > 99 || d > 99 || h > 99 || mi > 99 || sec > 99)
        return -1;
    return backup_parse_time(iso, tz, out);
}

void backup_format_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, len, "@%lld", (long long)t);
}

void backup_format_age(int64_t s, char *buf, size_t len)
{
    const char *sign = "";
    if (s < 0) {
        sign = "-";
        s = -s;
    }
    if (s >= 86400)
        snprintf(buf, len, "%s%lldd %lldh", sign, (long long)(s / 86400), (long long)(s % 86400 / 3600));
    else if (s >= 3600)
        snprintf(buf, len, "%s%lldh %lldm", sign, (long long)(s / 3600), (long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(buf, len, "%s%lldm", sign, (long long)(s / 60));
    else
        snprintf(buf, len, "%s%llds", sign, (long long)s);
}
