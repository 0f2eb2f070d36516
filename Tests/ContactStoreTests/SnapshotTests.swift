import ContactCore
import Foundation
import Synchronization
import Testing

@testable import ContactStore

struct SnapshotTests {
    /// A snapshot, more writes (updates, deletes, stats, keys) and a restart give back the same
    /// contacts and keys byte for byte, from snapshot plus journal and then from snapshot alone.
    @Test func snapshotThenMoreWritesReopensByteForByte() async throws {
        let directory = TemporaryDirectory("snap")
        defer { directory.remove() }
        let store = try await openStore(directory, shards: 2)
        for project in ["alpha", "beta", "gamma"] {
            let client = Client(store, project: project)
            try await client.upsert((0..<120).map { "c\($0)" }.chunked(), value: #"{"deep":[1,2.5,"x"]}"#)
            try await client.recordMessages(["c1", "c2"], key: "msg-1")
        }
        try await store.snapshot()
        #expect(directory.files("snapshot").count == 2)
        for project in ["alpha", "beta", "delta"] {
            let client = Client(store, project: project)
            try await client.upsert(["c1", "new"], field: "later", value: "true", key: "after-\(project)")
            try await client.delete(["c2", "missing"])
            try await client.recordMessages(["c1"], at: "2024-02-29T23:59:59.999Z")
        }
        let expected = await dump(store)
        #expect(expected.count == 4)
        await store.closeWithoutSnapshot()

        let reopened = try await openStore(directory, shards: 2)
        #expect(await dump(reopened) == expected)
        try await reopened.close()
        #expect(directory.files("journal").count == 2)
        let again = try await openStore(directory, shards: 2)
        #expect(await dump(again) == expected)
        try await again.close()
    }

    /// A snapshot removes the older snapshot and the journal segments it covers; a shard with
    /// nothing new is not rewritten.
    @Test func snapshotRemovesWhatItCovers() async throws {
        let directory = TemporaryDirectory("covers")
        defer { directory.remove() }
        let store = try await openStore(directory)
        let client = Client(store, project: "p")
        try await client.upsert(["a"])
        let first = try #require(try await store.snapshot(shard: 0))
        #expect(first.sequence == 2)
        #expect(first.contacts == 1)
        #expect(directory.files("snapshot") == ["snapshot.1.0.0000000000000002"])
        #expect(directory.files("journal") == ["journal.1.0.0000000000000002"])
        #expect(try await store.snapshot(shard: 0) == nil)
        try await client.upsert(["b"])
        let second = try #require(try await store.snapshot(shard: 0))
        #expect(second.sequence == 3)
        #expect(directory.files("snapshot") == ["snapshot.1.0.0000000000000003"])
        #expect(directory.files("journal") == ["journal.1.0.0000000000000003"])
        try await store.close()
        #expect(directory.files("snapshot") == ["snapshot.1.0.0000000000000003"])
    }

    /// A flipped byte or a cut anywhere in a snapshot stops the start with the file and the
    /// offset of the bad block, and leaves every file as it was.
    @Test func damagedSnapshotStopsTheStart() async throws {
        let directory = TemporaryDirectory("bad-snap")
        defer { directory.remove() }
        let store = try await openStore(directory)
        try await Client(store, project: "p").upsert((0..<50).map { "c\($0)" })
        try await store.close()
        let name = try #require(directory.files("snapshot").first)
        let original = directory.read(name)
        let blocks = journalFrames(original)
        #expect(blocks.count == 3)  // project, contacts, end
        let middle = original.count / 2
        let hit = try #require(blocks.first { $0.offset <= middle && middle < $0.offset + $0.size })
        var flipped = original
        flipped[middle] ^= 0x01
        var badHeader = original
        badHeader[3] ^= 0x01
        let cases: [([UInt8], Int)] = [
            (flipped, hit.offset),
            (Array(original.dropLast(3)), blocks[2].offset),
            (badHeader, 0),
            (Array(original.prefix(40)), 32),
        ]
        for (damaged, offset) in cases {
            directory.write(name, damaged)
            let before = directory.list().map { directory.read($0) }
            await #expect {
                _ = try await openStore(directory)
            } throws: { error in
                guard let error = error as? StoreError else { return false }
                return error.code == .damaged && error.message.hasPrefix(directory.file(name) + ": ")
                    && error.message.contains("at byte \(offset) ")
            }
            #expect(directory.list().map { directory.read($0) } == before)
        }
    }

    /// Fuzz fail case `FuzzSnapshot/forged-contact-count-reserve`: a contacts block whose checksum
    /// holds but whose count (and its project's) claims 2^32 - 1 contacts is refused as damaged
    /// at that block, without reserving room for the contacts it claims (256 GiB).
    @Test func forgedContactCountIsRefusedWithoutAllocating() throws {
        let directory = TemporaryDirectory("forged-count")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let name = DataDirectory.FileName(kind: .snapshot, shards: 1, shard: 0, sequence: 1)
        var writer = BinaryWriter()
        writer.bytes = BinaryFormat.encode(
            BinaryFormat.Header(magic: BinaryFormat.snapshotMagic, shard: 0, shards: 1, sequence: 1)
        )
        var start = writer.startFrame()
        writer.u8(BinaryFormat.projectBlock)
        writer.string("p")
        writer.varint(Int(UInt32.max))
        writer.varint(0)
        writer.finishFrame(at: start)
        let contactsBlock = writer.bytes.count
        start = writer.startFrame()
        writer.u8(BinaryFormat.contactsBlock)
        writer.u32(UInt32.max)
        writer.bytes += [UInt8](repeating: 0, count: 16)
        writer.finishFrame(at: start)
        directory.write(name.name, writer.bytes)
        #expect {
            _ = try SnapshotFile.read(directory.file(name.name), name: name)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .damaged && error.message.contains("at byte \(contactsBlock) ")
        }
    }

    /// Snapshots taken while many tasks write lose nothing: the reopened store equals the
    /// store as it was when the writes ended. (The contacts carry a member no update touches,
    /// so most updates are journaled as profile patches, which a snapshot copied meanwhile may
    /// already hold.)
    @Test func snapshotsDuringWritesLoseNothing() async throws {
        let directory = TemporaryDirectory("busy")
        defer { directory.remove() }
        // fsync no: writers do not wait for syncs, so writes keep coming while a snapshot copies.
        let store = try await openStore(directory, shards: 2, fsync: .no)
        let padding = String(repeating: "p", count: 100)
        // Writers go on until the last snapshot is written, so it too is copied among writes.
        let snapshotsDone = DoneFlag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<6 {
                group.addTask {
                    let client = Client(store, project: "project-\(writer % 3)")
                    var round = 0
                    while round < 40 || !snapshotsDone.value.load(ordering: .relaxed) {
                        defer { round += 1 }
                        await Task.yield()  // so that the snapshot task gets a thread
                        let entries = ["w\(writer)-\(round % 7)", "shared"].map {
                            #"{"id":"\#($0)","profile":{"$set":{"n":\#(round)},"$setOnInsert":{"pad":"\#(padding)"}}}"#
                        }
                        try await client.run(
                            #"{"method":"contacts.upsert","apiKey":"k","contacts":[\#(entries.joined(separator: ","))]}"#
                        )
                        if round % 5 == 0 { try await client.delete(["w\(writer)-\((round + 3) % 7)"]) }
                    }
                }
            }
            group.addTask {
                for _ in 0..<6 {
                    try await store.snapshot()
                    try await Task.sleep(for: .milliseconds(5))
                }
                snapshotsDone.value.store(true, ordering: .relaxed)
            }
            try await group.waitForAll()
        }
        let expected = await dump(store)
        await store.closeWithoutSnapshot()
        let reopened = try await openStore(directory, shards: 2)
        #expect(await dump(reopened) == expected)
        try await reopened.close()
    }

    /// Leftover temporary files are ignored and removed on start.
    @Test func leftoverTemporaryFilesAreRemoved() async throws {
        let directory = TemporaryDirectory("tmp")
        defer { directory.remove() }
        let store = try await openStore(directory)
        try await Client(store, project: "p").upsert(["a"])
        try await store.close()
        directory.write("snapshot.1.0.00000000000000ff.tmp", Array("garbage".utf8))
        directory.write("LAYOUT.tmp", [])
        let reopened = try await openStore(directory)
        #expect(await contactCount(reopened) == 1)
        #expect(!directory.list().contains { $0.hasSuffix(".tmp") })
        try await reopened.close()
    }

    /// `runSnapshots` snapshots a shard early once its journal passes the limit, and returns
    /// when cancelled.
    @Test func journalLimitTriggersSnapshot() async throws {
        let directory = TemporaryDirectory("limit")
        defer { directory.remove() }
        let store = try await ContactStore.open(
            directory: directory.path,
            shardCount: 1,
            snapshotInterval: .seconds(3600),
            journalLimitBytes: 4096
        )
        let loop = Task { await store.runSnapshots() }
        let client = Client(store, project: "p")
        for round in 0..<20 { try await client.upsert((0..<10).map { "r\(round)-\($0)" }) }
        var waited = 0
        while directory.files("snapshot").isEmpty && waited < 100 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        #expect(!directory.files("snapshot").isEmpty)
        loop.cancel()
        await loop.value
        let expected = await dump(store)
        try await store.close()
        let reopened = try await openStore(directory)
        #expect(await dump(reopened) == expected)
        try await reopened.close()
    }
}

extension Array where Element == String {
    /// The first 50 (one request's worth).
    fileprivate func chunked() -> [String] { Array(self.prefix(50)) }
}

/// A flag one task sets and others read.
private final class DoneFlag: Sendable {
    let value = Atomic(false)
}
