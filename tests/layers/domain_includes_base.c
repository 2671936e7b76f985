/*
 * domain_includes_base.c - a probe compiled as domain/ is: every layer may use base/ (the
 * helpers that are not trading rules), so this must compile (ctest layers_domain_includes_base).
 */
#include "base/hash.h"

int probe_domain_base(void);
int probe_domain_base(void)
{
    return hash_str("EURUSD") != 0;
}
