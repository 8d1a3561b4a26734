/*
 * reuseport-httpd: the lab's HTTP server that two copies of one service can run side by side
 * on the same host port, as start-first needs on host networking (scripts/lab-images).
 *
 *   reuseport-httpd          serve HTTP/1.0 on 0.0.0.0:$PORT (default 8080) and on the Unix
 *                            socket /tmp/reuseport-httpd.sock (this container's own /tmp)
 *   reuseport-httpd check    GET /health through that Unix socket: exit 0 when it answers
 *                            200; what the container's HEALTHCHECK runs
 *
 * Answers:  GET /health  200 "ok" (404 in a release with HEALTHY=no, like web:2.1-broken)
 *           GET / and GET /version  200 and the release's VERSION
 * VERSION and HEALTHY come from /app/release (KEY=VALUE lines, the web image's file).
 *
 * Why it can run twice: the TCP socket sets SO_REUSEPORT before it binds, so a second copy
 * binds the same port and the kernel spreads new connections over both. On SIGTERM a copy
 * closes its listening sockets at once (new connections then go to the other copy), finishes
 * the connection in flight, and exits 0. Connections the kernel had already queued on the
 * closed socket move to the other copy only where net.ipv4.tcp_migrate_req is 1 (Linux 5.14
 * and later, per network namespace; scripts/lab sets it in every lab host); elsewhere they
 * are reset.
 *
 * Why the health check goes through a Unix socket: on a shared port, a check over TCP may
 * be answered by the other copy, and a new copy that never listened would pass. The socket
 * in the container's own /tmp reaches this copy only.
 *
 * One connection at a time, each with a 2 s deadline: enough for probes and health checks.
 * Static build (scripts/lab does it): cc -static -O2 -s -o reuseport-httpd reuseport-httpd.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_PATH "/tmp/reuseport-httpd.sock"
#define RELEASE_FILE "/app/release"

static volatile sig_atomic_t stopping;
static char version[64] = "unknown";
static int healthy = 1;

static void say(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "reuseport-httpd[%d]: ", (int)getpid());
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

static void on_signal(int signum) {
    (void)signum;
    stopping = 1;
}

/* VERSION=… and HEALTHY=… from the release file; quotes around a value are dropped. */
static void read_release(void) {
    FILE *file = fopen(RELEASE_FILE, "r");
    char line[256];
    if (!file) return;
    while (fgets(line, sizeof line, file)) {
        char *value = strchr(line, '=');
        if (!value || line[0] == '#') continue;
        *value++ = '\0';
        value[strcspn(value, "\r\n")] = '\0';
        size_t length = strlen(value);
        if (length >= 2 && (value[0] == '"' || value[0] == '\'') && value[length - 1] == value[0]) {
            value[length - 1] = '\0';
            value++;
        }
        if (strcmp(line, "VERSION") == 0) snprintf(version, sizeof version, "%s", value);
        if (strcmp(line, "HEALTHY") == 0) healthy = strcmp(value, "no") != 0;
    }
    fclose(file);
}

static void deadline(int fd, int seconds) {
    struct timeval limit = {.tv_sec = seconds};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

static void write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, data, length);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        data += written;
        length -= (size_t)written;
    }
}

/* Reads one request's head, answers it, and closes the connection. */
static void serve(int fd) {
    char request[4096], response[512];
    size_t used = 0;
    deadline(fd, 2);
    /* The whole head is read before answering: closing with unread bytes would reset the
     * connection and could destroy the answer before the client reads it. */
    while (used < sizeof request - 1) {
        ssize_t got = read(fd, request + used, sizeof request - 1 - used);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        used += (size_t)got;
        request[used] = '\0';
        if (strstr(request, "\r\n\r\n") || strstr(request, "\n\n")) break;
    }
    request[used] = '\0';

    char method[16] = "", path[256] = "";
    int status = 400;
    const char *reason = "Bad Request", *body = "bad request\n";
    char version_body[80];
    if (sscanf(request, "%15s %255s", method, path) == 2) {
        char *query = strchr(path, '?');
        if (query) *query = '\0';
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            status = 405, reason = "Method Not Allowed", body = "only GET\n";
        } else if (strcmp(path, "/health") == 0 && healthy) {
            status = 200, reason = "OK", body = "ok\n";
        } else if (strcmp(path, "/") == 0 || strcmp(path, "/version") == 0) {
            snprintf(version_body, sizeof version_body, "%s\n", version);
            status = 200, reason = "OK", body = version_body;
        } else {
            status = 404, reason = "Not Found", body = "not found\n";
        }
    }
    int length = snprintf(response, sizeof response,
                          "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\nX-Release: %s\r\n\r\n%s",
                          status, reason, strlen(body), version, strcmp(method, "HEAD") == 0 ? "" : body);
    if (length > 0) write_all(fd, response, (size_t)length < sizeof response ? (size_t)length : sizeof response - 1);
    shutdown(fd, SHUT_WR);
    close(fd);
}

static int listen_tcp(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 128) != 0) {
        say("cannot listen on port %d: %s", port, strerror(errno));
        exit(1);
    }
    return fd;
}

static int listen_unix(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX, .sun_path = SOCKET_PATH};
    unlink(SOCKET_PATH);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 16) != 0) {
        say("cannot listen on %s: %s", SOCKET_PATH, strerror(errno));
        exit(1);
    }
    return fd;
}

static int check(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX, .sun_path = SOCKET_PATH};
    char answer[64] = "";
    size_t used = 0;
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        fprintf(stderr, "check: cannot connect to %s: %s\n", SOCKET_PATH, strerror(errno));
        return 1;
    }
    deadline(fd, 2);
    static const char request[] = "GET /health HTTP/1.0\r\n\r\n";
    write_all(fd, request, sizeof request - 1);
    while (used < sizeof answer - 1) {
        ssize_t got = read(fd, answer + used, sizeof answer - 1 - used);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        used += (size_t)got;
    }
    answer[used] = '\0';
    close(fd);
    if (strncmp(answer, "HTTP/1.0 200 ", 13) == 0) return 0;
    fprintf(stderr, "check: /health answered: %.*s\n", (int)strcspn(answer, "\r\n"), answer);
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "check") == 0) return check();
    if (argc != 1) {
        fprintf(stderr, "usage: reuseport-httpd [check]\n");
        return 2;
    }
    read_release();
    const char *port_text = getenv("PORT");
    char *end;
    long port = strtol(port_text && *port_text ? port_text : "8080", &end, 10);
    if (*end != '\0' || port < 1 || port > 65535) {
        say("PORT must be a number from 1 to 65535, not '%s'", port_text);
        return 2;
    }

    /* SIGTERM and SIGINT are held while a connection is served and let in only while
     * waiting, so a stop never cuts a connection short. */
    sigset_t held, waiting;
    sigemptyset(&held);
    sigaddset(&held, SIGTERM);
    sigaddset(&held, SIGINT);
    sigprocmask(SIG_BLOCK, &held, &waiting);
    sigdelset(&waiting, SIGTERM);
    sigdelset(&waiting, SIGINT);
    struct sigaction action = {.sa_handler = on_signal};
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);

    int tcp = listen_tcp((int)port), local = listen_unix();
    say("release %s%s listening on 0.0.0.0:%ld (SO_REUSEPORT) and %s", version, healthy ? "" : " (unhealthy)", port,
        SOCKET_PATH);
    struct pollfd fds[2] = {{.fd = tcp, .events = POLLIN}, {.fd = local, .events = POLLIN}};
    while (!stopping) {
        if (ppoll(fds, 2, NULL, &waiting) < 0) {
            if (errno == EINTR) continue;
            say("poll: %s", strerror(errno));
            return 1;
        }
        for (int i = 0; i < 2 && !stopping; i++) {
            if (!(fds[i].revents & POLLIN)) continue;
            int client = accept4(fds[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (client >= 0) serve(client);
        }
    }
    close(tcp);
    close(local);
    unlink(SOCKET_PATH);
    say("stopping: closed the listening sockets, no connection in flight; exit 0");
    return 0;
}
