import GGUF

/// The tokenizer metadata of a GGUF file as plain values, which tests also fill in by hand.
public struct TokenizerVocabulary: Sendable {
    /// Token types as GGUF stores them in `tokenizer.ggml.token_type`.
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// Special-token roles that have GGUF id keys.
    public enum Role: String, Sendable, CaseIterable {
        case bos, eos, eot, eom, fimPrefix, fimSuffix, fimMiddle, fimPad, fimRepo, fimSeparator

        /// The `tokenizer.ggml.*` key holding this role's id (llama-arch.cpp).
        var key: String {
            switch self {
            case .bos: "tokenizer.ggml.bos_token_id"
            case .eos: "tokenizer.ggml.eos_token_id"
            case .eot: "tokenizer.ggml.eot_token_id"
            case .eom: "tokenizer.ggml.eom_token_id"
            case .fimPrefix: "tokenizer.ggml.fim_pre_token_id"
            case .fimSuffix: "tokenizer.ggml.fim_suf_token_id"
            case .fimMiddle: "tokenizer.ggml.fim_mid_token_id"
            case .fimPad: "tokenizer.ggml.fim_pad_token_id"
            case .fimRepo: "tokenizer.ggml.fim_rep_token_id"
            case .fimSeparator: "tokenizer.ggml.fim_sep_token_id"
            }
        }

        /// Older key names llama.cpp still reads, after (and so overriding) the current ones.
        var deprecatedKey: String? {
            switch self {
            case .fimPrefix: "tokenizer.ggml.prefix_token_id"
            case .fimSuffix: "tokenizer.ggml.suffix_token_id"
            case .fimMiddle: "tokenizer.ggml.middle_token_id"
            default: nil
            }
        }
    }

    /// `tokenizer.ggml.model`; only "gpt2" (byte-level BPE) is supported.
    public var model: String
    /// `tokenizer.ggml.pre`, selecting the pre-tokenizer regexes.
    public var pre: String
    /// `tokenizer.ggml.tokens`: token texts in id order (byte-level encoded).
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`, one per token; empty means every token is normal.
    public var tokenTypes: [Int32]
    /// `tokenizer.ggml.merges`: "left right" pairs, best (lowest rank) first.
    public var merges: [String]
    /// Ids of special-token roles present in the metadata.
    public var specialIDs: [Role: Int32]
    /// `tokenizer.ggml.add_bos_token`, nil when absent (the pre-tokenizer's default applies).
    public var addBOS: Bool?
    /// `tokenizer.ggml.add_eos_token`, nil when absent (false).
    public var addEOS: Bool?

    /// A vocabulary from plain values.
    public init(model: String = "gpt2", pre: String, tokens: [String], tokenTypes: [Int32] = [], merges: [String],
                specialIDs: [Role: Int32] = [:], addBOS: Bool? = nil, addEOS: Bool? = nil) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.specialIDs = specialIDs
        self.addBOS = addBOS
        self.addEOS = addEOS
    }

    /// Reads the `tokenizer.ggml.*` metadata of a GGUF file.
    public init(gguf file: GGUFFile) throws {
        let md = file.metadata
        guard let model = md["tokenizer.ggml.model"] else { throw TokenizerError.missingMetadata("tokenizer.ggml.model") }
        guard let modelName = model.string else { throw TokenizerError.invalidMetadata("tokenizer.ggml.model") }
        guard let pre = md["tokenizer.ggml.pre"] else { throw TokenizerError.missingMetadata("tokenizer.ggml.pre") }
        guard let preName = pre.string else { throw TokenizerError.invalidMetadata("tokenizer.ggml.pre") }

        func strings(_ key: String) throws -> [String] {
            guard let v = md[key] else { throw TokenizerError.missingMetadata(key) }
            guard let items = v.array else { throw TokenizerError.invalidMetadata(key) }
            return try items.map { item in
                guard let s = item.string else { throw TokenizerError.invalidMetadata(key) }
                return s
            }
        }
        let tokens = try strings("tokenizer.ggml.tokens")
        let merges = try strings("tokenizer.ggml.merges")

        var types: [Int32] = []
        if let v = md["tokenizer.ggml.token_type"] {
            guard let items = v.array else { throw TokenizerError.invalidMetadata("tokenizer.ggml.token_type") }
            types = try items.map { item in
                guard let t = item.int, let t32 = Int32(exactly: t) else {
                    throw TokenizerError.invalidMetadata("tokenizer.ggml.token_type")
                }
                return t32
            }
        }

        var ids: [Role: Int32] = [:]
        for role in Role.allCases {
            for key in [role.key, role.deprecatedKey].compactMap({ $0 }) {
                guard let v = md[key] else { continue }
                guard let i = v.int, let id = Int32(exactly: i) else { throw TokenizerError.invalidMetadata(key) }
                ids[role] = id
            }
        }

        func flag(_ key: String) throws -> Bool? {
            guard let v = md[key] else { return nil }
            guard let b = v.bool else { throw TokenizerError.invalidMetadata(key) }
            return b
        }

        self.init(model: modelName, pre: preName, tokens: tokens, tokenTypes: types, merges: merges, specialIDs: ids,
                  addBOS: try flag("tokenizer.ggml.add_bos_token"), addEOS: try flag("tokenizer.ggml.add_eos_token"))
    }
}
