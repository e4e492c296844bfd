/* See http.h. */
#define _POSIX_C_SOURCE 200809L
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_port(const char *base_url) {
    const char *prefix = "http://127.0.0.1:";
    if (strncmp(base_url, prefix, strlen(prefix)) != 0) return -1;
    return atoi(base_url + strlen(prefix));
}

static int send_all(int fd, const char *buf, size_t len) {
    while (len) {
        ssize_t n = send(fd, buf, len, 0);
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Decodes a chunked body in place; returns its length. */
static size_t dechunk(char *body) {
    char *in = body, *out = body;
    for (;;) {
        char *end;
        unsigned long n = strtoul(in, &end, 16);
        char *line_end = strstr(end, "\r\n");
        if (!line_end || n == 0) break;
        in = line_end + 2;
        memmove(out, in, n);
        out += n;
        in += n + 2;
    }
    *out = '\0';
    return (size_t)(out - body);
}

int http_request(const char *base_url, const char *method, const char *path, const char *body,
                 char **body_out) {
    if (body_out) *body_out = NULL;
    int port = parse_port(base_url);
    if (port <= 0) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    size_t body_len = body ? strlen(body) : 0;
    char head[1024];
    int head_len = snprintf(head, sizeof head,
                            "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                            "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                            method, path, port, body_len);
    if (head_len < 0 || (size_t)head_len >= sizeof head || send_all(fd, head, (size_t)head_len) ||
        (body_len && send_all(fd, body, body_len))) {
        close(fd);
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 2048 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0) {
            free(buf);
            close(fd);
            return -1;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    int status = -1;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        free(buf);
        return -1;
    }
    char *sep = strstr(buf, "\r\n\r\n");
    char *content = sep ? sep + 4 : buf + len;
    int chunked = 0;
    for (char *line = strstr(buf, "\r\n"); line && line < content; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "transfer-encoding: chunked", 26) == 0) chunked = 1;
    }
    size_t content_len = (size_t)(buf + len - content);
    memmove(buf, content, content_len + 1);
    if (chunked) dechunk(buf);
    if (body_out) *body_out = buf;
    else free(buf);
    return status;
}
