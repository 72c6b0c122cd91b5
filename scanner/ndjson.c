#include "ndjson.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ndjson {
    int fd;
    bool own_fd;
    bool failed;
    pthread_mutex_t lock;
};

struct ndjson *ndjson_open(const char *path, struct rm_err *e)
{
    struct ndjson *s = calloc(1, sizeof *s);
    if (!s) {
        rm_errf(e, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        s->fd = STDOUT_FILENO;
    } else {
        /* Appending: a stream is a log, and a second scan must not erase the first's. */
        s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (s->fd < 0) {
            rm_errf(e, "%s: %s", path, strerror(errno));
            free(s);
            return NULL;
        }
        s->own_fd = true;
    }
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

int ndjson_close(struct ndjson *s)
{
    if (!s)
        return 0;
    int rc = s->failed ? -1 : 0;
    if (s->own_fd && close(s->fd) < 0)
        rc = -1;
    pthread_mutex_destroy(&s->lock);
    free(s);
    return rc;
}

static void write_all(struct ndjson *s, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->failed = true;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

void ndjson_emit(struct ndjson *s, const char *event, cJSON *payload)
{
    if (!s) {
        cJSON_Delete(payload);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    char ts[40];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);
    if (!o || !cJSON_AddStringToObject(o, "event", event) || !cJSON_AddStringToObject(o, "time", ts)) {
        cJSON_Delete(o);
        cJSON_Delete(payload);
        s->failed = true;
        return;
    }
    if (payload) {
        /* Move the payload's members into the event object, keeping their order. */
        while (payload->child) {
            cJSON *item = cJSON_DetachItemViaPointer(payload, payload->child);
            cJSON_AddItemToObject(o, item->string, item);
        }
        cJSON_Delete(payload);
    }
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!line) {
        s->failed = true;
        return;
    }
    size_t len = strlen(line);
    line[len] = '\n';
    pthread_mutex_lock(&s->lock);
    write_all(s, line, len + 1);
    pthread_mutex_unlock(&s->lock);
    free(line);
}
