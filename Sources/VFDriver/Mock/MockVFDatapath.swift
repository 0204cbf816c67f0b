/// The mock VF's data path: what the hardware does with a frame arriving from the PF, and what
/// the driver's burst receive and transmit do with the descriptor rings.
extension MockVF {
    /// What became of a frame offered to the VF by its PF.
    enum Arrival {
        /// Its MAC and VLAN filters did not select this VF.
        case notForThisVF
        /// Selected, then lost: VF not receiving, a bad frame (`ierrors`), no descriptor
        /// (`imissed`) or no buffer (`rx_nombuf`).
        case dropped
        case received
    }

    /// A frame from the PF (its uplink or its VEB) reaches the VF's pool through the filters the
    /// 82599 applies: MAC, size and CRC, port VLAN or VLAN filter.
    @discardableResult
    func arrive(_ bytes: UnsafeRawBufferPointer) -> Arrival {
        // The MAC drops bad frames before the pools see them; the mock counts each at the VF
        // it was for, not at every VF of the PF (a frame too short to name one: nowhere).
        guard bytes.count >= 6, acceptsDestination(bytes) else { return .notForThisVF }
        guard state == .started, linkUp, receiveEnabled else { return .dropped }
        if corruptNextFrames > 0 {
            corruptNextFrames = corruptNextFrames - 1
            totals.ierrors += 1  // CRC error: the MAC drops it (CRCERRS)
            return .dropped
        }
        // Undersize (RUC) below the Ethernet minimum; oversize (ROC) above MTU plus overhead.
        guard bytes.count >= Intel82599.minimumFrame, bytes.count <= configuration.mtu + Self.frameOverhead else {
            totals.ierrors += 1
            return .dropped
        }
        let tagged = bytes[12] == 0x81 && bytes[13] == 0x00
        let vid = tagged ? (UInt16(bytes[14]) << 8 | UInt16(bytes[15])) & 0x0fff : 0
        var portTag: UInt16?
        if let port = portVLAN {
            // The PF strips the port VLAN; other frames never reach this VF.
            guard tagged, vid == port else { return .notForThisVF }
            portTag = port
        } else if tagged && vid != 0 && !holdsInPF(vid) && !promiscuous {
            return .notForThisVF
        }
        let queue = rxRings.count == 1 ? 0 : rss.queue(of: bytes, queues: rxRings.count)
        guard let buffer = takeArmedBuffer(queue) else {
            totals.imissed += 1
            return .dropped
        }
        // The size check above and configure()'s keep the frame within the buffer.
        let stored: Bool
        if portTag != nil {
            // Remove the PF's tag: the VF sees the frame as sent inside the port VLAN.
            stored = buffer.setFrame(UnsafeRawBufferPointer(rebasing: bytes[0..<12]))
                && buffer.append(UnsafeRawBufferPointer(rebasing: bytes[16...]))
        } else {
            stored = buffer.setFrame(bytes)
        }
        precondition(stored, "an RX buffer smaller than the port's largest frame")
        hardware.pointee.received(bytes.count)
        if configuration.vlanStrip { MockVF.strip(buffer) }
        _ = rxRefs[queue]._withUnsafeGuaranteedRef { $0.enqueue(buffer.raw) }
        return .received
    }

    /// Buffers on the VF's RX descriptors: armed for the NIC, or holding frames not yet read.
    /// A started VF keeps about a ring's worth of its pool (`ixgbe_alloc_rx_queue_mbufs`).
    public var buffersOnReceiveDescriptors: Int {
        (0..<rxRefs.count).reduce(0) { sum, q in
            sum + rxRefs[q]._withUnsafeGuaranteedRef { $0.count } + rxArmedRefs[q]._withUnsafeGuaranteedRef { $0.count }
        }
    }

    /// Buffers on the VF's TX descriptors: frames waiting for the wire, and sent ones whose
    /// buffers the driver has not reclaimed yet (ixgbe reclaims 32 at a time).
    public var buffersOnTransmitDescriptors: Int {
        (0..<txRefs.count).reduce(0) { sum, q in
            sum + txRefs[q]._withUnsafeGuaranteedRef { $0.count } + txDoneRefs[q]._withUnsafeGuaranteedRef { $0.count }
        }
    }

    /// Frames the NIC can store before one of the VF's RX queues has no descriptor to fill (a
    /// VF not started takes none, and loses what comes: it has room for all).
    var receiveRoom: Int {
        state != .started ? Int.max : (0..<rxArmedRefs.count).reduce(Int.max) { min($0, fillableDescriptors($1)) }
    }

    /// RX descriptors of `queue` the NIC may fill now: every armed one but the one at the tail
    /// register, which is never the NIC's.
    func fillableDescriptors(_ queue: Int) -> Int { rxArmedRefs[queue]._withUnsafeGuaranteedRef { $0.count } - 1 }

    /// The buffer of the next descriptor the NIC fills on RX `queue`, or nil when it has none.
    func takeArmedBuffer(_ queue: Int) -> MockBuffer? {
        guard fillableDescriptors(queue) > 0 else { return nil }
        return rxArmedRefs[queue]._withUnsafeGuaranteedRef { $0.dequeue() }.map(MockBuffer.init(raw:))
    }

    /// RXDCTL.VME: the outer 0x8100 tag moves into the descriptor (mbuf vlan_tci).
    static func strip(_ buffer: MockBuffer) {
        let p = buffer.data
        guard buffer.length >= 18, p[12] == 0x81, p[13] == 0x00 else { return }
        let tci = UInt16(p[14]) << 8 | UInt16(p[15])
        UnsafeMutableRawPointer(p + 4).copyMemory(from: p, byteCount: 12)
        buffer.trimFront(4)
        buffer.markStripped(tci: tci)
    }

    /// What the PF's anti-spoofing drops (spoofchk: MAC and VLAN at once, as
    /// ixgbe_ndo_set_vf_spoofchk sets both): a source MAC not the VF's, or an 802.1Q tag of a
    /// VLAN the VF has no filter entry for (VID 0 is every VF's, ixgbe_set_vf_vlan for tagless access).
    func isSpoofed(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard frame.count >= 12, MACKey.at(6, in: frame) == macKey else { return true }
        guard frame.count >= 16, frame[12] == 0x81, frame[13] == 0x00 else { return false }
        let vid = (UInt16(frame[14]) << 8 | UInt16(frame[15])) & 0x0fff
        return vid != 0 && !holdsInPF(vid)
    }

    /// `address` is the VF's MAC or one of its MAC filter entries.
    func hasUnicast(_ address: UInt64) -> Bool { address == macKey || addedMACKeys.contains(address) }

    func acceptsDestination(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if promiscuous { return true }
        let destination = MACKey.at(0, in: bytes)
        if hasUnicast(destination) || destination == MACKey.broadcast { return true }
        return MACKey.isMulticast(destination) && (allMulticast || multicastKeys.contains(destination))
    }

    // MARK: - Driver side

    @usableFromInline
    func receive(queue: Int, into buffers: UnsafeMutablePointer<MockBuffer>, capacity: Int) -> Int {
        guard state == .started else { return 0 }
        let vector = receivesVectors
        let wanted = vector ? Self.vectorReceiveCount(capacity) : capacity
        guard wanted > 0 else { return 0 }
        // ixgbe's vector RX arms read descriptors again first; its scalar RX arms each one as it
        // takes its frame, and stops at the first it cannot.
        if vector { rearm(queue) }
        sourceRef?._withUnsafeGuaranteedRef { $0.refill(self, queue: queue, upTo: wanted) }
        let rx = rxRefs[queue]
        let taking = vector ? wanted : armReplacements(queue, count: min(wanted, rx._withUnsafeGuaranteedRef { $0.count }))
        let taken = buffers.withMemoryRebound(to: UnsafeMutableRawPointer.self, capacity: wanted) { raw in
            rx._withUnsafeGuaranteedRef { $0.dequeueBurst(into: raw, count: taking) }
        }
        if vector { rxRearmPending[queue] &+= taken }
        return taken
    }

    /// `ixgbe_rxq_rearm`: once more than `rxRearmBatch` read descriptors wait, the next batch
    /// gets buffers from the pool, all or none; none counts the whole batch as `rx_nombuf`.
    func rearm(_ queue: Int) {
        guard rxRearmPending[queue] > Self.rxRearmBatch else { return }
        let scratch = rxScratch + queue * Self.rxRearmBatch
        guard pool.allocateBulk(into: scratch, count: Self.rxRearmBatch) else {
            totals.rxNoMbuf &+= UInt64(Self.rxRearmBatch)
            return
        }
        _ = rxArmedRefs[queue]._withUnsafeGuaranteedRef { $0.enqueueBulk(scratch, count: Self.rxRearmBatch) }
        rxRearmPending[queue] &-= Self.rxRearmBatch
    }

    /// `ixgbe_recv_pkts`: a new buffer for the descriptor of each frame taken, up to `count`;
    /// the first that the pool cannot give ends the receive (`rx_mbuf_alloc_failed` + 1), its
    /// frame left for a later one. Returns how many frames may be taken.
    func armReplacements(_ queue: Int, count: Int) -> Int {
        let armed = rxArmedRefs[queue]
        for taken in 0..<count {
            guard let buffer = pool.allocate() else {
                totals.rxNoMbuf &+= 1
                return taken
            }
            _ = armed._withUnsafeGuaranteedRef { $0.enqueue(buffer.raw) }
        }
        return count
    }

    /// What ixgbe's vector RX takes of a request for `capacity` frames: at most 32 (its rearm
    /// threshold), in groups of 4 descriptors, so none below 4 (`_recv_raw_pkts_vec`).
    static func vectorReceiveCount(_ capacity: Int) -> Int { min(capacity, 32) & ~3 }

    @usableFromInline
    func transmit(queue: Int, from buffers: UnsafeMutablePointer<MockBuffer>, count: Int) -> Int {
        guard state == .started else { return 0 }
        let room = freeTXDescriptors(queue)
        let taken = buffers.withMemoryRebound(to: UnsafeMutableRawPointer.self, capacity: count) { raw in
            txRefs[queue]._withUnsafeGuaranteedRef { $0.enqueueBurst(raw, count: min(count, room)) }
        }
        processTransmit(queue: queue)
        return taken
    }

    /// TX descriptors of `queue` free for new frames, after giving the pool one batch of sent
    /// buffers when fewer than `txFreeThreshold` are free, as ixgbe's `tx_xmit_pkts` does. One
    /// descriptor is never used (`ixgbe_reset_tx_queue`: nb_tx_free = nb_tx_desc - 1).
    func freeTXDescriptors(_ queue: Int) -> Int {
        let waiting = txRefs[queue]._withUnsafeGuaranteedRef { $0.count }
        let done = txDoneRefs[queue]
        let free = configuration.txDescriptors - 1 - waiting - done._withUnsafeGuaranteedRef { $0.count }
        guard free < Self.txFreeThreshold else { return free }
        let scratch = txScratch + queue * Self.txBurst
        let reclaimed = done._withUnsafeGuaranteedRef { $0.dequeueBulk(into: scratch, count: Self.txReclaimBatch) }
        if sentOtherPoolsBuffers[queue] {
            MockPool.releaseToOwners(scratch, count: reclaimed)
        } else {
            pool.releaseBulk(scratch, count: reclaimed)
        }
        return free + reclaimed
    }

    /// The hardware sends what waits in TX `queue`, unless stalled or the link is down; the
    /// buffers stay on their descriptors until the driver reclaims them (`txDoneRings`).
    func processTransmit(queue: Int) {
        guard !txStalled, linkUp, state == .started else { return }
        let insert = configuration.vlanInsert, cutsChains = !sendsChainsWhole
        let waiting = txRefs[queue], done = txDoneRefs[queue]
        let scratch = txScratch + queue * Self.txBurst
        let ownPool = Unmanaged.passUnretained(pool).toOpaque()
        // Loaded once, kept for the call and passed unretained: the NIC is weakly referenced,
        // which makes every retain and release of it a slow runtime call.
        let retainedNIC = self.nic
        let nic = retainedNIC.map(Unmanaged.passUnretained)
        defer { withExtendedLifetime(retainedNIC) {} }
        // With nowhere to deliver, each burst is counted once, as the wire would count it.
        let delivers = nic != nil || sink != nil || insert
        var otherPools = false
        while true {
            let n = waiting._withUnsafeGuaranteedRef { $0.dequeueBurst(into: scratch, count: Self.txBurst) }
            if n == 0 { break }
            var octets = 0
            for i in 0..<n {
                let buffer = MockBuffer(raw: scratch[i])
                if cutsChains && buffer.cutToFirstSegment() { totals.truncatedChains &+= 1 }
                otherPools = otherPools || buffer.header.pointee.pool != ownPool
                if delivers { send(buffer, to: nic) } else { octets += buffer.length }
                buffer.freeTrailingSegments()
            }
            if !delivers { hardware.pointee.sent(octets, packets: n) }
            // Always room: both rings share the queue's descriptors, which transmit never overfills.
            _ = done._withUnsafeGuaranteedRef { $0.enqueueBulk(scratch, count: n) }
        }
        if otherPools { sentOtherPoolsBuffers[queue] = true }
    }

    /// One frame leaves the VF: TX VLAN insert, then the PF `nic` (anti-spoofing, port VLAN,
    /// switching) or, for a standalone port, the `tx_pcap` sink. The caller frees the buffer.
    func send(_ buffer: MockBuffer, to nic: Unmanaged<MockNIC>?) {
        if let tci = buffer.insertTCI, configuration.vlanInsert {
            // The NIC writes TPID 0x8100 and the TCI after the MACs; a frame shorter than its
            // MACs has no place for them, and counts as a TX error.
            guard buffer.length >= TagStack.macBytes, let p = buffer.prepend(4) else { totals.oerrors += 1; return }
            UnsafeMutableRawPointer(p).copyMemory(from: p + 4, byteCount: 12)
            p[12] = 0x81; p[13] = 0x00; p[14] = UInt8(tci >> 8); p[15] = UInt8(tci & 0xff)
        }
        if let nic {
            buffer.withFrame { frame in
                if spoofCheck && isSpoofed(frame) {
                    totals.spoofed += 1
                    return
                }
                hardware.pointee.sent(frame.count)
                nic._withUnsafeGuaranteedRef { $0.switchFrame(frame, from: self) }
            }
        } else {
            hardware.pointee.sent(buffer.length)
            sink?.write(buffer)
        }
    }
}
