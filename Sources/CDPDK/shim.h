/* The project's only C: DPDK 22.11 headers plus thin static-inline accessors for what Swift
 * cannot reach by itself. `struct rte_mbuf` is 64-byte aligned, so Swift imports it as an
 * OpaquePointer; function-like macros (rte_errno, rte_pktmbuf_mtod) are not imported at all. */
#ifndef VF_CDPDK_SHIM_H
#define VF_CDPDK_SHIM_H

/* rte_config.h must come first: every other DPDK header assumes its RTE_* limits. */
#include <rte_config.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_launch.h>
#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_version.h>
#include <numa.h>
#include <pci/pci.h>
/* rtnetlink: what a PF's driver holds for each VF (`ip link set PF vf N ...`), for `vf-fwd list`. */
#include <linux/rtnetlink.h>
#include <linux/if_link.h>

/* ---- EAL ---- */
static inline int vf_errno(void) { return rte_errno; }
static inline uint64_t vf_rdtsc(void) { return rte_rdtsc(); }
/* Starts loading a frame's first cache line while earlier frames are processed (rte_prefetch0). */
static inline void vf_prefetch(const void *p) { rte_prefetch0(p); }
/* The x86 PAUSE hint for spin-waits (a sibling hyperthread gets the core meanwhile). */
static inline void vf_pause(void) { rte_pause(); }

/* ---- mbuf (struct rte_mbuf, rte_mbuf_core.h) ---- */
/* Never NULL: every mbuf of a pool has its data buffer, so Swift need not check. */
static inline uint8_t * _Nonnull vf_mbuf_data(struct rte_mbuf * _Nonnull m) { return rte_pktmbuf_mtod(m, uint8_t *); }
/* The IO address a NIC would DMA the buffer to, and the virtual one it stands for. */
static inline uint64_t vf_mbuf_buf_iova(const struct rte_mbuf *m) { return m->buf_iova; }
static inline uintptr_t vf_mbuf_buf_addr(const struct rte_mbuf *m) { return (uintptr_t)m->buf_addr; }
static inline uint32_t vf_mbuf_pkt_len(const struct rte_mbuf *m) { return m->pkt_len; }
static inline uint64_t vf_mbuf_ol_flags(const struct rte_mbuf *m) { return m->ol_flags; }
static inline uint16_t vf_mbuf_vlan_tci(const struct rte_mbuf *m) { return m->vlan_tci; }

/* RX strip metadata is consumed once the engine has read the tag. */
static inline void vf_mbuf_clear_rx_vlan(struct rte_mbuf *m) {
    m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
}
/* TX VLAN insert (RTE_ETH_TX_OFFLOAD_VLAN_INSERT): the NIC writes TPID 0x8100 + tci. */
static inline void vf_mbuf_request_tx_vlan(struct rte_mbuf *m, uint16_t tci) {
    m->vlan_tci = tci;
    m->ol_flags |= RTE_MBUF_F_TX_VLAN;
}
static inline void vf_mbuf_set_rx_vlan_stripped(struct rte_mbuf *m, uint16_t tci) {
    m->vlan_tci = tci;
    m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
}
static inline uint8_t *vf_mbuf_prepend(struct rte_mbuf *m, uint16_t len) {
    return (uint8_t *)rte_pktmbuf_prepend(m, len);
}
static inline uint8_t *vf_mbuf_adj(struct rte_mbuf *m, uint16_t len) {
    return (uint8_t *)rte_pktmbuf_adj(m, len);
}
static inline uint8_t *vf_mbuf_append(struct rte_mbuf *m, uint16_t len) {
    return (uint8_t *)rte_pktmbuf_append(m, len);
}
static inline void vf_mbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
static inline struct rte_mbuf *vf_mbuf_alloc(struct rte_mempool *mp) { return rte_pktmbuf_alloc(mp); }

/* ---- ethdev ---- */
static inline uint16_t vf_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_rx_burst(port, queue, pkts, n);
}
static inline uint16_t vf_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_tx_burst(port, queue, pkts, n);
}
/* rte_eth_conf is a large struct of unions; Swift only needs these fields of it. */
/* rss_hf: the RSS hash functions spreading frames over the RX queues, 0 for none (one queue,
 * or a device without RSS). The key is the PMD's default. */
static inline int vf_eth_configure(uint16_t port, uint16_t rxq, uint16_t txq,
                                   uint64_t rx_offloads, uint64_t tx_offloads, uint32_t mtu,
                                   uint64_t rss_hf) {
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    conf.rxmode.mtu = mtu;
    if (rss_hf != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
    }
    conf.rxmode.offloads = rx_offloads;
    conf.txmode.offloads = tx_offloads;
    return rte_eth_dev_configure(port, rxq, txq, &conf);
}
static inline int vf_eth_rx_queue_setup(uint16_t port, uint16_t queue, uint16_t desc,
                                        unsigned int socket, uint64_t offloads,
                                        struct rte_mempool *mp) {
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0) return rc;
    struct rte_eth_rxconf rxconf = info.default_rxconf;
    rxconf.offloads = offloads;
    /* A full ring drops its own frames rather than hold up the port's packet buffer, and with
       it every other VF's traffic (ixgbevf: SRRCTL.DROP_EN). A Linux PF forces this for its VFs
       (QDE in ixgbe_vf_reset_msg); another PF may not. */
    rxconf.rx_drop_en = 1;
    return rte_eth_rx_queue_setup(port, queue, desc, socket, &rxconf, mp);
}
static inline int vf_eth_tx_queue_setup(uint16_t port, uint16_t queue, uint16_t desc,
                                        unsigned int socket, uint64_t offloads) {
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0) return rc;
    struct rte_eth_txconf txconf = info.default_txconf;
    txconf.offloads = offloads;
    return rte_eth_tx_queue_setup(port, queue, desc, socket, &txconf);
}

/* ---- libpci ---- */
/* "Vendor Device" names from the PCI ID database, or NULL when it has none; pci_lookup_name is
 * variadic, which Swift cannot call. Needs no pci_init: names come from pci.ids alone. */
static inline const char *vf_pci_device_name(struct pci_access *access, char *buffer, int size,
                                             unsigned int vendor, unsigned int device) {
    return pci_lookup_name(access, buffer, size, PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
                           vendor, device);
}

/* Still experimental (22.11 to 24.11), so the header marks them deprecated: which MACs a port
 * receives, for its start-up line. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
static inline int vf_eth_macaddrs_get(uint16_t port, struct rte_ether_addr *addresses, unsigned int capacity) {
    return rte_eth_macaddrs_get(port, addresses, capacity);
}
/* What a port was configured with (tests check the offloads asked for). */
static inline int vf_eth_dev_conf_get(uint16_t port, struct rte_eth_conf *conf) {
    return rte_eth_dev_conf_get(port, conf);
}
#pragma clang diagnostic pop

/* Offload and RSS bits Swift cannot see: they are macros over RTE_BIT64. */
static const uint64_t VF_RX_OFFLOAD_VLAN_STRIP = RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
static const uint64_t VF_RX_OFFLOAD_VLAN_FILTER = RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
static const uint64_t VF_ETH_RSS_IP_TCP_UDP = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
static const uint64_t VF_TX_OFFLOAD_VLAN_INSERT = RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
static const uint64_t VF_TX_OFFLOAD_MULTI_SEGS = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
static const uint64_t VF_MBUF_F_RX_VLAN_STRIPPED = RTE_MBUF_F_RX_VLAN_STRIPPED;
static const uint64_t VF_MBUF_F_TX_VLAN = RTE_MBUF_F_TX_VLAN;
static const uint16_t VF_PKTMBUF_HEADROOM = RTE_PKTMBUF_HEADROOM;
static const uint16_t VF_MBUF_DEFAULT_BUF_SIZE = RTE_MBUF_DEFAULT_BUF_SIZE;
/* struct rte_mbuf is 64-byte aligned, so Swift sees it only as an opaque pointer. */
static const uint32_t VF_MBUF_STRUCT_SIZE = sizeof(struct rte_mbuf);

#endif
