import ContactServer
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the keys file on SIGHUP (PROTOCOL.md section 10): a file that loads replaces the
/// keys for the next request of every connection; one that does not keeps the old keys, and
/// the log says why.
struct KeyReloadService: Service {
    /// SIGHUP, trapped before the daemon says it is ready.
    let hangups: UnixSignalsSequence
    /// The keys file.
    let path: String
    /// The keys in force.
    let keys: LiveKeys
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            for await _ in self.hangups {
                self.reload()
            }
        }
    }

    private func reload() {
        do {
            let ring = try KeyRing.load(path: self.path)
            self.keys.replace(with: ring)
            self.logger.notice(
                "SIGHUP: reloaded \(self.path): \(ring.count) keys (\(ring.adminCount) admin), \(ring.projects.count) projects"
            )
        } catch {
            self.logger.error("SIGHUP: keeping the old keys: \(error.description)")
        }
    }
}
