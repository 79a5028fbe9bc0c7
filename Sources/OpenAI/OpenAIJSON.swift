import Foundation
@_exported import JSON

/// The one place response bytes are produced: compact JSON, raw UTF-8, unescaped slashes, sorted keys.
public enum OpenAIJSON {
    /// Encodes `value`; the response types hold only strings, integers and finite floats, so encoding cannot fail,
    /// and if it ever did the caller still gets a well-formed OpenAI server error instead of a crash.
    public static func encode<Value: Encodable>(_ value: Value) -> Data {
        let encoder = JSONEncoder()
        // Sorted keys make the bytes deterministic: JSONEncoder's key order otherwise follows per-process hash seeds.
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        do {
            return try encoder.encode(value)
        } catch {
            return Data(#"{"error":{"code":null,"message":"The response could not be encoded.","param":null,"type":"server_error"}}"#.utf8)
        }
    }

    /// A fresh response id such as `chatcmpl-4f9Q…` (24 random alphanumerics after the prefix and dash).
    public static func makeID(prefix: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        var id = prefix + "-"
        for _ in 0..<24 { id.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        return id
    }

    /// The current time in whole unix seconds, as OpenAI's `created` fields carry it.
    public static func now() -> Int {
        Int(Date().timeIntervalSince1970)
    }

    /// JSON cannot carry -inf or NaN; vLLM reports masked tokens' log-probabilities as -9999.0, and so do we.
    static func finite(_ logprob: Float) -> Float {
        logprob.isFinite ? logprob : -9999.0
    }
}

/// Token accounting for one request, encoded as `{"prompt_tokens","completion_tokens","total_tokens"}`.
public struct Usage: Sendable, Equatable, Encodable {
    /// Tokens in the rendered prompt.
    public var promptTokens: Int
    /// Tokens generated over all choices.
    public var completionTokens: Int
    /// The sum of the two.
    public var totalTokens: Int { promptTokens + completionTokens }

    /// Creates usage from prompt and completion counts.
    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    private enum Keys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }

    /// Encodes the three counts.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
    }
}

/// Why a choice stopped: a stop string or end-of-sequence token (`stop`), or the token budget (`length`).
public enum FinishReason: String, Sendable, Equatable, Encodable {
    /// A stop string or end-of-sequence token ended the choice.
    case stop
    /// The token budget or the context window ended the choice.
    case length
    /// The model called one or more tools.
    case toolCalls = "tool_calls"
}
