import ContactClient
import ContactCore

/// The JSON contactctl prints for results: the response's fields without the envelope.
enum ResultOutput {
    /// `{"inserted":[…],"updated":[…],"failed":[…],"errors":[…],"replayed":…}`.
    static func json(_ result: UpsertResult) -> JSON {
        var object = JSONObject([
            "inserted": Self.strings(result.inserted),
            "updated": Self.strings(result.updated),
            "failed": Self.strings(result.failed),
        ])
        if !result.errors.isEmpty { object["errors"] = Self.errors(result.errors) }
        if result.replayed { object["replayed"] = .bool(true) }
        return .object(object)
    }

    /// `{"deleted":[…],"notFound":[…]}`.
    static func json(_ result: DeleteResult) -> JSON {
        .object(JSONObject(["deleted": Self.strings(result.deleted), "notFound": Self.strings(result.notFound)]))
    }

    /// `{"recorded":[…],"failed":[…],"errors":[…]}`.
    static func json(_ result: RecordResult) -> JSON {
        var object = JSONObject(["recorded": Self.strings(result.recorded), "failed": Self.strings(result.failed)])
        if !result.errors.isEmpty { object["errors"] = Self.errors(result.errors) }
        return .object(object)
    }

    /// Prints `value` as one line of compact JSON.
    static func print(_ value: JSON) {
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        StandardStreams.write(bytes)
    }

    private static func strings(_ strings: [String]) -> JSON {
        .array(strings.map { .string($0) })
    }

    private static func errors(_ failures: [EntryFailure]) -> JSON {
        .array(
            failures.map {
                .object(
                    JSONObject(["index": .int(Int64($0.index)), "id": .string($0.id), "error": .string($0.message)])
                )
            }
        )
    }
}
