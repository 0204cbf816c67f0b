import PacketRing

/// One 82599 virtual function as seen through DPDK's ixgbevf PMD, in pure Swift: queues of a
/// fixed number of descriptors, a buffer pool, VLAN strip/insert, MAC and VLAN filters, link
/// state, PF-reset events and 32-bit hardware counters that wrap (docs/mock-device.md).
///
/// The "hardware" side (frames arriving from the PF or an `rx_pcap` file, frames leaving the TX
/// ring) runs inside the calls that touch it; each queue has one producer and one consumer, as
/// on the real device, so a test may inject on one thread while a lane polls on another.
///
/// The properties the data path reads on every poll are `@exclusivity(unchecked)`: each is
/// only ever read or assigned whole, never passed `inout`, so no two accesses can overlap, and
/// the runtime check each access would otherwise call cost the mock a twentieth of its time.
public final class MockVF {
    /// 82599 VF limits as ixgbevf reports them (ixgbevf_dev_info_get, IXGBE_MAX_VF_MC_ENTRIES).
    public static let maxMTU = 9710
    public static let maxMulticastAddresses = 30
    /// What a frame may have around its MTU: Ethernet header and two tags (vf-fwd's MTU
    /// excludes tags, spec section 4); no CRC here.
    static let frameOverhead = 14 + 8

    public enum State: Equatable, Sendable {
        case stopped
        case started
        /// The PF reset: nothing moves until the application resets, reconfigures and restarts
        /// the port (RTE_ETH_EVENT_INTR_RESET).
        case resetPending
    }

    /// Device counters as ixgbevf reports them: the hardware's 32-bit packet and 36-bit byte
    /// registers (VFGPRC, VFGORC, VFGPTC, VFGOTC) read as deltas, plus what the mock adds.
    public struct Counters: Equatable, Sendable {
        public var ipackets: UInt64 = 0
        public var ibytes: UInt64 = 0
        public var opackets: UInt64 = 0
        public var obytes: UInt64 = 0
        /// Frames lost because the NIC had no RX descriptor to fill: every one held a frame not
        /// yet read, or waited for a buffer (see `rxNoMbuf`).
        public var imissed: UInt64 = 0
        /// Frames dropped at the MAC: undersize, oversize, bad CRC.
        public var ierrors: UInt64 = 0
        public var oerrors: UInt64 = 0
        /// Buffers the driver could not get from the pool to arm read RX descriptors again
        /// (`rx_mbuf_alloc_failed`): 32 per failed vector rearm, one per failed scalar receive.
        /// The frames themselves are lost as `imissed` once no descriptor is armed.
        public var rxNoMbuf: UInt64 = 0
        /// Frames the PF's anti-spoofing dropped (the PF's SSVPC, per VF).
        public var spoofed: UInt64 = 0
        /// Frames in several buffers that a TX queue without offloads sent as their first
        /// buffer alone, losing the other buffers for good, as ixgbe's simple and vector TX
        /// paths do (ask for `PortConfiguration.transmitsChains`). The hardware counts nothing.
        public var truncatedChains: UInt64 = 0
    }

    public let index: Int
    public let pool: MockPool
    public let mac: [UInt8]
    @exclusivity(unchecked) public internal(set) var configuration = PortConfiguration()
    @exclusivity(unchecked) public internal(set) var state = State.stopped
    @exclusivity(unchecked) public private(set) var linkUp = true
    /// The PF lets frames reach the VF (VFRE). An 82599 keeps one frame size per port, so a
    /// Linux PF turns a VF's receive off when the VF starts asking for frames over 1518 bytes
    /// while the PF's MTU is 1500 or less (`ixgbe_set_vf_lpe`), and on again when it asks for
    /// less; ixgbevf only logs the refusal and starts (`ixgbevf_dev_rx_init`).
    @exclusivity(unchecked) public internal(set) var receiveEnabled = true
    /// False from a PF reset that leaves the PF away until it is back (`simulatePFReady()`).
    public private(set) var pfReady = true
    /// Set by the PF (`ip link set PF vf N trust on`). On an 82599 it does not allow unicast
    /// promiscuous mode (`setPromiscuous`).
    public var trusted = false
    /// Set by the PF (`ip link set PF vf N spoofchk on`), on by default as in Linux.
    public var spoofCheck = true
    /// The PF's admin chose the VF's MAC (`ip link set PF vf N mac X`): the VF may then add
    /// MAC filters only if trusted.
    public var macSetByAdmin = false
    /// Unicast MACs the VF receives besides `mac`: the PF's MAC filter entries it asked for.
    public internal(set) var addedMACs: [[UInt8]] = [] { didSet { addedMACKeys = addedMACs.map(MACKey.of) } }
    /// Set by the PF (`ip link set PF vf N vlan X`): the PF tags and strips for the VF.
    @exclusivity(unchecked) public internal(set) var portVLAN: UInt16?
    /// Only a standalone VF (vf-fwd's `mock:` devices, spec section 3) is: the PF of an 82599
    /// never makes a VF promiscuous.
    @exclusivity(unchecked) public private(set) var promiscuous = false
    /// Every multicast frame reaches the VF, not only its groups' (`setAllMulticast`).
    @exclusivity(unchecked) public internal(set) var allMulticast = false
    public internal(set) var multicast: [[UInt8]] = [] { didSet { multicastKeys = multicast.map(MACKey.of) } }
    /// `mac`, `addedMACs` and `multicast` as the filters compare them, frame by frame.
    let macKey: UInt64
    @exclusivity(unchecked) private(set) var addedMACKeys: [UInt64] = []
    @exclusivity(unchecked) private(set) var multicastKeys: [UInt64] = []
    /// The VIDs the driver asked for (ixgbevf's shadow VFTA): kept across stop and start,
    /// forgotten by a reset.
    public internal(set) var vlanFilter: Set<UInt16> = []
    /// Those the PF holds for this VF now: given up on stop, asked for again on start. Changed
    /// through `markHeldInPF` and `unmarkHeldInPF` only, which keep `vlanFilterBits` the same.
    private(set) var vlanFilterInPF: Set<UInt16> = []
    /// The same as 4096 bits, one per VID, as the 82599's VLAN filter table holds them (128
    /// 32-bit VFTA registers from 0xA000, `IXGBE_VFTA` in DPDK's `ixgbe_type.h`): a frame's
    /// VID is looked up in one load.
    private let vlanFilterBits: UnsafeMutablePointer<UInt64> = {
        let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        bits.initialize(repeating: 0, count: 64)
        return bits
    }()

    func markHeldInPF(_ vid: UInt16) {
        vlanFilterInPF.insert(vid)
        vlanFilterBits[Int(vid >> 6)] |= 1 << (vid & 63)
    }

    /// Whether the PF held `vid` for this VF.
    func unmarkHeldInPF(_ vid: UInt16) -> Bool {
        vlanFilterBits[Int(vid >> 6)] &= ~(1 << (vid & 63))
        return vlanFilterInPF.remove(vid) != nil
    }

    /// The PF's VLAN filter passes `vid` (1...4094) for this VF.
    @inline(__always)
    func holdsInPF(_ vid: UInt16) -> Bool { vlanFilterBits[Int(vid >> 6)] & (1 << (vid & 63)) != 0 }

    /// Events not yet taken by `takeEvents()`, oldest first.
    private var events: [MockEvent] = []

    /// Receive as ixgbevf's vector RX path, which it picks on x86 with default settings
    /// (`ixgbe_set_rx_function`) for rings of a multiple of 32 descriptors above 32: at most 32
    /// frames per call, a multiple of 4, none when asked for fewer than 4. False, or other rings:
    /// as its scalar path (`ixgbe_recv_pkts`), any count.
    public var vectorReceive = true { didSet { chooseReceivePath() } }
    /// The receive path in use, as `ixgbe_set_rx_function` chooses it.
    @exclusivity(unchecked) var receivesVectors = true
    /// The TX path in use handles frames of several buffers (`ixgbe_xmit_pkts`, chosen when the
    /// queue has an offload), else it sends their first buffer only (`truncatedChains`).
    @exclusivity(unchecked) var sendsChainsWhole = false
    /// TX frames stay in the ring: the wire (or the PF) takes nothing.
    @exclusivity(unchecked) public var txStalled = false
    /// The next this many frames arriving from the PF have a bad CRC and are dropped.
    @exclusivity(unchecked) public var corruptNextFrames = 0

    weak var nic: MockNIC?
    /// The RSS its PF programs; a standalone VF's PF is a DPDK one, with DPDK's defaults.
    var rss: MockRSS { nic?.rss ?? Self.standaloneRSS }
    static let standaloneRSS = MockRSS()
    let source: MockFrameSource?
    /// The same, unretained, for the receive path, which reaches it on every poll.
    let sourceRef: Unmanaged<MockFrameSource>?
    let sink: MockFrameSink?

    typealias DescriptorRing = Ring<UnsafeMutableRawPointer>
    /// Descriptor rings, one per queue: each holds buffers; capacity is the descriptor count.
    /// A TX queue's descriptors hold frames waiting for the wire (`txRings`) and frames sent
    /// whose buffers the driver has not reclaimed (`txDoneRings`): ixgbe frees sent buffers only
    /// `txReclaimBatch` at a time, once fewer than `txFreeThreshold` descriptors are free
    /// (`tx_xmit_pkts`, `ixgbe_tx_free_bufs`), so a busy queue keeps most of its ring's buffers
    /// out of the pool until the port stops.
    var rxRings: [DescriptorRing] = [] { didSet { rxRefs = Self.references(rxRings, replacing: rxRefs) } }
    /// Per RX queue, the empty buffers on its descriptors, armed for the NIC to fill: ixgbe gives
    /// every descriptor a buffer at start (`ixgbe_alloc_rx_queue_mbufs`: start fails without
    /// them) and new ones as the driver reads frames, so a started queue holds its ring's worth
    /// of the pool. The NIC may fill one fewer than are armed: the descriptor at the tail register
    /// stays the driver's (head == tail means the NIC has none; ixgbe starts with RDT = N - 1).
    var rxArmedRings: [DescriptorRing] = [] { didSet { rxArmedRefs = Self.references(rxArmedRings, replacing: rxArmedRefs) } }
    var txRings: [DescriptorRing] = [] { didSet { txRefs = Self.references(txRings, replacing: txRefs) } }
    var txDoneRings: [DescriptorRing] = [] { didSet { txDoneRefs = Self.references(txDoneRings, replacing: txDoneRefs) } }
    /// The same rings as unowned references, so the data path reaches them without retaining.
    @exclusivity(unchecked) var rxRefs = UnsafeMutableBufferPointer<Unmanaged<DescriptorRing>>(start: nil, count: 0)
    @exclusivity(unchecked) var rxArmedRefs = UnsafeMutableBufferPointer<Unmanaged<DescriptorRing>>(start: nil, count: 0)
    @exclusivity(unchecked) var txRefs = UnsafeMutableBufferPointer<Unmanaged<DescriptorRing>>(start: nil, count: 0)
    @exclusivity(unchecked) var txDoneRefs = UnsafeMutableBufferPointer<Unmanaged<DescriptorRing>>(start: nil, count: 0)
    /// ixgbe's TX defaults (DEFAULT_TX_FREE_THRESH, DEFAULT_TX_RS_THRESH).
    static let txFreeThreshold = 32
    static let txReclaimBatch = 32
    /// Buffers the "hardware" moves at once, and where: `txBurst` slots per TX queue, so
    /// queues used from different threads do not share them.
    static let txBurst = 64
    let txScratch = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: Intel82599.vfQueues * txBurst)
    /// ixgbe's vector RX gives read descriptors new buffers `rxRearmBatch` at a time, once more
    /// than that many wait (RTE_IXGBE_RXQ_REARM_THRESH); it needs rings of a multiple of its
    /// free threshold, also 32, above it (`check_rx_burst_bulk_alloc_preconditions`).
    static let rxRearmBatch = 32
    /// Per RX queue, descriptors read and not yet armed again (ixgbe's `rxrearm_nb`): filled,
    /// armed and these make the ring. Raw memory: the receive path updates it per poll.
    let rxRearmPending: UnsafeMutablePointer<Int> = {
        let pending = UnsafeMutablePointer<Int>.allocate(capacity: Intel82599.vfQueues)
        pending.initialize(repeating: 0, count: Intel82599.vfQueues)
        return pending
    }()
    /// `rxRearmBatch` slots per RX queue for buffers on their way from the pool to descriptors.
    let rxScratch = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: Intel82599.vfQueues * rxRearmBatch)
    /// Per TX queue, whether it ever sent a buffer of another pool (another port's): from then
    /// on its reclaim returns each buffer to its own pool, before then all in one bulk to this
    /// VF's, the mock's fastest way. Raw memory, one slot per queue, for the same reasons.
    let sentOtherPoolsBuffers: UnsafeMutablePointer<Bool> = {
        let flags = UnsafeMutablePointer<Bool>.allocate(capacity: Intel82599.vfQueues)
        flags.initialize(repeating: false, count: Intel82599.vfQueues)
        return flags
    }()
    /// Hardware registers: 32-bit packet counters and 36-bit byte counters, wrapping. In raw
    /// memory: the data path updates them per burst, and a stored `var` of a class pays a
    /// dynamic exclusivity check on every update.
    let hardware: UnsafeMutablePointer<HardwareCounters> = {
        let registers = UnsafeMutablePointer<HardwareCounters>.allocate(capacity: 1)
        registers.initialize(to: HardwareCounters())
        return registers
    }()
    /// What the driver last read of them, and the running totals (ixgbevf_update_stats).
    var readback = HardwareCounters()
    var totals = Counters()

    init(index: Int, mac: [UInt8], pool: MockPool, source: MockFrameSource? = nil, sink: MockFrameSink? = nil) {
        self.index = index
        self.mac = mac
        macKey = MACKey.of(mac)
        self.pool = pool
        self.source = source
        sourceRef = source.map { Unmanaged.passUnretained($0) }
        self.sink = sink
    }

    deinit {
        releaseRings()
        txScratch.deallocate()
        rxScratch.deallocate()
        rxRearmPending.deallocate()
        sentOtherPoolsBuffers.deallocate()
        hardware.deallocate()
        vlanFilterBits.deallocate()
        rxRefs.deallocate()
        rxArmedRefs.deallocate()
        txRefs.deallocate()
        txDoneRefs.deallocate()
    }

    static func references(_ rings: [DescriptorRing], replacing old: UnsafeMutableBufferPointer<Unmanaged<DescriptorRing>>)
        -> UnsafeMutableBufferPointer<Unmanaged<DescriptorRing>> {
        old.deallocate()
        let refs = UnsafeMutableBufferPointer<Unmanaged<DescriptorRing>>.allocate(capacity: rings.count)
        _ = refs.initialize(from: rings.map { Unmanaged.passUnretained($0) })
        return refs
    }

    /// A VF on its own, as vf-fwd's `mock:` devices are: frames come from `rxPcap` (looped with
    /// `infiniteRx`) and go to `txPcap` when the port stops; it sees everything, as a trusted,
    /// promiscuous VF does. Without `txPcap`, sent frames are counted and freed. It is VF
    /// `index` of a PF not modelled, with MAC 02:09:00:00:00:index.
    public convenience init(rxPcap: String?, txPcap: String?, infiniteRx: Bool = false, index: Int = 0, pool: MockPool) throws {
        self.init(index: index, mac: [0x02, 0x09, 0, 0, 0, UInt8(truncatingIfNeeded: index)], pool: pool,
                  source: try MockFrameSource(path: rxPcap, infinite: infiniteRx),
                  sink: try txPcap.map(MockFrameSink.init(path:)))
        trusted = true
        promiscuous = true
    }

    /// Writes the `tx_pcap` file of a standalone VF.
    public func flushCapture() throws { try sink?.flush() }

    /// A port for the forwarding engine and for users' code: a trivial handle.
    public var port: MockPort { MockPort(vf: self) }

    /// Fault injection: the link goes down or up, with its event.
    public func simulateLink(up: Bool) {
        guard up != linkUp else { return }
        linkUp = up
        events.append(up ? .linkUp : .linkDown)
    }

    /// Fault injection: the PF resets; the VF stops until reset, reconfigured and restarted.
    /// With `pfReady` false the PF stays away (a PF driver reload) and `reset()` fails until
    /// `simulatePFReady()`.
    public func simulatePFReset(pfReady: Bool = true) {
        state = .resetPending
        self.pfReady = pfReady
        events.append(.reset)
    }

    /// Fault injection: the PF is back; the VF's next `reset()` succeeds.
    public func simulatePFReady() { pfReady = true }

    /// Takes the events raised since the last call.
    public func takeEvents() -> [MockEvent] {
        defer { events = [] }
        return events
    }

    // MARK: - Counters

    /// As rte_eth_stats_get on ixgbevf: hardware deltas since the last read, wrap included.
    public var counters: Counters {
        let now = hardware.pointee
        totals.ipackets &+= UInt64(now.rxPackets &- readback.rxPackets)
        totals.opackets &+= UInt64(now.txPackets &- readback.txPackets)
        totals.ibytes &+= (now.rxBytes &- readback.rxBytes) & HardwareCounters.byteMask
        totals.obytes &+= (now.txBytes &- readback.txBytes) & HardwareCounters.byteMask
        readback = now
        return totals
    }

    /// Sets the hardware registers, as a long-running VF would have them (tests of wrap).
    public func presetHardwareCounters(packets: UInt32, bytes: UInt64) {
        _ = counters
        hardware.pointee = HardwareCounters(rxPackets: packets, rxBytes: bytes, txPackets: packets, txBytes: bytes)
        readback = hardware.pointee
    }

    public var deviceCounters: DeviceCounters {
        let c = counters
        return DeviceCounters(ipackets: c.ipackets, opackets: c.opackets, imissed: c.imissed, ierrors: c.ierrors,
                              oerrors: c.oerrors, rxNoMbuf: c.rxNoMbuf)
    }
}

/// What the VF raises, as ixgbevf raises RTE_ETH_EVENT_INTR_LSC and RTE_ETH_EVENT_INTR_RESET.
public enum MockEvent: Equatable, Sendable {
    case linkUp
    case linkDown
    case reset
}

/// The VF's statistics registers: packets 32-bit, bytes 36-bit, both wrapping (82599 datasheet, VF statistics registers; ixgbevf_update_stats).
struct HardwareCounters: Equatable {
    static let byteMask: UInt64 = (1 << 36) - 1
    var rxPackets: UInt32 = 0
    var rxBytes: UInt64 = 0
    var txPackets: UInt32 = 0
    var txBytes: UInt64 = 0

    mutating func received(_ bytes: Int, packets: Int = 1) {
        rxPackets &+= UInt32(truncatingIfNeeded: packets)
        rxBytes = (rxBytes &+ UInt64(bytes)) & Self.byteMask
    }

    mutating func sent(_ bytes: Int, packets: Int = 1) {
        txPackets &+= UInt32(truncatingIfNeeded: packets)
        txBytes = (txBytes &+ UInt64(bytes)) & Self.byteMask
    }
}
