#include "flowgate_shim.h"

#include <stddef.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_version.h>

uint32_t fg_shim_abi_version(void)
{
    return FG_SHIM_ABI_VERSION;
}

uint64_t fg_rdtsc(void)
{
    return rte_rdtsc();
}

const char *fg_rte_version(void)
{
    return rte_version();
}

uint16_t fg_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
    return rte_eth_rx_burst(port, queue, pkts, n);
}

uint16_t fg_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
    return rte_eth_tx_burst(port, queue, pkts, n);
}

struct rte_mbuf *fg_pktmbuf_alloc(struct rte_mempool *pool)
{
    return rte_pktmbuf_alloc(pool);
}

int fg_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned int count)
{
    return rte_pktmbuf_alloc_bulk(pool, mbufs, count);
}

void fg_pktmbuf_free(struct rte_mbuf *m)
{
    rte_pktmbuf_free(m);
}

void *fg_pktmbuf_mtod(struct rte_mbuf *m)
{
    return rte_pktmbuf_mtod(m, void *);
}

int fg_errno(void)
{
    return rte_errno;
}

const char *fg_strerror(int error)
{
    return rte_strerror(error);
}

uint32_t fg_lcore_id(void)
{
    return rte_lcore_id();
}

int fg_link(uint16_t port, uint32_t *speed)
{
    struct rte_eth_link link;
    memset(&link, 0, sizeof link);
    int rc = rte_eth_link_get_nowait(port, &link);
    if (rc < 0) {
        return rc;
    }
    *speed = link.link_speed;
    return link.link_status;
}

struct layout {
    const char *name;
    int64_t value;
};

#define SIZE(s) { #s, (int64_t) sizeof(struct s) }
#define FIELD(s, f) { #s "." #f, (int64_t) offsetof(struct s, f) }

static const struct layout LAYOUTS[] = {
    SIZE(rte_mbuf),
    FIELD(rte_mbuf, buf_addr),
    FIELD(rte_mbuf, data_off),
    FIELD(rte_mbuf, refcnt),
    FIELD(rte_mbuf, nb_segs),
    FIELD(rte_mbuf, port),
    FIELD(rte_mbuf, ol_flags),
    FIELD(rte_mbuf, pkt_len),
    FIELD(rte_mbuf, data_len),
    FIELD(rte_mbuf, buf_len),
    { "rte_mbuf.hash.rss", (int64_t) offsetof(struct rte_mbuf, hash.rss) },
    FIELD(rte_mbuf, pool),
    FIELD(rte_mbuf, next),
    SIZE(rte_eth_stats),
    FIELD(rte_eth_stats, ipackets),
    FIELD(rte_eth_stats, opackets),
    FIELD(rte_eth_stats, ibytes),
    FIELD(rte_eth_stats, obytes),
    FIELD(rte_eth_stats, imissed),
    FIELD(rte_eth_stats, ierrors),
    FIELD(rte_eth_stats, oerrors),
    FIELD(rte_eth_stats, rx_nombuf),
    SIZE(rte_eth_conf),
    { "rte_eth_conf.rxmode.mtu", (int64_t) offsetof(struct rte_eth_conf, rxmode.mtu) },
    { "rte_eth_conf.rxmode.offloads", (int64_t) offsetof(struct rte_eth_conf, rxmode.offloads) },
    { "rte_eth_conf.txmode.offloads", (int64_t) offsetof(struct rte_eth_conf, txmode.offloads) },
    { "rte_eth_conf.rxmode.mq_mode", (int64_t) offsetof(struct rte_eth_conf, rxmode.mq_mode) },
    { "rte_eth_conf.rx_adv_conf.rss_conf.rss_hf",
      (int64_t) offsetof(struct rte_eth_conf, rx_adv_conf.rss_conf.rss_hf) },
    SIZE(rte_eth_dev_info),
    FIELD(rte_eth_dev_info, driver_name),
    FIELD(rte_eth_dev_info, if_index),
    FIELD(rte_eth_dev_info, min_mtu),
    FIELD(rte_eth_dev_info, max_mtu),
    FIELD(rte_eth_dev_info, max_rx_queues),
    FIELD(rte_eth_dev_info, max_tx_queues),
    FIELD(rte_eth_dev_info, rx_offload_capa),
    FIELD(rte_eth_dev_info, tx_offload_capa),
    FIELD(rte_eth_dev_info, flow_type_rss_offloads),
    SIZE(rte_ether_addr),
    { "RTE_PKTMBUF_HEADROOM", RTE_PKTMBUF_HEADROOM },
    { "RTE_MBUF_DEFAULT_BUF_SIZE", RTE_MBUF_DEFAULT_BUF_SIZE },
    { "RTE_ETH_RX_OFFLOAD_TIMESTAMP", (int64_t) RTE_ETH_RX_OFFLOAD_TIMESTAMP },
    { "RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE", (int64_t) RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE },
    { "RTE_ETH_MQ_RX_RSS", (int64_t) RTE_ETH_MQ_RX_RSS },
    { "RTE_ETH_RSS_IP", (int64_t) RTE_ETH_RSS_IP },
    { "RTE_ETH_RSS_TCP", (int64_t) RTE_ETH_RSS_TCP },
    { "RTE_ETH_RSS_UDP", (int64_t) RTE_ETH_RSS_UDP },
    { "RTE_MBUF_F_RX_RSS_HASH", (int64_t) RTE_MBUF_F_RX_RSS_HASH },
};

int64_t fg_layout(const char *name)
{
    for (size_t i = 0; i < sizeof LAYOUTS / sizeof LAYOUTS[0]; i++) {
        if (strcmp(LAYOUTS[i].name, name) == 0) {
            return LAYOUTS[i].value;
        }
    }
    return -1;
}
