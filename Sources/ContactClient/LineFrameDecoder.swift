import NIOCore

/// Splits the server's output into lines (without their `\n`). The server never writes a raw
/// newline inside a response, so a line is exactly one response. Bytes after the last `\n` when
/// the connection ends are an unfinished response and are dropped.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// How many readable bytes are already known to hold no `\n`.
    private var scanned = 0

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.dropFirst(self.scanned).firstIndex(of: UInt8(ascii: "\n")) else {
            self.scanned = view.count
            return .needMoreData
        }
        let length = newline - view.startIndex
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        self.scanned = 0
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        self.scanned = 0
        return .needMoreData
    }
}
