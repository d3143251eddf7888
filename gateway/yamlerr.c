/* YAML error messages (yamlerr.h): lines and columns counted from 1. */
#include <stdio.h>

#include "yamlerr.h"

int
yamlerr_at(char *err, size_t errlen, const char *file, const yaml_node_t *node, const char *msg)
{
	if (node != NULL)
		snprintf(err, errlen, "%s:%zu:%zu: %s", file, node->start_mark.line + 1, node->start_mark.column + 1, msg);
	else
		snprintf(err, errlen, "%s: %s", file, msg);
	return -1;
}

void
yamlerr_syntax(char *err, size_t errlen, const char *file, const yaml_parser_t *parser)
{
	snprintf(err, errlen, "%s:%zu:%zu: YAML syntax error: %s%s%s", file, parser->problem_mark.line + 1,
	    parser->problem_mark.column + 1, parser->problem ? parser->problem : "unknown",
	    parser->context ? " " : "", parser->context ? parser->context : "");
}
