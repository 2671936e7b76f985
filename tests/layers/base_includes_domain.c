/*
 * base_includes_domain.c - a probe compiled as base/ is: base/ sees no other layer (not even
 * domain/), so this must FAIL to compile (ctest layers_base_includes_domain).
 */
#include "domain/bar.h"

int probe_base_domain(void);
int probe_base_domain(void)
{
    return (int)sizeof(struct bar);
}
