import ArgumentParser
import ContactStore

/// `contactd check --data DIR [--repair]`: verifies a data folder offline (PROTOCOL.md section 12).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verifies every snapshot and journal of a data folder (the daemon not running on it).",
        discussion: """
            Prints, per file, what it holds and its first damage with the byte offset. Exits 0 when \
            every file is sound, 1 when one is damaged, 2 when the folder cannot be checked (missing, \
            or held by a running contactd). --repair cuts a damaged tail of a shard's last journal \
            segment after copying the cut bytes to FILE.cut-OFFSET beside it.
            """
    )

    @Option(help: "The data folder to check.")
    var data: String

    @Flag(help: "Cut a damaged journal tail (the cut bytes are kept beside the file).")
    var repair = false

    func run() throws {
        let report: FolderCheck.Report
        do {
            report = try FolderCheck.run(directory: self.data, repair: self.repair)
        } catch {
            FileDescriptorOutput.standardError.write("contactd check: \(error.message)\n")
            throw ExitCode(2)
        }
        var output = ""
        for line in report.repairs { output += "repaired: \(line)\n" }
        for file in report.files {
            output += "\(file.path): \(file.bytes) bytes, \(file.holds)\n"
            if let damage = file.damage {
                output += "  DAMAGED: \(damage)\(file.cuttableAt != nil && !self.repair ? " (--repair cuts it)" : "")\n"
            }
        }
        let damaged = report.files.filter { $0.damage != nil }.count
        output +=
            report.isSound
            ? "\(self.data): sound (\(report.files.count) files)\n"
            : "\(self.data): \(damaged) of \(report.files.count) files damaged\n"
        print(output, terminator: "")
        if !report.isSound { throw ExitCode(1) }
    }
}
