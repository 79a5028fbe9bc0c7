/// One Server-Sent Event, serialized per the HTML Living Standard §9.2 "event stream" format.
public struct SSEEvent: Sendable, Equatable {
    /// The payload; each of its lines becomes one `data:` line, so the client reassembles it exactly.
    public var data: String
    /// The `event:` type, or nil for the default "message".
    public var event: String?
    /// The `id:` field, or nil.
    public var id: String?
    /// The `retry:` reconnection time in milliseconds, or nil.
    public var retry: Int?

    /// Creates an event from its payload and optional fields.
    public init(data: String, event: String? = nil, id: String? = nil, retry: Int? = nil) {
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
    }

    /// The wire form: optional `event:`/`id:`/`retry:` lines, `data: <line>` per payload line, then a blank line.
    public var bytes: [UInt8] {
        var text = ""
        // Field values other than data cannot span lines; line breaks would start a new field.
        if let event { text += "event: \(Self.singleLine(event))\n" }
        if let id { text += "id: \(Self.singleLine(id).replacingNUL())\n" }
        if let retry { text += "retry: \(retry)\n" }
        for line in Self.lines(data) {
            text += "data: \(line)\n"
        }
        text += "\n"
        return Array(text.utf8)
    }

    /// Splits on CRLF, LF or CR, the three line endings the event-stream parser recognizes.
    static func lines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        // Iterating Characters would merge "\r\n" into one; scalars keep the three endings distinct.
        let scalars = text.unicodeScalars
        while index < text.endIndex {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" {
                lines.append(text[start..<index])
                var next = scalars.index(after: index)
                if scalar == "\r", next < text.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                index = next
            } else {
                index = scalars.index(after: index)
            }
        }
        lines.append(text[start..<text.endIndex])
        return lines
    }

    private static func singleLine(_ value: String) -> String {
        lines(value).joined(separator: " ")
    }
}

extension String {
    fileprivate func replacingNUL() -> String {
        // The event-stream parser ignores an id containing NUL.
        String(unicodeScalars.filter { $0 != "\0" }.map(Character.init))
    }
}

/// Helpers for streaming Server-Sent Events through an `HTTPStream`.
public enum ServerSentEvents {
    /// Response headers for an event stream; `X-Accel-Buffering: no` stops nginx-style proxies from buffering it.
    public static let headers: HTTPHeaders = [
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
    ]

    /// `data: <payload>\n\n`, with a multi-line payload split into one `data:` line per line.
    public static func format(data: String) -> [UInt8] {
        SSEEvent(data: data).bytes
    }

    /// The OpenAI stream terminator, `data: [DONE]\n\n`.
    public static let done: [UInt8] = Array("data: [DONE]\n\n".utf8)

    /// A comment line (`: text\n\n`), which clients ignore; useful as a keep-alive heartbeat.
    public static func comment(_ text: String = "") -> [UInt8] {
        Array(SSEEvent.lines(text).map { ": \($0)\n" }.joined().utf8) + [0x0A]
    }
}
