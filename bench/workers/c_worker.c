/*
 * C worker of the benchmark harness: drives libdescope_mgmt through include/descope_mgmt.h.
 *
 * Built by bench/run.sh (gcc, linked against target/<profile>/libdescope_mgmt.so) and run
 * by bench/harness.py. The server and credentials come from BENCH_URL, BENCH_PROJECT_ID,
 * BENCH_MANAGEMENT_KEY and BENCH_KEY_ID.
 *
 *   c_worker serve              reads {"op":"run","seconds":S,"concurrency":N} lines from
 *                               stdin; N threads share one client and rotate the key until
 *                               S seconds have passed; answers
 *                               {"calls","errors","firstError","elapsed","p50Ms","p99Ms"}
 *   c_worker batch COUNT        after a one-token warm-up upload, one upload of COUNT
 *                               tokens, in this fresh process
 *   c_worker construct COUNT    median client construction time, then the time of the
 *                               first rotate in the process, of the first on a second new
 *                               client, and of the next one on it
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "descope_mgmt.h"

#define MAX_ERRORS 100

static const char *env_or_die(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "c_worker: %s is not set\n", name);
        exit(2);
    }
    return v;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static descope_mgmt_client *make_client(void) {
    descope_mgmt_options opts;
    descope_mgmt_options_init(&opts);
    opts.project_id = env_or_die("BENCH_PROJECT_ID");
    opts.management_key = env_or_die("BENCH_MANAGEMENT_KEY");
    opts.base_url = env_or_die("BENCH_URL");
    descope_mgmt_client *client = NULL;
    descope_mgmt_error *err = NULL;
    if (descope_mgmt_client_new(&opts, &client, &err) != DESCOPE_MGMT_STATUS_OK) {
        fprintf(stderr, "c_worker: client_new failed: %s\n", descope_mgmt_error_message(err));
        descope_mgmt_error_free(err);
        exit(1);
    }
    return client;
}

/* A growable array of latencies in milliseconds. */
typedef struct {
    double *v;
    size_t len, cap;
} samples;

static void push(samples *s, double x) {
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof(double));
        if (!s->v) abort();
    }
    s->v[s->len++] = x;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank quantile q of sorted values, 0 when empty. */
static double percentile(const double *sorted, size_t n, double q) {
    if (n == 0) return 0.0;
    size_t rank = (size_t)ceil(q * (double)n);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

typedef struct {
    const descope_mgmt_client *client;
    const char *key_id;
    double deadline;
    samples lat;
    long errors;
    char first_error[256];
} thread_state;

static void *rotate_loop(void *arg) {
    thread_state *st = arg;
    while (now_ms() < st->deadline && st->errors < MAX_ERRORS) {
        double t = now_ms();
        descope_mgmt_rotated_key *key = NULL;
        descope_mgmt_error *err = NULL;
        if (descope_mgmt_rotate_access_key(st->client, st->key_id, &key, &err) == DESCOPE_MGMT_STATUS_OK) {
            push(&st->lat, now_ms() - t);
            descope_mgmt_rotated_key_free(key);
        } else {
            if (st->errors++ == 0)
                snprintf(st->first_error, sizeof st->first_error, "%s", descope_mgmt_error_message(err));
            descope_mgmt_error_free(err);
        }
    }
    return NULL;
}

/* Prints s as a JSON string (or null), escaping quotes, backslashes and control bytes. */
static void print_json_string(const char *s) {
    if (!s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void run(const descope_mgmt_client *client, const char *key_id, double seconds, int threads) {
    thread_state *st = calloc((size_t)threads, sizeof *st);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    double start = now_ms();
    for (int i = 0; i < threads; i++) {
        st[i].client = client;
        st[i].key_id = key_id;
        st[i].deadline = start + seconds * 1000.0;
        pthread_create(&tids[i], NULL, rotate_loop, &st[i]);
    }
    samples all = {0};
    long errors = 0;
    const char *first = NULL;
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        for (size_t j = 0; j < st[i].lat.len; j++) push(&all, st[i].lat.v[j]);
        errors += st[i].errors;
        if (!first && st[i].errors) first = st[i].first_error;
    }
    double elapsed = (now_ms() - start) / 1000.0;
    if (all.len) qsort(all.v, all.len, sizeof(double), cmp_double);
    printf("{\"calls\":%zu,\"errors\":%ld,\"firstError\":", all.len, errors);
    print_json_string(first);
    printf(",\"elapsed\":%.6f,\"p50Ms\":%.6f,\"p99Ms\":%.6f}\n", elapsed, percentile(all.v, all.len, 0.5),
           percentile(all.v, all.len, 0.99));
    fflush(stdout);
    for (int i = 0; i < threads; i++) free(st[i].lat.v);
    free(all.v);
    free(st);
    free(tids);
}

/* The value after "key": in a one-line JSON command, or fallback. */
static double json_number(const char *line, const char *key, double fallback) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = strstr(line, pattern);
    if (!p) return fallback;
    p = strchr(p + strlen(pattern), ':');
    return p ? strtod(p + 1, NULL) : fallback;
}

static int serve(void) {
    const char *key_id = getenv("BENCH_KEY_ID");
    if (!key_id || !*key_id) key_id = "K2active2";
    descope_mgmt_client *client = make_client();
    char line[1024];
    while (fgets(line, sizeof line, stdin)) {
        if (strstr(line, "\"quit\"")) break;
        if (!strstr(line, "\"run\"")) continue;
        double seconds = json_number(line, "seconds", 1.0);
        int conc = (int)json_number(line, "concurrency", 1.0);
        run(client, key_id, seconds, conc < 1 ? 1 : conc);
    }
    descope_mgmt_client_free(client);
    return 0;
}

static long proc_status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    long v = 0;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0) {
            v = strtol(line + n, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* CPU time (user + system) of the whole process, every thread, in ms. */
static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int batch(size_t count) {
    descope_mgmt_client *client = make_client();
    /* Warm up (connection, license handshake, lazy set-up) so the timed call is the upload. */
    descope_mgmt_tenant_token warm = {0};
    warm.app_id = "google-drive";
    warm.tenant_id = "T2benchwarmup";
    warm.access_token = "at-warm-up";
    descope_mgmt_error *werr = NULL;
    if (descope_mgmt_batch_upload_tenant_tokens(client, &warm, 1, &werr) != DESCOPE_MGMT_STATUS_OK) {
        fprintf(stderr, "c_worker: warm-up upload failed: %s\n", descope_mgmt_error_message(werr));
        return 1;
    }
    static const char *scopes[] = {"https://www.googleapis.com/auth/drive.readonly"};
    descope_mgmt_tenant_token *tokens = calloc(count, sizeof *tokens);
    enum { TENANT = 32, RT = 64, AT = 96, STRIDE = TENANT + RT + AT };
    char *strings = malloc(count * STRIDE);
    for (size_t i = 0; i < count; i++) {
        char *tenant = strings + i * STRIDE, *rt = tenant + TENANT, *at = rt + RT;
        snprintf(tenant, TENANT, "T2bench%06zu", i);
        snprintf(rt, RT, "rt-bench-%06zu-0123456789abcdef", i);
        snprintf(at, AT, "at-bench-%06zu-0123456789abcdef0123456789abcdef", i);
        tokens[i].app_id = i % 2 == 0 ? "google-drive" : "slack";
        tokens[i].tenant_id = tenant;
        tokens[i].refresh_token = rt;
        tokens[i].access_token = at;
        tokens[i].access_token_expiry = 1767225600;
        tokens[i].access_token_type = "Bearer";
        tokens[i].scopes = scopes;
        tokens[i].scopes_count = 1;
    }
    long before = proc_status_kb("VmRSS:");
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = DESCOPE_MGMT_STATUS_OK;
    double cpu = cpu_ms(), t = now_ms();
    /* Calls of at most 100,000 tokens (the core's MAX_BATCH_TOKENS). */
    for (size_t at = 0; at < count && st == DESCOPE_MGMT_STATUS_OK; at += 100000) {
        size_t n = count - at < 100000 ? count - at : 100000;
        st = descope_mgmt_batch_upload_tenant_tokens(client, tokens + at, n, &err);
    }
    double wall = now_ms() - t, cpu_used = cpu_ms() - cpu;
    if (st != DESCOPE_MGMT_STATUS_OK) {
        fprintf(stderr, "c_worker: batch upload failed: %s\n", descope_mgmt_error_message(err));
        descope_mgmt_error_free(err);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"count\":%zu,\"wallMs\":%.6f,\"cpuMs\":%.6f,\"maxRssKb\":%ld,\"rssBeforeKb\":%ld}\n", count, wall,
           cpu_used, ru.ru_maxrss, before);
    free(tokens);
    free(strings);
    descope_mgmt_client_free(client);
    return 0;
}

/* The time of one rotate on client, in ms; exits on failure. */
static double timed_rotate(const descope_mgmt_client *client) {
    const char *key_id = getenv("BENCH_KEY_ID");
    if (!key_id || !*key_id) key_id = "K2active2";
    descope_mgmt_rotated_key *key = NULL;
    descope_mgmt_error *err = NULL;
    double t = now_ms();
    if (descope_mgmt_rotate_access_key(client, key_id, &key, &err) != DESCOPE_MGMT_STATUS_OK) {
        fprintf(stderr, "c_worker: rotate failed: %s\n", descope_mgmt_error_message(err));
        exit(1);
    }
    double ms = now_ms() - t;
    descope_mgmt_rotated_key_free(key);
    return ms;
}

static int construct(size_t count) {
    if (count < 1) count = 1;
    double *times = calloc(count, sizeof(double));
    for (size_t i = 0; i < count; i++) {
        double t = now_ms();
        descope_mgmt_client *c = make_client();
        times[i] = now_ms() - t;
        descope_mgmt_client_free(c);
    }
    double first = times[0];
    qsort(times, count, sizeof(double), cmp_double);
    descope_mgmt_client *c1 = make_client();
    double first_call = timed_rotate(c1);
    descope_mgmt_client *c2 = make_client();
    double new_client_first_call = timed_rotate(c2);
    double warm_call = timed_rotate(c2);
    printf("{\"count\":%zu,\"medianMs\":%.6f,\"firstMs\":%.6f,\"firstCallMs\":%.6f,"
           "\"newClientFirstCallMs\":%.6f,\"warmCallMs\":%.6f}\n",
           count, percentile(times, count, 0.5), first, first_call, new_client_first_call, warm_call);
    descope_mgmt_client_free(c1);
    descope_mgmt_client_free(c2);
    free(times);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) return serve();
    if (argc >= 3 && strcmp(argv[1], "batch") == 0) return batch((size_t)strtoul(argv[2], NULL, 10));
    if (argc >= 3 && strcmp(argv[1], "construct") == 0) return construct((size_t)strtoul(argv[2], NULL, 10));
    fprintf(stderr, "usage: c_worker serve | batch COUNT | construct COUNT\n");
    return 2;
}
