/*
 * research_includes_service.c - a probe compiled as research/ is: research/ sits on domain/
 * only, so this must FAIL to compile (ctest layers_research_includes_service).
 */
#include "service/state.h"

int probe_research_service(void);
int probe_research_service(void)
{
    return REGISTRY_SLOTS;
}
