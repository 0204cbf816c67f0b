import XCTest
@testable import VFDriver

/// The forwarders' keeper of the drivers' counters over a whole run.
final class DeviceCounterTotalsTests: XCTestCase {
    func testReadsOnlyWhenTheIntervalHasPassed() {
        // Long enough that a loaded machine cannot stall the two calls below an interval apart.
        var totals = DeviceCounterTotals(ports: 1, readInterval: 300_000_000)
        var reads = 0
        totals.readIfDue { reads += 1 }
        XCTAssertEqual(reads, 0)
        usleep(310_000)
        totals.readIfDue { reads += 1 }
        totals.readIfDue { reads += 1 }
        XCTAssertEqual(reads, 1, "one read per interval")
    }

    func testCarriesCountersOverResets() {
        var totals = DeviceCounterTotals(ports: 2)
        totals.carryOver(port: 1, DeviceCounters(ipackets: 10, opackets: 9, imissed: 1))
        totals.carryOver(port: 1, DeviceCounters(ipackets: 5, rxNoMbuf: 2))
        XCTAssertEqual(totals.total(port: 1, current: DeviceCounters(ipackets: 1, oerrors: 3)),
                       DeviceCounters(ipackets: 16, opackets: 9, imissed: 1, oerrors: 3, rxNoMbuf: 2))
        XCTAssertEqual(totals.total(port: 0, current: DeviceCounters(ipackets: 7)), DeviceCounters(ipackets: 7))
    }
}
