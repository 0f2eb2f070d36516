import ContactCore
import Foundation
import Testing

@testable import ContactStore

/// A fresh folder under the system's temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init(_ name: String = "store") {
        let base = FileManager.default.temporaryDirectory.path
        self.path = "\(base)/contactd-\(name)-\(UUID().uuidString)"
    }

    init(path: String) {
        self.path = path
    }

    /// `path/name`.
    func file(_ name: String) -> String { "\(self.path)/\(name)" }

    /// The names of the folder's entries, sorted.
    func list() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: self.path)) ?? []).sorted()
    }

    /// The data files of `kind`, oldest first.
    func files(_ kind: String) -> [String] {
        self.list().filter { $0.hasPrefix(kind + ".") && !$0.hasSuffix(".tmp") }
    }

    func read(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: self.file(name)) ?? Data())
    }

    func write(_ name: String, _ bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: self.file(name), contents: Data(bytes))
    }

    /// Copies every file into `other` (created).
    func copy(to other: TemporaryDirectory) {
        try? FileManager.default.createDirectory(atPath: other.path, withIntermediateDirectories: true)
        for name in self.list() where name != "LOCK" {
            other.write(name, self.read(name))
        }
    }

    func remove(_ name: String) {
        try? FileManager.default.removeItem(atPath: self.file(name))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

/// Runs requests against a store the way the server does: decode, execute on the project actor,
/// wait until the journal says the record is durable.
struct Client {
    let store: ContactStore
    let project: String
    let ids = ContactIDGenerator()
    var now = Timestamp(milliseconds: 1_700_000_000_000)

    init(_ store: ContactStore, project: String) {
        self.store = store
        self.project = project
    }

    /// Runs one request line; returns the response body.
    @discardableResult
    func run(_ line: String) async throws -> String {
        let envelope = try RequestEnvelope.decode(Array(line.utf8))
        let request = try Request.decode(envelope, limits: ProtocolLimits())
        let context = WriteContext(
            now: self.now,
            ids: self.ids,
            limits: ProtocolLimits(),
            fingerprint: Fingerprint(of: envelope.object)
        )
        let project = self.store.project(named: self.project)
        let reply = try await project.execute(request, context: context)
        if let sequence = reply.durableAfter {
            try await self.store.shard(ofProject: self.project).log.waitUntilDurable(sequence)
        }
        return String(decoding: reply.body, as: UTF8.self)
    }

    /// Upserts `ids` setting `field` to `value` (a JSON literal).
    @discardableResult
    func upsert(_ ids: [String], field: String = "n", value: String = "1", key: String? = nil) async throws -> String {
        let entries = ids.map { #"{"id":"\#($0)","profile":{"$set":{"\#(field)":\#(value)}}}"# }
        let keyMember = key.map { #","idempotencyKey":"\#($0)""# } ?? ""
        return try await self.run(
            #"{"method":"contacts.upsert","apiKey":"k","contacts":[\#(entries.joined(separator: ","))]\#(keyMember)}"#
        )
    }

    /// Deletes `ids`.
    @discardableResult
    func delete(_ ids: [String]) async throws -> String {
        let list = ids.map { #""\#($0)""# }.joined(separator: ",")
        return try await self.run(#"{"method":"contacts.delete","apiKey":"k","ids":[\#(list)]}"#)
    }

    /// Records a message for each of `ids` at `at`.
    @discardableResult
    func recordMessages(_ ids: [String], at: String = "2016-10-22T04:31:13Z", key: String? = nil) async throws -> String
    {
        let list = ids.map { #"{"id":"\#($0)","at":"\#(at)"}"# }.joined(separator: ",")
        let keyMember = key.map { #","idempotencyKey":"\#($0)""# } ?? ""
        return try await self.run(
            #"{"method":"contacts.recordMessages","apiKey":"k","messages":[\#(list)]\#(keyMember)}"#
        )
    }
}

/// Every project's contacts and remembered idempotency records, binary-encoded field by field,
/// keyed by project name: equal dumps mean byte-for-byte equal stores.
func dump(_ store: ContactStore) async -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    for shard in store.shards {
        for project in shard.allProjects {
            let state = await project.snapshot()
            if state.contacts.count == 0 && state.idempotency.count == 0 { continue }
            var writer = BinaryWriter()
            state.contacts.forEach { writer.contact($0) }
            writer.u8(0xEE)
            for record in state.idempotency.records { writer.record(record) }
            result[state.name] = writer.bytes
        }
    }
    return result
}

/// The number of contacts in every project.
func contactCount(_ store: ContactStore) async -> Int {
    await store.statistics().contacts
}

/// Opens `directory` with small test settings.
///
/// Retries "already running" for up to a second: other tests of the same process spawn daemons,
/// and a child between its fork and its exec briefly holds a copy of every descriptor, the lock
/// file's included (a flock lasts until the last copy closes). The daemon spawns nothing, so
/// this only happens in tests.
func openStore(
    _ directory: TemporaryDirectory,
    shards: Int = 1,
    fsync: FsyncMode = .always,
    operations: JournalFileOperations = .system
) async throws -> ContactStore {
    let deadline = ContinuousClock.now + .seconds(1)
    while true {
        let result: Result<ContactStore, StoreError>
        do throws(StoreError) {
            result = .success(
                try await ContactStore.open(
                    directory: directory.path,
                    shardCount: shards,
                    fsync: fsync,
                    snapshotInterval: .seconds(3600),
                    journalLimitBytes: 64 << 20,
                    operations: operations
                )
            )
        } catch {
            result = .failure(error)
        }
        if case .failure(let error) = result, error.code == .alreadyRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            continue
        }
        return try result.get()
    }
}

/// The frames of a journal segment (either format version): offset, size including the
/// prefix, and the payload's range.
func journalFrames(_ bytes: [UInt8]) -> [(offset: Int, size: Int, payload: Range<Int>)] {
    var frames: [(Int, Int, Range<Int>)] = []
    bytes.withUnsafeBytes { buffer in
        guard let header = BinaryFormat.decodeHeader(buffer) else { return }
        let codec = FrameCodec(header: header)
        var offset = header.size
        while let payload = codec.frame(in: buffer, at: offset) {
            frames.append((offset, payload.upperBound - offset, payload))
            offset = payload.upperBound
        }
    }
    return frames
}
