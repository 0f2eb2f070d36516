import ContactCore
import Testing

@testable import ContactStore

struct RecoveryTests {
    /// A second open of a locked folder fails with "already running"; after close it opens.
    @Test func lockRefusesSecondOpen() async throws {
        let directory = TemporaryDirectory("lock")
        defer { directory.remove() }
        let store = try await openStore(directory)
        await #expect {
            _ = try await openStore(directory)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .alreadyRunning && error.message.contains("already running")
        }
        try await store.close()
        let again = try await openStore(directory)
        try await again.close()
    }

    /// A missing folder, parents included, is created, with its layout file.
    @Test func createsMissingFolder() async throws {
        let parent = TemporaryDirectory("parent")
        defer { parent.remove() }
        let directory = TemporaryDirectory(path: parent.file("a/b"))
        let store = try await openStore(directory, shards: 3)
        #expect(directory.read("LAYOUT") == Array("contactd-data 1\nshards 3\n".utf8))
        #expect(directory.files("journal").count == 3)
        try await store.close()
    }

    /// Internal id, createdAt, updatedAt, stats, profile bytes and idempotency records survive
    /// restarts exactly; a retried request is replayed, not applied again.
    @Test func everyFieldAndKeySurvivesRestart() async throws {
        let directory = TemporaryDirectory("fields")
        defer { directory.remove() }
        var store = try await openStore(directory)
        var client = Client(store, project: "p")
        let upsert =
            #"{"method":"contacts.upsert","apiKey":"k","idempotencyKey":"once","contacts":[{"id":"123","createdAt":"2016-10-22T04:31:13.589+02:00","profile":{"$set":{"x":1.50,"s":"é\u0000"},"$inc":{"n":1}}}]}"#
        let first = try await client.run(upsert)
        try await client.recordMessages(["123", "123"], at: "2016-11-01T00:00:00Z")
        let get = #"{"method":"contacts.get","apiKey":"k","id":"123"}"#
        let before = try await client.run(get)
        let expected = await dump(store)
        for restart in 0..<2 {
            if restart == 0 { await store.closeWithoutSnapshot() } else { try await store.close() }
            store = try await openStore(directory)
            client = Client(store, project: "p")
            #expect(await dump(store) == expected)
            #expect(try await client.run(get) == before)
            let replay = try await client.run(upsert)
            #expect(replay == first)
            #expect(await dump(store) == expected)
        }
        try await store.close()
    }

    /// An update journals the bytes it changes, not the whole contact: a contact with a long
    /// array grows the journal by far less than its size per update. A restart after a crash
    /// rebuilds every contact byte for byte from those records, also when one request changes a
    /// contact twice and when an entry of it fails; so does a restart after a snapshot.
    @Test func updatesReplayFromTheBytesTheyChange() async throws {
        let directory = TemporaryDirectory("patches")
        defer { directory.remove() }
        var store = try await openStore(directory)
        var client = Client(store, project: "p")
        let tags = (0..<200).map { #""tag-\#($0)""# }.joined(separator: ",")
        try await client.run(
            #"{"method":"contacts.upsert","apiKey":"k","contacts":[{"id":"big","profile":{"$set":{"name":"Ann","n":1},"#
                + #""$push":{"tags":{"$each":[\#(tags)]}}}},{"id":"small","profile":{"$set":{"n":1}}}]}"#
        )
        let journalBytes = { directory.files("journal").reduce(0) { $0 + directory.read($1).count } }
        let before = journalBytes()
        for round in 0..<20 {
            try await client.run(
                #"{"method":"contacts.upsert","apiKey":"k","contacts":[{"id":"big","profile":{"$set":{"name":"Ann \#(round)"},"#
                    + #""$push":{"tags":"more-\#(round)"},"$inc":{"n":1}}}]}"#
            )
        }
        let perUpdate = (journalBytes() - before) / 20
        let get = #"{"method":"contacts.get","apiKey":"k","id":"big"}"#
        let profileBytes = try await client.run(get).utf8.count
        #expect(profileBytes > 2_000)
        #expect(perUpdate < 200, "\(perUpdate) journal bytes per update of a \(profileBytes)-byte contact")

        // The same contact twice in one request, another one, and an entry that fails.
        let mixed = try await client.run(
            #"{"method":"contacts.upsert","apiKey":"k","contacts":[{"id":"big","profile":{"$push":{"tags":"x"}}},"#
                + #"{"id":"small","profile":{"$inc":{"n":5}}},{"id":"big","profile":{"$inc":{"name":1}}},"#
                + #"{"id":"big","profile":{"$set":{"name":"last"},"$unset":{"n":""}}}]}"#
        )
        #expect(mixed.contains(#""failed":["big"]"#))
        let expected = await dump(store)
        let answer = try await client.run(get)
        #expect(answer.contains(#""name":"last""#) && answer.contains(#""more-19","x"]"#))

        await store.closeWithoutSnapshot()
        store = try await openStore(directory)
        client = Client(store, project: "p")
        #expect(await dump(store) == expected)
        #expect(try await client.run(get) == answer)
        try await client.run(
            #"{"method":"contacts.upsert","apiKey":"k","contacts":[{"id":"big","profile":{"$push":{"tags":"after"}}}]}"#
        )
        let afterRestart = await dump(store)
        try await store.close()
        store = try await openStore(directory)
        #expect(await dump(store) == afterRestart)
        try await store.close()
    }

    /// A snapshot copied while writes went on may already hold updates that the journal after
    /// it records as profile patches: a restart applies the patches the copy lacks and lets
    /// those it holds pass, so the contact is exactly as acknowledged. Without the snapshot's
    /// word that it may hold them, a patch that does not fit is damage.
    @Test func snapshotCopiedDuringUpdatesReplaysTheirPatches() async throws {
        let directory = TemporaryDirectory("window")
        defer { directory.remove() }
        try DataDirectory.createDirectory(directory.path)
        var state = ProjectState(name: "p")
        var records: [ChangeSet] = []
        let ids = ContactIDGenerator()
        func run(_ line: String) throws {
            let envelope = try RequestEnvelope.decode(Array(line.utf8))
            let request = try Request.decode(envelope, limits: ProtocolLimits())
            let context = WriteContext(
                now: Timestamp(milliseconds: 1_700_000_000_000 + Int64(records.count)),
                ids: ids,
                limits: ProtocolLimits(),
                fingerprint: Fingerprint(of: envelope.object)
            )
            let outcome = state.execute(request, context: context)
            records.append(ChangeSet(project: "p", changes: outcome.changes, copiedRuns: outcome.copiedRuns))
        }
        let tags = (0..<50).map { #""tag-\#($0)""# }.joined(separator: ",")
        try run(
            #"{"method":"contacts.upsert","apiKey":"k","contacts":[{"id":"c","profile":{"$set":{"n":0},"#
                + #""$push":{"tags":{"$each":[\#(tags)]}}}}]}"#
        )
        var copy = state
        for round in 1...4 {
            try run(
                #"{"method":"contacts.upsert","apiKey":"k","contacts":[{"id":"c","profile":{"$inc":{"n":1},"#
                    + #""$push":{"tags":"round-\#(round)"}}}]}"#
            )
            if round == 2 { copy = state }
        }
        // Records 2 ... 5 are patches; the copy holds records 1 ... 3, the snapshot covers < 2.
        for record in records.dropFirst() {
            guard case .update? = record.changes.first else {
                Issue.record("not a patch: \(record.changes)")
                return
            }
        }
        var segment = BinaryFormat.encode(
            BinaryFormat.Header(magic: BinaryFormat.journalMagic, shard: 0, shards: 1, sequence: 2)
        )
        for (index, record) in records.enumerated().dropFirst() {
            segment += Journal.encodeRecord(record, sequence: UInt64(index + 1))
        }
        directory.write("journal.1.0.0000000000000002", segment)

        _ = try SnapshotFile.write([copy], directory: directory.path, shard: 0, shards: 1, sequence: 2)
        await #expect {
            _ = try await openStore(directory)
        } throws: { error in
            (error as? StoreError)?.code == .damaged
                && (error as? StoreError)?.message.contains("does not fit the stored profile") == true
        }

        _ = try SnapshotFile.write(
            [copy],
            directory: directory.path,
            shard: 0,
            shards: 1,
            sequence: 2,
            copiedThrough: 3
        )
        let store = try await openStore(directory)
        #expect(await store.project(named: "p").snapshot().contacts["c"] == state.contacts["c"])
        try await store.close()
    }

    /// Reopening with another shard count keeps every contact (and key), moves every project to
    /// its new shard, and leaves only files of the new layout.
    @Test func shardCountChangeKeepsEveryContact() async throws {
        let directory = TemporaryDirectory("reshard")
        defer { directory.remove() }
        var store = try await openStore(directory, shards: 3)
        for index in 0..<12 {
            try await Client(store, project: "project-\(index)").upsert(["a\(index)", "b", "c"], key: "k\(index)")
        }
        try await store.snapshot()
        try await Client(store, project: "project-0").upsert(["after-snapshot"])
        let expected = await dump(store)
        await store.closeWithoutSnapshot()
        for shards in [2, 5, 1, 5] {
            store = try await openStore(directory, shards: shards)
            #expect(await dump(store) == expected)
            for shard in store.shards {
                for project in shard.allProjects {
                    #expect(Shard.index(ofProject: project.name, shardCount: shards) == shard.index)
                }
            }
            let stale = directory.list().filter { $0.hasPrefix("journal.") || $0.hasPrefix("snapshot.") }
                .filter { !$0.hasPrefix("journal.\(shards).") && !$0.hasPrefix("snapshot.\(shards).") }
            #expect(stale.isEmpty)
            #expect(directory.read("LAYOUT") == Array("contactd-data 1\nshards \(shards)\n".utf8))
            try await store.close()
        }
    }

    /// A journal segment missing between the snapshot and the next segment stops the start.
    @Test func missingSegmentIsDamage() async throws {
        let directory = TemporaryDirectory("gap")
        defer { directory.remove() }
        let store = try await openStore(directory)
        let client = Client(store, project: "p")
        try await client.upsert(["a"])
        try await store.snapshot()
        try await client.upsert(["b"])
        await store.closeWithoutSnapshot()
        let segment = try #require(directory.files("journal").first)
        let bytes = directory.read(segment)
        directory.write("journal.1.0.0000000000000009", bytes)
        directory.remove(segment)
        await #expect {
            _ = try await openStore(directory)
        } throws: { error in
            (error as? StoreError)?.code == .damaged && "\(error)".contains("journal.1.0.0000000000000009")
        }
    }

    /// A large snapshot (50,000 seed-shaped contacts) loads completely. Its speed is measured by
    /// the benchmark, not here; the time is printed for information only.
    @Test func largeSnapshotLoadsCompletely() async throws {
        let directory = TemporaryDirectory("speed")
        defer { directory.remove() }
        let count = 50_000
        var state = ProjectState(name: "seed")
        var changes: [Change] = []
        for index in 0..<count {
            let id = String(index)
            let profile =
                #"{"id":"\#(id)","firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com","tags":["customer"],"totalOrders":1}"#
            changes.append(
                .put(
                    Contact(
                        id: ContactID(high: UInt64(index), low: 7),
                        externalId: id,
                        profile: Array(profile.utf8),
                        createdAt: Timestamp(milliseconds: 1_477_110_673_589),
                        updatedAt: Timestamp(milliseconds: 1_477_110_673_589)
                    )
                )
            )
        }
        state.apply(changes, sequence: 0)
        let seeded = state
        let directoryPath = directory.path
        try await DedicatedThread.run(name: "seed") { () throws(StoreError) in
            try DataDirectory.createDirectory(directoryPath)
            try DataDirectory.writeLayout(directoryPath, shards: 1)
            _ = try SnapshotFile.write([seeded], directory: directoryPath, shard: 0, shards: 1, sequence: 1)
        }
        let clock = ContinuousClock()
        let started = clock.now
        let store = try await openStore(directory)
        let elapsed = clock.now - started
        #expect(await contactCount(store) == count)
        let loaded = await store.project(named: "seed").snapshot()
        #expect(loaded.contacts["49999"] == seeded.contacts["49999"])
        #expect(loaded.contacts["0"] == seeded.contacts["0"])
        print("recovered \(count) contacts in \(elapsed)")
        await store.closeWithoutSnapshot()
    }

    /// A client's idempotency key holding an ASCII-only, checksum-valid (format 1) journal frame
    /// of a well-formed record with the next sequence: when a crash tears the record holding the
    /// key 5 bytes before its end, the start succeeds and drops the torn record.
    @Test func forgedFrameInsideATornRecordDoesNotStopTheStart() async throws {
        let directory = TemporaryDirectory("forged")
        defer { directory.remove() }
        let store = try await openStore(directory)
        let client = Client(store, project: "p")
        try await client.upsert(["a"])
        let expected = await dump(store)
        // Record 2 holds the key; the forged frame claims to be record 3.
        var forged: [UInt8] = []
        for attempt in 0... {
            let changes = ChangeSet(project: "p", changes: [.delete(externalId: "a\(attempt)")])
            forged = Journal.encodeRecord(changes, sequence: 3, codec: .plain)
            if forged.allSatisfy({ $0 < 0x80 }) { break }
        }
        let key = String(decoding: forged, as: UTF8.self)
        try await client.upsert(["b"], key: String(JSONWriter.string(.string(key)).dropFirst().dropLast()))
        await store.closeWithoutSnapshot()

        let segment = try #require(directory.files("journal").last)
        let bytes = directory.read(segment)
        let frames = journalFrames(bytes)
        #expect(frames.count == 2)
        let torn = frames[1]
        #expect(bytes.count == torn.offset + torn.size)
        // The forged frame is inside the torn record, intact.
        #expect(bytes[torn.offset...].firstRange(of: forged) != nil)
        directory.write(segment, Array(bytes[..<(bytes.count - 5)]))
        let reopened = try await openStore(directory)
        #expect(await dump(reopened) == expected)
        #expect(directory.read(segment).count == torn.offset)
        try await reopened.close()
    }

    /// Segments of journal format 1 (unsalted, 32-byte header) still load; new records go to a
    /// new format 2 segment, and everything survives the next restart.
    @Test func formatOneSegmentsStillLoad() async throws {
        let directory = TemporaryDirectory("format1")
        defer { directory.remove() }
        try DataDirectory.createDirectory(directory.path)
        let contact = Contact(
            id: ContactID(high: 1, low: 2),
            externalId: "old",
            profile: Array(#"{"id":"old"}"#.utf8),
            createdAt: Timestamp(milliseconds: 1),
            updatedAt: Timestamp(milliseconds: 1)
        )
        var bytes = BinaryFormat.encode(
            BinaryFormat.Header(magic: BinaryFormat.journalMagic, shard: 0, shards: 1, sequence: 1)
        )
        #expect(bytes.count == 32)
        bytes += Journal.encodeRecord(ChangeSet(project: "p", changes: [.put(contact)]), sequence: 1)
        bytes += Journal.encodeRecord(ChangeSet(project: "p", changes: [.delete(externalId: "none")]), sequence: 2)
        directory.write("journal.1.0.0000000000000001", bytes)
        var store = try await openStore(directory)
        #expect(await store.project(named: "p").snapshot().contacts["old"] == contact)
        try await Client(store, project: "p").upsert(["new"])
        #expect(directory.files("journal") == ["journal.1.0.0000000000000001", "journal.1.0.0000000000000003"])
        let header = directory.read("journal.1.0.0000000000000003").withUnsafeBytes { BinaryFormat.decodeHeader($0) }
        #expect(header?.version == 2)
        let expected = await dump(store)
        await store.closeWithoutSnapshot()
        store = try await openStore(directory)
        #expect(await dump(store) == expected)
        try await store.close()
    }
}
