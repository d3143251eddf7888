/* Error messages for YAML input, the same for every file remgate reads: FILE:LINE:COL: what. */
#ifndef REMGATE_YAMLERR_H
#define REMGATE_YAMLERR_H
#include <stddef.h>
#include <yaml.h>

/* "FILE:LINE:COL: msg" at node (or "FILE: msg" without one) into err. Returns -1. */
int yamlerr_at(char *err, size_t errlen, const char *file, const yaml_node_t *node, const char *msg);
/* The parser's failure as "FILE:LINE:COL: YAML syntax error: ...". */
void yamlerr_syntax(char *err, size_t errlen, const char *file, const yaml_parser_t *parser);
#endif
