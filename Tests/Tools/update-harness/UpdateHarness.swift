import ContactCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Swift side of the differential test (Tests/python/test_update_differential.py).
///
/// Reads JSON lines from stdin, each
/// `{"profile":{...},"update":{...},"insert":bool,"externalId":"...","maxProfileBytes":n}`
/// (`insert` defaults to false, `externalId` to `profile.id`, `maxProfileBytes` to 65536),
/// applies `update` to `profile` with ``UpdateEngine`` and writes one JSON line per non-empty
/// input line (empty lines are skipped):
/// `{"ok":true,"profile":{...}}` or `{"ok":false,"error":"..."}`. Each update is also applied to
/// the profile's compact text as the store does (`UpdateEngine.apply(_:toStored:context:)`); a
/// difference from the parsed path, in bytes or in the error, is a `harnessError`. A line that is not such an
/// object is answered with `{"ok":false,"harnessError":"..."}` so the caller can tell a broken
/// test input from an update failure. `now` is fixed (2024-01-02T03:04:05.678Z) so that runs are
/// reproducible. Output is written after every line, so the harness can also be driven
/// interactively.
@main
struct UpdateHarness {
    /// The fixed instant every update runs at.
    static let now = Timestamp(milliseconds: 1_704_164_645_678)

    static func main() {
        while let line = readLine(strippingNewline: true) {
            if line.isEmpty { continue }
            let response = self.handle(line)
            var bytes = JSONWriter.serialize(.object(response))
            bytes.append(UInt8(ascii: "\n"))
            self.writeAll(bytes)
        }
    }

    /// Writes `bytes` to standard output unbuffered (one line is one write, so each answer is
    /// visible as soon as it is computed); exits when stdout is gone.
    static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    exit(1)
                }
                offset += written
            }
        }
    }

    static func handle(_ line: String) -> JSONObject {
        let parsed: JSON
        do {
            parsed = try JSONParser.parse(line)
        } catch {
            return self.harnessError("input is not JSON: \(error)")
        }
        guard case .object(let input) = parsed else {
            return self.harnessError("input is not an object")
        }
        guard case .object(let profile)? = input["profile"] else {
            return self.harnessError("input.profile is not an object")
        }
        guard case .object(let update)? = input["update"] else {
            return self.harnessError("input.update is not an object")
        }
        var isInsert = false
        switch input["insert"] {
        case nil, .null?: break
        case .bool(let value)?: isInsert = value
        default: return self.harnessError("input.insert is not a boolean")
        }
        let externalId: String
        switch input["externalId"] {
        case .string(let value)?: externalId = value
        case nil, .null?:
            guard case .string(let value)? = profile["id"] else {
                return self.harnessError("no externalId and profile.id is not a string")
            }
            externalId = value
        default: return self.harnessError("input.externalId is not a string")
        }
        var maxProfileBytes = 65_536
        switch input["maxProfileBytes"] {
        case nil, .null?: break
        case .int(let value)? where value > 0 && value <= Int64(Int32.max): maxProfileBytes = Int(value)
        default: return self.harnessError("input.maxProfileBytes is not a positive integer")
        }
        let context = UpdateContext(
            isInsert: isInsert,
            externalId: externalId,
            now: self.now,
            maxProfileBytes: maxProfileBytes
        )
        let full = Result { () throws(UpdateError) -> UpdateResult in
            try UpdateEngine.apply(update, to: profile, context: context)
        }
        // The store's path (only the members the operators reach parsed) must agree byte for byte.
        let stored = Result { () throws(UpdateError) -> [UInt8]? in
            try UpdateEngine.apply(
                update,
                toStored: JSONWriter.serialize(.object(profile)),
                context: context,
                parsingBelow: 0
            )
        }
        switch (full, stored) {
        case (.success(let result), .success(let bytes)):
            if let bytes, bytes != result.serialized {
                return self.harnessError("the stored-profile path wrote \(String(decoding: bytes, as: UTF8.self))")
            }
            return JSONObject(["ok": .bool(true), "profile": .object(result.profile)])
        case (.failure(let error), .failure(let other)):
            if error.message != other.message {
                return self.harnessError("the stored-profile path failed with \(other.message)")
            }
            return JSONObject(["ok": .bool(false), "error": .string(error.message)])
        case (.failure(let error), .success(nil)):
            return JSONObject(["ok": .bool(false), "error": .string(error.message)])
        case (.success, .failure(let error)):
            return self.harnessError("the stored-profile path failed with \(error.message)")
        case (.failure, .success):
            return self.harnessError("the stored-profile path succeeded")
        }
    }

    static func harnessError(_ message: String) -> JSONObject {
        JSONObject(["ok": .bool(false), "harnessError": .string(message)])
    }
}
