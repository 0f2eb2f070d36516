import Foundation
import Testing

@testable import ContactStore

/// The threads the store starts for the disk carry the names they are given.
@Suite struct DedicatedThreadTests {
    /// A dedicated thread is named as asked, so `top -H` and `perf` show what it does.
    @Test func threadCarriesItsName() async throws {
        let name = try await DedicatedThread.run(name: "probe-thread") { () throws(StoreError) -> String in
            (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        }
        #expect(name == "probe-thread\n")
    }

    /// A name longer than the kernel's 15 bytes is cut at a character boundary, never mid-character.
    @Test func longNameIsCutAtACharacterBoundary() async throws {
        let name = try await DedicatedThread.run(name: "snapshot-ééééééé") { () throws(StoreError) -> String in
            (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        }
        #expect(name == "snapshot-ééé\n")
    }
}
