/*
 * The monitor's ssh-agent for one target: the network child logs in to the
 * device with ssh_userauth_agent() over a socketpair, and this side holds
 * the vaulted key. It offers that one key, signs one userauth request for
 * the target's user and nothing else, then refuses. Ed25519, RSA (SHA-2 and
 * SHA-1 signatures) and ECDSA keys.
 */
#ifndef REMGATE_AGENT_H
#define REMGATE_AGENT_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_MAX_MSG (64 * 1024)

struct agent;

/* Load identity_file for logins as user. NULL with a log-safe reason (never key material). */
struct agent *agent_new(const char *identity_file, const char *user, char *err, size_t errlen);
void agent_free(struct agent *a);

/*
 * Answer one request (the bytes after the length): *out gets a malloc'd
 * answer with its length prefix. 0 answered (perhaps with FAILURE), -1 the
 * request is malformed: the caller drops the peer. why gets a reason for a
 * refused signature ("" otherwise).
 */
int agent_answer(struct agent *a, const uint8_t *req, size_t len, uint8_t **out, size_t *outlen,
    char *why, size_t whylen);

/* Signatures made so far (at most one). */
int agent_signatures(const struct agent *a);

/* Read what fd has, answer whole requests. 0 go on, 1 peer closed, -1 malformed. */
int agent_serve(struct agent *a, int fd, char *why, size_t whylen);

#endif
