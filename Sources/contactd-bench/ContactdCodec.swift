import NIOCore

/// Writes `contacts.upsert` lines (and, for read batches, one `contacts.get` line per id) for
/// contactd; its replies are read by `ContactdReplyScanner`.
struct ContactdCodec: BenchCodec {
    /// `{"method":"contacts.upsert","apiKey":"K","requestId":`
    private let head: [UInt8]
    /// `,"contacts":[`
    private let contactsOpen: [UInt8]
    /// `{"id":"u`
    private let entryHead: [UInt8]
    /// `","profile":{…}}` for the mix.
    private let entryTail: [UInt8]
    /// `]}` and the newline.
    private let tail: [UInt8]
    /// `{"method":"contacts.get","apiKey":"K","id":"u`
    private let getHead: [UInt8]
    /// `"}` and the newline.
    private let getTail: [UInt8]

    init(apiKey: String, mix: Mix) {
        self.head =
            Array(#"{"method":"contacts.upsert","apiKey":"#.utf8) + Self.jsonString(apiKey)
            + Array(#","requestId":"#.utf8)
        self.contactsOpen = Array(#","contacts":["#.utf8)
        self.entryHead = Array(#"{"id":"u"#.utf8)
        let profile: String
        switch mix {
        case .seed:
            profile =
                #"{"$set":{"firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com"},"#
                + #""$push":{"tags":"customer"},"$inc":{"totalOrders":1}}"#
        case .set:
            profile = #"{"$set":{"firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com"}}"#
        case .inc:
            profile = #"{"$inc":{"totalOrders":1}}"#
        }
        self.entryTail = Array(#"","profile":"#.utf8) + Array(profile.utf8) + [UInt8(ascii: "}")]
        self.tail = Array("]}\n".utf8)
        self.getHead =
            Array(#"{"method":"contacts.get","apiKey":"#.utf8) + Self.jsonString(apiKey)
            + Array(#","id":"u"#.utf8)
        self.getTail = Array("\"}\n".utf8)
    }

    func makeScanner() -> ContactdReplyScanner {
        ContactdReplyScanner()
    }

    func requestCapacity(contacts: Int) -> Int {
        self.head.count + 20 + self.contactsOpen.count + self.tail.count
            + contacts * (self.entryHead.count + 20 + 1 + self.entryTail.count)
    }

    func writeRequest(number: Int, ids: [Int], into buffer: inout ByteBuffer) {
        buffer.writeBytes(self.head)
        buffer.writeDecimal(number)
        buffer.writeBytes(self.contactsOpen)
        for (index, id) in ids.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeBytes(self.entryHead)
            buffer.writeDecimal(id)
            buffer.writeBytes(self.entryTail)
        }
        buffer.writeBytes(self.tail)
    }

    func readRequestCapacity(contacts: Int) -> Int {
        contacts * (self.getHead.count + 20 + self.getTail.count)
    }

    func writeReadRequest(ids: [Int], into buffer: inout ByteBuffer) {
        for id in ids {
            buffer.writeBytes(self.getHead)
            buffer.writeDecimal(id)
            buffer.writeBytes(self.getTail)
        }
    }

    /// A JSON string literal (quotes included) for `text`.
    private static func jsonString(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes += [UInt8(ascii: "\\"), byte]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        return bytes
    }
}
