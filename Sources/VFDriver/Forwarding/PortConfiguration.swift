/// How to set up a port's queues, for a DPDK ethdev (`EthPort`) and a mock VF (`MockVF`) alike.
public struct PortConfiguration: Equatable, Sendable {
    public var rxQueues = 1
    public var txQueues = 1
    public var rxDescriptors = 1024
    public var txDescriptors = 1024
    /// L3 MTU; the device adds its own L2 overhead (ixgbevf: header, CRC and two tags).
    public var mtu = 1500
    /// RX VLAN strip: the outer 0x8100 tag moves into buffer metadata.
    public var vlanStrip = false
    /// TX VLAN insert: a buffer may ask the device to add one 0x8100 tag.
    public var vlanInsert = false

    public init() {}

    /// A config file's port: `vlan-offload` asks for both offloads.
    public init(_ port: PortConfig) {
        rxQueues = port.rxQueues
        txQueues = port.txQueues
        rxDescriptors = port.rxDescriptors
        txDescriptors = port.txDescriptors
        mtu = port.mtu
        vlanStrip = port.vlanOffload
        vlanInsert = port.vlanOffload
    }
}
