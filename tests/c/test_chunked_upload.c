/* descope_mgmt_upload_tenant_tokens_json against the emulator: chunk boundaries, every item
 * checked before any request, progress calls, a failing middle chunk, chunk_size limits.
 *
 * Environment (set by scripts/test-c.sh):
 *   DESCOPE_EMULATOR_INFO  the emulator's first stdout line (JSON: url, projectId, managementKey)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <descope_mgmt.h>

#include "http.h"
#include "json.h"

#define BATCH_PATH "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload"

static int g_failed, g_passed;
static const char *g_url, *g_project, *g_key;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (cond) {                                                                            \
            g_passed++;                                                                        \
        } else {                                                                               \
            g_failed++;                                                                        \
            printf("  FAIL line %d: ", __LINE__);                                              \
            printf(__VA_ARGS__);                                                               \
            printf("\n");                                                                      \
        }                                                                                      \
    } while (0)

static const char *or_null(const char *s) { return s ? s : "(null)"; }

static json_value *emu_json(const char *method, const char *path, const char *body) {
    char *text = NULL;
    int status = http_request(g_url, method, path, body, &text);
    json_value *v = status == 200 && text ? json_parse(text, NULL, 0) : NULL;
    if (!v) printf("  emulator %s %s answered %d\n", method, path, status);
    free(text);
    return v;
}

static void emu_post(const char *path, const char *body) { json_free(emu_json("POST", path, body)); }

/* The number of tokens in each batch request, in order (at most `max`); returns the count. */
static int batch_sizes(int *sizes, int max) {
    json_value *j = emu_json("GET", "/emulator/journal?method=POST&path=" BATCH_PATH, NULL);
    const json_value *reqs = json_get(j, "requests");
    int n = 0;
    for (size_t i = 0; reqs && reqs->type == JSON_ARRAY && i < reqs->count && n < max; i++) {
        const char *body = json_get_str(reqs->items[i], "body");
        json_value *b = body ? json_parse(body, NULL, 0) : NULL;
        const json_value *tokens = json_get(b, "tokens");
        sizes[n++] = tokens && tokens->type == JSON_ARRAY ? (int)tokens->count : -1;
        json_free(b);
    }
    json_free(j);
    return n;
}

/* A JSON array of `n` tokens; item `bad` (if >= 0) has no token. */
static char *tokens_json(int n, int bad) {
    size_t cap = (size_t)n * 96 + 16, len = 0;
    char *s = malloc(cap);
    s[len++] = '[';
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(s + len, cap - len,
                                i == bad ? "%s{\"appId\":\"google-drive\",\"tenantId\":\"T%d\"}"
                                         : "%s{\"appId\":\"google-drive\",\"tenantId\":\"T%d\",\"accessToken\":\"at\"}",
                                i ? "," : "", i);
    }
    s[len++] = ']';
    s[len] = '\0';
    return s;
}

typedef struct {
    int calls;
    size_t last[4];
} progress_log;

static void on_progress(void *user_data, size_t tokens_done, size_t tokens_total, size_t chunks_done,
                        size_t chunks_total) {
    progress_log *log = user_data;
    log->calls++;
    log->last[0] = tokens_done;
    log->last[1] = tokens_total;
    log->last[2] = chunks_done;
    log->last[3] = chunks_total;
}

static descope_mgmt_client *new_client(void) {
    descope_mgmt_options o;
    descope_mgmt_options_init(&o);
    o.project_id = g_project;
    o.management_key = g_key;
    o.base_url = g_url;
    descope_mgmt_client *c = NULL;
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_client_new(&o, &c, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_OK, "client_new: %s", or_null(descope_mgmt_error_message(err)));
    descope_mgmt_error_free(err);
    return c;
}

static void test_chunks_in_order_with_progress(descope_mgmt_client *c) {
    printf("chunks of 1000/1000/500 in order, progress after each\n");
    emu_post("/emulator/reset", "");
    char *json = tokens_json(2500, -1);
    progress_log log = {0};
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_upload_tenant_tokens_json(c, json, 1000, on_progress, &log, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_OK, "status %s: %s", descope_mgmt_status_str(st),
          or_null(descope_mgmt_error_message(err)));
    CHECK(err == NULL, "err is NULL on success");
    int sizes[8];
    int n = batch_sizes(sizes, 8);
    CHECK(n == 3 && sizes[0] == 1000 && sizes[1] == 1000 && sizes[2] == 500, "%d requests", n);
    CHECK(log.calls == 3, "%d progress calls", log.calls);
    CHECK(log.last[0] == 2500 && log.last[1] == 2500 && log.last[2] == 3 && log.last[3] == 3, "last progress");
    /* NULL callback is allowed. */
    st = descope_mgmt_upload_tenant_tokens_json(
        c, "[{\"appId\":\"google-drive\",\"tenantId\":\"T1\",\"refreshToken\":\"r\"}]", 1000, NULL, NULL, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_OK, "NULL callback: %s", descope_mgmt_status_str(st));
    descope_mgmt_error_free(err);
    free(json);
}

static void test_everything_checked_first(descope_mgmt_client *c) {
    printf("a bad item at 2400 sends nothing; chunk_size out of range\n");
    emu_post("/emulator/reset", "");
    char *json = tokens_json(2500, 2400);
    progress_log log = {0};
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_upload_tenant_tokens_json(c, json, 1000, on_progress, &log, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "status %s", descope_mgmt_status_str(st));
    CHECK(strstr(or_null(descope_mgmt_error_message(err)), "tokens[2400]") != NULL, "message: %s",
          or_null(descope_mgmt_error_message(err)));
    descope_mgmt_error_free(err);
    free(json);
    size_t sizes[] = {0, 100001};
    for (int i = 0; i < 2; i++) {
        err = NULL;
        st = descope_mgmt_upload_tenant_tokens_json(c, "[{\"appId\":\"a\",\"tenantId\":\"t\",\"refreshToken\":\"r\"}]",
                                                    sizes[i], NULL, NULL, &err);
        CHECK(st == DESCOPE_MGMT_STATUS_INVALID_ARGUMENT, "chunk_size %zu: %s", sizes[i], descope_mgmt_status_str(st));
        CHECK(strstr(or_null(descope_mgmt_error_message(err)), "chunk_size") != NULL, "message names chunk_size");
        descope_mgmt_error_free(err);
    }
    st = descope_mgmt_upload_tenant_tokens_json(c, NULL, 10, NULL, NULL, NULL);
    CHECK(st == DESCOPE_MGMT_STATUS_NULL_ARGUMENT, "NULL tokens_json: %s", descope_mgmt_status_str(st));
    int got[4];
    CHECK(batch_sizes(got, 4) == 0, "nothing was sent");
    CHECK(log.calls == 0, "no progress");
}

static void test_failing_middle_chunk(descope_mgmt_client *c) {
    printf("a failing middle chunk stops the upload and says what was committed\n");
    emu_post("/emulator/reset", "");
    emu_post("/emulator/faults", "{\"method\":\"POST\",\"path\":\"" BATCH_PATH "\",\"action\":\"delay\",\"delayMs\":1}");
    emu_post("/emulator/faults", "{\"method\":\"POST\",\"path\":\"" BATCH_PATH "\",\"status\":409,\"times\":1}");
    char *json = tokens_json(25, -1);
    progress_log log = {0};
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_upload_tenant_tokens_json(c, json, 10, on_progress, &log, &err);
    CHECK(st == DESCOPE_MGMT_STATUS_API_ERROR, "status %s", descope_mgmt_status_str(st));
    const char *m = or_null(descope_mgmt_error_message(err));
    CHECK(strstr(m, "chunk 2 of 3 (tokens[10..20])") != NULL, "message: %s", m);
    CHECK(strstr(m, "10 token(s) in 1 chunk(s)") != NULL, "message: %s", m);
    CHECK(log.calls == 1 && log.last[0] == 10, "one progress call, %d", log.calls);
    int sizes[4];
    CHECK(batch_sizes(sizes, 4) == 2, "the third chunk is not sent");
    descope_mgmt_error_free(err);
    free(json);
}

int main(void) {
    const char *info_text = getenv("DESCOPE_EMULATOR_INFO");
    if (!info_text) {
        fprintf(stderr, "DESCOPE_EMULATOR_INFO is not set (run scripts/test-c.sh)\n");
        return 2;
    }
    json_value *info = json_parse(info_text, NULL, 0);
    g_url = json_get_str(info, "url");
    g_project = json_get_str(info, "projectId");
    g_key = json_get_str(info, "managementKey");
    if (!g_url || !g_project || !g_key) {
        fprintf(stderr, "DESCOPE_EMULATOR_INFO lacks url, projectId or managementKey\n");
        return 2;
    }
    descope_mgmt_client *c = new_client();
    test_chunks_in_order_with_progress(c);
    test_everything_checked_first(c);
    test_failing_middle_chunk(c);
    descope_mgmt_client_free(c);
    json_free(info);
    printf("chunked upload: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
