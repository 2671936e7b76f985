/*
 * api_includes_base.c - a probe compiled as api/ is: every layer may use base/, so this must
 * compile (ctest layers_api_includes_base).
 */
#include "base/symtab.h"

int probe_api_base(void);
int probe_api_base(void)
{
    struct symtab t;
    return symtab_init(&t, 0, 0);
}
