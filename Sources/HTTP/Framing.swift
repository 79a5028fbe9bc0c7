/// How a request's body is delimited and whether the client waits for `100 Continue` (RFC 9112 §6).
struct Framing: Equatable {
    enum Length: Equatable {
        case none
        case fixed(Int)
        case chunked
    }

    var length: Length
    var expectsContinue: Bool

    static let bodyTooLarge = HTTPParseError(.payloadTooLarge, "Request body is too large.")

    /// Derives the framing from a parsed head, rejecting the ambiguous cases request smuggling relies on.
    init(_ request: HTTPRequest, maxBodyBytes: Int) throws(HTTPParseError) {
        let headers = request.headers
        let hosts = headers.values(for: "Host")
        // RFC 9112 §3.2: exactly one Host in HTTP/1.1, never more than one in any version.
        if hosts.count > 1 || (hosts.isEmpty && request.version == .http1_1) {
            throw HTTPParseError(.badRequest, "Request must have exactly one Host header.")
        }

        let contentLengths = headers.values(for: "Content-Length")
        if headers.contains("Transfer-Encoding") {
            // RFC 9112 §6.1 lets a server reject both together, and §6.3 calls it a smuggling attempt.
            guard contentLengths.isEmpty else {
                throw HTTPParseError(.badRequest, "Content-Length and Transfer-Encoding must not both be present.")
            }
            guard request.version != .http1_0 else {
                throw HTTPParseError(.badRequest, "Transfer-Encoding is not valid in HTTP/1.0.")
            }
            let codings = headers.tokens(for: "Transfer-Encoding")
            guard !codings.isEmpty else {
                throw HTTPParseError(.badRequest, "Empty Transfer-Encoding.")
            }
            if let unsupported = codings.first(where: { $0 != "chunked" }) {
                throw HTTPParseError(.notImplemented, "Unsupported transfer coding '\(unsupported)'.")
            }
            guard codings.count == 1 else {
                throw HTTPParseError(.badRequest, "Chunked transfer coding applied more than once.")
            }
            length = .chunked
        } else if !contentLengths.isEmpty {
            let value = try HTTPSyntax.parseContentLength(contentLengths)
            guard value <= maxBodyBytes else { throw Self.bodyTooLarge }
            length = value == 0 ? .none : .fixed(value)
        } else {
            length = .none
        }

        let expectations = headers.tokens(for: "Expect")
        guard expectations.allSatisfy({ $0 == "100-continue" }) else {
            throw HTTPParseError(.expectationFailed, "Only 'Expect: 100-continue' is supported.")
        }
        expectsContinue = !expectations.isEmpty && length != .none
    }
}
