/*
 * service_includes_api.c - a probe compiled as service/ is: service/ may not reach api/
 * (the arrow points the other way), so this must FAIL to compile
 * (ctest layers_service_includes_api; see CMakeLists.txt).
 */
#include "api/http.h"

int probe_service_api(void);
int probe_service_api(void)
{
    return ROUTE_SLOTS;
}
