/*
 * C driver of the soak benchmark (bench/soak.sh): CALLS calls on one descope_mgmt_client
 * shared by CONCURRENCY threads, sampling this process's RSS and open file descriptors
 * (from /proc/self) every EVERY calls.
 *
 *   soak_c CALLS EVERY CONCURRENCY    # BENCH_URL, BENCH_PROJECT_ID, BENCH_MANAGEMENT_KEY set
 *
 * Nine calls in ten rotate K2active2 (must return a secret; the key object is read and
 * freed); one in ten rotates K2soakMissing (must fail with DESCOPE_MGMT_STATUS_NOT_FOUND;
 * the error object is read and freed). Prints one JSON line per sample,
 * {"calls","rssKb","fds","errors","elapsed"}, the last with "done": true.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "descope_mgmt.h"

static const char *const KEY = "K2active2";
static const char *const MISSING = "K2soakMissing";

static descope_mgmt_client *client;
static atomic_ullong next_call, round_end, errors;
static atomic_flag reported = ATOMIC_FLAG_INIT;

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static int fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d) return 0;
    while (readdir(d)) n++;
    closedir(d);
    return n - 2; /* "." and ".."; the directory's own descriptor counts, as in the other drivers */
}

static void bad(const char *what) {
    atomic_fetch_add(&errors, 1);
    if (!atomic_flag_test_and_set(&reported)) fprintf(stderr, "soak(c): first unexpected outcome: %s\n", what);
}

static void one(unsigned long long i) {
    descope_mgmt_rotated_key *key = NULL;
    descope_mgmt_error *err = NULL;
    int missing = i % 10 == 9;
    descope_mgmt_status s = descope_mgmt_rotate_access_key(client, missing ? MISSING : KEY, &key, &err);
    if (missing) {
        if (s != DESCOPE_MGMT_STATUS_NOT_FOUND)
            bad(s == DESCOPE_MGMT_STATUS_OK ? "OK for a missing key" : descope_mgmt_error_code(err));
        else if (!descope_mgmt_error_message(err))
            bad("an error without a message");
    } else if (s != DESCOPE_MGMT_STATUS_OK) {
        bad(descope_mgmt_error_code(err));
    } else {
        const char *secret = descope_mgmt_rotated_key_cleartext(key);
        if (!secret || !*secret) bad("empty secret");
    }
    descope_mgmt_rotated_key_free(key);
    descope_mgmt_error_free(err);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        unsigned long long i = atomic_fetch_add(&next_call, 1);
        if (i >= atomic_load(&round_end)) return NULL;
        one(i);
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *env_or_die(const char *name) {
    const char *v = getenv(name);
    if (!v) {
        fprintf(stderr, "soak(c): %s is not set\n", name);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    unsigned long long calls = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    unsigned long long every = argc > 2 ? strtoull(argv[2], NULL, 10) : 4000;
    int concurrency = argc > 3 ? atoi(argv[3]) : 8;
    if (every == 0) every = 1;
    if (concurrency < 1) concurrency = 1;
    descope_mgmt_options opts;
    descope_mgmt_options_init(&opts);
    opts.project_id = env_or_die("BENCH_PROJECT_ID");
    opts.management_key = env_or_die("BENCH_MANAGEMENT_KEY");
    opts.base_url = env_or_die("BENCH_URL");
    descope_mgmt_error *err = NULL;
    if (descope_mgmt_client_new(&opts, &client, &err) != DESCOPE_MGMT_STATUS_OK) {
        fprintf(stderr, "soak(c): client_new failed: %s\n", descope_mgmt_error_message(err));
        return 1;
    }
    double start = now_s();
    one(0);
    printf("{\"calls\":0,\"rssKb\":%ld,\"fds\":%d,\"errors\":%llu,\"elapsed\":%.3f}\n", rss_kb(), fds(),
           (unsigned long long)atomic_load(&errors), now_s() - start);
    fflush(stdout);
    pthread_t *tids = calloc((size_t)concurrency, sizeof *tids);
    unsigned long long done = 0;
    while (done < calls) {
        unsigned long long end = done + (calls - done < every ? calls - done : every);
        atomic_store(&next_call, done);
        atomic_store(&round_end, end);
        for (int t = 0; t < concurrency; t++) pthread_create(&tids[t], NULL, worker, NULL);
        for (int t = 0; t < concurrency; t++) pthread_join(tids[t], NULL);
        done = end;
        printf("{%s\"calls\":%llu,\"rssKb\":%ld,\"fds\":%d,\"errors\":%llu,\"elapsed\":%.3f}\n",
               done >= calls ? "\"done\":true," : "", done, rss_kb(), fds(),
               (unsigned long long)atomic_load(&errors), now_s() - start);
        fflush(stdout);
    }
    free(tids);
    descope_mgmt_client_free(client);
    return 0;
}
