/* Lifecycle scenarios for the C library: a process ends, or a thread is cancelled, while
 * calls are in flight. Run by tests/lifecycle/run.py, which checks the exit status and
 * that nothing crashed. Configuration comes from DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY
 * and DESCOPE_BASE_URI (the emulator, with slow answers injected by the runner).
 *
 *   lifecycle exit-in-flight     exit(6) from main while 8 threads are mid-call  -> 6
 *   lifecycle return-in-flight   main returns 0 while 8 threads are mid-call     -> 0
 *   lifecycle cancel-in-flight   pthread_cancel on a thread inside a call; the call
 *                                finishes, the thread ends at its next cancellation point -> 0
 *   lifecycle dlclose LIBPATH    dlopen, one call, free, dlclose, twice            -> 0
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "descope_mgmt.h"

#define KEY_ID "K2active"

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static struct descope_mgmt_client *new_client(void) {
    struct descope_mgmt_client *client = NULL;
    struct descope_mgmt_error *err = NULL;
    if (descope_mgmt_client_from_env(&client, &err) != DESCOPE_MGMT_STATUS_OK) {
        fprintf(stderr, "client: %s\n", descope_mgmt_error_message(err));
        descope_mgmt_error_free(err);
        exit(90);
    }
    return client;
}

/* One rotate; returns the status. */
static int rotate(const struct descope_mgmt_client *client) {
    struct descope_mgmt_rotated_key *key = NULL;
    struct descope_mgmt_error *err = NULL;
    int status = descope_mgmt_rotate_access_key(client, KEY_ID, &key, &err);
    descope_mgmt_rotated_key_free(key);
    descope_mgmt_error_free(err);
    return status;
}

static void *spin(void *arg) {
    for (;;) rotate(arg);
    return NULL;
}

static void start_spinners(struct descope_mgmt_client *client, int n) {
    for (int i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, spin, client) != 0) exit(91);
        pthread_detach(t);
    }
}

static volatile int cancel_call_status = -1;

static void *one_call_then_cancellation_point(void *arg) {
    cancel_call_status = rotate(arg);
    for (;;) {
        pthread_testcancel();
        sleep_ms(10);
    }
    return NULL;
}

static int cancel_in_flight(void) {
    struct descope_mgmt_client *client = new_client();
    pthread_t t;
    if (pthread_create(&t, NULL, one_call_then_cancellation_point, client) != 0) return 91;
    sleep_ms(150); /* the runner makes each rotate take 400 ms: the thread is inside it */
    pthread_cancel(t);
    void *res = NULL;
    pthread_join(t, &res);
    if (res != PTHREAD_CANCELED) return 92;
    /* The call ran to its end: the key was rotated and its result delivered. */
    if (cancel_call_status != DESCOPE_MGMT_STATUS_OK) {
        fprintf(stderr, "the cancelled thread's call ended with status %d\n", cancel_call_status);
        return 93;
    }
    if (rotate(client) != DESCOPE_MGMT_STATUS_OK) return 94;
    descope_mgmt_client_free(client);
    return 0;
}

typedef int (*from_env_fn)(struct descope_mgmt_client **, struct descope_mgmt_error **);
typedef int (*rotate_fn)(const struct descope_mgmt_client *, const char *, struct descope_mgmt_rotated_key **,
                         struct descope_mgmt_error **);
typedef void (*free_fn)(void *);

static int dlclose_twice(const char *path) {
    for (int round = 0; round < 2; round++) {
        void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            return 95;
        }
        from_env_fn from_env = (from_env_fn)dlsym(lib, "descope_mgmt_client_from_env");
        rotate_fn rot = (rotate_fn)dlsym(lib, "descope_mgmt_rotate_access_key");
        free_fn client_free = (free_fn)dlsym(lib, "descope_mgmt_client_free");
        free_fn key_free = (free_fn)dlsym(lib, "descope_mgmt_rotated_key_free");
        free_fn err_free = (free_fn)dlsym(lib, "descope_mgmt_error_free");
        if (!from_env || !rot || !client_free || !key_free || !err_free) return 96;
        struct descope_mgmt_client *client = NULL;
        struct descope_mgmt_error *err = NULL;
        if (from_env(&client, &err) != 0) return 97;
        struct descope_mgmt_rotated_key *key = NULL;
        int status = rot(client, KEY_ID, &key, &err);
        key_free(key);
        err_free(err);
        client_free(client);
        if (status != 0) return 98;
        if (dlclose(lib) != 0) {
            fprintf(stderr, "dlclose: %s\n", dlerror());
            return 99;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *scenario = argc > 1 ? argv[1] : "";
    if (strcmp(scenario, "exit-in-flight") == 0) {
        start_spinners(new_client(), 8);
        sleep_ms(300);
        exit(6);
    }
    if (strcmp(scenario, "return-in-flight") == 0) {
        start_spinners(new_client(), 8);
        sleep_ms(300);
        return 0;
    }
    if (strcmp(scenario, "cancel-in-flight") == 0) return cancel_in_flight();
    if (strcmp(scenario, "dlclose") == 0 && argc > 2) return dlclose_twice(argv[2]);
    fprintf(stderr, "usage: lifecycle exit-in-flight|return-in-flight|cancel-in-flight|dlclose LIB\n");
    return 2;
}
