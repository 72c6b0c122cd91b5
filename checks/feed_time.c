/* Feed timestamps: the spellings OSV, NVD and the KEV catalog use, normalised to UTC. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "feed.h"

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* "YYYY-MM-DDThh:mm:ssZ" for a year of 1970 to 9999, without strftime, timegm and gmtime_r:
 * two times a record, they were a twentieth of an OSV import. */
static void put_time(char out[FEED_TIME_LEN], int Y, int M, int D, int h, int mi, int s)
{
    const int v[] = {Y / 100, Y % 100, M, D, h, mi, s};
    static const char sep[] = {0, '-', '-', 'T', ':', ':', 0}; /* after each pair */
    char *o = out;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        *o++ = (char)('0' + v[i] / 10);
        *o++ = (char)('0' + v[i] % 10);
        if (sep[i])
            *o++ = sep[i];
    }
    *o++ = 'Z';
    *o = '\0';
}

int feed_time_norm(const char *in, char out[FEED_TIME_LEN])
{
    int Y, M, D, h = 0, mi = 0, sec = 0, off = 0;
    size_t n = strlen(in);
    if (n < 10 || digits(in, 4, &Y) || in[4] != '-' || digits(in + 5, 2, &M) || in[7] != '-' ||
        digits(in + 8, 2, &D))
        return -1;
    if (Y < 1970 || Y > 9999 || M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M))
        return -1;
    const char *p = in + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (strlen(p) < 9 || digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi) ||
            p[6] != ':' || digits(p + 7, 2, &sec))
            return -1;
        if (h > 23 || mi > 59 || sec > 60)
            return -1;
        p += 9;
        if (*p == '.') {
            p++;
            const char *f = p;
            while (*p >= '0' && *p <= '9' && p - f < 12)
                p++;
            if (p == f)
                return -1;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (strlen(p) < 6 || digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) ||
                oh > 23 || om > 59)
                return -1;
            off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
            p += 6;
        }
    }
    if (*p)
        return -1;
    if (sec > 59)
        sec = 59;
    if (off == 0) { /* already UTC and every field in range: written as it is */
        put_time(out, Y, M, D, h, mi, sec);
        return 0;
    }
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h,
                    .tm_min = mi, .tm_sec = sec};
    time_t t = timegm(&tm) - off;
    struct tm u;
    if (!gmtime_r(&t, &u))
        return -1;
    strftime(out, FEED_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &u);
    return 0;
}

time_t feed_time_parse(const char *norm)
{
    int Y, M, D, h, mi, s;
    if (strlen(norm) != FEED_TIME_LEN - 1 || digits(norm, 4, &Y) || digits(norm + 5, 2, &M) ||
        digits(norm + 8, 2, &D) || digits(norm + 11, 2, &h) || digits(norm + 14, 2, &mi) ||
        digits(norm + 17, 2, &s))
        return (time_t)-1;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h,
                    .tm_min = mi, .tm_sec = s};
    return timegm(&tm);
}
