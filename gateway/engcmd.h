/* Gateway commands for an engineer logged in without a target (engcmd.c). */
#ifndef REMGATE_ENGCMD_H
#define REMGATE_ENGCMD_H
#include "session.h"

/* The session channel of a command login. */
ssh_channel engcmd_open_channel(struct session *s, ssh_session eng);
/* Run the command once its input is complete; sets s->done when finished. */
void engcmd_pump(struct session *s);
void engcmd_free(struct session *s);
#endif
