/* The console process's shared parts: console.c (server, sign-in, pages) and consapi.c (the API). */
#ifndef REMGATE_CONSOLE_INT_H
#define REMGATE_CONSOLE_INT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>

#include <microhttpd.h>

#include "config.h"
#include "json.h"
#include "recfile.h"
#include "session.h"

#define MAX_BODY 65536
#define MAX_WATCHED 256

struct console_state {
	const struct config *cfg;
	/* (browser session, session id) pairs whose live output was read: one access event each */
	struct {
		char who[65];
		char sid[SESSION_ID_LEN + 1];
	} watched[MAX_WATCHED];
	size_t nwatched;
};
extern struct console_state g;

/* What one connection carries between the handler's calls. */
struct req {
	struct recbuf body;
	int too_big;
};

/* Who is asking: a checked browser session. */
struct who {
	char id_hash[65];
	char admin[128];
	char csrf[72];
	enum admin_role role;
	char addr[INET6_ADDRSTRLEN + 8];
};

/* An event naming the admin ("console:ADMIN"); the store opened and closed around it. */
void event(const char *kind, const char *admin, const char *reason, const char *detail, const char *sid,
    const char *addr);
/* A response with the console's security headers; copy: MHD copies data, else it must outlive the response. */
enum MHD_Result send_buf(struct MHD_Connection *c, unsigned code, const char *type, const void *data, size_t len,
    int copy, const char *cookie, const char *location);
/* A JSON object answer built in memory: begin, add members with r->j, send (which frees it). */
struct json_reply {
	char *buf;
	size_t len;
	FILE *f;
	struct json j;
};
int json_reply_begin(struct json_reply *r);	/* 0, or -1 (no memory) */
enum MHD_Result json_reply_send(struct MHD_Connection *c, unsigned code, struct json_reply *r);
/* {"error": text} with code. */
enum MHD_Result send_error_json(struct MHD_Connection *c, unsigned code, const char *text);
void security_headers(struct MHD_Response *r);
int is_sid(const char *s);
int is_id(const char *s);

/* consapi.c: GET and POST under /api/ (path without "/api/"). */
enum MHD_Result api_get(struct MHD_Connection *c, const struct who *w, const char *path);
enum MHD_Result api_post(struct MHD_Connection *c, const struct who *w, const char *path, const struct req *rq);

#endif
