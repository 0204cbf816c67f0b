import PacketRing

/// The mock VF's control path, as an application drives ixgbevf through ethdev:
/// rte_eth_dev_configure and queue setup, start, stop, close, and reset after the PF's.
extension MockVF {
    /// What an 82599 VF whose PF gives it `maxQueues` queues refuses of `c`, or nil, as ixgbevf
    /// refuses it.
    public static func configurationProblem(_ c: PortConfiguration, maxQueues: Int) -> String? {
        guard (1...maxQueues).contains(c.rxQueues), c.rxQueues & (c.rxQueues - 1) == 0 else {
            return "RX queues must be a power of two up to \(maxQueues), got \(c.rxQueues)"
        }
        guard (1...maxQueues).contains(c.txQueues) else { return "TX queues must be 1...\(maxQueues), got \(c.txQueues)" }
        if let problem = Intel82599.ringProblem(rx: c.rxDescriptors, tx: c.txDescriptors) { return problem }
        guard (68...maxMTU).contains(c.mtu) else { return "MTU must be 68...\(maxMTU), got \(c.mtu)" }
        return nil
    }

    public func configure(_ c: PortConfiguration) throws(MockError) {
        guard state != .started else { throw .busy("stop the port before configuring it") }
        guard state != .resetPending else { throw .busy("the PF reset: call reset() first") }
        if let problem = Self.configurationProblem(c, maxQueues: nic?.queuesPerVF ?? Intel82599.vfQueues) { throw .unsupported(problem) }
        guard Self.frameOverhead + c.mtu + MockPool.headroom <= pool.bufferBytes - MockBuffer.headerBytes else {
            throw .unsupported("pool buffers cannot hold MTU \(c.mtu) frames")
        }
        releaseRings()
        configuration = c
        chooseReceivePath()
        // ixgbe_set_tx_function: without offloads, the simple or vector TX path.
        sendsChainsWhole = c.transmitsChains || c.vlanInsert
        rxRings = (0..<c.rxQueues).map { _ in Ring(capacity: c.rxDescriptors) }
        rxArmedRings = (0..<c.rxQueues).map { _ in Ring(capacity: c.rxDescriptors) }
        txRings = (0..<c.txQueues).map { _ in Ring(capacity: c.txDescriptors) }
        txDoneRings = (0..<c.txQueues).map { _ in Ring(capacity: c.txDescriptors) }
        // As EthPort on an 82599 VF: the port's VIDs and MACs are added; others stay.
        for vid in c.vlanFilter { try setVLANFilter(vid, on: true) }
        for address in c.macAddresses { try addMACAddress(address) }
    }

    public func start() throws(MockError) {
        guard state != .resetPending else { throw .busy("the PF reset: call reset() first") }
        guard !rxRings.isEmpty else { throw .busy("configure the port first") }
        guard state != .started else { return }
        try armReceiveDescriptors()
        // ixgbevf_dev_rx_init asks the PF for MTU + 18-byte frames (IXGBE_ETH_OVERHEAD).
        receiveEnabled = nic.map { configuration.mtu <= 1500 || $0.pfMTU > 1500 } ?? true
        // ixgbevf_dev_start replays the shadow VFTA, ignoring what the PF refuses.
        for vid in vlanFilter.subtracting(vlanFilterInPF) where (try? claimInPF(vid)) != nil {}
        state = .started
    }

    /// Stops the port; frames still in TX descriptors go out first (as a stopping NIC drains),
    /// unless the wire takes none (stalled, link down). Then every buffer on a descriptor goes
    /// back to the pool, frames received but not polled included (ixgbevf_dev_stop:
    /// ixgbe_dev_clear_queues). The VLAN filter entries go back to the PF, the driver keeps its list.
    public func stop() {
        if state == .started { txRefs.indices.forEach { processTransmit(queue: $0) } }
        if state != .resetPending { state = .stopped }
        emptyRings()
        releaseVLANFilterInPF()
    }

    /// rte_eth_dev_close: the port stops and its queues are released (their buffers return to
    /// the pool); its counters stay readable. ixgbevf_dev_close resets the VF, and the PF drops
    /// its MAC filter entries.
    public func close() {
        stop()
        releaseRings()
        releaseAddedMACs()
        state = .stopped
    }

    /// rte_eth_dev_reset after a PF reset: queues are released (their buffers return to the
    /// pool), the counters start again from zero (eth_ixgbevf_dev_init calls
    /// ixgbevf_dev_stats_reset) and the port must be configured and started again.
    /// While the PF is not back (`pfReady` false) it fails as ixgbevf's does, the PF not
    /// answering on the mailbox (eth_ixgbevf_dev_init: -EIO), and the VF stays `resetPending`.
    public func reset() throws(MockError) {
        releaseRings()
        releaseVLANFilterInPF()
        vlanFilter = []
        releaseAddedMACs()
        guard pfReady else { throw .busy("the PF does not answer (ixgbevf init: -EIO); try the reset again later") }
        totals = Counters()
        readback = hardware.pointee
        state = .stopped
    }

    /// ixgbe_set_rx_function: the vector path when check_rx_burst_bulk_alloc_preconditions hold.
    func chooseReceivePath() {
        let descriptors = configuration.rxDescriptors
        receivesVectors = vectorReceive && descriptors > Self.rxRearmBatch && descriptors % Self.rxRearmBatch == 0
    }

    /// A buffer on every RX descriptor, as `ixgbevf_dev_start` puts one there
    /// (`ixgbe_alloc_rx_queue_mbufs`), or none and the error it returns (-ENOMEM).
    func armReceiveDescriptors() throws(MockError) {
        let available = pool.availableCount
        for (queue, armed) in rxArmedRings.enumerated() {
            rxRearmPending[queue] = 0
            while armed.freeCount > 0 {
                guard let buffer = pool.allocate() else {
                    emptyRings()
                    throw .outOfBuffers("\(rxRings.count) RX queue(s) of \(configuration.rxDescriptors) descriptors need a buffer "
                        + "on each and the pool has \(available) free (ixgbe_alloc_rx_queue_mbufs: -ENOMEM): "
                        + "size the pool for every descriptor of every port")
                }
                _ = armed.enqueue(buffer.raw)
            }
        }
    }

    /// Every buffer in a descriptor ring back to the pool (a sent one has only its first segment
    /// left), as queue release does.
    func emptyRings() {
        for ring in rxRings + rxArmedRings + txRings + txDoneRings {
            while let raw = ring.dequeue() { MockBuffer(raw: raw).free() }
        }
    }

    func releaseRings() {
        emptyRings()
        rxRings = []
        rxArmedRings = []
        txRings = []
        txDoneRings = []
    }
}
