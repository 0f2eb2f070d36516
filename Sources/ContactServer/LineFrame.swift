public import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One request line as the framing layer delivers it (PROTOCOL.md section 1).
public enum LineFrame: Sendable {
    /// A line's content, without `\n` or `\r\n`; never empty.
    case line(ByteBuffer)
    /// A line longer than the limit, answered with 413; its bytes were discarded.
    case tooLong
}

/// Splits a byte stream into lines of at most `maxLineBytes`, without ever buffering more than
/// that: a longer line is reported once as ``LineFrame/tooLong`` and skipped up to its `\n`.
public struct LineFrameDecoder: ByteToMessageDecoder {
    /// Frames delivered to the next handler.
    public typealias InboundOut = LineFrame

    private let maxLineBytes: Int
    private let isStopping: @Sendable () -> Bool
    private var discarding = false
    private var scanned = 0

    /// A decoder with the given line limit. `isStopping` tells whether the server itself closed
    /// the input (shutdown): then bytes after the last `\n` are an unfinished request, not a
    /// final line, and are dropped unanswered.
    public init(maxLineBytes: Int, isStopping: @escaping @Sendable () -> Bool = { false }) {
        self.maxLineBytes = maxLineBytes
        self.isStopping = isStopping
    }

    /// Emits one frame when a complete line (or an over-long prefix) is buffered.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = Self.newlineOffset(in: buffer, from: self.scanned) else {
            if self.discarding {
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                self.scanned = 0
                return .needMoreData
            }
            // `\r` may still come before `\n`: a line of exactly the limit is limit + 1 bytes then.
            if buffer.readableBytes > self.maxLineBytes + 1 {
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                self.scanned = 0
                self.discarding = true
                context.fireChannelRead(Self.wrapInboundOut(.tooLong))
                return .continue
            }
            self.scanned = buffer.readableBytes
            Self.releaseSpareCapacity(&buffer)
            return .needMoreData
        }
        self.scanned = 0
        if self.discarding {
            buffer.moveReaderIndex(forwardBy: length + 1)
            self.discarding = false
            return .continue
        }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        self.emit(&line, context: context)
        return .continue
    }

    /// The offset from the reader index of the first `\n` at or after `start`, nil when there
    /// is none; searched with `memchr` (a request line is kilobytes long).
    private static func newlineOffset(in buffer: ByteBuffer, from start: Int) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            guard start < bytes.count, let base = bytes.baseAddress,
                let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
            else { return nil }
            return UnsafeRawPointer(found) - base
        }
    }

    /// At end of input, the bytes after the last `\n` are a final line (unless the server is
    /// shutting down, when they are an unfinished request).
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        if seenEOF, buffer.readableBytes > 0, !self.discarding, !self.isStopping() {
            var line = buffer.readSlice(length: buffer.readableBytes)!
            self.emit(&line, context: context)
        }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        self.scanned = 0
        self.discarding = false
        return .needMoreData
    }

    /// Replaces a buffer whose capacity is far above what it still holds (it took a large
    /// request) with a copy of its unread bytes, so a waiting connection does not keep the large
    /// buffer (PROTOCOL.md section 1). Lines already emitted keep their own slices of it.
    public static func releaseSpareCapacity(_ buffer: inout ByteBuffer) {
        guard buffer.capacity > ServerConfiguration.idleBufferBytes,
            buffer.readableBytes <= ServerConfiguration.idleBufferBytes / 2
        else { return }
        var compact = ByteBufferAllocator().buffer(capacity: Swift.max(buffer.readableBytes, 1024))
        compact.writeImmutableBuffer(buffer)
        buffer = compact
    }

    private func emit(_ line: inout ByteBuffer, context: ChannelHandlerContext) {
        if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        if line.readableBytes == 0 { return }
        if line.readableBytes > self.maxLineBytes {
            context.fireChannelRead(Self.wrapInboundOut(.tooLong))
        } else {
            context.fireChannelRead(Self.wrapInboundOut(.line(line)))
        }
    }
}
