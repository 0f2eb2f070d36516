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
        #expect(
            try Self.frames(["a\n"] + Array(repeating: String(repeating: "y", count: 7), count: 50) + ["\nb\n"]) == [
                "a", "<413>", "b",
            ]
        )
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

/// PROTOCOL.md section 1: a waiting connection does not keep the buffer of a large request.
struct LineFrameBufferReleaseTests {
    /// A buffer of `capacity` bytes whose last `unread` bytes are still to be read.
    private static func buffer(capacity: Int, unread: Int) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        buffer.writeRepeatingByte(UInt8(ascii: "x"), count: capacity - unread)
        buffer.writeRepeatingByte(UInt8(ascii: "y"), count: unread)
        buffer.moveReaderIndex(forwardBy: capacity - unread)
        return buffer
    }

    /// A 1 MiB buffer holding up to 16 KiB unread is replaced by a small copy of those bytes.
    @Test func largeBufferWithLittleLeftIsReleased() {
        for unread in [0, 10, 16 << 10] {
            var buffer = Self.buffer(capacity: 1 << 20, unread: unread)
            LineFrameDecoder.releaseSpareCapacity(&buffer)
            #expect(buffer.capacity <= 64 << 10)
            #expect(buffer.readableBytes == unread)
            #expect(buffer.readableBytesView.allSatisfy { $0 == UInt8(ascii: "y") })
        }
    }

    /// A buffer at the idle bound, or one still holding more than 16 KiB, is kept as it is.
    @Test func smallOrBusyBufferIsKept() {
        var atBound = Self.buffer(capacity: 32 << 10, unread: 10)
        let capacity = atBound.capacity
        LineFrameDecoder.releaseSpareCapacity(&atBound)
        #expect(atBound.capacity == capacity)
        var busy = Self.buffer(capacity: 1 << 20, unread: (16 << 10) + 1)
        LineFrameDecoder.releaseSpareCapacity(&busy)
        #expect(busy.capacity >= 1 << 20)
        #expect(busy.readableBytes == (16 << 10) + 1)
    }

    /// Through the handler: a 200 KB line followed by the start of the next one still frames
    /// both lines correctly once the rest arrives.
    @Test func framingSurvivesTheRelease() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 1 << 20)))
        let long = String(repeating: "a", count: 200_000)
        try channel.writeInbound(ByteBuffer(string: long + "\nbeg"))
        try channel.writeInbound(ByteBuffer(string: "in\n"))
        var lines: [String] = []
        while let frame = try channel.readInbound(as: LineFrame.self) {
            if case .line(let buffer) = frame { lines.append(String(buffer: buffer)) }
        }
        #expect(lines == [long, "begin"])
        _ = try? channel.finish()
    }
}
