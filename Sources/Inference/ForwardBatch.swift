/// The input of one forward pass: the new tokens of several sequences, concatenated ("varlen" batch).
///
/// Rows come in two classes, prompt rows first (prompt positions, then generated positions); every row goes through
/// the same row-invariant kernels, so a position's numbers never depend on what else shares the pass.
public struct ForwardBatch: Sendable {
    /// One sequence's share of the batch.
    public struct Sequence: Sendable {
        /// Index of this sequence's first token in `tokens`.
        public var tokenOffset: Int
        /// Number of new tokens this step (a prefill chunk, or 1 for decode).
        public var tokenCount: Int
        /// Position of the first new token; positions `0..<startPosition` are already in the KV cache.
        public var startPosition: Int
        /// KV block ids covering positions `0..<startPosition + tokenCount`.
        public var blockTable: [Int32]
        /// Whether to compute logits for this sequence's last new token.
        public var wantsLogits: Bool

        public init(tokenOffset: Int, tokenCount: Int, startPosition: Int, blockTable: [Int32], wantsLogits: Bool) {
            self.tokenOffset = tokenOffset
            self.tokenCount = tokenCount
            self.startPosition = startPosition
            self.blockTable = blockTable
            self.wantsLogits = wantsLogits
        }
    }

    public var tokens: [Int32]
    public var sequences: [Sequence]
    /// Rows `0..<promptRows` are prompt positions; the rest are generated positions.
    public private(set) var promptRows = 0

    public init() {
        tokens = []
        sequences = []
    }

    /// Appends a sequence's new tokens; all prompt-position parts must come before any generated-position part.
    public mutating func append(tokens new: some Collection<Int32>, startPosition: Int, blockTable: [Int32], wantsLogits: Bool,
                                generated: Bool = false) {
        precondition(generated || promptRows == tokens.count, "prompt rows must precede generated rows")
        sequences.append(Sequence(tokenOffset: tokens.count, tokenCount: new.count, startPosition: startPosition,
                                  blockTable: blockTable, wantsLogits: wantsLogits))
        tokens.append(contentsOf: new)
        if !generated { promptRows = tokens.count }
    }
}

/// Why a forward pass refused its input.
public enum ForwardError: Error, CustomStringConvertible, Equatable {
    case tokenOutOfRange(Int32, vocabSize: Int)
    case batchTooLarge(tokens: Int, limit: Int)
    case tooManyLogitRows(Int, limit: Int)
    case contextExceeded(position: Int, limit: Int)
    case blockTableTooShort(needed: Int, have: Int)
    case badBlock(Int32)

    public var description: String {
        switch self {
        case .tokenOutOfRange(let t, let v): "token id \(t) is out of range (vocabulary size \(v))"
        case .batchTooLarge(let t, let l): "batch of \(t) tokens exceeds the step limit \(l)"
        case .tooManyLogitRows(let r, let l): "\(r) logit rows exceed the limit \(l)"
        case .contextExceeded(let p, let l): "position \(p) exceeds the context length \(l)"
        case .blockTableTooShort(let n, let h): "block table has \(h) blocks, \(n) needed"
        case .badBlock(let b): "block id \(b) is out of range"
        }
    }
}
