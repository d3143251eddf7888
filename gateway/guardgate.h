/*
 * The command guard in a session (docs/policy.md): an exec's command is
 * judged before the device sees it; in a terminal each line is judged at
 * Enter (linegate.h holds the Enter), and a command a review rule matched
 * waits for the customer's decision (the monitor opens the review).
 */
#ifndef REMGATE_GUARDGATE_H
#define REMGATE_GUARDGATE_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct relaybuf;

enum gate_result { GATE_RUN, GATE_REFUSED, GATE_WAIT };

/*
 * An exec's command: GATE_RUN (judgement, if any, in guard_out), GATE_REFUSED
 * (why in why_out), or GATE_WAIT (held for review; guardgate_exec_decided
 * says when).
 */
enum gate_result guardgate_exec(struct session *s, const char *command, char *guard_out, size_t guard_len,
    char *why_out, size_t why_len);
/* A held exec: 0 still waiting, 1 approved (judgement in guard_out), -1 refused (why in why_out). */
int guardgate_exec_decided(struct session *s, char *guard_out, size_t guard_len, char *why_out, size_t why_len);

/* A terminal session: the to-device buffer's filter goes through the gate from now on. */
void guardgate_attach(struct session *s, struct relaybuf *to_device);
/* From the loop, before the to-device buffer is pumped: judge a held line, take decisions. */
void guardgate_step(struct session *s, struct relaybuf *to_device);
/* The device's output reached the engineer (the echo the gate waits for). */
void guardgate_output(struct session *s);
/* How soon the loop should come back (ms), or -1: the gate is not waiting on time. */
int guardgate_wait_ms(const struct session *s);
void guardgate_free(struct session *s);

#endif
