/*
 * C test suite of libdescope_mgmt, run by scripts/test-c.sh against the emulator
 * (plain, under valgrind, and built with AddressSanitizer).
 *
 * Environment:
 *   DESCOPE_EMULATOR_INFO  the emulator's first stdout line (JSON: url, projectId, ...)
 *   DESCOPE_VECTORS_DIR    the shared vectors folder (default tests/vectors)
 * Compile-time: -DEXPECTED_VERSION="x.y.z" (the workspace version from Cargo.toml).
 *
 * Sections: version, status strings, NULL and invalid-UTF-8 inputs, options and config
 * errors, JSON input errors, every shared vector (each batch and create vector twice: via
 * the _json call and via the C struct call), and 8 threads sharing one client.
 * Ends with a line "N passed, M failed"; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <descope_mgmt.h>

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "json.h"

#ifndef EXPECTED_VERSION
#error "compile with -DEXPECTED_VERSION=\"x.y.z\" (the workspace version)"
#endif

#define ROTATE_PATH "/v1/mgmt/accesskey/rotate"
#define BATCH_PATH "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"
#define CREATE_PATH "/v1/mgmt/resource/dynamic-registration-template/create"

/* ---- a tiny test harness ------------------------------------------------------------ */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_passed, g_failed, g_case_failures;
static char g_case[160];
static struct timespec g_case_start;

static long elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void begin(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_case, sizeof g_case, fmt, ap);
    va_end(ap);
    g_case_failures = 0;
    clock_gettime(CLOCK_MONOTONIC, &g_case_start);
}

static void end(void) {
    if (g_case_failures) {
        g_failed++;
        printf("FAIL %s (%ld ms)\n", g_case, elapsed_ms(&g_case_start));
    } else {
        g_passed++;
        printf("ok   %s (%ld ms)\n", g_case, elapsed_ms(&g_case_start));
    }
    fflush(stdout);
}

/* Records a failed check of the current case (thread-safe). Returns cond. */
static int check_at(int cond, int line, const char *fmt, ...) {
    if (cond) return 1;
    pthread_mutex_lock(&g_lock);
    g_case_failures++;
    fprintf(stdout, "  [%s] line %d: ", g_case, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    pthread_mutex_unlock(&g_lock);
    return 0;
}
#define CHECK(cond, ...) check_at((cond) ? 1 : 0, __LINE__, __VA_ARGS__)

static int streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static const char *or_null(const char *s) { return s ? s : "(null)"; }

/* Checks a status and, on mismatch, prints the error's message. */
#define CHECK_STATUS(st, expected, err)                                                    \
    CHECK((st) == (expected), "status %s, expected %s (%s)", descope_mgmt_status_str(st),   \
          descope_mgmt_status_str(expected), or_null(descope_mgmt_error_message(err)))

/* ---- the emulator --------------------------------------------------------------------- */

static json_value *g_info;
static const char *g_url, *g_project, *g_key;

static json_value *emu_json(const char *method, const char *path, const char *body) {
    char *text = NULL;
    int status = http_request(g_url, method, path, body, &text);
    json_value *v = status == 200 && text ? json_parse(text, NULL, 0) : NULL;
    if (!v) fprintf(stdout, "  emulator %s %s answered %d: %.200s\n", method, path, status, or_null(text));
    free(text);
    return v;
}

static int emu_reset(void) {
    json_value *v = emu_json("POST", "/emulator/reset", "");
    json_free(v);
    return v != NULL;
}

static long emu_request_count(const char *path) {
    char q[300];
    snprintf(q, sizeof q, "/emulator/journal?method=POST&path=%s", path);
    json_value *v = emu_json("GET", q, NULL);
    const json_value *c = json_get(v, "count");
    long n = c && c->type == JSON_NUMBER ? (long)c->number : -1;
    json_free(v);
    return n;
}

/* 1 when `secret` is the current secret of key `id`. */
static int emu_verify(const char *id, const char *secret) {
    json_value *req = json_new_object();
    json_object_put(req, "id", json_new_string(id));
    json_object_put(req, "secret", json_new_string(secret));
    char *body = json_dump(req);
    json_value *v = emu_json("POST", "/emulator/accesskeys/verify", body);
    const json_value *valid = json_get(v, "valid");
    int ok = valid && valid->type == JSON_BOOL && valid->boolean;
    json_free(v);
    free(body);
    json_free(req);
    return ok;
}

static descope_mgmt_client *emu_client(const char *management_key, const char *base_url, int64_t timeout_ms,
                                       int32_t max_retries) {
    descope_mgmt_options o;
    descope_mgmt_options_init(&o);
    o.project_id = g_project;
    o.management_key = management_key ? management_key : g_key;
    o.base_url = base_url ? base_url : g_url;
    if (timeout_ms >= 0) o.timeout_ms = timeout_ms;
    if (max_retries >= 0) o.max_retries = max_retries;
    descope_mgmt_client *c = NULL;
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_client_new(&o, &c, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    descope_mgmt_error_free(err);
    return c;
}

/* ---- version and status strings ------------------------------------------------------ */

static void test_version(void) {
    begin("version macros and descope_mgmt_version() match Cargo.toml (%s)", EXPECTED_VERSION);
    char macros[64];
    snprintf(macros, sizeof macros, "%d.%d.%d", DESCOPE_MGMT_VERSION_MAJOR, DESCOPE_MGMT_VERSION_MINOR,
             DESCOPE_MGMT_VERSION_PATCH);
    CHECK(streq(macros, EXPECTED_VERSION), "macros say %s", macros);
    CHECK(streq(descope_mgmt_version(), EXPECTED_VERSION), "library says %s", descope_mgmt_version());
    CHECK(DESCOPE_MGMT_VERSION_NUMBER == DESCOPE_MGMT_VERSION_MAJOR * 1000000 + DESCOPE_MGMT_VERSION_MINOR * 1000 +
                                             DESCOPE_MGMT_VERSION_PATCH,
          "composite number");
    CHECK(descope_mgmt_version_number() == DESCOPE_MGMT_VERSION_NUMBER, "runtime number %u",
          descope_mgmt_version_number());
    end();
}

static void test_status_strings(void) {
    begin("descope_mgmt_status_str gives every code string, explicit numbers");
    static const struct {
        descope_mgmt_status status;
        int number;
        const char *name;
    } table[] = {
        {DESCOPE_MGMT_STATUS_OK, 0, "OK"},
        {DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, 1, "INVALID_ARGUMENT"},
        {DESCOPE_MGMT_STATUS_CONFIG, 2, "CONFIG"},
        {DESCOPE_MGMT_STATUS_UNAUTHORIZED, 3, "UNAUTHORIZED"},
        {DESCOPE_MGMT_STATUS_FORBIDDEN, 4, "FORBIDDEN"},
        {DESCOPE_MGMT_STATUS_NOT_FOUND, 5, "NOT_FOUND"},
        {DESCOPE_MGMT_STATUS_RATE_LIMITED, 6, "RATE_LIMITED"},
        {DESCOPE_MGMT_STATUS_BATCH_REJECTED, 7, "BATCH_REJECTED"},
        {DESCOPE_MGMT_STATUS_API_ERROR, 8, "API_ERROR"},
        {DESCOPE_MGMT_STATUS_SERVER_ERROR, 9, "SERVER_ERROR"},
        {DESCOPE_MGMT_STATUS_TIMEOUT, 10, "TIMEOUT"},
        {DESCOPE_MGMT_STATUS_CONNECTION, 11, "CONNECTION"},
        {DESCOPE_MGMT_STATUS_OUTCOME_UNKNOWN, 12, "OUTCOME_UNKNOWN"},
        {DESCOPE_MGMT_STATUS_DECODE, 13, "DECODE"},
        {DESCOPE_MGMT_STATUS_NULL_ARGUMENT, 100, "NULL_ARGUMENT"},
        {DESCOPE_MGMT_STATUS_INVALID_UTF8, 101, "INVALID_UTF8"},
        {DESCOPE_MGMT_STATUS_PANIC, 102, "PANIC"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        CHECK((int)table[i].status == table[i].number, "%s is %d", table[i].name, (int)table[i].status);
        CHECK(streq(descope_mgmt_status_str(table[i].status), table[i].name), "%s -> %s", table[i].name,
              descope_mgmt_status_str(table[i].status));
    }
    CHECK(streq(descope_mgmt_status_str(55), "UNKNOWN"), "55");
    CHECK(streq(descope_mgmt_status_str(-1), "UNKNOWN"), "-1");
    end();
}

/* ---- NULL and invalid UTF-8 ---------------------------------------------------------- */

#define BAD_UTF8 "K2\xc3\x28\xff"

/* Runs a failing call's checks: status, error code string, message, out reset to NULL. */
static void expect_error(descope_mgmt_status st, descope_mgmt_error *err, descope_mgmt_status expected,
                         const char *mentions, int line) {
    check_at(st == expected, line, "status %s, expected %s (%s)", descope_mgmt_status_str(st),
             descope_mgmt_status_str(expected), or_null(descope_mgmt_error_message(err)));
    check_at(err != NULL, line, "no error object");
    check_at(descope_mgmt_error_status(err) == expected, line, "error status");
    check_at(streq(descope_mgmt_error_code(err), descope_mgmt_status_str(expected)), line, "error code %s",
             or_null(descope_mgmt_error_code(err)));
    const char *msg = descope_mgmt_error_message(err);
    check_at(msg && msg[0], line, "empty message");
    if (mentions) check_at(msg && strstr(msg, mentions) != NULL, line, "message '%s' lacks '%s'", or_null(msg), mentions);
}
#define EXPECT_ERROR(st, err, expected, mentions) expect_error(st, err, expected, mentions, __LINE__)

static void test_null_arguments(void) {
    begin("NULL arguments give NULL_ARGUMENT (or NULL/0/false from accessors), never a crash");
    emu_reset();
    descope_mgmt_client *client = emu_client(NULL, NULL, -1, -1);
    descope_mgmt_error *err = NULL;
    descope_mgmt_rotated_key *key = (descope_mgmt_rotated_key *)&err; /* dummy: must be reset */
    descope_mgmt_status st;

    st = descope_mgmt_options_init(NULL);
    CHECK(st == DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "options_init(NULL)");
    st = descope_mgmt_new_dcr_template_init(NULL);
    CHECK(st == DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "new_dcr_template_init(NULL)");

    st = descope_mgmt_client_new(NULL, NULL, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "out");
    descope_mgmt_error_free(err);
    st = descope_mgmt_client_from_env(NULL, NULL); /* err may be NULL too */
    CHECK(st == DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "from_env(NULL, NULL)");

    st = descope_mgmt_rotate_access_key(NULL, "K2active", &key, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "client");
    CHECK(key == NULL, "out not reset to NULL");
    descope_mgmt_error_free(err);
    st = descope_mgmt_rotate_access_key(client, NULL, &key, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "id");
    descope_mgmt_error_free(err);
    st = descope_mgmt_rotate_access_key(client, "K2active", NULL, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "out");
    descope_mgmt_error_free(err);
    st = descope_mgmt_rotate_access_key(client, NULL, &key, NULL);
    CHECK(st == DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "err may be NULL");

    st = descope_mgmt_batch_upload_tenant_tokens(NULL, NULL, 0, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "client");
    descope_mgmt_error_free(err);
    st = descope_mgmt_batch_upload_tenant_tokens(client, NULL, 2, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "tokens");
    descope_mgmt_error_free(err);
    st = descope_mgmt_batch_upload_tenant_tokens(client, NULL, 0, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "empty");
    descope_mgmt_error_free(err);
    descope_mgmt_tenant_token t = {0};
    t.app_id = "slack";
    t.tenant_id = "T2x";
    t.access_token = "xoxb";
    t.scopes_count = 2; /* scopes NULL with a count */
    st = descope_mgmt_batch_upload_tenant_tokens(client, &t, 1, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "tokens[0].scopes");
    descope_mgmt_error_free(err);
    const char *scopes[] = {"a", NULL};
    t.scopes = scopes;
    st = descope_mgmt_batch_upload_tenant_tokens(client, &t, 1, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "tokens[0].scopes[1]");
    descope_mgmt_error_free(err);
    st = descope_mgmt_batch_upload_tenant_tokens_json(client, NULL, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "tokens_json");
    descope_mgmt_error_free(err);
    st = descope_mgmt_batch_upload_tenant_tokens_json(NULL, "[]", &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "client");
    descope_mgmt_error_free(err);

    descope_mgmt_dcr_template *tpl = (descope_mgmt_dcr_template *)&err;
    st = descope_mgmt_create_dcr_template(client, NULL, &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "tmpl");
    CHECK(tpl == NULL, "out not reset to NULL");
    descope_mgmt_error_free(err);
    st = descope_mgmt_create_dcr_template_json(client, NULL, &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "template_json");
    descope_mgmt_error_free(err);
    st = descope_mgmt_create_dcr_template_json(NULL, "{\"name\":\"x\"}", &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "client");
    descope_mgmt_error_free(err);
    st = descope_mgmt_create_dcr_template_json(client, "{\"name\":\"x\"}", NULL, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "out");
    descope_mgmt_error_free(err);
    descope_mgmt_new_dcr_template nt;
    descope_mgmt_new_dcr_template_init(&nt);
    nt.name = "x";
    const char *tags[] = {NULL};
    nt.tags = tags;
    nt.tags_count = 1;
    st = descope_mgmt_create_dcr_template(client, &nt, &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "tmpl.tags[0]");
    descope_mgmt_error_free(err);

    char *json = (char *)&err;
    st = descope_mgmt_rotated_key_to_json(NULL, &json, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "key");
    CHECK(json == NULL, "out_json not reset");
    descope_mgmt_error_free(err);
    st = descope_mgmt_dcr_template_to_json(NULL, &json, NULL);
    CHECK(st == DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "template_to_json(NULL)");
    st = descope_mgmt_dcr_template_to_json(NULL, NULL, NULL);
    CHECK(st == DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "template_to_json(NULL, NULL)");

    /* Accessors on NULL objects. */
    CHECK(descope_mgmt_rotated_key_id(NULL) == NULL, "key_id");
    CHECK(descope_mgmt_rotated_key_cleartext(NULL) == NULL, "cleartext");
    CHECK(descope_mgmt_rotated_key_role_names_count(NULL) == 0, "role count");
    CHECK(descope_mgmt_rotated_key_role_name(NULL, 0) == NULL, "role");
    CHECK(descope_mgmt_rotated_key_tenant_role_name(NULL, 0, 0) == NULL, "tenant role");
    CHECK(!descope_mgmt_rotated_key_editable(NULL), "editable");
    CHECK(descope_mgmt_rotated_key_expire_time(NULL) == 0, "expire");
    CHECK(descope_mgmt_dcr_template_id(NULL) == NULL, "tpl id");
    CHECK(descope_mgmt_dcr_template_tags_count(NULL) == 0, "tags");
    CHECK(!descope_mgmt_dcr_template_has_session_settings(NULL), "session settings");
    CHECK(descope_mgmt_error_status(NULL) == DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "error_status");
    CHECK(descope_mgmt_error_code(NULL) == NULL, "error_code");
    CHECK(descope_mgmt_error_message(NULL) == NULL, "error_message");
    CHECK(descope_mgmt_error_http_status(NULL) == 0, "http status");
    CHECK(descope_mgmt_error_retry_after_ms(NULL) == -1, "retry after");
    CHECK(descope_mgmt_error_failures_count(NULL) == 0, "failures");
    CHECK(descope_mgmt_error_failure_reason(NULL, 0) == NULL, "failure reason");

    /* Every free function accepts NULL. */
    descope_mgmt_client_free(NULL);
    descope_mgmt_rotated_key_free(NULL);
    descope_mgmt_dcr_template_free(NULL);
    descope_mgmt_error_free(NULL);
    descope_mgmt_string_free(NULL);

    CHECK(emu_request_count(ROTATE_PATH) == 0 && emu_request_count(BATCH_PATH) == 0 &&
              emu_request_count(CREATE_PATH) == 0,
          "a request was sent");
    descope_mgmt_client_free(client);
    end();
}

static void test_invalid_utf8(void) {
    begin("invalid UTF-8 gives INVALID_UTF8 naming the argument, and sends nothing");
    emu_reset();
    descope_mgmt_client *client = emu_client(NULL, NULL, -1, -1);
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st;

    descope_mgmt_options o;
    descope_mgmt_options_init(&o);
    o.project_id = BAD_UTF8;
    o.management_key = "k";
    descope_mgmt_client *bad = NULL;
    st = descope_mgmt_client_new(&o, &bad, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_UTF8, "options.project_id");
    CHECK(bad == NULL, "client created");
    descope_mgmt_error_free(err);
    o.project_id = "P2x";
    o.management_key = BAD_UTF8;
    st = descope_mgmt_client_new(&o, &bad, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_UTF8, "options.management_key");
    descope_mgmt_error_free(err);

    descope_mgmt_rotated_key *key = NULL;
    st = descope_mgmt_rotate_access_key(client, BAD_UTF8, &key, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_UTF8, "id");
    descope_mgmt_error_free(err);

    descope_mgmt_tenant_token t[2];
    memset(t, 0, sizeof t);
    t[0].app_id = "slack";
    t[0].tenant_id = "T2a";
    t[0].access_token = "xoxb";
    t[1] = t[0];
    t[1].refresh_token = BAD_UTF8;
    st = descope_mgmt_batch_upload_tenant_tokens(client, t, 2, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_UTF8, "tokens[1].refresh_token");
    CHECK(!strstr(descope_mgmt_error_message(err), BAD_UTF8), "the value is quoted");
    descope_mgmt_error_free(err);
    const char *scopes[] = {"ok", BAD_UTF8};
    t[1].refresh_token = NULL;
    t[1].scopes = scopes;
    t[1].scopes_count = 2;
    st = descope_mgmt_batch_upload_tenant_tokens(client, t, 2, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_UTF8, "tokens[1].scopes[1]");
    descope_mgmt_error_free(err);
    st = descope_mgmt_batch_upload_tenant_tokens_json(client, "[{\"appId\":\"" BAD_UTF8 "\"}]", &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_UTF8, "tokens_json");
    descope_mgmt_error_free(err);

    descope_mgmt_dcr_template *tpl = NULL;
    descope_mgmt_new_dcr_template nt;
    descope_mgmt_new_dcr_template_init(&nt);
    nt.name = BAD_UTF8;
    st = descope_mgmt_create_dcr_template(client, &nt, &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_UTF8, "tmpl.name");
    descope_mgmt_error_free(err);
    st = descope_mgmt_create_dcr_template_json(client, "{\"name\":\"" BAD_UTF8 "\"}", &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_UTF8, "template_json");
    descope_mgmt_error_free(err);
    CHECK(tpl == NULL, "template created");

    CHECK(emu_request_count(ROTATE_PATH) == 0 && emu_request_count(BATCH_PATH) == 0 &&
              emu_request_count(CREATE_PATH) == 0,
          "a request was sent");
    descope_mgmt_client_free(client);
    end();
}

/* ---- options, config and JSON input errors ------------------------------------------- */

static void test_options_and_config(void) {
    begin("options: init defaults, struct_size, CONFIG errors, env fallback, err reset on success");
    descope_mgmt_error *err = NULL;
    descope_mgmt_client *c = NULL;
    descope_mgmt_status st;
    descope_mgmt_options o;

    memset(&o, 0x5a, sizeof o);
    CHECK(descope_mgmt_options_init(&o) == DESCOPE_MGMT_STATUS_OK, "init");
    CHECK(o.struct_size == sizeof o && o.project_id == NULL && o.management_key == NULL && o.base_url == NULL,
          "init strings");
    CHECK(o.timeout_ms == DESCOPE_MGMT_UNSET && o.connect_timeout_ms == DESCOPE_MGMT_UNSET &&
              o.max_retries == DESCOPE_MGMT_UNSET && o.max_retry_wait_ms == DESCOPE_MGMT_UNSET &&
              o.max_connections == DESCOPE_MGMT_UNSET,
          "init numbers");

    unsetenv("DESCOPE_PROJECT_ID");
    unsetenv("DESCOPE_MANAGEMENT_KEY");
    unsetenv("DESCOPE_BASE_URI");
    st = descope_mgmt_client_from_env(&c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "DESCOPE_PROJECT_ID");
    CHECK(c == NULL, "client created");
    descope_mgmt_error_free(err);
    o.project_id = g_project;
    st = descope_mgmt_client_new(&o, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "DESCOPE_MANAGEMENT_KEY");
    descope_mgmt_error_free(err);

    o.management_key = g_key;
    o.base_url = "http://example.com";
    st = descope_mgmt_client_new(&o, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "https");
    descope_mgmt_error_free(err);
    o.base_url = g_url;
    o.timeout_ms = 0;
    st = descope_mgmt_client_new(&o, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "timeout");
    descope_mgmt_error_free(err);
    o.timeout_ms = DESCOPE_MGMT_UNSET;

    o.max_connections = 0;
    st = descope_mgmt_client_new(&o, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "max_connections");
    descope_mgmt_error_free(err);
    /* A caller built against the first options version (without max_connections) gets the
       default: the library must not read past its struct_size. */
    o.struct_size = offsetof(descope_mgmt_options, max_connections);
    st = descope_mgmt_client_new(&o, &c, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_OK && c != NULL, "first-version options");
    descope_mgmt_client_free(c);
    c = NULL;
    o.struct_size = sizeof o;
    o.max_connections = DESCOPE_MGMT_UNSET;

    /* Proxy and CA (the third options version): CONFIG at construction, the proxy's
       credentials never shown; a caller built against the second version gets the defaults. */
    o.proxy = "socks5://u:hunter22@127.0.0.1:1";
    st = descope_mgmt_client_new(&o, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "proxy is not a usable proxy URL");
    CHECK(!strstr(descope_mgmt_error_message(err), "hunter22"), "proxy credentials in the message");
    descope_mgmt_error_free(err);
    o.struct_size = offsetof(descope_mgmt_options, proxy);
    st = descope_mgmt_client_new(&o, &c, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_OK && c != NULL, "second-version options");
    descope_mgmt_client_free(c);
    c = NULL;
    o.struct_size = sizeof o;
    o.proxy = NULL;
    o.ca_bundle = "/nonexistent/ca.pem";
    st = descope_mgmt_client_new(&o, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "/nonexistent/ca.pem");
    descope_mgmt_error_free(err);
    o.ca_bundle = NULL;
    /* Loopback never goes through a proxy: a dead one does not stop a call to the emulator. */
    o.proxy = "http://127.0.0.1:9";
    st = descope_mgmt_client_new(&o, &c, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    {
        descope_mgmt_dcr_template *via = NULL;
        st = descope_mgmt_create_dcr_template_json(c, "{\"name\":\"no-proxy-for-loopback\"}", &via, &err);
        CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
        descope_mgmt_dcr_template_free(via);
        descope_mgmt_error_free(err);
        err = NULL;
    }
    descope_mgmt_client_free(c);
    c = NULL;
    o.proxy = NULL;

    descope_mgmt_options small = o;
    small.struct_size = 8;
    st = descope_mgmt_client_new(&small, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "descope_mgmt_options_init");
    descope_mgmt_error_free(err);

    /* The management key never appears in an error. */
    o.project_id = "P2 bad";
    o.management_key = "K2-super-secret-key";
    st = descope_mgmt_client_new(&o, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, NULL);
    CHECK(!strstr(descope_mgmt_error_message(err), "super-secret"), "key in message");
    descope_mgmt_error_free(err);

    /* Environment fallback, and *err reset to NULL on success. */
    setenv("DESCOPE_PROJECT_ID", g_project, 1);
    setenv("DESCOPE_MANAGEMENT_KEY", g_key, 1);
    setenv("DESCOPE_BASE_URI", g_url, 1);
    err = (descope_mgmt_error *)&o; /* dummy: must be overwritten with NULL */
    st = descope_mgmt_client_from_env(&c, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_OK && c != NULL && err == NULL, "from_env: %s", descope_mgmt_status_str(st));
    emu_reset();
    descope_mgmt_dcr_template *tpl = NULL;
    st = descope_mgmt_create_dcr_template_json(c, "{\"name\":\"from-env\"}", &tpl, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    CHECK(streq(descope_mgmt_dcr_template_name(tpl), "from-env"), "name");
    /* The client identifies itself as the C binding. */
    json_value *journal = emu_json("GET", "/emulator/journal?method=POST&path=" CREATE_PATH, NULL);
    const json_value *reqs = json_get(journal, "requests");
    const json_value *headers = reqs && reqs->count ? json_get(reqs->items[0], "headers") : NULL;
    CHECK(streq(json_get_str(headers, "x-descope-sdk-name"), "descope-mgmt-c"), "x-descope-sdk-name is %s",
          or_null(json_get_str(headers, "x-descope-sdk-name")));
    CHECK(streq(json_get_str(headers, "x-descope-sdk-version"), EXPECTED_VERSION), "x-descope-sdk-version");
    json_free(journal);
    descope_mgmt_dcr_template_free(tpl);
    descope_mgmt_error_free(err);
    descope_mgmt_client_free(c);
    unsetenv("DESCOPE_PROJECT_ID");
    unsetenv("DESCOPE_MANAGEMENT_KEY");
    unsetenv("DESCOPE_BASE_URI");
    end();
}

static void test_json_input_errors(void) {
    begin("JSON inputs: typos and wrong types are INVALID_ARGUMENT, values never quoted");
    emu_reset();
    descope_mgmt_client *client = emu_client(NULL, NULL, -1, -1);
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st;

    st = descope_mgmt_batch_upload_tenant_tokens_json(client, "[{\"appid\":\"slack\"}]", &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "appid");
    descope_mgmt_error_free(err);
    st = descope_mgmt_batch_upload_tenant_tokens_json(
        client, "[{\"appId\":\"slack\",\"tenantId\":\"T\",\"accessToken\":\"s3cr3t-a\",\"idToken\":7}]", &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, NULL);
    CHECK(!strstr(descope_mgmt_error_message(err), "s3cr3t"), "secret quoted");
    descope_mgmt_error_free(err);
    st = descope_mgmt_batch_upload_tenant_tokens_json(
        client, "[{\"appId\":\"slack\",\"tenantId\":\"T\",\"accessTokenExpiry\":\"s3cr3t-b\"}]", &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, NULL);
    CHECK(!strstr(descope_mgmt_error_message(err), "s3cr3t"), "secret quoted");
    descope_mgmt_error_free(err);
    st = descope_mgmt_batch_upload_tenant_tokens_json(client, "not json", &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "line 1");
    descope_mgmt_error_free(err);
    {
        descope_mgmt_dcr_template *tpl = NULL;
        st = descope_mgmt_create_dcr_template_json(
            client, "{\"name\":\"x\",\"skipConsentScreen\":\"s3cr3t-t\"}", &tpl, &err);
        EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "template_json");
        CHECK(!strstr(descope_mgmt_error_message(err), "s3cr3t"), "template value quoted");
        CHECK(tpl == NULL, "no template on error");
        descope_mgmt_error_free(err);
    }
    st = descope_mgmt_batch_upload_tenant_tokens_json(client, "{\"tokens\":[]}", &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, NULL);
    descope_mgmt_error_free(err);

    /* Several bad items: every one is listed, with its index; secrets are not. */
    descope_mgmt_tenant_token t[3];
    memset(t, 0, sizeof t);
    t[0].app_id = "slack";
    t[0].tenant_id = "T2a";
    t[0].access_token = "s3cr3t-c";
    t[0].access_token_expiry = -5;
    t[1].app_id = "slack";
    t[2].tenant_id = "T2c";
    t[2].refresh_token = "s3cr3t-d";
    st = descope_mgmt_batch_upload_tenant_tokens(client, t, 3, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "tokens[0]");
    const char *msg = descope_mgmt_error_message(err);
    CHECK(strstr(msg, "tokens[1]") && strstr(msg, "tokens[2]"), "not every item listed: %s", msg);
    CHECK(!strstr(msg, "s3cr3t"), "secret quoted");
    descope_mgmt_error_free(err);

    descope_mgmt_dcr_template *tpl = NULL;
    st = descope_mgmt_create_dcr_template_json(client, "{\"name\":\"x\",\"loginPageUrl\":\"y\"}", &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "loginPageUrl");
    descope_mgmt_error_free(err);
    st = descope_mgmt_create_dcr_template_json(client, "[1]", &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, NULL);
    descope_mgmt_error_free(err);
    descope_mgmt_new_dcr_template nt;
    descope_mgmt_new_dcr_template_init(&nt);
    CHECK(nt.struct_size == sizeof nt && nt.name == NULL && nt.skip_consent_screen == DESCOPE_MGMT_UNSET &&
              nt.force_add_all_authorization_info == DESCOPE_MGMT_UNSET && nt.tags == NULL && nt.tags_count == 0 &&
              nt.session_settings_json == NULL,
          "template init");
    nt.name = "x";
    nt.session_settings_json = "{\"enabled\":";
    st = descope_mgmt_create_dcr_template(client, &nt, &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "session_settings_json");
    descope_mgmt_error_free(err);
    nt.session_settings_json = NULL;
    nt.struct_size = 0;
    st = descope_mgmt_create_dcr_template(client, &nt, &tpl, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "struct_size");
    descope_mgmt_error_free(err);
    CHECK(tpl == NULL, "template created");
    CHECK(emu_request_count(BATCH_PATH) == 0 && emu_request_count(CREATE_PATH) == 0, "a request was sent");
    descope_mgmt_client_free(client);
    end();
}

/* ---- the shared vectors --------------------------------------------------------------- */

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    return buf;
}

/* Tokens of a vector as C structs; 0 when a field cannot be expressed in the struct. */
typedef struct {
    descope_mgmt_tenant_token *items;
    const char ***scopes;
    size_t count;
} token_structs;

static void free_token_structs(token_structs *ts) {
    for (size_t i = 0; i < ts->count; i++) free(ts->scopes[i]);
    free(ts->scopes);
    free(ts->items);
}

static int string_field(const json_value *v, const char **out) {
    if (v->type != JSON_STRING) return 0;
    *out = v->text;
    return 1;
}

static int to_token_structs(const json_value *tokens, token_structs *ts) {
    memset(ts, 0, sizeof *ts);
    if (!tokens || tokens->type != JSON_ARRAY) return 0;
    ts->count = tokens->count;
    ts->items = calloc(tokens->count + 1, sizeof *ts->items);
    ts->scopes = calloc(tokens->count + 1, sizeof *ts->scopes);
    for (size_t i = 0; i < tokens->count; i++) {
        const json_value *o = tokens->items[i];
        descope_mgmt_tenant_token *t = &ts->items[i];
        if (o->type != JSON_OBJECT) return 0;
        for (size_t k = 0; k < o->count; k++) {
            const char *key = o->keys[k];
            const json_value *v = o->items[k];
            int ok = 0;
            if (!strcmp(key, "appId")) ok = string_field(v, &t->app_id);
            else if (!strcmp(key, "tenantId")) ok = string_field(v, &t->tenant_id);
            else if (!strcmp(key, "refreshToken")) ok = string_field(v, &t->refresh_token);
            else if (!strcmp(key, "accessToken")) ok = string_field(v, &t->access_token);
            else if (!strcmp(key, "accessTokenType")) ok = string_field(v, &t->access_token_type);
            else if (!strcmp(key, "externalIdentifier")) ok = string_field(v, &t->external_identifier);
            else if (!strcmp(key, "idToken")) ok = string_field(v, &t->id_token);
            else if (!strcmp(key, "grantedBy")) ok = string_field(v, &t->granted_by);
            else if (!strcmp(key, "accessTokenExpiry")) {
                ok = v->type == JSON_NUMBER && v->number != 0;
                t->access_token_expiry = (int64_t)v->number;
            } else if (!strcmp(key, "scopes") && v->type == JSON_ARRAY) {
                ts->scopes[i] = calloc(v->count + 1, sizeof(char *));
                ok = 1;
                for (size_t s = 0; s < v->count; s++) ok = ok && string_field(v->items[s], &ts->scopes[i][s]);
                t->scopes = ts->scopes[i];
                t->scopes_count = v->count;
            }
            if (!ok) return 0;
        }
    }
    return 1;
}

/* A create body as the C struct; 0 when a field cannot be expressed in the struct.
 * *session_json receives a malloc'd string (or NULL) to free after the call. */
static int to_template_struct(const json_value *tpl, descope_mgmt_new_dcr_template *nt, const char ***tags,
                              char **session_json) {
    descope_mgmt_new_dcr_template_init(nt);
    *tags = NULL;
    *session_json = NULL;
    if (!tpl || tpl->type != JSON_OBJECT) return 0;
    for (size_t k = 0; k < tpl->count; k++) {
        const char *key = tpl->keys[k];
        const json_value *v = tpl->items[k];
        int ok = 0;
        if (!strcmp(key, "name")) ok = string_field(v, &nt->name);
        else if (!strcmp(key, "description")) ok = string_field(v, &nt->description);
        else if (!strcmp(key, "loginPageURL")) ok = string_field(v, &nt->login_page_url);
        else if (!strcmp(key, "skipConsentScreen") && v->type == JSON_BOOL) {
            nt->skip_consent_screen = v->boolean;
            ok = 1;
        } else if (!strcmp(key, "forceAddAllAuthorizationInfo") && v->type == JSON_BOOL) {
            nt->force_add_all_authorization_info = v->boolean;
            ok = 1;
        } else if (!strcmp(key, "sessionSettings") && v->type == JSON_OBJECT) {
            *session_json = json_dump(v);
            nt->session_settings_json = *session_json;
            ok = 1;
        } else if (!strcmp(key, "tags") && v->type == JSON_ARRAY) {
            *tags = calloc(v->count + 1, sizeof(char *));
            ok = 1;
            for (size_t s = 0; s < v->count; s++) ok = ok && string_field(v->items[s], &(*tags)[s]);
            nt->tags = *tags;
            nt->tags_count = v->count;
        }
        if (!ok) return 0;
    }
    return 1;
}

/* Secrets of a vector's args: none may appear in an error message. */
static void check_no_secrets(const json_value *args, const char *text) {
    if (!text) return;
    CHECK(!strstr(text, g_key), "management key in error text");
    const json_value *tokens = json_get(args, "tokens");
    for (size_t i = 0; tokens && tokens->type == JSON_ARRAY && i < tokens->count; i++) {
        static const char *fields[] = {"refreshToken", "accessToken", "idToken"};
        for (size_t f = 0; f < 3; f++) {
            const char *secret = json_get_str(tokens->items[i], fields[f]);
            if (secret && strlen(secret) > 1) CHECK(!strstr(text, secret), "%s in error text", fields[f]);
        }
    }
}

static json_value *parse_owned(char *json) {
    json_value *v = json ? json_parse(json, NULL, 0) : NULL;
    descope_mgmt_string_free(json);
    return v;
}

/* Checks the rotate accessors against the key's JSON. */
static void check_rotated_accessors(const descope_mgmt_rotated_key *key, const json_value *kj) {
    CHECK(streq(descope_mgmt_rotated_key_id(key), json_get_str(kj, "id")), "id accessor");
    CHECK(streq(descope_mgmt_rotated_key_name(key), json_get_str(kj, "name")), "name accessor");
    CHECK(streq(descope_mgmt_rotated_key_status(key), json_get_str(kj, "status")), "status accessor");
    CHECK(streq(descope_mgmt_rotated_key_created_by(key), json_get_str(kj, "createdBy")), "createdBy accessor");
    CHECK(streq(descope_mgmt_rotated_key_client_id(key), json_get_str(kj, "clientId")), "clientId accessor");
    CHECK(streq(descope_mgmt_rotated_key_bound_user_id(key), json_get_str(kj, "boundUserId")), "boundUserId");
    CHECK(streq(descope_mgmt_rotated_key_description(key), json_get_str(kj, "description")), "description");
    const json_value *ct = json_get(kj, "createdTime"), *et = json_get(kj, "expireTime"), *ed = json_get(kj, "editable");
    CHECK(ct && descope_mgmt_rotated_key_created_time(key) == (int64_t)ct->number, "createdTime accessor");
    CHECK(et && descope_mgmt_rotated_key_expire_time(key) == (int64_t)et->number, "expireTime accessor");
    CHECK(ed && descope_mgmt_rotated_key_editable(key) == (ed->boolean != 0), "editable accessor");
    const json_value *roles = json_get(kj, "roleNames");
    size_t n = descope_mgmt_rotated_key_role_names_count(key);
    CHECK(roles && n == roles->count, "roleNames count");
    for (size_t i = 0; roles && i < n && i < roles->count; i++)
        CHECK(streq(descope_mgmt_rotated_key_role_name(key, i), roles->items[i]->text), "role %zu", i);
    CHECK(descope_mgmt_rotated_key_role_name(key, n) == NULL, "role out of range");
    const json_value *ips = json_get(kj, "permittedIps");
    CHECK(ips && descope_mgmt_rotated_key_permitted_ips_count(key) == ips->count, "permittedIps count");
    CHECK(descope_mgmt_rotated_key_permitted_ip(key, ips ? ips->count : 0) == NULL, "ip out of range");
    const json_value *tenants = json_get(kj, "keyTenants");
    size_t tn = descope_mgmt_rotated_key_tenants_count(key);
    CHECK(tenants && tn == tenants->count, "keyTenants count");
    for (size_t i = 0; tenants && i < tn && i < tenants->count; i++) {
        const json_value *t = tenants->items[i];
        CHECK(streq(descope_mgmt_rotated_key_tenant_id(key, i), json_get_str(t, "tenantId")), "tenantId %zu", i);
        CHECK(streq(descope_mgmt_rotated_key_tenant_name(key, i), json_get_str(t, "tenantName")), "tenantName");
        const json_value *tr = json_get(t, "roleNames");
        size_t rn = descope_mgmt_rotated_key_tenant_role_names_count(key, i);
        CHECK(tr && rn == tr->count, "tenant roles count");
        for (size_t r = 0; tr && r < rn && r < tr->count; r++)
            CHECK(streq(descope_mgmt_rotated_key_tenant_role_name(key, i, r), tr->items[r]->text), "tenant role");
        CHECK(descope_mgmt_rotated_key_tenant_role_name(key, i, rn) == NULL, "tenant role out of range");
    }
    CHECK(descope_mgmt_rotated_key_tenant_id(key, tn) == NULL, "tenant out of range");
}

static void check_template_accessors(const descope_mgmt_dcr_template *t, const json_value *tj) {
    CHECK(streq(descope_mgmt_dcr_template_id(t), json_get_str(tj, "id")), "id accessor");
    CHECK(streq(descope_mgmt_dcr_template_version(t), json_get_str(tj, "version")), "version accessor");
    CHECK(streq(descope_mgmt_dcr_template_name(t), json_get_str(tj, "name")), "name accessor");
    CHECK(streq(descope_mgmt_dcr_template_description(t), json_get_str(tj, "description")), "description");
    CHECK(streq(descope_mgmt_dcr_template_login_page_url(t), json_get_str(tj, "loginPageURL")), "loginPageURL");
    CHECK(streq(descope_mgmt_dcr_template_created_time(t), json_get_str(tj, "createdTime")), "createdTime");
    CHECK(streq(descope_mgmt_dcr_template_modified_time(t), json_get_str(tj, "modifiedTime")), "modifiedTime");
    const json_value *skip = json_get(tj, "skipConsentScreen"), *force = json_get(tj, "forceAddAllAuthorizationInfo");
    CHECK(skip && descope_mgmt_dcr_template_skip_consent_screen(t) == (skip->boolean != 0), "skipConsentScreen");
    CHECK(force && descope_mgmt_dcr_template_force_add_all_authorization_info(t) == (force->boolean != 0),
          "forceAddAllAuthorizationInfo");
    CHECK(descope_mgmt_dcr_template_has_session_settings(t) == (json_get(tj, "sessionSettings") != NULL),
          "has_session_settings");
    const json_value *tags = json_get(tj, "tags");
    size_t n = descope_mgmt_dcr_template_tags_count(t);
    CHECK(tags && n == tags->count, "tags count");
    for (size_t i = 0; tags && i < n && i < tags->count; i++)
        CHECK(streq(descope_mgmt_dcr_template_tag(t, i), tags->items[i]->text), "tag %zu", i);
    CHECK(descope_mgmt_dcr_template_tag(t, n) == NULL, "tag out of range");
}

static void check_error(const json_value *expect_error, descope_mgmt_status st, const descope_mgmt_error *err,
                        const json_value *args) {
    const char *code = json_get_str(expect_error, "code");
    CHECK(streq(descope_mgmt_status_str(st), code), "status %s, expected %s (%s)", descope_mgmt_status_str(st),
          or_null(code), or_null(descope_mgmt_error_message(err)));
    CHECK(err != NULL, "no error object");
    if (!err) return;
    CHECK(streq(descope_mgmt_error_code(err), code), "error code %s", or_null(descope_mgmt_error_code(err)));
    CHECK(descope_mgmt_error_status(err) == st, "error status");
    const char *msg = descope_mgmt_error_message(err);
    CHECK(msg && msg[0], "empty message");
    check_no_secrets(args, msg);
    check_no_secrets(args, descope_mgmt_error_description(err));
    const json_value *v;
    if ((v = json_get(expect_error, "status")))
        CHECK(descope_mgmt_error_http_status(err) == (uint16_t)v->number, "HTTP status %u, expected %s",
              descope_mgmt_error_http_status(err), v->text);
    if ((v = json_get(expect_error, "errorCode")))
        CHECK(streq(descope_mgmt_error_descope_code(err), v->text), "errorCode %s, expected %s",
              or_null(descope_mgmt_error_descope_code(err)), v->text);
    if ((v = json_get(expect_error, "retryAfter")))
        CHECK(descope_mgmt_error_retry_after_ms(err) == (int64_t)(v->number * 1000), "retryAfter %lld ms",
              (long long)descope_mgmt_error_retry_after_ms(err));
    if ((v = json_get(expect_error, "failuresCount"))) {
        size_t n = descope_mgmt_error_failures_count(err);
        CHECK(n == (size_t)v->number, "failures %zu, expected %s", n, v->text);
        for (size_t i = 0; i < n; i++) {
            CHECK(descope_mgmt_error_failure_app_id(err, i) && descope_mgmt_error_failure_tenant_id(err, i) &&
                      descope_mgmt_error_failure_error_code(err, i) && descope_mgmt_error_failure_reason(err, i),
                  "failure %zu has a NULL field", i);
            CHECK(descope_mgmt_error_failure_error_code(err, i)[0] != '\0', "failure %zu has no error code", i);
        }
        CHECK(descope_mgmt_error_failure_app_id(err, n) == NULL, "failure out of range");
    }
}

/* Whether the vector's operation took effect on the emulator (tests/vectors/README.md). */
static int applied(const char *call, const json_value *args) {
    int result = 0;
    if (!strcmp(call, "rotate_access_key")) {
        const char *id = json_get_str(args, "id");
        json_value *seed = emu_json("GET", "/emulator/seed", NULL);
        const json_value *keys = json_get(seed, "accessKeys");
        for (size_t i = 0; id && keys && i < keys->count; i++) {
            if (!streq(json_get_str(keys->items[i], "id"), id)) continue;
            const char *secret = json_get_str(keys->items[i], "secret");
            char fallback[256];
            snprintf(fallback, sizeof fallback, "seed-secret-%s", id);
            result = !emu_verify(id, secret ? secret : fallback);
        }
        json_free(seed);
    } else if (!strcmp(call, "batch_upload_tenant_tokens")) {
        const json_value *tokens = json_get(args, "tokens");
        if (!tokens || tokens->type != JSON_ARRAY || tokens->count == 0) return 0;
        const char *app = json_get_str(tokens->items[0], "appId"), *tenant = json_get_str(tokens->items[0], "tenantId");
        json_value *stored = emu_json("GET", "/emulator/outbound/tokens", NULL);
        const json_value *list = json_get(stored, "tokens");
        for (size_t i = 0; list && i < list->count; i++) {
            const char *a = json_get_str(list->items[i], "appId"), *t = json_get_str(list->items[i], "tenantId");
            if (streq(a ? a : "", app ? app : "") && streq(t ? t : "", tenant ? tenant : "")) result = 1;
        }
        json_free(stored);
    } else {
        const char *name = json_get_str(json_get(args, "template"), "name");
        json_value *all = emu_json("GET", "/emulator/templates", NULL);
        const json_value *created = json_get(all, "created");
        for (size_t i = 0; name && created && i < created->count; i++)
            if (streq(json_get_str(created->items[i], "name"), name)) result = 1;
        json_free(all);
    }
    return result;
}

/* Runs one vector. via_struct: use the C struct call instead of the _json call. */
static void run_vector(const json_value *vec, int via_struct) {
    const char *name = json_get_str(vec, "name"), *call = json_get_str(vec, "call");
    const json_value *args = json_get(vec, "args"), *expect = json_get(vec, "expect");
    const json_value *client_over = json_get(vec, "client"), *faults = json_get(vec, "faults");
    int is_rotate = streq(call, "rotate_access_key"), is_batch = streq(call, "batch_upload_tenant_tokens");
    const char *path = is_rotate ? ROTATE_PATH : is_batch ? BATCH_PATH : CREATE_PATH;

    token_structs ts = {0};
    descope_mgmt_new_dcr_template nt;
    const char **tags = NULL;
    char *session_json = NULL;
    if (via_struct) {
        int ok = is_batch ? to_token_structs(json_get(args, "tokens"), &ts)
                          : to_template_struct(json_get(args, "template"), &nt, &tags, &session_json);
        if (!ok) {
            free_token_structs(&ts);
            free(tags);
            free(session_json);
            return; /* not expressible as a struct: covered by the _json run */
        }
    }
    begin("vector %s (%s)", or_null(name), is_rotate ? "rotate" : via_struct ? "struct" : "json");
    CHECK(emu_reset(), "reset");
    if (faults) {
        char *body = json_dump(faults);
        json_value *r = emu_json("POST", "/emulator/faults", body);
        CHECK(r != NULL, "faults refused");
        json_free(r);
        free(body);
    }
    const json_value *v;
    int64_t timeout_ms = (v = json_get(client_over, "timeoutMs")) ? (int64_t)v->number : -1;
    int32_t retries = (v = json_get(client_over, "maxRetries")) ? (int32_t)v->number : -1;
    descope_mgmt_client *client = emu_client(json_get_str(client_over, "managementKey"),
                                             json_get_str(client_over, "baseUrl"), timeout_ms, retries);

    descope_mgmt_error *err = NULL;
    descope_mgmt_status st;
    json_value *actual = NULL;
    if (is_rotate) {
        descope_mgmt_rotated_key *key = NULL;
        st = descope_mgmt_rotate_access_key(client, json_get_str(args, "id"), &key, &err);
        CHECK((st == DESCOPE_MGMT_STATUS_OK) == (key != NULL), "out and status disagree");
        if (key) {
            char *kjson = NULL;
            CHECK(descope_mgmt_rotated_key_to_json(key, &kjson, NULL) == DESCOPE_MGMT_STATUS_OK, "to_json");
            json_value *kj = parse_owned(kjson);
            CHECK(kj && !json_get(kj, "cleartext"), "to_json must not hold the cleartext");
            if (kj) check_rotated_accessors(key, kj);
            const char *cleartext = descope_mgmt_rotated_key_cleartext(key);
            CHECK(cleartext && emu_verify(descope_mgmt_rotated_key_id(key), cleartext),
                  "the cleartext is not the key's new secret");
            actual = json_new_object();
            json_object_put(actual, "key", kj ? kj : json_new_object());
            json_object_put(actual, "cleartext", json_new_string(cleartext ? cleartext : ""));
            descope_mgmt_rotated_key_free(key);
        }
    } else if (is_batch) {
        if (via_struct) {
            st = descope_mgmt_batch_upload_tenant_tokens(client, ts.items, ts.count, &err);
        } else {
            char *tokens_json = json_dump(json_get(args, "tokens"));
            st = descope_mgmt_batch_upload_tenant_tokens_json(client, tokens_json, &err);
            free(tokens_json);
        }
    } else {
        descope_mgmt_dcr_template *tpl = NULL;
        if (via_struct) {
            st = descope_mgmt_create_dcr_template(client, &nt, &tpl, &err);
        } else {
            char *body = json_dump(json_get(args, "template"));
            st = descope_mgmt_create_dcr_template_json(client, body, &tpl, &err);
            free(body);
        }
        CHECK((st == DESCOPE_MGMT_STATUS_OK) == (tpl != NULL), "out and status disagree");
        if (tpl) {
            char *tjson = NULL;
            CHECK(descope_mgmt_dcr_template_to_json(tpl, &tjson, &err) == DESCOPE_MGMT_STATUS_OK, "to_json");
            json_value *tj = parse_owned(tjson);
            if (tj) check_template_accessors(tpl, tj);
            actual = json_new_object();
            json_object_put(actual, "template", tj ? tj : json_new_object());
            descope_mgmt_dcr_template_free(tpl);
        }
    }

    const json_value *ok = json_get(expect, "ok");
    if (ok && ok->boolean) {
        CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
        CHECK(err == NULL, "*err not NULL on success");
        const json_value *result = json_get(expect, "result");
        char why[600] = "";
        if (result) CHECK(actual && json_match(result, actual, why, sizeof why), "result mismatch: %s", why);
    } else {
        check_error(json_get(expect, "error"), st, err, args);
    }
    descope_mgmt_error_free(err);
    descope_mgmt_client_free(client);

    const json_value *requests = json_get(expect, "requests");
    long count = emu_request_count(path);
    CHECK(requests && count == (long)requests->number, "%ld requests, expected %s", count,
          requests ? requests->text : "?");
    const json_value *want_applied = json_get(expect, "applied");
    int was_applied = applied(call, args);
    CHECK(want_applied && was_applied == want_applied->boolean, "applied %d, expected %d", was_applied,
          want_applied ? want_applied->boolean : -1);

    json_free(actual);
    free_token_structs(&ts);
    free(tags);
    free(session_json);
    end();
}

static void run_vector_file(const char *dir, const char *file) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = read_file(path);
    char why[200] = "";
    json_value *vectors = text ? json_parse(text, why, sizeof why) : NULL;
    begin("vector file %s", path);
    CHECK(vectors && vectors->type == JSON_ARRAY && vectors->count > 0, "unreadable: %s", why);
    end();
    for (size_t i = 0; vectors && i < vectors->count; i++) {
        const json_value *vec = vectors->items[i];
        run_vector(vec, 0);
        if (!streq(json_get_str(vec, "call"), "rotate_access_key")) run_vector(vec, 1);
    }
    json_free(vectors);
    free(text);
}

/* ---- 8 threads sharing one client ------------------------------------------------------ */

#define THREADS 8
#define ROUNDS 3

typedef struct {
    descope_mgmt_client *client;
    int index;
    int failures;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    for (int r = 0; r < ROUNDS; r++) {
        descope_mgmt_error *err = NULL;
        char tenant[64], name[64];
        snprintf(tenant, sizeof tenant, "T2thread%d-%d", w->index, r);
        snprintf(name, sizeof name, "thread-%d-%d", w->index, r);

        descope_mgmt_tenant_token t = {0};
        const char *scopes[] = {"chat:write"};
        t.app_id = "slack";
        t.tenant_id = tenant;
        t.access_token = "xoxb-thread";
        t.access_token_expiry = 1767225600;
        t.scopes = scopes;
        t.scopes_count = 1;
        descope_mgmt_status st = descope_mgmt_batch_upload_tenant_tokens(w->client, &t, 1, &err);
        w->failures += !CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
        descope_mgmt_error_free(err);

        descope_mgmt_new_dcr_template nt;
        descope_mgmt_new_dcr_template_init(&nt);
        nt.name = name;
        descope_mgmt_dcr_template *tpl = NULL;
        st = descope_mgmt_create_dcr_template(w->client, &nt, &tpl, &err);
        w->failures += !CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
        w->failures += !CHECK(streq(descope_mgmt_dcr_template_name(tpl), name), "template name");
        descope_mgmt_dcr_template_free(tpl);
        descope_mgmt_error_free(err);

        descope_mgmt_rotated_key *key = NULL;
        st = descope_mgmt_rotate_access_key(w->client, "K2active2", &key, &err);
        w->failures += !CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
        const char *cleartext = descope_mgmt_rotated_key_cleartext(key);
        w->failures += !CHECK(cleartext && strlen(cleartext) > 0, "cleartext");
        descope_mgmt_rotated_key_free(key);
        descope_mgmt_error_free(err);
    }
    return NULL;
}

static void test_threads(void) {
    begin("%d threads share one client (%d rounds of the three calls each)", THREADS, ROUNDS);
    emu_reset();
    descope_mgmt_client *client = emu_client(NULL, NULL, -1, -1);
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){client, i, 0};
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0, "pthread_create");
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        failures += workers[i].failures;
    }
    CHECK(failures == 0, "%d failed calls", failures);
    long n = THREADS * ROUNDS;
    CHECK(emu_request_count(BATCH_PATH) == n && emu_request_count(CREATE_PATH) == n &&
              emu_request_count(ROTATE_PATH) == n,
          "request counts");
    json_value *all = emu_json("GET", "/emulator/templates", NULL);
    const json_value *created = json_get(all, "created");
    CHECK(created && (long)created->count == n, "created templates");
    json_free(all);
    descope_mgmt_client_free(client);
    end();
}

/* ---- main ------------------------------------------------------------------------------ */

static int is_vector_file(const struct dirent *e) {
    size_t n = strlen(e->d_name);
    return n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

/* ---- request ids ----------------------------------------------------------------------- */

static void test_request_ids(void) {
    begin("errors carry the request id and the correlation id sent on every attempt");
    emu_reset();
    descope_mgmt_client *client = emu_client(NULL, NULL, -1, 2);
    /* Three 503 answers: the batch (safe to repeat) is sent three times, then fails. */
    json_value *r = emu_json("POST", "/emulator/faults",
                             "{\"method\":\"POST\",\"path\":\"" BATCH_PATH "\",\"status\":503,\"times\":3}");
    CHECK(r != NULL, "faults refused");
    json_free(r);
    descope_mgmt_tenant_token t = {0};
    t.app_id = "google-drive";
    t.tenant_id = "T2ids";
    t.refresh_token = "rt-ids-0123456789";
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_batch_upload_tenant_tokens(client, &t, 1, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_SERVER_ERROR, "status %d", st);
    const char *ext = descope_mgmt_error_external_request_id(err);
    const char *rid = descope_mgmt_error_request_id(err);
    CHECK(ext && strlen(ext) == 36, "external request id %s", or_null(ext));
    CHECK(rid && strstr(rid, "-EMU"), "request id %s", or_null(rid));
    json_value *j = emu_json("GET", "/emulator/journal?method=POST&path=" BATCH_PATH, NULL);
    const json_value *reqs = json_get(j, "requests");
    CHECK(reqs && reqs->type == JSON_ARRAY && reqs->count == 3, "%zu attempts", reqs ? reqs->count : 0);
    for (size_t i = 0; reqs && i < reqs->count; i++) {
        const char *sent = json_get_str(json_get(reqs->items[i], "headers"), "x-external-rid");
        CHECK(sent && ext && strcmp(sent, ext) == 0, "attempt %zu sent x-external-rid %s", i, or_null(sent));
    }
    json_free(j);
    descope_mgmt_error_free(err);
    err = NULL;
    /* Bad input: nothing attempted, no ids. */
    descope_mgmt_rotated_key *key = NULL;
    st = descope_mgmt_rotate_access_key(client, "", &key, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "status %d", st);
    CHECK(descope_mgmt_error_external_request_id(err) == NULL && descope_mgmt_error_request_id(err) == NULL,
          "an input error carries ids");
    CHECK(descope_mgmt_error_request_id(NULL) == NULL, "NULL error");
    descope_mgmt_error_free(err);
    descope_mgmt_client_free(client);
    end();
}

/* ---- safe logs ------------------------------------------------------------------------ */

struct log_capture {
    char text[16384];
    size_t len;
    int calls;
    int other_thread;
    pthread_t caller;
};

static void capture_log(descope_mgmt_log_level level, const char *line, void *user_data) {
    struct log_capture *c = user_data;
    static const char *names[] = {"?", "error", "warn", "info", "debug"};
    c->calls++;
    if (!pthread_equal(pthread_self(), c->caller)) c->other_thread++;
    int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%s %s\n", names[level], line);
    if (n > 0 && c->len + (size_t)n < sizeof c->text) c->len += (size_t)n;
}

static void test_logs(void) {
    begin("logs: log_level and log_fn get every record on the calling thread, none holds a secret");
    emu_reset();
    struct log_capture cap = {.len = 0, .calls = 0, .other_thread = 0, .caller = pthread_self()};
    descope_mgmt_options o;
    descope_mgmt_options_init(&o);
    o.project_id = g_project;
    o.management_key = g_key;
    o.base_url = g_url;
    o.log_level = "debug";
    o.log_fn = capture_log;
    o.log_user_data = &cap;
    descope_mgmt_client *c = NULL;
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_client_new(&o, &c, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    descope_mgmt_rotated_key *key = NULL;
    st = descope_mgmt_rotate_access_key(c, "K2active", &key, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    CHECK(cap.calls > 0, "no record before the call returned");
    st = descope_mgmt_rotate_access_key(c, "K2missing", &(descope_mgmt_rotated_key *){NULL}, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_NOT_FOUND, "status %d", st);
    descope_mgmt_error_free(err);
    CHECK(cap.other_thread == 0, "%d records on another thread", cap.other_thread);
    CHECK(strstr(cap.text, "info descope_mgmt event=call call=rotate_access_key") != NULL, "no info call record:\n%s", cap.text);
    CHECK(strstr(cap.text, "debug descope_mgmt event=request") != NULL, "no debug request record");
    CHECK(strstr(cap.text, "error descope_mgmt event=call call=rotate_access_key method=POST path=/v1/mgmt/accesskey/rotate status=404 code=NOT_FOUND") != NULL,
          "no error record:\n%s", cap.text);
    CHECK(strstr(cap.text, "key_id=K2active") != NULL, "no key id");
    CHECK(!strstr(cap.text, g_key), "the management key is in the logs");
    const char *cleartext = key ? descope_mgmt_rotated_key_cleartext(key) : NULL;
    CHECK(cleartext && !strstr(cap.text, cleartext), "the cleartext is in the logs");
    descope_mgmt_rotated_key_free(key);
    descope_mgmt_client_free(c);
    /* A bad level is CONFIG, named as C spells it. */
    o.log_level = "verbose";
    st = descope_mgmt_client_new(&o, &c, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "log_level must be one of");
    descope_mgmt_error_free(err);
    end();
}

/* ---- per-call options ------------------------------------------------------------------ */

static void test_call_options(void) {
    begin("client_with_options: a view sends the caller's external request id and uses its settings");
    emu_reset();
    descope_mgmt_client *client = emu_client(NULL, NULL, -1, 2);
    descope_mgmt_call_options co;
    memset(&co, 0x5a, sizeof co);
    CHECK(descope_mgmt_call_options_init(&co) == DESCOPE_MGMT_STATUS_OK, "init");
    CHECK(co.struct_size == sizeof co && co.timeout_ms == DESCOPE_MGMT_UNSET && co.external_request_id == NULL, "init values");
    co.external_request_id = "migration-42";
    co.max_retries = 0;
    descope_mgmt_client *view = NULL;
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_client_with_options(client, &co, &view, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    json_value *r = emu_json("POST", "/emulator/faults",
                             "{\"method\":\"POST\",\"path\":\"" BATCH_PATH "\",\"status\":503,\"times\":3}");
    json_free(r);
    descope_mgmt_tenant_token t = {0};
    t.app_id = "google-drive";
    t.tenant_id = "T2view";
    t.access_token = "at-view-0123456789";
    st = descope_mgmt_batch_upload_tenant_tokens(view, &t, 1, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_SERVER_ERROR, "status %d", st);
    CHECK(streq(descope_mgmt_error_external_request_id(err), "migration-42"), "external id %s",
          or_null(descope_mgmt_error_external_request_id(err)));
    descope_mgmt_error_free(err);
    err = NULL;
    json_value *j = emu_json("GET", "/emulator/journal?method=POST&path=" BATCH_PATH, NULL);
    const json_value *reqs = json_get(j, "requests");
    CHECK(reqs && reqs->count == 1, "max_retries 0 on the view: %zu requests", reqs ? reqs->count : 0);
    json_free(j);
    /* The view is freed on its own; the client still works. */
    descope_mgmt_client_free(view);
    descope_mgmt_rotated_key *key = NULL;
    st = descope_mgmt_rotate_access_key(client, "K2active", &key, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    descope_mgmt_rotated_key_free(key);
    /* Bad values are refused without quoting them. */
    descope_mgmt_call_options_init(&co);
    co.external_request_id = "has a space";
    st = descope_mgmt_client_with_options(client, &co, &view, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "external request id");
    CHECK(view == NULL && !strstr(descope_mgmt_error_message(err), "has a space"), "quoted");
    descope_mgmt_error_free(err);
    descope_mgmt_call_options_init(&co);
    co.timeout_ms = 0;
    st = descope_mgmt_client_with_options(client, &co, &view, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "timeout_ms");
    descope_mgmt_error_free(err);
    /* Results carry their call's meta, borrowed from them. */
    descope_mgmt_call_options_init(&co);
    co.external_request_id = "meta-1";
    st = descope_mgmt_client_with_options(client, &co, &view, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    key = NULL;
    st = descope_mgmt_rotate_access_key(view, "K2active", &key, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    const descope_mgmt_call_meta *m = descope_mgmt_rotated_key_meta(key);
    CHECK(streq(descope_mgmt_call_meta_external_request_id(m), "meta-1"), "meta external id");
    CHECK(descope_mgmt_call_meta_http_status(m) == 200 && descope_mgmt_call_meta_attempts(m) == 1, "meta status/attempts");
    const char *rid = descope_mgmt_call_meta_request_id(m);
    CHECK(rid && strstr(rid, "-EMU"), "meta request id %s", or_null(rid));
    CHECK(descope_mgmt_rotated_key_meta(NULL) == NULL && descope_mgmt_call_meta_http_status(NULL) == 0, "NULL meta");
    descope_mgmt_rotated_key_free(key);
    descope_mgmt_dcr_template *tpl = NULL;
    st = descope_mgmt_create_dcr_template_json(view, "{\"name\":\"meta\"}", &tpl, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    CHECK(streq(descope_mgmt_call_meta_external_request_id(descope_mgmt_dcr_template_meta(tpl)), "meta-1"), "template meta");
    descope_mgmt_dcr_template_free(tpl);
    descope_mgmt_client_free(view);
    descope_mgmt_client_free(client);
    end();
}

/* ---- hooks and trace context ------------------------------------------------------------ */

struct hook_capture {
    char seen[1024];
    size_t len;
    int other_thread;
    int bad_event;
    pthread_t caller;
    char ext[160];
};

static void capture_hook(const descope_mgmt_call_event *e, void *user_data) {
    struct hook_capture *c = user_data;
    if (!pthread_equal(pthread_self(), c->caller)) c->other_thread++;
    if (!e || e->struct_size < sizeof *e || !e->external_request_id || !e->call) {
        c->bad_event++;
        return;
    }
    if (!c->ext[0]) snprintf(c->ext, sizeof c->ext, "%s", e->external_request_id);
    if (strcmp(c->ext, e->external_request_id) != 0) c->bad_event++;
    if (strcmp(e->event, "retry") == 0 && e->retry_in_ms < 0) c->bad_event++;
    if (strcmp(e->event, "request") == 0 && (e->status != 0 || e->body_bytes <= 0)) c->bad_event++;
    int n = snprintf(c->seen + c->len, sizeof c->seen - c->len, "%s:%d:%u ", e->event, e->status, e->attempt);
    if (n > 0 && c->len + (size_t)n < sizeof c->seen) c->len += (size_t)n;
}

static void test_hooks_and_trace_context(void) {
    begin("hooks: on_request/on_response/on_retry get each attempt on the calling thread; a view sends traceparent and its connect timeout");
    emu_reset();
    struct hook_capture cap = {.len = 0, .other_thread = 0, .bad_event = 0, .caller = pthread_self(), .ext = ""};
    descope_mgmt_options o;
    descope_mgmt_options_init(&o);
    CHECK(o.on_request == NULL && o.hook_user_data == NULL, "init leaves hooks unset");
    o.project_id = g_project;
    o.management_key = g_key;
    o.base_url = g_url;
    o.on_request = capture_hook;
    o.on_response = capture_hook;
    o.on_retry = capture_hook;
    o.hook_user_data = &cap;
    descope_mgmt_client *c = NULL;
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_client_new(&o, &c, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    json_free(emu_json("POST", "/emulator/faults",
                       "{\"method\":\"POST\",\"path\":\"" BATCH_PATH "\",\"status\":503,\"times\":1}"));
    descope_mgmt_tenant_token t = {0};
    t.app_id = "google-drive";
    t.tenant_id = "T2hook";
    t.access_token = "at-hook-0123456789";
    st = descope_mgmt_batch_upload_tenant_tokens(c, &t, 1, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    CHECK(strcmp(cap.seen, "request:0:1 response:503:1 retry:503:1 request:0:2 response:200:2 ") == 0,
          "hook order: %s", cap.seen);
    CHECK(cap.other_thread == 0 && cap.bad_event == 0, "%d on another thread, %d bad events", cap.other_thread,
          cap.bad_event);
    /* A view: traceparent and tracestate are sent; a bad one is refused. */
    descope_mgmt_call_options co;
    descope_mgmt_call_options_init(&co);
    CHECK(co.connect_timeout_ms == DESCOPE_MGMT_UNSET && co.traceparent == NULL, "call options init");
    co.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    co.tracestate = "vendor=v1";
    descope_mgmt_client *view = NULL;
    st = descope_mgmt_client_with_options(c, &co, &view, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    descope_mgmt_rotated_key *key = NULL;
    st = descope_mgmt_rotate_access_key(view, "K2active", &key, &err);
    CHECK_STATUS(st, DESCOPE_MGMT_STATUS_OK, err);
    descope_mgmt_rotated_key_free(key);
    descope_mgmt_client_free(view);
    json_value *j = emu_json("GET", "/emulator/journal?method=POST&path=/v1/mgmt/accesskey/rotate", NULL);
    const json_value *reqs = json_get(j, "requests");
    const json_value *h = reqs && reqs->count == 1 ? json_get(reqs->items[0], "headers") : NULL;
    CHECK(streq(json_get_str(h, "traceparent"), co.traceparent), "traceparent %s", or_null(json_get_str(h, "traceparent")));
    CHECK(streq(json_get_str(h, "tracestate"), "vendor=v1"), "tracestate");
    json_free(j);
    co.traceparent = "00-nope";
    st = descope_mgmt_client_with_options(c, &co, &view, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "traceparent");
    descope_mgmt_error_free(err);
    err = NULL;
    descope_mgmt_call_options_init(&co);
    co.connect_timeout_ms = 0;
    st = descope_mgmt_client_with_options(c, &co, &view, &err);
    EXPECT_ERROR(st, err, DESCOPE_MGMT_STATUS_CONFIG, "connect_timeout_ms");
    descope_mgmt_error_free(err);
    descope_mgmt_client_free(c);
    end();
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *info = getenv("DESCOPE_EMULATOR_INFO");
    char why[200] = "";
    g_info = info ? json_parse(info, why, sizeof why) : NULL;
    g_url = json_get_str(g_info, "url");
    g_project = json_get_str(g_info, "projectId");
    g_key = json_get_str(g_info, "managementKey");
    if (!g_url || !g_project || !g_key) {
        fprintf(stderr, "set DESCOPE_EMULATOR_INFO to the emulator's first stdout line (%s)\n", why);
        json_free(g_info);
        return 2;
    }
    const char *dir = getenv("DESCOPE_VECTORS_DIR");
    if (!dir) dir = "tests/vectors";

    test_version();
    test_status_strings();
    test_null_arguments();
    test_invalid_utf8();
    test_options_and_config();
    test_json_input_errors();
    struct dirent **files = NULL;
    int nfiles = scandir(dir, &files, is_vector_file, alphasort);
    begin("vector folder %s has vector files", dir);
    CHECK(nfiles > 0, "no *.json in %s", dir);
    end();
    for (int i = 0; i < nfiles; i++) {
        run_vector_file(dir, files[i]->d_name);
        free(files[i]);
    }
    free(files);
    test_threads();
    test_request_ids();
    test_logs();
    test_hooks_and_trace_context();
    test_call_options();

    json_free(g_info);
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
