import ContactServer
import NIOCore
import NIOEmbedded

/// FuzzFraming: a byte stream through ``LineFrameDecoder`` in a `ByteToMessageHandler`, as the
/// server runs it, split into writes at points derived from the input.
///
/// Input: byte 0 picks the line limit (1 to 64) and, in its top bit, whether the input is then
/// closed (a final line); byte 1 seeds the split points; the rest is the stream. Checks: the
/// frames are the same whether the stream comes in one write, in the derived chunks or (up to
/// 256 bytes) byte by byte, and equal PROTOCOL.md section 1's rules applied directly; no frame is longer than
/// the limit or holds a `\n`; the handler never buffers more than limit + 1 bytes (its
/// `maximumBufferSize`, which throws when passed).
public enum FramingCheck {
    public static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard input.count >= 2 else { return }
        let limit = 1 + Int(input[0] & 0x3F)
        let closes = input[0] & 0x80 != 0
        let stream = Array(input[2...])
        let expected = Self.model(stream, limit: limit, closes: closes)

        var generator = SplitMix(seed: UInt64(input[1]) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(stream.count))
        var derived: [Int] = []
        var total = 0
        while total < stream.count {
            // Mostly short chunks, sometimes long ones, so both sides of the limit get split.
            let size = generator.next() % 4 == 0 ? 1 + Int(generator.next() % 200) : 1 + Int(generator.next() % 8)
            derived.append(min(size, stream.count - total))
            total += derived.last!
        }
        var splits: [(String, [Int])] = [
            ("one write", stream.isEmpty ? [] : [stream.count]),
            ("derived chunks \(derived)", derived),
        ]
        // Byte by byte costs a write per byte: only for short streams (keeps the target fast).
        if stream.count <= 256 { splits.append(("byte by byte", Array(repeating: 1, count: stream.count))) }
        for (name, sizes) in splits {
            let frames = try Self.frames(stream, sizes: sizes, limit: limit, closes: closes)
            guard frames == expected else {
                throw FuzzFailure("limit \(limit), \(name): frames \(frames) but expected \(expected)")
            }
        }
    }

    /// A frame as the checks compare it.
    enum Frame: Equatable, CustomStringConvertible {
        case line([UInt8])
        case tooLong

        var description: String {
            switch self {
            case .line(let bytes): return "\"\(String(decoding: bytes, as: UTF8.self))\""
            case .tooLong: return "<413>"
            }
        }
    }

    /// The frames section 1 asks for: lines end at `\n`, one final `\r` is dropped, empty lines
    /// are nothing, a line over the limit is one `tooLong`; at end of input the rest is a line.
    static func model(_ stream: [UInt8], limit: Int, closes: Bool) -> [Frame] {
        var lines = stream.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
        let last = lines.removeLast()  // after the last `\n`
        if closes { lines.append(last) }
        var frames = lines.compactMap { line -> Frame? in
            let content = line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
            if content.isEmpty { return nil }
            return content.count > limit ? .tooLong : .line(content)
        }
        // An unfinished line is over the limit whatever follows once it has limit + 2 bytes
        // (limit + 1 may still be content and `\r`): its 413 comes without waiting for `\n`.
        if !closes, last.count > limit + 1 { frames.append(.tooLong) }
        return frames
    }

    /// The frames the decoder produces from `stream` written in chunks of `sizes`.
    static func frames(_ stream: [UInt8], sizes: [Int], limit: Int, closes: Bool) throws(FuzzFailure) -> [Frame] {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        var frames: [Frame] = []
        do {
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(LineFrameDecoder(maxLineBytes: limit), maximumBufferSize: limit + 1)
            )
            func drain() throws {
                while let frame = try channel.readInbound(as: LineFrame.self) {
                    switch frame {
                    case .line(let buffer): frames.append(.line(Array(buffer.readableBytesView)))
                    case .tooLong: frames.append(.tooLong)
                    }
                }
            }
            var start = 0
            for size in sizes {
                try channel.writeInbound(ByteBuffer(bytes: stream[start..<(start + size)]))
                start += size
                try drain()
            }
            if closes {
                channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                try channel.throwIfErrorCaught()
                try drain()
            }
        } catch {
            throw FuzzFailure("limit \(limit): the channel failed: \(error)")
        }
        for case .line(let bytes) in frames {
            guard bytes.count <= limit, !bytes.contains(UInt8(ascii: "\n")), !bytes.isEmpty else {
                throw FuzzFailure("limit \(limit): frame of \(bytes.count) bytes: \(Frame.line(bytes))")
            }
        }
        return frames
    }
}

/// SplitMix64, for split points that depend only on the input.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
