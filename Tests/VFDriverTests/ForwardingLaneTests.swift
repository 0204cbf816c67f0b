import VFDriver
import XCTest

/// A port that wants receives of 32 frames or more, as ixgbevf's vector RX; it records what it
/// was asked for.
struct VectorReceivePort: PacketPort {
    let requested: UnsafeMutablePointer<Int>
    var insertsTags: Bool { false }
    var minimumReceiveBurst: Int { 32 }

    func receive(queue: UInt16, into buffers: UnsafeMutablePointer<MockBuffer>, capacity: Int) -> Int {
        requested.pointee = capacity
        return 0
    }

    func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<MockBuffer>, count: Int) -> Int { count }
}

final class ForwardingLaneTests: XCTestCase {
    /// `burst: 4` on an 82599 VF is below what its vector RX is made for; the lane asks for 32.
    func testBurstIsRaisedToWhatThePortNeeds() throws {
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: "mock:" }, { name: b, device: "mock:" }]
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            forwarding: { burst: 4 }
            """, file: "t.yaml")
        let plan = ForwardingPlan(config: config, insertsTags: [false, false], stripsTags: [false, false])
        let requested = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { requested.deallocate() }
        let port = VectorReceivePort(requested: requested)
        let lane = ForwardingLane(plan: plan, ports: [port, port], rxPairs: config.receiveQueues, txQueue: 0, burst: config.burst)
        _ = lane.poll()
        XCTAssertEqual(lane.burst, 32)
        XCTAssertEqual(requested.pointee, 32)
    }
}
