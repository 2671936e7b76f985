/*
 * api_includes_storage.c - a probe compiled as api/ is: api/ may not reach storage/ (SQL
 * lives behind service/), so this must FAIL to compile, for want of the header
 * (ctest layers_api_includes_storage; see CMakeLists.txt).
 */
#include "storage/pg.h"

int probe_api_storage(void);
int probe_api_storage(void)
{
    return pg_conn() != NULL;
}
