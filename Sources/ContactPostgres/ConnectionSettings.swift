import PostgresNIO

/// The PostgresNIO configurations a ``PostgresURL`` stands for.
struct ConnectionSettings {
    /// The URL.
    let url: PostgresURL

    /// The TLS configuration `sslmode` asks for, and whether it is required; nil for no TLS.
    private var tlsChoice: (configuration: TLSConfiguration, required: Bool)? {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch self.url.sslMode {
        case .disable, .allow: return nil
        case .prefer: return (unverified, false)
        case .require: return (unverified, true)
        case .verifyFull: return (TLSConfiguration.makeClientConfiguration(), true)
        }
    }

    /// The startup parameters every connection sends.
    private var startupParameters: [(String, String)] {
        [("application_name", self.url.applicationName)]
    }

    /// For the connection pool.
    var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch self.url.endpoint {
        case .tcp(let host, let port):
            configuration = PostgresClient.Configuration(
                host: host,
                port: port,
                username: self.url.user,
                password: self.url.password,
                database: self.url.database,
                tls: self.tlsChoice.map { $0.required ? .require($0.configuration) : .prefer($0.configuration) }
                    ?? .disable
            )
        case .unixSocket(let path):
            configuration = PostgresClient.Configuration(
                unixSocketPath: path,
                username: self.url.user,
                password: self.url.password,
                database: self.url.database
            )
        }
        configuration.options.additionalStartupParameters = self.startupParameters
        return configuration
    }

    /// For one connection outside the pool (the schema check on start).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch self.url.endpoint {
        case .tcp(let host, let port):
            configuration = PostgresConnection.Configuration(
                host: host,
                port: port,
                username: self.url.user,
                password: self.url.password,
                database: self.url.database,
                tls: try self.tlsChoice.map {
                    let context = try NIOSSLContext(configuration: $0.configuration)
                    return $0.required ? .require(context) : .prefer(context)
                } ?? .disable
            )
        case .unixSocket(let path):
            configuration = PostgresConnection.Configuration(
                unixSocketPath: path,
                username: self.url.user,
                password: self.url.password,
                database: self.url.database
            )
        }
        configuration.options.additionalStartupParameters = self.startupParameters
        return configuration
    }
}
