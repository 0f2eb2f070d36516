import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's conversation with systemd: inherited sockets, readiness, status and watchdog.
public enum Systemd {
    /// Why socket activation could not be used.
    public struct ActivationError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// The one listening Unix stream socket systemd passed, nil when the daemon was not
    /// socket-activated (`LISTEN_FDS` unset). Throws when `LISTEN_FDS` is set but no usable socket
    /// was inherited (none, several, not a listening Unix stream socket, or `LISTEN_PID` names
    /// another process).
    public static func inheritedSocket() throws(ActivationError) -> CInt? {
        guard getenv("LISTEN_FDS") != nil else { return nil }
        let count = sd_listen_fds(1)
        if count < 0 {
            throw ActivationError(description: "LISTEN_FDS is set but unusable: \(String(cString: strerror(-count)))")
        }
        if count == 0 {
            throw ActivationError(
                description: "LISTEN_FDS is set but no socket was passed to this process (LISTEN_PID names another?)"
            )
        }
        if count > 1 {
            throw ActivationError(description: "systemd passed \(count) sockets; contactd serves exactly one")
        }
        let descriptor = SD_LISTEN_FDS_START
        guard sd_is_socket_unix(descriptor, CInt(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else {
            throw ActivationError(description: "the inherited socket is not a listening Unix stream socket")
        }
        return descriptor
    }

    /// Sends `state` (`READY=1`, `STATUS=…`, `STOPPING=1`, `WATCHDOG=1`) to the service manager,
    /// when there is one.
    public static func notify(_ state: String) {
        _ = sd_notify(0, state)
    }

    /// The watchdog ping interval (half of `WATCHDOG_USEC`) when systemd expects pings from this
    /// process, else nil.
    public static func watchdogInterval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds / 2))
    }
}
