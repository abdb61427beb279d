#include "flowgate_shim.h"

#include <rte_version.h>

uint32_t fg_shim_abi_version(void)
{
    return FG_SHIM_ABI_VERSION;
}

const char *fg_rte_version(void)
{
    return rte_version();
}
