/*
 * c-child: a scriptable test milter built on Sendmail's libmilter (protocol v6, with xxfi_negotiate).
 * Its twin py-child.py does the same with pymilter; both take the same command line and write the same log,
 * so a test can run either (or both) and compare what each saw.
 *
 * Build:  gcc -O2 -o c-child c-child.c -lmilter -lpthread
 *
 * Command line
 *   -s SPEC                 socket: inet:PORT@127.0.0.1 or unix:/path (libmilter spelling)
 *   -n NAME                 name used in log lines on stderr and for the {name} token below (default "child")
 *   -l LOGFILE              append one line per event received; without it, events go to stdout
 *   -r STAGE[:MATCH]=ACTION repeatable; the first rule of a stage whose MATCH is a substring (case-sensitive) of
 *                           the stage's argument wins; no rule means continue.
 *        STAGE   connect helo mail rcpt data header eoh body eom unknown
 *        MATCH   connect: client host name; helo: HELO name; mail: sender ("<a@b>"); rcpt: recipient;
 *                header: "Name: value"; body: the chunk; unknown: the command line.
 *                data, eoh and eom have no argument: only a rule without MATCH (or with an empty one) applies.
 *                The rule is split at the first '=' whose remainder is a valid ACTION, so MATCH may hold '='.
 *        ACTION  continue | accept | reject | tempfail | discard | skip (body only; continue if the MTA did not
 *                offer SKIP) | reply:CODE:XCODE:TEXT (smfi_setreply, empty XCODE = none; then reject for 5xx,
 *                tempfail for 4xx)
 *   -e EDIT                 repeatable; applied at end of message, in order, before the eom action:
 *        add-header:NAME:VALUE  insert-header:INDEX:NAME:VALUE  change-header:NAME:INDEX:VALUE (empty deletes)
 *        add-rcpt:ADDR  add-rcpt-par:ADDR:ARGS  del-rcpt:ADDR  change-from:ADDR[:ARGS]
 *        replace-body:TEXT  quarantine:REASON  progress
 *   -m STAGE:MACROS         repeatable; ask for these macros (space separated) at a stage through the symlist.
 *                           STAGE is one of connect helo mail rcpt data eoh eom.
 *   -N STAGE                repeatable; negotiate "no reply" for that stage when the MTA offers it (the stage's
 *                           rules are then ignored: the child cannot answer). STAGE: connect helo mail rcpt data
 *                           header eoh body unknown.
 *   In every edit argument and in reply TEXT, the token {name} becomes the -n name. In header VALUEs and in
 *   replace-body TEXT, \n is a line break (LF in a header value, the milter folding convention; CRLF in a body),
 *   \t a tab and \\ a backslash.
 *
 * Negotiation: the child asks for every modification action it may need (add/change headers, replace body,
 * add/delete recipients, change sender, quarantine; and set-symlist when -m is given) within what the MTA
 * offers, every protocol step (no NO* bits), SKIP when offered, and NR_* only for -N stages.
 *
 * Log format: UTF-8, one line per event, flushed at once. Free text (names, values, addresses, command lines,
 * macro values) has '\' written as "\\", LF as "\n", CR as "\r", TAB as "\t" and other control bytes as
 * "\xHH"; every other byte is written as is.
 *   negotiate version=6 actions=0xHEX protocol=0xHEX   the MTA's offer (lower-case hex); version is the
 *                                                      protocol version this child speaks (libmilter does not
 *                                                      show the MTA's)
 *   connect host=H family=4|6|L|U addr=A port=P        L: addr is the socket path, port 0; U: addr empty, port 0
 *   helo H
 *   mail <S> ARG ARG...                                the sender and each ESMTP argument, space separated
 *   rcpt <R> ARG...
 *   data
 *   header NAME: VALUE
 *   eoh
 *   body BYTES                                         the size of the chunk
 *   eom bodysha256=HEX                                 SHA-256 of all body chunks of this message
 *   abort
 *   unknown LINE
 *   close
 *   macro STAGE NAME=VALUE                             after the event line of connect, helo, mail, rcpt, data,
 *                                                      eoh and eom: one line per macro the child can read then,
 *                                                      for the names it asked for with -m at that stage
 *                                                      followed by i j {daemon_name} {auth_authen} {client_addr}
 *                                                      (each name once, in that order; unset ones left out)
 * Lines of concurrent connections interleave; tests use one connection at a time.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

/* ---------------------------------------------------------------- stages */

enum stage { S_CONNECT, S_HELO, S_MAIL, S_RCPT, S_DATA, S_HEADER, S_EOH, S_BODY, S_EOM, S_UNKNOWN, S_COUNT };

static const char *const STAGE_NAMES[S_COUNT] = {
    "connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "eom", "unknown"};

/* The NR_* bit of each stage (0: the stage has none). */
static const unsigned long STAGE_NOREPLY[S_COUNT] = {
    SMFIP_NR_CONN, SMFIP_NR_HELO, SMFIP_NR_MAIL, SMFIP_NR_RCPT, SMFIP_NR_DATA,
    SMFIP_NR_HDR, SMFIP_NR_EOH, SMFIP_NR_BODY, 0, SMFIP_NR_UNKN};

/* The SMFIM_* macro stage of each stage (-1: none). */
static const int STAGE_MACROS[S_COUNT] = {
    SMFIM_CONNECT, SMFIM_HELO, SMFIM_ENVFROM, SMFIM_ENVRCPT, SMFIM_DATA, -1, SMFIM_EOH, -1, SMFIM_EOM, -1};

static const char *const FIXED_MACROS[] = {"i", "j", "{daemon_name}", "{auth_authen}", "{client_addr}"};

static int stage_of(const char *s, size_t len) {
    for (int i = 0; i < S_COUNT; i++)
        if (strlen(STAGE_NAMES[i]) == len && strncmp(STAGE_NAMES[i], s, len) == 0) return i;
    return -1;
}

/* ---------------------------------------------------------------- configuration */

enum action { A_CONTINUE, A_ACCEPT, A_REJECT, A_TEMPFAIL, A_DISCARD, A_SKIP, A_REPLY };

struct rule {
    int stage;
    char *match; /* NULL or "": any argument */
    enum action action;
    char *code, *xcode, *text;
};

enum edit_kind { E_ADD_HEADER, E_INSERT_HEADER, E_CHANGE_HEADER, E_ADD_RCPT, E_ADD_RCPT_PAR, E_DEL_RCPT,
                 E_CHANGE_FROM, E_REPLACE_BODY, E_QUARANTINE, E_PROGRESS };

struct edit {
    enum edit_kind kind;
    int index;
    char *a, *b; /* name/value, address/args, text, reason */
    size_t b_len;
};

#define MAX_ITEMS 64
static const char *child_name = "child";
static const char *socket_spec;
static FILE *log_out;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rule rules[MAX_ITEMS];
static int rule_count;
static struct edit edits[MAX_ITEMS];
static int edit_count;
static char *macro_requests[S_COUNT];
static unsigned long noreply_wanted;

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "c-child: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static char *dup_or_die(const char *s, size_t len) {
    char *d = malloc(len + 1);
    if (d == NULL) die("out of memory");
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Replaces every "{name}" with the child's name; returns a new string. */
static char *with_name(const char *s) {
    size_t name_len = strlen(child_name), cap = strlen(s) + 1, len = 0;
    for (const char *p = strstr(s, "{name}"); p != NULL; p = strstr(p + 6, "{name}")) cap += name_len;
    char *out = malloc(cap);
    if (out == NULL) die("out of memory");
    while (*s != '\0') {
        if (strncmp(s, "{name}", 6) == 0) {
            memcpy(out + len, child_name, name_len);
            len += name_len;
            s += 6;
        } else {
            out[len++] = *s++;
        }
    }
    out[len] = '\0';
    return out;
}

/* Turns \n (into `newline`), \t and \\ into the bytes they stand for; sets *out_len. */
static char *unescape(const char *s, const char *newline, size_t *out_len) {
    char *out = malloc(strlen(s) * 2 + 1);
    size_t len = 0;
    if (out == NULL) die("out of memory");
    for (; *s != '\0'; s++) {
        if (*s == '\\' && s[1] == 'n') {
            for (const char *n = newline; *n != '\0'; n++) out[len++] = *n;
            s++;
        } else if (*s == '\\' && s[1] == 't') {
            out[len++] = '\t';
            s++;
        } else if (*s == '\\' && s[1] == '\\') {
            out[len++] = '\\';
            s++;
        } else {
            out[len++] = *s;
        }
    }
    out[len] = '\0';
    *out_len = len;
    return out;
}

/* Parses an ACTION into *r; returns 0 if `s` is not a valid action. */
static int parse_action(const char *s, struct rule *r) {
    static const char *const simple[] = {"continue", "accept", "reject", "tempfail", "discard", "skip"};
    for (int i = 0; i < 6; i++) {
        if (strcmp(s, simple[i]) == 0) {
            r->action = (enum action)i;
            return 1;
        }
    }
    if (strncmp(s, "reply:", 6) != 0) return 0;
    const char *code = s + 6, *c1 = strchr(code, ':');
    if (c1 == NULL) return 0;
    const char *c2 = strchr(c1 + 1, ':');
    if (c2 == NULL || c1 - code != 3 || (code[0] != '4' && code[0] != '5')) return 0;
    r->action = A_REPLY;
    r->code = dup_or_die(code, 3);
    r->xcode = dup_or_die(c1 + 1, (size_t)(c2 - c1 - 1));
    r->text = (char *)(c2 + 1); /* {name} is applied once the name is known */
    return 1;
}

static void parse_rule(const char *arg) {
    if (rule_count == MAX_ITEMS) die("too many -r rules");
    struct rule *r = &rules[rule_count];
    size_t stage_len = strcspn(arg, ":=");
    r->stage = stage_of(arg, stage_len);
    if (r->stage < 0) die("-r %s: unknown stage", arg);
    const char *rest = arg + stage_len;
    if (*rest == '=') {
        if (!parse_action(rest + 1, r)) die("-r %s: unknown action", arg);
        r->match = NULL;
    } else if (*rest == ':') {
        const char *match = rest + 1, *eq = strchr(match, '=');
        while (eq != NULL && !parse_action(eq + 1, r)) eq = strchr(eq + 1, '=');
        if (eq == NULL) die("-r %s: expected STAGE[:MATCH]=ACTION", arg);
        r->match = dup_or_die(match, (size_t)(eq - match));
    } else {
        die("-r %s: expected STAGE[:MATCH]=ACTION", arg);
    }
    rule_count++;
}

/* Splits off the text before the next ':' of *rest into a new string; NULL if there is no ':'. */
static char *take_field(const char **rest) {
    const char *colon = strchr(*rest, ':');
    if (colon == NULL) return NULL;
    char *field = dup_or_die(*rest, (size_t)(colon - *rest));
    *rest = colon + 1;
    return field;
}

static void parse_edit(const char *arg) {
    if (edit_count == MAX_ITEMS) die("too many -e edits");
    struct edit *e = &edits[edit_count];
    const char *rest = arg;
    char *kind = take_field(&rest), *field;
    memset(e, 0, sizeof *e);
    if (kind == NULL) {
        if (strcmp(arg, "progress") != 0) die("-e %s: unknown edit", arg);
        e->kind = E_PROGRESS;
    } else if (strcmp(kind, "add-header") == 0 && (e->a = take_field(&rest)) != NULL) {
        e->kind = E_ADD_HEADER;
        e->b = (char *)rest;
    } else if (strcmp(kind, "insert-header") == 0 && (field = take_field(&rest)) != NULL
               && (e->a = take_field(&rest)) != NULL) {
        e->kind = E_INSERT_HEADER;
        e->index = atoi(field);
        e->b = (char *)rest;
    } else if (strcmp(kind, "change-header") == 0 && (e->a = take_field(&rest)) != NULL
               && (field = take_field(&rest)) != NULL) {
        e->kind = E_CHANGE_HEADER;
        e->index = atoi(field);
        e->b = (char *)rest;
    } else if (strcmp(kind, "add-rcpt") == 0) {
        e->kind = E_ADD_RCPT;
        e->a = (char *)rest;
    } else if (strcmp(kind, "add-rcpt-par") == 0 && (e->a = take_field(&rest)) != NULL) {
        e->kind = E_ADD_RCPT_PAR;
        e->b = (char *)rest;
    } else if (strcmp(kind, "del-rcpt") == 0) {
        e->kind = E_DEL_RCPT;
        e->a = (char *)rest;
    } else if (strcmp(kind, "change-from") == 0) {
        e->kind = E_CHANGE_FROM;
        e->a = take_field(&rest);
        if (e->a == NULL) {
            e->a = (char *)rest;
        } else {
            e->b = (char *)rest;
        }
    } else if (strcmp(kind, "replace-body") == 0) {
        e->kind = E_REPLACE_BODY;
        e->a = (char *)rest;
    } else if (strcmp(kind, "quarantine") == 0) {
        e->kind = E_QUARANTINE;
        e->a = (char *)rest;
    } else {
        die("-e %s: unknown edit or missing field", arg);
    }
    edit_count++;
}

/* Applies {name} and escapes once every option is read. */
static void finish_configuration(void) {
    for (int i = 0; i < rule_count; i++)
        if (rules[i].action == A_REPLY) rules[i].text = with_name(rules[i].text);
    for (int i = 0; i < edit_count; i++) {
        struct edit *e = &edits[i];
        if (e->a != NULL) e->a = with_name(e->a);
        if (e->b != NULL) e->b = with_name(e->b);
        switch (e->kind) {
        case E_ADD_HEADER:
        case E_INSERT_HEADER:
        case E_CHANGE_HEADER:
            e->b = unescape(e->b, "\n", &e->b_len);
            break;
        case E_REPLACE_BODY:
            e->a = unescape(e->a, "\r\n", &e->b_len);
            break;
        default:
            break;
        }
    }
}

/* ---------------------------------------------------------------- SHA-256 (FIPS 180-4) */

struct sha256 {
    uint32_t h[8];
    uint64_t total;
    unsigned char block[64];
    size_t used;
};

static const uint32_t SHA_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_init(struct sha256 *s) {
    static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, initial, sizeof initial);
    s->total = 0;
    s->used = 0;
}

static void sha256_block(struct sha256 *s, const unsigned char *p) {
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, s->h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6]))
                      + SHA_K[i] + w[i];
        uint32_t t2 = (rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22))
                      + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) s->h[i] += v[i];
}

static void sha256_update(struct sha256 *s, const unsigned char *p, size_t len) {
    s->total += len;
    while (len > 0) {
        size_t n = 64 - s->used < len ? 64 - s->used : len;
        memcpy(s->block + s->used, p, n);
        s->used += n;
        p += n;
        len -= n;
        if (s->used == 64) {
            sha256_block(s, s->block);
            s->used = 0;
        }
    }
}

static void sha256_hex(struct sha256 *s, char out[65]) {
    uint64_t bits = s->total * 8;
    unsigned char pad = 0x80, zero = 0, length[8];
    sha256_update(s, &pad, 1);
    while (s->used != 56) sha256_update(s, &zero, 1);
    for (int i = 0; i < 8; i++) length[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, length, 8);
    for (int i = 0; i < 8; i++) sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* ---------------------------------------------------------------- log lines */

struct line {
    char *buf;
    size_t len, cap;
};

static void put(struct line *l, const char *p, size_t n) {
    if (l->len + n + 2 > l->cap) {
        l->cap = (l->len + n + 2) * 2;
        l->buf = realloc(l->buf, l->cap);
        if (l->buf == NULL) die("out of memory");
    }
    memcpy(l->buf + l->len, p, n);
    l->len += n;
}

static void put_str(struct line *l, const char *s) { put(l, s, strlen(s)); }

/* Appends free text with the escapes described at the top of this file. */
static void put_text(struct line *l, const char *p, size_t n) {
    char esc[5];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\') put_str(l, "\\\\");
        else if (c == '\n') put_str(l, "\\n");
        else if (c == '\r') put_str(l, "\\r");
        else if (c == '\t') put_str(l, "\\t");
        else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            put_str(l, esc);
        } else put(l, (const char *)&c, 1);
    }
}

static void put_cstr_text(struct line *l, const char *s) {
    if (s != NULL) put_text(l, s, strlen(s));
}

static void emit(struct line *l) {
    put(l, "\n", 1);
    pthread_mutex_lock(&log_lock);
    fwrite(l->buf, 1, l->len, log_out);
    fflush(log_out);
    pthread_mutex_unlock(&log_lock);
    free(l->buf);
    l->buf = NULL;
    l->len = l->cap = 0;
}

static void log_simple(const char *event, const char *text) {
    struct line l = {0};
    put_str(&l, event);
    if (text != NULL) {
        put_str(&l, " ");
        put_cstr_text(&l, text);
    }
    emit(&l);
}

static void log_macro_name(SMFICTX *ctx, int stage, const char *name, size_t len) {
    char *key = dup_or_die(name, len);
    char *value = smfi_getsymval(ctx, key);
    if (value != NULL) {
        struct line l = {0};
        put_str(&l, "macro ");
        put_str(&l, STAGE_NAMES[stage]);
        put_str(&l, " ");
        put_cstr_text(&l, key);
        put_str(&l, "=");
        put_cstr_text(&l, value);
        emit(&l);
    }
    free(key);
}

/* Whether `name` appears in the first `upto` bytes of the space separated `list`. */
static int listed(const char *list, size_t upto, const char *name, size_t len) {
    for (size_t i = 0; i < upto;) {
        while (i < upto && list[i] == ' ') i++;
        size_t start = i;
        while (i < upto && list[i] != ' ') i++;
        if (i > start && i - start == len && strncmp(list + start, name, len) == 0) return 1;
    }
    return 0;
}

static void log_macros(SMFICTX *ctx, int stage) {
    const char *asked = macro_requests[stage] != NULL ? macro_requests[stage] : "";
    size_t asked_len = strlen(asked);
    for (size_t i = 0; i < asked_len;) {
        while (i < asked_len && asked[i] == ' ') i++;
        size_t start = i;
        while (i < asked_len && asked[i] != ' ') i++;
        if (i > start && !listed(asked, start, asked + start, i - start))
            log_macro_name(ctx, stage, asked + start, i - start);
    }
    for (size_t k = 0; k < sizeof FIXED_MACROS / sizeof FIXED_MACROS[0]; k++)
        if (!listed(asked, asked_len, FIXED_MACROS[k], strlen(FIXED_MACROS[k])))
            log_macro_name(ctx, stage, FIXED_MACROS[k], strlen(FIXED_MACROS[k]));
}

/* ---------------------------------------------------------------- per-connection state */

struct conn {
    unsigned long protocol; /* the protocol bits this child negotiated */
    struct sha256 body;
};

static struct conn *conn_of(SMFICTX *ctx) {
    struct conn *c = smfi_getpriv(ctx);
    if (c == NULL) {
        c = calloc(1, sizeof *c);
        if (c == NULL) die("out of memory");
        sha256_init(&c->body);
        smfi_setpriv(ctx, c);
    }
    return c;
}

/* Applies the first matching rule of a stage and returns the callback's status. */
static sfsistat decide(SMFICTX *ctx, int stage, const char *arg, size_t arg_len) {
    struct conn *c = conn_of(ctx);
    if (STAGE_NOREPLY[stage] != 0 && (c->protocol & STAGE_NOREPLY[stage]) != 0) return SMFIS_NOREPLY;
    for (int i = 0; i < rule_count; i++) {
        struct rule *r = &rules[i];
        if (r->stage != stage) continue;
        if (r->match != NULL && r->match[0] != '\0'
            && (arg == NULL || memmem(arg, arg_len, r->match, strlen(r->match)) == NULL))
            continue;
        switch (r->action) {
        case A_CONTINUE: return SMFIS_CONTINUE;
        case A_ACCEPT: return SMFIS_ACCEPT;
        case A_REJECT: return SMFIS_REJECT;
        case A_TEMPFAIL: return SMFIS_TEMPFAIL;
        case A_DISCARD: return SMFIS_DISCARD;
        case A_SKIP: return (c->protocol & SMFIP_SKIP) != 0 ? SMFIS_SKIP : SMFIS_CONTINUE;
        case A_REPLY:
            if (smfi_setreply(ctx, r->code, r->xcode[0] != '\0' ? r->xcode : NULL, r->text) != MI_SUCCESS)
                fprintf(stderr, "c-child %s: smfi_setreply %s %s refused\n", child_name, r->code, r->xcode);
            return r->code[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
        }
    }
    return SMFIS_CONTINUE;
}

static sfsistat decide_str(SMFICTX *ctx, int stage, const char *arg) {
    return decide(ctx, stage, arg, arg != NULL ? strlen(arg) : 0);
}

/* ---------------------------------------------------------------- callbacks */

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
                             unsigned long *pf3) {
    (void)f2;
    (void)f3;
    struct conn *c = conn_of(ctx);
    char text[96];
    snprintf(text, sizeof text, "negotiate version=%d actions=0x%lx protocol=0x%lx", SMFI_PROT_VERSION, f0, f1);
    log_simple(text, NULL);

    int want_symlist = 0;
    for (int s = 0; s < S_COUNT; s++)
        if (macro_requests[s] != NULL) want_symlist = 1;
    unsigned long actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR
                            | SMFIF_DELRCPT | SMFIF_CHGFROM | SMFIF_QUARANTINE
                            | (want_symlist ? SMFIF_SETSYMLIST : 0);
    c->protocol = (f1 & SMFIP_SKIP) | (f1 & noreply_wanted);
    *pf0 = actions & f0;
    *pf1 = c->protocol;
    *pf2 = 0;
    *pf3 = 0;
    if ((*pf0 & SMFIF_SETSYMLIST) != 0) {
        for (int s = 0; s < S_COUNT; s++) {
            if (macro_requests[s] != NULL && smfi_setsymlist(ctx, STAGE_MACROS[s], macro_requests[s]) != MI_SUCCESS)
                fprintf(stderr, "c-child %s: smfi_setsymlist %s refused\n", child_name, STAGE_NAMES[s]);
        }
    }
    return SMFIS_CONTINUE;
}

static sfsistat on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr) {
    char ip[INET6_ADDRSTRLEN + 1] = "", port[16] = "0";
    const char *family = "U", *where = "";
    if (addr != NULL && addr->sa_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)addr;
        family = "4";
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        snprintf(port, sizeof port, "%u", ntohs(in->sin_port));
        where = ip;
    } else if (addr != NULL && addr->sa_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
        family = "6";
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        snprintf(port, sizeof port, "%u", ntohs(in6->sin6_port));
        where = ip;
    } else if (addr != NULL && addr->sa_family == AF_UNIX) {
        family = "L";
        where = ((struct sockaddr_un *)addr)->sun_path;
    }
    struct line l = {0};
    put_str(&l, "connect host=");
    put_cstr_text(&l, host);
    put_str(&l, " family=");
    put_str(&l, family);
    put_str(&l, " addr=");
    put_cstr_text(&l, where);
    put_str(&l, " port=");
    put_str(&l, port);
    emit(&l);
    log_macros(ctx, S_CONNECT);
    return decide_str(ctx, S_CONNECT, host);
}

static sfsistat on_helo(SMFICTX *ctx, char *name) {
    log_simple("helo", name);
    log_macros(ctx, S_HELO);
    return decide_str(ctx, S_HELO, name);
}

static sfsistat log_envelope(SMFICTX *ctx, int stage, char **argv) {
    struct line l = {0};
    put_str(&l, STAGE_NAMES[stage]);
    for (char **a = argv; *a != NULL; a++) {
        put_str(&l, " ");
        put_cstr_text(&l, *a);
    }
    emit(&l);
    log_macros(ctx, stage);
    return decide_str(ctx, stage, argv[0]);
}

static sfsistat on_mail(SMFICTX *ctx, char **argv) {
    sha256_init(&conn_of(ctx)->body);
    return log_envelope(ctx, S_MAIL, argv);
}

static sfsistat on_rcpt(SMFICTX *ctx, char **argv) { return log_envelope(ctx, S_RCPT, argv); }

static sfsistat on_data(SMFICTX *ctx) {
    log_simple("data", NULL);
    log_macros(ctx, S_DATA);
    return decide_str(ctx, S_DATA, NULL);
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value) {
    struct line l = {0};
    put_str(&l, "header ");
    put_cstr_text(&l, name);
    put_str(&l, ": ");
    put_cstr_text(&l, value);
    emit(&l);
    size_t n = strlen(name), v = strlen(value);
    char *both = malloc(n + v + 3);
    if (both == NULL) die("out of memory");
    sprintf(both, "%s: %s", name, value);
    sfsistat status = decide(ctx, S_HEADER, both, n + v + 2);
    free(both);
    return status;
}

static sfsistat on_eoh(SMFICTX *ctx) {
    log_simple("eoh", NULL);
    log_macros(ctx, S_EOH);
    return decide_str(ctx, S_EOH, NULL);
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len) {
    char text[40];
    sha256_update(&conn_of(ctx)->body, chunk, len);
    snprintf(text, sizeof text, "body %zu", len);
    log_simple(text, NULL);
    return decide(ctx, S_BODY, (const char *)chunk, len);
}

static void apply_edit(SMFICTX *ctx, const struct edit *e) {
    int rc = MI_SUCCESS;
    switch (e->kind) {
    case E_ADD_HEADER: rc = smfi_addheader(ctx, e->a, e->b); break;
    case E_INSERT_HEADER: rc = smfi_insheader(ctx, e->index, e->a, e->b); break;
    case E_CHANGE_HEADER: rc = smfi_chgheader(ctx, e->a, e->index, e->b[0] != '\0' ? e->b : NULL); break;
    case E_ADD_RCPT: rc = smfi_addrcpt(ctx, e->a); break;
    case E_ADD_RCPT_PAR: rc = smfi_addrcpt_par(ctx, e->a, e->b); break;
    case E_DEL_RCPT: rc = smfi_delrcpt(ctx, e->a); break;
    case E_CHANGE_FROM: rc = smfi_chgfrom(ctx, e->a, e->b); break;
    case E_REPLACE_BODY: rc = smfi_replacebody(ctx, (unsigned char *)e->a, (int)e->b_len); break;
    case E_QUARANTINE: rc = smfi_quarantine(ctx, e->a); break;
    case E_PROGRESS: rc = smfi_progress(ctx); break;
    }
    if (rc != MI_SUCCESS) fprintf(stderr, "c-child %s: edit %d failed (not negotiated?)\n", child_name, (int)e->kind);
}

static sfsistat on_eom(SMFICTX *ctx) {
    struct conn *c = conn_of(ctx);
    char hex[65], text[96];
    sha256_hex(&c->body, hex);
    sha256_init(&c->body);
    snprintf(text, sizeof text, "eom bodysha256=%s", hex);
    log_simple(text, NULL);
    log_macros(ctx, S_EOM);
    for (int i = 0; i < edit_count; i++) apply_edit(ctx, &edits[i]);
    return decide_str(ctx, S_EOM, NULL);
}

static sfsistat on_abort(SMFICTX *ctx) {
    sha256_init(&conn_of(ctx)->body);
    log_simple("abort", NULL);
    return SMFIS_CONTINUE;
}

static sfsistat on_unknown(SMFICTX *ctx, const char *line) {
    log_simple("unknown", line);
    return decide_str(ctx, S_UNKNOWN, line);
}

static sfsistat on_close(SMFICTX *ctx) {
    /* Like pymilter: a connection that never got as far as negotiation (a readiness probe) leaves no trace. */
    if (smfi_getpriv(ctx) == NULL) return SMFIS_CONTINUE;
    log_simple("close", NULL);
    free(smfi_getpriv(ctx));
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

/* ---------------------------------------------------------------- main */

static void parse_macro_request(const char *arg) {
    size_t len = strcspn(arg, ":");
    int stage = stage_of(arg, len);
    if (stage < 0 || STAGE_MACROS[stage] < 0 || arg[len] != ':') die("-m %s: expected STAGE:MACROS", arg);
    macro_requests[stage] = dup_or_die(arg + len + 1, strlen(arg + len + 1));
}

static void parse_noreply(const char *arg) {
    int stage = stage_of(arg, strlen(arg));
    if (stage < 0 || STAGE_NOREPLY[stage] == 0) die("-N %s: no such no-reply stage", arg);
    noreply_wanted |= STAGE_NOREPLY[stage];
}

int main(int argc, char **argv) {
    const char *log_path = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "s:n:l:r:e:m:N:")) != -1) {
        switch (opt) {
        case 's': socket_spec = optarg; break;
        case 'n': child_name = optarg; break;
        case 'l': log_path = optarg; break;
        case 'r': parse_rule(optarg); break;
        case 'e': parse_edit(optarg); break;
        case 'm': parse_macro_request(optarg); break;
        case 'N': parse_noreply(optarg); break;
        default:
            die("usage: c-child -s SPEC [-n NAME] [-l LOGFILE] [-r RULE]... [-e EDIT]... [-m STAGE:MACROS]..."
                " [-N STAGE]...");
        }
    }
    if (socket_spec == NULL) die("-s SPEC is required");
    finish_configuration();
    log_out = log_path != NULL ? fopen(log_path, "a") : stdout;
    if (log_out == NULL) die("cannot open %s: %s", log_path, strerror(errno));

    struct smfiDesc desc = {
        .xxfi_name = (char *)child_name,
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR
                      | SMFIF_DELRCPT | SMFIF_CHGFROM | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
        .xxfi_connect = on_connect,
        .xxfi_helo = on_helo,
        .xxfi_envfrom = on_mail,
        .xxfi_envrcpt = on_rcpt,
        .xxfi_header = on_header,
        .xxfi_eoh = on_eoh,
        .xxfi_body = on_body,
        .xxfi_eom = on_eom,
        .xxfi_abort = on_abort,
        .xxfi_close = on_close,
        .xxfi_unknown = on_unknown,
        .xxfi_data = on_data,
        .xxfi_negotiate = on_negotiate,
    };
    if (smfi_setconn((char *)socket_spec) != MI_SUCCESS) die("smfi_setconn %s failed", socket_spec);
    if (smfi_register(desc) != MI_SUCCESS) die("smfi_register failed");
    if (smfi_opensocket(1) != MI_SUCCESS) die("cannot open %s", socket_spec);
    fprintf(stderr, "c-child %s: listening on %s\n", child_name, socket_spec);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
