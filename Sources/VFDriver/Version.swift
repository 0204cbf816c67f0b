import CDPDK

/// The DPDK release this binary runs against, e.g. "DPDK 22.11.11".
public var dpdkVersion: String { String(cString: rte_version()) }
