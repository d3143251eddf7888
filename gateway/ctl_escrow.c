/*
 * remgatectl escrow: the customer's key pair for hidden input. Made on
 * the customer's machine (no gateway configuration needed); only the
 * public half, one line, goes into the gateway's configuration.
 */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"
#include "escrow.h"

int
cmd_escrow_keygen(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	char pub[128], err[512], fp[80];
	uint8_t raw[ESCROW_PUB_LEN];
	int o;

	(void)c;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'o')
			out = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc || out == NULL) {
		fprintf(stderr, "usage: remgatectl escrow keygen --out FILE\n");
		return EXIT_USAGE;
	}
	if (escrow_keygen(out, pub, sizeof(pub), err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	if (escrow_parse_public(pub, raw, err, sizeof(err)) == 0)
		escrow_fingerprint(raw, fp, sizeof(fp));
	else
		snprintf(fp, sizeof(fp), "?");
	printf("escrow_public_key: \"%s\"\n", pub);
	fprintf(stderr, "remgatectl: private key written to %s (0600; %s). Keep it off the gateway; put the line above "
	    "in the gateway's configuration.\n", out, fp);
	return 0;
}
