/* The console's static files, compiled in (tools/embed_assets.py): a fresh machine needs nothing else. */
#ifndef REMGATE_CONSASSETS_H
#define REMGATE_CONSASSETS_H

#include <stddef.h>

struct console_asset {
	const char *name;	/* served as /static/NAME */
	const char *type;
	const unsigned char *data;
	size_t len;
};

extern const struct console_asset console_assets[];
extern const int console_assets_count;

#endif
