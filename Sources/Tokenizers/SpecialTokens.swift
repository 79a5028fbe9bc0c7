/// Per-token attribute bits, as llama.cpp's `llama_token_attr` (llama.h).
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt16
    static let unknown = TokenAttributes(rawValue: 1 << 0)
    static let unused = TokenAttributes(rawValue: 1 << 1)
    static let normal = TokenAttributes(rawValue: 1 << 2)
    static let control = TokenAttributes(rawValue: 1 << 3)
    static let userDefined = TokenAttributes(rawValue: 1 << 4)
    static let byte = TokenAttributes(rawValue: 1 << 5)

    /// The attribute llama.cpp gives each GGUF token type; unknown types become undefined (no bits).
    init(type: Int32) {
        switch TokenizerVocabulary.TokenType(rawValue: type) {
        case .normal: self = .normal
        case .unknown: self = .unknown
        case .control: self = .control
        case .userDefined: self = .userDefined
        case .unused: self = .unused
        case .byte: self = .byte
        case .undefined, nil: self = []
        }
    }

    init(rawValue: UInt16) { self.rawValue = rawValue }
}

/// Token attributes and the end-of-generation set after llama.cpp's text-based fix-ups
/// (`llama_vocab::impl::load`, "special tokens" section): tokens that look like end-of-turn or
/// fill-in-the-middle markers are forced to control type, and EOG is decided largely by token text.
struct SpecialTokens {
    var attributes: [TokenAttributes]
    var endOfGeneration: Set<Int32>

    /// Texts that identify a role when its id is not in the metadata (first match wins).
    static let roleTexts: [(TokenizerVocabulary.Role, [String])] = [
        (.eot, ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"]),
        (.eom, ["<|eom_id|>"]),
        (.fimPrefix, ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
                      "<|code_prefix|>", "<|prefix|>"]),
        (.fimSuffix, ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
                      "<|code_suffix|>", "<|suffix|>"]),
        (.fimMiddle, ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
                      "<|code_middle|>", "<|middle|>"]),
        (.fimPad, ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]),
        (.fimRepo, ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]),
        (.fimSeparator, ["<|file_sep|>"]),
    ]

    /// Texts llama.cpp always treats as end of generation.
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]

    /// gpt-oss markers llama.cpp always renders, by forcing them to user-defined.
    static let alwaysRendered: [String] = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]

    /// - Parameter roles: role ids from the metadata, already checked to be in range.
    init(tokens: [String], types: [Int32], ids: [String: Int32], roles: [TokenizerVocabulary.Role: Int32]) {
        var attrs = tokens.indices.map { types.isEmpty ? TokenAttributes.normal : TokenAttributes(type: types[$0]) }
        var roles = roles

        // llama.cpp scans an unordered map; where several texts of one role exist, the lowest id is
        // taken here as a deterministic stand-in.
        for (role, texts) in Self.roleTexts where roles[role] == nil {
            guard let id = texts.compactMap({ ids[$0] }).min() else { continue }
            roles[role] = id
            attrs[Int(id)].insert(.control)
        }

        var eog = Set<Int32>()
        for role in [TokenizerVocabulary.Role.fimPad, .fimRepo, .fimSeparator] {
            if let id = roles[role] { eog.insert(id) }
        }
        for text in Self.endOfGenerationTexts {
            guard let id = ids[text] else { continue }
            eog.insert(id)
            attrs[Int(id)].insert(.control)
        }
        for text in Self.alwaysRendered {
            if let id = ids[text] { attrs[Int(id)] = .userDefined }
        }
        for role in [TokenizerVocabulary.Role.eos, .eot, .eom] {
            if let id = roles[role] { eog.insert(id) }
        }

        // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation.
        func eogHas(_ text: String) -> Int32? { ids[text].flatMap { eog.contains($0) ? $0 : nil } }
        let hasCall = eogHas("<|call|>") != nil || eogHas("<|calls|>") != nil
        if let end = eogHas("<|end|>"),
           (eogHas("<|return|>") != nil && hasCall) || (hasCall && eogHas("<|flush|>") != nil) {
            eog.remove(end)
            attrs[Int(end)] = .userDefined
        }
        // gemma4 and plamo have a normal "</s>", unlike paddleocr.
        if eogHas("<|tool_response>") != nil || eogHas("<|plamo:eos|>") != nil, let s = eogHas("</s>") {
            eog.remove(s)
            attrs[Int(s)] = .normal
        }

        attributes = attrs
        endOfGeneration = eog
    }
}
