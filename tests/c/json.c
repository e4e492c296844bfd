/* See json.h. */
#define _POSIX_C_SOURCE 200809L
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    char *err;
    size_t err_len;
    int depth;
} parser;

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return q;
}

static json_value *new_value(json_type t) {
    json_value *v = xrealloc(NULL, sizeof *v);
    memset(v, 0, sizeof *v);
    v->type = t;
    return v;
}

static json_value *fail(parser *ps, const char *what) {
    if (ps->err && ps->err_len) snprintf(ps->err, ps->err_len, "%s near '%.20s'", what, ps->p);
    return NULL;
}

static void skip_ws(parser *ps) {
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') ps->p++;
}

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->buf = xrealloc(b->buf, b->cap);
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void sb_putc(sbuf *b, char c) { sb_put(b, &c, 1); }

static void sb_utf8(sbuf *b, unsigned long cp) {
    char out[4];
    if (cp < 0x80) {
        out[0] = (char)cp;
        sb_put(b, out, 1);
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        sb_put(b, out, 2);
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        sb_put(b, out, 3);
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        sb_put(b, out, 4);
    }
}

static int hex4(const char *p, unsigned long *out) {
    unsigned long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned long)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* Parses a string at ps->p (which points at the opening quote). */
static char *parse_string_raw(parser *ps) {
    sbuf b = {0};
    sb_put(&b, "", 0);
    ps->p++;
    for (;;) {
        char c = *ps->p;
        if (c == '\0') {
            free(b.buf);
            fail(ps, "unterminated string");
            return NULL;
        }
        ps->p++;
        if (c == '"') return b.buf;
        if (c != '\\') {
            sb_putc(&b, c);
            continue;
        }
        char e = *ps->p++;
        switch (e) {
        case '"': sb_putc(&b, '"'); break;
        case '\\': sb_putc(&b, '\\'); break;
        case '/': sb_putc(&b, '/'); break;
        case 'b': sb_putc(&b, '\b'); break;
        case 'f': sb_putc(&b, '\f'); break;
        case 'n': sb_putc(&b, '\n'); break;
        case 'r': sb_putc(&b, '\r'); break;
        case 't': sb_putc(&b, '\t'); break;
        case 'u': {
            unsigned long cp, lo;
            if (!hex4(ps->p, &cp)) goto bad;
            ps->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && ps->p[0] == '\\' && ps->p[1] == 'u' &&
                hex4(ps->p + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                ps->p += 6;
            }
            sb_utf8(&b, cp);
            break;
        }
        default:
            goto bad;
        }
    }
bad:
    free(b.buf);
    fail(ps, "bad escape");
    return NULL;
}

static json_value *parse_value(parser *ps);

static void push_item(json_value *v, char *key, json_value *item) {
    v->items = xrealloc(v->items, (v->count + 1) * sizeof *v->items);
    if (v->type == JSON_OBJECT) v->keys = xrealloc(v->keys, (v->count + 1) * sizeof *v->keys);
    v->items[v->count] = item;
    if (v->type == JSON_OBJECT) v->keys[v->count] = key;
    v->count++;
}

static json_value *parse_container(parser *ps, json_type t) {
    char close = t == JSON_ARRAY ? ']' : '}';
    json_value *v = new_value(t);
    ps->p++;
    if (++ps->depth > 64) goto bad;
    skip_ws(ps);
    if (*ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (t == JSON_OBJECT) {
            if (*ps->p != '"') goto bad;
            key = parse_string_raw(ps);
            if (!key) goto bad;
            skip_ws(ps);
            if (*ps->p != ':') {
                free(key);
                goto bad;
            }
            ps->p++;
        }
        json_value *item = parse_value(ps);
        if (!item) {
            free(key);
            goto bad;
        }
        push_item(v, key, item);
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            ps->depth--;
            return v;
        }
        goto bad;
    }
bad:
    json_free(v);
    return fail(ps, "bad array or object");
}

static json_value *parse_value(parser *ps) {
    skip_ws(ps);
    const char *p = ps->p;
    if (*p == '{') return parse_container(ps, JSON_OBJECT);
    if (*p == '[') return parse_container(ps, JSON_ARRAY);
    if (*p == '"') {
        char *s = parse_string_raw(ps);
        if (!s) return NULL;
        json_value *v = new_value(JSON_STRING);
        v->text = s;
        return v;
    }
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
        json_value *v = new_value(JSON_BOOL);
        v->boolean = *p == 't';
        ps->p += v->boolean ? 4 : 5;
        return v;
    }
    if (strncmp(p, "null", 4) == 0) {
        ps->p += 4;
        return new_value(JSON_NULL);
    }
    if (*p == '-' || isdigit((unsigned char)*p)) {
        char *end;
        double d = strtod(p, &end);
        if (end == p) return fail(ps, "bad number");
        json_value *v = new_value(JSON_NUMBER);
        v->number = d;
        v->text = strndup(p, (size_t)(end - p));
        ps->p = end;
        return v;
    }
    return fail(ps, "unexpected character");
}

json_value *json_parse(const char *text, char *err, size_t err_len) {
    parser ps = {text, err, err_len, 0};
    json_value *v = parse_value(&ps);
    if (!v) return NULL;
    skip_ws(&ps);
    if (*ps.p != '\0') {
        json_free(v);
        return fail(&ps, "trailing characters");
    }
    return v;
}

void json_free(json_value *v) {
    if (!v) return;
    for (size_t i = 0; i < v->count; i++) {
        json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->text);
    free(v);
}

const json_value *json_get(const json_value *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

const char *json_get_str(const json_value *obj, const char *key) {
    const json_value *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->text : NULL;
}

static void dump_string(sbuf *b, const char *s) {
    sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': sb_put(b, "\\\"", 2); break;
        case '\\': sb_put(b, "\\\\", 2); break;
        case '\n': sb_put(b, "\\n", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                sb_put(b, esc, 6);
            } else {
                sb_putc(b, (char)*p);
            }
        }
    }
    sb_putc(b, '"');
}

static void dump(sbuf *b, const json_value *v) {
    switch (v->type) {
    case JSON_NULL: sb_put(b, "null", 4); break;
    case JSON_BOOL: v->boolean ? sb_put(b, "true", 4) : sb_put(b, "false", 5); break;
    case JSON_NUMBER: sb_put(b, v->text, strlen(v->text)); break;
    case JSON_STRING: dump_string(b, v->text); break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        sb_putc(b, v->type == JSON_ARRAY ? '[' : '{');
        for (size_t i = 0; i < v->count; i++) {
            if (i) sb_putc(b, ',');
            if (v->type == JSON_OBJECT) {
                dump_string(b, v->keys[i]);
                sb_putc(b, ':');
            }
            dump(b, v->items[i]);
        }
        sb_putc(b, v->type == JSON_ARRAY ? ']' : '}');
        break;
    }
}

char *json_dump(const json_value *v) {
    sbuf b = {0};
    sb_put(&b, "", 0);
    dump(&b, v);
    return b.buf;
}

static int mismatch(char *why, size_t why_len, const char *path, const char *what) {
    if (why && why_len) snprintf(why, why_len, "%s: %s", path[0] ? path : "(root)", what);
    return 0;
}

static int match_at(const json_value *e, const json_value *a, char *path, size_t path_cap, char *why,
                    size_t why_len) {
    if (e->type == JSON_STRING && strcmp(e->text, "$any") == 0) return 1;
    if (e->type == JSON_STRING && strcmp(e->text, "$nonempty") == 0) {
        if (a->type == JSON_STRING && a->text[0]) return 1;
        return mismatch(why, why_len, path, "expected a non-empty string");
    }
    if (e->type == JSON_NUMBER) {
        if (a->type == JSON_NUMBER && a->number == e->number) return 1;
        return mismatch(why, why_len, path, "number differs");
    }
    if (e->type != a->type) return mismatch(why, why_len, path, "type differs");
    size_t len = strlen(path);
    switch (e->type) {
    case JSON_NULL: return 1;
    case JSON_BOOL: return e->boolean == a->boolean ? 1 : mismatch(why, why_len, path, "bool differs");
    case JSON_STRING:
        return strcmp(e->text, a->text) == 0 ? 1 : mismatch(why, why_len, path, "string differs");
    case JSON_ARRAY:
        if (e->count != a->count) return mismatch(why, why_len, path, "array length differs");
        for (size_t i = 0; i < e->count; i++) {
            snprintf(path + len, path_cap - len, "[%zu]", i);
            if (!match_at(e->items[i], a->items[i], path, path_cap, why, why_len)) return 0;
            path[len] = '\0';
        }
        return 1;
    case JSON_OBJECT:
        for (size_t i = 0; i < e->count; i++) {
            snprintf(path + len, path_cap - len, ".%s", e->keys[i]);
            const json_value *av = json_get(a, e->keys[i]);
            if (!av) return mismatch(why, why_len, path, "missing");
            if (!match_at(e->items[i], av, path, path_cap, why, why_len)) return 0;
            path[len] = '\0';
        }
        return 1;
    case JSON_NUMBER: break;
    }
    return 1;
}

int json_match(const json_value *expected, const json_value *actual, char *why, size_t why_len) {
    char path[512] = "";
    return match_at(expected, actual, path, sizeof path, why, why_len);
}

json_value *json_new_object(void) { return new_value(JSON_OBJECT); }

json_value *json_new_string(const char *s) {
    json_value *v = new_value(JSON_STRING);
    v->text = strdup(s);
    return v;
}

void json_object_put(json_value *obj, const char *key, json_value *value) {
    push_item(obj, strdup(key), value);
}
