import NIOCore

/// Writes one batch of contacts as pipelined RESP commands: per contact `HSET profile:<id>
/// firstName … lastName … email …`, `RPUSH tags:<id> customer`, `HINCRBY profile:<id> totalOrders 1`
/// (or the subset the mix names). One batch is one "request"; its replies are read by
/// `RedisReplyScanner`. A read batch is one `HGETALL profile:<id>` per id, pipelined the same way.
struct RedisCodec: BenchCodec {
    private struct Command: Sendable {
        /// `*N\r\n$L\r\nNAME\r\n$` — the key's length follows.
        var head: [UInt8]
        /// The key's prefix up to the id digits, e.g. `profile:u`.
        var keyPrefix: [UInt8]
        /// `\r\n` and the remaining arguments.
        var tail: [UInt8]
    }

    private let commands: [Command]
    private let hgetall = Self.command("HGETALL", key: "profile:u", arguments: [])

    /// Replies per contact (the commands written for each).
    var commandsPerContact: Int { self.commands.count }

    init(mix: Mix) {
        let hset = Self.command(
            "HSET",
            key: "profile:u",
            arguments: ["firstName", "Justin", "lastName", "Bieber", "email", "justin.bieber@yopmail.com"]
        )
        let rpush = Self.command("RPUSH", key: "tags:u", arguments: ["customer"])
        let hincrby = Self.command("HINCRBY", key: "profile:u", arguments: ["totalOrders", "1"])
        switch mix {
        case .seed: self.commands = [hset, rpush, hincrby]
        case .set: self.commands = [hset]
        case .inc: self.commands = [hincrby]
        }
    }

    func makeScanner() -> RedisReplyScanner {
        RedisReplyScanner(repliesPerContact: self.commands.count)
    }

    func requestCapacity(contacts: Int) -> Int {
        contacts * self.commands.reduce(0) { $0 + $1.head.count + 4 + $1.keyPrefix.count + 20 + $1.tail.count }
    }

    func writeRequest(number: Int, ids: [Int], into buffer: inout ByteBuffer) {
        for id in ids {
            let digits = ByteBuffer.decimalDigitCount(id)
            for command in self.commands {
                buffer.writeBytes(command.head)
                buffer.writeDecimal(command.keyPrefix.count + digits)
                buffer.writeInteger(UInt16(0x0D0A))  // "\r\n", big-endian
                buffer.writeBytes(command.keyPrefix)
                buffer.writeDecimal(id)
                buffer.writeBytes(command.tail)
            }
        }
    }

    func readRequestCapacity(contacts: Int) -> Int {
        contacts * (self.hgetall.head.count + 4 + self.hgetall.keyPrefix.count + 20 + self.hgetall.tail.count)
    }

    func writeReadRequest(ids: [Int], into buffer: inout ByteBuffer) {
        for id in ids {
            buffer.writeBytes(self.hgetall.head)
            buffer.writeDecimal(self.hgetall.keyPrefix.count + ByteBuffer.decimalDigitCount(id))
            buffer.writeInteger(UInt16(0x0D0A))
            buffer.writeBytes(self.hgetall.keyPrefix)
            buffer.writeDecimal(id)
            buffer.writeBytes(self.hgetall.tail)
        }
    }

    private static func command(_ name: String, key: String, arguments: [String]) -> Command {
        func bulk(_ text: String) -> String { "$\(text.utf8.count)\r\n\(text)\r\n" }
        let head = "*\(2 + arguments.count)\r\n" + bulk(name) + "$"
        let tail = "\r\n" + arguments.map(bulk).joined()
        return Command(head: Array(head.utf8), keyPrefix: Array(key.utf8), tail: Array(tail.utf8))
    }
}
