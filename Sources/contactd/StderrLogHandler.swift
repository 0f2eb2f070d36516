import ContactCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Logs one line per message to standard error. Under systemd (`JOURNAL_STREAM` set) each line
/// starts with a syslog priority (`<6>`) that journald understands and carries no timestamp,
/// since the journal adds its own; otherwise it starts with an ISO 8601 time and the level.
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    private let label: String
    private let underJournal: Bool

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
        self.underJournal = getenv("JOURNAL_STREAM") != nil
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = ""
        if self.underJournal {
            line += "<\(Self.syslogPriority(event.level))>"
        } else {
            line += "\(Timestamp.now().iso8601) \(event.level) "
        }
        line += "\(self.label): \(event.message)"
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        FileDescriptorOutput.standardError.write(line + "\n")
    }

    private static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}
