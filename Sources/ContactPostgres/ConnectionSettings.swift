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
        self.configuration {
            self.tlsChoice.map { $0.required ? .require($0.configuration) : .prefer($0.configuration) } ?? .disable
        }
    }

    /// For one connection outside the pool (the schema check on start).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        try self.configuration {
            try self.tlsChoice.map {
                let context = try NIOSSLContext(configuration: $0.configuration)
                return $0.required ? .require(context) : .prefer(context)
            } ?? .disable
        }
    }

    /// A configuration for the URL's endpoint, user, password and database, with `tls` on TCP.
    private func configuration<Configuration: EndpointConfiguration>(
        tls: () throws -> Configuration.TLSMode
    ) rethrows -> Configuration {
        var configuration: Configuration
        switch self.url.endpoint {
        case .tcp(let host, let port):
            configuration = Configuration(
                host: host,
                port: port,
                username: self.url.user,
                password: self.url.password,
                database: self.url.database,
                tls: try tls()
            )
        case .unixSocket(let path):
            configuration = Configuration(
                unixSocketPath: path,
                username: self.url.user,
                password: self.url.password,
                database: self.url.database
            )
        }
        configuration.startupParameters = self.startupParameters
        return configuration
    }
}

/// PostgresNIO's two configuration types (pool and single connection), built the same way.
protocol EndpointConfiguration {
    /// The type's TLS setting.
    associatedtype TLSMode
    /// A TCP endpoint.
    init(host: String, port: Int, username: String, password: String?, database: String?, tls: TLSMode)
    /// A Unix-socket endpoint.
    init(unixSocketPath: String, username: String, password: String?, database: String?)
    /// The extra startup parameters every connection sends.
    var startupParameters: [(String, String)] { get set }
}

extension PostgresClient.Configuration: EndpointConfiguration {
    var startupParameters: [(String, String)] {
        get { self.options.additionalStartupParameters }
        set { self.options.additionalStartupParameters = newValue }
    }
}

extension PostgresConnection.Configuration: EndpointConfiguration {
    var startupParameters: [(String, String)] {
        get { self.options.additionalStartupParameters }
        set { self.options.additionalStartupParameters = newValue }
    }
}
