/// Why a tokenizer could not be built; every case names the offending model, key or token.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// `tokenizer.ggml.model` is not one this package implements (only "gpt2", byte-level BPE).
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer this package does not implement.
    case unsupportedPreTokenizer(String)
    /// A required metadata key is absent.
    case missingMetadata(String)
    /// A metadata key is present but has the wrong type or shape.
    case invalidMetadata(String)
    /// Two vocabulary entries have the same text (llama.cpp rejects such vocabularies too).
    case duplicateToken(String, first: Int32, second: Int32)

    public var description: String {
        switch self {
        case .unsupportedModel(let m): "unsupported tokenizer model '\(m)' (supported: gpt2)"
        case .unsupportedPreTokenizer(let p):
            "unsupported pre-tokenizer '\(p)' (supported: \(PreTokenizer.supportedNames.joined(separator: ", ")))"
        case .missingMetadata(let k): "missing tokenizer metadata '\(k)'"
        case .invalidMetadata(let k): "invalid tokenizer metadata '\(k)'"
        case .duplicateToken(let t, let a, let b): "duplicate token '\(t)' with ids \(a) and \(b)"
        }
    }
}
