/*
 * api_includes_service.c - a probe compiled as api/ is: the arrow api -> service is allowed,
 * so this must compile (ctest layers_api_includes_service; see CMakeLists.txt).
 */
#include "service/state.h"

int probe_api_service(void);
int probe_api_service(void)
{
    return REGISTRY_SLOTS > 0;
}
