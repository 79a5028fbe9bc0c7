import Foundation

/// An HTTP protocol version such as 1.1.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    /// The major version number.
    public var major: Int
    /// The minor version number.
    public var minor: Int

    /// Creates a version from its two numbers.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }
}

/// A complete request as received: head, decoded body and, for chunked bodies, trailers.
public struct HTTPRequest: Sendable, Equatable {
    /// The method, case-sensitive as RFC 9110 §9.1 requires (e.g. "GET", "POST").
    public var method: String
    /// The request target exactly as sent on the request line.
    public var target: String
    /// The path part of the target, still percent-encoded ("*" for `OPTIONS *`).
    public var path: String
    /// The query part of the target without the "?", still percent-encoded; nil when the target has no "?".
    public var query: String?
    /// The protocol version from the request line.
    public var version: HTTPVersion
    /// The header fields in received order.
    public var headers: HTTPHeaders
    /// The body with any transfer coding removed.
    public var body: [UInt8]
    /// Trailer fields sent after a chunked body (RFC 9112 §7.1.2); empty otherwise.
    public var trailers: HTTPHeaders
    /// The peer's numeric address, e.g. "127.0.0.1:51234" or "[::1]:51234"; nil outside a server.
    public var remoteAddress: String?

    /// Creates a request; the server's parser is the usual source, this is for tests and adapters.
    public init(
        method: String, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:],
        body: [UInt8] = [], trailers: HTTPHeaders = [:], remoteAddress: String? = nil
    ) {
        self.method = method
        self.target = target
        let (path, query) = RequestTarget.split(target)
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.trailers = trailers
        self.remoteAddress = remoteAddress
    }

    /// The body as `Data`, for `JSONDecoder` and friends.
    public var bodyData: Data { Data(body) }

    /// Whether the client allows the connection to stay open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let options = headers.tokens(for: "Connection")
        if version.major == 1 && version.minor == 0 {
            return options.contains("keep-alive") && !options.contains("close")
        }
        return !options.contains("close")
    }
}

/// Splitting of a request target into path and query (RFC 9112 §3.2).
enum RequestTarget {
    /// Splits an origin-form or absolute-form target into its path and optional query.
    static func split(_ target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        if let schemeEnd = rest.range(of: "://"), !rest.hasPrefix("/") {
            // absolute-form: drop scheme and authority; the path starts at the next "/" or "?".
            let afterAuthority = rest[schemeEnd.upperBound...]
            if let pathStart = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = afterAuthority[pathStart...]
            } else {
                rest = ""
            }
        }
        guard let questionMark = rest.firstIndex(of: "?") else {
            return (rest.isEmpty ? "/" : String(rest), nil)
        }
        let path = rest[..<questionMark]
        return (path.isEmpty ? "/" : String(path), String(rest[rest.index(after: questionMark)...]))
    }
}
