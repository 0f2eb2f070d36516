public import ContactCore

/// A project's contacts and remembered idempotency keys, and the rules that change them.
///
/// Pure: the ``Project`` actor serialises access and journals the changes; recovery replays
/// them through ``apply(_:sequence:)``.
public struct ProjectState: Sendable {
    /// The project's name.
    public let name: String
    /// The contacts.
    public private(set) var contacts = ContactIndex()
    /// The remembered idempotency keys.
    public private(set) var idempotency = IdempotencyCache()

    /// An empty project.
    public init(name: String) {
        self.name = name
    }

    /// A project holding just `contacts` and the remembered `records` (a store that keeps its
    /// data elsewhere loads the part one request touches, runs it here, and writes the changes back).
    public init(name: String, contacts: some Sequence<Contact>, remembering records: some Sequence<IdempotencyRecord>) {
        self.name = name
        for contact in contacts { self.contacts.put(contact) }
        for record in records { self.idempotency.remember(record, sequence: 0) }
    }

    /// The outcome of one request: the response body, and the changes to journal.
    public struct Outcome: Sendable {
        /// The response, without `replayed` and `requestId`.
        public var body: [UInt8]
        /// The status of the response.
        public var status: Status
        /// The changes made (empty for reads and for writes that changed nothing).
        public var changes: [Change]
        /// The copied runs the changes' ``ProfileCopies`` point into (``ChangeSet/copiedRuns``).
        public var copiedRuns: [Int] = []
        /// For a replay: the journal sequence number that makes the original durable.
        public var replayOf: UInt64?
        /// What ``revert(_:)`` needs to take the changes back.
        public var undo = Undo()
    }

    /// How to take one request's changes back: every contact it touched as it was before, and
    /// the key it remembered.
    public struct Undo: Sendable {
        /// Each touched contact's external id and its state before the request (nil: it did not exist).
        var contacts: [(externalId: String, previous: Contact?)] = []
        /// The idempotency key the request remembered, if any.
        var key: String?
    }

    /// The most month buckets a contact's `stats` may hold (100 years of months); a message that
    /// would add a bucket beyond it fails.
    public static let maximumStatsBuckets = 1_200

    /// Collects one request's changes: each contact once, in its final state, in the order it
    /// was first changed (PROTOCOL.md section 8), and how to undo them.
    private struct Changes {
        var changes: [Change] = []
        var copiedRuns: [Int] = []
        var undo = Undo()
        private var positions = ChangePositions()

        /// No changes yet.
        init() {}

        /// No changes yet, with room for `count` contacts (a batch's entries) without growing.
        init(capacity count: Int) {
            self.changes.reserveCapacity(count + 1)
            self.copiedRuns.reserveCapacity(count * 9)  // three runs per contact, as a seed update has
            self.undo.contacts.reserveCapacity(count)
            self.positions = ChangePositions(capacity: count)
        }

        /// Records that `contact` is now stored; `previous` is what was stored before this change,
        /// and `runs` (when not empty) how the new profile copies the previous one's text.
        mutating func put(_ contact: consuming Contact, previous: consuming Contact?, runs: [Int] = []) {
            let externalId = contact.externalId
            if let index = self.positions.position(of: externalId, orRecord: self.changes.count) {
                // Changed again in this request: a record's patch applies to the text before the
                // request, which these copies do not describe, so the record holds the whole contact.
                self.changes[index] = .put(consume contact)
                return
            }
            if let baseCount = previous?.profile.count, !runs.isEmpty {
                let start = self.copiedRuns.count
                self.copiedRuns.append(contentsOf: runs)
                let copies = ProfileCopies(baseCount: baseCount, runs: start..<self.copiedRuns.count)
                self.changes.append(.update(consume contact, copies))
            } else {
                self.changes.append(.put(consume contact))
            }
            self.undo.contacts.append((externalId, consume previous))
        }

        /// Records that `previous` was deleted.
        mutating func delete(_ previous: Contact) {
            self.positions.set(self.changes.count, for: previous.externalId)
            self.changes.append(.delete(externalId: previous.externalId))
            self.undo.contacts.append((previous.externalId, previous))
        }
    }

    /// Takes back the changes of a request that ran on this state (the newest not yet taken
    /// back): its journal record failed.
    public mutating func revert(_ undo: Undo) {
        if let key = undo.key { self.idempotency.forget(key) }
        for (externalId, previous) in undo.contacts.reversed() {
            if let previous {
                self.contacts.put(previous)
            } else {
                _ = self.contacts.remove(externalId)
            }
        }
    }

    // MARK: - Replay

    /// Applies journaled or snapshotted `changes`; `sequence` is their journal record's number.
    public mutating func apply(_ changes: some Sequence<Change>, sequence: UInt64) {
        for change in changes {
            switch change {
            case .put(let contact), .update(let contact, _): self.contacts.put(contact)
            case .delete(let externalId): self.contacts.remove(externalId)
            case .remember(let record): self.idempotency.remember(record, sequence: sequence)
            }
        }
    }

    /// Applies the changes of a journal record (sequence 0: everything loaded at start is
    /// durable); returns why it cannot, when a profile patch does not fit the stored profile.
    ///
    /// `snapshotMayHoldIt`: the state was loaded from a snapshot copied while writes went on,
    /// which may already hold this record. A patch that does not fit is then skipped: the
    /// contact is already in that record's state or a later one's (every other change sets a
    /// contact or key absolutely, and a patch that fits makes the exact bytes the record's
    /// request produced, its checksum says so), and the first record the copy does not hold
    /// finds exactly the profile it was made from.
    mutating func replay(_ changes: [Journal.RecordedChange], snapshotMayHoldIt: Bool = false) -> String? {
        for change in changes {
            switch change {
            case .change(let change):
                self.apply(CollectionOfOne(change), sequence: 0)
            case .patch(let patch):
                let position = self.contacts.position(of: patch.externalId)
                guard var contact = self.contacts[position] else {
                    if snapshotMayHoldIt { continue }
                    return "it updates contact \(JSONWriter.string(.string(patch.externalId))), which does not exist"
                }
                guard let profile = patch.apply(to: contact.profile) else {
                    if snapshotMayHoldIt { continue }
                    return "its update of contact \(JSONWriter.string(.string(patch.externalId))) does not fit "
                        + "the stored profile"
                }
                contact.profile = profile
                contact.updatedAt = patch.updatedAt
                self.contacts.put(contact, at: position)
            }
        }
        return nil
    }

    // MARK: - Requests

    /// Runs a read or write request; `context` carries what a write needs.
    public mutating func execute(_ request: Request, context: WriteContext) -> Outcome {
        switch request {
        case .ping:
            return Outcome(body: ResponseWriter(status: .ok, success: true).body, status: .ok, changes: [])
        case .get(let id):
            return self.get(id)
        case .list(let limit, let cursor):
            return self.list(limit: limit, after: cursor?.after)
        case .stats:
            return self.statsReply()
        case .count:
            var writer = ResponseWriter(status: .ok, success: true)
            writer.field("count", .int(Int64(self.contacts.count)))
            return Outcome(body: writer.body, status: .ok, changes: [])
        case .upsert(let upsert):
            return self.idempotent(upsert.idempotencyKey, context: context) {
                $0.upsert(upsert.entries, context: context)
            }
        case .delete(let delete):
            return self.idempotent(delete.idempotencyKey, context: context) { $0.delete(delete.ids) }
        case .recordMessages(let record):
            return self.idempotent(record.idempotencyKey, context: context) {
                $0.recordMessages(record.messages, context: context)
            }
        }
    }

    private mutating func idempotent(
        _ key: String?,
        context: WriteContext,
        _ body: (inout ProjectState) -> (ResponseWriter, Changes)
    ) -> Outcome {
        guard let key else {
            let (writer, collected) = body(&self)
            return Outcome(
                body: writer.body,
                status: .ok,
                changes: collected.changes,
                copiedRuns: collected.copiedRuns,
                undo: collected.undo
            )
        }
        if let entry = self.idempotency.lookup(key, now: context.now) {
            guard entry.record.fingerprint == context.fingerprint else {
                let message =
                    "idempotencyKey \(JSONWriter.string(.string(key))) was already used for a different request"
                return Outcome(
                    body: ResponseWriter.failureBody(.conflict, message: message),
                    status: .conflict,
                    changes: []
                )
            }
            return Outcome(body: entry.record.response, status: .ok, changes: [], replayOf: entry.sequence)
        }
        let (writer, collected) = body(&self)
        var changes = collected.changes
        var undo = collected.undo
        let record = IdempotencyRecord(
            key: key,
            fingerprint: context.fingerprint,
            response: writer.body,
            at: context.now
        )
        changes.append(.remember(record))
        undo.key = key
        // The journal assigns the sequence number later; the actor fixes it with `noteSequence`.
        self.idempotency.remember(record, sequence: UInt64.max)
        return Outcome(
            body: record.response,
            status: .ok,
            changes: changes,
            copiedRuns: collected.copiedRuns,
            undo: undo
        )
    }

    /// Records the journal sequence number of the request that remembered `key`.
    public mutating func noteSequence(_ sequence: UInt64, forKey key: String) {
        guard let entry = self.idempotency[key] else { return }
        self.idempotency.remember(entry.record, sequence: sequence)
    }

    private func get(_ id: String) -> Outcome {
        guard let contact = self.contacts[id] else {
            let message = "no contact with id \(JSONWriter.string(.string(id))) in project \(self.name)"
            return Outcome(
                body: ResponseWriter.failureBody(.notFound, message: message),
                status: .notFound,
                changes: []
            )
        }
        var writer = ResponseWriter(status: .ok, success: true)
        writer.raw("contact") { contact.write(project: self.name, into: &$0) }
        return Outcome(body: writer.body, status: .ok, changes: [])
    }

    private func list(limit: Int, after: String?) -> Outcome {
        let (contacts, hasMore) = self.contacts.page(after: after, limit: limit)
        var writer = ResponseWriter(status: .ok, success: true)
        writer.raw("contacts") { bytes in
            bytes.append(UInt8(ascii: "["))
            for (index, contact) in contacts.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                contact.write(project: self.name, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        if hasMore, let last = contacts.last {
            writer.field("nextCursor", .string(ListCursor(after: last.externalId).encoded))
        } else {
            writer.field("nextCursor", .null)
        }
        return Outcome(body: writer.body, status: .ok, changes: [])
    }

    private mutating func upsert(_ entries: [UpsertEntry], context: WriteContext) -> (ResponseWriter, Changes) {
        var inserted: [String] = []
        var updated: [String] = []
        var failed: [String] = []
        var errors: [EntryError] = []
        inserted.reserveCapacity(entries.count)
        updated.reserveCapacity(entries.count)
        var changes = Changes(capacity: entries.count)
        var scratch: [UInt8] = []
        // Room for the runs of a seed update at once: growing one at a time costs four allocations.
        var copies: [Int] = []
        copies.reserveCapacity(16)
        for (index, entry) in entries.enumerated() {
            switch entry {
            case .invalid(let id, let error):
                failed.append(id)
                errors.append(EntryError(index: index, id: id, error: error))
            case .valid(let id, let operators, let createdAt):
                let position = self.contacts.position(of: id)
                let existing = self.contacts[position]
                let updateContext = UpdateContext(
                    isInsert: !position.found,
                    externalId: id,
                    now: context.now,
                    maxProfileBytes: context.limits.maxProfileBytes
                )
                let serialized: [UInt8]
                do throws(UpdateError) {
                    if let existing {
                        // The stored profile is the engine's compact text: unless it is small, only
                        // the members the operators reach are parsed, the others are copied.
                        if let updated = try UpdateEngine.apply(
                            operators,
                            toStored: existing.profile,
                            context: updateContext,
                            scratch: &scratch,
                            copies: &copies
                        ) {
                            serialized = updated
                        } else {
                            guard case .object(let stored)? = try? JSONParser.parse(existing.profile) else {
                                failed.append(id)
                                errors.append(EntryError(index: index, id: id, error: "stored profile is damaged"))
                                continue
                            }
                            serialized = try UpdateEngine.apply(operators.object, to: stored, context: updateContext)
                                .serialized
                        }
                    } else {
                        // A new contact's profile is `{"id": id}`; as text, the flat path takes most inserts.
                        var initial = Array(#"{"id":"#.utf8)
                        JSONWriter.writeString(id, into: &initial)
                        initial.append(UInt8(ascii: "}"))
                        if let inserted = try UpdateEngine.apply(
                            operators,
                            toStored: initial,
                            context: updateContext,
                            scratch: &scratch,
                            copies: &copies
                        ) {
                            serialized = inserted
                        } else {
                            let profile = Contact.initialProfile(externalId: id)
                            serialized = try UpdateEngine.apply(operators.object, to: profile, context: updateContext)
                                .serialized
                        }
                    }
                } catch {
                    failed.append(id)
                    errors.append(EntryError(index: index, id: id, error: error.message))
                    continue
                }
                if let existing {
                    updated.append(id)
                    if existing.profile != serialized {
                        // Built from the parts, not copied and changed: a copy would retain the old
                        // profile only to release it.
                        let contact = Contact(
                            id: existing.id,
                            externalId: existing.externalId,
                            profile: Self.compact(serialized),
                            stats: existing.stats,
                            createdAt: existing.createdAt,
                            // Never backwards, even when the clock was set back since the last update.
                            updatedAt: Timestamp(
                                milliseconds: max(context.now.milliseconds, existing.updatedAt.milliseconds)
                            )
                        )
                        if !ProfileCopies.worthRecording(copies) { copies.removeAll(keepingCapacity: true) }
                        // Moved, not copied, into the undo list and the index: each copy of a
                        // contact retains its profile and stats.
                        changes.put(contact, previous: consume existing, runs: copies)
                        self.contacts.put(consume contact, at: position)
                    }
                } else {
                    let contact = Contact(
                        id: context.ids.next(now: context.now),
                        externalId: id,
                        profile: Self.compact(serialized),
                        createdAt: createdAt ?? context.now,
                        updatedAt: context.now
                    )
                    changes.put(contact, previous: nil)
                    self.contacts.put(consume contact, at: position)
                    inserted.append(id)
                }
            }
        }
        var writer = ResponseWriter(status: .ok, success: failed.isEmpty)
        writer.strings("inserted", inserted)
        writer.strings("updated", updated)
        writer.strings("failed", failed)
        writer.errors(errors)
        return (writer, changes)
    }

    /// `bytes` in an array of exactly its size: a profile is kept for a long time, and the
    /// writer's buffer has up to twice the capacity it needs.
    private static func compact(_ bytes: [UInt8]) -> [UInt8] {
        // An array made for its count holds up to 23 bytes of the allocator's rounding: kept.
        guard bytes.capacity > bytes.count + 24 else { return bytes }
        return bytes.withUnsafeBufferPointer { Array($0) }
    }

    private mutating func delete(_ ids: [String]) -> (ResponseWriter, Changes) {
        var deleted: [String] = []
        var notFound: [String] = []
        var changes = Changes()
        for id in ids {
            if let previous = self.contacts.remove(id) {
                deleted.append(id)
                changes.delete(previous)
            } else {
                notFound.append(id)
            }
        }
        var writer = ResponseWriter(status: .ok, success: true)
        writer.strings("deleted", deleted)
        writer.strings("notFound", notFound)
        return (writer, changes)
    }

    private mutating func recordMessages(
        _ messages: [MessageEntry],
        context: WriteContext
    ) -> (ResponseWriter, Changes) {
        var recorded: [String] = []
        var failed: [String] = []
        var errors: [EntryError] = []
        var changes = Changes()
        for (index, message) in messages.enumerated() {
            switch message {
            case .invalid(let id, let error):
                failed.append(id)
                errors.append(EntryError(index: index, id: id, error: error))
            case .valid(let id, let at):
                let position = self.contacts.position(of: id)
                guard var contact = self.contacts[position] else {
                    failed.append(id)
                    errors.append(
                        EntryError(index: index, id: id, error: "no contact with id \(JSONWriter.string(.string(id)))")
                    )
                    continue
                }
                let previous = contact
                let buckets = contact.stats.buckets.count
                contact.stats.record(at: at ?? context.now)
                if contact.stats.buckets.count > Self.maximumStatsBuckets && contact.stats.buckets.count > buckets {
                    failed.append(id)
                    errors.append(
                        EntryError(
                            index: index,
                            id: id,
                            error: "stats hold at most \(Self.maximumStatsBuckets) months per contact; "
                                + "this message would add another month"
                        )
                    )
                    continue
                }
                self.contacts.put(contact, at: position)
                changes.put(contact, previous: previous)
                recorded.append(id)
            }
        }
        var writer = ResponseWriter(status: .ok, success: failed.isEmpty)
        writer.strings("recorded", recorded)
        writer.strings("failed", failed)
        writer.errors(errors)
        return (writer, changes)
    }
}

/// What a write needs besides the request: the instant, the id source, limits and fingerprint.
public struct WriteContext: Sendable {
    /// The request's instant (`$currentDate`, `updatedAt`, default `createdAt` and `at`).
    public var now: Timestamp
    /// Where new internal ids come from.
    public var ids: ContactIDGenerator
    /// The configured limits.
    public var limits: ProtocolLimits
    /// The request's fingerprint, for idempotency keys.
    public var fingerprint: Fingerprint

    /// A context for one request.
    public init(now: Timestamp, ids: ContactIDGenerator, limits: ProtocolLimits, fingerprint: Fingerprint) {
        self.now = now
        self.ids = ids
        self.limits = limits
        self.fingerprint = fingerprint
    }
}
