import Foundation
import FuzzChecks
import Testing

/// Every committed fuzz input (FuzzTesting/Corpus and FuzzTesting/FailCases) through its
/// target's check, without the fuzzer runtime: a crash once found stays fixed.
struct FuzzReplayTests {
    /// `FuzzTesting/` of this checkout.
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzTesting")

    /// The files of `FuzzTesting/<folder>/<target>/`, sorted by name.
    private static func inputs(_ folder: String, _ target: FuzzTarget) -> [URL] {
        let directory = self.root.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Runs every input of `target` in `folder`; returns how many ran.
    private static func replay(_ folder: String, _ target: FuzzTarget) throws -> Int {
        let files = self.inputs(folder, target)
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            do {
                try target.check(bytes)
            } catch {
                Issue.record("\(target.rawValue) \(folder)/\(file.lastPathComponent): \(error.message)")
            }
        }
        return files.count
    }

    /// The seed and grown corpus of every target passes its check.
    @Test(arguments: FuzzTarget.allCases) func corpusPasses(_ target: FuzzTarget) throws {
        #expect(try Self.replay("Corpus", target) > 0, "no corpus for \(target.rawValue)")
    }

    /// Every input that once failed a check passes it now.
    @Test(arguments: FuzzTarget.allCases) func failCasesStayFixed(_ target: FuzzTarget) throws {
        _ = try Self.replay("FailCases", target)
    }
}
