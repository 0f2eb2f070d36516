import ContactPostgres
import Testing

/// `--store` URLs read by libpq's rules.
struct PostgresURLTests {
    /// The contract's example: a Unix-socket folder in `host`, the URL's host part ignored.
    @Test func unixSocketFolderInHostParameter() throws {
        let url = try PostgresURL("postgresql://postgres@localhost/contactd?host=/run/postgresql")
        #expect(url.endpoint == .unixSocket(path: "/run/postgresql/.s.PGSQL.5432"))
        #expect(url.user == "postgres")
        #expect(url.database == "contactd")
        #expect(url.password == nil)
        #expect(url.sslMode == .prefer)
        #expect(url.applicationName == "contactd")
    }

    /// Host, port, percent-escaped password, sslmode and application_name.
    @Test func tcpWithEverything() throws {
        let url = try PostgresURL(
            "postgres://app:p%40ss%2Fw@db.example:6432/contacts?sslmode=disable&application_name=host-7"
        )
        #expect(url.endpoint == .tcp(host: "db.example", port: 6432))
        #expect(url.user == "app")
        #expect(url.password == "p@ss/w")
        #expect(url.database == "contacts")
        #expect(url.sslMode == .disable)
        #expect(url.applicationName == "host-7")
        #expect(!url.redacted.contains("p@ss"))
    }

    /// Parameters override the URL's parts; a missing user and database take libpq's defaults.
    @Test func parametersAndDefaults() throws {
        let url = try PostgresURL(
            "postgresql:///?host=/tmp/pg&port=5433&password=secret&dbname=other",
            defaultUser: "osuser"
        )
        #expect(url.endpoint == .unixSocket(path: "/tmp/pg/.s.PGSQL.5433"))
        #expect(url.user == "osuser")
        #expect(url.password == "secret")
        #expect(url.database == "other")
        let bare = try PostgresURL("postgresql://", defaultUser: "osuser")
        #expect(bare.endpoint == .tcp(host: "localhost", port: 5432))
        #expect(bare.database == "osuser")
        let ipv6 = try PostgresURL("postgresql://u@[::1]:5000/d")
        #expect(ipv6.endpoint == .tcp(host: "::1", port: 5000))
    }

    /// Anything libpq would not take, or that this daemon does not support, is refused by name.
    @Test(arguments: [
        ("http://x/y", "postgresql://"),
        ("postgresql://u@h/d?sslmode=verify-ca", "verify-ca"),
        ("postgresql://u@h/d?sslmode=sometimes", "sometimes"),
        ("postgresql://u@h/d?options=-c", "options"),
        ("postgresql://u@h:0/d", "port"),
        ("postgresql://u@h:abc/d", "port"),
        ("postgresql://u@h1,h2/d", "several hosts"),
        ("postgresql://u@h/d%zz", "percent-escape"),
        ("postgresql://u@h/d?sslmode", "no value"),
    ])
    func refused(text: String, mentions: String) {
        #expect {
            try PostgresURL(text, defaultUser: "u")
        } throws: { error in
            (error as? PostgresURLError)?.description.contains(mentions) == true
        }
    }
}
