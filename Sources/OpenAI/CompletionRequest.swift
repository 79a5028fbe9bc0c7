import Foundation

/// The prompt of a legacy completions request.
public enum CompletionPrompt: Sendable, Equatable {
    /// Text to tokenize.
    case text(String)
    /// Token ids used as they are.
    case tokens([Int32])
}

/// A validated `POST /v1/completions` body.
///
/// `prompt` may be a string, an array of one string, an array of token ids or an array of one such array;
/// batches of several prompts, `echo`, `best_of` > 1 and `suffix` are rejected with a 400.
public struct CompletionRequest: Sendable, Equatable {
    /// The requested model id; nil when the client left it out, which means the served model (as llama-server and vLLM do).
    public var model: String?
    /// The prompt, never empty.
    public var prompt: CompletionPrompt
    /// Sampling and output options; `maxTokens` defaults to 16 like OpenAI's legacy endpoint.
    public var settings: GenerationSettings
    /// The caller's end-user id, for logs only.
    public var user: String?

    /// Creates a request from already-validated parts.
    public init(model: String?, prompt: CompletionPrompt, settings: GenerationSettings = GenerationSettings(maxTokens: 16), user: String? = nil) {
        self.model = model
        self.prompt = prompt
        self.settings = settings
        self.user = user
    }

    /// Parses and validates a request body.
    public static func decode(from body: Data) throws(OpenAIError) -> CompletionRequest {
        try CompletionRequest(RequestReader.body(body))
    }

    init(_ reader: RequestReader) throws(OpenAIError) {
        model = try reader.string("model")
        prompt = try Self.prompt(reader)
        settings = try GenerationSettings(reader, kind: .completion)
        try UnsupportedFeatures.check(reader, kind: .completion)
        user = try reader.string("user")
    }

    private static func prompt(_ reader: RequestReader) throws(OpenAIError) -> CompletionPrompt {
        guard let value = reader.value("prompt") else { throw .missingParameter("prompt") }
        let prompt: CompletionPrompt
        switch value {
        case .string(let text):
            prompt = .text(text)
        case .array(let elements):
            guard let first = elements.first else { throw emptyPrompt }
            if elements.count > 1, case .string = first { throw batchedPrompt }
            if elements.count > 1, case .array = first { throw batchedPrompt }
            switch first {
            case .string(let text):
                prompt = .text(text)
            case .array(let tokens):
                prompt = .tokens(try tokenIDs(tokens, path: "prompt[0]"))
            default:
                prompt = .tokens(try tokenIDs(elements, path: "prompt"))
            }
        default:
            throw .invalidType("prompt", expected: "a string or an array", got: value)
        }
        switch prompt {
        case .text(let text) where text.isEmpty: throw emptyPrompt
        case .tokens(let tokens) where tokens.isEmpty: throw emptyPrompt
        default: return prompt
        }
    }

    private static func tokenIDs(_ elements: [JSONValue], path: String) throws(OpenAIError) -> [Int32] {
        var tokens: [Int32] = []
        tokens.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let id = try RequestReader.int(element, param: "\(path)[\(index)]", in: 0...Int(Int32.max))
            tokens.append(Int32(id))
        }
        return tokens
    }

    private static let emptyPrompt = OpenAIError.invalidRequest("The prompt must not be empty.", param: "prompt", code: "invalid_value")

    private static let batchedPrompt = OpenAIError.invalidRequest(
        "Batched prompts (an array of several prompts) are not supported by this server; send one prompt per request.",
        param: "prompt", code: "unsupported_parameter")
}
