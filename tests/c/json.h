/* A small JSON reader/writer for the C tests: enough for the shared vectors and the
 * emulator's answers. Not a general-purpose library. */
#ifndef DESCOPE_MGMT_TEST_JSON_H
#define DESCOPE_MGMT_TEST_JSON_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value {
    json_type type;
    int boolean;          /* JSON_BOOL */
    double number;        /* JSON_NUMBER */
    char *text;           /* JSON_STRING: decoded UTF-8, NUL-terminated; JSON_NUMBER: as written */
    size_t count;         /* JSON_ARRAY / JSON_OBJECT: number of items */
    struct json_value **items;
    char **keys;          /* JSON_OBJECT: item keys */
} json_value;

/* Parses NUL-terminated text; NULL on a syntax error (with a reason in err, if given). */
json_value *json_parse(const char *text, char *err, size_t err_len);
void json_free(json_value *v);
/* The member `key` of an object, or NULL. */
const json_value *json_get(const json_value *obj, const char *key);
/* The string member `key`, or NULL when absent or not a string. */
const char *json_get_str(const json_value *obj, const char *key);
/* Serialises compactly; free the result with free(). */
char *json_dump(const json_value *v);
/* Matches `expected` against `actual` with the vector rules of tests/vectors/README.md;
 * 1 on a match, else 0 with the path of the first difference in `why`. */
int json_match(const json_value *expected, const json_value *actual, char *why, size_t why_len);
/* Builders for the tests. */
json_value *json_new_object(void);
json_value *json_new_string(const char *s);
/* Adds `value` (ownership taken) under `key` to an object. */
void json_object_put(json_value *obj, const char *key, json_value *value);

#endif
