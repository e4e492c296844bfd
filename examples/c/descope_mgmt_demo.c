/*
 * descope_mgmt C example: the three calls, with their results and errors printed.
 *
 * Configuration comes from the environment: DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY and
 * optionally DESCOPE_BASE_URI. Optional: DEMO_ACCESS_KEY_ID (key to rotate, default
 * K2active) and DEMO_APP_ID (outbound app, default google-drive).
 *
 * Build: cc descope_mgmt_demo.c $(pkg-config --cflags --libs descope_mgmt)
 */
#define _POSIX_C_SOURCE 200809L

#include <descope_mgmt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Prints an error's fields, then frees it. */
static void print_error(const char *call, descope_mgmt_status status, descope_mgmt_error *err) {
    printf("%s failed: %s\n", call, descope_mgmt_status_str(status));
    printf("  message: %s\n", descope_mgmt_error_message(err));
    if (descope_mgmt_error_http_status(err)) printf("  HTTP status: %u\n", descope_mgmt_error_http_status(err));
    if (descope_mgmt_error_descope_code(err)) printf("  Descope errorCode: %s\n", descope_mgmt_error_descope_code(err));
    if (descope_mgmt_error_retry_after_ms(err) >= 0)
        printf("  retry after: %lld ms\n", (long long)descope_mgmt_error_retry_after_ms(err));
    for (size_t i = 0; i < descope_mgmt_error_failures_count(err); i++)
        printf("  failure %zu: %s/%s %s %s\n", i, descope_mgmt_error_failure_app_id(err, i),
               descope_mgmt_error_failure_tenant_id(err, i), descope_mgmt_error_failure_error_code(err, i),
               descope_mgmt_error_failure_reason(err, i));
    descope_mgmt_error_free(err);
}

static void rotate(const descope_mgmt_client *client, const char *id) {
    descope_mgmt_rotated_key *key = NULL;
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_rotate_access_key(client, id, &key, &err);
    if (st != DESCOPE_MGMT_STATUS_OK) {
        print_error("rotate_access_key", st, err);
        return;
    }
    const char *cleartext = descope_mgmt_rotated_key_cleartext(key);
    printf("rotate_access_key(%s) -> OK\n", id);
    printf("  id=%s name=%s status=%s created_by=%s editable=%s expire_time=%lld\n",
           descope_mgmt_rotated_key_id(key), descope_mgmt_rotated_key_name(key),
           descope_mgmt_rotated_key_status(key), descope_mgmt_rotated_key_created_by(key),
           descope_mgmt_rotated_key_editable(key) ? "true" : "false",
           (long long)descope_mgmt_rotated_key_expire_time(key));
    for (size_t i = 0; i < descope_mgmt_rotated_key_role_names_count(key); i++)
        printf("  role: %s\n", descope_mgmt_rotated_key_role_name(key, i));
    /* The new secret is shown once: store it somewhere safe. Masked here. */
    printf("  cleartext: %zu characters, not printed (store it now)\n", strlen(cleartext));
    char *json = NULL;
    if (descope_mgmt_rotated_key_to_json(key, &json, NULL) == DESCOPE_MGMT_STATUS_OK) {
        printf("  key JSON: %s\n", json);
        descope_mgmt_string_free(json); /* never free() */
    }
    descope_mgmt_rotated_key_free(key); /* zeroes the cleartext */
}

static void upload(const descope_mgmt_client *client, const char *app_id) {
    const char *scopes[] = {"https://www.googleapis.com/auth/drive.readonly"};
    descope_mgmt_tenant_token tokens[2] = {{0}, {0}};
    tokens[0].app_id = app_id;
    tokens[0].tenant_id = "T2acme";
    tokens[0].refresh_token = "1//demo-refresh-token";
    tokens[0].access_token = "ya29.demo-access-token";
    tokens[0].access_token_expiry = 1767225600;
    tokens[0].access_token_type = "Bearer";
    tokens[0].scopes = scopes;
    tokens[0].scopes_count = 1;
    tokens[1].app_id = app_id;
    tokens[1].tenant_id = "T2globex";
    tokens[1].access_token = "ya29.demo-access-token-2";
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_batch_upload_tenant_tokens(client, tokens, 2, &err);
    if (st == DESCOPE_MGMT_STATUS_OK) printf("batch_upload_tenant_tokens(2 tokens for %s) -> OK\n", app_id);
    else print_error("batch_upload_tenant_tokens", st, err);

    /* The same call with the wire JSON; an unknown app is refused and nothing is stored. */
    st = descope_mgmt_batch_upload_tenant_tokens_json(
        client, "[{\"appId\":\"no-such-app\",\"tenantId\":\"T2acme\",\"accessToken\":\"x\"}]", &err);
    if (st == DESCOPE_MGMT_STATUS_OK) printf("batch_upload_tenant_tokens_json(no-such-app) -> OK\n");
    else print_error("batch_upload_tenant_tokens_json(no-such-app)", st, err);
}

static void create_template(const descope_mgmt_client *client) {
    char name[64];
    snprintf(name, sizeof name, "C demo %ld", (long)time(NULL));
    const char *tags[] = {"mcp", "c-demo"};
    descope_mgmt_new_dcr_template t;
    descope_mgmt_new_dcr_template_init(&t);
    t.name = name;
    t.description = "Created by examples/c";
    t.login_page_url = "https://auth.example.com/login/mcp";
    t.skip_consent_screen = 0;
    t.tags = tags;
    t.tags_count = 2;
    t.session_settings_json =
        "{\"enabled\":true,\"sessionTokenExpiration\":10,\"sessionTokenExpirationUnit\":\"minutes\"}";
    descope_mgmt_dcr_template *tpl = NULL;
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_create_dcr_template(client, &t, &tpl, &err);
    if (st != DESCOPE_MGMT_STATUS_OK) {
        print_error("create_dcr_template", st, err);
        return;
    }
    printf("create_dcr_template(%s) -> OK\n", name);
    printf("  id=%s version=%s created_time=%s tags=%zu\n", descope_mgmt_dcr_template_id(tpl),
           descope_mgmt_dcr_template_version(tpl), descope_mgmt_dcr_template_created_time(tpl),
           descope_mgmt_dcr_template_tags_count(tpl));
    char *json = NULL;
    if (descope_mgmt_dcr_template_to_json(tpl, &json, NULL) == DESCOPE_MGMT_STATUS_OK) {
        printf("  template JSON: %s\n", json);
        descope_mgmt_string_free(json);
    }
    descope_mgmt_dcr_template_free(tpl);
}

int main(void) {
    printf("descope_mgmt %s (header %d.%d.%d)\n", descope_mgmt_version(), DESCOPE_MGMT_VERSION_MAJOR,
           DESCOPE_MGMT_VERSION_MINOR, DESCOPE_MGMT_VERSION_PATCH);
    descope_mgmt_client *client = NULL;
    descope_mgmt_error *err = NULL;
    descope_mgmt_status st = descope_mgmt_client_from_env(&client, &err);
    if (st != DESCOPE_MGMT_STATUS_OK) {
        print_error("client_from_env", st, err);
        return 1;
    }
    const char *key_id = getenv("DEMO_ACCESS_KEY_ID");
    const char *app_id = getenv("DEMO_APP_ID");
    rotate(client, key_id ? key_id : "K2active");
    rotate(client, "K2doesnotexist"); /* shows a typed error */
    upload(client, app_id ? app_id : "google-drive");
    create_template(client);
    descope_mgmt_client_free(client);
    return 0;
}
