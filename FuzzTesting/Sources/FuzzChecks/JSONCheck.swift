import ContactCore

/// FuzzJSON: any bytes through ``JSONParser``.
///
/// Checks: a refusal names an offset inside the input; an accepted value is at most
/// ``JSONParser/maximumDepth`` deep, is written without a raw newline, parses back to exactly
/// the same value (number kinds, member order, string bytes) and is written again to the
/// same text; wrapped in arrays to depth 64 it is accepted, to depth 65 refused.
public enum JSONCheck {
    public static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let value: JSON
        do {
            value = try JSONParser.parse(input)
        } catch {
            guard (0...input.count).contains(error.offset) else {
                throw FuzzFailure("refusal at offset \(error.offset) outside 0...\(input.count): \(error)")
            }
            return
        }
        let depth = Self.depth(of: value)
        guard depth <= JSONParser.maximumDepth else {
            throw FuzzFailure("accepted nesting of depth \(depth)")
        }
        let text = JSONWriter.serialize(value)
        guard !text.contains(UInt8(ascii: "\n")) else {
            throw FuzzFailure("written text has a raw newline")
        }
        let again: JSON
        do {
            again = try JSONParser.parse(text)
        } catch {
            throw FuzzFailure("written text does not parse: \(error)")
        }
        guard JSON.identical(value, again) else {
            throw FuzzFailure("parse(write(v)) != v for \(String(decoding: text, as: UTF8.self))")
        }
        guard JSONWriter.serialize(again) == text else {
            throw FuzzFailure("writing the reparsed value gives other text")
        }
        // The limit, right at the edge: wrapped to exactly 64 levels is accepted, 65 refused.
        let extra = JSONParser.maximumDepth - depth
        let accepted =
            Array(repeating: UInt8(ascii: "["), count: extra) + text
            + Array(repeating: UInt8(ascii: "]"), count: extra)
        guard (try? JSONParser.parse(accepted)) != nil else {
            throw FuzzFailure("refused at depth \(JSONParser.maximumDepth) (value of depth \(depth) wrapped)")
        }
        let refused = [UInt8(ascii: "[")] + accepted + [UInt8(ascii: "]")]
        guard (try? JSONParser.parse(refused)) == nil else {
            throw FuzzFailure("accepted at depth \(JSONParser.maximumDepth + 1)")
        }
    }

    /// Nesting depth: a scalar is 0, an empty or flat container 1.
    static func depth(of value: JSON) -> Int {
        switch value {
        case .array(let elements): return 1 + (elements.map { self.depth(of: $0) }.max() ?? 0)
        case .object(let object): return 1 + (object.members.map { self.depth(of: $0.value) }.max() ?? 0)
        default: return 0
        }
    }

}
