/* remgatectl's main(): options, the configuration, then ctl_run (ctl.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config.h"
#include "ctl.h"
#include "log.h"

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("REMGATE_CONFIG");
	struct ctl c = { 0 };
	char err[1024];
	int o, rc;

	umask(077);	/* bundles, exports and the store are private to root */
	while ((o = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'c': path = optarg; break;
		case 'h': ctl_usage(stdout); return 0;
		case 'V': printf("remgatectl %s\n", REMGATE_VERSION); return 0;
		default: ctl_usage(stderr); return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		ctl_usage(stderr);
		return EXIT_USAGE;
	}
	if (ctl_is_config_free(argc, argv))	/* the customer's own machine: no gateway there */
		return ctl_run(&c, argc, argv);
	if (path == NULL) {
		fprintf(stderr, "remgatectl: no configuration: pass -c FILE or set REMGATE_CONFIG\n");
		return EXIT_USAGE;
	}
	if (config_load(path, &c.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "remgatectl: %s\n", err);
		return EXIT_USAGE;
	}
	log_init("remgatectl", 0, LOG_LVL_WARN);
	rc = ctl_run(&c, argc, argv);
	config_free(c.cfg);
	return rc;
}
