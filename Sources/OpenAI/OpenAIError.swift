import Foundation

/// An API error with its HTTP status, encoded as OpenAI's `{"error":{"message","type","param","code"}}`.
public struct OpenAIError: Error, Sendable, Equatable {
    /// The HTTP status code to answer with.
    public var status: Int
    /// The human-readable explanation.
    public var message: String
    /// OpenAI's error category, e.g. `invalid_request_error` or `server_error`.
    public var type: String
    /// The request parameter at fault, in OpenAI's notation (`messages[2].role`), or nil.
    public var param: String?
    /// A machine-readable code such as `model_not_found`, or nil.
    public var code: String?
    /// Seconds for a `Retry-After` header; not part of the JSON body.
    public var retryAfter: Int?

    /// Creates an error from its parts.
    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }

    /// The encoded body, `{"error":{…}}`, with `param` and `code` present as null when absent.
    public var jsonData: Data { OpenAIJSON.encode(self) }
}

extension OpenAIError: Encodable {
    private enum OuterKeys: String, CodingKey { case error }
    private enum Keys: String, CodingKey { case message, type, param, code }

    /// Encodes the OpenAI envelope; `param` and `code` are written as explicit nulls like OpenAI does.
    public func encode(to encoder: any Encoder) throws {
        var outer = encoder.container(keyedBy: OuterKeys.self)
        var inner = outer.nestedContainer(keyedBy: Keys.self, forKey: .error)
        try inner.encode(message, forKey: .message)
        try inner.encode(type, forKey: .type)
        try inner.encode(param, forKey: .param)
        try inner.encode(code, forKey: .code)
    }
}

// MARK: - Constructors

extension OpenAIError {
    /// A 400 `invalid_request_error`.
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// The 404 OpenAI returns for an unknown model, with its wording.
    public static func modelNotFound(_ model: String) -> OpenAIError {
        OpenAIError(
            status: 404, message: "The model `\(model)` does not exist or you do not have access to it.",
            type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    /// The 400 for a prompt plus completion budget over the context window, worded like OpenAI's.
    ///
    /// `param` is "messages" for chat and "prompt" for completions; with `maxTokens` nil only the prompt is reported.
    public static func contextLengthExceeded(promptTokens: Int, maxTokens: Int?, limit: Int, param: String = "messages") -> OpenAIError {
        let noun = param == "messages" ? "messages" : "prompt"
        let message: String
        if let maxTokens {
            message = "This model's maximum context length is \(limit) tokens. However, you requested "
                + "\(promptTokens + maxTokens) tokens (\(promptTokens) in the \(noun), \(maxTokens) in the completion). "
                + "Please reduce the length of the \(noun) or completion."
        } else {
            message = "This model's maximum context length is \(limit) tokens. However, your \(noun) resulted in "
                + "\(promptTokens) tokens. Please reduce the length of the \(noun)."
        }
        return .invalidRequest(message, param: param, code: "context_length_exceeded")
    }

    /// The 401 for a missing or wrong API key; the key itself is never echoed back.
    public static func authentication(keyProvided: Bool = true) -> OpenAIError {
        let message = keyProvided
            ? "Incorrect API key provided."
            : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        return OpenAIError(
            status: 401, message: message, type: "invalid_request_error", param: nil,
            code: keyProvided ? "invalid_api_key" : nil)
    }

    /// The 404 for an unknown route, worded like OpenAI's "Invalid URL (POST /v1/x)".
    public static func notFound(_ path: String, method: String? = nil) -> OpenAIError {
        let target = method.map { "\($0) \(path)" } ?? path
        return OpenAIError(status: 404, message: "Invalid URL (\(target))", type: "invalid_request_error")
    }

    /// The 405 for a known route used with the wrong method.
    public static func methodNotAllowed(_ method: String, _ path: String) -> OpenAIError {
        OpenAIError(status: 405, message: "Invalid method for URL (\(method) \(path))", type: "invalid_request_error")
    }

    /// The 429 for a full admission queue, shaped like OpenAI's rate-limit error (type "requests", code "rate_limit_exceeded").
    public static func queueFull(retryAfter: Int) -> OpenAIError {
        OpenAIError(
            status: 429,
            message: "The server is at capacity and its request queue is full. Please try again in \(retryAfter)s.",
            type: "requests", param: nil, code: "rate_limit_exceeded", retryAfter: retryAfter)
    }

    /// The 413 for a request body over the server's limit.
    public static func payloadTooLarge(limit: Int? = nil) -> OpenAIError {
        let suffix = limit.map { " The maximum size is \($0) bytes." } ?? ""
        return OpenAIError(status: 413, message: "The request body is too large.\(suffix)", type: "invalid_request_error")
    }

    /// A 500 `server_error`.
    public static func server(_ message: String) -> OpenAIError {
        OpenAIError(status: 500, message: message, type: "server_error")
    }

    /// A 503 `server_error` for a server that is loading, draining or overloaded.
    public static func unavailable(_ message: String = "The server is overloaded or not ready yet.", retryAfter: Int? = nil) -> OpenAIError {
        OpenAIError(status: 503, message: message, type: "server_error", retryAfter: retryAfter)
    }

    /// The 503 for a request the server's drain deadline cut short: a non-streaming response, or the last event of a
    /// stream, so the client can tell a cut answer from a finished one.
    public static let shuttingDown = OpenAIError(
        status: 503, message: "The server is shutting down; the request was stopped before it finished. Retry it.",
        type: "server_error", code: "server_shutdown")
}
