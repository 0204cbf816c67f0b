/// A driver's own counters, as `rte_eth_stats` names them (spec section 6, `device`).
public struct DeviceCounters: Equatable, Sendable {
    public var ipackets: UInt64 = 0
    public var opackets: UInt64 = 0
    public var imissed: UInt64 = 0
    public var ierrors: UInt64 = 0
    public var oerrors: UInt64 = 0
    public var rxNoMbuf: UInt64 = 0

    public init(ipackets: UInt64 = 0, opackets: UInt64 = 0, imissed: UInt64 = 0, ierrors: UInt64 = 0, oerrors: UInt64 = 0, rxNoMbuf: UInt64 = 0) {
        self.ipackets = ipackets
        self.opackets = opackets
        self.imissed = imissed
        self.ierrors = ierrors
        self.oerrors = oerrors
        self.rxNoMbuf = rxNoMbuf
    }
}

extension DeviceCounters {
    public static func + (a: DeviceCounters, b: DeviceCounters) -> DeviceCounters {
        DeviceCounters(ipackets: a.ipackets &+ b.ipackets, opackets: a.opackets &+ b.opackets, imissed: a.imissed &+ b.imissed,
                       ierrors: a.ierrors &+ b.ierrors, oerrors: a.oerrors &+ b.oerrors, rxNoMbuf: a.rxNoMbuf &+ b.rxNoMbuf)
    }

    public static func += (a: inout DeviceCounters, b: DeviceCounters) { a = a + b }
}
