/*
 * domain_includes_storage.c - a probe compiled as domain/ is: domain/ is pure and sees no
 * other layer, so this must FAIL to compile (ctest layers_domain_includes_storage).
 */
#include "storage/stores.h"

int probe_domain_storage(void);
int probe_domain_storage(void)
{
    return (int)STORE_STATEMENT_COUNT;
}
