import ContactCore
import Testing

struct FingerprintTests {
    private func fingerprint(_ text: String) -> Fingerprint {
        guard case .object(let object) = try! JSONParser.parse(Array(text.utf8)) else {
            fatalError("not an object: \(text)")
        }
        return Fingerprint(of: object)
    }

    /// A `null` member inside an entry (`"profile": null`) is the same request as one without it.
    @Test func nullMemberInsideAnEntryEqualsAbsent() {
        let plain = fingerprint(#"{"method":"contacts.upsert","contacts":[{"externalId":"a"}]}"#)
        let withNull = fingerprint(#"{"method":"contacts.upsert","contacts":[{"externalId":"a","profile":null}]}"#)
        #expect(plain == withNull)
    }

    /// `null` equals absent at every level, however deep.
    @Test func nullEqualsAbsentAtEveryLevel() {
        let plain = fingerprint(
            #"{"method":"contacts.upsert","contacts":[{"externalId":"a","profile":{"$set":{"x":{"y":1}}}}]}"#
        )
        let withNulls = fingerprint(
            #"{"method":"contacts.upsert","requestId":null,"contacts":[{"externalId":"a","profile":{"$set":{"x":{"y":1,"z":null}},"$unset":null}}]}"#
        )
        #expect(plain == withNulls)
    }

    /// A `null` array element is a value, not an absence, and `null` differs from any other value.
    @Test func nullElementsAndValuesStillDiffer() {
        let one = fingerprint(#"{"method":"contacts.delete","ids":["a"]}"#)
        let withNullElement = fingerprint(#"{"method":"contacts.delete","ids":["a",null]}"#)
        #expect(one != withNullElement)
        let value = fingerprint(
            #"{"method":"contacts.upsert","contacts":[{"externalId":"a","profile":{"$set":{"x":1}}}]}"#
        )
        let null = fingerprint(
            #"{"method":"contacts.upsert","contacts":[{"externalId":"a","profile":{"$set":{"x":null}}}]}"#
        )
        #expect(value != null)
    }

    /// Member order, `requestId` and `apiKey` do not change the fingerprint.
    @Test func orderRequestIdAndKeyIgnored() {
        let first = fingerprint(#"{"method":"contacts.delete","ids":["a"],"requestId":1,"apiKey":"k1"}"#)
        let second = fingerprint(#"{"apiKey":"k2","ids":["a"],"method":"contacts.delete","requestId":"x"}"#)
        #expect(first == second)
    }
}
