import ContactServer
import NIOCore
import NIOEmbedded
import Testing

/// PROTOCOL.md section 1's framing, on `LineFrameDecoder` inside a `ByteToMessageHandler`.
struct LineFrameDecoderTests {
    /// A frame as text: the line's content, or `<413>` for a line over the limit.
    private static func describe(_ frame: LineFrame) -> String {
        switch frame {
        case .line(let buffer): return String(buffer: buffer)
        case .tooLong: return "<413>"
        }
    }

    /// A channel whose pipeline is the decoder with `limit`.
    private static func makeChannel(limit: Int) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: limit)))
        return channel
    }

    /// Writes each chunk in turn and returns every frame produced.
    private static func frames(limit: Int = 10, _ chunks: [String], endOfInput: Bool = false) throws -> [String] {
        let channel = try Self.makeChannel(limit: limit)
        var frames: [String] = []
        func drain() throws {
            while let frame = try channel.readInbound(as: LineFrame.self) { frames.append(Self.describe(frame)) }
        }
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(string: chunk))
            try drain()
        }
        if endOfInput {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            try drain()
        }
        _ = try? channel.finish()
        return frames
    }

    /// Lines end at `\n`; a final `\r` is dropped; empty lines produce nothing.
    @Test func splitsLinesDropsCarriageReturnsAndEmptyLines() throws {
        #expect(try Self.frames(["abc\nde\r\n\n\r\n\nf\n"]) == ["abc", "de", "f"])
    }

    /// A line of only whitespace is a line (the server answers it with 400).
    @Test func whitespaceOnlyLineIsALine() throws {
        #expect(try Self.frames([" \t\n"]) == [" \t"])
    }

    /// Only the last `\r` before `\n` is dropped; a `\r` elsewhere is content.
    @Test func onlyTheFinalCarriageReturnIsDropped() throws {
        #expect(try Self.frames(["a\rb\r\r\n"]) == ["a\rb\r"])
    }

    /// A line arriving byte by byte is one frame.
    @Test func lineSplitAcrossWritesIsOneFrame() throws {
        #expect(try Self.frames("hello\r\nworld\n".map { String($0) }) == ["hello", "world"])
        #expect(try Self.frames(["hel", "lo\r", "\nwor", "ld", "\n"]) == ["hello", "world"])
    }

    /// Exactly the limit is accepted, with `\n` or `\r\n`; one byte more is one `tooLong`.
    @Test func limitIsInclusive() throws {
        let ten = "0123456789"
        #expect(try Self.frames([ten + "\n"]) == [ten])
        #expect(try Self.frames([ten + "\r\n"]) == [ten])
        #expect(try Self.frames([ten + "\r", "\n"]) == [ten])
        #expect(try Self.frames([ten + "x\n"]) == ["<413>"])
        #expect(try Self.frames([ten + "x\r\n"]) == ["<413>"])
        #expect(try Self.frames([ten + "\rx\n"]) == ["<413>"])
        #expect(try Self.frames([ten, "x", "\n"]) == ["<413>"])
    }

    /// A long line gives one `tooLong` in its place, however it arrives; the next line is intact.
    @Test func longLineGivesOneTooLongInItsPlace() throws {
        let long = String(repeating: "x", count: 1000)
        #expect(try Self.frames(["a\n" + long + "\nb\n"]) == ["a", "<413>", "b"])
        #expect(try Self.frames(["a\n"] + Array(repeating: String(repeating: "y", count: 7), count: 50) + ["\nb\n"]) == ["a", "<413>", "b"])
        #expect(try Self.frames([long, long, "\r\n", "c\n"]) == ["<413>", "c"])
        #expect(try Self.frames([long + "\n" + long + "\n"]) == ["<413>", "<413>"])
    }

    /// At end of input the bytes after the last `\n` are a final line (over the limit: `tooLong`).
    @Test func finalLineAtEndOfInput() throws {
        #expect(try Self.frames(["a\nlast"], endOfInput: true) == ["a", "last"])
        #expect(try Self.frames(["a\nlast\r"], endOfInput: true) == ["a", "last"])
        #expect(try Self.frames(["a\n\r"], endOfInput: true) == ["a"])
        #expect(try Self.frames(["a\n"], endOfInput: true) == ["a"])
        #expect(try Self.frames(["0123456789x"], endOfInput: true) == ["<413>"])
        #expect(try Self.frames([String(repeating: "z", count: 100)], endOfInput: true) == ["<413>"])
    }

    /// The decoder never holds more than about the limit, however long a line gets.
    @Test func bufferStaysBounded() throws {
        let channel = try Self.makeChannel(limit: 64)
        let chunk = String(repeating: "q", count: 4096)
        var tooLong = 0
        for _ in 0..<1000 {
            try channel.writeInbound(ByteBuffer(string: chunk))
            while let frame = try channel.readInbound(as: LineFrame.self) {
                if case .tooLong = frame { tooLong += 1 }
            }
        }
        try channel.writeInbound(ByteBuffer(string: "\nok\n"))
        var lines: [String] = []
        while let frame = try channel.readInbound(as: LineFrame.self) { lines.append(Self.describe(frame)) }
        #expect(tooLong == 1)
        #expect(lines == ["ok"])
        _ = try? channel.finish()
    }
}
