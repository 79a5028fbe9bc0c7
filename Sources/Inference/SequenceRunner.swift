/// Runs one sequence at a time over a contiguous block table: prefill in chunks, then decode token by token.
/// The CLI and the golden tests use it; the server's scheduler drives `Transformer` with many sequences instead.
public final class SequenceRunner {
    public let transformer: Transformer
    private var blockTable: [Int32]
    /// Tokens already in the KV cache.
    public private(set) var position = 0

    /// A runner over `transformer`, using its KV blocks in order for a single sequence.
    public init(transformer: Transformer) {
        self.transformer = transformer
        blockTable = (0..<Int32(transformer.kv.blockCount)).map { $0 }
    }

    /// Forgets the sequence so the next call starts at position 0.
    public func reset() { position = 0 }

    /// Feeds `tokens` (in chunks of the transformer's batch limit) and returns the logits after the last one.
    /// `generated` marks tokens the model produced (decode), which take the packed kernel as in the server.
    public func feed(_ tokens: [Int32], generated: Bool = false) throws -> UnsafeMutableBufferPointer<Float> {
        precondition(!tokens.isEmpty, "feed needs at least one token")
        let limit = min(transformer.maxBatchTokens, transformer.kv.capacity)
        guard position + tokens.count <= min(transformer.config.contextLength, transformer.kv.capacity) else {
            throw ForwardError.contextExceeded(position: position + tokens.count,
                                               limit: min(transformer.config.contextLength, transformer.kv.capacity))
        }
        var start = 0
        while start < tokens.count {
            let end = min(start + limit, tokens.count)
            var batch = ForwardBatch()
            let needed = (position + end - start + transformer.kv.blockSize - 1) / transformer.kv.blockSize
            batch.append(tokens: tokens[start..<end], startPosition: position,
                         blockTable: Array(blockTable.prefix(needed)), wantsLogits: end == tokens.count, generated: generated)
            try transformer.forward(batch)
            position += end - start
            start = end
        }
        return transformer.logitsRow(0)
    }
}
