import GGUF

/// A byte-level BPE tokenizer built from GGUF metadata that reproduces llama.cpp's token ids.
public final class Tokenizer: Sendable {
    /// The pre-tokenizer selected by `tokenizer.ggml.pre`.
    public let preTokenizer: PreTokenizer
    /// Beginning-of-sequence token id, if the metadata names one.
    public let bosID: Int32?
    /// End-of-sequence token id, if the metadata names one.
    public let eosID: Int32?
    /// End-of-turn token id, if the metadata names one.
    public let eotID: Int32?
    /// End-of-message token id, if the metadata names one.
    public let eomID: Int32?
    /// Every token that ends generation as llama.cpp decides it: eos/eot/eom plus tokens such as `<|im_end|>`.
    public let endOfGenerationIDs: Set<Int32>
    /// Whether `encode(addSpecial: true)` prepends BOS.
    public let addBOS: Bool
    /// Whether `encode(addSpecial: true)` appends EOS.
    public let addEOS: Bool

    let tokens: [String]
    let ids: [String: Int32]
    let attributes: [TokenAttributes]
    let bpe: BPE
    let matcher: SpecialTokenMatcher
    let pieces: TokenPieces

    /// Loads the tokenizer of a GGUF model.
    public convenience init(gguf: GGUFFile) throws {
        try self.init(vocabulary: TokenizerVocabulary(gguf: gguf))
    }

    /// Builds a tokenizer from plain vocabulary data, checking it the way llama.cpp does.
    public init(vocabulary v: TokenizerVocabulary) throws {
        guard v.model == "gpt2" else { throw TokenizerError.unsupportedModel(v.model) }
        guard let pre = PreTokenizer(ggufName: v.pre) else { throw TokenizerError.unsupportedPreTokenizer(v.pre) }
        guard v.tokenTypes.isEmpty || v.tokenTypes.count >= v.tokens.count else {
            throw TokenizerError.invalidMetadata("tokenizer.ggml.token_type")
        }
        guard v.tokens.count < Int(Int32.max) / 2 else { throw TokenizerError.invalidMetadata("tokenizer.ggml.tokens") }

        var tokens = v.tokens
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for i in tokens.indices {
            if tokens[i].isEmpty { tokens[i] = "[EMPTY_\(i)]" }  // llama.cpp's placeholder for empty entries
            if let other = ids.updateValue(Int32(i), forKey: tokens[i]) {
                throw TokenizerError.duplicateToken(tokens[i], first: other, second: Int32(i))
            }
        }

        // Out-of-range ids are ignored, as llama.cpp warns and keeps its default.
        let roles = v.specialIDs.filter { $0.value >= 0 && Int($0.value) < tokens.count }
        let special = SpecialTokens(tokens: tokens, types: v.tokenTypes, ids: ids, roles: roles)

        let addBOS = v.addBOS ?? pre.addsBOSByDefault
        let addEOS = v.addEOS ?? false
        if addBOS && roles[.bos] == nil { throw TokenizerError.missingMetadata(TokenizerVocabulary.Role.bos.key) }
        if addEOS && roles[.eos] == nil { throw TokenizerError.missingMetadata(TokenizerVocabulary.Role.eos.key) }

        self.preTokenizer = pre
        self.bosID = roles[.bos]
        self.eosID = roles[.eos]
        self.eotID = roles[.eot]
        self.eomID = roles[.eom]
        self.endOfGenerationIDs = special.endOfGeneration
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.tokens = tokens
        self.ids = ids
        self.attributes = special.attributes
        self.bpe = BPE(tokens: tokens, ids: ids, merges: v.merges)
        self.matcher = SpecialTokenMatcher(tokens: tokens, attributes: special.attributes)
        self.pieces = TokenPieces(tokens: tokens, attributes: special.attributes)
    }

    /// Number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    /// The id of the token whose vocabulary text is exactly `token` (byte-level form, e.g. "Ġthe").
    public func id(forToken token: String) -> Int32? { ids[token] }

    /// Whether `id` is a control token (type 3, or forced to control by llama.cpp's rules).
    public func isControl(_ id: Int32) -> Bool { attributes(of: id).contains(.control) }

    /// Whether `id` ends generation.
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGenerationIDs.contains(id) }

    /// Token ids for `text`, with special-token text parsed when `parseSpecial` and BOS/EOS added per the metadata when `addSpecial`.
    /// `literalRanges` (UTF-8 byte offsets, sorted and disjoint) are parts of `text` where special-token text is
    /// ordinary text even when `parseSpecial` is on: message content inside a rendered chat prompt.
    // As in llama.cpp, user-defined tokens (type 4) are split out even when `parseSpecial` is false.
    public func encode(_ text: String, addSpecial: Bool = false, parseSpecial: Bool = true,
                       literalRanges: [Range<Int>] = []) -> [Int32] {
        var out: [Int32] = []
        if addSpecial && addBOS, let bos = bosID { out.append(bos) }
        var text = text
        text.withUTF8 { bytes in
            out.reserveCapacity(out.count + bytes.count / 3)
            var session = EncodeSession()
            for fragment in matcher.partition(bytes, parseSpecial: parseSpecial, literal: literalRanges) {
                switch fragment {
                case .token(let id):
                    out.append(id)
                case .text(let range):
                    session.encode(UnsafeBufferPointer(rebasing: bytes[range]), with: self, into: &out)
                }
            }
        }
        if addSpecial && addEOS, let eos = eosID { out.append(eos) }
        return out
    }

    /// The vocabulary text of token `id` ("" outside the vocabulary); for special tokens, the text that parses to them.
    public func tokenText(_ id: Int32) -> String {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : ""
    }

    /// Where `text` holds the text of a control token (one that only `parseSpecial` recognizes, such as
    /// `<|im_end|>`), as UTF-8 byte ranges with the token's id, in order.
    public func controlTokenOccurrences(in text: String) -> [(range: Range<Int>, id: Int32)] {
        var text = text
        return text.withUTF8 { bytes -> [(range: Range<Int>, id: Int32)] in
            var found: [(range: Range<Int>, id: Int32)] = []
            var at = 0
            for fragment in matcher.partition(bytes, parseSpecial: true) {
                switch fragment {
                case .text(let range):
                    at = range.upperBound
                case .token(let id):
                    let length = matcher.textLength(of: id)
                    if !attributes(of: id).isDisjoint(with: [.control, .unknown]) { found.append((at..<(at + length), id)) }
                    at += length
                }
            }
            return found
        }
    }

    /// The text of `ids` as llama.cpp's `llama_detokenize` renders it, dropping control tokens when `skipSpecial`.
    // Bytes that are not valid UTF-8 become U+FFFD; `tokenPieceBytes` gives the raw bytes.
    public func decode(_ ids: [Int32], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids { appendPiece(id, skipSpecial: skipSpecial, to: &bytes) }
        if preTokenizer.cleansSpaces { TokenPieces.cleanSpaces(&bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The raw bytes token `id` renders as, special tokens included, and empty for ids outside the vocabulary.
    public func tokenPieceBytes(_ id: Int32) -> [UInt8] { Array(pieces.bytes(of: id)) }

    /// Appends the piece of `id` unless it is skipped as special.
    func appendPiece(_ id: Int32, skipSpecial: Bool, to bytes: inout [UInt8]) {
        if skipSpecial && !attributes(of: id).isDisjoint(with: [.control, .unknown]) { return }
        bytes.append(contentsOf: pieces.bytes(of: id))
    }

    func attributes(of id: Int32) -> TokenAttributes {
        id >= 0 && Int(id) < attributes.count ? attributes[Int(id)] : []
    }

    /// The token whose text is the byte-level form of `word`, for llama.cpp's `ignore_merges`.
    func wholeWordToken(_ word: UnsafeBufferPointer<UInt8>) -> Int32? {
        ids[ByteLevel.encode(word)]
    }
}
