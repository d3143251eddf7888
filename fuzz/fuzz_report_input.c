/*
 * libFuzzer target: what remgatectl reads from outside when it handles
 * reports: report.json (gateway/jsonparse.c) and the narrative YAML
 * (gateway/narrative.c), on the same bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "jsonparse.h"
#include "narrative.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct jv *v = jv_parse((const char *)data, size, err, sizeof(err));
	struct narrative n;

	if (v != NULL) {
		(void)jv_get_str(v, "ticket");
		(void)jv_get_int(v, "report_id", 0);
		jv_free(v);
	}
	if (narrative_parse("fuzz", (const char *)data, size, &n, err, sizeof(err)) == 0)
		narrative_clear(&n);
	return 0;
}
