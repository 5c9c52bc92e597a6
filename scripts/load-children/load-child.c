/*
 * load-child: the smallest useful libmilter milter, for load tests (scripts/postfix-load). It takes every event
 * and lets every message pass. With -a NAME:VALUE it adds that header at end of message. It asks the MTA only
 * for what it uses (SMFIF_ADDHDRS with -a, no action without), as a real milter built on libmilter does through
 * its xxfi_flags; libmilter sends the added header and the verdict in two writes, without TCP_NODELAY (its habit).
 *
 *   load-child -s inet:PORT@127.0.0.1 [-a NAME:VALUE]
 *
 * Build:  gcc -O2 -o load-child load-child.c -lmilter -lpthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static char *header_name;
static char *header_value;

static sfsistat pass_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr) { return SMFIS_CONTINUE; }
static sfsistat pass_helo(SMFICTX *ctx, char *name) { return SMFIS_CONTINUE; }
static sfsistat pass_envelope(SMFICTX *ctx, char **argv) { return SMFIS_CONTINUE; }
static sfsistat pass_header(SMFICTX *ctx, char *name, char *value) { return SMFIS_CONTINUE; }
static sfsistat pass_event(SMFICTX *ctx) { return SMFIS_CONTINUE; }
static sfsistat pass_body(SMFICTX *ctx, unsigned char *chunk, size_t size) { return SMFIS_CONTINUE; }

static sfsistat end_of_message(SMFICTX *ctx) {
    if (header_name != NULL && smfi_addheader(ctx, header_name, header_value) != MI_SUCCESS) {
        fprintf(stderr, "load-child: smfi_addheader failed\n");
    }
    return SMFIS_CONTINUE;
}

int main(int argc, char **argv) {
    const char *spec = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "s:a:")) != -1) {
        switch (opt) {
        case 's':
            spec = optarg;
            break;
        case 'a': {
            char *colon = strchr(optarg, ':');
            if (colon == NULL) {
                fprintf(stderr, "load-child: -a NAME:VALUE\n");
                return 2;
            }
            *colon = '\0';
            header_name = optarg;
            header_value = colon + 1;
            break;
        }
        default:
            fprintf(stderr, "usage: load-child -s SPEC [-a NAME:VALUE]\n");
            return 2;
        }
    }
    if (spec == NULL) {
        fprintf(stderr, "usage: load-child -s SPEC [-a NAME:VALUE]\n");
        return 2;
    }
    struct smfiDesc description = {
        .xxfi_name = "load-child",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = header_name != NULL ? SMFIF_ADDHDRS : 0,
        .xxfi_connect = pass_connect,
        .xxfi_helo = pass_helo,
        .xxfi_envfrom = pass_envelope,
        .xxfi_envrcpt = pass_envelope,
        .xxfi_header = pass_header,
        .xxfi_eoh = pass_event,
        .xxfi_body = pass_body,
        .xxfi_eom = end_of_message,
        .xxfi_abort = pass_event,
        .xxfi_close = pass_event,
        .xxfi_data = pass_event,
    };
    if (smfi_setconn((char *)spec) != MI_SUCCESS || smfi_register(description) != MI_SUCCESS) {
        fprintf(stderr, "load-child: cannot set up %s\n", spec);
        return 1;
    }
    smfi_setbacklog(128);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
