import Foundation

/// A complete response: status, headers and body; the server adds framing, `Server`, `Date` and `Connection`.
public struct HTTPResponse: Sendable, Equatable {
    /// The status line's code and reason.
    public var status: HTTPStatus
    /// Application headers; framing fields (Content-Length, Transfer-Encoding) are replaced by the server.
    public var headers: HTTPHeaders
    /// The body bytes; omitted on the wire for HEAD requests and for 1xx/204/304.
    public var body: [UInt8]

    /// Creates a response; `Content-Length` is computed when it is sent.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// An `application/json` response from already-encoded JSON text.
    public static func json(_ json: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(json.utf8))
    }

    /// An `application/json` response encoding `value` with `encoder`.
    public static func json<Value: Encodable>(
        _ value: Value, status: HTTPStatus = .ok, encoder: JSONEncoder = JSONEncoder()
    ) throws -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(try encoder.encode(value)))
    }
}

/// The hook that turns a protocol-level failure (400, 408, 413, 431, 500, 501, 503 …) into a response body.
public typealias HTTPErrorResponder = @Sendable (_ status: HTTPStatus, _ message: String) -> HTTPResponse

/// Minimal JSON string encoding, so error bodies (and log lines) need no encoder and stay byte-for-byte predictable.
public enum JSONText {
    /// `value` as a quoted JSON string literal (RFC 8259 §7).
    public static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
