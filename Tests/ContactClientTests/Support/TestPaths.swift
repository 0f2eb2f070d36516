import Foundation

/// Where the package and its built executables are.
enum TestPaths {
    /// The package root: the nearest folder above this file holding `Package.swift`.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// `.build/debug/contactd`.
    static var daemon: String { packageRoot + "/.build/debug/contactd" }

    /// `.build/debug/contactctl`.
    static var contactctl: String { packageRoot + "/.build/debug/contactctl" }
}

/// A failure of the test support itself.
struct TestFailure: Error, CustomStringConvertible {
    /// What went wrong.
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
