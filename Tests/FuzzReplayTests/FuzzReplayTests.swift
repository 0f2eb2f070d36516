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

    /// Fail cases whose fix is being made on another branch, by file name: they are run, and a
    /// failure is reported as a known issue. Remove an entry once its fix is merged.
    private static let pendingFixes: [String: String] = [:]

    /// Runs every input of `target` in `folder`; returns how many ran.
    private static func replay(_ folder: String, _ target: FuzzTarget) throws -> Int {
        let files = self.inputs(folder, target)
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            let name = file.lastPathComponent
            if let pending = self.pendingFixes[name] {
                withKnownIssue("pending fix: \(pending)", isIntermittent: true) {
                    try target.check(bytes)
                }
                continue
            }
            do {
                try target.check(bytes)
            } catch {
                Issue.record("\(target.rawValue) \(folder)/\(name): \(error.message)")
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
