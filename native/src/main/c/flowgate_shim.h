/*
 * The Flowgate shim: the few DPDK functions that are static inline in DPDK's headers (and so have
 * no symbol to bind to), re-exported as real functions, plus size and offset reporters that let the
 * Java side check its struct layouts at start-up.
 *
 * Every exported name starts with fg_. The ABI version changes whenever a signature changes; the
 * Java bindings refuse to run against a shim with another version.
 */
#ifndef FLOWGATE_SHIM_H
#define FLOWGATE_SHIM_H

#include <stdint.h>

#define FG_SHIM_ABI_VERSION 1

/* ABI version of this shim (FG_SHIM_ABI_VERSION). */
uint32_t fg_shim_abi_version(void);

/* DPDK's own version string, e.g. "DPDK 22.11.11". */
const char *fg_rte_version(void);

#endif
