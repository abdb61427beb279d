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

#define FG_SHIM_ABI_VERSION 3

struct rte_mbuf;
struct rte_mempool;

/* ABI version of this shim (FG_SHIM_ABI_VERSION). */
uint32_t fg_shim_abi_version(void);

/* rte_rdtsc: the CPU's time-stamp counter (for cycle counts as OVS prints them). */
uint64_t fg_rdtsc(void);

/* DPDK's own version string, e.g. "DPDK 22.11.11". */
const char *fg_rte_version(void);

/* rte_eth_rx_burst / rte_eth_tx_burst. */
uint16_t fg_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t fg_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

/* rte_pktmbuf_alloc, rte_pktmbuf_alloc_bulk (0 on success), rte_pktmbuf_free, rte_pktmbuf_mtod. */
struct rte_mbuf *fg_pktmbuf_alloc(struct rte_mempool *pool);
int fg_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned int count);
void fg_pktmbuf_free(struct rte_mbuf *m);
void *fg_pktmbuf_mtod(struct rte_mbuf *m);

/* rte_errno (thread-local), its text, and rte_lcore_id(). */
int fg_errno(void);
const char *fg_strerror(int error);
uint32_t fg_lcore_id(void);

/* Link state through rte_eth_link_get_nowait (its fields are bit-fields): 1 up, 0 down, <0 error;
 * the speed in Mbit/s goes to *speed. */
int fg_link(uint16_t port, uint32_t *speed);

/* sizeof or offsetof by name ("rte_mbuf", "rte_mbuf.data_off"), or -1 if the name is unknown. */
int64_t fg_layout(const char *name);

#endif
