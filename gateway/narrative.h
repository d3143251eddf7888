/*
 * The engineer's narrative for a fault-handling report (YAML): what the
 * store cannot know. Everything else in a report comes from the store.
 *
 *   fault: "Link to the core switch flaps every few minutes"
 *   level: 2                  # optional: defaults to the approval's
 *   reported_at: 2026-11-28T09:40:00Z   # optional: defaults to the approval's creation
 *   cause: "..."
 *   actions: ["...", "..."]   # text, or a list of steps
 *   result: restored          # restored | repaired | workaround | unresolved
 *   prevention: "..."         # text or list
 *   followup: "..."           # optional, text or list
 */
#ifndef REMGATE_NARRATIVE_H
#define REMGATE_NARRATIVE_H
#include <stddef.h>
#include <stdint.h>

struct narrative {
	char *fault;
	int level;		/* 0: not given */
	int64_t reported_at;	/* 0: not given */
	char *cause;
	char *actions;		/* a list is kept as "- step" lines */
	char *result;
	char *prevention;
	char *followup;		/* may be NULL */
};

/* Parse len bytes named name (for messages: "NAME:LINE:COL: what"). 0 or -1. */
int narrative_parse(const char *name, const char *buf, size_t len, struct narrative *n, char *err, size_t errlen);
/* Read and parse a file. 0 or -1. */
int narrative_load(const char *path, struct narrative *n, char *err, size_t errlen);
void narrative_clear(struct narrative *n);
int narrative_result_valid(const char *result);
#endif
