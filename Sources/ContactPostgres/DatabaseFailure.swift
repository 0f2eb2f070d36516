import ContactStore
import PostgresNIO

/// What a PostgreSQL client error means for a request: its SQLSTATE, whether running the
/// transaction again may succeed, and the ``StoreError`` the client's 503 carries.
struct DatabaseFailure {
    /// The error as thrown.
    let error: any Error

    /// The innermost ``PSQLError``: a transaction's errors wrap the one that failed it.
    var postgresError: PSQLError? {
        var current: any Error = self.error
        while true {
            if let psql = current as? PSQLError { return psql }
            if let transaction = current as? PostgresTransactionError {
                if let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError {
                    current = inner
                    continue
                }
            }
            return nil
        }
    }

    /// The server's SQLSTATE, when the server refused something.
    var sqlState: String? {
        self.postgresError?.serverInfo?[.sqlState]
    }

    /// True when the server answered and refused (an error, TLS it does not offer, an
    /// authentication this client cannot do), as opposed to a server that cannot be reached:
    /// trying again would not help.
    var isRefusal: Bool {
        guard let code = self.postgresError?.code else { return false }
        let refusals: [PSQLError.Code] = [
            .server, .sslUnsupported, .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError,
        ]
        return refusals.contains(code)
    }

    /// True for a deadlock or serialisation failure: the transaction was rolled back and may run again.
    var isRetryable: Bool {
        self.sqlState == "40P01" || self.sqlState == "40001"
    }

    /// A sentence for the log and for the client's 503 (it names no data of the request).
    var message: String {
        if let error = self.error as? StoreError { return error.message }
        if self.error is LeaseTimeout {
            return "PostgreSQL cannot be reached: no connection within the wait (contactd reconnects by itself)"
        }
        if let psql = self.postgresError {
            if let info = psql.serverInfo {
                let state = info[.sqlState] ?? "?"
                return "PostgreSQL refused: \(info[.message] ?? "error") (SQLSTATE \(state))"
            }
            if self.isRefusal { return "PostgreSQL refused the connection (\(psql.code))" }
            return "PostgreSQL cannot be reached (\(psql.code)); contactd reconnects by itself"
        }
        return "PostgreSQL cannot be reached (\(self.error)); contactd reconnects by itself"
    }

    /// The store error a request that failed this way throws.
    var storeError: StoreError {
        if let error = self.error as? StoreError { return error }
        return StoreError(.io, self.message)
    }
}

/// No pooled connection became free within the store's wait: the database is down or overloaded.
struct LeaseTimeout: Error {}
