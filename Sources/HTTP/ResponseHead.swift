import Glibc

/// How the bytes after a response head are delimited.
enum BodyFraming: Equatable {
    /// `Content-Length: n`.
    case contentLength(Int)
    /// `Transfer-Encoding: chunked` (RFC 9112 §7.1).
    case chunked
    /// No length; the body ends when the connection closes (HTTP/1.0 streaming, RFC 9112 §6.3 rule 8).
    case untilClose
    /// No body and no length field, for 1xx, 204 and 304.
    case none
}

/// The server-wide response fields that `HTTPServerConfiguration` controls.
struct ResponseOptions: Sendable {
    var serverName: String?
    var sendDateHeader: Bool
}

/// Serialization of a response's status line and header section.
enum ResponseHead {
    /// The head bytes, with framing, `Connection`, `Server` and `Date` fields managed here rather than by the app.
    static func serialize(
        status: HTTPStatus, headers: HTTPHeaders, framing: BodyFraming,
        closeConnection: Bool, requestVersion: HTTPVersion, options: ResponseOptions
    ) -> [UInt8] {
        var text = "HTTP/1.1 \(status.code) \(sanitized(status.reasonPhrase))\r\n"
        var hasServer = false, hasDate = false
        for (name, value) in headers {
            // These describe this connection's framing, which only the server knows.
            if HTTPHeaders.namesEqual(name, "Content-Length") || HTTPHeaders.namesEqual(name, "Transfer-Encoding")
                || HTTPHeaders.namesEqual(name, "Connection") {
                continue
            }
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPSyntax.isTokenChar) else { continue }
            hasServer = hasServer || HTTPHeaders.namesEqual(name, "Server")
            hasDate = hasDate || HTTPHeaders.namesEqual(name, "Date")
            text += "\(name): \(sanitized(value))\r\n"
        }
        if !hasServer, let serverName = options.serverName {
            text += "Server: \(sanitized(serverName))\r\n"
        }
        if !hasDate && options.sendDateHeader {
            text += "Date: \(HTTPDate.now())\r\n"
        }
        switch framing {
        case .contentLength(let length): text += "Content-Length: \(length)\r\n"
        case .chunked: text += "Transfer-Encoding: chunked\r\n"
        case .untilClose, .none: break
        }
        if closeConnection {
            text += "Connection: close\r\n"
        } else if requestVersion == .http1_0 {
            text += "Connection: keep-alive\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// Replaces CR, LF and other controls so an app-supplied value can never split the response.
    static func sanitized(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 < 0x20 && $0 != HTTPSyntax.tab || $0 == 0x7F }) else { return value }
        return String(value.unicodeScalars.map { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F ? " " : Character($0) })
    }

    /// Whether the app's headers ask for the connection to close after this response.
    static func requestsClose(_ headers: HTTPHeaders) -> Bool {
        headers.tokens(for: "Connection").contains("close")
    }
}

/// IMF-fixdate formatting for the `Date` header (RFC 9110 §5.6.7).
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The current time, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    static func now() -> String {
        format(secondsSince1970: time(nil))
    }

    /// Formats a Unix time in GMT.
    static func format(secondsSince1970 seconds: Int) -> String {
        var clock = time_t(seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = days[Int(parts.tm_wday) % 7]
        let month = months[Int(parts.tm_mon) % 12]
        return "\(day), \(twoDigits(parts.tm_mday)) \(month) \(parts.tm_year + 1900) "
            + "\(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) GMT"
    }
}
