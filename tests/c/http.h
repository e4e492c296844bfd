/* A minimal HTTP/1.1 client for the emulator's admin endpoints (127.0.0.1 only). */
#ifndef DESCOPE_MGMT_TEST_HTTP_H
#define DESCOPE_MGMT_TEST_HTTP_H

/* Sends one request to base_url ("http://127.0.0.1:PORT") and returns the HTTP status, or
 * -1 on a transport error. *body_out (if not NULL) receives the response body; free() it. */
int http_request(const char *base_url, const char *method, const char *path, const char *body,
                 char **body_out);

#endif
