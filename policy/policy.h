/*
 * Channel policy: what an engineer's session may ask of a target beyond a
 * shell or a command. Today: which environment variables pass, and that
 * forwarding of ports, agents and X11 is refused.
 */
#ifndef REMGATE_POLICY_H
#define REMGATE_POLICY_H

/* LANG and LC_* pass (as OpenSSH's default AcceptEnv); nothing else. */
int policy_env_allowed(const char *name);

/* Channel requests and channel types the gateway refuses, with the event reason. */
const char *policy_refusal_reason(const char *request);

#endif
